"""Plain SQL over a report test's store, for the independent recomputations."""

from __future__ import annotations

import polars as pl

from parity.core.store import Store


def sql(store: Store, query: str, *params: object) -> pl.DataFrame:
    """A plain SQL query on the store's DuckDB file, as polars."""
    cur = store.cursor()
    try:
        frame = pl.from_arrow(cur.execute(query, list(params)).to_arrow_table())
        assert isinstance(frame, pl.DataFrame)
        return frame
    finally:
        cur.close()
