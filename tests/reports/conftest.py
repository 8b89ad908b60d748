"""A small synthetic organization in a real store, and its monthly report, for the report tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parity.core.ingest import ingest
from parity.core.reports.document import Document
from parity.core.reports.kinds import make
from parity.core.store import Store, open_store
from parity.core.synth import synthesize

#: The month of the tests' reports (the synthetic organization selects every month).
MONTH = "2024-06"


@pytest.fixture(scope="session")
def report_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    synthesize(folder / "data", scale=0.05, seed=11)
    with open_store(folder / "parity.duckdb") as s:
        ingest(sorted((folder / "data").glob("*.csv")), s)
    return folder / "parity.duckdb"


@pytest.fixture(scope="session")
def report_store(report_db: Path) -> Iterator[Store]:
    store = open_store(report_db, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="session")
def monthly(report_store: Store) -> Document:
    return make(report_store, "monthly", month=MONTH)


@pytest.fixture(scope="session")
def monthly_public(report_store: Store) -> Document:
    return make(report_store, "monthly", audience="public", month=MONTH)
