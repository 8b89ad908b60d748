"""Computed tables kept per store state, not per request.

The key of an entry holds the store's state (its load log), so loading data makes every
entry stale at once; entries for other parameters or audiences live side by side, and the
least recently used go first. Concurrent requests for the same entry wait for one
computation instead of repeating it. With a :class:`~parity.web.shared.SharedFolder`
(several worker processes), an entry given a codec is also looked up in, and written to,
that folder, so one worker's computation serves the others.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

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


class TableCache:
    """A thread-safe LRU of computed results with one computation per key at a time.

    ``hits`` counts answers from memory, ``loads`` answers read from the shared folder and
    ``misses`` computations.
    """

    def __init__(self, entries: int, shared: SharedFolder | None = None) -> None:
        self.entries = entries
        self.shared = shared
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
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
                shared = self.shared if codec is not None else None
                value = shared.read(key, codec) if shared and codec else None
                if value is not None:
                    self.loads += 1
                else:
                    self.misses += 1
                    value = compute()
                    if shared and codec:
                        shared.write(key, codec, value)
                self.put(key, value)
            finally:
                with self._lock:
                    self._inflight.pop(key, None)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if self.entries > 0:
                self._data[key] = value
                self._data.move_to_end(key)
                while len(self._data) > self.entries:
                    self._data.popitem(last=False)

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
