"""The key that signs session and CSRF cookies, kept outside the analysis store.

Where it comes from, first found wins:

1. ``secret_key`` in the settings (``PARITY_WEB_SECRET_KEY``, ``[web] secret_key``);
2. the environment variable ``PARITY_SECRET_KEY``;
3. the key file: ``secret_key_file`` in the settings, else ``<store file>.key`` beside the
   store (``parity.duckdb.key``). It is created on first run, readable by its owner only
   (0600); a key file that others may read is refused.

A copy of the store therefore holds no key: whoever copies it cannot sign a cookie for
the live server. When the key file can neither be read nor created (a read-only folder),
the caller falls back to a key of the process or of the run.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from parity.core.errors import SettingsError
from parity.web.config import WebSettings

log = logging.getLogger("parity.web")

ENV_KEY = "PARITY_SECRET_KEY"
#: The shortest key accepted (characters); a new key has 64 URL-safe characters.
MIN_LENGTH = 32


def key_path(settings: WebSettings) -> Path:
    """The key file of these settings (it may not exist yet)."""
    if settings.secret_key_file is not None:
        return settings.secret_key_file
    db = settings.db.resolve()
    return db.with_name(db.name + ".key")


def _check_length(key: str, where: str) -> str:
    if len(key) < MIN_LENGTH:
        raise SettingsError(f"The session-signing key in {where} is shorter than {MIN_LENGTH} "
                            "characters.",
                            "Use a long random value, e.g. python -c 'import secrets; "
                            "print(secrets.token_urlsafe(48))'.")
    return key


def _read(path: Path) -> str:
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise SettingsError(
                f"The key file {path} may be read by other users (permissions {mode:o}).",
                f"Make it private with 'chmod 600 {path}', then start again.")
    return _check_length(path.read_text(encoding="utf-8").strip(), str(path))


def _create(path: Path) -> str | None:
    """Write a new key to ``path`` (owner-only); the existing one if another process won."""
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    except OSError as exc:
        log.warning("The session-signing key file %s cannot be created (%s).", path, exc)
        return None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    log.info("Created the session-signing key file %s (owner-only).", path)
    return key


def signing_key(settings: WebSettings) -> str | None:
    """The key (created in the key file on first run), or None if it cannot be kept."""
    if settings.secret_key:
        return settings.secret_key
    env = os.environ.get(ENV_KEY, "").strip()
    if env:
        return _check_length(env, ENV_KEY)
    path = key_path(settings)
    if path.is_file():
        return _read(path)
    if not path.parent.is_dir():
        return None
    return _create(path)
