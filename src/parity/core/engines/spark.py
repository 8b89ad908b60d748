"""Apache Spark as an engine: a SparkSession read through Ibis's pyspark backend.

A session is local (``local[N]`` in this process, Java 17 needed) or remote (Spark Connect,
``sc://host:port``: only its gRPC client runs here). The store's tables are written as
Parquet folders in a warehouse, one per table, partitioned by :data:`PARTITION_COLUMNS`; a
session sees each folder as a temporary view named like the store's table, with the
store's columns in the store's order. Parity writes the warehouse with DuckDB
(:func:`write_warehouse`) and checks its ``_SUCCESS`` markers; the Spark driver (here, or
the Connect server) reads it, so with Spark Connect the warehouse must have the same path
for both (one machine, or a shared mount).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

#: The Parquet partition columns of every table in the warehouse, outermost first. ``year``
#: is derived from the table's date (:data:`YEAR_OF`); the others must be columns of the table.
PARTITION_COLUMNS: tuple[str, ...] = ("organization", "year")
#: The date column each table's ``year`` partition is taken from.
YEAR_OF: dict[str, str] = {"staff": "snapshot_date", "events": "event_date",
                           "openings": "posted_date", "applications": "received_date",
                           "self_identification": "collected_date"}

#: Settings of every session Parity starts: UTC (dates never shift with the machine's zone),
#: Arrow transfers, no console progress bars.
CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.showConsoleProgress": "false",
}
#: And of a local session (``local[N]``): small shuffles (Parity's count tables are small),
#: no web UI, the driver on loopback.
LOCAL_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
}


#: Spark Connect's port when the URL names none, and how long (s) reaching it may take.
CONNECT_PORT = 15002
CONNECT_TIMEOUT = 10.0
#: The Spark Connect sessions of this process, by URL.
_REMOTE: dict[str, Any] = {}
_REMOTE_LOCK = threading.Lock()


def session(master: str, app_name: str = "parity") -> Any:
    """The SparkSession of ``master``: ``local[N]`` starts one here (once per process,
    Spark's rule), ``sc://host:port`` opens one session on that Spark Connect server (once
    per URL and process, a new one if it was stopped)."""
    if master.startswith("sc://"):
        return remote_session(master)
    from pyspark.sql import SparkSession

    conf = dict(CONF)
    if master.startswith("local"):
        # Spark binds to the address the host name resolves to unless told otherwise.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        conf |= LOCAL_CONF
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def remote_session(url: str) -> Any:
    """A session on the Spark Connect server at ``url`` with the SQL settings of
    :data:`CONF` (the others are the server's).

    Opened with Spark Connect's own builder rather than ``SparkSession.builder.remote``:
    that one marks the whole process as Spark Connect (``SPARK_CONNECT_MODE_ENABLED``) and
    refuses to start while a local session runs, so a process could not hold both."""
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    with _REMOTE_LOCK:
        spark = _REMOTE.get(url)
        if spark is None or spark.is_stopped:
            _reachable(url)
            spark = ConnectSession.builder.remote(url).create()
            for key, value in CONF.items():
                if key.startswith("spark.sql."):
                    spark.conf.set(key, value)
            _REMOTE[url] = spark
        return spark


def _reachable(url: str) -> None:
    """Raise ConnectionError at once if nothing accepts connections at the server's address
    (Spark Connect's client would retry an unreachable server for ten minutes)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port or CONNECT_PORT
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ConnectionError(f"nothing accepts connections at {host}:{port} "
                              f"({exc.strerror or exc})") from None


def _plain(table: pa.Table) -> pa.Table:
    columns = [c.cast(f.type.value_type) if pa.types.is_dictionary(f.type) else c
               for c, f in zip(table.columns, table.schema, strict=True)]
    return pa.table(columns, names=table.column_names)


def register(spark: Any, tables: dict[str, pa.Table]) -> None:
    """Each Arrow table as a temporary view of this session (for small tables)."""
    for name, table in tables.items():
        spark.createDataFrame(_plain(table)).createOrReplaceTempView(name)


def _sql_text(value: Path | str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def write_warehouse(con: Any, warehouse: Path | str, sources: dict[str, str]) -> None:
    """Write each table (name → what DuckDB reads it from, e.g. the store's qualified table)
    as ``warehouse/<name>/`` Parquet with DuckDB's ``COPY``, partitioned by
    :data:`PARTITION_COLUMNS` (those the table has; ``year`` from :data:`YEAR_OF`), one file
    per partition folder; ENUM columns as text. An empty table is written unpartitioned:
    one file holding its columns, which a partitioned write of no rows would not leave.

    DuckDB writes each table from the store to the files within its memory limit (spilling
    to disk beyond it), and no Spark session is needed to write. Each table is written into a folder
    beside its own and swapped in when complete, with its ``_SUCCESS`` marker, so a reader
    sees the old table or the new one."""
    root = Path(warehouse)
    root.mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        described = con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()
        columns = [f'CAST("{c}" AS VARCHAR) AS "{c}"' if str(t).startswith("ENUM") else f'"{c}"'
                   for c, t, *_ in described]
        have = {str(c) for c, *_ in described}
        if "year" in PARTITION_COLUMNS and "year" not in have and name in YEAR_OF:
            columns.append(f'CAST(year("{YEAR_OF[name]}") AS INTEGER) AS "year"')
            have.add("year")
        rows = con.execute(f"SELECT count(*) FROM {source}").fetchone()
        parts = [c for c in PARTITION_COLUMNS if c in have] if rows and rows[0] else []
        writing = root / f".{name}.writing"
        shutil.rmtree(writing, ignore_errors=True)
        query = f"SELECT {', '.join(columns)} FROM {source}"
        if parts:
            con.execute(f"COPY ({query}) TO {_sql_text(writing)} "
                        f"(FORMAT parquet, PARTITION_BY ({', '.join(parts)}))")
        else:
            writing.mkdir()
            con.execute(f"COPY ({query}) TO {_sql_text(writing / 'part-0.parquet')} "
                        "(FORMAT parquet)")
        (writing / "_SUCCESS").touch()
        _swap(writing, root / name)


def _swap(new: Path, target: Path) -> None:
    """Put the folder ``new`` in place of ``target`` (two renames; the old one is removed)."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def warehouse_stamps(warehouse: Path | str, names: dict[str, list[str]]) -> tuple[float, ...]:
    """When each table was last written (its ``_SUCCESS`` marker; 0 if absent)."""
    stamps = []
    for name in names:
        marker = Path(warehouse) / name / "_SUCCESS"
        stamps.append(marker.stat().st_mtime if marker.exists() else 0.0)
    return tuple(stamps)


def read_warehouse(spark: Any, warehouse: Path | str, names: dict[str, list[str]]) -> None:
    """Each table of the warehouse as a temporary view with its store columns, in order."""
    for name, columns in names.items():
        folder = Path(warehouse) / name
        if not (folder / "_SUCCESS").exists():
            raise FileNotFoundError(f"the warehouse {warehouse} holds no table {name}")
        frame = spark.read.parquet(str(folder))
        frame.select(*columns).createOrReplaceTempView(name)


def connect(spark: Any) -> Any:
    """An Ibis pyspark connection on this session."""
    import ibis

    return ibis.pyspark.connect(spark)
