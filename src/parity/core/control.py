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
from pathlib import Path

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
    """Record the newest entry, atomically, unless a newer one is already recorded (another
    process appended after this one)."""
    current = read_head(store_path)
    if current is not None and current[0] > seq:
        return
    path = head_path(store_path)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    part.write_text(json.dumps({"seq": seq, "hash": digest}) + "\n", encoding="utf-8")
    os.replace(part, path)
