"""One dimension registry: the same names mean the same thing in every command.

A tiny store holds an entity (UNMIK) whose staff were all in the field on the first two
snapshots and none on the last: by the one rule (latest snapshot, at least half) it is a
non-field entity, while a majority over all snapshots would call it field. Every command
must class it alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from parity.core import model
from parity.core.analytics.careers import careers_counts
from parity.core.analytics.composition import composition, composition_trend
from parity.core.analytics.funnel import funnel_report
from parity.core.analytics.gender import gender_parity
from parity.core.analytics.timelines import timelines_report
from parity.core.backend import Backend
from parity.core.dimensions import (
    COMMANDS,
    DIMENSIONS,
    LEVEL_ORDER,
    canonical,
    entity_types,
    resolve,
)
from parity.core.dimensions.levels import PARITY_BAND_OF
from parity.core.errors import UserInputError
from parity.core.ingest import ingest
from parity.core.store import Store, open_store

WriteRows = Callable[[str, Sequence[dict[str, object]]], Path]

ROOT = Path(__file__).resolve().parents[1]
SNAPS = ("2020-12-31", "2021-12-31", "2022-12-31")


def _person(pid: str, snap: str, entity: str, field: bool, grade: str = "P-3",
            gender: str = "F") -> dict[str, object]:
    return {"snapshot_date": snap, "person_id": pid, "nationality": "KEN", "gender": gender,
            "birth_year": 1980, "category": model.CATEGORY_OF_GRADE[grade], "grade": grade,
            "entity": entity, "duty_station": "Pristina" if field else "New York",
            "field": field, "appointment_type": "fixed-term", "geo_subject": True}


def _staff() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i, snap in enumerate(SNAPS):
        in_field = i < 2  # UNMIK: field on 2020 and 2021, non-field on 2022
        unmik = ["P1", "P2", "P3"] if i < 2 else ["P1", "P2"]
        rows += [_person(p, snap, "UNMIK", in_field, gender="FM"[k % 2])
                 for k, p in enumerate(unmik)]
        rows.append(_person("P4", snap, "DPPA" if i == 0 else "UNMIK", i == 1, "P-4", "M"))
        rows += [_person(p, snap, "DPPA", False, "P-2", g) for p, g in (("D1", "F"), ("D2", "M"))]
        rows += [_person(p, snap, "MONUSCO", True, "P-5", g) for p, g in (("M1", "F"), ("M2", "M"))]
    return rows


def _applications() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    openings = [{"opening_id": f"O-{e}", "entity": e, "grade": "P-3", "job_family": "Political",
                 "posting_type": "position_specific", "posted_date": "2021-02-01",
                 "closed_date": "2021-03-01"} for e in ("UNMIK", "DPPA", "MONUSCO")]
    apps: list[dict[str, object]] = []
    for o in openings:
        for k in range(6):
            reached = {"received_date": "2021-03-02"}
            if k < 4:
                reached["screened_date"] = "2021-03-10"
            if k < 3:
                reached |= {"assessed_date": "2021-04-01", "interviewed_date": "2021-05-01"}
            if k < 2:
                reached["recommended_date"] = "2021-05-10"
            if k < 1:
                reached["selected_date"] = "2021-06-01"
            apps.append({"application_id": f"{o['opening_id']}-{k}",
                         "opening_id": o["opening_id"], "applicant_id": f"A{k}",
                         "nationality": "FRA", "gender": "FM"[k % 2], "internal": False,
                         **reached})
    return openings, apps


@pytest.fixture
def tiny(tmp_path: Path, write_rows: WriteRows) -> Iterator[Store]:
    openings, apps = _applications()
    events = [{"person_id": "P4", "event_date": "2021-06-30", "event": "reassignment",
               "from_entity": "DPPA", "to_entity": "UNMIK"}]
    files = [write_rows("staff", _staff()), write_rows("openings", openings),
             write_rows("applications", apps), write_rows("events", events)]
    store = open_store(tmp_path / "parity.duckdb")
    assert ingest(files, store).rows_quarantined == 0
    yield store
    store.close()


# ------------------------------------------------------------------------- registry

def test_one_level_order_everywhere() -> None:
    from parity.core.disclosure import catalog
    from parity.core.params import gender as gender_params
    from parity.core.projection import structure

    assert LEVEL_ORDER == ("ASG/USG", "D-1/D-2", "P-5", "P-4", "P-3", "P-1/P-2", "FS", "NO",
                           "GS")
    assert gender_params.LEVELS is LEVEL_ORDER
    assert structure.LEVEL_ORDER is LEVEL_ORDER
    for spec in (catalog.COMPOSITION, catalog.NATIONALITY_DETAIL, catalog.ENTITY_DETAIL):
        assert dict(spec.domains)["level_band"] is LEVEL_ORDER
    # the published parity table groups the senior bands, in the same order
    parity_bands = dict(catalog.GENDER_PARITY.domains)["parity_band"]
    assert parity_bands == tuple(dict.fromkeys(PARITY_BAND_OF[b] for b in LEVEL_ORDER))
    # no other module spells the order out
    text = "\"D-1/D-2\", \"P-5\", \"P-4\""
    spelled = [str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.py")
               if text in p.read_text(encoding="utf-8")]
    assert spelled == []


def test_aliases_mean_one_dimension_in_every_command() -> None:
    assert canonical("field") == "entity_type" and canonical("Level") == "level_band"
    for command, names in COMMANDS.items():
        for name in names:
            assert resolve([name], command) == [name]
            for alias in DIMENSIONS[name].aliases:
                assert resolve([alias], command) == [name]


def test_invalid_dimension_lists_the_valid_ones() -> None:
    with pytest.raises(UserInputError) as info:
        resolve(["duty_station"], "careers")
    text = str(info.value)
    assert "not a dimension career flows can be broken down by" in text
    assert "composition" in text  # where duty_station is accepted
    assert ", ".join(COMMANDS["careers"]) in text
    with pytest.raises(UserInputError, match="not a dimension the funnel"):
        funnel_report(Backend(con=None), ["appointment_type"])  # refused before any query


# ------------------------------------------------------------------------- one rule

def test_entity_that_changed_status_is_classed_alike(tiny: Store) -> None:
    backend = Backend.from_store(tiny)
    staff = tiny.frame("SELECT entity, field FROM main.staff")
    pooled = staff.group_by("entity").agg(pl.col("field").mean() >= 0.5)
    assert pooled.filter(pl.col("entity") == "UNMIK")["field"].item()  # majority: field
    types = entity_types(backend)
    assert types == {"UNMIK": "non-field", "DPPA": "non-field", "MONUSCO": "field"}

    # funnel: applications to UNMIK's opening count as non-field
    stages = funnel_report(tiny, ["field"]).stages
    received = stages.filter(pl.col("stage") == "received")
    assert dict(zip(received["entity_type"], received["count"], strict=True)) == {
        "field": 6, "non-field": 12}
    # timelines: the same openings, the same classes
    tl = timelines_report(tiny, ["field"]).timelines
    assert set(tl["entity_type"]) == {"all", "field", "non-field"}

    # composition: UNMIK's staff are non-field on every snapshot, also when they were in
    # the field
    trend = composition_trend(tiny, ["entity", "field"])
    assert set(trend.filter(pl.col("entity") == "UNMIK")["entity_type"]) == {"non-field"}
    first = composition(tiny, ["field"], as_of=date(2020, 12, 31))
    assert dict(zip(first["entity_type"], first["staff"], strict=True)) == {
        "field": 2, "non-field": 6}

    # careers: staff-years of UNMIK are non-field, and P4's move DPPA → UNMIK is no
    # field change (both non-field)
    flows = careers_counts(tiny, "reassignment", ["entity", "field"])
    assert set(flows.filter(pl.col("entity") == "UNMIK")["entity_type"]) == {"non-field"}
    moves = flows.group_by("outcome").agg(pl.col("count").sum())
    counts = dict(zip(moves["outcome"], moves["count"], strict=True))
    assert counts["any"] == 1 and counts["field_change"] == 0

    # the roster flow classes the opening's entity by the same rule
    roster = careers_counts(tiny, "roster", ["field"]).filter(pl.col("outcome") == "membership")
    assert dict(zip(roster["entity_type"], roster["total"], strict=True)) == {
        "field": 6, "non-field": 12}

    # gender parity by field: the same classes
    table = gender_parity(tiny, by="field").table
    assert set(table["entity_type"]) == {"field", "non-field", "Total"}
    non_field = table.filter(pl.col("entity_type") == "non-field").row(0, named=True)
    assert non_field["staff"] == 5  # UNMIK 3 + DPPA 2 on the latest snapshot


def test_level_alias_and_order_in_every_staff_command(tiny: Store) -> None:
    comp = composition(tiny, ["level"])
    assert comp.columns[1] == "level_band"
    assert comp["level_band"].to_list() == [b for b in LEVEL_ORDER if b in set(comp["level_band"])]
    flows = careers_counts(tiny, "separation", ["band"])
    assert "level_band" in flows.columns
    parity = gender_parity(tiny, by="level_band").table
    bands = [b for b in parity["level_band"].to_list() if b != "Total"]
    assert bands == [b for b in LEVEL_ORDER if b in bands]


# ------------------------------------------------------------------------- CLI

def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "parity.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_cli_dimensions_and_the_same_names(tiny: Store) -> None:
    res = _cli("dimensions", "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = {r["dimension"]: r for r in json.loads(res.stdout)["sections"]["dimensions"]}
    assert set(rows) == set(DIMENSIONS)
    assert rows["entity_type"]["other_names"] == "field"
    assert "composition" in rows["entity_type"]["commands"]
    assert "careers" in rows["appointment_type"]["commands"]

    db = str(tiny.path)
    tiny.close()  # the commands open the store themselves
    res = _cli("composition", "--by", "field", "--format", "csv", "--db", db)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0].startswith("snapshot_date,entity_type,staff")
    res = _cli("funnel", "--by", "field", "--format", "json", "--db", db)
    assert res.returncode == 0, res.stderr
    assert {r["entity_type"] for r in json.loads(res.stdout)["sections"]["stages"]} == {"field", "non-field"}
    res = _cli("careers", "--flow", "promotion", "--by", "duty_station", "--db", db)
    assert res.returncode == 2
    text = " ".join(res.stderr.split())
    assert "not a dimension career flows can be broken down by" in text
    assert "appointment_type" in text and "Traceback" not in text
