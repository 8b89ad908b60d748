"""Browser tests in a real Chromium against a real uvicorn server on 127.0.0.1.

Every page is loaded in a context that aborts any request not to loopback (and fails if
one is attempted); axe-core checks WCAG 2.1 A/AA on every view in every language and a
screenshot of each is written to build/screenshots/.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from parity.web import i18n
from parity.web.views import registry

from .browser import SHOTS, GuardedContext, axe_violations, launch, log_in, wait_for_charts
from .conftest import PASSWORD, ROLE_USER

#: Languages in which axe also runs its color-contrast rule (the slowest by far on large
#: tables). The stylesheet is the same in every language; these three cover the Latin,
#: Arabic (right-to-left) and CJK renderings. PARITY_AXE_FULL=1 checks contrast in all six.
CONTRAST_LANGS = i18n.LANGUAGES if os.environ.get("PARITY_AXE_FULL") else ("en", "ar", "zh")
#: Pages each role's checks visit (every view of the analyst; the others' own pages).
PAGES: dict[str, list[str]] = {
    "analyst": ["/", *[f"/views/{slug}" for slug in registry()]],
    "manager": ["/views/published?table=own_entity_by_level_gender"],
    "admin": ["/admin/users", "/admin/sessions", "/admin/releases", "/admin/audit"],
    "anonymous": ["/login"],
}
#: Views checked in English and Arabic only (the left-to-right and right-to-left layouts):
#: their pages are long, and the other languages share their templates and stylesheet.
TWO_LANGUAGES = {f"/views/{slug}" for slug in ("funnel", "timelines", "careers", "projections")}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture(scope="module")
def sessions(browser: Browser, server: str) -> dict[str, dict[str, object]]:
    """Log in through the login form as each role; keep each session's cookies."""
    states: dict[str, dict[str, object]] = {}
    for role, name in ROLE_USER.items():
        ctx = GuardedContext(browser, server)
        page = ctx.page()
        log_in(page, server, name, PASSWORD)
        assert name in page.locator("header").inner_text()
        states[role] = ctx.context.storage_state()  # type: ignore[assignment]
        ctx.close()
    return states


def open_as(browser: Browser, server: str, sessions: dict[str, dict[str, object]], role: str,
            **kw: bool) -> GuardedContext:
    return GuardedContext(browser, server, None if role == "anonymous" else sessions[role], **kw)


def test_each_role_logs_in_and_sees_its_views(browser: Browser, server: str,
                                              sessions: dict[str, dict[str, object]]) -> None:
    for role in ROLE_USER:
        ctx = open_as(browser, server, sessions, role)
        page = ctx.page()
        page.goto("/")
        nav = page.get_by_role("navigation", name="Views").inner_text()
        assert "Published figures" in nav
        assert ("Workforce composition" in nav) == (role == "analyst")
        assert ("Accounts" in nav) == (role == "admin")
        ctx.close()


def _table_first_column(page: Page, table: str) -> list[str]:
    return page.locator(f"#table-{table} tbody th").all_inner_texts()


def test_a_filter_changes_the_chart_and_the_table(browser: Browser, server: str,
                                                  sessions: dict[str, dict[str, object]]) -> None:
    ctx = open_as(browser, server, sessions, "analyst")
    page = ctx.page()
    page.goto("/views/composition")
    wait_for_charts(page)
    before = _table_first_column(page, "composition")
    chart_before = page.locator("#chart-composition-0 svg").inner_html()
    assert "Western European and other States" in before
    page.get_by_label("Break down by").select_option(label="Gender")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**by=gender**")
    wait_for_charts(page)
    after = _table_first_column(page, "composition")
    assert "Women" in after and "Men" in after and after != before
    assert page.locator("#chart-composition-0").get_attribute("data-rendered") == "true"
    chart_after = page.locator("#chart-composition-0 svg").inner_html()
    assert chart_after != chart_before and "Women" in chart_after
    assert "by gender" in page.locator("#summary").inner_text()
    ctx.close()


def test_arabic_is_right_to_left_and_remembered(browser: Browser, server: str,
                                               sessions: dict[str, dict[str, object]]) -> None:
    ctx = open_as(browser, server, sessions, "public")
    page = ctx.page()
    page.goto("/views/published")
    page.get_by_role("link", name="العربية").click()
    page.wait_for_url("**lang=ar**")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    wait_for_charts(page)
    assert page.locator(".chart").first.get_attribute("dir") == "ltr"
    assert "الأرقام المنشورة" in page.locator("h1").inner_text()
    page.goto("/")  # no ?lang=: the cookie remembers the choice
    assert page.locator("html").get_attribute("dir") == "rtl"
    ctx.close()


def test_download_a_csv_and_read_it_back(browser: Browser, server: str, tmp_path: Path,
                                         sessions: dict[str, dict[str, object]]) -> None:
    ctx = open_as(browser, server, sessions, "analyst", accept_downloads=True)
    page = ctx.page()
    page.goto("/views/overview")
    with page.expect_download() as info:
        page.locator("#h-selections").locator("..").get_by_role("link", name="CSV").click()
    path = tmp_path / "selections.csv"
    info.value.save_as(path)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    twin = json.loads(page.request.get("/api/views/overview").text())
    table = next(t for t in twin["tables"] if t["name"] == "selections")
    assert [r["regional_group"] for r in rows] == [r["regional_group"] for r in table["rows"]]
    assert [int(r["received"]) for r in rows] == [r["received"] for r in table["rows"]]
    ctx.close()


def test_forbidden_pages_answer_403_without_data(browser: Browser, server: str,
                                                 sessions: dict[str, dict[str, object]]) -> None:
    forbidden = {"public": "/views/overview", "member_state": "/views/composition",
                 "manager": "/views/ranges", "admin": "/views/gender", "analyst": "/admin/users"}
    for role, url in forbidden.items():
        ctx = open_as(browser, server, sessions, role)
        page = ctx.page()
        response = page.goto(url)
        assert response is not None and response.status == 403, (role, url)
        assert page.locator("table").count() == 0
        assert page.locator("[data-error-code=forbidden]").count() == 1
        ctx.close()
    assert httpx.get(server + "/api/views/overview").status_code == 401


def test_axe_finds_no_serious_violation_on_any_view_in_any_language(
        browser: Browser, server: str, sessions: dict[str, dict[str, object]]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    report: dict[str, list[dict[str, object]]] = {}
    for role, urls in PAGES.items():
        ctx = open_as(browser, server, sessions, role)
        page = ctx.page()
        for url in urls:
            for lang in ("en", "ar") if url in TWO_LANGUAGES else i18n.LANGUAGES:
                sep = "&" if "?" in url else "?"
                response = page.goto(f"{url}{sep}lang={lang}", wait_until="domcontentloaded")
                assert response is not None and response.status == 200, (url, lang)
                assert page.locator("html").get_attribute("lang") == lang
                wait_for_charts(page)
                failed = page.locator("[data-rendered=error]").count()
                assert failed == 0, f"a chart failed to draw on {url} ({lang})"
                name = url.strip("/").split("?")[0].replace("/", "-") or "home"
                page.screenshot(path=str(SHOTS / f"{name}-{lang}.png"),
                                full_page=lang in ("en", "ar"))
                report[f"{url} [{lang}]"] = axe_violations(page, contrast=lang in CONTRAST_LANGS)
        ctx.close()
    (SHOTS / "axe-report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    bad = {k: v for k, v in report.items() if v}
    assert bad == {}, json.dumps(bad, indent=1, ensure_ascii=False)[:3000]
