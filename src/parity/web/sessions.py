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

Where records live: in the store's tables below when the store is writable; when it is
read-only, in files of a private folder (the workers' shared folder under
``parity serve --workers``, so every worker knows every session), with failure counts
kept per process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from parity.core.store import Store

DDL = (
    """CREATE TABLE IF NOT EXISTS main.web_sessions (
        session_hash VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, created_at DOUBLE NOT NULL,
        expires_at DOUBLE NOT NULL, address VARCHAR, agent VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS main.web_login_failures (
        key VARCHAR PRIMARY KEY, failures INTEGER NOT NULL, last_failure_at DOUBLE NOT NULL)""",
)

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


class StoreBook:
    """Sessions and counts in the store's tables (a writable store)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        with store.cursor() as cur:
            for stmt in DDL:
                cur.execute(stmt)

    def add(self, record: SessionRecord) -> None:
        with self.store.cursor() as cur:
            cur.execute("DELETE FROM main.web_sessions WHERE expires_at < ?", [time.time()])
            cur.execute("INSERT INTO main.web_sessions VALUES (?, ?, ?, ?, ?, ?)",
                        list(asdict(record).values()))

    def get(self, session_hash: str) -> SessionRecord | None:
        with self.store.cursor() as cur:
            row = cur.execute("SELECT * FROM main.web_sessions WHERE session_hash = ? "
                              "AND expires_at > ?", [session_hash, time.time()]).fetchone()
        return SessionRecord(*row) if row else None

    def active(self) -> list[SessionRecord]:
        with self.store.cursor() as cur:
            rows = cur.execute("SELECT * FROM main.web_sessions WHERE expires_at > ? "
                               "ORDER BY created_at DESC", [time.time()]).fetchall()
        return [SessionRecord(*row) for row in rows]

    def _delete(self, where: str, value: str) -> int:
        with self.store.cursor() as cur:
            row = cur.execute(f"SELECT count(*) FROM main.web_sessions WHERE {where}",
                              [value]).fetchone()
            cur.execute(f"DELETE FROM main.web_sessions WHERE {where}", [value])
        return int(row[0]) if row else 0

    def revoke(self, session_id: str) -> int:
        if len(session_id) < ID_LENGTH:
            return 0
        return self._delete("starts_with(session_hash, ?)", session_id)

    def revoke_user(self, name: str) -> int:
        return self._delete("name = ?", name)

    def failures(self, key: str) -> tuple[int, float]:
        with self.store.cursor() as cur:
            row = cur.execute("SELECT failures, last_failure_at FROM main.web_login_failures "
                              "WHERE key = ?", [key]).fetchone()
        return (int(row[0]), float(row[1])) if row else (0, 0.0)

    def fail(self, key: str, now: float) -> int:
        with self.store.cursor() as cur:
            cur.execute("DELETE FROM main.web_login_failures WHERE last_failure_at < ?",
                        [now - FORGET_AFTER])
            row = cur.execute(
                "INSERT INTO main.web_login_failures VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE "
                "SET failures = CASE WHEN ? - web_login_failures.last_failure_at > ? THEN 1 "
                "ELSE web_login_failures.failures + 1 END, last_failure_at = excluded.last_failure_at "
                "RETURNING failures", [key, now, now, FORGET_AFTER]).fetchone()
        return int(row[0]) if row else 1

    def reset(self, key: str) -> None:
        with self.store.cursor() as cur:
            cur.execute("DELETE FROM main.web_login_failures WHERE key = ?", [key])

    def close(self) -> None:
        return None


class FolderBook:
    """Sessions as files of a private folder (shared by worker processes); counts in memory."""

    def __init__(self, folder: Path | None) -> None:
        self._temp = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="parity-sessions-")) if folder is None \
            else folder / "sessions"
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def _path(self, session_hash: str) -> Path:
        return self.folder / f"{session_hash}.json"

    def add(self, record: SessionRecord) -> None:
        part = self.folder / f".{record.session_hash}.part"
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(record), fh)
        os.replace(part, self._path(record.session_hash))

    def _load(self, path: Path) -> SessionRecord | None:
        try:
            record = SessionRecord(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        if record.expires_at <= time.time():
            path.unlink(missing_ok=True)
            return None
        return record

    def get(self, session_hash: str) -> SessionRecord | None:
        if len(session_hash) != 64 or not session_hash.isalnum():
            return None
        return self._load(self._path(session_hash))

    def active(self) -> list[SessionRecord]:
        found = (self._load(p) for p in self.folder.glob("*.json"))
        return sorted((r for r in found if r), key=lambda r: -r.created_at)

    def revoke(self, session_id: str) -> int:
        if len(session_id) < ID_LENGTH or not session_id.isalnum():
            return 0
        gone = list(self.folder.glob(f"{session_id}*.json"))
        for path in gone:
            path.unlink(missing_ok=True)
        return len(gone)

    def revoke_user(self, name: str) -> int:
        mine = [r for r in self.active() if r.name == name]
        for r in mine:
            self._path(r.session_hash).unlink(missing_ok=True)
        return len(mine)

    def failures(self, key: str) -> tuple[int, float]:
        return self._counts.get(key, (0, 0.0))

    def fail(self, key: str, now: float) -> int:
        with self._lock:
            count, last = self._counts.get(key, (0, 0.0))
            count = 1 if now - last > FORGET_AFTER else count + 1
            if len(self._counts) > 100_000:
                self._counts.clear()
            self._counts[key] = (count, now)
        return count

    def reset(self, key: str) -> None:
        self._counts.pop(key, None)

    def close(self) -> None:
        if self._temp:
            shutil.rmtree(self.folder, ignore_errors=True)


def open_book(store: Store, shared_folder: Path | None) -> Book:
    """The store's tables when it is writable, else files in ``shared_folder`` (or a folder
    of this process)."""
    if not store.read_only:
        return StoreBook(store)
    return FolderBook(shared_folder)


def wait_left(book: Book, keys: list[str], now: float) -> float:
    """Seconds before another attempt is allowed for any of ``keys`` (0: allowed now)."""
    left = 0.0
    for key in keys:
        count, last = book.failures(key)
        if count and now - last <= FORGET_AFTER:
            left = max(left, last + delay_after(count) - now)
    return left
