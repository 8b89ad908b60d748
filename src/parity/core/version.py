"""The data version of a store: one fingerprint of what it holds.

Every output states it (CLI header, JSON ``data_as_of``, XLSX About sheet, dashboard
banner), release manifests record it, and the release log compares it to tell releases
on the same data from releases on other data. It covers every load and the content of
the staff, openings and applications tables, so a correction made in place is new data
too. Kept apart from the release log so that reading it imports nothing else.
"""

from __future__ import annotations

import hashlib

import duckdb

from parity.core.store import Store

#: Tables whose content (not only their loads) makes the data version.
CONTENT_TABLES: tuple[str, ...] = ("staff", "openings", "applications")


def data_version(store: Store | duckdb.DuckDBPyConnection) -> str:
    """A fingerprint of the data: every load, and the content of the staff, openings and
    applications tables (so that a correction in place is new data too). ``store`` may
    also be a cursor on it (one per thread)."""
    if isinstance(store, Store):
        with store.cursor() as cur:
            return _fingerprint(cur)
    return _fingerprint(store)


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("SELECT load_id, sha256 FROM main.loads WHERE rows_new > 0 "
                       "ORDER BY load_id, sha256").fetchall()
    text = ";".join(f"{a}:{b}" for a, b in rows)
    # a correction (rows changed or removed in place) changes the data too
    for table in CONTENT_TABLES:
        got = con.execute(f"SELECT count(*), bit_xor(hash(t)) FROM main.{table} t").fetchone()
        text += f";{table}:{got[0] if got else 0}:{got[1] if got else 0}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]
