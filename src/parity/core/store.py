"""The store: a DuckDB file holding the data tables, reference data and load log.

Group columns (grades, categories, genders, nationalities) are stored as DuckDB ENUM
types: counting over dictionary codes is several times faster and smaller than over
VARCHAR. Self-identification data live in the separate ``restricted`` schema.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from parity.core import model, reference, schema, sharing
from parity.core.errors import EmptyStoreError, StoreError, StoreLockedError

SCHEMA_VERSION = 4
"""1: first release. 2: applications carry copies of their opening's attributes.
3: staff, openings and applications carry their organization. 4: applications carry the
stages they reached as bits (``stages_reached``)."""

_ENUMS: dict[str, tuple[str, ...]] = {
    "grade_t": model.GRADES,
    "category_t": tuple(model.CATEGORIES),
    "gender_t": model.GENDERS,
    "appointment_t": model.APPOINTMENT_TYPES,
    "posting_t": model.POSTING_TYPES,
    "event_t": model.EVENT_TYPES,
    "reason_t": model.SEPARATION_REASONS,
    "organization_t": tuple(model.ORGANIZATIONS),
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
    """CREATE TABLE: the columns a file must hold, ``load_id``, the copied columns, the
    columns a file may leave out, then the derived columns (in the order upgrades added
    them, so an upgraded store has the layout of a new one)."""
    cols = ",\n  ".join(f"{c.name} {column_type(c)}" for c in table.columns if c.in_header)
    later = (*table.copies, *(c for c in table.columns if not c.in_header), *table.derived)
    copies = "".join(f",\n  {c.name} {column_type(c)}" for c in later)
    return (f"CREATE TABLE IF NOT EXISTS {table.qualified_name} (\n  {cols},\n"
            f"  load_id INTEGER{copies}\n)")


def copy_source(table: model.Table) -> tuple[model.Table, list[str]]:
    """The table ``table``'s copies come from, and one SQL expression per copy over it
    (aliased ``src``). A copy of a date into a ``year`` column takes the date's year."""
    sources = {c.copied_from.split(".")[0] for c in table.copies if c.copied_from}
    if len(sources) != 1:
        raise ValueError(f"{table.name}: copies must come from exactly one table")
    source = model.TABLES_BY_NAME[sources.pop()]
    exprs = []
    for c in table.copies:
        col = source.column(str(c.copied_from).split(".")[1])
        expr = f"src.{col.name}"
        if c.kind == "year" and col.kind == "date":
            expr = f"CAST(year(src.{col.name}) AS SMALLINT)"
        exprs.append(expr)
    return source, exprs


def derived_values(table: model.Table, alias: str) -> list[str]:
    """One SQL expression per derived column of ``table``, over its row aliased ``alias``."""
    return [str(c.derived).format(row=alias) for c in table.derived]


def copy_join(table: model.Table, alias: str) -> str:
    """``LEFT JOIN <source> src ON <key match>`` for rows of ``table`` aliased ``alias``."""
    source, _ = copy_source(table)
    on = " AND ".join(f"src.{k} = {alias}.{k}" for k in source.key)
    return f"LEFT JOIN {source.qualified_name} src ON {on}"


_BOOKKEEPING = [t.ddl() for t in (schema.LOADS, schema.QUARANTINE, schema.META)]


def load_state(con: duckdb.DuckDBPyConnection) -> str:
    """The state of a store's load log and schema as a short hash: it changes with every
    load (each adds rows to ``main.loads``) and with every schema upgrade, so it identifies
    the data without hashing the tables (:func:`parity.core.version.data_version` does)."""
    row = con.sql(
        "SELECT (SELECT value FROM main.meta WHERE key = 'schema_version'), "
        "coalesce(string_agg(load_id || ':' || sha256, ',' ORDER BY load_id, sha256), '') "
        "FROM main.loads").fetchall()[0]
    return hashlib.sha256(repr(row).encode()).hexdigest()[:16]


class Store:
    """An open DuckDB store. Use :func:`open_store` to get one."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.path = path
        self.con = con
        self.read_only = read_only
        #: Set while this writer waited for a dashboard: removed when the store is closed.
        self.writer_marker: Path | None = None

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self.con.close()
        if self.writer_marker is not None:
            sharing.withdraw(self.writer_marker)
            self.writer_marker = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one request or thread (one DuckDB connection refuses concurrent use)."""
        return self.con.cursor()

    # ------------------------------------------------------------------ schema
    def ensure_schema(self) -> None:
        """Create types, tables and reference data if the store is new; upgrade an older one."""
        con = self.con
        if self.has_schema():
            self._upgrade()
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

    def schema_version(self) -> int:
        row = self.con.execute(
            "SELECT value FROM main.meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 1

    def check_version(self) -> None:
        """StoreError when the store was written by a newer version of Parity."""
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The store {self.path} was written by a newer version of Parity (store "
                f"schema {version}; this version reads {SCHEMA_VERSION}).",
                "Install the newer version of Parity to read it.")

    def _upgrade(self) -> None:
        """Bring a store of an earlier schema to :data:`SCHEMA_VERSION`, in one transaction."""
        self.check_version()
        if self.schema_version() >= SCHEMA_VERSION:
            return
        con = self.con
        version = self.schema_version()
        with self.transaction():
            if version < 2:
                self._upgrade_copies()
            if version < 3:
                self._upgrade_organization()
            if version < 4:
                self._upgrade_derived()
            con.execute("UPDATE main.meta SET value = ? WHERE key = 'schema_version'",
                        [str(SCHEMA_VERSION)])

    def _upgrade_organization(self) -> None:
        """2 → 3: an organization on staff, openings and applications; the rows stored
        before are the configured organization's (the ``organization`` setting)."""
        from parity.core.settings import Settings

        con = self.con
        org = Settings.load().organization
        con.execute(f"CREATE TYPE organization_t AS ENUM ({_sql_list(_ENUMS['organization_t'])})")
        for table in (model.STAFF, model.OPENINGS, model.APPLICATIONS):
            con.execute(f"ALTER TABLE {table.qualified_name} ADD COLUMN organization "
                        "organization_t")
        for table in (model.STAFF, model.OPENINGS):
            con.execute(f"UPDATE {table.qualified_name} SET organization = ?", [org])
        con.execute("UPDATE main.applications a SET organization = o.organization "
                    "FROM main.openings o WHERE o.opening_id = a.opening_id")

    def _upgrade_derived(self) -> None:
        """3 → 4: the derived columns (the stages each application reached, as bits)."""
        for table in model.DATA_TABLES:
            if not table.derived:
                continue
            for c in table.derived:
                self.con.execute(f"ALTER TABLE {table.qualified_name} ADD COLUMN IF NOT EXISTS "
                                 f"{c.name} {column_type(c)}")
            sets = ", ".join(f"{c.name} = {e}" for c, e in
                             zip(table.derived, derived_values(table, "t"), strict=True))
            self.con.execute(f"UPDATE {table.qualified_name} t SET {sets}")

    def _upgrade_copies(self) -> None:
        """1 → 2: copies of the opening's attributes on each application."""
        con = self.con
        apps = model.APPLICATIONS
        for c in apps.copies:
            con.execute(f"ALTER TABLE {apps.qualified_name} ADD COLUMN IF NOT EXISTS "
                        f"{c.name} {column_type(c)}")
        source, exprs = copy_source(apps)
        sets = ", ".join(f"{c.name} = {e}" for c, e in zip(apps.copies, exprs, strict=True))
        on = " AND ".join(f"src.{k} = t.{k}" for k in source.key)
        con.execute(f"UPDATE {apps.qualified_name} t SET {sets} "
                    f"FROM {source.qualified_name} src WHERE {on}")

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
    con, marker = _connect(path, read_only)
    store = Store(path, con, read_only)
    store.writer_marker = marker
    if not read_only:
        try:
            store.ensure_schema()
        except BaseException:
            store.close()
            raise
    elif not store.has_schema():
        store.close()
        raise StoreError(
            f"The file {path} is a DuckDB file but not a Parity store.",
            "Pass --db with the path of a Parity store.",
        )
    elif store.schema_version() < SCHEMA_VERSION:
        # An older store opened read-only: upgrade it once through a writable connection.
        store.close()
        try:
            open_store(path).close()
        except StoreError:
            raise StoreError(*_old_store_message(path)) from None
        return open_store(path, read_only=True, create=False)
    else:
        try:
            store.check_version()
        except StoreError:
            store.close()
            raise
    return store


def _connect(path: Path, read_only: bool) -> tuple[duckdb.DuckDBPyConnection, Path | None]:
    """Open the file; when a dashboard holds it, ask it to let go and wait (see
    :mod:`parity.core.sharing`). Returns the connection and the writer marker left."""
    marker: Path | None = None
    deadline: float | None = None
    try:
        while True:
            try:
                return duckdb.connect(str(path), read_only=read_only), marker
            except duckdb.IOException as exc:
                text = str(exc)
                if "lock" not in text.lower():
                    raise StoreError(f"The store {path} cannot be opened: {text}.") from exc
                pid = _LOCK_PID.search(text)
                served = pid is not None and sharing.is_serving(path, int(pid.group(1)))
                if not served and deadline is None:
                    who = f" (process {pid.group(1)})" if pid else ""
                    raise StoreLockedError(
                        f"The store {path} is in use by another program{who}.",
                        "Wait for it to finish or close it, then run the command again. (A "
                        "dashboard started with 'parity serve' does not block commands: they "
                        "read while it runs, and a load waits for it to let go.)") from exc
                if deadline is None:
                    wait = sharing.wait_seconds()
                    deadline = time.monotonic() + wait
                    if not read_only:
                        marker = sharing.announce_writer(path)
                    sharing.tell(f"The store {path} is being served by 'parity serve' (process "
                                 f"{pid.group(1) if pid else '?'}); waiting for it to let go "
                                 f"(at most {wait:.0f} s)…")
                if time.monotonic() > deadline:
                    raise StoreLockedError(
                        f"The store {path} is still held by 'parity serve' (process "
                        f"{pid.group(1) if pid else '?'}) after {sharing.wait_seconds():.0f} s.",
                        "Run the command again when the dashboard is less busy, set "
                        "PARITY_SERVE_WAIT to wait longer, or stop the dashboard.") from exc
                sharing.pause()
            except duckdb.Error as exc:
                raise StoreError(
                    f"The file {path} is not a Parity store (DuckDB could not open it: {exc}).",
                    "Pass --db with the path of a Parity store or a new file name.",
                ) from exc
    except BaseException:
        if marker is not None:
            sharing.withdraw(marker)
        raise


def _old_store_message(path: Path) -> tuple[str, str]:
    return (f"The store {path} was written by an earlier version of Parity (store schema "
            f"older than {SCHEMA_VERSION}) and could not be opened for writing to upgrade it.",
            "Parity upgrades a store when it can open it for writing: stop the programs that "
            "hold it and make the file writable, then run the command again.")
