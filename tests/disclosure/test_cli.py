"""The release and audit commands."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from parity.cli.main import app


def test_release_and_audit_commands(org, tmp_path: Path) -> None:
    store, _ = org
    db = str(store.path)
    store.close()
    runner = CliRunner()
    res = runner.invoke(app, ["release", "--audience", "public", "--db", db,
                              "--out", str(tmp_path / "out"), "--as", "tester"])
    assert res.exit_code == 0, res.output
    assert "Release r0001 for public" in res.output and "primary" in res.output
    assert (tmp_path / "out" / "manifest.json").is_file()
    res = runner.invoke(app, ["releases", "--db", db])
    assert res.exit_code == 0 and "r0001" in res.output
    res = runner.invoke(app, ["audit", "--db", db, "--verify", "--as", "boss"])
    assert res.exit_code == 0, res.output
    assert "tester" in res.output and "release" in res.output and "Audit log intact" in res.output
    res = runner.invoke(app, ["release", "--audience", "public", "--db", db,
                              "--out", str(tmp_path / "o2"), "--role", "public"])
    assert res.exit_code == 4 and "may not make a release" in res.output
    res = runner.invoke(app, ["release", "--audience", "member_state", "--db", db,
                              "--out", str(tmp_path / "o3")])
    assert res.exit_code == 2 and "--nationality" in res.output
    res = runner.invoke(app, ["audit", "--db", db, "--role", "public"])
    assert res.exit_code == 4
