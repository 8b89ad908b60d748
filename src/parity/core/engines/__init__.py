"""Where the analyses run: the ``engine`` setting and the Backend built from it.

The DuckDB store is always where data is validated and kept (the control store). The
analyses, releases and dashboard read through a :class:`~parity.core.backend.Backend` that
:func:`backend` builds from the engine setting:

- ``duckdb:///path/to/store.duckdb`` (the default: the store itself);
- ``postgresql://user:password@host:port/database``: a PostgreSQL server holding a copy of
  the store's tables (written by :func:`publish` with COPY; the restricted table in schema
  ``restricted``);
- ``spark://local[N]`` (a local Spark in this process), ``spark://host:port`` (a Spark
  standalone master) or ``sc://host:port`` (Spark Connect): a Spark session reading the
  store's tables from Parquet folders in the warehouse folder, partitioned by year.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pyarrow as pa

from parity.core import model
from parity.core.engines import stamp
from parity.core.errors import SettingsError

_FORMS = ("duckdb:///path/to/store.duckdb, postgresql://user:password@host:port/database, "
          "spark://local[2] or sc://host:port")
_LOCAL = re.compile(r"^local(\[(\d+|\*)\])?$")


@dataclass(frozen=True)
class Engine:
    """A parsed engine setting. ``kind`` is duckdb, postgres or spark; ``target`` is the
    store path, the PostgreSQL URL or the Spark master (``local[2]``, ``sc://...``);
    ``warehouse`` is Spark's Parquet folder."""

    kind: Literal["duckdb", "postgres", "spark"]
    target: str
    warehouse: Path | None = None

    @property
    def shown(self) -> str:
        """The setting without its password (for messages)."""
        return hide_password(self.target)


def hide_password(url: str) -> str:
    """A URL with its password replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def parse_engine(value: str, warehouse: Path | None = None) -> Engine:
    """The engine a setting names; a ValueError with one sentence if it names none."""
    text = value.strip()
    value = hide_password(text)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    rest = text.split("://", 1)[1] if "://" in text else ""
    if scheme == "duckdb":
        if not rest.strip("/"):
            raise ValueError(f"the engine '{value}' names no store file; write "
                             "duckdb:///path/to/store.duckdb")
        return Engine("duckdb", rest[1:] if rest.startswith("/") and rest[1:2] == "/" else rest)
    if scheme in ("postgresql", "postgres"):
        parts = urlsplit(text)
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise ValueError(f"the PostgreSQL engine '{value}' has a port that is not a "
                             "number") from None
        if not parts.hostname or not parts.path.strip("/"):
            raise ValueError(f"the PostgreSQL engine '{value}' must name a host and a database, "
                             "as in postgresql://user:password@host:5432/parity")
        return Engine("postgres", parts._replace(scheme="postgresql").geturl())
    if scheme == "spark":
        if _LOCAL.match(rest):
            return Engine("spark", rest if "[" in rest else "local[*]", warehouse)
        parts = urlsplit(text)
        try:
            parts.port  # noqa: B018
        except ValueError:
            parts = parts._replace(netloc="")
        if parts.hostname and parts.port and not parts.path.strip("/"):
            return Engine("spark", f"spark://{parts.hostname}:{parts.port}", warehouse)
        raise ValueError(f"the Spark engine '{value}' must be spark://local[N] or a standalone "
                         "master spark://host:port")
    if scheme == "sc":
        parts = urlsplit(text)
        if not parts.hostname:
            raise ValueError(f"the Spark Connect engine '{value}' must name a host, as in "
                             "sc://host:15002")
        return Engine("spark", text, warehouse)
    raise ValueError(f"the engine '{value}' is not one Parity knows; use {_FORMS}")


def store_tables(store: Any) -> dict[str, pa.Table]:
    """Every table an analysis reads (data, restricted and reference), as Arrow by name,
    read from the DuckDB store; ENUM columns as plain text."""
    with store.cursor() as cur:
        out = {}
        for name, qualified in _sources(store).items():
            table = cur.sql(f"SELECT * FROM {qualified}").to_arrow_table()
            out[name] = pa.table([c.cast(f.type.value_type) if pa.types.is_dictionary(f.type)
                                  else c for c, f in zip(table.columns, table.schema, strict=True)],
                                 names=table.column_names)
        return out


def _restricted() -> frozenset[str]:
    return frozenset(t.name for t in model.DATA_TABLES if t.restricted)


def publish(store: Any, engine: Engine) -> int:
    """Copy the store's tables to the engine (nothing for DuckDB); returns the tables written.

    PostgreSQL: one transaction of COPYs (restricted tables in schema ``restricted``).
    Spark: Parquet folders in the warehouse, partitioned by
    :data:`parity.core.engines.spark.PARTITION_COLUMNS`."""
    if engine.kind == "duckdb":
        return 0
    if engine.kind == "spark":
        from parity.core.engines import spark

        sources = _sources(store)
        with store.cursor() as cur:
            spark.write_warehouse(cur, _warehouse(engine), sources)
        stamp.write_file(_warehouse(engine), store)
        return len(sources)
    tables = store_tables(store)
    try:
        if engine.kind == "postgres":
            from parity.core.engines import postgres

            restricted = _restricted()
            postgres.copy_tables(engine.target, {n: t for n, t in tables.items()
                                                 if n in restricted}, schema="restricted")
            # the stamp last, in the same transaction as the data tables
            postgres.copy_tables(engine.target, {
                **{n: t for n, t in tables.items() if n not in restricted},
                stamp.STAMP: stamp.stamp_table(store)})
    except ImportError as exc:
        raise _missing(engine, exc) from exc
    return len(tables)


def _warehouse(engine: Engine) -> Path:
    if engine.warehouse is None:
        raise SettingsError("The Spark engine needs a warehouse folder.",
                            "Set 'warehouse' (PARITY_WAREHOUSE) to a folder Spark can read.")
    return engine.warehouse


def _missing(engine: Engine, exc: ImportError) -> SettingsError:
    extra = "postgres" if engine.kind == "postgres" else "spark"
    return SettingsError(f"The {engine.kind} engine needs the Python package {exc.name}, "
                         "which is not installed.", f"Install it with pip install 'parity[{extra}]'.")


_VIEWS: dict[tuple[int, str], tuple[float, ...]] = {}
_VIEWS_LOCK = threading.Lock()


def configured(store: Any) -> Engine | None:
    """The engine the settings (PARITY_ENGINE, parity.toml, ``--engine``) name for this
    store's analyses; None for the store itself."""
    from parity.core.settings import Settings

    return Settings.load().engine_spec(Path(store.path))


def connect(engine: Engine, store: Any) -> Any:
    """A Backend on a PostgreSQL or Spark engine holding ``store``'s tables (see
    :meth:`parity.core.backend.Backend.from_store`). Errors are one sentence naming the
    engine."""
    from parity.core import backend

    try:
        if engine.kind == "postgres":
            from parity.core.engines import postgres

            con = postgres.connect_url(engine.target)
            stamp.require_current(engine, store, stamp.read_table(con))
            return backend.postgres(con)
        from parity.core.engines import spark

        session = spark.session(engine.target)
        folder = _warehouse(engine)
        stamp.require_current(engine, store, stamp.read_file(folder))
        columns = _columns(store)
        stamps = spark.warehouse_stamps(folder, columns)
        key = (id(session), str(folder))
        with _VIEWS_LOCK:
            if _VIEWS.get(key) != stamps:
                spark.read_warehouse(session, folder, columns)
                _VIEWS[key] = stamps
        return backend.pyspark(spark.connect(session))
    except ImportError as exc:
        raise _missing(engine, exc) from exc
    except SettingsError:
        raise
    except Exception as exc:  # drivers raise many types for an unreachable server
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SettingsError(f"The engine {engine.shown} cannot be used: {first}.",
                            "Check the engine setting and that the server is running, and "
                            "load the store into it with 'parity ingest --engine ...'.") from exc


def _sources(store: Any) -> dict[str, str]:
    """The tables :func:`publish` writes (data, restricted and reference), by name, with
    their qualified names in the store."""
    names = {t.name: t.qualified_name for t in model.DATA_TABLES}
    with store.cursor() as cur:
        refs = [r[0] for r in cur.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_name LIKE 'ref\\_%' ESCAPE '\\' ORDER BY table_name").fetchall()]
    return names | {n: f"main.{n}" for n in refs}


def _columns(store: Any) -> dict[str, list[str]]:
    """The tables :func:`publish` writes, with the store's columns in the store's order."""
    with store.cursor() as cur:
        return {n: [d[0] for d in cur.sql(f"SELECT * FROM {q} LIMIT 0").description]
                for n, q in _sources(store).items()}
