"""Settings: one typed object; errors name the file, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from parity.core.errors import SettingsError
from parity.core.settings import Settings


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARITY_DB", raising=False)
    monkeypatch.delenv("PARITY_SETTINGS", raising=False)
    assert Settings.load(cwd=tmp_path).db == Path("parity.duckdb")
    (tmp_path / "parity.toml").write_text("[parity]\ndb = 'from_file.duckdb'\n")
    assert Settings.load(cwd=tmp_path).db == Path("from_file.duckdb")
    monkeypatch.setenv("PARITY_DB", "from_env.duckdb")
    assert Settings.load(cwd=tmp_path).db == Path("from_env.duckdb")
    assert Settings.load({"db": Path("arg.duckdb")}, cwd=tmp_path).db == Path("arg.duckdb")


def test_errors_name_file_key_and_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARITY_ID_SECRET", raising=False)
    monkeypatch.delenv("PARITY_SETTINGS", raising=False)
    (tmp_path / "parity.toml").write_text("[parity]\nid_secret = 'short'\n")
    with pytest.raises(SettingsError) as exc:
        Settings.load(cwd=tmp_path)
    assert str(exc.value) == (
        f"Invalid setting 'id_secret' (from {tmp_path / 'parity.toml'}): String should have at "
        "least 16 characters. Fix: set 'id_secret' to a valid value.")
    (tmp_path / "parity.toml").write_text("[parity\n")
    with pytest.raises(SettingsError, match="is not valid TOML"):
        Settings.load(cwd=tmp_path)
    monkeypatch.setenv("PARITY_SETTINGS", str(tmp_path / "missing.toml"))
    with pytest.raises(SettingsError, match="named by PARITY_SETTINGS does not exist"):
        Settings.load(cwd=tmp_path)


def test_threads_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARITY_SETTINGS", raising=False)
    monkeypatch.setenv("PARITY_THREADS", "0")
    with pytest.raises(SettingsError, match=r"Invalid setting 'threads' \(from defaults or "
                                            r"environment \(PARITY_THREADS\)\)"):
        Settings.load(cwd=tmp_path)
