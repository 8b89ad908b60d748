"""Every word of the reports is in the six catalogs, with its placeholders kept."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from parity.web.i18n import LANGUAGES

SRC = Path(__file__).resolve().parents[2] / "src" / "parity"
LOCALES = SRC / "web" / "locales"
MODULES = [*sorted((SRC / "core" / "reports").glob("*.py")), *sorted((SRC / "reports").glob("*.py"))]
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def report_msgids() -> set[str]:
    """Strings marked N_("...") in the report builders and renderers."""
    found: set[str] = set()
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(str(node.args[0].value))
    return found


MSGIDS = report_msgids()


def test_the_reports_mark_their_words() -> None:
    assert len(MSGIDS) > 60
    assert "Staff selection decisions: monthly report" in MSGIDS


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_report_message_is_translated(lang: str) -> None:
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    translated = {m.id: str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(MSGIDS - set(translated))
    assert missing == [], f"{lang}: {len(missing)} untranslated, e.g. {missing[:3]}"
    for msgid in MSGIDS:
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(translated[msgid])), \
            (lang, msgid)
        if lang != "en" and len(msgid) > 12 and msgid not in ("q-value",):
            assert translated[msgid] != msgid, (lang, msgid)
