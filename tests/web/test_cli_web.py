"""`parity users …` and `parity serve --help` through the real command line."""

from __future__ import annotations

import subprocess
import sys

from .conftest import WebData

PARITY = [sys.executable, "-m", "parity.cli.main"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PARITY, *args], capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_users_commands(web_data: WebData) -> None:
    db = str(web_data.copy("cli"))
    res = run("users", "add", "cli-ms", "--role", "member_state", "--nationality", "KEN", "--db", db)
    assert res.returncode == 0 and "Password: " in res.stdout, res.stderr
    res = run("users", "add", "cli-ms", "--role", "analyst", "--db", db)
    assert res.returncode == 2 and "already exists" in res.stderr and "Traceback" not in res.stderr
    res = run("users", "add", "cli-bad", "--role", "member_state", "--db", db)
    assert res.returncode == 2 and "needs --nationality" in res.stderr
    res = run("users", "demo", "--db", db)
    assert res.returncode == 0 and "demo-admin" in res.stdout and "demo-manager" in res.stdout
    listed = run("users", "list", "--db", db).stdout
    assert "cli-ms" in listed and "member_state" in listed and "argon2" not in listed
    assert run("users", "remove", "cli-ms", "--db", db).returncode == 0
    assert "cli-ms" not in run("users", "list", "--db", db).stdout
    assert run("serve", "--help").returncode == 0
