"""Which state of the store an engine's copy holds, so that a stale copy is never read.

:func:`parity.core.engines.publish` writes, with the tables, a stamp of the store it copied:
the state of its load log and schema (:func:`parity.core.store.load_state`), which changes
with every load. On PostgreSQL it is the one-row table ``parity_copy``, written in the same
transaction as the data tables; on Spark the file ``parity_copy.json`` in the warehouse,
written after the tables (atomically), so an interrupted copy leaves the old stamp.
:func:`require_current` refuses, in one sentence, an engine whose copy is of another state
of the store (a load since, or another store), or that holds no copy at all.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from parity.core.errors import SettingsError
from parity.core.store import load_state

#: The stamp's table (PostgreSQL) and file stem (Spark warehouse).
STAMP = "parity_copy"


def store_state(store: Any) -> str:
    """The state of the store's load log and schema (what the stamp records)."""
    with store.cursor() as cur:
        return load_state(cur)


def stamp_table(store: Any) -> pa.Table:
    """The one-row stamp: the store's state, its file and when it was copied (UTC)."""
    return pa.table({"store_state": [store_state(store)], "store": [str(store.path)],
                     "copied_at": [datetime.now(UTC).isoformat(timespec="seconds")]})


def write_file(warehouse: Path | str, store: Any) -> None:
    """The stamp as ``warehouse/parity_copy.json``, replaced atomically."""
    row = stamp_table(store).to_pylist()[0]
    target = Path(warehouse) / f"{STAMP}.json"
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(row), encoding="utf-8")
    os.replace(tmp, target)


def read_file(warehouse: Path | str) -> str | None:
    """The store state a warehouse's stamp records; None when it has none."""
    target = Path(warehouse) / f"{STAMP}.json"
    try:
        return str(json.loads(target.read_text(encoding="utf-8"))["store_state"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_table(con: Any) -> str | None:
    """The store state recorded in an Ibis connection's ``parity_copy`` table; None when
    the table is missing or empty."""
    try:
        rows = con.table(STAMP).select("store_state").to_pyarrow().to_pylist()
    except Exception:  # the table is missing: drivers raise their own error types
        return None
    return str(rows[0]["store_state"]) if rows else None


def require_current(engine: Any, store: Any, held: str | None) -> None:
    """SettingsError unless the engine's copy (``held``) is of the store's current state."""
    if held == store_state(store):
        return
    what = ("holds no copy of this store" if held is None else
            "holds a copy of another state of this store (it has been loaded since), or of "
            "another store")
    raise SettingsError(
        f"The engine {engine.shown} {what}, so its answers would not be this store's.",
        f"Copy the store to it again: parity --engine '{engine.shown}' ingest FILES --db "
        f"{store.path} (files already loaded are skipped).")
