"""HTTP tests of the projections view (shipped scenarios against the baseline)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from parity.core.projection import shipped_scenarios
from parity.web.views import projections, registry

AsRole = Callable[[str], TestClient]


@pytest.mark.parametrize("role", ["public", "member_state", "manager", "admin"])
def test_other_roles_get_403_without_data(as_role: AsRole, role: str) -> None:
    client = as_role(role)
    res = client.get("/api/views/projections?scenario=hiring_freeze")
    assert res.status_code == 403 and "rows" not in res.text
    assert client.get("/views/projections").status_code == 403
    assert client.get("/views/projections/download/levels.csv").status_code == 403


def test_scenarios_are_the_shipped_ones_baseline_first(as_role: AsRole) -> None:
    assert registry()["projections"].roles == frozenset({"analyst"})
    client = as_role("analyst")
    listed = {v["slug"]: v for v in client.get("/api/views").json()["views"]}
    (param,) = listed["projections"]["parameters"]
    values = [v["value"] for v in param["values"]]
    assert param["name"] == "scenario" and param["default"] == "baseline"
    assert values[0] == "baseline" and set(values) == set(shipped_scenarios())


def test_baseline_twin_levels_targets_and_comparison(as_role: AsRole) -> None:
    client = as_role("analyst")
    twin = client.get("/api/views/projections").json()
    assert twin["params"] == {"scenario": "baseline"}
    assert [t["name"] for t in twin["tables"]] == ["levels", "targets", "comparison"]
    assert [c["table"] for c in twin["charts"]] == ["levels", "targets", "comparison"]
    levels, targets, comparison = (t["rows"] for t in twin["tables"])
    assert {"women_share", "women_share_p05", "women_share_p95", "p_in_band"} <= set(levels[0])
    assert {r["level"] for r in targets} >= {"P-3", "P-4", "All levels"}
    assert {"first_likely_year", "median_first_year"} <= set(targets[0])
    for r in levels:
        if r["women_share"] is not None:
            assert r["women_share_p05"] <= r["women_share"] <= r["women_share_p95"]
    assert all(r["difference"] in (0, None) for r in comparison)  # the baseline against itself
    assert "200 simulation runs" in twin["summary"][0]


def test_a_scenario_changes_the_projection_and_downloads_read_back(as_role: AsRole) -> None:
    client = as_role("analyst")
    base = client.get("/api/views/projections").json()
    twin = client.get("/api/views/projections?scenario=gender_balanced_senior").json()
    assert twin["params"] == {"scenario": "gender_balanced_senior"}
    assert twin["summary"] != base["summary"]
    assert twin["tables"][0]["rows"] != base["tables"][0]["rows"]
    comparison = twin["tables"][2]["rows"]
    assert any(r["difference"] not in (0, None) for r in comparison)
    baseline_shares = {r["level"]: r["share_at_target"] for r in base["tables"][1]["rows"]}
    assert {r["level"]: r["share_at_target_baseline"] for r in comparison} == baseline_shares
    res = client.get("/views/projections/download/comparison.csv?scenario=gender_balanced_senior")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert [r["level"] for r in rows] == [r["level"] for r in comparison]
    page = client.get("/views/projections?scenario=gender_balanced_senior&lang=ar")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    bad = client.get("/api/views/projections?scenario=utopia")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_input"


def test_page_runs_stay_modest() -> None:
    assert projections.RUNS <= 200 and projections.YEARS <= 10
