"""The append-only, hash-chained access log (restricted.access_log).

Every read of self-identification data and every release is one entry: sequence number,
UTC time, actor, role, action, what was read or published, and the declared purpose.
Each entry stores ``hash = sha256(canonical JSON of the entry + previous hash)``, so
changing, inserting or deleting an entry anywhere but at the very end breaks the chain,
which :func:`verify` detects. Deleting the newest entries is detected by comparing the
head hash with one recorded elsewhere: every release manifest carries the head hash at
the time of the release, and ``parity audit`` prints it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from parity.core.disclosure.policy import Actor, require_role
from parity.core.errors import StoreError
from parity.core.store import Store

GENESIS = "0" * 64
DDL = """CREATE TABLE IF NOT EXISTS restricted.access_log (
    seq BIGINT PRIMARY KEY, logged_at VARCHAR NOT NULL, actor VARCHAR NOT NULL, role VARCHAR NOT NULL,
    action VARCHAR NOT NULL, what VARCHAR NOT NULL, purpose VARCHAR,
    prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL)"""
COLUMNS = ("seq", "logged_at", "actor", "role", "action", "what", "purpose", "prev_hash", "hash")


def ensure_table(store: Store) -> None:
    """Create the log on first use (a read-only store without it has an empty log)."""
    if store.read_only:
        return
    store.con.execute("CREATE SCHEMA IF NOT EXISTS restricted")
    store.con.execute(DDL)


def _exists(store: Store) -> bool:
    row = store.con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'restricted' AND table_name = 'access_log'").fetchone()
    return bool(row and row[0])


def entry_hash(seq: int, at: str, actor: str, role: str, action: str, what: str,
               purpose: str | None, prev_hash: str) -> str:
    body = json.dumps([seq, at, actor, role, action, what, purpose, prev_hash],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(store: Store, actor: Actor, action: str, what: str) -> str:
    """Write one entry and return its hash. Raises if the entry cannot be written."""
    if store.read_only:
        raise StoreError(
            f"The store {store.path} is open read-only, so this access cannot be audited.",
            "Open the store for writing; no audited data are read without a log entry.",
        )
    ensure_table(store)
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        row = con.execute(
            "SELECT seq, hash FROM restricted.access_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (int(row[0]) + 1, str(row[1])) if row else (1, GENESIS)
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        h = entry_hash(seq, at, actor.name, actor.role, action, what, actor.purpose, prev)
        con.execute("INSERT INTO restricted.access_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [seq, at, actor.name, actor.role, action, what, actor.purpose, prev, h])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return h


def _frame(store: Store) -> pl.DataFrame:
    if not _exists(store):
        return pl.DataFrame(schema={c: (pl.Int64 if c == "seq" else pl.Utf8) for c in COLUMNS})
    return store.frame(f"SELECT {', '.join(COLUMNS)} FROM restricted.access_log ORDER BY seq")


def head(store: Store) -> str:
    """The hash of the newest entry (GENESIS for an empty log)."""
    frame = _frame(store)
    return str(frame["hash"][-1]) if frame.height else GENESIS


def entries(store: Store, actor: Actor) -> pl.DataFrame:
    """The log, oldest first (admins and analysts only)."""
    require_role(actor, ("admin", "analyst"), "read the audit log")
    return _frame(store)


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    head: str
    first_bad: int | None = None
    reason: str = ""


def verify(store: Store) -> Verification:
    """Recompute the hash chain; report the first entry that does not match."""
    frame = _frame(store)
    prev = GENESIS
    for n, r in enumerate(frame.iter_rows(named=True), start=1):
        if r["seq"] != n:
            return Verification(False, frame.height, prev, n,
                                f"entry {n} is missing or out of order (found seq {r['seq']})")
        if r["prev_hash"] != prev:
            return Verification(False, frame.height, prev, n,
                                f"entry {n} does not follow entry {n - 1} (an entry was "
                                "changed, inserted or removed)")
        h = entry_hash(r["seq"], r["logged_at"], r["actor"], r["role"], r["action"], r["what"],
                       r["purpose"], r["prev_hash"])
        if h != r["hash"]:
            return Verification(False, frame.height, prev, n,
                                f"entry {n} was changed after it was written")
        prev = h
    return Verification(True, frame.height, prev)
