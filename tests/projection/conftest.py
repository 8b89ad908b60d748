"""Fixtures of the projection tests: a small organization's history in a real store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parity.core.ingest import ingest
from parity.core.store import Store, open_store

from ._data import history_rows, write_csvs


@pytest.fixture(scope="package")
def history_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file loaded with :func:`history_rows` (snapshots 2015–2021, 210 staff), closed."""
    folder = tmp_path_factory.mktemp("history")
    path = folder / "history.duckdb"
    with open_store(path) as store:
        report = ingest(write_csvs(folder, history_rows()), store)
        assert report.rows_quarantined == 0
    return path


@pytest.fixture(scope="package")
def history_store(history_path: Path) -> Iterator[Store]:
    """That store, opened read-only (other read-only users, like the CLI, may open it too)."""
    store = open_store(history_path, read_only=True)
    yield store
    store.close()
