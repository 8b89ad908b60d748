"""HTTP-level tests (in-process client): auth, CSRF, roles, error shape, JSON twins, discovery."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient

from parity.core.store import open_store
from parity.web import users
from parity.web.app import create_app
from parity.web.config import WebSettings
from parity.web.views import registry

from .conftest import PASSWORD, ROLE_USER, WebData, csrf_of, login

AsRole = Callable[[str], TestClient]
ANALYST_VIEWS = [slug for slug, v in registry().items() if v.roles == frozenset({"analyst"})]


def assert_error(res: object, status: int, code: str) -> dict[str, str]:
    assert res.status_code == status, res.text  # type: ignore[attr-defined]
    body = res.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "hint"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def test_anonymous_is_sent_to_login_or_gets_401(app_client: TestClient) -> None:
    app_client.cookies.clear()
    res = app_client.get("/views/published", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login?next=%2Fviews%2Fpublished"
    assert_error(app_client.get("/api/views/published"), 401, "unauthenticated")
    assert_error(app_client.get("/api/views"), 401, "unauthenticated")
    assert app_client.get("/login").status_code == 200
    assert app_client.get("/static/css/parity.css").status_code == 200
    assert app_client.get("/healthz").json()["status"] == "ok"


def test_login_sets_a_safe_session_cookie(app_client: TestClient) -> None:
    app_client.cookies.clear()
    res = login(app_client, ROLE_USER["analyst"])
    assert res.status_code == 303
    cookie = next(v for k, v in res.headers.multi_items()
                  if k == "set-cookie" and v.startswith("parity_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert app_client.get("/api/me").json()["role"] == "analyst"
    app_client.cookies.clear()


def test_wrong_password_and_unknown_user(app_client: TestClient) -> None:
    app_client.cookies.clear()
    for name, password in ((ROLE_USER["analyst"], "wrong-password"), ("nobody", PASSWORD)):
        res = login(app_client, name, password)
        assert res.status_code == 401 and 'role="alert"' in res.text
        assert "parity_session" not in res.headers.get("set-cookie", "")


def test_every_post_needs_the_csrf_token(app_client: TestClient, as_role: AsRole) -> None:
    app_client.cookies.clear()
    app_client.get("/login")
    res = app_client.post("/login", data={"username": ROLE_USER["analyst"], "password": PASSWORD},
                          headers={"accept": "application/json"})
    assert_error(res, 403, "csrf")
    res = app_client.post("/login", data={"username": ROLE_USER["analyst"], "password": PASSWORD,
                                          "csrf_token": "forged"}, headers={"accept": "application/json"})
    assert_error(res, 403, "csrf")
    client = as_role("admin")
    token = csrf_of(client.get("/admin/users").text)
    res = client.post("/admin/users", data={"username": "x1", "role": "analyst", "csrf_token": token},
                      headers={"origin": "https://evil.example", "accept": "application/json"})
    assert_error(res, 403, "csrf")
    res = client.post("/logout", data={}, headers={"accept": "application/json"})
    assert_error(res, 403, "csrf")
    assert client.get("/api/me").json()["role"] == "admin"  # still logged in


def test_logout(as_role: AsRole) -> None:
    client = as_role("public")
    token = csrf_of(client.get("/").text)
    res = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert res.status_code == 303
    assert_error(client.get("/api/me"), 401, "unauthenticated")


@pytest.mark.parametrize("role", ["public", "member_state", "manager", "admin"])
def test_analyst_views_are_forbidden_to_other_roles(as_role: AsRole, role: str) -> None:
    client = as_role(role)
    for slug in ANALYST_VIEWS:
        err = assert_error(client.get(f"/api/views/{slug}"), 403, "forbidden")
        assert "rows" not in str(err)
        page = client.get(f"/views/{slug}")
        assert page.status_code == 403 and "<table" not in page.text and 'data-error-code="forbidden"' in page.text
        assert client.get(f"/views/{slug}/download/composition.csv").status_code == 403
    assert client.get("/api/views/published").status_code == 200
    listed = {v["slug"]: v for v in client.get("/api/views").json()["views"]}
    assert all(not listed[s]["allowed"] and "values" not in str(listed[s]["parameters"])
               for s in ANALYST_VIEWS)


def test_admin_pages_are_forbidden_to_analysts(as_role: AsRole) -> None:
    client = as_role("analyst")
    assert client.get("/admin/users").status_code == 403


def test_views_list_has_pages_json_and_parameters(as_role: AsRole) -> None:
    client = as_role("analyst")
    body = client.get("/api/views").json()
    assert [v["slug"] for v in body["views"]] == list(registry())
    for view in body["views"]:
        assert view["allowed"] and view["page_url"] == f"/views/{view['slug']}"
        assert view["json_url"] == f"/api/views/{view['slug']}"
        for p in view["parameters"]:
            assert p["name"] and p["label"] and isinstance(p["values"], list)


def _page_rows(html: str, table: str) -> int:
    match = re.search(rf'<table id="table-{table}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert match, f"no table {table}"
    return match.group(1).count("<tr>")


@pytest.mark.parametrize("slug", list(registry()))
def test_json_twin_carries_the_page_data(as_role: AsRole, slug: str) -> None:
    client = as_role("analyst")
    page = client.get(f"/views/{slug}")
    twin = client.get(f"/api/views/{slug}").json()
    assert page.status_code == 200 and twin["view"] == slug
    summary = re.search(r'<ul id="summary">(.*?)</ul>', page.text, re.S)
    assert summary is not None
    for line in twin["summary"]:
        assert line.replace("&", "&amp;").replace("'", "&#39;") in summary.group(1)
    assert twin["tables"], "a view shows at least one table"
    for table in twin["tables"]:
        assert _page_rows(page.text, table["name"]) == max(len(table["rows"]), 1)
        assert table["downloads"]["csv"] in page.text.replace("&amp;", "&")
    for chart in twin["charts"]:
        assert chart["caption"] in page.text.replace("&#39;", "'")


def test_filters_change_the_data_and_bad_values_are_refused(as_role: AsRole) -> None:
    client = as_role("analyst")
    by_group = client.get("/api/views/composition?by=regional_group").json()
    by_gender = client.get("/api/views/composition?by=gender").json()
    assert by_group["tables"][0]["rows"] != by_gender["tables"][0]["rows"]
    assert "gender" in by_gender["tables"][0]["rows"][0]
    err = assert_error(client.get("/api/views/composition?by=shoe_size"), 400, "invalid_input")
    assert "shoe_size" in err["message"] and "regional_group" in err["hint"]
    err = assert_error(client.get("/api/views/overview?year_from=2023&year_to=2019"), 400, "invalid_input")
    page = client.get("/views/composition?by=shoe_size")
    assert page.status_code == 400 and 'data-error-code="invalid_input"' in page.text


def test_downloads_read_back(as_role: AsRole) -> None:
    client = as_role("analyst")
    twin = client.get("/api/views/composition?by=gender").json()
    res = client.get("/views/composition/download/composition.csv?by=gender")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert [int(r["staff"]) for r in rows] == [r["staff"] for r in twin["tables"][0]["rows"]]
    res = client.get("/views/ranges/download/states.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(res.content))
    assert book.sheetnames == ["About", "states"]
    assert book["states"].max_row == 195  # readable header, field names, 193 Member States
    assert_error(client.get("/views/ranges/download/nope.csv", headers={"accept": "application/json"}),
                 404, "not_found")


def test_error_shape_for_unknown_pages_and_methods(as_role: AsRole) -> None:
    client = as_role("analyst")
    assert_error(client.get("/api/views/nope"), 404, "not_found")
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.delete("/api/views"), 405, "method_not_allowed")
    page = client.get("/no/such/page")
    assert page.status_code == 404 and 'data-error-code="not_found"' in page.text


def test_unexpected_errors_answer_500_without_details(web_data: WebData) -> None:
    from parity.web.views import composition

    def boom(*args: object) -> None:
        raise RuntimeError("secret internals")

    app = create_app(WebSettings(db=web_data.copy("boom")))
    view = registry()["composition"]
    object.__setattr__(view, "compute", boom)  # the view is a frozen dataclass
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            login(client, ROLE_USER["analyst"])
            err = assert_error(client.get("/api/views/composition?by=category"), 500, "internal")
            assert "secret" not in str(err)
    finally:
        object.__setattr__(view, "compute", composition.compute)


def test_api_tokens(web_data: WebData) -> None:
    db = web_data.copy("tokens")
    with open_store(db) as store:
        token = users.issue_token(store, ROLE_USER["analyst"])
        stored = store.frame("SELECT token_hash FROM main.web_tokens")["token_hash"].to_list()
    assert token not in stored and users.hash_token(token) in stored
    with TestClient(create_app(WebSettings(db=db, public_access=True))) as client:
        res = client.get("/api/views/overview", headers={"authorization": f"Bearer {token}"})
        assert res.status_code == 200 and res.json()["view"] == "overview"
        assert_error(client.get("/api/views/published", headers={"authorization": "Bearer parity_x"}),
                     401, "unauthenticated")


def test_public_access_setting(web_data: WebData) -> None:
    with TestClient(create_app(WebSettings(db=web_data.copy("open"), public_access=True))) as client:
        assert client.get("/api/views/published").status_code == 200
        assert client.get("/api/me").json()["role"] == "public"
        assert_error(client.get("/api/views/overview"), 403, "forbidden")


def test_secure_cookies_behind_https(web_data: WebData) -> None:
    with TestClient(create_app(WebSettings(db=web_data.copy("https"), https=True)),
                    base_url="https://testserver") as client:
        res = login(client, ROLE_USER["public"])
        cookie = next(v for k, v in res.headers.multi_items()
                      if k == "set-cookie" and v.startswith("parity_session="))
        assert "Secure" in cookie


def test_trusted_proxy_header(web_data: WebData) -> None:
    settings = WebSettings(db=web_data.copy("proxy"), trusted_user_header="X-Remote-User",
                           trusted_proxies=("testclient",))
    with TestClient(create_app(settings)) as client:
        me = client.get("/api/me", headers={"x-remote-user": ROLE_USER["manager"]}).json()
        assert me["role"] == "manager"
        assert_error(client.get("/api/me", headers={"x-remote-user": "stranger"}), 403, "forbidden")
    settings = WebSettings(db=web_data.copy("proxy2"), trusted_user_header="X-Remote-User",
                           trusted_proxies=("10.0.0.1",))
    with TestClient(create_app(settings)) as client:
        assert_error(client.get("/api/me", headers={"x-remote-user": ROLE_USER["manager"]}),
                     401, "unauthenticated")


def test_languages_and_security_headers(as_role: AsRole) -> None:
    client = as_role("public")
    res = client.get("/views/published?lang=ar")
    assert '<html lang="ar" dir="rtl">' in res.text
    assert "parity_lang=ar" in res.headers["set-cookie"]
    assert '<html lang="ar" dir="rtl">' in client.get("/").text  # remembered
    client.cookies.delete("parity_lang")
    assert '<html lang="fr" dir="ltr">' in client.get("/", headers={"accept-language": "fr-CH, en;q=0.5"}).text
    assert res.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in res.headers["content-security-policy"]
    assert client.get("/api/views/published?lang=zh").json()["lang"] == "zh"


def test_admin_manages_accounts(web_data: WebData) -> None:
    with TestClient(create_app(WebSettings(db=web_data.copy("admin")))) as client:
        login(client, ROLE_USER["admin"])
        page = client.get("/admin/users")
        res = client.post("/admin/users", data={"username": "new-analyst", "role": "analyst",
                                                "csrf_token": csrf_of(page.text)})
        password = re.search(r"<code>([^<]+)</code>", res.text)
        assert res.status_code == 200 and password
        res = client.post("/admin/users/new-analyst/token", data={"csrf_token": csrf_of(res.text)})
        assert "parity_" in res.text
        res = client.post("/admin/users/new-analyst/remove", data={"csrf_token": csrf_of(res.text)})
        assert res.status_code == 200 and "new-analyst" not in res.text.split("<tbody>")[1]


def test_cache_serves_repeated_requests(web_data: WebData) -> None:
    app = create_app(WebSettings(db=web_data.copy("cache")))
    with TestClient(app) as client:
        login(client, ROLE_USER["analyst"])
        client.get("/api/views/composition?by=gender")
        misses = app.state.runtime.cache.misses
        for _ in range(3):
            client.get("/api/views/composition?by=gender")
        assert app.state.runtime.cache.misses == misses
