"""The append-only, hash-chained access log (``access_log`` in the control database).

Every read of self-identification data, every release, every read of the log and, from
the dashboard, every view, JSON answer and download by a signed-in user, every failed or
refused login and every account change is one entry: sequence number, UTC time, actor,
role, action, what was read, published or changed, the declared purpose, the name the
caller declared (``--as``) and details (view, filters, audience) as JSON.

The actor of a command or of the Python API is the operating-system user running it
(``getpass.getuser()``); the name given with ``--as`` is kept beside it as ``declared``.
The actor of a dashboard request is the signed-in account.

Each entry stores ``hash = sha256(canonical JSON of the entry + previous hash)``, so
changing, inserting or deleting an entry breaks the chain. Cutting the log at its end,
emptying it, dropping it or recomputing the whole chain keeps a valid chain, so
:func:`verify` also checks the heads recorded outside the log: the head file beside the
store (rewritten on every append) and the ``audit_head`` of every release's manifest.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import polars as pl

from parity.core import control, schema
from parity.core.disclosure.policy import Actor, require_role
from parity.core.errors import StoreError
from parity.core.store import Store

GENESIS = "0" * 64
TABLE = schema.ACCESS_LOG
COLUMNS = TABLE.column_names
Channel = Literal["local", "web"]


def os_user() -> str:
    """The operating-system user of this process (its uid when it has no name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def entry_hash(seq: int, at: str, actor: str, role: str, action: str, what: str,
               purpose: str | None, prev_hash: str, declared: str | None = None,
               detail: str | None = None) -> str:
    fields: list[object] = [seq, at, actor, role, action, what, purpose, prev_hash]
    if declared is not None or detail is not None:
        fields += [declared, detail]  # entries written before these columns hash without them
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


#: Stores (by path) already found without a log kept by an earlier version, so that an
#: append from the dashboard costs no query of the store.
_NO_LEGACY: set[Path] = set()


def _legacy_exists(store: Store) -> bool:
    if store.path in _NO_LEGACY:
        return False
    row = store.con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'restricted' AND table_name = 'access_log'").fetchone()
    if not (row and row[0]):
        _NO_LEGACY.add(store.path)
        return False
    return True


def _move_legacy(store: Store, con: sqlite3.Connection) -> None:
    """Move a log kept in the store by earlier versions into the control database."""
    if store.read_only or not _legacy_exists(store):
        return
    old = ("seq", "logged_at", "actor", "role", "action", "what", "purpose", "prev_hash", "hash")
    rows = store.con.execute(
        f"SELECT {', '.join(old)} FROM restricted.access_log ORDER BY seq").fetchall()
    con.execute("BEGIN IMMEDIATE")
    try:
        if con.execute(f"SELECT count(*) FROM {TABLE.name}").fetchone()[0] == 0:
            con.executemany(f"INSERT INTO {TABLE.name} ({', '.join(old)}) VALUES "
                            f"({', '.join('?' for _ in old)})", rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if rows:
        control.write_head(store.path, int(rows[-1][0]), str(rows[-1][-1]))
    store.con.execute("DROP TABLE restricted.access_log")


def append(store: Store, actor: Actor, action: str, what: str, *,
           channel: Channel = "local", detail: dict[str, object] | None = None,
           durable: bool = True) -> str:
    """Write one entry and return its hash. Raises if the entry cannot be written.

    A ``durable`` entry is on disk when this returns (the journal is synced); any other
    entry survives a crash of the process, and is synced with the next durable one or by
    the operating system (it may be lost with the last seconds before a power cut).
    """
    if not store.read_only:
        con = control.connect(store.path)
        assert con is not None
        try:
            _move_legacy(store, con)
        finally:
            con.close()
    elif _legacy_exists(store):
        raise StoreError(
            f"The audit log of {store.path} is still kept in the store by an earlier version "
            "of Parity, and the store is open read-only, so this access cannot be audited.",
            "Run one command that opens the store for writing (e.g. 'parity audit --verify' "
            "with the store free) to move the log, then run this again.")
    if channel == "web":
        who, declared = actor.name, None
    else:
        who, declared = os_user(), actor.name
    extra = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) \
        if detail is not None else None
    try:
        con, lock = control.Shared.get(store.path)
        with lock:
            seq, h = _insert(con, who, actor, action, what, declared, extra, durable)
    except sqlite3.Error as exc:
        raise StoreError(
            f"The audit log {control.control_path(store.path)} cannot be written ({exc}), so "
            "this access cannot be audited.",
            "Make the store's folder writable for this user; no audited data are read "
            "without a log entry.") from exc
    control.write_head(store.path, seq, h)
    return h


def _insert(con: sqlite3.Connection, who: str, actor: Actor, action: str, what: str,
            declared: str | None, extra: str | None, durable: bool) -> tuple[int, str]:
    con.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    for attempt in (1, 2):
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute(f"SELECT seq, hash FROM {TABLE.name} ORDER BY seq DESC LIMIT 1"
                              ).fetchone()
            seq, prev = (int(row[0]) + 1, str(row[1])) if row else (1, GENESIS)
            at = datetime.now(UTC).isoformat(timespec="microseconds")
            h = entry_hash(seq, at, who, actor.role, action, what, actor.purpose, prev,
                           declared, extra)
            con.execute(f"INSERT INTO {TABLE.name} ({', '.join(COLUMNS)}) VALUES "
                        f"({', '.join('?' for _ in COLUMNS)})",
                        [seq, at, who, actor.role, action, what, actor.purpose, declared, extra,
                         prev, h])
            con.execute("COMMIT")
            return seq, h
        except sqlite3.OperationalError as exc:
            con.execute("ROLLBACK")
            if attempt == 2 or "no such table" not in str(exc):
                raise
            con.execute(TABLE.ddl())  # dropped while this process ran: start it again
        except BaseException:
            con.execute("ROLLBACK")
            raise
    raise AssertionError("unreachable")


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={c: (pl.Int64 if c == "seq" else pl.Utf8) for c in COLUMNS})


def _read(store: Store) -> pl.DataFrame | None:
    """The log, oldest first; None when it does not exist (never created, or dropped)."""
    con = control.connect(store.path, create=False)
    if con is None:
        if _legacy_exists(store):
            old = store.frame("SELECT * FROM restricted.access_log ORDER BY seq")
            return old.with_columns(declared=pl.lit(None, pl.Utf8),
                                    detail=pl.lit(None, pl.Utf8)).select(COLUMNS)
        return None
    try:
        if not store.read_only:
            _move_legacy(store, con)
        has = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                          "name = ?", [TABLE.name]).fetchone()[0]
        if not has:
            return None
        rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE.name} ORDER BY seq"
                           ).fetchall()
    finally:
        con.close()
    frame = pl.DataFrame(rows, schema=_empty().schema, orient="row")
    return frame


def head(store: Store) -> str:
    """The hash of the newest entry (GENESIS for an empty log)."""
    frame = _read(store)
    return str(frame["hash"][-1]) if frame is not None and frame.height else GENESIS


def entries(store: Store, actor: Actor) -> pl.DataFrame:
    """The log, oldest first (admins and analysts only)."""
    require_role(actor, ("admin", "analyst"), "read the audit log")
    frame = _read(store)
    return _empty() if frame is None else frame


Cause = Literal["", "changed", "missing", "deleted_newest", "emptied", "dropped", "rewritten",
                "head_missing"]


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    head: str
    first_bad: int | None = None
    reason: str = ""
    #: What was done to the log: changed (an entry edited), missing (an entry removed or
    #: inserted), deleted_newest, emptied, dropped, rewritten, head_missing.
    cause: Cause = ""
    #: Heads recorded outside the log that were compared with it.
    heads_checked: int = 0


def _chain(frame: pl.DataFrame) -> Verification:
    prev = GENESIS
    for n, r in enumerate(frame.iter_rows(named=True), start=1):
        if r["seq"] != n:
            return Verification(False, frame.height, prev, n,
                                f"entry {n} is missing or out of order (found seq {r['seq']})",
                                "missing")
        if r["prev_hash"] != prev:
            return Verification(False, frame.height, prev, n,
                                f"entry {n} does not follow entry {n - 1} (an entry was "
                                "changed, inserted or removed)", "missing")
        h = entry_hash(r["seq"], r["logged_at"], r["actor"], r["role"], r["action"], r["what"],
                       r["purpose"], r["prev_hash"], r["declared"], r["detail"])
        if h != r["hash"]:
            return Verification(False, frame.height, prev, n,
                                f"entry {n} was changed after it was written", "changed")
        prev = h
    return Verification(True, frame.height, prev)


def release_heads(store: Store) -> list[tuple[str, str]]:
    """(release id, audit head) from the manifest of every release whose folder still exists."""
    from parity.core.disclosure import release_log

    out = []
    for r in release_log.releases(store).iter_rows(named=True):
        folder = Path(str(r.get("out_dir") or ""))
        candidates = [folder] if folder.is_absolute() else [folder, store.path.parent / folder]
        data = None
        for candidate in candidates:
            try:
                data = json.loads((candidate / "manifest.json").read_text(encoding="utf-8"))
                break
            except (OSError, ValueError):
                continue
        if isinstance(data, dict) and data.get("audit_head"):
            out.append((str(r["release_id"]), str(data["audit_head"])))
    return out


def verify(store: Store) -> Verification:
    """Recompute the hash chain, then compare it with the heads recorded outside the log."""
    recorded = control.read_head(store.path)
    released = release_heads(store)
    checked = (recorded is not None) + len(released)
    where = control.head_path(store.path)
    frame = _read(store)
    if frame is None:
        if (recorded and recorded[0] != 0) or released:
            n = recorded[0] if recorded else "some"
            return Verification(False, 0, GENESIS, 1,
                                f"the log was dropped: its table is missing from "
                                f"{control.control_path(store.path)}, but {where} records {n} "
                                "entries", "dropped", checked)
        return Verification(True, 0, GENESIS, heads_checked=checked)
    chain = _chain(frame)
    if not chain.ok:
        return Verification(False, chain.entries, chain.head, chain.first_bad, chain.reason,
                            chain.cause, checked)
    if recorded is not None and recorded[0] < 0:
        return Verification(False, frame.height, chain.head, None,
                            f"the head file {where} is unreadable (it was altered)",
                            "head_missing", checked)
    if recorded is None and frame.height and control.control_path(store.path).exists():
        return Verification(False, frame.height, chain.head, None,
                            f"the head file {where} is missing although the log has "
                            f"{frame.height} entries (it was deleted)", "head_missing", checked)
    if recorded is not None and recorded[0] > 0:
        seq, digest = recorded
        if frame.height == 0:
            return Verification(False, 0, GENESIS, 1,
                                f"the log was emptied: it has no entries, but {where} records "
                                f"{seq}", "emptied", checked)
        if frame.height < seq:
            return Verification(False, frame.height, chain.head, frame.height + 1,
                                f"the newest entries were deleted: the log ends at entry "
                                f"{frame.height}, but {where} records {seq}", "deleted_newest",
                                checked)
        if frame["hash"][seq - 1] != digest:
            return Verification(False, frame.height, chain.head, None,
                                f"the log was rewritten: entry {seq} does not have the hash "
                                f"recorded in {where} (the chain was recomputed)", "rewritten",
                                checked)
    hashes = set(frame["hash"].to_list())
    for release_id, digest in released:
        if digest not in hashes:
            return Verification(False, frame.height, chain.head, None,
                                f"the log was rewritten or cut: the audit head recorded in the "
                                f"manifest of release {release_id} is not in the log",
                                "rewritten", checked)
    return Verification(True, frame.height, chain.head, heads_checked=checked)
