"""Words a reader sees: the UN's official country names (not CLDR's) in the six languages,
page titles in the page's language, and timestamps written out by Babel."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from babel import Locale
from fastapi.testclient import TestClient

from parity.core import reference
from parity.web import i18n

AsRole = Callable[[str], TestClient]


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match, "the page has no title"
    return html.unescape(match.group(1)).strip()


def test_member_states_carry_their_un_names_in_every_language(as_role: AsRole) -> None:
    client = as_role("analyst")
    states = client.get("/api/views/ranges").json()
    iso3s = next(t for t in states["tables"] if t["name"] == "states")
    codes = [r["iso3"] for r in iso3s["rows"]]
    assert len(codes) >= 20
    iso2 = dict(zip(reference.member_states()["iso3"].to_list(),
                    reference.member_states()["iso2"].to_list(), strict=True))
    differing = 0
    for lang in i18n.LANGUAGES:
        page = html.unescape(client.get(f"/views/ranges?lang={lang}").text)
        territories = Locale.parse(lang).territories
        for code in codes:
            official = reference.country_name(code, lang)
            assert official and official in page, (lang, code, official)
            cldr = territories.get(iso2[code])
            if cldr and cldr != official and cldr not in official:
                differing += 1
                # the CLDR name may be a word of another State's name; as a whole cell it
                # must not appear
                assert f">{cldr}<" not in page.replace("\n", ""), (lang, code, cldr)
    assert differing > 0  # the check met names where CLDR and the UN differ


def test_cldr_names_the_issue_found_are_not_shown() -> None:
    from parity.web.formatting import Formatter

    en = Formatter("en")
    assert en.country("COD") == "Democratic Republic of the Congo"
    assert en.country("PRK") == "Democratic People's Republic of Korea"
    assert en.country("LAO") == "Lao People's Democratic Republic"
    assert en.country("MMR") == "Myanmar"
    assert en.country("VCT") == "Saint Vincent and the Grenadines"
    for lang in i18n.LANGUAGES:
        fmt = Formatter(lang)
        for code in ("COD", "PRK", "LAO", "MMR", "VCT", "TUR", "CIV"):
            assert fmt.country(code) == reference.country_name(code, lang)


def test_page_titles_are_in_the_page_language(as_role: AsRole) -> None:
    client = as_role("analyst")
    assert _title(client.get("/?lang=en").text) == "Home · Parity"
    assert _title(client.get("/?lang=ar").text) == "الصفحة الرئيسية · Parity"
    assert _title(client.get("/?lang=fr").text) == "Accueil · Parity"
    for lang in i18n.LANGUAGES:
        expected = i18n.gettext(lang, "Workforce composition")
        assert _title(client.get(f"/views/composition?lang={lang}").text) == f"{expected} · Parity"
        assert lang == "en" or expected != "Workforce composition"
    forbidden = client.get("/admin/users?lang=fr")
    assert forbidden.status_code == 403
    title = _title(forbidden.text)
    assert title != "· Parity" and title.endswith(" · Parity") and len(title) > len(" · Parity")


def test_release_timestamps_are_written_out_in_the_page_language(as_role: AsRole) -> None:
    client = as_role("analyst")
    iso = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
    for lang in i18n.LANGUAGES:
        page = client.get(f"/views/published?lang={lang}").text
        table = page[page.index('id="table-release"'):]
        table = table[:table.index("</table>")]
        assert not iso.search(table), (lang, iso.search(table))
        assert "UTC" in table
