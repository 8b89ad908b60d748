"""A load is one transaction; loading the same file twice changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from parity.core import model
from parity.core.ingest import ingest
from parity.core.store import open_store

PARITY = [sys.executable, "-m", "parity.cli.main"]


def _openings(n: int) -> pl.DataFrame:
    return pl.DataFrame({
        "opening_id": [f"O{i}" for i in range(n)],
        "entity": "DPPA", "grade": "P-3", "job_family": "Finance",
        "posting_type": "position_specific", "posted_date": "2021-01-04",
        "closed_date": "2021-03-04",
    })


def _applications(n: int, n_openings: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    screened = rng.random(n) < 0.5
    return pl.DataFrame({
        "application_id": [f"A{i}" for i in range(n)],
        "opening_id": [f"O{i}" for i in rng.integers(0, n_openings, n)],
        "applicant_id": [f"P{i}" for i in rng.integers(0, n // 3, n)],
        "nationality": rng.choice(["KEN", "FRA", "BRA", "CHN", "POL"], n),
        "gender": rng.choice(["F", "M"], n),
        "education_country": rng.choice(["GBR", "USA", "KEN"], n),
        "internal": rng.choice(["true", "false"], n),
        "received_date": "2021-01-10",
        "screened_date": pl.Series(np.where(screened, "2021-02-01", ""), dtype=pl.Utf8),
    }).with_columns(
        *[pl.lit(None, dtype=pl.Utf8).alias(c) for c in
          ("assessed_date", "interviewed_date", "recommended_date", "rostered_date",
           "selected_date")]
    ).select(model.APPLICATIONS.column_names)


def _fingerprint(db: Path) -> dict[str, object]:
    with open_store(db, read_only=True) as s:
        fp: dict[str, object] = dict(s.row_counts())
        for t in ("loads", "quarantine"):
            fp[t + "_rows"] = s.frame(f"SELECT count(*) n FROM main.{t}")["n"][0]
        fp["app_hash"] = s.frame(
            "SELECT coalesce(sum(hash(application_id, opening_id, screened_date)), 0) h "
            "FROM applications")["h"][0]
    return fp


def test_killed_load_leaves_store_exactly_as_before(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    _openings(500).write_csv(tmp_path / "openings.csv")
    first = _applications(1000, 500, seed=2)
    first.write_csv(tmp_path / "applications_first.csv")
    with open_store(db) as s:
        ingest([tmp_path / "openings.csv", tmp_path / "applications_first.csv"], s)
    before = _fingerprint(db)

    big = _applications(1_500_000, 500, seed=3).with_columns(
        ("B" + pl.col("application_id")).alias("application_id"))
    big.write_csv(tmp_path / "applications_big.csv")
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen(
        [*PARITY, "ingest", str(tmp_path / "applications_big.csv"), "--db", str(db)],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if line.startswith("writing applications_big.csv") or not line:
            break
    assert line.startswith("writing"), f"never reached the write step: {line!r}"
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the load finished before it could be killed"

    assert _fingerprint(db) == before
    # The store is usable and the same load now succeeds completely.
    with open_store(db) as s:
        report = ingest([tmp_path / "applications_big.csv"], s)
        assert report.rows_loaded == 1_500_000
        assert s.row_counts()["applications"] == 1_000 + 1_500_000


def test_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    _openings(20).write_csv(tmp_path / "openings.csv")
    apps = _applications(300, 20)
    # one bad row, so that the quarantine would grow if the reload were not idempotent
    apps = apps.with_columns(
        pl.when(pl.col("application_id") == "A5").then(pl.lit("ZZZ"))
        .otherwise(pl.col("nationality")).alias("nationality"))
    apps.write_csv(tmp_path / "applications.csv")
    files = [tmp_path / "openings.csv", tmp_path / "applications.csv"]
    with open_store(db) as s:
        first = ingest(files, s)
    after_first = _fingerprint(db)
    with open_store(db) as s:
        second = ingest(files, s)
    assert first.rows_quarantined == 1
    assert second.rows_read == 0
    assert all(f.skipped and "identical to a file loaded before" in f.skipped
               for f in second.files)
    after_second = _fingerprint(db)
    assert after_first == after_second
