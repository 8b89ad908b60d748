"""The control database: an SQLite file beside the store that every process may write.

DuckDB lets one process write a file, or many processes read it, never both. The audit
log must be written by whoever reads restricted data or serves a view — a command reading
a read-only store, each worker of a read-only dashboard — so it cannot live in the store.
It lives here: SQLite serialises short writes from many processes (WAL journal, a busy
timeout), and one append costs about a millisecond, against about 15 ms to open a DuckDB
file for writing (measured; see docs/architecture.md).

Beside it, the head file ``<store stem>.audit-head`` records the newest entry's number and
hash, so that a log emptied, dropped or cut at its end is detected (see audit_log.verify).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import ClassVar

from parity.core import schema
from parity.core.errors import StoreError

#: Seconds a writer waits for another process's write to finish.
BUSY_TIMEOUT = 30.0


def control_path(store_path: Path) -> Path:
    """``parity.duckdb`` → ``parity.control.sqlite`` (same folder)."""
    return store_path.with_name(store_path.stem + ".control.sqlite")


def head_path(store_path: Path) -> Path:
    """``parity.duckdb`` → ``parity.audit-head`` (same folder)."""
    return store_path.with_name(store_path.stem + ".audit-head")


def connect(store_path: Path, create: bool = True) -> sqlite3.Connection | None:
    """A connection to the control database of the store at ``store_path`` (in autocommit
    mode; use ``BEGIN IMMEDIATE`` to write). None when it does not exist and ``create`` is
    false. A StoreError names the file when it cannot be opened or created."""
    path = control_path(store_path)
    if not create and not path.exists():
        return None
    try:
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
        if create:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute(schema.ACCESS_LOG.ddl())
    except sqlite3.Error as exc:
        raise StoreError(
            f"The control database {path} cannot be opened or created ({exc}), so this access "
            "cannot be audited.",
            "Make the store's folder writable for this user; no audited data are read "
            "without a log entry.") from exc
    return con


class Shared:
    """One connection per process and control database, kept open: closing the last
    connection checkpoints the journal (about 10 ms), too much for an entry per request.
    The file's identity is checked on every use, so a control database deleted or replaced
    while the process runs is opened anew."""

    _cache: ClassVar[dict[tuple[int, Path], tuple[sqlite3.Connection, int, threading.Lock]]] = {}
    _guard: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def get(cls, store_path: Path) -> tuple[sqlite3.Connection, threading.Lock]:
        path = control_path(store_path).resolve()
        key = (os.getpid(), path)
        with cls._guard:
            hit = cls._cache.get(key)
            try:
                inode = path.stat().st_ino
            except FileNotFoundError:
                inode = -1
            if hit is not None and hit[1] == inode:
                return hit[0], hit[2]
            if hit is not None:
                hit[0].close()
            con = connect(store_path)
            assert con is not None
            # check_same_thread is off: every use holds the lock returned with it.
            shared = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None,
                                     check_same_thread=False)
            con.close()
            entry = (shared, path.stat().st_ino, threading.Lock())
            cls._cache[key] = entry
            return entry[0], entry[2]


def read_head(store_path: Path) -> tuple[int, str] | None:
    """The (entry number, hash) recorded in the head file, or None without a head file."""
    path = head_path(store_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["seq"]), str(data["hash"])
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return (-1, "")


def write_head(store_path: Path, seq: int, digest: str) -> None:
    """Record the newest entry, unless a newer one is already recorded (another process
    appended after this one). One write of a fixed-width record at the start of the file:
    readers never see half of it, and it costs no rename (a rename per request is several
    milliseconds on some file systems)."""
    current = read_head(store_path)
    if current is not None and current[0] > seq:
        return
    record = json.dumps({"seq": seq, "hash": digest}).ljust(HEAD_WIDTH - 1) + "\n"
    fd = os.open(head_path(store_path), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, record.encode("ascii"), 0)
    finally:
        os.close(fd)


#: Bytes of the head file (a JSON record padded with spaces).
HEAD_WIDTH = 160
