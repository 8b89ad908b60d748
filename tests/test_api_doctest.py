"""The examples in parity.api's docstrings run, on a small synthetic store."""

from __future__ import annotations

import doctest
from collections.abc import Iterator
from pathlib import Path

import pytest

import parity.api
from parity.core.ingest import ingest
from parity.core.store import Store, open_store
from parity.core.synth import synthesize

ANALYSES = ("funnel", "timelines", "careers", "careers_counts", "careers_survival",
            "composition", "ranges", "gender", "projection", "releases", "release_tables")


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    folder = tmp_path_factory.mktemp("api")
    synthesize(folder / "data", scale=0.03, seed=3)
    with open_store(folder / "parity.duckdb") as s:
        ingest(sorted((folder / "data").glob("*.csv")), s)
    store = open_store(folder / "parity.duckdb", read_only=True)
    yield store, folder / "parity.duckdb"
    store.close()


def test_every_analysis_has_an_example() -> None:
    for name in ANALYSES:
        doc = getattr(parity.api, name).__doc__ or ""
        assert ">>> " in doc, name


def test_api_docstring_examples_run(small_store: tuple[Store, Path]) -> None:
    store, path = small_store
    result = doctest.testmod(parity.api, extraglobs={"api": parity.api, "store": store,
                                                     "path": path},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=True, verbose=False)
    assert result.attempted >= 2 * len(ANALYSES)
    assert result.failed == 0
