"""Engines the analytics are tested on, after ibis's ``backends/conftest.py``.

One small synthetic organization is generated and ingested into a DuckDB store once;
its tables are copied, as Arrow tables with plain (non-ENUM) types, into an in-memory
DuckDB, an in-memory Apache DataFusion connection, a database of a real PostgreSQL server
(created for the test session, loaded with COPY, dropped at the end), a local[2]
SparkSession and a session on a real Spark Connect server (each one per test session,
tables as temporary views). The ``engine`` fixture is
parametrized over those engines; ``reference`` is the store itself, read through
:meth:`Backend.from_store`. Every test asks that an analysis on each engine equals the
store's result.

Which engines run: ``PARITY_TEST_ENGINES`` (comma-separated, e.g.
``duckdb,datafusion,postgres,pyspark,spark_connect``) names them, and a named engine that
cannot be reached FAILS its tests with the reason. Without the variable every engine runs
that is available here (PostgreSQL when ``PARITY_TEST_POSTGRES_URL`` names a server, Spark
when pyspark and Java are installed, Spark Connect when ``PARITY_TEST_SPARK_CONNECT_URL``
names a server); the others are skipped with the reason. ``scripts/services.sh`` starts a
throwaway PostgreSQL server and a Spark Connect server and sets the URLs.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

from parity.core import engines
from parity.core.backend import Backend, datafusion, postgres, pyspark
from parity.core.ingest import ingest
from parity.core.store import Store, open_store
from parity.core.synth import synthesize

#: Every engine tested; each gets the same tables copied from the store.
ENGINES: tuple[str, ...] = ("duckdb", "datafusion", "postgres", "pyspark", "spark_connect")
#: The server the PostgreSQL tests create their database on (an administrator's URL).
POSTGRES_URL_VARIABLE = "PARITY_TEST_POSTGRES_URL"
#: The Spark Connect server the spark_connect tests open their session on (sc://host:port).
SPARK_CONNECT_URL_VARIABLE = "PARITY_TEST_SPARK_CONNECT_URL"


@pytest.fixture(scope="package")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A synthetic UN system of three organizations (scale 0.02, seed 7) ingested into a
    read-only store: every analysis by organization and the per-organization release tables
    are compared too."""
    folder = tmp_path_factory.mktemp("conformance")
    data = folder / "data"
    synthesize(data, scale=0.02, seed=7, organizations=3)
    with open_store(folder / "parity.duckdb") as s:
        report = ingest(sorted(data.glob("*.csv")), s)
        assert report.rows_quarantined == 0
    s = open_store(folder / "parity.duckdb", read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="package")
def arrow_tables(store: Store) -> dict[str, pa.Table]:
    """Every table an analysis reads, as Arrow with plain types, by model name (what
    ``parity ingest --engine`` writes to an engine)."""
    return engines.store_tables(store)


def requested() -> set[str] | None:
    """The engines PARITY_TEST_ENGINES names (None: the variable is not set)."""
    value = os.environ.get("PARITY_TEST_ENGINES", "").strip()
    if not value:
        return None
    names = {n.strip() for n in value.split(",") if n.strip()}
    unknown = names - set(ENGINES)
    if unknown:
        raise pytest.UsageError(f"PARITY_TEST_ENGINES names unknown engines {sorted(unknown)}; "
                                f"known: {', '.join(ENGINES)}.")
    return names


def unavailable(engine: str, reason: str) -> None:
    """Fail when the engine was asked for by PARITY_TEST_ENGINES, else skip."""
    wanted = requested()
    if wanted is not None and engine in wanted:
        pytest.fail(f"The {engine} engine is listed in PARITY_TEST_ENGINES but {reason}",
                    pytrace=False)
    pytest.skip(f"{engine}: {reason}")


def _check_wanted(engine: str) -> None:
    wanted = requested()
    if wanted is not None and engine not in wanted:
        pytest.skip(f"{engine} is not listed in PARITY_TEST_ENGINES")


def _new_database() -> Iterator[str]:
    """The URL of a new database on the test server, dropped afterwards."""
    server = os.environ.get(POSTGRES_URL_VARIABLE, "")
    if not server:
        unavailable("postgres", f"{POSTGRES_URL_VARIABLE} is not set (start a server with "
                                "`bash scripts/services.sh start`).")
    try:
        import psycopg
    except ImportError:
        unavailable("postgres", "psycopg is not installed (pip install -e '.[postgres]').")
    name = f"parity_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=10) as con:
            # A linguistic (ICU root) collation, as servers usually have, so that no result
            # relies on text sorting in byte order.
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                        "LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C.UTF-8'")
    except psycopg.Error as exc:
        unavailable("postgres", f"the server {server} cannot be reached: {exc}".strip())
    from urllib.parse import urlsplit

    yield urlsplit(server)._replace(path=f"/{name}").geturl()
    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database for the conformance copies, for the whole test session."""
    _check_wanted("postgres")
    yield from _new_database()


@pytest.fixture
def empty_postgres_database() -> Iterator[str]:
    """A new, empty database for one test."""
    _check_wanted("postgres")
    yield from _new_database()


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """One local[2] SparkSession for the test session."""
    _check_wanted("pyspark")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("pyspark", "pyspark is not installed (pip install -e '.[spark]').")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        unavailable("pyspark", "Java is not installed (apt-get install default-jre-headless).")
    from parity.core.engines import spark

    try:
        session = spark.session("local[2]", app_name="parity-tests")
    except Exception as exc:  # Spark reports a failed start with many exception types
        unavailable("pyspark", f"a local Spark session did not start: {exc}")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_connect_session() -> Iterator[Any]:
    """One session on the Spark Connect server PARITY_TEST_SPARK_CONNECT_URL names, for the
    test session (only the gRPC client runs in this process)."""
    _check_wanted("spark_connect")
    url = os.environ.get(SPARK_CONNECT_URL_VARIABLE, "")
    if not url:
        unavailable("spark_connect", f"{SPARK_CONNECT_URL_VARIABLE} is not set (start a server "
                                     "with `bash scripts/services.sh start`).")
    try:
        import pyspark.sql.connect.session  # noqa: F401 - needs grpcio and friends
    except ImportError as exc:
        unavailable("spark_connect", f"the Spark Connect client cannot be imported ({exc}; "
                                     "pip install -e '.[spark]').")
    from parity.core.engines import spark

    try:
        session = spark.session(url)
        session.range(1).count()  # the session is opened lazily: reach the server now
    except Exception as exc:  # gRPC reports an unreachable server with many exception types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        unavailable("spark_connect", f"the server {url} cannot be reached: {first}")
    yield session
    session.stop()


def _connect(engine: str, tables: dict[str, pa.Table], request: pytest.FixtureRequest) -> Backend:
    _check_wanted(engine)
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
    if engine == "postgres":
        from parity.core.engines import postgres as pg

        url = request.getfixturevalue("postgres_database")
        pg.copy_tables(url, tables)
        return postgres(pg.connect_url(url), restricted_schema=None)
    if engine in ("pyspark", "spark_connect"):
        from parity.core.engines import spark

        session = request.getfixturevalue(
            "spark_session" if engine == "pyspark" else "spark_connect_session")
        spark.register(session, tables)
        return pyspark(spark.connect(session), restricted_schema=None)
    raise ValueError(engine)


@pytest.fixture(scope="package", params=ENGINES)
def engine(request: pytest.FixtureRequest, arrow_tables: dict[str, pa.Table]) -> Backend:
    """A Backend on one engine holding a copy of the store's tables."""
    return _connect(request.param, arrow_tables, request)


@pytest.fixture(scope="package")
def reference(store: Store) -> Backend:
    """The store itself (DuckDB with its ENUM types): the results every engine must give."""
    return Backend.duckdb(store)


@pytest.fixture(scope="package")
def store_path(store: Store) -> Path:
    return store.path
