"""Tables a data version needs, computed once per data version rather than once per question.

Several questions share one table that does not depend on their years or filters: the
funnel's counts by a dimension and posting year (any period is a sum of its years), the
selections by regional group and posting year, each opening's first date at every stage
(timelines), the entity types. :func:`memoized` computes such a table once per store and
state of its load log and schema (what the compiled queries and the dashboard's caches
are keyed by; every load adds to the log) and keeps it in this process, so a question
with another period or filter sums a small table instead of scanning the applications
again. Every number stays what the direct count
gives: the tables are integer counts (or per-opening dates) and the sums are exact.

Only backends opened on a store (:meth:`Backend.from_store`) are memoized: their load log
identifies the data. Any other backend (e.g. DataFusion on in-memory
tables) computes the table every time. A new load changes the load log, hence the key,
so tables of older data are never served; they leave the memo as least recently used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from parity.core.backend import Backend
from parity.core.store import Store, load_state

T = TypeVar("T")

#: Tables kept per process (all data versions together); the least recently used go first.
MAX_ENTRIES = 256

_MEMO: OrderedDict[Hashable, Any] = OrderedDict()
_VERSIONS: dict[Hashable, str] = {}
_LOCK = threading.Lock()
_INFLIGHT: dict[Hashable, threading.Lock] = {}
stats = {"hits": 0, "misses": 0}
_DIRECT = 0
_KEY = "precompute.data_key"


def enabled(backend: Backend) -> bool:
    """Whether tables are memoized for this backend: one opened on a DuckDB store (its
    ``version`` is the store, or the store's file and load log once read), outside
    :func:`direct`."""
    if _DIRECT or backend.engine != "duckdb":
        return False
    version = backend.version
    return isinstance(version, Store) or (
        isinstance(version, tuple) and len(version) == 3 and isinstance(version[0], str)
        and all(isinstance(v, int) for v in version[1:]))


def data_key(backend: Backend) -> tuple[str, str]:
    """(store file, state of its load log and schema) of a store's backend, read once per
    backend: what identifies its data without hashing the tables (as the compiled queries'
    and the dashboard's caches do; see :func:`data_version` for the full fingerprint)."""
    got = backend.memo.get(_KEY)
    if isinstance(got, tuple):
        return got
    key = (str(backend.cache_version()[0]),  # type: ignore[index]
           load_state(backend.con.con))
    backend.memo[_KEY] = key
    return key


def data_version(backend: Backend) -> str:
    """The store's data version (:func:`parity.core.version.data_version`, which hashes the
    tables), computed once per state of the load log and schema in this process."""
    log = data_key(backend)
    with _LOCK:
        version = _VERSIONS.get(log)
    if version is None:
        from parity.core.version import data_version as fingerprint

        cursor = backend.con.con.cursor()  # its own cursor: the fingerprint fetches single rows
        try:
            version = fingerprint(cursor)
        finally:
            cursor.close()
        with _LOCK:
            _VERSIONS[log] = version
    return version


def memoized(backend: Backend, key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per state of the backend's store (:func:`data_key`) and ``key``
    (directly when not :func:`enabled`); the value is shared by every caller in this
    process, so it must not be modified."""
    if not enabled(backend):
        return build()
    full = (*data_key(backend), key)
    with _LOCK:
        if full in _MEMO:
            _MEMO.move_to_end(full)
            stats["hits"] += 1
            return _MEMO[full]  # type: ignore[no-any-return]
        gate = _INFLIGHT.setdefault(full, threading.Lock())
    with gate:  # one computation per key; concurrent callers wait for it
        try:
            with _LOCK:
                if full in _MEMO:
                    stats["hits"] += 1
                    return _MEMO[full]  # type: ignore[no-any-return]
            value = build()
            with _LOCK:
                stats["misses"] += 1
                _MEMO[full] = value
                while len(_MEMO) > MAX_ENTRIES:
                    _MEMO.popitem(last=False)
        finally:
            with _LOCK:
                _INFLIGHT.pop(full, None)
    return value


def clear() -> None:
    """Forget every memoized table (tests compare answers with and without them)."""
    with _LOCK:
        _MEMO.clear()
        _VERSIONS.clear()


@contextmanager
def direct() -> Iterator[None]:
    """Within ``with direct():`` every question is counted directly on the store, as without
    precomputed tables (tests compare both answers)."""
    global _DIRECT
    with _LOCK:
        _DIRECT += 1
    try:
        yield
    finally:
        with _LOCK:
            _DIRECT -= 1
