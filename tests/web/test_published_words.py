"""Released tables in words: every table id, dimension value and reference a release can
carry has a label, translated in the five other languages."""

from __future__ import annotations

import re

import pytest

from parity.core import model
from parity.core.dimensions.levels import BROAD_BANDS, PARITY_BANDS
from parity.core.disclosure import selfid
from parity.web import i18n
from parity.web.formatting import Formatter
from parity.web.views.published_labels import (
    DIMENSIONS,
    SELF_ID_DIMENSIONS,
    TABLE_TITLES,
    TITLES,
    dim_label,
    dim_value,
    reference_label,
)

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
OTHERS = [lang for lang in i18n.LANGUAGES if lang != "en"]
#: Words spelt the same in English and in another language.
SAME_WORD = {("es", "No"), ("fr", "Entity")}


def _self_id_specs() -> list[tuple[str, str]]:
    return [(selfid.publication_spec(dim, by).name, selfid.publication_spec(dim, by).title)
            for dim in model.SELF_ID_CODES for by in ("broad_band", "regional_group")]


def test_every_self_identification_table_has_a_title() -> None:
    for name, manifest_title in _self_id_specs():
        assert name in TABLE_TITLES, name
        assert TITLES[manifest_title] == TABLE_TITLES[name]
        assert not SNAKE.search(TABLE_TITLES[name]), TABLE_TITLES[name]


@pytest.mark.parametrize("lang", OTHERS)
def test_released_words_are_translated(lang: str) -> None:
    fmt, en = Formatter(lang), Formatter("en")
    values = [("broad_band", v) for v in BROAD_BANDS if not re.fullmatch(r"[A-Z]+", v)]
    values += [("parity_band", v) for v in PARITY_BANDS if " " in v]
    values += [(dim, v) for dim, codes in model.SELF_ID_CODES.items() for v in codes]
    values += [(dim, selfid.NOT_STATED) for dim in model.SELF_ID_CODES]
    for dim, value in values:
        shown = dim_value(fmt, dim, value)
        english = dim_value(en, dim, value)
        assert shown != english or (lang, english) in SAME_WORD, (lang, dim, value)
        assert not SNAKE.search(shown), (lang, dim, value)
    for dim in [*DIMENSIONS, *SELF_ID_DIMENSIONS, *model.SELF_ID_CODES]:
        english = dim_label(en, dim)
        assert dim_label(fmt, dim) != english or (lang, english) in SAME_WORD, (lang, dim)
    for title in TABLE_TITLES.values():
        assert fmt._(title) != title, (lang, title)
    ref = reference_label(fmt, "staff on the snapshot of 2024-12-31")
    assert "2024-12-31" not in ref and ref != reference_label(en, "staff on the snapshot of 2024-12-31")
    assert fmt.date("2024-12-31") in ref
    # the references parity.core.disclosure writes, each in words of the page's language
    for reference in ("staff in posts subject to geographical distribution on 2024-12-31",
                      "openings of Professional and higher grades posted 2015–2024",
                      "no staff snapshot"):
        shown = reference_label(fmt, reference)
        assert shown != reference and "2024-12-31" not in shown, (lang, reference)
