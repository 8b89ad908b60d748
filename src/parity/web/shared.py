"""Computed results shared by the worker processes of one server, in a private folder.

Each worker process keeps its own in-memory cache (:mod:`parity.web.cache`). With several
workers (``parity serve --workers N``) a request may reach a worker that has not seen that
view and filter set yet; rather than computing it again, the worker reads what another
worker wrote to the folder named by the ``cache_dir`` setting. ``parity serve`` makes a
private temporary folder for this and deletes it when it stops.

Entries are files named by a hash of a namespace (Parity's version, the store's path and
its load log) and the cache key (which holds the store's state, the audience, the filters
and the language), written to a temporary name and renamed, so a reader never sees half a
file. Values are encoded with explicit codecs (JSON, Arrow IPC, raw bytes); nothing is
unpickled. A worker computing an entry holds an advisory lock on a file beside it
(``flock``, released by the system if the worker dies); another worker that misses the
same entry waits for that lock, then reads what was written instead of computing it again.
It waits at most ``wait_seconds``, then computes it itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import polars as pl

try:
    import fcntl
except ImportError:  # not on Windows: workers there may compute the same entry twice
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("parity.web")
T = TypeVar("T")


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a kind of cached value is written to and read from a file."""

    name: str
    dump: Callable[[T], bytes]
    load: Callable[[bytes], T]


def pack(meta: dict[str, Any], parts: list[bytes]) -> bytes:
    """A JSON header (with the length of each part) followed by the parts."""
    head = json.dumps({"meta": meta, "sizes": [len(p) for p in parts]}).encode()
    return len(head).to_bytes(4, "big") + head + b"".join(parts)


def unpack(raw: bytes) -> tuple[dict[str, Any], list[bytes]]:
    size = int.from_bytes(raw[:4], "big")
    head = json.loads(raw[4:4 + size])
    parts, at = [], 4 + size
    for n in head["sizes"]:
        parts.append(raw[at:at + n])
        at += n
    if at != len(raw):
        raise ValueError("truncated or padded cache entry")
    return head["meta"], parts


def _dump_frames(data: dict[str, pl.DataFrame]) -> bytes:
    blobs = []
    for frame in data.values():
        buf = io.BytesIO()
        frame.write_ipc(buf)
        blobs.append(buf.getvalue())
    return pack({"names": list(data)}, blobs)


def _load_frames(raw: bytes) -> dict[str, pl.DataFrame]:
    meta, blobs = unpack(raw)
    return {name: pl.read_ipc(io.BytesIO(blob)) for name, blob in zip(meta["names"], blobs, strict=True)}


#: A view's computed data: named polars frames, as Arrow IPC.
FRAMES: Codec[dict[str, pl.DataFrame]] = Codec("frames", _dump_frames, _load_frames)
#: A filter's values.
STRINGS: Codec[list[str]] = Codec("strings", lambda v: json.dumps(v).encode(),
                                  lambda raw: [str(s) for s in json.loads(raw)])


class SharedFolder:
    """A folder of cache entries that every worker of one server reads and writes."""

    def __init__(self, path: Path, namespace: str, wait_seconds: float = 120.0) -> None:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = path
        self.namespace = namespace
        self.wait_seconds = wait_seconds

    def file(self, key: Hashable, codec: Codec[Any]) -> Path:
        digest = hashlib.sha256(f"{self.namespace}\n{key!r}".encode()).hexdigest()
        return self.path / f"{digest}.{codec.name}"

    def read(self, key: Hashable, codec: Codec[T]) -> T | None:
        """The stored value, or None when there is none (or it cannot be read)."""
        path = self.file(key, codec)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("shared cache: cannot read %s (%s); computing it again", path, exc)
            return None
        try:
            return codec.load(raw)
        except Exception as exc:  # a damaged entry is recomputed, never served
            log.warning("shared cache: %s is unreadable (%s); computing it again", path, exc)
            return None

    def write(self, key: Hashable, codec: Codec[T], value: T) -> None:
        path = self.file(key, codec)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            tmp.write_bytes(codec.dump(value))
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("shared cache: cannot write %s (%s)", path, exc)
            tmp.unlink(missing_ok=True)

    @contextlib.contextmanager
    def computing(self, key: Hashable, codec: Codec[Any]) -> Iterator[bool]:
        """Hold the entry's lock while computing it; yields False if it could not be taken.

        Waits while another worker holds it (at most ``wait_seconds``). Locks are advisory
        and per entry; an entry's computation may take other entries' locks (a page takes
        its data's), never the reverse, so workers cannot wait for each other in a circle.
        """
        if fcntl is None:
            yield False
            return
        path = self.file(key, codec)
        lock_path = path.with_name(f".{path.name}.lock")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            log.warning("shared cache: cannot open %s (%s)", lock_path, exc)
            yield False
            return
        try:
            deadline = time.monotonic() + self.wait_seconds
            held = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held = True
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        log.warning("shared cache: waited %.0f s for another worker to compute "
                                    "%s; computing it here", self.wait_seconds, path.name)
                        break
                    time.sleep(0.01)
                except OSError as exc:  # a file system without locks
                    log.warning("shared cache: cannot lock %s (%s)", lock_path, exc)
                    break
            yield held
        finally:
            os.close(fd)  # closing the descriptor releases the lock
