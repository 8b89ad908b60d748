"""Computed tables kept per store state, not per request.

The key of an entry holds the store's state (its load log), so loading data makes every
entry stale at once; entries for other parameters or audiences live side by side, and the
least recently used go first once there are more than ``entries`` of them or they hold
more than ``max_bytes`` (measured by :func:`size_of`). Concurrent requests for the same
entry wait for one computation instead of repeating it. With a
:class:`~parity.web.shared.SharedFolder` (several worker processes), an entry given a
codec is also looked up in, and written to, that folder, so one worker's computation
serves the others; a worker that misses an entry another worker is computing waits for it
(:meth:`~parity.web.shared.SharedFolder.computing`).
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import polars as pl

from parity.core.store import Store
from parity.web.shared import Codec, SharedFolder

T = TypeVar("T")


class StoreState:
    """A cheap fingerprint of the store's content (loads and releases), read at most every ``ttl`` s."""

    def __init__(self, store: Store, ttl: float = 2.0) -> None:
        self.store = store
        self.ttl = ttl
        self._value: tuple[int, int, int] = (-1, -1, -1)
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def current(self) -> tuple[int, int, int]:
        """(last load id, number of loads, number of disclosure releases)."""
        now = time.monotonic()
        if now - self._read_at < self.ttl:
            return self._value
        with self._lock:
            if now - self._read_at >= self.ttl:
                with self.store.cursor() as cur:
                    row = cur.execute(
                        "SELECT coalesce(max(load_id), 0), count(*) FROM main.loads").fetchone()
                    has = cur.execute(
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
                        "AND table_name = 'disclosure_releases'").fetchone()
                    rel = cur.execute("SELECT count(*) FROM main.disclosure_releases").fetchone() \
                        if has and has[0] else (0,)
                loads = (int(row[0]), int(row[1])) if row else (0, 0)
                self._value = (*loads, int(rel[0]) if rel else 0)
                self._read_at = now
        return self._value

    def bump(self) -> None:
        """Forget the fingerprint (after a write made through this process)."""
        self._read_at = float("-inf")


def size_of(value: object) -> int:
    """Bytes a cached value holds, near enough to bound a cache: polars frames by their
    buffers, bytes and strings by their length, containers and dataclasses by their parts."""
    if isinstance(value, pl.DataFrame):
        return int(value.estimated_size())
    if isinstance(value, bytes | bytearray | str):
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(size_of(k) + size_of(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + sum(size_of(v) for v in value)
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return sys.getsizeof(value) + sum(size_of(getattr(value, f)) for f in fields)
    return sys.getsizeof(value)


class TableCache:
    """A thread-safe LRU of computed results with one computation per key at a time.

    Holds at most ``entries`` values and ``max_bytes`` bytes (None: no byte bound); a
    value larger than the byte bound is returned but not kept. ``hits`` counts answers
    from memory, ``loads`` answers read from the shared folder and ``misses`` computations.
    """

    def __init__(self, entries: int, shared: SharedFolder | None = None,
                 max_bytes: int | None = None) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.shared = shared
        self.bytes = 0
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._lock = threading.Lock()
        self._inflight: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.loads = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T], codec: Codec[T] | None = None) -> T:
        """The cached value of ``key``, else the shared folder's (with a codec), else ``compute()``."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]  # type: ignore[no-any-return]
            gate = self._inflight.setdefault(key, threading.Lock())
        with gate:
            try:
                with self._lock:
                    if key in self._data:
                        self.hits += 1
                        return self._data[key]  # type: ignore[no-any-return]
                if self.shared is not None and codec is not None:
                    value = self._shared_get(self.shared, key, compute, codec)
                else:
                    self.misses += 1
                    value = compute()
                self.put(key, value)
            finally:
                with self._lock:
                    self._inflight.pop(key, None)
        return value

    def _shared_get(self, shared: SharedFolder, key: Hashable, compute: Callable[[], T],
                    codec: Codec[T]) -> T:
        """The shared folder's value, else computed by this worker (others wait for it)."""
        value = shared.read(key, codec)
        if value is None:
            with shared.computing(key, codec):
                value = shared.read(key, codec)  # another worker may have written it meanwhile
                if value is None:
                    self.misses += 1
                    value = compute()
                    shared.write(key, codec, value)
                    return value
        self.loads += 1
        return value

    def put(self, key: Hashable, value: Any) -> None:
        size = size_of(value) if self.max_bytes is not None else 0
        with self._lock:
            if self.entries <= 0 or (self.max_bytes is not None and size > self.max_bytes):
                return
            if key in self._data:
                self.bytes -= self._sizes[key]
            self._data[key] = value
            self._sizes[key] = size
            self.bytes += size
            self._data.move_to_end(key)
            while len(self._data) > self.entries or (
                    self.max_bytes is not None and self.bytes > self.max_bytes):
                old, _ = self._data.popitem(last=False)
                self.bytes -= self._sizes.pop(old)

    def peek(self, key: Hashable) -> Any | None:
        """The cached value, or None; never computes, reads files or waits for a computation."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        return None

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self.bytes = 0
