"""The six languages: complete catalogs, placeholders kept, right-to-left Arabic, Babel formats."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from parity.web import i18n
from parity.web.formatting import Formatter

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "src" / "parity" / "web" / "locales"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def extracted() -> set[str]:
    """Every msgid in the web package's code and templates, extracted as babel.cfg says."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = extract_from_dir(str(ROOT / "src" / "parity" / "web"), method_map=method_map,
                             options_map={"templates/**.html": {"trimmed": "true"}},
                             keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None})
    return {msg if isinstance(msg, str) else msg[0] for _f, _l, msg, _c, _x in found}


MSGIDS = extracted()


def test_extraction_finds_the_interface_text() -> None:
    assert len(MSGIDS) > 150
    assert {"Skip to main content", "African States", "Published figures"} <= MSGIDS


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalog_translates_every_message(lang: str) -> None:
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(MSGIDS - set(translated))
    assert missing == [], f"{lang}: {len(missing)} untranslated, e.g. {missing[:5]}"
    for msgid in MSGIDS:
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(str(translated[msgid]))), \
            f"{lang}: placeholders differ in {msgid!r}"


def test_template_is_current() -> None:
    with (LOCALES / "messages.pot").open("rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    assert template == MSGIDS, "run the extraction in docs/dashboard.md (pybabel extract)"


def test_direction_and_language_names() -> None:
    assert [i18n.direction(lang) for lang in i18n.LANGUAGES] == ["rtl", "ltr", "ltr", "ltr", "ltr", "ltr"]
    assert i18n.endonyms() == {"ar": "العربية", "zh": "中文", "en": "English", "fr": "Français",
                               "ru": "Русский", "es": "Español"}


def test_negotiation_order() -> None:
    assert i18n.negotiate("ru", "fr", "es") == "ru"
    assert i18n.negotiate("xx", "fr", "es") == "fr"
    assert i18n.negotiate(None, None, "de-DE, es;q=0.8, fr;q=0.9") == "fr"
    assert i18n.negotiate(None, None, "de") == "en"


def test_numbers_dates_and_countries_follow_the_language() -> None:
    values = {lang: Formatter(lang) for lang in i18n.LANGUAGES}
    assert values["en"].percent(0.34) == "34.0%"
    assert values["fr"].percent(0.34).replace("\u202f", " ").replace("\xa0", " ") == "34,0 %"
    assert values["es"].integer(1234567) == "1.234.567"
    assert values["ru"].integer(1234567).replace("\xa0", " ") == "1 234 567"
    assert values["fr"].date(date(2023, 12, 31)) == "31 déc. 2023"
    names = {lang: f.country("CIV") for lang, f in values.items()}
    # The UN's own names (UNTERM), not CLDR's: Arabic "كوت ديفوار", not "ساحل العاج".
    assert names["fr"] == "Côte d’Ivoire" and names["zh"] == "科特迪瓦" and names["ar"] == "كوت ديفوار"
    assert values["ru"].country("DEU") == "Германия" and values["es"].country("DEU") == "Alemania"
    assert values["ar"].group("AFR") == "الدول الأفريقية"


def test_every_member_state_has_a_name_in_every_language() -> None:
    from parity.core.reference import member_states

    codes = member_states()["iso3"].to_list()
    assert len(codes) == 193
    for lang in i18n.LANGUAGES:
        fmt = Formatter(lang)
        unnamed = [c for c in codes if fmt.country(c) == c]
        assert unnamed == [], f"{lang}: no name for {unnamed}"
