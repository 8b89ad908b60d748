"""The store: a DuckDB file holding the data tables, reference data and load log.

Group columns (grades, categories, genders, nationalities) are stored as DuckDB ENUM
types: counting over dictionary codes is several times faster and smaller than over
VARCHAR. Self-identification data live in the separate ``restricted`` schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from parity.core import model, reference
from parity.core.errors import EmptyStoreError, StoreError, StoreLockedError

SCHEMA_VERSION = 1

_ENUMS: dict[str, tuple[str, ...]] = {
    "grade_t": model.GRADES,
    "category_t": tuple(model.CATEGORIES),
    "gender_t": model.GENDERS,
    "appointment_t": model.APPOINTMENT_TYPES,
    "posting_t": model.POSTING_TYPES,
    "event_t": model.EVENT_TYPES,
    "reason_t": model.SEPARATION_REASONS,
}
_ENUM_OF_CODES: dict[tuple[str, ...], str] = {v: k for k, v in _ENUMS.items()}


def column_type(col: model.Column) -> str:
    if col.kind == "iso3":
        return "iso3_t"
    if col.kind == "code" and col.codes is not None:
        return _ENUM_OF_CODES[col.codes]
    return col.sql_type


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def table_ddl(table: model.Table) -> str:
    cols = ",\n  ".join(f"{c.name} {column_type(c)}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {table.qualified_name} (\n  {cols},\n  load_id INTEGER\n)"


_BOOKKEEPING = [
    """CREATE TABLE IF NOT EXISTS main.loads (
        load_id INTEGER, file VARCHAR, sha256 VARCHAR, table_name VARCHAR,
        rows_read BIGINT, rows_loaded BIGINT, rows_new BIGINT, rows_quarantined BIGINT,
        loaded_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS main.quarantine (
        load_id INTEGER, file VARCHAR, table_name VARCHAR, row_number BIGINT,
        column_name VARCHAR, value VARCHAR, reason VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS main.meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
]


class Store:
    """An open DuckDB store. Use :func:`open_store` to get one."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.path = path
        self.con = con
        self.read_only = read_only

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one request or thread (one DuckDB connection refuses concurrent use)."""
        return self.con.cursor()

    # ------------------------------------------------------------------ schema
    def ensure_schema(self) -> None:
        """Create types, tables and reference data if the store is new."""
        con = self.con
        if self.has_schema():
            return
        con.execute("BEGIN TRANSACTION")
        try:
            for name, values in _ENUMS.items():
                con.execute(f"CREATE TYPE {name} AS ENUM ({_sql_list(values)})")
            con.execute(f"CREATE TYPE iso3_t AS ENUM ({_sql_list(sorted(reference.iso3_codes()))})")
            con.execute("CREATE SCHEMA IF NOT EXISTS restricted")
            for table in model.DATA_TABLES:
                con.execute(table_ddl(table))
            for stmt in _BOOKKEEPING:
                con.execute(stmt)
            self._load_reference()
            con.execute("INSERT INTO main.meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    def has_schema(self) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = 'meta'"
        ).fetchone()
        return bool(row and row[0])

    def _load_reference(self) -> None:
        con = self.con
        frames = {
            "ref_member_states": reference.member_states(),
            "ref_country_regions": reference.country_regions(),
            "ref_scale": reference.scale_of_assessments(),
            "ref_population": reference.population(),
            "ref_grades": pl.DataFrame(
                {
                    "grade": list(model.GRADES),
                    "category": [model.CATEGORY_OF_GRADE[g] for g in model.GRADES],
                    "rank": [model.grade_rank(g) for g in model.GRADES],
                    "level_band": [model.LEVEL_BANDS.get(g) for g in model.GRADES],
                    "professional_and_higher": [
                        model.CATEGORY_OF_GRADE[g] in model.PROFESSIONAL_AND_HIGHER
                        for g in model.GRADES
                    ],
                }
            ),
        }
        for name, frame in frames.items():
            con.register("_ref_frame", frame.to_arrow())
            con.execute(f"CREATE TABLE main.{name} AS SELECT * FROM _ref_frame")
            con.unregister("_ref_frame")

    # ------------------------------------------------------------------ queries
    def frame(self, sql: str, params: list[object] | None = None) -> pl.DataFrame:
        """Run a read query and return a polars frame."""
        with self.cursor() as cur:
            return cur.sql(sql, params=params).pl()

    def row_counts(self) -> dict[str, int]:
        """Rows per data table (and quarantined rows)."""
        out: dict[str, int] = {}
        with self.cursor() as cur:
            for table in model.DATA_TABLES:
                row = cur.execute(f"SELECT count(*) FROM {table.qualified_name}").fetchone()
                out[table.name] = int(row[0]) if row else 0
            row = cur.execute(
                "SELECT count(DISTINCT (load_id, file, row_number)) FROM main.quarantine"
            ).fetchone()
            out["quarantine"] = int(row[0]) if row else 0
        return out

    def require_data(self, table: str) -> None:
        with self.cursor() as cur:
            qualified = model.TABLES_BY_NAME[table].qualified_name
            row = cur.execute(f"SELECT count(*) FROM {qualified}").fetchone()
        if not row or not row[0]:
            raise EmptyStoreError(
                f"The store {self.path} has no {table} rows.",
                f"Load {table}.csv with 'parity ingest' first (or run 'parity demo').",
            )

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One atomic transaction: committed on success, rolled back on any error."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")


_LOCK_PID = re.compile(r"PID (\d+)")


def open_store(path: Path | str, read_only: bool = False, create: bool = True) -> Store:
    """Open (and, unless read-only, create) the store at ``path``."""
    path = Path(path)
    if read_only or not create:
        if not path.exists():
            raise StoreError(
                f"The store {path} does not exist.",
                "Load data with 'parity ingest' or run 'parity demo', or pass --db.",
            )
    elif not path.parent.exists():
        raise StoreError(
            f"The folder {path.parent} for the store {path} does not exist.",
            "Create it or choose another --db path.",
        )
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = _LOCK_PID.search(text)
            who = f" (process {pid.group(1)})" if pid else ""
            raise StoreLockedError(
                f"The store {path} is in use by another program{who}.",
                "Wait for it to finish or close it, then run the command again.",
            ) from exc
        raise StoreError(f"The store {path} cannot be opened: {text}.") from exc
    except duckdb.Error as exc:
        raise StoreError(
            f"The file {path} is not a Parity store (DuckDB could not open it: {exc}).",
            "Pass --db with the path of a Parity store or a new file name.",
        ) from exc
    store = Store(path, con, read_only)
    if not read_only:
        store.ensure_schema()
    elif not store.has_schema():
        con.close()
        raise StoreError(
            f"The file {path} is a DuckDB file but not a Parity store.",
            "Pass --db with the path of a Parity store.",
        )
    return store
