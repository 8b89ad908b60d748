"""The engine seam: analytics are Ibis expressions over the store's tables.

DuckDB is the default engine (the embedded store file). The same expressions run on
PostgreSQL or a Spark cluster by connecting Ibis to that engine instead; see
docs/architecture.md for the decision and the rules that keep results identical
(cast before dividing, count booleans with ``ifelse``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl

from parity.core import model
from parity.core.store import Store


@dataclass
class Backend:
    """An Ibis connection plus the names of Parity's tables on it."""

    con: Any
    restricted_schema: str | None = "restricted"

    @classmethod
    def from_store(cls, store: Store) -> Backend:
        """Wrap an open DuckDB store (a fresh cursor, safe for one thread)."""
        return cls(ibis.duckdb.from_connection(store.cursor()))

    def table(self, name: str) -> ir.Table:
        """A data or reference table by its model name (e.g. 'applications', 'ref_grades')."""
        spec = model.TABLES_BY_NAME.get(name)
        if spec is not None and spec.restricted:
            return self.con.table(name, database=self.restricted_schema)
        return self.con.table(name)

    @staticmethod
    def to_polars(expr: ir.Table) -> pl.DataFrame:
        """Execute an expression and return a polars frame."""
        return expr.to_polars()


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """A division that is never integer division, whatever the engine."""
    return numerator.cast("float64") / denominator.cast("float64")
