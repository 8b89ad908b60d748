"""Downloads from a page in another language: the XLSX speaks the page's language and keeps
the codes beside the words; the CSV keeps its contract (field names and codes)."""

from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient

from parity.web import i18n
from parity.web.formatting import Formatter

AsRole = Callable[[str], TestClient]
URL = "/views/overview/download/selections"


@pytest.mark.parametrize("lang", ["fr", "ar", "zh"])
def test_xlsx_headers_and_names_in_the_page_language(as_role: AsRole, lang: str) -> None:
    client = as_role("analyst")
    res = client.get(f"{URL}.xlsx", params={"lang": lang})
    assert res.status_code == 200, res.text
    sheet = openpyxl.load_workbook(io.BytesIO(res.content))["selections"]
    headers = [c.value for c in sheet[1]]
    fields = [c.value for c in sheet[2]]
    group = i18n.gettext(lang, "Regional group")
    code_header = i18n.gettext(lang, "%(column)s (code)") % {"column": group}
    assert fields[:2] == ["regional_group", "regional_group_name"]
    assert headers[:2] == [code_header, group]
    assert headers[fields.index("received")] == i18n.gettext(lang, "Applications")
    fmt = Formatter(lang)
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows and all(r[1] == fmt.group(r[0]) for r in rows)
    assert {r[0] for r in rows} >= {"AFR", "WEOG"}  # the codes stay
    # the figures are the twin's
    twin = client.get("/api/views/overview").json()
    table = next(t for t in twin["tables"] if t["name"] == "selections")
    assert [r[fields.index("received")] for r in rows] == [r["received"] for r in table["rows"]]


def test_csv_keeps_field_names_and_codes_in_every_language(as_role: AsRole) -> None:
    client = as_role("analyst")
    english = client.get(f"{URL}.csv", params={"lang": "en"}).text
    assert english.splitlines()[0].startswith("regional_group,")
    for lang in i18n.LANGUAGES:
        assert client.get(f"{URL}.csv", params={"lang": lang}).text == english, lang
