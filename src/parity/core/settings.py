"""Settings: declared once, typed and validated.

Precedence, highest first: explicit arguments (e.g. ``--db``, ``--engine``), environment
variables (``PARITY_DB``, ``PARITY_ENGINE``, ``PARITY_ID_SECRET``, ``PARITY_SETTINGS``), the
settings file
(``parity.toml`` in the working directory, or the file named by ``PARITY_SETTINGS``),
then the defaults below. Errors name the file, the key and the fix.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from parity.core.engines import Engine, parse_engine
from parity.core.errors import SettingsError
from parity.core.model import DEFAULT_ORGANIZATION, ORGANIZATIONS

DEFAULT_SETTINGS_FILE = "parity.toml"
ENV_PREFIX = "PARITY_"


class Settings(BaseModel):
    """Every setting Parity reads. Documented in docs/architecture.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    db: Path = Field(
        default=Path("parity.duckdb"),
        description="Path of the DuckDB store file.",
    )
    id_secret: str | None = Field(
        default=None,
        min_length=16,
        description=(
            "Secret key for pseudonymising ids on ingest (HMAC-SHA256). When set, "
            "person_id, applicant_id and subject_id are replaced by a keyed hash."
        ),
    )
    quarantine_dir: Path | None = Field(
        default=None,
        description="Folder for the rejected-row CSV reports; defaults to the store's folder.",
    )
    threads: int | None = Field(default=None, ge=1, le=256, description="DuckDB worker threads.")
    memory_limit: str | None = Field(
        default=None, pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB memory limit, e.g. '4GB'.",
    )
    organization: str = Field(
        default=DEFAULT_ORGANIZATION,
        description=("Organization code given to rows of files without an organization "
                     "column (UN: the United Nations Secretariat); the desirable ranges "
                     "apply to it alone. One of parity.core.model.ORGANIZATIONS."),
    )

    @field_validator("organization")
    @classmethod
    def _known_organization(cls, value: str) -> str:
        if value not in ORGANIZATIONS:
            raise ValueError(f"'{value}' is not an organization code; use one of: "
                             + ", ".join(ORGANIZATIONS))
        return value

    engine: str | None = Field(
        default=None,
        description=(
            "Where the analyses run: duckdb:///path/to/store.duckdb (default: the store), "
            "postgresql://user:password@host:port/database, spark://local[2], "
            "spark://host:port or sc://host:port (Spark Connect)."
        ),
    )
    warehouse: Path | None = Field(
        default=None,
        description="Spark engine: the folder of the Parquet tables; defaults to "
                    "'warehouse' beside the store.",
    )

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str | None) -> str | None:
        if value is not None:
            parse_engine(value)
        return value

    def engine_spec(self, store: Path | None = None) -> Engine | None:
        """The engine the analyses of the store ``store`` (default: ``db``) run on; None for
        the DuckDB store itself. Spark's warehouse defaults to 'warehouse' beside the store."""
        if self.engine is None:
            return None
        spec = parse_engine(self.engine, self.warehouse or (store or self.db).parent / "warehouse")
        return None if spec.kind == "duckdb" else spec

    @classmethod
    def load(cls, overrides: dict[str, Any] | None = None, cwd: Path | None = None) -> Settings:
        """Build the settings from file, environment and explicit overrides."""
        cwd = cwd or Path.cwd()
        values: dict[str, Any] = {}
        source = "defaults"
        file_env = os.environ.get(f"{ENV_PREFIX}SETTINGS")
        path = Path(file_env) if file_env else cwd / DEFAULT_SETTINGS_FILE
        if file_env and not path.is_file():
            raise SettingsError(
                f"The settings file {path} named by {ENV_PREFIX}SETTINGS does not exist.",
                "Create it or unset the variable.",
            )
        if path.is_file():
            source = str(path)
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise SettingsError(
                    f"The settings file {path} is not valid TOML: {exc}.",
                    "Fix the syntax (see docs/architecture.md for the keys).",
                ) from exc
            values.update(data.get("parity", data))
        env_keys = {"db": "DB", "id_secret": "ID_SECRET", "quarantine_dir": "QUARANTINE_DIR",
                    "threads": "THREADS", "memory_limit": "MEMORY_LIMIT", "engine": "ENGINE",
                    "warehouse": "WAREHOUSE"}
        env_used = []
        for key, suffix in env_keys.items():
            val = os.environ.get(ENV_PREFIX + suffix)
            if val not in (None, ""):
                values[key] = val
                env_used.append(ENV_PREFIX + suffix)
        for key, val in (overrides or {}).items():
            if val is not None:
                values[key] = val
        try:
            return _with_store_of_engine(cls(**values), "db" in values)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "(unknown)"
            where = source if not env_used else f"{source} or environment ({', '.join(env_used)})"
            fix = {
                "extra_forbidden": f"remove '{key}'; known keys: {', '.join(cls.model_fields)}",
            }.get(err["type"], f"set '{key}' to a valid value")
            message = str(err["msg"]).removeprefix("Value error, ")
            raise SettingsError(
                f"Invalid setting '{key}' (from {where}): {message}.", f"Fix: {fix}."
            ) from exc


def _with_store_of_engine(settings: Settings, db_given: bool) -> Settings:
    """A ``duckdb:///path`` engine names the store: it is ``db`` unless ``db`` was given,
    and must then be the same file."""
    if settings.engine is None:
        return settings
    spec = parse_engine(settings.engine)
    if spec.kind != "duckdb":
        return settings
    path = Path(spec.target)
    if not db_given:
        return settings.model_copy(update={"db": path})
    if path.resolve() != settings.db.resolve():
        raise SettingsError(
            f"The engine {settings.engine} names another store than db ({settings.db}).",
            "Give one of them, or the same file to both.")
    return settings
