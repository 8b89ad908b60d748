"""Sessions held on the server, throttled logins, the signing key outside the store, and the
security and caching headers of every route (in-process client on real store copies)."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from starlette.routing import Mount, Route

from parity.core import control
from parity.core.disclosure import Actor, audit_log
from parity.core.errors import SettingsError
from parity.web import keys, sessions
from parity.web.app import create_app
from parity.web.config import WebSettings
from parity.web.headers import SECURITY_HEADERS
from parity.web.views import registry

from .conftest import PASSWORD, ROLE_USER, WebData, csrf_of, login
from .test_http import assert_error


@pytest.fixture
def fresh(web_data: WebData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """An application on its own copy of the store, in its own folder (its own key file)."""
    monkeypatch.delenv(keys.ENV_KEY, raising=False)
    monkeypatch.delenv("PARITY_WEB_SECRET_KEY", raising=False)
    db = tmp_path / "store.duckdb"
    web_data.copy_to(db)
    with TestClient(create_app(WebSettings(db=db)), raise_server_exceptions=False) as client:
        yield client


def _second_client(client: TestClient) -> TestClient:
    """Another browser on the same application (used without 'with', which would run the
    application's shutdown and close its store)."""
    return TestClient(client.app, raise_server_exceptions=False)


def test_a_cookie_replayed_after_logout_is_refused(fresh: TestClient) -> None:
    assert login(fresh, ROLE_USER["analyst"]).status_code == 303
    saved = dict(fresh.cookies)
    assert fresh.get("/api/views/funnel").status_code == 200
    res = fresh.post("/logout", data={"csrf_token": csrf_of(fresh.get("/").text)},
                     follow_redirects=False)
    assert res.status_code == 303
    thief = _second_client(fresh)
    thief.cookies.update(saved)
    assert_error(thief.get("/api/views/funnel"), 401, "unauthenticated")
    page = thief.get("/views/funnel", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    store = fresh.app.state.runtime.store  # type: ignore[attr-defined]
    with closing(sqlite3.connect(control.control_path(store.path))) as con:
        assert con.execute("SELECT count(*) FROM web_sessions").fetchone() == (0,)


def test_an_admin_lists_and_revokes_sessions(fresh: TestClient) -> None:
    analyst = _second_client(fresh)
    login(analyst, ROLE_USER["analyst"])
    assert analyst.get("/api/me").status_code == 200
    login(fresh, ROLE_USER["admin"])
    listed = fresh.get("/api/admin/sessions").json()["sessions"]
    assert sorted(s["name"] for s in listed) == sorted([ROLE_USER["analyst"], ROLE_USER["admin"]])
    mine = next(s for s in listed if s["name"] == ROLE_USER["admin"])
    theirs = next(s for s in listed if s["name"] == ROLE_USER["analyst"])
    assert mine["current"] and not theirs["current"] and theirs["address"] == "testclient"
    page = fresh.get("/admin/sessions")
    assert theirs["id"] in page.text
    res = fresh.post(f"/admin/sessions/{theirs['id']}/revoke", data={"csrf_token": "forged"},
                     headers={"accept": "application/json"})
    assert_error(res, 403, "csrf")
    res = fresh.post(f"/admin/sessions/{theirs['id']}/revoke",
                     data={"csrf_token": csrf_of(page.text)})
    assert res.status_code == 200 and theirs["id"] not in res.text.split("<tbody>")[1]
    assert_error(analyst.get("/api/me"), 401, "unauthenticated")
    assert fresh.get("/api/me").json()["role"] == "admin"
    login(analyst, ROLE_USER["analyst"])
    assert analyst.get("/api/me").status_code == 200
    assert_error(analyst.get("/api/admin/sessions"), 403, "forbidden")


def _entries(client: TestClient, action: str) -> list[dict[str, object]]:
    store = client.app.state.runtime.store  # type: ignore[attr-defined]
    frame = audit_log.entries(store, Actor("test", "admin"))
    return [r for r in frame.to_dicts() if r["action"] == action]


def test_failed_logins_are_throttled_with_growing_delays_and_logged(
        fresh: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000_000.0]  # the throttle's time, moved by the test (requests take real time)
    monkeypatch.setattr(sessions, "now", lambda: clock[0])
    name = ROLE_USER["public"]
    for n in range(1, sessions.FREE_FAILURES + 1):
        assert login(fresh, name, "wrong-password").status_code == 401, n
    # the sixth attempt comes at once: refused, even with the right password, and logged
    sixth = login(fresh, name, "wrong-password")
    assert sixth.status_code == 429 and sixth.headers["retry-after"] == "1"
    assert 'role="alert"' in sixth.text and "parity_session" not in sixth.headers.get("set-cookie", "")
    clock[0] += 0.5
    assert login(fresh, name).status_code == 429
    # the address is throttled too, whatever the account
    assert login(fresh, ROLE_USER["analyst"]).status_code == 429
    clock[0] += 0.6  # 1.1 s after the fifth failure
    assert login(fresh, name, "wrong-password").status_code == 401  # the sixth failure
    res = login(fresh, name)
    assert res.status_code == 429 and res.headers["retry-after"] == "2"  # the delay doubled
    clock[0] += 2.1
    assert login(fresh, name, "wrong-password").status_code == 401  # the seventh
    assert login(fresh, name).headers["retry-after"] == "4"
    clock[0] += 4.1
    assert login(fresh, name).status_code == 303  # the right password after the delay
    failed = _entries(fresh, "login_failed")
    throttled = _entries(fresh, "login_throttled")
    assert len(failed) == sessions.FREE_FAILURES + 2 and len(throttled) == 5
    assert all(e["actor"] == name for e in failed)
    assert "failure 7 in a row" in str(failed[-1]["what"]) and "testclient" in str(failed[-1]["what"])
    assert audit_log.verify(fresh.app.state.runtime.store).ok  # type: ignore[attr-defined]
    # the success cleared the account's count, not the address's: an eighth failure from
    # the address (another account's first) makes every account there wait 8 s
    clock[0] += 1
    assert login(fresh, ROLE_USER["analyst"], "wrong-password").status_code == 401
    other = login(fresh, ROLE_USER["analyst"])
    assert other.status_code == 429 and other.headers["retry-after"] == "8"
    assert login(fresh, name, "wrong-password").status_code == 429


def test_delays_double_up_to_the_cap() -> None:
    delays = [sessions.delay_after(n) for n in range(0, 20)]
    assert delays[:5] == [0.0] * 5 and delays[5:9] == [1.0, 2.0, 4.0, 8.0]
    assert max(delays) == sessions.MAX_DELAY and delays[-1] == sessions.MAX_DELAY


def test_the_signing_key_lives_in_a_private_file_beside_the_store(fresh: TestClient) -> None:
    runtime = fresh.app.state.runtime  # type: ignore[attr-defined]
    key_file = runtime.store.path.with_name("store.duckdb.key")
    assert key_file.is_file() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert runtime.security.secret_key == key_file.read_text().strip()
    tables = set(runtime.store.frame("SELECT table_name FROM information_schema.tables")["table_name"])
    assert "web_secrets" not in tables
    assert not re.search(key_file.read_text().strip(), runtime.store.path.read_bytes().decode("latin-1"))
    # even with the key, a cookie naming no session recorded by the server is refused
    forged = URLSafeTimedSerializer(key_file.read_text().strip(), salt="parity-session").dumps(
        {"s": "made-up-token", "u": ROLE_USER["admin"]})
    fresh.cookies.set("parity_session", forged)
    assert_error(fresh.get("/api/me"), 401, "unauthenticated")


def test_the_key_comes_from_the_environment_or_is_refused_when_shared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = WebSettings(db=tmp_path / "a.duckdb")
    monkeypatch.setenv(keys.ENV_KEY, "e" * 40)
    assert keys.signing_key(settings) == "e" * 40
    assert not (tmp_path / "a.duckdb.key").exists()
    monkeypatch.setenv(keys.ENV_KEY, "short")
    with pytest.raises(SettingsError, match="shorter"):
        keys.signing_key(settings)
    monkeypatch.delenv(keys.ENV_KEY)
    first = keys.signing_key(settings)
    assert first and keys.signing_key(settings) == first  # created once, then read
    os.chmod(tmp_path / "a.duckdb.key", 0o644)
    with pytest.raises(SettingsError, match="chmod 600"):
        keys.signing_key(settings)
    named = WebSettings(db=tmp_path / "a.duckdb", secret_key_file=tmp_path / "k" / "site.key")
    (tmp_path / "k").mkdir()
    assert keys.signing_key(named) not in (None, first)
    assert stat.S_IMODE((tmp_path / "k" / "site.key").stat().st_mode) == 0o600


def _concrete(path: str) -> str:
    values = {"slug": "composition", "name": "composition", "ext": "csv", "session_id": "0" * 16}
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def _assert_headers(res: object, cache: str, where: str) -> None:
    headers = res.headers  # type: ignore[attr-defined]
    for key, value in SECURITY_HEADERS.items():
        assert headers.get(key) == value, f"{where}: {key}"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers.get("cache-control") == cache, where


def _routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, with the routers included by ``include_router`` opened."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def test_every_route_carries_the_security_headers(fresh: TestClient) -> None:
    login(fresh, ROLE_USER["admin"])
    checked = 0
    routes = list(_routes(fresh.app.routes))  # type: ignore[attr-defined]
    assert {"/admin/releases", "/api/admin/audit", "/healthz", "/static"} <= {r.path for r in routes}
    for route in routes:
        if isinstance(route, Mount):
            res = fresh.get("/static/css/parity.css")
            assert res.status_code == 200
            _assert_headers(res, "public, max-age=3600", route.path)
            _assert_headers(fresh.get("/static/no-such-file.css"), "no-store", "static 404")
            checked += 1
            continue
        assert isinstance(route, APIRoute | Route), route
        for method in route.methods or ():
            res = fresh.request(method, _concrete(route.path), follow_redirects=False,
                                data={} if method == "POST" else None)
            _assert_headers(res, "no-store", f"{method} {route.path} ({res.status_code})")
            checked += 1
    assert checked >= len(routes)
    fresh.cookies.clear()
    for path in ("/healthz", "/login", "/no/such/page", "/api/views/funnel", "/views/funnel"):
        _assert_headers(fresh.get(path, follow_redirects=False), "no-store", path)
    _assert_headers(fresh.delete("/api/views"), "no-store", "405")


def test_authenticated_pages_json_and_downloads_are_never_stored(fresh: TestClient) -> None:
    login(fresh, ROLE_USER["analyst"])
    for slug in registry():
        for path in (f"/views/{slug}", f"/api/views/{slug}"):
            res = fresh.get(path)
            assert res.status_code == 200 and res.headers["cache-control"] == "no-store", path
    for path in ("/views/composition/download/composition.csv",
                 "/views/ranges/download/states.xlsx", "/api/me", "/"):
        res = fresh.get(path)
        assert res.status_code == 200 and res.headers["cache-control"] == "no-store", path


def test_a_password_guess_cannot_log_in_after_many_failures(fresh: TestClient) -> None:
    """The scenario that used to succeed: 40 quick wrong passwords, then the right one (real
    time; how many guesses are tried depends on the machine's speed, the rule does not)."""
    start = time.time()
    answers = [login(fresh, ROLE_USER["manager"], f"guess-{i}").status_code for i in range(40)]
    elapsed = time.time() - start
    assert answers[:5] == [401] * 5 and set(answers[5:]) <= {401, 429} and 429 in answers
    # the m-th failure past the fifth needs 1 + 2 + … + 2**(m-2) = 2**(m-1) - 1 seconds
    extra = answers.count(401) - sessions.FREE_FAILURES
    assert 2 ** (extra - 1) - 1 <= elapsed, (extra, elapsed)
    book = fresh.app.state.runtime.security.book  # type: ignore[attr-defined]
    count, last = book.failures(f"account:{ROLE_USER['manager']}")
    assert count == answers.count(401)
    left = last + sessions.delay_after(count) - time.time()
    final = login(fresh, ROLE_USER["manager"], PASSWORD).status_code
    if left > 0.5:
        assert final == 429
    elif left < 0:
        assert final == 303


def test_a_read_only_store_keeps_sessions_in_the_control_database(
        web_data: WebData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(keys.ENV_KEY, raising=False)
    monkeypatch.delenv("PARITY_WEB_SECRET_KEY", raising=False)
    db = tmp_path / "ro.duckdb"
    web_data.copy_to(db)
    settings = WebSettings(db=db, read_only=True, cache_dir=tmp_path / "shared")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert login(client, ROLE_USER["admin"]).status_code == 303
        # the session is a row of the control database beside the store, read back here
        # with sqlite3 itself
        with closing(sqlite3.connect(db.with_name("ro.control.sqlite"))) as con:
            rows = con.execute("SELECT name, length(session_hash) FROM web_sessions").fetchall()
        assert rows == [(ROLE_USER["admin"], 64)]
        assert [s["name"] for s in client.get("/api/admin/sessions").json()["sessions"]] \
            == [ROLE_USER["admin"]]
        page = client.get("/admin/releases")
        assert "read-only" in page.text
        res = client.post("/admin/releases", data={"audience": "public",
                                                   "csrf_token": csrf_of(page.text)},
                          headers={"accept": "application/json"})
        assert_error(res, 409, "read_only")
        saved = dict(client.cookies)
        client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
        with closing(sqlite3.connect(db.with_name("ro.control.sqlite"))) as con:
            assert con.execute("SELECT count(*) FROM web_sessions").fetchone() == (0,)
        client.cookies.clear()
        client.cookies.update(saved)
        assert_error(client.get("/api/me"), 401, "unauthenticated")
        # failures are still throttled (counted in the control database)
        for _ in range(sessions.FREE_FAILURES):
            assert login(client, ROLE_USER["public"], "wrong-password").status_code == 401
        assert login(client, ROLE_USER["public"]).status_code == 429
