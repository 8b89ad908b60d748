"""The administrator's release log, audit log and release making, and release folders that
are found whatever the working directory (in-process client and a real `parity serve`)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from parity.core import control
from parity.core.disclosure import Actor, audit_log
from parity.core.store import open_store
from parity.web.app import create_app
from parity.web.config import WebSettings

from .conftest import (
    PASSWORD,
    ROLE_USER,
    WebData,
    _free_port,
    csrf_of,
    login,
    stop_serving,
    wait_until_serving,
)
from .test_http import assert_error


def _site(web_data: WebData, folder: Path) -> Path:
    """A copy of the store alone in ``folder`` (its releases go to folder/releases)."""
    folder.mkdir(parents=True, exist_ok=True)
    return web_data.copy_to(folder / "store.duckdb")


@pytest.fixture
def admin(web_data: WebData, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(WebSettings(db=_site(web_data, tmp_path / "site"))),
                    raise_server_exceptions=False) as client:
        login(client, ROLE_USER["admin"])
        yield client


def test_release_log_and_audit_log_pages(admin: TestClient) -> None:
    store = admin.app.state.runtime.store  # type: ignore[attr-defined]
    log = admin.get("/api/admin/releases").json()["releases"]
    expected = store.frame("SELECT release_id, actor, audience FROM main.disclosure_releases "
                           "ORDER BY seq DESC").to_dicts()
    assert [{k: r[k] for k in ("release_id", "actor", "audience")} for r in log] == expected
    hidden = store.frame("SELECT release_id, count(*) AS n FROM main.disclosure_release_cells "
                         "WHERE status <> 'published' GROUP BY 1").to_dicts()
    assert {r["release_id"]: r["hidden"] for r in log} == {r["release_id"]: r["n"] for r in hidden}
    assert all(r["served"] for r in log) and all(r["tables"] for r in log)
    # the fixture's releases were written outside the store's folder: recorded absolute
    assert all(Path(r["out_dir"]).is_absolute() and r["problem"] is None for r in log)
    page = admin.get("/admin/releases")
    assert page.status_code == 200 and all(r["release_id"] in page.text for r in log)
    audit = admin.get("/api/admin/audit").json()
    entries = audit_log.entries(store, Actor("t", "admin"))
    assert audit["verification"]["ok"] and audit["verification"]["entries"] == entries.height
    assert audit["verification"]["head"] == audit_log.head(store)
    assert [e["seq"] for e in audit["entries"]] == list(reversed(entries["seq"].to_list()))
    page = admin.get("/admin/audit")
    assert 'id="verification" data-ok="true"' in page.text
    # a changed entry is reported on the page
    with closing(sqlite3.connect(control.control_path(store.path), isolation_level=None)) as con:
        con.execute("UPDATE access_log SET what = 'edited' WHERE seq = 1")
    page = admin.get("/admin/audit")
    assert 'data-ok="false"' in page.text and "entry 1 was changed" in page.text
    assert not admin.get("/api/admin/audit").json()["verification"]["ok"]


@pytest.mark.parametrize("role", ["public", "analyst"])
def test_admin_logs_are_forbidden_to_other_roles(as_role: object, role: str) -> None:
    client = as_role(role)  # type: ignore[operator]
    for path in ("/api/admin/releases", "/api/admin/audit", "/api/admin/sessions"):
        assert_error(client.get(path), 403, "forbidden")
    assert client.get("/admin/releases").status_code == 403


def test_a_release_made_on_the_dashboard_is_logged_and_served(admin: TestClient) -> None:
    page = admin.get("/admin/releases")
    assert_error(admin.post("/admin/releases", data={"audience": "public"},
                            headers={"accept": "application/json"}), 403, "csrf")
    bad = admin.post("/admin/releases", data={"audience": "public", "folder": "../escape",
                                              "csrf_token": csrf_of(page.text)},
                     headers={"accept": "application/json"})
    assert_error(bad, 400, "invalid_input")
    res = admin.post("/admin/releases", data={"audience": "public", "folder": "from-dashboard",
                                              "csrf_token": csrf_of(page.text)})
    assert res.status_code == 200, res.text
    made = re.search(r"Release (r\d{4}) for public", res.text)
    assert made, res.text
    release_id = made.group(1)
    runtime = admin.app.state.runtime  # type: ignore[attr-defined]
    folder = runtime.store.path.parent / "releases" / "from-dashboard"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["release_id"] == release_id
    row = runtime.store.frame("SELECT actor, role, audience, out_dir FROM main.disclosure_releases "
                              "WHERE release_id = ?", [release_id]).row(0, named=True)
    assert row == {"actor": ROLE_USER["admin"], "role": "admin", "audience": "public",
                   "out_dir": "releases/from-dashboard"}
    log = admin.get("/api/admin/releases").json()["releases"]
    assert log[0]["release_id"] == release_id and log[0]["served"] and log[0]["problem"] is None
    assert not next(r for r in log[1:] if r["audience"] == "public")["served"]
    audit = admin.get("/api/admin/audit").json()
    assert audit["verification"]["ok"]
    assert audit["entries"][0]["action"] == "release" and release_id in audit["entries"][0]["what"]
    assert manifest["audit_head"] == audit["entries"][0]["hash"]
    # all staff now see the new release
    admin.cookies.clear()
    login(admin, ROLE_USER["public"])
    published = admin.get("/api/views/published").json()
    assert any(release_id in line for line in published["summary"])
    # the same folder twice is refused with one sentence
    admin.cookies.clear()
    login(admin, ROLE_USER["admin"])
    page = admin.get("/admin/releases")
    again = admin.post("/admin/releases", data={"audience": "public", "folder": "from-dashboard",
                                                "csrf_token": csrf_of(page.text)},
                       headers={"accept": "application/json"})
    assert_error(again, 400, "invalid_input")


def _parity(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARITY_")}
    return subprocess.run([sys.executable, "-m", "parity.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def test_releases_made_with_relative_paths_are_found_from_any_folder(
        web_data: WebData, tmp_path: Path) -> None:
    site = tmp_path / "site"
    db = _site(web_data, site)
    with open_store(db) as store, store.cursor() as cur:
        cur.execute("DELETE FROM main.disclosure_release_cells")
        cur.execute("DELETE FROM main.disclosure_releases")
    made = _parity(["release", "--audience", "public", "--out", "releases/2024", "--db",
                    "store.duckdb", "--as", "release-maker"], cwd=site)
    assert made.returncode == 0, made.stdout + made.stderr
    with open_store(db, read_only=True) as store:
        assert store.frame("SELECT out_dir FROM main.disclosure_releases")["out_dir"].to_list() \
            == ["releases/2024"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = _free_port()
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARITY_")}
    proc = subprocess.Popen([sys.executable, "-m", "parity.cli.main", "serve", "--db",
                             str(db.resolve()), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=elsewhere)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, log_path, 60)
        with httpx.Client(base_url=base) as client:
            _login(client, ROLE_USER["public"])
            published = client.get("/api/views/published").json()
            assert any("r0001" in line for line in published["summary"]), published["summary"]
            assert published["tables"] and published["tables"][0]["rows"]
        # a missing folder is shown to the administrator, not only in the server's log
        (site / "releases" / "2024").rename(site / "releases" / "moved")
        with httpx.Client(base_url=base) as client:
            _login(client, ROLE_USER["admin"])
            home = client.get("/")
            assert 'id="release-problems"' in home.text and "r0001" in home.text
            log_rows = client.get("/api/admin/releases").json()["releases"]
            assert log_rows[0]["problem"] == "The release folder is missing."
            assert log_rows[0]["folder"] == str((site / "releases" / "2024").resolve())
            # logging out ends the session on the server: the saved cookie is refused
            saved = dict(client.cookies)
            assert client.post("/logout", data={"csrf_token": csrf_of(home.text)}).status_code == 303
        with httpx.Client(base_url=base, cookies=saved) as replay:
            res = replay.get("/api/admin/releases")
            assert res.status_code == 401 and res.headers["cache-control"] == "no-store"
            page = replay.get("/admin/releases")
            assert page.status_code == 303 and page.headers["location"].startswith("/login")
    finally:
        stop_serving(proc, 10)
        log.close()


def _login(client: httpx.Client, name: str) -> None:
    token = csrf_of(client.get("/login").text)
    res = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert res.status_code == 303, res.text


def test_release_folders_are_recorded_from_the_store_folder(
        web_data: WebData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from parity.core.disclosure import release_log

    db = _site(web_data, tmp_path / "site")
    with open_store(db, read_only=True) as store:
        monkeypatch.chdir(tmp_path / "site")
        assert release_log.recorded_folder(store, "releases/q4") == "releases/q4"
        assert release_log.recorded_folder(store, tmp_path / "site" / "r" / ".." / "q1") == "q1"
        monkeypatch.chdir(tmp_path)
        assert release_log.recorded_folder(store, "site/releases/q4") == "releases/q4"
        assert release_log.recorded_folder(store, "other/q4") == str(tmp_path / "other" / "q4")
        monkeypatch.chdir("/")
        assert release_log.release_folder(store, "releases/q4") == tmp_path / "site" / "releases" / "q4"
        assert release_log.release_folder(store, "/srv/x") == Path("/srv/x")
