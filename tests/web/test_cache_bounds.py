"""The dashboard's cache stays within its bounds, and workers compute a shared entry once.

The byte bound is checked against sizes recomputed here (polars' own estimate of a frame,
the lengths of bytes and strings); the single computation across workers with real
processes that race for the same entry of a real shared folder.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from parity.web.cache import TableCache, size_of
from parity.web.config import WebSettings
from parity.web.runtime import Runtime
from parity.web.served import Served
from parity.web.shared import FRAMES, STRINGS, SharedFolder

from .conftest import WebData

ROOT = Path(__file__).resolve().parents[2]


def frame(rows: int) -> dict[str, pl.DataFrame]:
    return {"t": pl.DataFrame({"a": range(rows), "b": [f"row {i}" for i in range(rows)]})}


def test_sizes_follow_the_values() -> None:
    data = frame(10_000)
    assert size_of(data) >= data["t"].estimated_size() > 10_000 * 8
    served = Served(b"x" * 50_000, "y" * 70_000, True)
    assert 120_000 <= size_of(served) < 121_000
    assert size_of(["abc"] * 10) >= 10 * 3


def test_the_least_recently_used_go_first_when_bytes_run_out() -> None:
    one = size_of(frame(1_000))
    cache = TableCache(entries=100, max_bytes=int(3.5 * one))
    for k in "abc":
        cache.put(k, frame(1_000))
    assert cache.bytes == 3 * one
    assert cache.peek("a") is not None  # "a" is now the most recently used
    cache.put("d", frame(1_000))
    assert cache.peek("b") is None and all(cache.peek(k) is not None for k in "acd")
    assert cache.bytes == 3 * one
    cache.put("d", frame(2_000))  # replacing an entry counts its new size only
    assert cache.bytes <= int(3.5 * one)
    assert cache.bytes == sum(size_of(cache.peek(k)) for k in "acd" if cache.peek(k) is not None)


def test_a_value_larger_than_the_bound_is_returned_not_kept() -> None:
    cache = TableCache(entries=100, max_bytes=1_000)
    calls = []
    value = cache.get("big", lambda: calls.append(1) or frame(5_000))
    assert value["t"].height == 5_000
    assert cache.peek("big") is None and cache.bytes == 0
    cache.get("big", lambda: calls.append(1) or frame(5_000))
    assert len(calls) == 2


def test_the_entry_count_still_bounds_without_a_byte_bound() -> None:
    cache = TableCache(entries=2)
    for k in "abc":
        cache.get(k, lambda: frame(10))
    assert cache.peek("a") is None and cache.peek("c") is not None


def test_the_setting_reaches_the_cache(web_data: WebData, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cache_mib"):
        WebSettings(db=tmp_path / "x.duckdb", cache_mib=-1)
    runtime = Runtime.open(WebSettings(db=web_data.copy("bounds"), cache_mib=3))
    try:
        assert runtime.cache.max_bytes == 3 * 2**20
    finally:
        runtime.close()


def test_every_setting_is_documented_with_its_default() -> None:
    doc = (ROOT / "docs" / "dashboard.md").read_text(encoding="utf-8")
    for name, field in WebSettings.model_fields.items():
        row = re.search(rf"^\| `{name}` \| ([^|]+) \|", doc, re.M)
        assert row, f"docs/dashboard.md has no row for the setting {name}"
        default = field.default
        if isinstance(default, bool):
            assert row.group(1).strip() == str(default).lower(), name
        elif isinstance(default, int | float):
            assert float(row.group(1).strip()) == default, name


# -- several processes racing for one entry of a shared folder ----------------------------

def _worker(folder: str, log: str, start: float, seconds: float, wait: float) -> None:
    cache = TableCache(entries=10, shared=SharedFolder(Path(folder), "ns", wait_seconds=wait))

    def compute() -> list[str]:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        time.sleep(seconds)
        return ["computed by", str(os.getpid())]

    while time.time() < start:
        time.sleep(0.001)
    value = cache.get(("view", 1), compute, STRINGS)
    with open(f"{log}.{os.getpid()}", "w", encoding="utf-8") as out:
        out.write(" ".join(value))


def _race(tmp_path: Path, n: int, seconds: float, wait: float) -> tuple[list[str], set[str]]:
    ctx = mp.get_context("spawn")
    log = tmp_path / "computations"
    start = time.time() + 2.0  # after every process has started
    procs = [ctx.Process(target=_worker, args=(str(tmp_path / "shared"), str(log), start,
                                                seconds, wait)) for _ in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    answers = {f.read_text() for f in tmp_path.glob("computations.*")}
    return log.read_text().split(), answers


@pytest.mark.skipif(sys.platform == "win32", reason="advisory file locks are POSIX")
def test_workers_missing_the_same_entry_compute_it_once(tmp_path: Path) -> None:
    computed, answers = _race(tmp_path, n=4, seconds=0.5, wait=30)
    assert len(computed) == 1
    assert answers == {f"computed by {computed[0]}"}


@pytest.mark.skipif(sys.platform == "win32", reason="advisory file locks are POSIX")
def test_a_worker_stops_waiting_after_wait_seconds(tmp_path: Path) -> None:
    computed, answers = _race(tmp_path, n=2, seconds=1.5, wait=0.2)
    assert len(computed) == 2  # the second gave up waiting and computed it too
    assert len(answers) in (1, 2) and all(a.startswith("computed by") for a in answers)


def _hold_and_die(folder: str, ready: str) -> None:
    shared = SharedFolder(Path(folder), "ns")
    with shared.computing(("view", 1), STRINGS) as held:
        assert held
        Path(ready).touch()
        os._exit(0)  # dies holding the lock: the system releases it


@pytest.mark.skipif(sys.platform == "win32", reason="advisory file locks are POSIX")
def test_a_dead_worker_does_not_hold_an_entry(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    proc = mp.get_context("spawn").Process(target=_hold_and_die,
                                           args=(str(tmp_path / "shared"), str(ready)))
    proc.start()
    proc.join(30)
    assert ready.exists()
    shared = SharedFolder(tmp_path / "shared", "ns", wait_seconds=5)
    began = time.monotonic()
    with shared.computing(("view", 1), STRINGS) as held:
        assert held
    assert time.monotonic() - began < 1.0


def test_frames_round_trip_through_the_folder(tmp_path: Path) -> None:
    shared = SharedFolder(tmp_path, "ns")
    cache = TableCache(entries=10, shared=shared)
    value = cache.get("k", lambda: frame(100), FRAMES)
    other = TableCache(entries=10, shared=shared)
    again = other.get("k", lambda: pytest.fail("computed again"), FRAMES)
    assert again["t"].equals(value["t"]) and (other.loads, other.misses) == (1, 0)
