"""Several worker processes on one store (``parity serve --workers N``): what they share.

- The store, opened **read-only** by every worker: DuckDB allows one writing process or
  many reading ones. The store is opened once here first, which also brings an older store
  to the current schema before any worker holds it.
- The settings: each worker runs the application factory
  (``parity.web.app:create_app``), which reads :class:`WebSettings` from the environment,
  so the settings are handed over as ``PARITY_WEB_*`` variables (:meth:`WebSettings.to_env`).
- The key that signs session and CSRF cookies, so that any worker accepts a cookie that
  another worker set: ``secret_key`` when set, else ``PARITY_SECRET_KEY``, else the key
  file beside the store (created here on first run, see :mod:`parity.web.keys`), else a
  key made for this run and handed to every worker (logins then end when the server stops).
- A private folder where a view computed by one worker is read by the others
  (``cache_dir``; a temporary one unless set, deleted when the server stops); the
  workers also keep their session records there (:mod:`parity.web.sessions`).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from parity.core.errors import StoreLockedError
from parity.core.store import open_store
from parity.web import keys, users
from parity.web.config import WebSettings

#: The application factory the workers import.
FACTORY = "parity.web.app:create_app"


@dataclass
class Plan:
    """How to start the workers: their settings (as environment variables) and what to say."""

    settings: WebSettings
    env: dict[str, str]
    accounts: int
    notes: list[str] = field(default_factory=list)
    temp_dir: Path | None = None

    def cleanup(self) -> None:
        """Delete the temporary shared cache folder (after the workers stopped)."""
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            self.temp_dir = None


def plan(settings: WebSettings) -> Plan:
    """Check the store and prepare the workers' settings; raises a ParityError on a bad store."""
    notes = []
    if not settings.read_only:
        notes.append("Several workers open the store read-only (DuckDB allows one writing "
                     "process or many readers): accounts cannot change on the Accounts page; "
                     "use 'parity users', which waits for the workers to let go of the store.")
    updates: dict[str, object] = {"read_only": True}
    try:
        store = open_store(settings.db, read_only=True, create=False)
    except StoreLockedError as exc:
        raise StoreLockedError(
            exc.message, "Several workers read the store, so no program may be writing to it: "
            "stop the one that holds it (e.g. a 'parity serve' without --read-only), then start "
            "again.") from exc
    with store:
        accounts = len(users.list_users(store))
    if keys.signing_key(settings) is None:
        updates["secret_key"] = secrets.token_urlsafe(48)
        notes.append(f"The session-signing key file {keys.key_path(settings)} cannot be "
                     "created: the workers share a key made for this run, so logins end when "
                     "the server stops. Set PARITY_SECRET_KEY to keep them.")
    temp_dir = None
    if settings.cache_dir is None:
        temp_dir = Path(tempfile.mkdtemp(prefix="parity-cache-"))
        updates["cache_dir"] = temp_dir
    resolved = settings.model_copy(update=updates)
    return Plan(resolved, resolved.to_env(), accounts, notes, temp_dir)
