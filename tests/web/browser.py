"""Shared browser helpers: Debian's Chromium driven by Python Playwright, loopback only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "build" / "screenshots"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def launch() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: the browser tests need it. Install it with "
                    "'apt-get install -y chromium' (scripts/check.sh does so when run as root).",
                    pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class GuardedContext:
    """A browser context that aborts, and records, every request not to loopback."""

    def __init__(self, browser: Browser, base: str, state: dict[str, object] | None = None,
                 accept_downloads: bool = False) -> None:
        self.external: list[str] = []
        self.context: BrowserContext = browser.new_context(
            base_url=base, storage_state=state, accept_downloads=accept_downloads,  # type: ignore[arg-type]
            viewport={"width": 1280, "height": 900}, locale="en-US")
        self.context.route("**/*", self._guard)

    def _guard(self, route: Route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def page(self) -> Page:
        return self.context.new_page()

    def close(self) -> None:
        self.context.close()
        assert self.external == [], f"requests to non-loopback hosts were attempted: {self.external}"


def log_in(page: Page, server: str, name: str, password: str) -> None:
    """Log in through the login form as ``name`` and wait for the home page."""
    page.goto("/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server}/")


def wait_for_charts(page: Page) -> None:
    """Wait until every chart of the page is drawn (or failed, which the caller checks)."""
    page.wait_for_function(
        "Array.from(document.querySelectorAll('[data-spec]'))"
        ".every(el => el.hasAttribute('data-rendered'))", timeout=15_000)


def axe_violations(page: Page, contrast: bool = True) -> list[dict[str, object]]:
    """Serious and critical WCAG 2.1 A/AA violations reported by axe-core.

    ``contrast=False`` leaves out the color-contrast rule, by far the slowest on large tables.
    """
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run scripts/setup.sh (npm ci).", pytrace=False)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol, so the page's CSP (no inline scripts) holds
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "(contrast) => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations'], "
        "rules: {'color-contrast': {enabled: contrast}}})", contrast)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
