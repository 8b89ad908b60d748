"""Markers that let commands share a store with a running dashboard (parity.core.sharing)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from parity.core import sharing
from parity.core.errors import StoreLockedError
from parity.core.store import open_store


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_markers_of_dead_processes_are_ignored_and_removed(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    dead = _dead_pid()
    sharing.writer_marker(db).write_text(str(dead))
    assert not sharing.writer_waiting(db) and not sharing.writer_marker(db).exists()
    sharing.serving_marker(db, dead).write_text(str(dead))
    assert not sharing.is_serving(db, dead)
    mine = sharing.mark_serving(db)
    assert not sharing.serving_marker(db, dead).exists() and mine.exists()
    sharing.withdraw(mine)
    assert not mine.exists()


def test_a_lock_held_by_another_program_fails_at_once(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    open_store(db).close()
    code = ("import sys, time, duckdb\ncon = duckdb.connect(sys.argv[1])\n"
            "print('open', flush=True)\ntime.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        with pytest.raises(StoreLockedError) as info:
            open_store(db, read_only=True)
        assert time.monotonic() - started < 5
        assert f"(process {holder.pid})" in info.value.message
        assert "'parity serve' does not block commands" in str(info.value.hint)
        assert not sharing.writer_marker(db).exists()
    finally:
        holder.kill()
        holder.wait()
