"""The dashboard's hold on the store: read-only, let go whenever a command must write.

The server reads the store through one read-only connection, which commands and the
Python API may share (DuckDB allows many reading processes). Every request holds a *use*
of it (:class:`HoldStore`, an ASGI middleware). When a command that must write leaves
its marker (see :mod:`parity.core.sharing`), the lease lets the requests in flight finish,
closes the connection and holds new requests until the command is done; it then reopens
the store and tells the runtime (whose caches are keyed by the data version) that the
data may have changed. An account change made on the admin pages goes the same way:
the lease closes its connection, writes through a short-lived writable one, and reopens.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from parity.core import sharing
from parity.core.errors import StoreLockedError
from parity.core.store import Store, open_store

T = TypeVar("T")
#: Seconds a request waits for a command to finish writing before it gets a 503.
REQUEST_WAIT = 30.0


class Lease:
    def __init__(self, store: Store, on_reopen: Callable[[], None],
                 wait: float = REQUEST_WAIT) -> None:
        self.store = store
        self.path = store.path
        self.on_reopen = on_reopen
        self.wait = wait
        self.reopened = 0
        self._cond = threading.Condition()
        self._active = 0
        self._open = True
        self._writing = False
        self._marker = sharing.mark_serving(self.path)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="parity-store-lease",
                                        daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ internals
    def _watch(self) -> None:
        """Let go of an idle store as soon as a command waits to write it."""
        while not self._stop.wait(0.1):
            if sharing.writer_waiting(self.path):
                with self._cond:
                    if self._active == 0 and self._open and not self._writing:
                        self._let_go()

    def _let_go(self) -> None:
        self.store.con.close()
        self._open = False

    def _take_back(self) -> bool:
        try:
            fresh = open_store(self.path, read_only=True, create=False)
        except StoreLockedError:
            return False
        self.store.con = fresh.con
        self.store.read_only = True
        self._open = True
        self.reopened += 1
        self.on_reopen()
        return True

    def _blocked(self) -> bool:
        return self._writing or sharing.writer_waiting(self.path)

    # ------------------------------------------------------------------ requests
    def enter(self) -> bool:
        """Take a use without waiting; False when the caller must :meth:`enter_waiting`."""
        with self._cond:
            if self._open and not self._blocked():
                self._active += 1
                return True
        return False

    def enter_waiting(self) -> None:
        """Take a use, waiting while a command writes (StoreLockedError after ``wait``)."""
        deadline = time.monotonic() + self.wait
        with self._cond:
            while True:
                if not self._blocked():
                    if self._open or self._take_back():
                        self._active += 1
                        return
                elif self._open and self._active == 0 and not self._writing:
                    self._let_go()
                if time.monotonic() > deadline:
                    raise StoreLockedError(
                        f"The store {self.path} is being updated by another command.",
                        "Try again in a moment: the dashboard serves the new data as soon as "
                        "the update ends.")
                self._cond.wait(0.1)

    def leave(self) -> None:
        with self._cond:
            self._active -= 1
            if self._active == 0 and self._open and sharing.writer_waiting(self.path):
                self._let_go()
            self._cond.notify_all()

    def write(self, change: Callable[[Store], T]) -> T:
        """Run ``change`` on a writable store, from a request holding one use."""
        deadline = time.monotonic() + self.wait
        with self._cond:
            while self._writing or self._active > 1:
                if time.monotonic() > deadline:
                    raise StoreLockedError(f"The store {self.path} is busy.",
                                           "Try the change again in a moment.")
                self._cond.wait(0.1)
            self._writing = True
            if self._open:
                self._let_go()
        try:
            while True:
                try:
                    with open_store(self.path, create=False) as writable:
                        return change(writable)
                except StoreLockedError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)  # a command is reading: it ends soon
        finally:
            with self._cond:
                self._writing = False
                while not self._take_back() and time.monotonic() < deadline + self.wait:
                    self._cond.wait(0.1)
                self._cond.notify_all()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        sharing.withdraw(self._marker)
        with self._cond, contextlib.suppress(Exception):
            if self._open:
                self._let_go()


class HoldStore:
    """ASGI middleware: every request but static files holds a use of the lease."""

    def __init__(self, app: ASGIApp, lease: Lease,
                 refuse: Callable[[Scope, StoreLockedError], ASGIApp]) -> None:
        self.app = app
        self.lease = lease
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/static/"):
            await self.app(scope, receive, send)
            return
        if not self.lease.enter():
            try:
                await run_in_threadpool(self.lease.enter_waiting)
            except StoreLockedError as exc:
                await self.refuse(scope, exc)(scope, receive, send)
                return
        try:
            await self.app(scope, receive, send)
        finally:
            self.lease.leave()
