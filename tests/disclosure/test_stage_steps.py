"""One stage-step definition: a released stage rate is the analyst funnel's pass rate.

The organization has roster openings whose selections skip the assessment and the
interview; the released funnel tables, like the analyst funnel, describe the regular
openings, with the funnel's steps (recommended over interviewed, …).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from parity.core import model
from parity.core.analytics.funnel import funnel_report
from parity.core.disclosure import publish, release_audience
from parity.core.disclosure.catalog import STAGE_STEPS
from parity.core.disclosure.checks import read_published_csv
from parity.core.ingest import ingest
from parity.core.store import Store

from .conftest import ANALYST, WriteRows, application_rows, opening_rows, staff_rows


def _roster_applications(n: int) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    openings = [{"opening_id": f"R{i:03d}", "entity": "DPPA", "grade": "P-3",
                 "job_family": "Political affairs", "posting_type": "recruit_from_roster",
                 "posted_date": f"{2020 + i % 3}-03-01", "closed_date": f"{2020 + i % 3}-04-30"}
                for i in range(n)]
    apps = []
    for o in openings:
        day = date.fromisoformat(str(o["posted_date"]))
        for k in range(30):  # everyone recommended from the roster, a third selected
            row: dict[str, object] = {
                "application_id": f"{o['opening_id']}-{k}", "opening_id": o["opening_id"],
                "applicant_id": f"RP{k:04d}", "nationality": ("KEN", "FRA", "IND")[k % 3],
                "gender": "FM"[k % 2], "received_date": (day + timedelta(days=3)).isoformat(),
                "screened_date": (day + timedelta(days=9)).isoformat(),
                "recommended_date": (day + timedelta(days=20)).isoformat()}
            if k % 3 == 0:
                row["selected_date"] = (day + timedelta(days=30)).isoformat()
            apps.append(row)
    return openings, apps


@pytest.fixture
def org_with_rosters(store: Store, write_rows: WriteRows) -> Store:
    openings = opening_rows(30, seed=2)
    apps = application_rows(openings, 60, seed=3)
    r_openings, r_apps = _roster_applications(6)
    paths = [write_rows("staff", staff_rows(300, seed=1)),
             write_rows("openings", [*openings, *r_openings]),
             write_rows("applications", [*apps, *r_apps])]
    assert ingest(paths, store).rows_quarantined == 0
    return store


def test_steps_are_the_funnels() -> None:
    assert [(nxt, prev) for prev, nxt in STAGE_STEPS] == list(model.STAGE_STEPS)
    assert ("interviewed", "recommended") in STAGE_STEPS


def test_released_rates_equal_the_funnels_pass_rates(org_with_rosters: Store,
                                                    tmp_path: Path) -> None:
    store = org_with_rosters
    publish(store, release_audience("public"), ANALYST, tmp_path / "rel")
    manifest = json.loads((tmp_path / "rel" / "manifest.json").read_text(encoding="utf-8"))
    meta = next(m for m in manifest["tables"] if m["name"] == "funnel_by_regional_group")
    table = read_published_csv(tmp_path / "rel" / meta["file"], meta)
    professional = "category=" + ",".join(sorted(model.PROFESSIONAL_AND_HIGHER))
    by_group = funnel_report(store, ["year", "regional_group"], where=[professional]).stages
    overall = funnel_report(store, ["year"], where=[professional]).stages
    analyst: dict[tuple[str, str, str], float] = {}
    for r in by_group.iter_rows(named=True):
        analyst[(str(r["year"]), str(r["regional_group"]), r["stage"])] = r["pass_rate"]
    for r in overall.iter_rows(named=True):
        analyst[(str(r["year"]), "All", r["stage"])] = r["pass_rate"]
    compared = 0
    for row in table.iter_rows(named=True):
        for prev, nxt in STAGE_STEPS:
            published = row[f"{nxt}_rate"]
            if published is None:
                continue
            # the same rate (published to 4 decimals), from the counts and from the funnel
            assert published == pytest.approx(row[nxt] / row[prev], abs=5.1e-5)
            assert published == pytest.approx(
                analyst[(str(row["year"]), str(row["regional_group"]), nxt)], abs=5.1e-5)
            compared += 1
    assert compared >= 20
    # the roster openings' applications are in neither (they would push recommended above
    # interviewed)
    assert all(row["recommended"] is None or row["interviewed"] is None
               or row["recommended"] <= row["interviewed"] for row in table.iter_rows(named=True))
