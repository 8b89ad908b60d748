"""The engine seam: every analysis reads the store through one :class:`Backend`.

Analytics are Ibis expressions over the store's tables. A ``Backend`` is an Ibis
connection plus what Parity needs around it: the tables by their model names (restricted
tables included, looked up once per backend), a memo for inputs several analyses share,
and :meth:`Backend.execute`, which runs an expression and keeps its compiled SQL.

DuckDB is the default engine (the embedded store file). The expressions are written
against Ibis and tested on DuckDB and Apache DataFusion (tests/conformance); the rules
that keep them portable are in docs/architecture.md (divide with :func:`ratio`, count
booleans with ``ifelse``, sort explicitly).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import polars as pl

from parity.core import model
from parity.core.store import Store

#: Compiled SQL by (engine, data version, expression): at most this many queries.
COMPILED_MAX = 64
_COMPILED: OrderedDict[tuple[object, ...], str | None] = OrderedDict()
_LOCK = threading.Lock()


@dataclass(eq=False)
class Backend:
    """An Ibis connection plus the names of Parity's tables on it.

    ``version`` identifies the data the connection holds (for a store: its schema version
    and load log); cached compiled queries are keyed by it, so a new load invalidates them.
    ``memo`` holds inputs that several counts of one run share (see
    :func:`parity.core.disclosure.catalog.staff_latest`); it lives as long as the backend.
    """

    con: Any
    restricted_schema: str | None = "restricted"
    version: object = None
    memo: dict[str, object] = field(default_factory=dict, repr=False)
    _tables: dict[str, ir.Table] = field(default_factory=dict, repr=False)

    @classmethod
    def from_store(cls, store: Store) -> Backend:
        """Wrap an open DuckDB store (a fresh cursor, safe for one thread)."""
        return cls(ibis.duckdb.from_connection(store.cursor()), version=store)

    def cache_version(self) -> object:
        """What the cached compiled queries are keyed by: for a store, its file and load log
        (read once per backend; cheaper than the data version of parity.core.version, and
        enough for compiled SQL, which does not depend on the rows); otherwise the
        ``version`` given."""
        if isinstance(self.version, Store):
            rows = self.con.con.sql(
                "SELECT coalesce(max(load_id), 0), count(*) FROM main.loads").fetchall()
            self.version = (str(self.version.path), *rows[0])
        return self.version

    @property
    def engine(self) -> str:
        """The Ibis backend's name: ``duckdb``, ``datafusion``, ..."""
        return str(self.con.name)

    def table(self, name: str) -> ir.Table:
        """A data or reference table by its model name (e.g. 'applications', 'ref_grades').

        Looked up once per backend: on DuckDB a lookup parses the table's schema, ENUM types
        included, which costs more than many counts.
        """
        got = self._tables.get(name)
        if got is None:
            spec = model.TABLES_BY_NAME.get(name)
            if spec is not None and spec.restricted and self.restricted_schema is not None:
                got = self.con.table(name, database=self.restricted_schema)
            else:
                got = self.con.table(name)
            self._tables[name] = got
        return got

    def execute(self, expr: ir.Table | Callable[[], ir.Table],
                key: Hashable | None = None) -> pl.DataFrame:
        """Run an expression on this backend's engine and return a polars frame.

        ``expr`` may be bound to this backend's tables or built on unbound tables named
        like the store's (an ``ibis.table`` schema); category and ENUM columns come
        back as strings. On DuckDB the compiled SQL is kept per data version and ``key``
        (default: the expression itself), since compiling costs as much as counting a
        million rows. ``expr`` may be a function building the expression: with a ``key``
        already cached it is not even built.
        """
        build = expr if callable(expr) else (lambda: expr)
        built: ir.Table | None = None
        if self.engine == "duckdb" and hasattr(self.con, "con"):
            sql, built = self._compiled(build, key)
            if sql is not None:
                frame: pl.DataFrame = self.con.con.sql(sql).pl()
                return _plain_strings(frame)
        return _plain_strings(self.con.to_polars(built if built is not None else build()))

    def _compiled(self, build: Callable[[], ir.Table],
                  key: Hashable | None) -> tuple[str | None, ir.Table | None]:
        """The cached SQL of the question (None: run through Ibis, e.g. for in-memory
        tables, which raw SQL cannot see) and the expression if it had to be built."""
        built = None
        if key is None:
            built = build()
            key = built.op()
        full = (self.engine, self.cache_version(), key)
        with _LOCK:  # the dashboard's worker threads share the cache
            if full in _COMPILED:
                _COMPILED.move_to_end(full)
                return _COMPILED[full], built
        if built is None:
            built = build()
        sql = None if built.op().find(ops.InMemoryTable) else ibis.to_sql(built,
                                                                          dialect=self.engine)
        with _LOCK:
            _COMPILED[full] = sql
            while len(_COMPILED) > COMPILED_MAX:
                _COMPILED.popitem(last=False)
        return sql, built

    @staticmethod
    def to_polars(expr: ir.Table) -> pl.DataFrame:
        """Execute an expression bound to a backend's tables and return a polars frame."""
        return expr.to_polars()


def _plain_strings(frame: pl.DataFrame) -> pl.DataFrame:
    """Category and ENUM columns as strings (what every other engine returns)."""
    return frame.with_columns(pl.col(c).cast(pl.Utf8) for c, t in frame.schema.items()
                              if t == pl.Categorical or isinstance(t, pl.Enum))


def compiled_queries() -> int:
    """How many compiled queries are kept (for tests and diagnostics)."""
    return len(_COMPILED)


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """A division that is never integer division, whatever the engine."""
    return numerator.cast("float64") / denominator.cast("float64")


def datafusion(con: Any) -> Backend:
    """A Backend on an Ibis DataFusion connection holding the store's tables by name.

    Two gaps of Ibis 12's DataFusion compiler are filled for this connection only: it has
    no rule for ``DateValue.delta`` (here: the difference of the two dates' day numbers),
    and it writes a date literal as a *timestamp* (``date_trunc('day', '…')``), which
    overflows for 9999-12-31 and turns arrays of dates into timestamps (here: a cast to
    DATE). Every other compilation is Ibis's own. Restricted tables sit with the others.
    """
    import ibis.expr.datatypes as dt
    import sqlglot as sg
    from ibis.backends.sql.compilers.datafusion import DataFusionCompiler
    from ibis.common.exceptions import UnsupportedOperationError

    class _Compiler(DataFusionCompiler):  # type: ignore[misc]
        UNSUPPORTED_OPS = tuple(o for o in DataFusionCompiler.UNSUPPORTED_OPS
                                if o is not ops.DateDelta)

        def visit_NonNullLiteral(self, op: Any, *, value: Any, dtype: Any) -> Any:
            if dtype.is_date():
                return self.cast(sg.exp.convert(value.isoformat()), dt.date)
            return super().visit_NonNullLiteral(op, value=value, dtype=dtype)

        def visit_DateDelta(self, op: Any, *, left: Any, right: Any, part: Any) -> Any:
            if str(op.part.value).lower() != "day":
                # Parity's expressions take date differences in days only; any other unit
                # is refused as Ibis refuses an operation an engine lacks.
                raise UnsupportedOperationError(
                    f"Date differences in {op.part.value} are not compiled for DataFusion; "
                    "Parity counts them in days.")

            def day_number(value: Any) -> Any:
                as_date = self.cast(value, dt.date)
                return self.cast(self.cast(as_date, dt.int32), dt.int64)

            return day_number(left) - day_number(right)

    con.compiler = _Compiler()
    return Backend(con, restricted_schema=None, version=("datafusion", id(con)))
