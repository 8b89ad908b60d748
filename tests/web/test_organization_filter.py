"""The dashboard's organization filter: every view that counts staff or recruitment takes
it, offers the store's organizations, and answers as the core does for that organization.

A real store of a synthetic system of three organizations, served in process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from parity.core.analytics.careers import careers
from parity.core.analytics.composition import composition
from parity.core.analytics.funnel import funnel
from parity.core.analytics.gender import gender_parity
from parity.core.analytics.timelines import timelines
from parity.core.ingest import ingest
from parity.core.store import open_store
from parity.core.synth import synthesize
from parity.web import users
from parity.web.app import create_app
from parity.web.config import WebSettings

from .conftest import PASSWORD, login

ORGS = ["UN", "UNICEF", "WHO"]


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    folder = tmp_path_factory.mktemp("orgweb")
    synthesize(folder / "data", scale=0.006, seed=11, organizations=3)
    db = folder / "parity.duckdb"
    with open_store(db) as store:
        assert ingest(sorted((folder / "data").glob("*.csv")), store).rows_quarantined == 0
        users.add_user(store, "orgs-analyst", "analyst", PASSWORD)
    with TestClient(create_app(WebSettings(db=db)), raise_server_exceptions=False) as client:
        assert login(client, "orgs-analyst").status_code == 303
        yield client, db


def _rows(client: TestClient, slug: str, query: str, table: int = 0) -> list[dict[str, object]]:
    res = client.get(f"/api/views/{slug}?{query}")
    assert res.status_code == 200, res.text
    rows: list[dict[str, object]] = res.json()["tables"][table]["rows"]
    return rows


def test_the_filter_is_offered_with_the_stores_organizations(
        system: tuple[TestClient, Path]) -> None:
    client, _ = system
    page = client.get("/views/composition", cookies={"parity_lang": "fr"})
    assert page.status_code == 200
    assert 'name="organization"' in page.text and "Toutes les organisations" in page.text
    for org in ORGS:
        assert f'value="{org}"' in page.text
    bad = client.get("/api/views/composition?organization=XYZ")
    assert bad.status_code == 400 and "XYZ" in bad.text


def test_composition_view(system: tuple[TestClient, Path]) -> None:
    client, db = system
    rows = _rows(client, "composition", "by=gender&organization=WHO")
    with open_store(db, read_only=True) as store:
        core = composition(store, ["gender"], where=["organization=WHO"])
        assert sum(int(str(r["staff"])) for r in rows) == core["staff"].sum()
        everyone = composition(store, ["gender"])["staff"].sum()
    assert sum(int(str(r["staff"])) for r in _rows(client, "composition", "by=gender")) == \
        everyone > core["staff"].sum()


def test_gender_view(system: tuple[TestClient, Path]) -> None:
    client, db = system
    rows = _rows(client, "gender", "by=level&organization=UNICEF")
    with open_store(db, read_only=True) as store:
        core = gender_parity(store, by="level", where=["organization=UNICEF"]).table
    assert [r["staff"] for r in rows] == core["staff"].to_list()


def test_funnel_view(system: tuple[TestClient, Path]) -> None:
    client, db = system
    rows = _rows(client, "funnel", "by=gender&organization=UN&year_from=2018&year_to=2022")
    with open_store(db, read_only=True) as store:
        core = funnel(store, ["gender"], year_from=2018, year_to=2022,
                      where=["organization=UN"])
    received = sum(int(str(r["count"])) for r in rows if r["stage"] == "received")
    assert received == core.filter(core["stage"] == "received")["count"].sum() > 0


def test_timelines_view(system: tuple[TestClient, Path]) -> None:
    client, db = system
    rows = _rows(client, "timelines", "by=entity_type&organization=WHO&year_from=2018&year_to=2022")
    with open_store(db, read_only=True) as store:
        core = timelines(store, ["entity_type"], year_from=2018, year_to=2022,
                         where=["organization=WHO"])
    assert sorted(int(str(r["openings"])) for r in rows) == sorted(core["openings"].to_list())


def test_careers_view(system: tuple[TestClient, Path]) -> None:
    client, db = system
    rows = _rows(client, "careers", "flow=separation&by=gender&organization=UNICEF")
    with open_store(db, read_only=True) as store:
        core = careers(store, "separation", ["gender"], where=["organization=UNICEF"])
    assert sum(int(str(r["count"])) for r in rows) == core["count"].sum() > 0
