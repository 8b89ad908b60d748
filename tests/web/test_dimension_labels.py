"""The dashboard names dimensions as the registry does, in every language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from parity.core.dimensions import COMMANDS, DIMENSIONS, canonical
from parity.web import i18n
from parity.web.views import careers, composition, funnel, gender, published_labels, timelines

LOCALES = Path(i18n.__file__).parent / "locales"

#: Each view's breakdown labels and the command whose dimensions it offers.
OFFERED: list[tuple[str, dict[str, str]]] = [
    ("funnel", funnel.BREAKDOWNS),
    ("timelines", timelines.BREAKDOWNS),
    ("careers", careers.BREAKDOWNS),
    ("composition", {k: v[0] for k, v in composition.BREAKDOWNS.items()}),
    ("gender", gender.BREAKDOWNS),
    ("release", published_labels.DIMENSIONS),
]


@pytest.mark.parametrize(("command", "labels"), OFFERED, ids=[c for c, _ in OFFERED])
def test_views_offer_registry_dimensions_under_their_label(command: str,
                                                            labels: dict[str, str]) -> None:
    for key, label in labels.items():
        name = canonical(key)
        if command == "release" and name == "category":  # a count table column, not a --by
            continue
        assert name in COMMANDS[command], (command, key)
        assert label == DIMENSIONS[name].label, (command, key)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_offered_labels_are_translated(lang: str) -> None:
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    offered = {DIMENSIONS[canonical(k)].label for _c, labels in OFFERED for k in labels
               if canonical(k) in DIMENSIONS}
    assert offered <= translated


def test_composition_by_entity_type_is_served(as_role: Callable[[str], TestClient]) -> None:
    """The dashboard's field/non-field breakdown is the registry's entity_type, counted by
    the one rule, with its values named in the reader's language."""
    client = as_role("analyst")
    data = client.get("/api/views/composition?by=entity_type").json()
    rows = data["tables"][0]["rows"]
    assert {r["entity_type"] for r in rows} <= {"field", "non-field", "unknown"}
    assert sum(r["staff"] for r in rows) == sum(
        r["staff"] for r in client.get("/api/views/composition?by=gender").json()["tables"][0][
            "rows"])
    page = client.get("/views/composition?by=entity_type", cookies={"parity_lang": "fr"})
    assert page.status_code == 200 and "par entité de terrain ou hors terrain" in page.text
