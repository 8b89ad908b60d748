"""HTTP tests of the analysts' pivots: composition and careers over up to three dimensions
with filters and a period, and the funnel with strata and an entity, checked against a plain
polars recomputation over the store, the core or the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
from fastapi.testclient import TestClient

from parity.core.errors import UserInputError
from parity.core.store import open_store
from parity.web import users
from parity.web.app import create_app
from parity.web.config import WebSettings

from .conftest import PASSWORD, ROOT, WebData, login
from .test_http import assert_error

AsRole = Callable[[str], TestClient]


def staff_frame(db: object) -> pl.DataFrame:
    """Staff rows with regional group and level band, read with plain SQL."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(
            "SELECT s.snapshot_date, s.gender::VARCHAR AS gender, s.entity, "
            "coalesce(r.regional_group, 'NONMEMBER') AS regional_group, "
            "coalesce(g.level_band, s.category::VARCHAR) AS level_band, "
            "s.category::VARCHAR AS category FROM staff s "
            "LEFT JOIN ref_grades g ON s.grade::VARCHAR = g.grade "
            "LEFT JOIN ref_country_regions r ON s.nationality::VARCHAR = r.iso3").pl()
    finally:
        con.close()


def rows_of(twin: dict[str, object], name: str) -> list[dict[str, object]]:
    tables = {t["name"]: t for t in twin["tables"]}  # type: ignore[attr-defined]
    return tables[name]["rows"]  # type: ignore[no-any-return]


def test_three_dimension_pivot_with_filters_equals_a_polars_recount(
        as_role: AsRole, web_data: WebData) -> None:
    client = as_role("analyst")
    res = client.get("/api/views/composition?by=regional_group&by2=gender&by3=level_band"
                     "&level=P-4&entity=DPPA")
    assert res.status_code == 200, res.text
    twin = res.json()
    staff = staff_frame(web_data.db)
    latest = staff["snapshot_date"].max()
    kept = staff.filter((pl.col("snapshot_date") == latest) & (pl.col("level_band") == "P-4")
                        & (pl.col("entity") == "DPPA"))
    dims = ["regional_group", "gender", "level_band"]
    expected = kept.group_by(dims).len("staff")
    total = kept.height
    got = pl.DataFrame(rows_of(twin, "composition")).select(*dims, "staff", "share",
                                                            "share_within")
    assert got.height == expected.height > 3
    joined = got.join(expected, on=dims, suffix="_expected")
    assert joined.height == got.height
    assert (joined["staff"] == joined["staff_expected"]).all()
    assert int(got["staff"].sum()) == total
    within = joined.with_columns(
        (pl.col("staff_expected") / pl.col("staff_expected").sum().over("regional_group"))
        .alias("within"))
    assert (within["share"] - within["staff_expected"] / total).abs().max() < 1e-12
    assert (within["share_within"] - within["within"]).abs().max() < 1e-12
    # the first two dimensions, for the chart
    pair = pl.DataFrame(rows_of(twin, "first_two"))
    pair_expected = kept.group_by(dims[:2]).len("n")
    assert pair.join(pair_expected, on=dims[:2]).select(
        (pl.col("staff") == pl.col("n")).all()).item()
    # the trend follows the first dimension with the same filters on every snapshot
    trend = pl.DataFrame(rows_of(twin, "trend"))
    per_date = staff.filter((pl.col("level_band") == "P-4") & (pl.col("entity") == "DPPA")) \
        .group_by("snapshot_date").len("n")
    sums = trend.group_by("snapshot_date").agg(pl.col("staff").sum()).with_columns(
        pl.col("snapshot_date").str.to_date())
    assert sums.join(per_date, on="snapshot_date").select(
        (pl.col("staff") == pl.col("n")).all()).item()
    assert len(twin["charts"]) == 2 and twin["charts"][0]["table"] == "first_two"


def test_two_dimensions_and_a_gender_filter(as_role: AsRole, web_data: WebData) -> None:
    client = as_role("analyst")
    twin = client.get("/api/views/composition?by=level_band&by2=regional_group&gender=F"
                      "&scope=all").json()
    staff = staff_frame(web_data.db)
    latest = staff.filter((pl.col("snapshot_date") == staff["snapshot_date"].max())
                          & (pl.col("gender") == "F"))
    expected = latest.group_by("level_band", "regional_group").len("n")
    got = pl.DataFrame(rows_of(twin, "composition"))
    assert set(got.columns) >= {"level_band", "regional_group", "staff", "share_within"}
    assert "gender" not in got.columns
    joined = got.join(expected, on=["level_band", "regional_group"])
    assert joined.height == got.height == expected.height
    assert (joined["staff"] == joined["n"]).all()
    assert [t["name"] for t in twin["tables"]] == ["composition", "trend"]
    assert twin["charts"][0]["table"] == "composition"


def test_pivot_page_offers_three_selectors_and_filters(as_role: AsRole) -> None:
    client = as_role("analyst")
    page = client.get("/views/composition?by=gender&by2=category&group=AFR")
    assert page.status_code == 200
    for name in ("by", "by2", "by3", "group", "gender", "level", "entity"):
        assert f'name="{name}"' in page.text
    assert "table-composition" in page.text and "chart-composition-0" in page.text


@pytest.mark.parametrize("query, word", [("by=gender&by2=gender", "twice"),
                                         ("by=gender&level=P-9", "P-9"),
                                         ("by2=shoe_size", "shoe_size")])
def test_pivot_refuses_bad_choices_in_the_one_error_shape(as_role: AsRole, query: str,
                                                          word: str) -> None:
    client = as_role("analyst")
    err = assert_error(client.get(f"/api/views/composition?{query}"), 400, "invalid_input")
    assert word in err["message"] and err["hint"]


def test_public_roles_cannot_open_the_pivot(as_role: AsRole) -> None:
    for role in ("public", "member_state"):
        client = as_role(role)
        res = client.get("/api/views/composition?by=gender&by2=level_band")
        assert res.status_code == 403 and "rows" not in res.text


def cli_json(*args: str) -> dict[str, object]:
    """What `parity ... --format json` prints, run as a real subprocess."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-m", "parity.cli.main", *args, "--format", "json"],
                         capture_output=True, text=True, env=env, timeout=300, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_pivot_twin_equals_the_cli_with_the_same_filters(as_role: AsRole,
                                                         web_data: WebData) -> None:
    client = as_role("analyst")
    twin = client.get("/api/views/composition?by=gender&by2=level_band&group=AFR").json()
    cli = cli_json("composition", "--db", str(web_data.db), "--by", "gender,level_band",
                   "--where", "regional_group=AFR")
    sections = cli["sections"]
    assert isinstance(sections, dict)
    assert rows_of(twin, "composition") == sections["composition"]


def test_core_filters_negate_and_match_unknown(web_data: WebData) -> None:
    from parity.core.analytics import composition

    staff = staff_frame(web_data.db)
    latest = staff.filter(pl.col("snapshot_date") == staff["snapshot_date"].max())
    with open_store(web_data.db, read_only=True) as store:
        not_afr = composition.composition(store, ["gender"], where=["regional_group!=AFR,EEG"])
        unknown = composition.composition(store, ["level_band"], where=["gender=unknown"])
        with pytest.raises(UserInputError, match="job_family"):
            composition.composition(store, ["gender"], where=["job_family=x"])
    kept = latest.filter(~pl.col("regional_group").is_in(["AFR", "EEG"]))
    assert int(not_afr["staff"].sum()) == kept.height
    missing = latest.filter(pl.col("gender").is_null() | (pl.col("gender") == "unknown"))
    assert int(unknown["staff"].sum()) == missing.height


# ---------------------------------------------------------------------------- careers

@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    """`parity demo` at a small scale (with career events and rosters), served in process
    to an analyst."""
    folder = tmp_path_factory.mktemp("explore-demo")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-m", "parity.cli.main", "demo", "--dir", str(folder),
                    "--scale", "0.05"], check=True, capture_output=True, env=env, timeout=300)
    db = folder / "parity.duckdb"
    with open_store(db) as store:
        users.add_user(store, "x-analyst", "analyst", PASSWORD)
    copy = folder / "served.duckdb"
    shutil.copyfile(db, copy)
    with TestClient(create_app(WebSettings(db=copy)), raise_server_exceptions=False) as client:
        assert login(client, "x-analyst").status_code == 303
        yield client, db

def test_careers_pivot_with_period_and_filters_equals_the_core(
        demo: tuple[TestClient, Path]) -> None:
    from parity.core.analytics import careers

    client, db = demo
    res = client.get("/api/views/careers?flow=separation&by=gender&by2=level_band"
                     "&year_from=2023&year_to=2023&group=AFR")
    assert res.status_code == 200, res.text
    got = pl.DataFrame(rows_of(res.json(), "flows"))
    with open_store(db, read_only=True) as store:
        core = careers.careers(store, "separation", ["gender", "level_band"], 2023, 2023,
                               where=["regional_group=AFR"])
        crossed = careers.careers(store, "separation", ["regional_group", "gender",
                                                        "level_band"], 2023, 2023)
    keys = ["outcome", "gender", "level_band"]
    assert got.height == core.height > 4
    joined = got.join(core, on=keys, suffix="_core", nulls_equal=True)
    assert joined.height == got.height
    for col in ("count", "staff_years", "rate", "ratio", "verdict"):
        assert joined[col].to_list() == joined[f"{col}_core"].to_list()
    assert str(got["period_start"][0]) == "2023-01-01" and str(got["period_end"][0]) == "2023-12-31"
    # the filter counts the same events and time as the AFR rows of the cross-tabulation
    afr = crossed.filter(pl.col("regional_group") == "AFR").join(
        core, on=keys, suffix="_f", nulls_equal=True)
    assert afr.height == core.height
    assert (afr["count"] == afr["count_f"]).all() and int(core["count"].sum()) > 0
    assert (afr["staff_years"] - afr["staff_years_f"]).abs().max() < 1e-9


def test_careers_filter_equals_the_cli_and_bad_period(demo: tuple[TestClient, Path]) -> None:
    client, db = demo
    twin = client.get("/api/views/careers?flow=separation&by=gender&group=WEOG").json()
    cli = cli_json("careers", "--flow", "separation", "--db", str(db), "--by",
                   "gender", "--where", "regional_group=WEOG")
    sections = cli["sections"]
    assert isinstance(sections, dict)
    fields = ("outcome", "gender", "count", "staff_years", "rate", "p_value", "verdict")
    got = [tuple(r[f] for f in fields) for r in rows_of(twin, "flows")]
    want = [tuple(r[f] for f in fields) for r in sections["separation"]]
    assert got == want and len(got) >= 2 and sum(r[2] for r in got) > 0
    roster = client.get("/api/views/careers?flow=roster&by=gender&level=P-3").json()
    cli = cli_json("careers", "--flow", "roster", "--db", str(db), "--by", "gender",
                   "--where", "level_band=P-3")
    sections = cli["sections"]
    assert isinstance(sections, dict)
    got = [(r["outcome"], r["gender"], r["count"], r["total"]) for r in rows_of(roster, "flows")]
    want = [(r["outcome"], r["gender"], r["count"], r["total"]) for r in sections["roster"]]
    assert got == want and sum(r[2] for r in got) > 0
    err = assert_error(client.get("/api/views/careers?year_from=2023&year_to=2022"), 400,
                       "invalid_input")
    assert "2023" in err["message"]
    page = client.get("/views/careers?by=gender&by2=regional_group&year_from=2023")
    assert page.status_code == 200
    for name in ("by2", "by3", "year_from", "year_to", "group", "level"):
        assert f'name="{name}"' in page.text


# ---------------------------------------------------------------------------- funnel

def test_funnel_strata_and_entity_equal_the_cli(demo: tuple[TestClient, Path]) -> None:
    client, db = demo
    entity = "DPPA"
    res = client.get(f"/api/views/funnel?by=regional_group&strata=level_band&entity={entity}"
                     "&year_from=2020&year_to=2024")
    assert res.status_code == 200, res.text
    twin = res.json()
    cli = cli_json("funnel", "--db", str(db), "--by", "regional_group", "--strata", "level_band",
                   "--where", f"entity={entity}", "--decompose", "--from", "2020", "--to",
                   "2024")
    sections = cli["sections"]
    assert isinstance(sections, dict)
    strip = ("message", "sentence")
    for name in ("stages", "stratified", "summary", "decomposition"):
        want = [{k: v for k, v in r.items() if k not in strip} for r in sections[name]]
        got = [{k: r[k] for k in want[0]} for r in rows_of(twin, name)]
        assert got == want and len(want) > 4, name
    assert sum(r["count"] for r in rows_of(twin, "stages") if r["stage"] == "received") > 0
    # the entity filter changes the counts; without strata there is no stratified table
    whole = client.get("/api/views/funnel?by=regional_group&year_from=2020&year_to=2024").json()
    assert [t["name"] for t in whole["tables"]] == ["stages", "summary", "decomposition"]
    received = [r["count"] for r in rows_of(whole, "stages") if r["stage"] == "received"]
    filtered = [r["count"] for r in rows_of(twin, "stages") if r["stage"] == "received"]
    assert sum(filtered) < sum(received)
    page = client.get(f"/views/funnel?strata=level_band&entity={entity}")
    assert page.status_code == 200 and "table-stratified" in page.text
    assert 'name="strata"' in page.text and 'name="entity"' in page.text
