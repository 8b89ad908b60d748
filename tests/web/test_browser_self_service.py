"""Browser checks of the self-service pages in real Chromium: the pivot's chart of two
dimensions, the Member State page and the scenario editor draw their charts, keep to
WCAG 2.1 AA (axe-core) left to right and right to left, and the editor runs a scenario."""

from __future__ import annotations

import json

from playwright.sync_api import Browser

from .browser import axe_violations, wait_for_charts
from .test_browser import browser, open_as, sessions

__all__ = ["browser", "sessions"]  # the module's fixtures, shared with test_browser

#: role -> pages to check in English and Arabic.
PAGES = {"analyst": ["/views/composition?by=regional_group&by2=gender&by3=level_band",
                     "/views/careers?by=gender&by2=regional_group",
                     "/views/funnel?strata=level_band", "/views/projections/scenario"],
         "member_state": ["/views/state", "/"]}


def test_self_service_pages_draw_and_pass_axe(browser: Browser, server: str,
                                              sessions: dict[str, dict[str, object]]) -> None:
    report: dict[str, list[dict[str, object]]] = {}
    for role, urls in PAGES.items():
        ctx = open_as(browser, server, sessions, role)
        page = ctx.page()
        for url in urls:
            for lang in ("en", "ar"):
                sep = "&" if "?" in url else "?"
                response = page.goto(f"{url}{sep}lang={lang}", wait_until="domcontentloaded")
                assert response is not None and response.status == 200, (url, lang)
                wait_for_charts(page)
                assert page.locator("[data-rendered=error]").count() == 0, (url, lang)
                report[f"{url} [{lang}]"] = axe_violations(page, contrast=lang == "en")
        ctx.close()
    bad = {k: v for k, v in report.items() if v}
    assert bad == {}, json.dumps(bad, indent=1, ensure_ascii=False)[:3000]


def test_the_editor_runs_a_scenario_and_shows_an_error_in_place(
        browser: Browser, server: str, sessions: dict[str, dict[str, object]]) -> None:
    ctx = open_as(browser, server, sessions, "analyst")
    page = ctx.page()
    page.goto("/views/projections/scenario?start=hiring_freeze")
    text = page.get_by_label("Scenario text")
    assert "freezes" in text.input_value()
    text.fill(text.input_value().replace("promotions: true", "promotion: true"))
    page.get_by_role("button", name="Run the projection").click()
    page.wait_for_load_state("domcontentloaded")
    error = page.locator("#scenario-error")
    assert "establishment.freezes.0.promotion" in error.inner_text()
    assert "promotion: true" in page.get_by_label("Scenario text").input_value()
    page.get_by_label("Scenario text").fill(
        page.get_by_label("Scenario text").input_value().replace("promotion: true",
                                                                 "promotions: true"))
    page.get_by_role("button", name="Run the projection").click()
    page.wait_for_selector("#scenario-result #table-targets")
    wait_for_charts(page)
    assert page.locator("#scenario-result [data-rendered=true]").count() >= 1
    assert page.locator("#scenario-error").count() == 0
    assert axe_violations(page, contrast=False) == []
    ctx.close()
