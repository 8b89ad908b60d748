"""HTTP tests of the self-service pages: home headline figures, the Member State page and
the scenario editor, each checked against an independent computation or the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from fastapi.testclient import TestClient

from parity.core.errors import UserInputError
from parity.core.store import open_store

from .conftest import ROOT, WebData, csrf_of
from .test_http import assert_error
from .test_views_explore import rows_of

AsRole = Callable[[str], TestClient]

# ---------------------------------------------------------------------------- home

def test_home_headlines_equal_a_plain_recount(as_role: AsRole, web_data: WebData) -> None:
    from parity.core.analytics.ranges import desirable_ranges

    client = as_role("analyst")
    res = client.get("/api/home")
    assert res.status_code == 200, res.text
    figures = {h["figure"]: h for h in res.json()["headlines"]}
    assert list(figures) == ["staff", "women_share_professional",
                             "selections_under_represented"]
    con = duckdb.connect(str(web_data.db), read_only=True)
    try:
        staff = con.sql("SELECT s.snapshot_date, s.gender::VARCHAR AS gender, "
                        "g.professional_and_higher AS pro FROM staff s "
                        "LEFT JOIN ref_grades g ON s.grade::VARCHAR = g.grade").pl()
        apps = con.sql("SELECT nationality::VARCHAR AS nationality, selected_date, "
                       "opening_grade::VARCHAR AS grade FROM applications "
                       "WHERE selected_date IS NOT NULL").pl()
        pro_grades = set(con.sql("SELECT grade FROM ref_grades WHERE professional_and_higher")
                         .pl()["grade"].to_list())
    finally:
        con.close()
    dates = sorted(staff["snapshot_date"].unique().to_list())
    cur, prev = dates[-1], dates[-2]  # yearly snapshots
    count = {d: staff.filter(pl.col("snapshot_date") == d).height for d in (cur, prev)}
    h = figures["staff"]
    assert (h["value"], h["previous_value"], h["change"]) == (count[cur], count[prev],
                                                             count[cur] - count[prev])
    assert (h["period_end"], h["previous_end"]) == (cur.isoformat(), prev.isoformat())

    def women(d: object) -> float:
        pro = staff.filter((pl.col("snapshot_date") == d) & pl.col("pro")
                           & pl.col("gender").is_not_null() & (pl.col("gender") != "unknown"))
        return pro.filter(pl.col("gender") == "F").height / pro.height

    h = figures["women_share_professional"]
    assert abs(h["value"] - women(cur)) < 1e-12 and abs(h["previous_value"] - women(prev)) < 1e-12
    assert abs(h["change"] - (women(cur) - women(prev))) < 1e-12

    def selections(d: object) -> float:
        with open_store(web_data.db, read_only=True) as store:
            states = desirable_ranges(store, as_of=d).states  # type: ignore[arg-type]
        under = states.filter(pl.col("status").is_in(["unrepresented", "underrepresented"]))
        start = d.replace(year=d.year - 1)  # type: ignore[attr-defined]
        year = apps.filter((pl.col("selected_date") > start) & (pl.col("selected_date") <= d)
                           & pl.col("grade").is_in(pro_grades)
                           & pl.col("nationality").is_in(states["iso3"]))
        return year.filter(pl.col("nationality").is_in(under["iso3"])).height / year.height

    h = figures["selections_under_represented"]
    assert abs(h["value"] - selections(cur)) < 1e-12
    assert abs(h["previous_value"] - selections(prev)) < 1e-12
    assert h["period_start"] == (prev + timedelta(days=1)).isoformat()
    page = client.get("/")
    assert 'id="headlines"' in page.text and figures["staff"]["sentence"] in page.text.replace(
        "&#39;", "'")


@pytest.mark.parametrize("role", ["public", "member_state", "manager"])
def test_home_shows_no_store_figures_to_roles_that_read_releases(as_role: AsRole,
                                                                 role: str) -> None:
    client = as_role(role)
    body = client.get("/api/home").json()
    assert body["headlines"] == [] and body["user"]["role"] == role
    assert 'id="headlines"' not in client.get("/").text


# ---------------------------------------------------------------------------- Member State

def test_member_state_page_shows_the_own_state_year_by_year(as_role: AsRole,
                                                            web_data: WebData) -> None:
    from parity.core.analytics.ranges import desirable_ranges

    client = as_role("member_state")
    res = client.get("/api/views/state")
    assert res.status_code == 200, res.text
    twin = res.json()
    assert twin["params"]["state"] == web_data.nationality
    rows = rows_of(twin, "trend")
    con = duckdb.connect(str(web_data.db), read_only=True)
    try:
        geo = con.sql("SELECT snapshot_date, count(*) AS n FROM staff WHERE geo_subject AND "
                      f"nationality::VARCHAR = '{web_data.nationality}' GROUP BY 1").pl()
    finally:
        con.close()
    counts = {d.isoformat(): n for d, n in geo.iter_rows()}
    dates = sorted(counts)
    assert [r["snapshot_date"] for r in rows] == dates  # one yearly snapshot each
    assert [r["staff"] for r in rows] == [counts[d] for d in dates]
    assert rows[-1]["change"] == counts[dates[-1]] - counts[dates[-2]]
    with open_store(web_data.db, read_only=True) as store:
        for r in rows:
            state = desirable_ranges(store, as_of=date.fromisoformat(r["snapshot_date"])) \
                .states.filter(pl.col("iso3") == web_data.nationality).row(0, named=True)
            assert (r["lower"], r["upper"], r["status"]) == (state["lower"], state["upper"],
                                                             state["status"])
    page = client.get("/views/state")
    assert page.status_code == 200 and "table-trend" in page.text
    # another State, the other roles' pages
    other = "KEN" if web_data.nationality != "KEN" else "FRA"
    err = assert_error(client.get(f"/api/views/state?state={other}"), 403, "forbidden")
    assert "own State" in err["message"]
    assert client.get(f"/views/state?state={other}").status_code == 403
    assert client.get(f"/api/views/state?state={web_data.nationality}").status_code == 200
    for role in ("public", "manager"):
        assert as_role(role).get("/api/views/state").status_code == 403
    analyst = as_role("analyst")
    assert analyst.get(f"/api/views/state?state={other}").json()["params"]["state"] == other
    assert_error(analyst.get("/api/views/state?state=XXY"), 400, "invalid_input")


def test_core_trend_hides_small_counts_when_the_policy_says_so(web_data: WebData) -> None:
    from parity.core.analytics.ranges_trend import state_trend
    from parity.core.disclosure.policy import DisclosurePolicy

    with open_store(web_data.db, read_only=True) as store:
        full = state_trend(store, web_data.nationality)
        strict = state_trend(store, web_data.nationality,
                             DisclosurePolicy(nationality_counts_exempt=False, threshold=1000))
        with pytest.raises(UserInputError, match="ZZZ"):
            state_trend(store, "ZZZ")
    assert full["staff"].min() > 0  # type: ignore[operator]
    assert strict["staff"].null_count() == strict.height and strict["staff_hidden"].all()
    assert strict["status"].to_list() == full["status"].to_list()


# ---------------------------------------------------------------------------- scenarios

SCENARIO = """version: 1
name: Freeze and balanced senior selections
description: written in the dashboard's editor
establishment:
  freezes:
    - from_year: 2025
      to_year: 2026
      promotions: true
"""


def _token(client: TestClient) -> str:
    page = client.get("/views/projections/scenario")
    assert page.status_code == 200
    return csrf_of(page.text)


def test_uploaded_scenario_runs_like_the_core(as_role: AsRole, web_data: WebData) -> None:
    from parity.core import projection as pj
    from parity.web.views import projections

    client = as_role("analyst")
    token = _token(client)
    res = client.post("/api/views/projections/scenario",
                      data={"scenario": SCENARIO, "csrf_token": token})
    assert res.status_code == 200, res.text
    twin = res.json()
    assert twin["view"] == "projections"
    assert twin["params"] == {"scenario": "Freeze and balanced senior selections"}
    scenario = pj.parse_scenario_text(SCENARIO, "test")
    with open_store(web_data.db, read_only=True) as store:
        want = pj.project(store, scenario, years=projections.YEARS, runs=projections.RUNS,
                          seed=projections.SEED)
    got = pl.DataFrame(rows_of(twin, "targets"))
    for col in ("share_at_target", "p_in_band_at_target", "share_p05", "share_p95"):
        assert got[col].to_list() == want.targets[col].to_list(), col
    assert all(not t["downloads"] for t in twin["tables"])
    # the same as a file, on the page
    page = client.post("/views/projections/scenario",
                       data={"csrf_token": token, "scenario": ""},
                       files={"scenario_file": ("mine.yaml", SCENARIO.encode(), "text/yaml")})
    assert page.status_code == 200 and "table-targets" in page.text
    assert "scenario-error" not in page.text and "/download/" not in page.text


def test_invalid_scenario_is_refused_with_the_cli_sentence(as_role: AsRole,
                                                           web_data: WebData,
                                                           tmp_path: Path) -> None:
    client = as_role("analyst")
    token = _token(client)
    bad = SCENARIO.replace("      promotions: true", "      promotion: true")
    res = client.post("/api/views/projections/scenario", data={"scenario": bad,
                                                               "csrf_token": token})
    err = assert_error(res, 400, "invalid_input")
    assert "establishment.freezes.0.promotion" in err["message"]
    assert err["hint"].startswith("Fix: remove 'establishment.freezes.0.promotion'")
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cli = subprocess.run([sys.executable, "-m", "parity.cli.main", "project", "--db",
                          str(web_data.db), "--scenario", str(path)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert cli.returncode != 0
    said = " ".join((cli.stderr + cli.stdout).split())
    assert err["message"].replace("the uploaded scenario", str(path)) in said
    assert err["hint"] in said
    page = client.post("/views/projections/scenario", data={"scenario": bad,
                                                            "csrf_token": token})
    assert page.status_code == 400 and 'data-error-code="invalid_input"' in page.text
    assert "promotion: true" in page.text  # the text is kept for correcting
    for text, word in (("version: 1\nname: x\nretirement: [1", "YAML"), ("", "empty"),
                       ("- 1\n- 2", "mapping")):
        err = assert_error(client.post("/api/views/projections/scenario",
                                       data={"scenario": text, "csrf_token": token}),
                           400, "invalid_input")
        assert word in err["message"]


def test_scenario_upload_needs_the_csrf_token_and_an_analyst(as_role: AsRole) -> None:
    client = as_role("analyst")
    res = client.post("/api/views/projections/scenario", data={"scenario": SCENARIO})
    assert res.status_code == 403 and res.json()["error"]["code"] == "csrf"
    for role in ("public", "member_state"):
        other = as_role(role)
        assert other.get("/views/projections/scenario").status_code == 403
        res = other.post("/api/views/projections/scenario",
                         data={"scenario": SCENARIO, "csrf_token": "x"})
        assert res.status_code == 403 and "rows" not in res.text
