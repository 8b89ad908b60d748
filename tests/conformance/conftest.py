"""Engines the analytics are tested on, after ibis's ``backends/conftest.py``.

One small synthetic organization is generated and ingested into a DuckDB store once;
its tables are copied, as Arrow tables with plain (non-ENUM) types, into an in-memory
DuckDB and an in-memory Apache DataFusion connection. The ``engine`` fixture is
parametrized over those engines; ``reference`` is the store itself, read through
:meth:`Backend.from_store`. Every test asks that an analysis on each engine equals the
store's result.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ibis
import pyarrow as pa
import pytest

from parity.core import model
from parity.core.backend import Backend, datafusion
from parity.core.ingest import ingest
from parity.core.store import Store, open_store
from parity.core.synth import synthesize

#: Engines that need no server; each gets the same tables copied from the store.
ENGINES: tuple[str, ...] = ("duckdb", "datafusion")
REFERENCE_TABLES: tuple[str, ...] = ("ref_grades", "ref_country_regions", "ref_member_states")


@pytest.fixture(scope="package")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A synthetic organization (scale 0.03, seed 7) ingested into a read-only store."""
    folder = tmp_path_factory.mktemp("conformance")
    data = folder / "data"
    synthesize(data, scale=0.03, seed=7)
    with open_store(folder / "parity.duckdb") as s:
        report = ingest(sorted(data.glob("*.csv")), s)
        assert report.rows_quarantined == 0
    s = open_store(folder / "parity.duckdb", read_only=True)
    yield s
    s.close()


def _plain(table: pa.Table) -> pa.Table:
    """ENUM (dictionary) columns as their values: other engines know no DuckDB ENUM."""
    columns = [c.cast(f.type.value_type) if pa.types.is_dictionary(f.type) else c
               for c, f in zip(table.columns, table.schema, strict=True)]
    return pa.table(columns, names=table.column_names)


@pytest.fixture(scope="package")
def arrow_tables(store: Store) -> dict[str, pa.Table]:
    """Every table an analysis reads, as Arrow, by model name."""
    names = {t.name: t.qualified_name for t in model.DATA_TABLES}
    names |= {n: f"main.{n}" for n in REFERENCE_TABLES}
    with store.cursor() as cur:
        return {n: _plain(cur.sql(f"SELECT * FROM {q}").to_arrow_table())
                for n, q in names.items()}


def _connect(engine: str, tables: dict[str, pa.Table]) -> Backend:
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        for name, table in tables.items():
            con.create_table(name, table)
        return Backend(con, restricted_schema=None, version=("copy", id(con)))
    if engine == "datafusion":
        con = ibis.datafusion.connect()
        for name, table in tables.items():
            con.create_table(name, table)
        return datafusion(con)
    raise ValueError(engine)


@pytest.fixture(scope="package", params=ENGINES)
def engine(request: pytest.FixtureRequest, arrow_tables: dict[str, pa.Table]) -> Backend:
    """A Backend on one engine holding a copy of the store's tables."""
    return _connect(request.param, arrow_tables)


@pytest.fixture(scope="package")
def reference(store: Store) -> Backend:
    """The store itself (DuckDB with its ENUM types): the results every engine must give."""
    return Backend.from_store(store)


@pytest.fixture(scope="package")
def store_path(store: Store) -> Path:
    return store.path
