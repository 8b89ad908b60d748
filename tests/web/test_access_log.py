"""Who saw what: every view, JSON answer and download of a signed-in user, failed logins
and account changes are entries of the audit log (read back with plain SQLite)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from parity.core import control
from parity.core.disclosure import verify
from parity.core.store import open_store
from parity.web.app import create_app
from parity.web.config import WebSettings

from .conftest import ROLE_USER, WebData, csrf_of, login


def _log(db: Path) -> list[dict[str, object]]:
    con = sqlite3.connect(control.control_path(db))
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM access_log ORDER BY seq")]
    con.close()
    return rows


def _published_table(client: TestClient) -> str:
    views = client.get("/api/views").json()["views"]
    published = next(v for v in views if v["slug"] == "published")
    return str(published["parameters"][0]["values"][0]["value"])


def test_views_downloads_logins_and_account_changes_are_logged(web_data: WebData) -> None:
    db = web_data.copy("access")
    before = len(_log(db))  # the releases made when the store was built
    with TestClient(create_app(WebSettings(db=db))) as client:
        assert login(client, ROLE_USER["analyst"], "wrong-password").status_code == 401
        login(client, ROLE_USER["analyst"])
        assert client.get("/views/composition?by=gender").status_code == 200
        assert client.get("/api/views/composition?by=gender").status_code == 200
        assert client.get("/views/composition/download/composition.csv?by=gender"
                          ).status_code == 200
        client.cookies.clear()
        login(client, ROLE_USER["member_state"])
        table = _published_table(client)
        assert client.get(f"/api/views/published?table={table}").status_code == 200
        assert client.get("/views/composition").status_code == 403  # refused: not seen
        client.cookies.clear()
        login(client, ROLE_USER["admin"])
        page = client.get("/admin/users")
        res = client.post("/admin/users", data={"username": "new-one", "role": "public",
                                                "csrf_token": csrf_of(page.text)})
        assert res.status_code == 200
    everything = _log(db)
    log = everything[before:]
    seen = [(r["actor"], r["role"], r["action"], r["what"]) for r in log]
    analyst = ROLE_USER["analyst"]
    assert seen[0][:3] == (analyst, "public", "login_failed")
    assert seen[0][3].startswith(f"login as '{analyst}': from ") and "failure 1 in a row" in seen[0][3]
    assert seen[1:4] == [(analyst, "analyst", "view", "view composition"),
                         (analyst, "analyst", "json", "json composition"),
                         (analyst, "analyst", "download",
                          "download composition: composition.csv")]
    detail = json.loads(str(log[3]["detail"]))
    assert detail["filters"]["by"] == "gender" and detail["audience"] == ["analyst"]
    assert detail["restricted"] is True and detail["channel"] == "web"
    member = ROLE_USER["member_state"]
    member_rows = [r for r in log if r["actor"] == member]
    assert [(r["action"], r["what"]) for r in member_rows] == [("json", "json published")]
    member_detail = json.loads(str(member_rows[0]["detail"]))
    assert member_detail["audience"] == ["member_state", web_data.nationality]
    assert member_detail["filters"]["table"] == table
    assert seen[-1] == (ROLE_USER["admin"], "admin", "account_added", "account 'new-one'")
    assert all(r["declared"] is None for r in log)  # web entries: the account is the actor
    with open_store(db, read_only=True) as store:
        check = verify(store)
    assert check.ok and check.entries == len(everything)


def test_audit_views_off_keeps_only_restricted_views(web_data: WebData) -> None:
    db = web_data.copy("access-off")
    before = len(_log(db))
    with TestClient(create_app(WebSettings(db=db, audit_views=False))) as client:
        login(client, ROLE_USER["public"])
        table = _published_table(client)
        assert client.get(f"/api/views/published?table={table}").status_code == 200
        client.cookies.clear()
        login(client, ROLE_USER["analyst"])
        assert client.get("/api/views/composition?by=gender").status_code == 200
    assert [(r["actor"], r["action"]) for r in _log(db)[before:]] == [(ROLE_USER["analyst"], "json")]
