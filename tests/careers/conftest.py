"""Fixtures of the career-flow tests: real DuckDB stores loaded through parity ingest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parity.core.ingest import ingest
from parity.core.store import Store, open_store

from . import _table1
from ._data import small_case, write_csv


def _load(folder: Path, files: list[Path]) -> Store:
    """Ingest ``files`` into a new store, then reopen it read-only (as the CLI does)."""
    with open_store(folder / "parity.duckdb") as store:
        report = ingest(files, store)
    assert report.rows_quarantined == 0, [f.file for f in report.files]
    return open_store(folder / "parity.duckdb", read_only=True)


@pytest.fixture(scope="package")
def table1_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    """A store built to match seed 000 Table 1's rostered and promotions rows, and its folder."""
    folder = tmp_path_factory.mktemp("table1")
    store = _load(folder, _table1.write_files(folder))
    yield store, folder
    store.close()


@pytest.fixture(scope="package")
def small() -> dict[int, tuple[list[dict[str, object]], list[dict[str, object]]]]:
    """The invented careers of a few seeds (rows, before ingest)."""
    return {seed: small_case(seed) for seed in (0, 1, 2)}


@pytest.fixture(scope="package")
def small_stores(tmp_path_factory: pytest.TempPathFactory,
                 small: dict[int, tuple[list[dict[str, object]], list[dict[str, object]]]],
                 ) -> Iterator[dict[int, Store]]:
    """Each invented organization of :func:`small`, loaded into its own store."""
    stores: dict[int, Store] = {}
    for seed, (staff, events) in small.items():
        folder = tmp_path_factory.mktemp(f"small{seed}")
        stores[seed] = _load(folder, [write_csv(folder / "staff.csv", "staff", staff),
                                      write_csv(folder / "events.csv", "events", events)])
    yield stores
    for s in stores.values():
        s.close()
