"""Cached answers stay correct: roles (403 with no data), languages, and the per-user parts
of a page (name, CSRF token, menu) while the rest of the page is reused."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from parity.core.store import open_store
from parity.web import users
from parity.web.app import create_app
from parity.web.config import WebSettings
from parity.web.context import BODY_MARK, _split_frame

from .conftest import PASSWORD, ROLE_USER, WebData, csrf_of, login

SECOND_ANALYST = "t-analyst-2"


@pytest.fixture(scope="module")
def app(web_data: WebData) -> Iterator[TestClient]:
    db = web_data.copy("cached")
    with open_store(db) as store:
        users.add_user(store, SECOND_ANALYST, "analyst", PASSWORD)
    with TestClient(create_app(WebSettings(db=db, public_access=True))) as client:
        yield client


def client_of(app: TestClient, name: str | None) -> TestClient:
    client = TestClient(app.app)  # same application (same caches), own cookies
    if name is not None:
        assert login(client, name).status_code == 303
    return client


def test_a_cached_view_is_still_forbidden_to_other_roles(app: TestClient) -> None:
    analyst = client_of(app, ROLE_USER["analyst"])
    assert analyst.get("/api/views/composition?by=gender").status_code == 200
    assert analyst.get("/views/composition?by=gender").status_code == 200
    for name in (ROLE_USER["public"], ROLE_USER["member_state"], ROLE_USER["manager"],
                 ROLE_USER["admin"], None):
        client = client_of(app, name)
        res = client.get("/api/views/composition?by=gender")
        assert res.status_code == 403 and set(res.json()) == {"error"}, name
        assert "rows" not in res.text and "staff" not in res.text
        page = client.get("/views/composition?by=gender")
        assert page.status_code == 403 and "<table" not in page.text


def test_cached_views_follow_the_language(app: TestClient) -> None:
    analyst = client_of(app, ROLE_USER["analyst"])
    english = analyst.get("/api/views/gender").json()
    french = analyst.get("/api/views/gender?lang=fr").json()
    assert (english["lang"], french["lang"]) == ("en", "fr")
    assert english["title"] != french["title"] and english["params"] == french["params"]
    page = analyst.get("/views/gender")  # the parity_lang cookie now says French
    assert '<html lang="fr" dir="ltr">' in page.text and f"<h1>{french['title']}</h1>" in page.text
    arabic = analyst.get("/views/gender?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in arabic and 'hreflang="en">English' in arabic
    assert '<html lang="en" dir="ltr">' in analyst.get("/views/gender?lang=en").text
    assert analyst.get("/api/views/gender?lang=en").json() == english


def test_each_user_gets_their_own_name_token_and_menu(app: TestClient) -> None:
    first = client_of(app, ROLE_USER["analyst"])
    second = client_of(app, SECOND_ANALYST)
    pages = [c.get("/views/ranges").text for c in (first, second, first)]
    assert f"{ROLE_USER['analyst']} · Analyst" in pages[0] and SECOND_ANALYST not in pages[0]
    assert f"{SECOND_ANALYST} · Analyst" in pages[1]
    assert csrf_of(pages[0]) == csrf_of(pages[2]) != csrf_of(pages[1])
    assert csrf_of(pages[1]) == csrf_of(second.get("/").text)  # the token of the user's cookie
    body = pages[0].split('<main id="main" tabindex="-1">')[1]
    assert body == pages[1].split('<main id="main" tabindex="-1">')[1]  # only the header differs
    admin = client_of(app, ROLE_USER["admin"]).get("/views/published").text
    public = client_of(app, ROLE_USER["public"]).get("/views/published").text
    anonymous = client_of(app, None).get("/views/published").text
    assert 'href="/admin/users"' in admin and 'href="/admin/users"' not in public
    assert 'action="/logout"' in public and 'action="/logout"' not in anonymous
    assert "anonymous · All staff" in anonymous and ROLE_USER["public"] in public


def test_the_json_twin_matches_the_page_after_caching(app: TestClient) -> None:
    analyst = client_of(app, ROLE_USER["analyst"])
    for _ in range(2):
        twin = analyst.get("/api/views/composition?by=category&lang=es").json()
        page = analyst.get("/views/composition?by=category&lang=es").text
        assert twin["lang"] == "es" and f"<h1>{twin['title']}</h1>" in page
        assert re.search(r'<option value="category" selected>', page)
        assert "/api/views/composition?" in page and "by=category" in page


def test_a_frame_with_unexpected_marks_is_not_reused() -> None:
    assert _split_frame(f"a{BODY_MARK}b") is None
    assert _split_frame("a\x00parity:account\x00b\x00parity:body\x00c") == ("a", "b", "c")
    assert _split_frame("a\x00parity:account\x00b\x00parity:body\x00c\x00") is None


def test_sessions_expire_even_when_remembered(web_data: WebData) -> None:
    settings = WebSettings(db=web_data.copy("expiry"), session_hours=4 / 3600)
    with TestClient(create_app(settings)) as client:
        login(client, ROLE_USER["analyst"])
        assert client.get("/api/me").status_code == 200
        assert client.get("/api/me").status_code == 200  # remembered
        time.sleep(5.5)
        assert client.get("/api/me").status_code == 401
        client.cookies.set("parity_session", "forged.cookie.value")
        assert client.get("/api/me").status_code == 401
