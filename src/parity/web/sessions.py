"""Server-side sessions and the throttling of failed logins.

A login creates a session record; the cookie carries a random 256-bit token (signed), and
only the token's SHA-256 is kept. A request is logged in only while its record exists and
has not expired, so logging out (or an administrator revoking the session) ends it on the
server: a copied cookie stops working at once.

Failed logins are counted per account and per client address. The first
:data:`FREE_FAILURES` failures cost nothing; after that each new attempt for that account
or from that address is refused until a delay has passed since the last failure: 1 s,
then 2 s, 4 s, … doubling with each further failure, at most :data:`MAX_DELAY` seconds.
A success clears the account's count; counts are forgotten :data:`FORGET_AFTER` seconds
after the last failure. Refused attempts do not lengthen the delay.

Where records live: in the control database beside the store (``<stem>.control.sqlite``,
tables ``web_sessions`` and ``web_login_failures`` declared in :mod:`parity.core.schema`),
which every worker process and command may write while the store is served read-only, so
every worker knows every session and every failure count.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from parity.core import control, schema
from parity.core.store import Store

#: Failed logins allowed without delay, per account and per address.
FREE_FAILURES = 5
#: The first delay (seconds) and the longest one.
FIRST_DELAY = 1.0
MAX_DELAY = 900.0
#: Seconds after the last failure when the count is forgotten.
FORGET_AFTER = 3600.0
#: Characters of a session's hash shown to administrators (its public id).
ID_LENGTH = 16


def now() -> float:
    """The time the throttle counts in (Unix seconds); one place, so a test can set it."""
    return time.time()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def delay_after(failures: int) -> float:
    """Seconds to wait after the last failure, given the failures counted so far."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY, FIRST_DELAY * 2.0 ** (failures - FREE_FAILURES))


@dataclass(frozen=True)
class SessionRecord:
    """One session (times are Unix seconds)."""

    session_hash: str
    name: str
    created_at: float
    expires_at: float
    address: str | None = None
    agent: str | None = None

    @property
    def id(self) -> str:
        return self.session_hash[:ID_LENGTH]


class Book(Protocol):
    """Where sessions and failure counts are kept."""

    def add(self, record: SessionRecord) -> None: ...
    def get(self, session_hash: str) -> SessionRecord | None: ...
    def active(self) -> list[SessionRecord]: ...
    def revoke(self, session_id: str) -> int: ...
    def revoke_user(self, name: str) -> int: ...
    def failures(self, key: str) -> tuple[int, float]: ...
    def fail(self, key: str, now: float) -> int: ...
    def reset(self, key: str) -> None: ...
    def close(self) -> None: ...


class ControlBook:
    """Sessions and failure counts in the control database beside the store (an SQLite
    file every process may write: each worker of ``parity serve --workers`` sees every
    session, and a store served read-only keeps them too)."""

    def __init__(self, store_path: Path) -> None:
        self.con, self.lock = control.Shared.get(store_path)
        with self.lock:
            for table in (schema.WEB_SESSIONS, schema.WEB_LOGIN_FAILURES):
                self.con.execute(table.ddl())

    def _rows(self, sql: str, args: list[object]) -> list[tuple[object, ...]]:
        with self.lock:
            return self.con.execute(sql, args).fetchall()

    def _write(self, *statements: tuple[str, list[object]]) -> list[tuple[object, ...]]:
        with self.lock:
            self.con.execute("BEGIN IMMEDIATE")
            try:
                rows: list[tuple[object, ...]] = []
                for sql, args in statements:
                    rows = self.con.execute(sql, args).fetchall()
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            return rows

    def add(self, record: SessionRecord) -> None:
        self._write((f"DELETE FROM {_SESSIONS} WHERE expires_at < ?", [time.time()]),
                    (f"INSERT INTO {_SESSIONS} VALUES (?, ?, ?, ?, ?, ?)",
                     list(asdict(record).values())))

    def get(self, session_hash: str) -> SessionRecord | None:
        rows = self._rows(f"SELECT * FROM {_SESSIONS} WHERE session_hash = ? AND expires_at > ?",
                          [session_hash, time.time()])
        return SessionRecord(*rows[0]) if rows else None  # type: ignore[arg-type, call-overload]

    def active(self) -> list[SessionRecord]:
        rows = self._rows(f"SELECT * FROM {_SESSIONS} WHERE expires_at > ? "
                          "ORDER BY created_at DESC", [time.time()])
        return [SessionRecord(*row) for row in rows]  # type: ignore[arg-type, call-overload]

    def _delete(self, where: str, args: list[object]) -> int:
        rows = self._write((f"DELETE FROM {_SESSIONS} WHERE {where} RETURNING session_hash", args))
        return len(rows)

    def revoke(self, session_id: str) -> int:
        if len(session_id) < ID_LENGTH or not session_id.isalnum():
            return 0
        return self._delete("substr(session_hash, 1, ?) = ?", [len(session_id), session_id])

    def revoke_user(self, name: str) -> int:
        return self._delete("name = ?", [name])

    def failures(self, key: str) -> tuple[int, float]:
        rows = self._rows(f"SELECT failures, last_failure_at FROM {_FAILURES} WHERE key = ?", [key])
        return (int(rows[0][0]), float(rows[0][1])) if rows else (0, 0.0)  # type: ignore[arg-type, call-overload]

    def fail(self, key: str, now: float) -> int:
        rows = self._write(
            (f"DELETE FROM {_FAILURES} WHERE last_failure_at < ?", [now - FORGET_AFTER]),
            (f"INSERT INTO {_FAILURES} VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE "
             f"SET failures = CASE WHEN ? - {_FAILURES}.last_failure_at > ? THEN 1 "
             f"ELSE {_FAILURES}.failures + 1 END, last_failure_at = excluded.last_failure_at "
             "RETURNING failures", [key, now, now, FORGET_AFTER]))
        return int(rows[0][0]) if rows else 1  # type: ignore[arg-type, call-overload]

    def reset(self, key: str) -> None:
        self._write((f"DELETE FROM {_FAILURES} WHERE key = ?", [key]))

    def close(self) -> None:
        return None  # the connection is the process's shared one (control.Shared)


_SESSIONS = schema.WEB_SESSIONS.qualified_name
_FAILURES = schema.WEB_LOGIN_FAILURES.qualified_name


def open_book(store: Store, shared_folder: Path | None = None) -> Book:
    """Where this dashboard keeps its sessions: the control database beside the store
    (``shared_folder`` is not needed: every worker opens the same file)."""
    return ControlBook(Path(store.path))


def wait_left(book: Book, keys: list[str], now: float) -> float:
    """Seconds before another attempt is allowed for any of ``keys`` (0: allowed now)."""
    left = 0.0
    for key in keys:
        count, last = book.failures(key)
        if count and now - last <= FORGET_AFTER:
            left = max(left, last + delay_after(count) - now)
    return left
