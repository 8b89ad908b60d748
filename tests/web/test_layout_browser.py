"""Charts fit: every view, in every language, on a desktop (1366 px) and a phone (390 px).

The check reads the boxes of the text items Vega drew in each chart's SVG (axis labels and
titles, legend entries, panel headers), as the browser laid them out, and fails when two
overlap, when one sticks out of its chart or the page, when two labels of one axis read the
same (a name cut so that the category is lost), or when a chart is taller than a screen
can show with its axis in reach.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from parity.web import i18n
from parity.web.views import registry

from .browser import GuardedContext, launch, log_in, wait_for_charts
from .conftest import PASSWORD, ROLE_USER

WIDTHS = (1366, 390)
#: The tallest chart accepted, in CSS pixels (a long list of States is split by group).
MAX_HEIGHT = 3000
#: A text box includes the font's line gap above and below the glyphs; this share of its
#: height is left out at the top and at the bottom before two boxes are compared.
LEADING = 0.15

#: For each chart: its size and every problem found, as plain objects.
LAYOUT_JS = """(leading) => {
  const out = [];
  const pageWidth = document.documentElement.clientWidth;
  document.querySelectorAll("[data-spec]").forEach((el) => {
    const svg = el.querySelector("svg");
    if (!svg) { out.push({chart: el.id, problem: "not drawn"}); return; }
    const box = svg.getBoundingClientRect();
    const host = el.getBoundingClientRect();
    const items = [];
    svg.querySelectorAll("text").forEach((t) => {
      const text = (t.textContent || "").trim();
      const style = getComputedStyle(t);
      if (!text || style.opacity === "0" || style.visibility === "hidden") return;
      const r = t.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return;
      const pad = r.height * leading;
      items.push({text, l: r.left, r: r.right, t: r.top + pad, b: r.bottom - pad});
    });
    for (const a of items) {
      if (a.l < box.left - 0.5 || a.r > box.right + 0.5 || a.t < box.top - 0.5
          || a.b > box.bottom + 0.5)
        out.push({chart: el.id, problem: "cut by the chart's edge", text: a.text});
      if (a.l < -0.5 || a.r > pageWidth + 0.5)
        out.push({chart: el.id, problem: "outside the page", text: a.text});
    }
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const a = items[i], b = items[j];
        const w = Math.min(a.r, b.r) - Math.max(a.l, b.l);
        const h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
        if (w > 1 && h > 1)
          out.push({chart: el.id, problem: "overlap", text: a.text, other: b.text});
      }
    }
    svg.querySelectorAll("g.role-axis-label").forEach((axis) => {
      const seen = new Set();
      axis.querySelectorAll("text").forEach((t) => {
        const text = (t.textContent || "").trim();
        if (getComputedStyle(t).opacity === "0" || !text) return;
        if (seen.has(text)) out.push({chart: el.id, problem: "two labels read the same", text});
        seen.add(text);
      });
    });
    if (box.left < host.left - 0.5 || box.right > host.right + 0.5)
      out.push({chart: el.id, problem: "wider than its box", width: box.width});
    if (box.height > MAX_HEIGHT)
      out.push({chart: el.id, problem: "too tall", height: box.height});
    out.push({chart: el.id, texts: items.length});
  });
  return out;
}""".replace("MAX_HEIGHT", str(MAX_HEIGHT))


@pytest.fixture(scope="module")
def analyst_page(server: str) -> Iterator[Page]:
    """One browser and one page, logged in as an analyst (who sees every view)."""
    browser: Browser
    for browser in launch():
        ctx = GuardedContext(browser, server)
        page = ctx.page()
        log_in(page, server, ROLE_USER["analyst"], PASSWORD)
        yield page
        ctx.close()


def layout_problems(page: Page) -> tuple[list[dict[str, object]], int]:
    """The problems of every chart on the page, and how many text items were checked."""
    result = page.evaluate(LAYOUT_JS, LEADING)
    problems = [r for r in result if "problem" in r]
    return problems, sum(int(r.get("texts", 0)) for r in result)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_chart_text_overlaps_or_is_cut(analyst_page: Page, width: int) -> None:
    page = analyst_page
    page.set_viewport_size({"width": width, "height": 900})
    found: dict[str, list[dict[str, object]]] = {}
    checked = charts = 0
    for slug in registry():
        for lang in i18n.LANGUAGES:
            response = page.goto(f"/views/{slug}?lang={lang}", wait_until="domcontentloaded")
            assert response is not None and response.status == 200, (slug, lang)
            wait_for_charts(page)
            assert page.locator("[data-rendered=error]").count() == 0, (slug, lang)
            charts += page.locator("[data-spec]").count()
            problems, texts = layout_problems(page)
            checked += texts
            if problems:
                found[f"{slug} [{lang}, {width} px]"] = problems[:8]
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)[:4000]
    # the check saw the charts: every view but one or two draws at least one, with labels
    assert charts >= len(registry()) * len(i18n.LANGUAGES)
    assert checked > charts * 5


def test_the_check_finds_overlapping_and_cut_labels(analyst_page: Page) -> None:
    """The same check on a chart drawn too narrow for its labels reports them."""
    page = analyst_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/views/gender?lang=en", wait_until="domcontentloaded")
    wait_for_charts(page)
    assert layout_problems(page)[0] == []
    # squeeze the chart's box below its drawn width and stack two labels on each other
    page.evaluate("""() => {
      const el = document.querySelector('[data-spec]');
      el.style.width = '120px'; el.style.overflow = 'hidden';
      const labels = el.querySelectorAll('g.role-axis-label text');
      labels[1].setAttribute('transform', labels[0].getAttribute('transform'));
      labels[1].textContent = labels[0].textContent;
    }""")
    problems = {p["problem"] for p in layout_problems(page)[0]}
    assert {"overlap", "wider than its box", "two labels read the same"} <= problems


def test_long_lists_and_wide_ranges_are_split_or_scaled(analyst_page: Page) -> None:
    """The ranges view draws one chart per regional group; the published funnel's counts
    span orders of magnitude and are drawn on a log scale."""
    page = analyst_page
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/views/ranges?lang=en", wait_until="domcontentloaded")
    wait_for_charts(page)
    captions = page.locator("figure figcaption").all_inner_texts()
    assert sum(1 for t in captions if t.startswith("African States.")) == 1
    assert page.locator("[id^=chart-states-]").count() >= 3
    page.goto("/views/published?lang=en", wait_until="domcontentloaded")
    wait_for_charts(page)
    spec = json.loads(page.locator("script[id^=spec-table-]").first.text_content() or "{}")
    values = [r["value"] for r in spec["data"]["values"] if r["value"]]
    log = spec["layer"][0]["encoding"]["x"]["scale"].get("type") == "log"
    assert log == (max(values) / min(values) >= 50), values
    shown = page.locator("[data-spec] svg").first.inner_html()
    assert ("Count (logarithmic scale)" in shown) == log
