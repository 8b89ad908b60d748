"""Typed, sourced parameters read from YAML: the shared machinery.

A parameter file is a tree of sections whose leaves are *sourced values*::

    minimum_half_width:
      value: 4.8
      confirmation: corroborated
      source: RANGES.md 1.2 ...

An override file is merged onto the shipped default, key by key. In an override a leaf
may be written in full, or as the bare value (``minimum_half_width: 5``); a value set
without a ``source`` is recorded with the override file as its source and the
confirmation ``user``, so a result never shows a shipped citation for a changed value.
Every error names the file, the key and the fix.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from parity.core.errors import SettingsError

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

Confirmation = Literal["verified", "corroborated", "not_found", "user"]
_LEAF_KEYS = frozenset({"value", "source", "confirmation"})


class Sourced(BaseModel, Generic[T]):
    """A parameter value with where it comes from and how well it is confirmed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: T
    source: str = Field(min_length=1, description="Where the value comes from.")
    confirmation: Confirmation = Field(description="How well the value is confirmed.")


class ParameterFile(BaseModel):
    """Base of a parameter file model; remembers which file(s) it was read from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    origin: str = Field(default="", exclude=True)


def _is_leaf(node: object) -> bool:
    return isinstance(node, dict) and "value" in node and "source" in node


def _merge(default: Any, override: Any, where: str) -> Any:
    """Merge ``override`` onto ``default`` (see the module docstring)."""
    if _is_leaf(default):
        if isinstance(override, dict) and set(override) & _LEAF_KEYS:
            merged = dict(default)
            if "value" in override and "source" not in override:
                merged["source"] = f"set in {where}"
                merged["confirmation"] = "user"
            merged.update(override)
            return merged
        return {"value": override, "source": f"set in {where}", "confirmation": "user"}
    if isinstance(default, dict) and isinstance(override, dict):
        merged = dict(default)
        for key, val in override.items():
            merged[key] = _merge(default[key], val, where) if key in default else val
        return merged
    return override


def _read_yaml(path: Path, label: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(
            f"The {label} file {path} does not exist.",
            "Check the path given to --params.",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"The {label} file {path} cannot be read: {exc}.",
            "Save it as UTF-8 text and check its permissions.",
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SettingsError(
            f"The {label} file {path} is not valid YAML{where}: {problem}.",
            "Fix the syntax; the shipped default file shows the layout.",
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError(
            f"The {label} file {path} must hold a mapping of sections, not a "
            f"{type(data).__name__}.",
            "Start from the shipped default file and change only the values you need.",
        )
    return data


def default_file(name: str) -> Path:
    """Path of a parameter file shipped in ``parity/core/params/data``."""
    return Path(str(files("parity.core.params").joinpath("data", name)))


def error_text(exc: ValidationError) -> str:
    """The first validation message, without pydantic's prefixes and trailing full stop."""
    msg = str(exc.errors()[0]["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return msg.rstrip(".")


def _key_of(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in {"function-after", "function-before"})


def _fix_for(err: dict[str, Any], key: str) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"remove '{key}' (misspelt?); the shipped default lists every known key"
    if kind == "missing":
        return f"add '{key}'"
    if kind == "value_error":
        return f"change the values under '{key}' as the message says"
    if kind == "literal_error":
        return f"set '{key}' to one of the values the message lists"
    return f"set '{key}' to a valid value"


def load_parameters(model: type[M], default_name: str, path: Path | str | None,
                    label: str, doc: str) -> M:
    """Read the shipped default ``default_name``, merge the override at ``path``, validate."""
    shipped = default_file(default_name)
    data = _read_yaml(shipped, label)
    origin = f"{shipped.name} (shipped default)"
    if path is not None:
        user_path = Path(path)
        override = _read_yaml(user_path, label)
        data = _merge(data, override, str(user_path))
        origin = f"{user_path} over {shipped.name}"
        context = {"base_dir": user_path.parent}
        where = str(user_path)
    else:
        context = {"base_dir": shipped.parent}
        where = f"{shipped} (the shipped default)"
    try:
        params = model.model_validate(data, context=context)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = _key_of(err["loc"]) or "(top level)"
        msg = error_text(exc)
        raise SettingsError(
            f"Invalid {label} '{key}' in {where}: {msg}.",
            f"Fix: {_fix_for(dict(err), key)}; see {doc}.",
        ) from exc
    return params.model_copy(update={"origin": origin})
