"""A demo store made by ``parity demo`` (a real subprocess, a real DuckDB file), shared by
the report builder tests; SQL helpers for their independent recomputations."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from parity.core.store import Store, open_store


@pytest.fixture(scope="session")
def report_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report-demo")
    res = subprocess.run([sys.executable, "-m", "parity.cli.main", "demo", "--dir",
                          str(folder), "--scale", "0.05"], capture_output=True, text=True,
                         check=False)
    assert res.returncode == 0, res.stderr
    return folder / "parity.duckdb"


@pytest.fixture(scope="module")
def report_store(report_db: Path) -> Iterator[Store]:
    store = open_store(report_db)
    yield store
    store.close()


def sql(store: Store, query: str, *params: object) -> pl.DataFrame:
    """A plain SQL query on the store's DuckDB file, as polars."""
    cur = store.cursor()
    try:
        frame = pl.from_arrow(cur.execute(query, list(params)).to_arrow_table())
        assert isinstance(frame, pl.DataFrame)
        return frame
    finally:
        cur.close()
