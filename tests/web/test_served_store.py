"""Reading while served: with `parity serve` running on a store, commands and the Python
API read it, a load waits for the server to let go and goes through, and the server then
serves the new data version without a restart (real processes, a real store)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

import parity.api as pa
from parity.core import control, sharing
from parity.core.disclosure import audit_log

from .conftest import WebData, _free_port, stop_serving, wait_until_serving

PARITY = [sys.executable, "-m", "parity.cli.main"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PARITY, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})


def test_commands_read_and_load_while_the_dashboard_serves(web_data: WebData,
                                                            tmp_path: Path) -> None:
    db = web_data.copy("served")
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([*PARITY, "serve", "--db", str(db), "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, log_path, 90)
        assert sharing.serving_marker(db, proc.pid).exists()
        before = httpx.get(base + "/healthz").json()

        res = _run("funnel", "--by", "gender", "--db", str(db))
        assert res.returncode == 0, res.stderr
        assert "received" in res.stdout and "selected" in res.stdout
        with pa.open(db, read_only=True) as store:  # the Python API reads too
            opened = store.frame("SELECT count(*) AS n FROM openings")["n"][0]

        csv = tmp_path / "openings.csv"
        csv.write_text("opening_id,entity,grade,job_family,posting_type,posted_date,closed_date\n"
                       "NEW-1,DPPA,P-4,Finance,generic,2024-01-05,2024-02-05\n")
        res = _run("ingest", str(csv), "--db", str(db))
        assert res.returncode == 0, res.stderr
        assert "waiting for it to let go" in " ".join(res.stderr.split())
        assert not sharing.writer_marker(db).exists()

        after = httpx.get(base + "/healthz").json()
        assert after["data_version"] != before["data_version"]
        assert after["store_loads"] == before["store_loads"] + 1
        with pa.open(db, read_only=True) as store:
            assert store.frame("SELECT count(*) AS n FROM openings")["n"][0] == opened + 1
        # an account added from the command line while serving is there at once
        res = _run("users", "add", "late-comer", "--role", "public", "--password",
                   "a-long-password-1", "--db", str(db))
        assert res.returncode == 0, res.stderr
        client = httpx.Client(base_url=base)
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        res2 = client.post("/login", data={"username": "late-comer",
                                           "password": "a-long-password-1",
                                           "csrf_token": token, "next": "/"})
        assert res2.status_code in (200, 303) and client.get("/api/me").json()["name"] == \
            "late-comer"
        assert proc.poll() is None
        with sqlite3.connect(control.control_path(db)) as con:
            changed = con.execute("SELECT actor, declared, action, what, detail FROM access_log "
                                  "WHERE action = 'account_added'").fetchall()
        assert [r[:4] for r in changed] == [(audit_log.os_user(), audit_log.os_user(),
                                             "account_added", "account 'late-comer'")]
        assert json.loads(changed[0][4])["channel"] == "cli"
    finally:
        stop_serving(proc, 10)
    assert not sharing.serving_marker(db, proc.pid).exists()
