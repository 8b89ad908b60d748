"""Settings of the dashboard: read once, typed, validated.

Precedence, highest first: explicit arguments (``parity serve`` options), environment
variables ``PARITY_WEB_*``, the ``[web]`` table of the settings file (``parity.toml`` or the
file named by ``PARITY_SETTINGS``), then the defaults below.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from parity.core.errors import SettingsError

ENV_PREFIX = "PARITY_WEB_"


class WebSettings(BaseModel):
    """Every setting of the web layer. Documented in docs/dashboard.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    db: Path = Field(default=Path("parity.duckdb"), description="The store the dashboard serves.")
    read_only: bool = Field(
        default=False,
        description="Open the store read-only (needed when several worker processes share it).",
    )
    audit_views: bool = Field(
        default=True,
        description="Write every view, JSON answer and download of a signed-in user to the audit "
                    "log (views of restricted data are always logged).",
    )
    public_access: bool = Field(
        default=False,
        description="Let anonymous visitors see what the public audience may see, without logging in.",
    )
    secret_key: str | None = Field(
        default=None, min_length=32,
        description="Key that signs session and CSRF cookies; the same in every worker. When unset, "
                    "PARITY_SECRET_KEY or the key file is used (see secret_key_file).",
    )
    secret_key_file: Path | None = Field(
        default=None,
        description="File holding the signing key (owner-only, created on first run); "
                    "default: the store's path with '.key' added, beside the store.",
    )
    https: bool = Field(default=False, description="Mark cookies Secure (set it behind an https proxy).")
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30,
                                 description="How long a login lasts.")
    releases_dir: Path | None = Field(
        default=None,
        description="Folder where releases made on the dashboard are written; default: "
                    "'releases' beside the store.",
    )
    trusted_user_header: str | None = Field(
        default=None,
        description="Header carrying the user name set by an authenticating reverse proxy "
                    "(OIDC/SAML), e.g. X-Remote-User; only honoured from trusted_proxies.",
    )
    trusted_proxies: tuple[str, ...] = Field(
        default=("127.0.0.1", "::1"),
        description="Client addresses allowed to set trusted_user_header.",
    )
    cache_entries: int = Field(default=2048, ge=0, le=100_000,
                               description="Computed tables and answers kept in memory per "
                                           "process.")
    cache_mib: int = Field(default=256, ge=0, le=1_000_000,
                           description="Memory the computed tables and answers may take per "
                                       "process, in MiB (0: no limit).")
    precompute: bool = Field(
        default=False,
        description="Compute, when a server process starts, the count tables and costly "
                    "answers the store's data version needs (parity serve --precompute), so "
                    "that first requests do not wait for them.",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Private folder where worker processes share computed views (parity serve "
                    "--workers makes a temporary one); empty it when the server stops.",
    )

    def to_env(self) -> dict[str, str]:
        """These settings as ``PARITY_WEB_*`` variables, which :meth:`load` reads back the same.

        How ``parity serve --workers`` hands its settings to the worker processes, whose
        application factory calls ``WebSettings.load()``.
        """
        env = {}
        for key, value in self.model_dump().items():
            if value is None:
                continue
            if isinstance(value, tuple | list):
                text = json.dumps(list(value))
            elif isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, Path):
                text = str(value.resolve())
            else:
                text = str(value)
            env[ENV_PREFIX + key.upper()] = text
        return env

    @classmethod
    def load(cls, overrides: dict[str, Any] | None = None, cwd: Path | None = None) -> WebSettings:
        """Build the settings from the file, the environment and explicit overrides."""
        cwd = cwd or Path.cwd()
        values: dict[str, Any] = {}
        file_env = os.environ.get("PARITY_SETTINGS")
        path = Path(file_env) if file_env else cwd / "parity.toml"
        source = "defaults"
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise SettingsError(f"The settings file {path} is not valid TOML: {exc}.",
                                    "Fix the syntax (see docs/dashboard.md).") from exc
            section = data.get("web", {})
            if not isinstance(section, dict):
                raise SettingsError(f"'web' in {path} must be a table ([web]).",
                                    "See docs/dashboard.md for the keys.")
            if "db" in data.get("parity", {}):
                values["db"] = data["parity"]["db"]
            values.update(section)
            source = str(path)
        if os.environ.get("PARITY_DB"):
            values["db"] = os.environ["PARITY_DB"]
        for key, field in cls.model_fields.items():
            raw = os.environ.get(ENV_PREFIX + key.upper())
            if raw in (None, ""):
                continue
            values[key] = _list(key, raw) if field.annotation == tuple[str, ...] else raw
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "(unknown)"
            raise SettingsError(
                f"Invalid web setting '{key}' (from {source} or {ENV_PREFIX}{key.upper()}): "
                f"{err['msg']}.",
                f"Known keys: {', '.join(cls.model_fields)}; see docs/dashboard.md.",
            ) from exc


def _list(key: str, raw: str) -> tuple[str, ...]:
    """A list setting from the environment: comma-separated, or a JSON list."""
    if not raw.lstrip().startswith("["):
        return tuple(p.strip() for p in raw.split(","))
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{ENV_PREFIX}{key.upper()} is not a valid JSON list: {exc}.",
                            'Write it as a JSON list (["a", "b"]) or separate the values by commas.'
                            ) from exc
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise SettingsError(f"{ENV_PREFIX}{key.upper()} must be a list of strings.",
                            'Write it as a JSON list (["a", "b"]) or separate the values by commas.')
    return tuple(items)
