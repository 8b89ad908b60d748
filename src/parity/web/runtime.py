"""The per-process state of the dashboard: the open store, keys, caches, templates."""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TypeVar

from jinja2 import Environment, PackageLoader, select_autoescape

import parity
from parity.core.store import Store, open_store
from parity.web import i18n, keys, sessions, users
from parity.web.cache import StoreState, TableCache
from parity.web.config import WebSettings
from parity.web.lease import Lease
from parity.web.security import Authenticator, Security
from parity.web.shared import SharedFolder

log = logging.getLogger("parity.web")
T = TypeVar("T")

STATIC_DIR = Path(str(files("parity.web").joinpath("static")))
#: Files that scripts/setup.sh copies from npm packages; the charts need them.
VENDOR_FILES: tuple[str, ...] = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


def vendored_assets_missing() -> list[str]:
    return [name for name in VENDOR_FILES if not (STATIC_DIR / "vendor" / name).is_file()]


def template_env() -> Environment:
    env = Environment(
        loader=PackageLoader("parity.web", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        auto_reload=False,  # templates are package files: no stat() of them on every request
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    i18n.install(env)
    return env


def store_identity(store: Store) -> str:
    """What tells this store's content apart from another's with the same load count: Parity's
    version, the file and its load log (names the entries of a shared cache folder)."""
    with store.cursor() as cur:
        row = cur.execute("SELECT count(*), coalesce(max(loaded_at)::VARCHAR, ''), "
                          "coalesce(string_agg(sha256, ',' ORDER BY load_id, file), '') "
                          "FROM main.loads").fetchone()
    log_digest = hashlib.sha256(repr(row).encode()).hexdigest()
    return f"parity {parity.__version__}|{store.path.resolve()}|{log_digest}"


@dataclass
class Runtime:
    """Everything requests share. One per process (one per worker)."""

    settings: WebSettings
    store: Store
    security: Security
    cache: TableCache
    state: StoreState
    templates: Environment
    owns_store: bool
    #: The server's hold on a store it opened itself (None for a store handed in).
    lease: Lease | None = None
    #: View pages' frames by language, role, address and title (see Ctx.render_view).
    frames: dict[tuple[object, ...], tuple[str, str, str]] = field(default_factory=dict)
    #: Held while writing through the store's main connection (audit log, releases).
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, settings: WebSettings, store: Store | None = None,
             authenticators: Sequence[Authenticator] = ()) -> Runtime:
        owns = store is None
        if store is None:
            store = open_store(settings.db, read_only=settings.read_only, create=False)
        if not store.read_only:
            users.ensure_tables(store)
        key = keys.signing_key(settings)
        if key is None:
            log.warning("The session-signing key file %s cannot be created: sessions are signed "
                        "with a key of this process only (set PARITY_SECRET_KEY).",
                        keys.key_path(settings))
            key = secrets.token_urlsafe(48)
        directory = users.Directory(store)
        missing = vendored_assets_missing()
        if missing:
            log.warning("Chart scripts are missing from %s (%s): run scripts/setup.sh; pages show "
                        "their data tables without charts.", STATIC_DIR / "vendor", ", ".join(missing))
        shared = SharedFolder(settings.cache_dir, store_identity(store)) \
            if settings.cache_dir is not None else None
        if owns and not store.read_only:
            # Accounts and key are in place: serve read-only from now on, so that commands
            # and the Python API read the store while the dashboard runs (see lease.py).
            store.close()
            store = open_store(settings.db, read_only=True, create=False)
            directory.store = store
        state = StoreState(store)
        runtime = cls(settings=settings, store=store,
                      security=Security(settings, directory, key,
                                        sessions.open_book(store, settings.cache_dir),
                                        tuple(authenticators)),
                      cache=TableCache(settings.cache_entries, shared,
                                       settings.cache_mib * 2**20 or None), state=state,
                      templates=template_env(), owns_store=owns)
        if owns:
            runtime.lease = Lease(store, on_reopen=state.bump)
        return runtime

    @property
    def writable(self) -> bool:
        """Whether accounts may change (not when serving with read_only)."""
        if self.lease is not None:
            return not self.settings.read_only
        return not self.store.read_only

    def write(self, change: Callable[[Store], T]) -> T:
        """Run ``change`` on a writable store (the lease lets go of its read-only one)."""
        if self.lease is not None:
            return self.lease.write(change)
        return change(self.store)

    def close(self) -> None:
        self.security.book.close()
        if self.lease is not None:
            self.lease.close()
        elif self.owns_store:
            self.store.close()
