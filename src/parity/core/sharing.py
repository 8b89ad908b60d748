"""How a served store is shared with commands (reading while served).

DuckDB lets one process write a file, or many processes read it. The dashboard therefore
serves the store through a read-only connection, which commands and the Python API may
share, and announces itself with a *serving marker* beside the store
(``<stem>.serving-<pid>``). A command that must write (``parity ingest``, ``parity
release``, ``parity users``) and finds the store locked by a serving process leaves a
*writer marker* (``<stem>.writer-waiting``, holding its process id) and waits: the
dashboard sees the marker, finishes the requests in flight, closes its connection and
holds new requests until the marker is gone (the writer removes it when it closes the
store); it then reopens the store and serves the new data version. A command that only
reads and finds the store briefly held for writing by the dashboard (an account change)
waits too. A lock held by any other program fails at once, as before.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

#: Seconds a command waits for a dashboard to let go of the store (PARITY_SERVE_WAIT).
DEFAULT_WAIT = 120.0


def wait_seconds() -> float:
    raw = os.environ.get("PARITY_SERVE_WAIT")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_WAIT
    except ValueError:
        return DEFAULT_WAIT


def serving_marker(store_path: Path, pid: int | None = None) -> Path:
    return store_path.with_name(f"{store_path.stem}.serving-{pid or os.getpid()}")


def writer_marker(store_path: Path) -> Path:
    return store_path.with_name(f"{store_path.stem}.writer-waiting")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_serving(store_path: Path) -> Path:
    """Announce this process as serving the store (and remove markers of dead servers)."""
    for old in store_path.parent.glob(f"{store_path.stem}.serving-*"):
        pid = old.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
    marker = serving_marker(store_path)
    marker.write_text(str(os.getpid()), encoding="utf-8")
    return marker


def is_serving(store_path: Path, pid: int) -> bool:
    """True when process ``pid`` is a live dashboard serving this store."""
    return serving_marker(store_path, pid).exists() and alive(pid)


def writer_waiting(store_path: Path) -> bool:
    """True while a live command waits to write the store (a stale marker is removed)."""
    marker = writer_marker(store_path)
    try:
        pid = int(marker.read_text(encoding="utf-8").strip() or 0)
    except (FileNotFoundError, ValueError):
        return False
    if pid and not alive(pid):
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()
        return False
    return True


def announce_writer(store_path: Path) -> Path:
    marker = writer_marker(store_path)
    marker.write_text(str(os.getpid()), encoding="utf-8")
    return marker


def withdraw(marker: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if marker.read_text(encoding="utf-8").strip() == str(os.getpid()):
            marker.unlink()


def tell(message: str) -> None:
    """One line on stderr for the person waiting (commands and the Python API alike)."""
    print(message, file=sys.stderr, flush=True)


def pause() -> None:
    time.sleep(0.1)
