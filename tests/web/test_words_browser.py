"""Every visible word in the page's language: each view (and each released table and
breakdown) in each language, as Chromium shows it.

Fails on a snake_case token in visible text (a code shown as a word: table ids, dimension
or value codes) and, on a non-English page, on any English text of the catalog left
untranslated. Visible text is the page's title, its body text, every option of its
choosers and the text drawn in its charts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page

from parity.web import i18n
from parity.web.views import registry

from .browser import GuardedContext, launch, log_in, wait_for_charts
from .conftest import PASSWORD, ROLE_USER

LOCALES = Path(i18n.__file__).parent / "locales"
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")
#: Only English phrases of two words or more and this many characters are looked for (a
#: single word such as "Total" or a code such as "P-4" may well be the same in French).
MIN_PHRASE = 12

VISIBLE_TEXT = """() => [document.title, document.body.innerText,
  ...Array.from(document.querySelectorAll('select option')).map(o => o.textContent),
  ...Array.from(document.querySelectorAll('[data-spec] svg text')).map(t => t.textContent)
].join('\\n')"""


@lru_cache(maxsize=8)
def english_phrases(lang: str) -> frozenset[str]:
    """The English text of every catalog message translated differently in ``lang``, cut at
    its placeholders into phrases."""
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    out: set[str] = set()
    for m in catalog:
        if not m.id or not m.string or m.string == m.id or not isinstance(m.id, str):
            continue
        for piece in PLACEHOLDER.split(m.id):
            piece = piece.strip(" .,:;()–-·")
            if len(piece) >= MIN_PHRASE and " " in piece and piece not in str(m.string):
                out.add(piece)
    return frozenset(out)


@pytest.fixture(scope="module")
def analyst_page(server: str) -> Iterator[Page]:
    for browser in launch():
        ctx = GuardedContext(browser, server)
        page = ctx.page()
        log_in(page, server, ROLE_USER["analyst"], PASSWORD)
        yield page
        ctx.close()


def _urls(page: Page) -> list[str]:
    """Home, every view, every released table and every composition breakdown."""
    urls = ["/", *[f"/views/{slug}" for slug in registry()]]
    for slug, param in (("published", "table"), ("composition", "by")):
        page.goto(f"/views/{slug}?lang=en", wait_until="domcontentloaded")
        values = page.eval_on_selector_all(f"#f-{param} option", "os => os.map(o => o.value)")
        urls += [f"/views/{slug}?{param}={v}" for v in values if v]
    return urls


def words_problems(page: Page, lang: str) -> dict[str, list[str]]:
    text = page.evaluate(VISIBLE_TEXT)
    found: dict[str, list[str]] = {}
    snakes = sorted(set(SNAKE.findall(text)))
    if snakes:
        found["snake_case"] = snakes[:10]
    if lang != "en":
        left = sorted(p for p in english_phrases(lang) if p in text)
        if left:
            found["English"] = left[:10]
    return found


def test_every_visible_word_is_in_the_page_language(analyst_page: Page) -> None:
    page = analyst_page
    page.set_viewport_size({"width": 1366, "height": 900})
    urls = _urls(page)
    assert len(urls) > len(registry()) + 4
    report: dict[str, dict[str, list[str]]] = {}
    for url in urls:
        for lang in i18n.LANGUAGES:
            sep = "&" if "?" in url else "?"
            response = page.goto(f"{url}{sep}lang={lang}", wait_until="domcontentloaded")
            assert response is not None and response.status == 200, (url, lang)
            wait_for_charts(page)
            problems = words_problems(page, lang)
            if problems:
                report[f"{url} [{lang}]"] = problems
    assert report == {}, json.dumps(report, indent=1, ensure_ascii=False)[:4000]


def test_the_check_finds_codes_and_english_left_on_a_page(analyst_page: Page) -> None:
    page = analyst_page
    page.goto("/views/composition?lang=fr", wait_until="domcontentloaded")
    wait_for_charts(page)
    assert words_problems(page, "fr") == {}
    page.evaluate("""() => { const p = document.createElement('p');
      p.textContent = 'self_identification_disability_by_broad_band; Share of staff';
      document.querySelector('main').appendChild(p); }""")
    found = words_problems(page, "fr")
    assert found["snake_case"] == ["self_identification_disability_by_broad_band"]
    assert "Share of staff" in found["English"]
