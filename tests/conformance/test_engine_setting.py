"""The ``engine`` setting: parsed and refused in one sentence; ``parity ingest --engine``
copies the store to PostgreSQL (COPY) or a Spark warehouse (Parquet by year), and the
analyses then read the engine through :meth:`Backend.from_store` with the same answers as
the DuckDB store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from parity.core import engines
from parity.core.analytics import composition
from parity.core.analytics.funnel import funnel_report
from parity.core.analytics.funnel_counts import CountRequest, count_table
from parity.core.backend import Backend
from parity.core.engines import Engine, parse_engine
from parity.core.engines.spark import PARTITION_COLUMNS
from parity.core.errors import SettingsError
from parity.core.settings import Settings
from parity.core.store import Store
from parity.core.synth import synthesize

from .conftest import SPARK_CONNECT_URL_VARIABLE
from .test_engines import assert_same

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ the setting

@pytest.mark.parametrize(("value", "kind", "target"), [
    ("postgresql://u:pw@db.example:5432/parity", "postgres", "postgresql://u:pw@db.example:5432/parity"),
    ("postgres://db.example/parity", "postgres", "postgresql://db.example/parity"),
    ("spark://local[2]", "spark", "local[2]"),
    ("spark://local[*]", "spark", "local[*]"),
    ("spark://master.example:7077", "spark", "spark://master.example:7077"),
    ("sc://connect.example:15002", "spark", "sc://connect.example:15002"),
    ("duckdb:///data/parity.duckdb", "duckdb", "/data/parity.duckdb"),
])
def test_engine_forms(value: str, kind: str, target: str) -> None:
    engine = parse_engine(value, Path("wh"))
    assert (engine.kind, engine.target) == (kind, target)


@pytest.mark.parametrize(("value", "says"), [
    ("mysql://h/db", "is not one Parity knows; use duckdb:///path"),
    ("postgresql://h", "must name a host and a database"),
    ("postgresql://u:secret@h:port/db", "has a port that is not a number"),
    ("spark://cluster", "must be spark://local[N] or a standalone master"),
    ("duckdb://", "names no store file"),
    ("sc://", "must name a host"),
])
def test_bad_engine_is_one_sentence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                    value: str, says: str) -> None:
    monkeypatch.setenv("PARITY_ENGINE", value)
    with pytest.raises(SettingsError) as exc:
        Settings.load(cwd=tmp_path)
    message = str(exc.value)
    assert message.startswith("Invalid setting 'engine' (from defaults or environment "
                              "(PARITY_ENGINE)): ")
    assert says in message and "secret" not in message and "Value error" not in message


def test_settings_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert Settings.load(cwd=tmp_path).engine_spec() is None
    (tmp_path / "parity.toml").write_text('[parity]\nengine = "spark://local[2]"\n')
    spec = Settings.load({"db": tmp_path / "s.duckdb"}, cwd=tmp_path).engine_spec()
    assert spec == Engine("spark", "local[2]", tmp_path / "warehouse")
    monkeypatch.setenv("PARITY_WAREHOUSE", str(tmp_path / "wh"))
    assert Settings.load(cwd=tmp_path).engine_spec() == Engine("spark", "local[2]", tmp_path / "wh")
    # a duckdb engine is the store: it sets db, and must agree with a db given
    monkeypatch.setenv("PARITY_ENGINE", "duckdb:///data/x.duckdb")
    got = Settings.load(cwd=tmp_path)
    assert got.db == Path("/data/x.duckdb") and got.engine_spec() is None
    with pytest.raises(SettingsError, match="names another store than db"):
        Settings.load({"db": Path("/data/y.duckdb")}, cwd=tmp_path)


def test_unreachable_engine_is_one_sentence(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    monkeypatch.setenv("PARITY_ENGINE", "postgresql://parity:secret@127.0.0.1:1/parity")
    with pytest.raises(SettingsError) as exc:
        Backend.from_store(store)
    message = str(exc.value)
    assert message.startswith("The engine postgresql://parity:***@127.0.0.1:1/parity cannot be "
                              "used: ")
    assert "secret" not in message


def test_unreachable_spark_connect_is_one_sentence_at_once(monkeypatch: pytest.MonkeyPatch,
                                                           store: Store, tmp_path: Path) -> None:
    """Spark Connect's client retries an unreachable server for ten minutes; Parity says so
    in one sentence at once."""
    pytest.importorskip("pyspark.sql.connect.session")
    monkeypatch.setenv("PARITY_ENGINE", "sc://127.0.0.1:1")
    monkeypatch.setenv("PARITY_WAREHOUSE", str(tmp_path))
    started = time.monotonic()
    with pytest.raises(SettingsError) as exc:
        Backend.from_store(store)
    assert time.monotonic() - started < 15
    assert str(exc.value).startswith("The engine sc://127.0.0.1:1 cannot be used: nothing "
                                     "accepts connections at 127.0.0.1:1 (")


# ------------------------------------------------------------------ load, then analyse

def _same_analyses(store: Store, full: bool) -> None:
    """Funnel counts (``full``: the whole funnel with strata), composition and the
    restricted table, read through the setting (the analyses are given the store)."""
    on_engine = Backend.from_store(store)
    control = Backend.duckdb(store)
    assert on_engine.engine != "duckdb"
    if full:
        want = funnel_report(control, ["regional_group"], strata="grade").sections()
        for section, frame in funnel_report(store, ["regional_group"],
                                            strata="grade").sections().items():
            assert_same(frame, want[section])
    request = CountRequest(keys=("gender", "grade"), year_from=2017)
    assert_same(count_table(on_engine, request), count_table(control, request))
    assert_same(composition.composition(store, ["gender"]),
                composition.composition(control, ["gender"]))
    count = on_engine.table("self_identification").count().to_pyarrow().as_py()
    assert count == control.table("self_identification").count().to_pyarrow().as_py() > 0


def test_postgres_engine(monkeypatch: pytest.MonkeyPatch, store: Store,
                         empty_postgres_database: str) -> None:
    url = empty_postgres_database
    assert engines.publish(store, parse_engine(url)) == len(engines.store_tables(store))
    monkeypatch.setenv("PARITY_ENGINE", url)
    assert Backend.from_store(store).engine == "postgres"
    _same_analyses(store, full=True)


def test_spark_engine(monkeypatch: pytest.MonkeyPatch, store: Store, spark_session: Any,
                      tmp_path: Path) -> None:
    _spark_round_trip(monkeypatch, store, "spark://local[2]", tmp_path / "warehouse")


def test_spark_connect_engine(monkeypatch: pytest.MonkeyPatch, store: Store,
                              spark_connect_session: Any, tmp_path: Path) -> None:
    """``engine = "sc://host:port"``: the Connect server writes the warehouse and the
    analyses read it through a Spark Connect session (no Spark driver in this process)."""
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    url = os.environ[SPARK_CONNECT_URL_VARIABLE]
    _spark_round_trip(monkeypatch, store, url, tmp_path / "warehouse")
    session = Backend.from_store(store).con._session
    assert isinstance(session, ConnectSession) and session is spark_connect_session


def _spark_round_trip(monkeypatch: pytest.MonkeyPatch, store: Store, setting: str,
                      warehouse: Path) -> None:
    """Publish the store to a Spark warehouse, then analyse it through the setting."""
    assert engines.publish(store, parse_engine(setting, warehouse)) > 0
    assert PARTITION_COLUMNS == ("organization", "year")
    orgs = sorted(p.name for p in (warehouse / "applications").glob("organization=*"))
    assert len(orgs) == 3 and "organization=UN" in orgs
    years = sorted(p.name for p in (warehouse / "applications" / orgs[0]).glob("year=*"))
    assert years and all(p.removeprefix("year=").isdigit() for p in years)
    monkeypatch.setenv("PARITY_ENGINE", setting)
    monkeypatch.setenv("PARITY_WAREHOUSE", str(warehouse))
    assert Backend.from_store(store).engine == "pyspark"
    _same_analyses(store, full=False)
    # the views have the store's columns in the store's order (not the partition column)
    staff = Backend.from_store(store).table("staff").columns
    assert list(staff) == list(Backend.duckdb(store).table("staff").columns)


def test_spark_warehouse_files(spark_session: Any, tmp_path: Path) -> None:
    """One Parquet file per partition folder, an empty table is still a folder a session
    reads, with its columns, and writing again replaces the table (no folder is left
    half written beside it)."""
    import datetime as dt

    import duckdb
    import pyarrow as pa

    from parity.core.engines import spark

    n = 250_000
    rows = pa.table({"organization": ["UN"] * n, "x": list(range(n)),
                     "event_date": [dt.date(2015 + i % 3, 1, 2) for i in range(n)]})
    empty = pa.table({"organization": pa.array([], pa.string()),
                      "snapshot_date": pa.array([], pa.date32())})
    con = duckdb.connect()
    con.register("events_in", pa.table({"x": [-1], "organization": ["UN"],
                                        "event_date": [dt.date(2030, 1, 1)]}))
    con.register("staff_in", empty)
    sources = {"events": "events_in", "staff": "staff_in"}
    spark.write_warehouse(con, tmp_path, sources)  # then replaced by the rows below
    con.register("events_in", rows)
    spark.write_warehouse(con, tmp_path, sources)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events", "staff"]
    years = sorted((tmp_path / "events" / "organization=UN").glob("year=*"))
    assert [p.name for p in years] == ["year=2015", "year=2016", "year=2017"]
    assert [len(list(p.glob("*.parquet"))) for p in years] == [1, 1, 1]
    spark.read_warehouse(spark_session, tmp_path, {"events": ["organization", "x", "event_date"],
                                                   "staff": ["organization", "snapshot_date"]})
    got = spark_session.sql("SELECT year(event_date) AS y, count(*) AS n, sum(x) AS s "
                            "FROM events GROUP BY 1 ORDER BY 1").collect()
    assert [tuple(r) for r in got] == [
        (2015 + k, len(range(k, n, 3)), sum(range(k, n, 3))) for k in range(3)]
    assert spark_session.table("staff").count() == 0
    assert spark_session.table("staff").columns == ["organization", "snapshot_date"]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200", **(env or {})}
    full.pop("PARITY_ENGINE", None)
    return subprocess.run([sys.executable, "-m", "parity.cli.main", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=600, check=False)


def test_cli_ingest_and_analyse_on_postgres(tmp_path: Path, empty_postgres_database: str) -> None:
    """The user's path: `parity --engine URL ingest`, then an analysis through the option
    and through PARITY_ENGINE, equal to the store's answer."""
    url = empty_postgres_database
    synthesize(tmp_path / "data", scale=0.01, seed=5)
    db = str(tmp_path / "p.duckdb")
    loaded = _cli("--engine", url, "ingest", *map(str, sorted((tmp_path / "data").glob("*.csv"))),
                  "--db", db)
    assert loaded.returncode == 0, loaded.stderr
    assert "tables to the postgres engine" in loaded.stderr
    funnel = ("funnel", "--by", "gender", "--strata", "grade", "--db", db, "--format", "json")
    want = _cli(*funnel)
    by_option = _cli("--engine", url, *funnel)
    by_env = _cli(*funnel, env={"PARITY_ENGINE": url})
    assert want.returncode == by_option.returncode == by_env.returncode == 0, by_option.stderr
    assert json.loads(by_option.stdout) == json.loads(want.stdout) == json.loads(by_env.stdout)
    # the copy really is what the analysis read: empty it and the analysis changes
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("DELETE FROM applications")
    emptied = _cli("--engine", url, *funnel)
    assert emptied.returncode != 0 or json.loads(emptied.stdout) != json.loads(want.stdout)
    bad = _cli("--engine", "mysql://h/db", *funnel)
    assert bad.returncode == 2
    assert "The option --engine is invalid: the engine 'mysql://h/db' is not one" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_stale_copy_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                 empty_postgres_database: str, spark_session: Any) -> None:
    """An engine whose copy is not of the store's current state (nothing copied yet, or a
    load since) is refused in one sentence instead of answering with other data; copying
    again makes it usable, with the store's answers."""
    from parity.core.ingest import ingest
    from parity.core.store import open_store

    synthesize(tmp_path / "data", scale=0.01, seed=7)
    files = sorted((tmp_path / "data").glob("*.csv"))
    later = [f for f in files if f.stem == "applications"]
    request = CountRequest(keys=("gender",))
    with open_store(tmp_path / "s.duckdb") as store:
        ingest([f for f in files if f not in later], store)
        for url, warehouse in ((empty_postgres_database, None),
                               ("spark://local[2]", tmp_path / "warehouse")):
            engine = parse_engine(url, warehouse)
            monkeypatch.setenv("PARITY_ENGINE", url)
            if warehouse is not None:
                monkeypatch.setenv("PARITY_WAREHOUSE", str(warehouse))
            with pytest.raises(SettingsError, match="holds no copy of this store"):
                Backend.from_store(store)
            engines.publish(store, engine)
            assert Backend.from_store(store).engine in ("postgres", "pyspark")
        ingest(later, store)  # a load after both copies
        for url, warehouse in ((empty_postgres_database, None),
                               ("spark://local[2]", tmp_path / "warehouse")):
            monkeypatch.setenv("PARITY_ENGINE", url)
            with pytest.raises(SettingsError) as stale:
                Backend.from_store(store)
            assert "it has been loaded since" in str(stale.value)
            assert "ingest FILES" in str(stale.value)
            engines.publish(store, parse_engine(url, warehouse))
            assert_same(count_table(Backend.from_store(store), request),
                        count_table(Backend.duckdb(store), request))


def test_cli_ingest_and_analyse_on_spark_connect(tmp_path: Path,
                                                 spark_connect_session: Any) -> None:
    """The user's path on Spark Connect: `parity --engine sc://… ingest` has the server
    write the warehouse, then an analysis through the option equals the store's answer, and
    a table taken out of the warehouse is refused in one sentence."""
    url = os.environ[SPARK_CONNECT_URL_VARIABLE]
    env = {"PARITY_WAREHOUSE": str(tmp_path / "warehouse")}
    synthesize(tmp_path / "data", scale=0.01, seed=5)
    db = str(tmp_path / "s.duckdb")
    loaded = _cli("--engine", url, "ingest", *map(str, sorted((tmp_path / "data").glob("*.csv"))),
                  "--db", db, env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert f"tables to the spark engine {url}" in loaded.stderr
    assert (tmp_path / "warehouse" / "applications" / "_SUCCESS").exists()
    funnel = ("funnel", "--by", "gender", "--strata", "grade", "--db", db, "--format", "json")
    want = _cli(*funnel)
    got = _cli("--engine", url, *funnel, env=env)
    assert want.returncode == got.returncode == 0, got.stderr
    assert json.loads(got.stdout) == json.loads(want.stdout)
    (tmp_path / "warehouse" / "applications" / "_SUCCESS").unlink()
    gone = _cli("--engine", url, *funnel, env=env)
    assert gone.returncode != 0
    assert f"The engine {url} cannot be used: the warehouse" in gone.stderr
    assert "holds no table applications" in gone.stderr and "Traceback" not in gone.stderr
