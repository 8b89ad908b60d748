"""Fixtures of the workforce tests: real DuckDB stores loaded through parity ingest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parity.core.ingest import ingest
from parity.core.store import Store, open_store

from ._data import staff_rows, write_staff_csv


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    """A store holding three yearly snapshots of an invented organization, and its CSV."""
    folder = tmp_path_factory.mktemp("generated")
    csv_path = write_staff_csv(folder / "staff.csv", staff_rows())
    store = open_store(folder / "parity.duckdb")
    report = ingest([csv_path], store)
    assert report.rows_quarantined == 0
    yield store, csv_path
    store.close()
