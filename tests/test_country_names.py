"""The UN's official country names in the six languages, in the core and on the dashboard."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from parity.core import reference
from parity.web.formatting import Formatter

SHARED = Path(__file__).resolve().parents[1] / "src/parity/core/reference/data"


def test_every_member_state_has_a_short_name_in_every_language() -> None:
    states = reference.member_states()["iso3"].to_list()
    assert len(states) == 193
    for iso3 in states:
        for lang in reference.UN_LANGUAGES:
            name = reference.country_name(iso3, lang)
            assert name, (iso3, lang)
            assert not name.endswith(("(the)", "(l')", "(le)", "(la)", "(les)", "(el)", "(los)"))


def test_english_names_equal_the_names_the_cli_uses() -> None:
    ms = reference.member_states()
    for iso3, un_name in zip(ms["iso3"], ms["un_name"], strict=True):
        assert reference.country_name(iso3, "en") == un_name


@pytest.mark.parametrize(("iso3", "lang", "name"), [
    ("COD", "en", "Democratic Republic of the Congo"),
    ("PRK", "en", "Democratic People's Republic of Korea"),
    ("LAO", "en", "Lao People's Democratic Republic"),
    ("MMR", "en", "Myanmar"),
    ("VCT", "en", "Saint Vincent and the Grenadines"),
    ("GMB", "en", "Gambia"),
    ("BOL", "en", "Bolivia (Plurinational State of)"),
    ("AFG", "fr", "Afghanistan"),
    ("COD", "fr", "République démocratique du Congo"),
    ("AFG", "es", "Afganistán"),
    ("CHN", "zh_Hans", "中国"),
])
def test_known_names(iso3: str, lang: str, name: str) -> None:
    assert reference.country_name(iso3, lang) == name


def test_names_are_read_from_the_packaged_file() -> None:
    with (SHARED / "un_country_names_6lang.csv").open(encoding="utf-8") as fh:
        rows = {r["iso3"]: r for r in csv.DictReader(fh)}
    assert reference.country_name("RUS", "ru") == rows["RUS"]["short_ru"]
    assert reference.country_name("EGY", "ar") == rows["EGY"]["short_ar"]
    assert reference.country_name("FRA", "en", formal=True) == rows["FRA"]["formal_en"]


@pytest.mark.parametrize(("lang", "cldr"), [
    ("en", "Congo - Kinshasa"), ("en", "North Korea"), ("en", "Laos"),
    ("en", "Myanmar (Burma)"), ("en", "St. Vincent & Grenadines"),
])
def test_the_dashboard_never_shows_cldr_names_for_member_states(lang: str, cldr: str) -> None:
    fmt = Formatter(lang)
    shown = {fmt.country(c) for c in reference.member_states()["iso3"].to_list()}
    assert cldr not in shown


def test_the_dashboard_uses_un_names_in_every_language() -> None:
    for lang in reference.UN_LANGUAGES:
        fmt = Formatter(lang)
        assert fmt.country("COD") == reference.country_name("COD", lang)
    # A place that is not a Member State keeps a name (CLDR's), never a bare code.
    assert Formatter("en").country("PSE") not in ("PSE", "")
