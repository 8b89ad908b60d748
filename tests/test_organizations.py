"""The whole UN system in one store: a synthetic system of organizations, the organization
dimension in every command, and per-organization answers that add up to the system-wide one.

One real store built from ``synthesize(..., organizations=4)``; every figure is checked
against plain SQL on the stored rows or polars on the written files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from parity.core.analytics.careers import careers, careers_counts, careers_survival
from parity.core.analytics.composition import composition, composition_trend
from parity.core.analytics.funnel import funnel
from parity.core.analytics.gender import gender_parity
from parity.core.analytics.ranges import desirable_ranges
from parity.core.analytics.timelines import timelines
from parity.core.errors import SettingsError, UserInputError
from parity.core.ingest import ingest
from parity.core.params import load_gender_parameters
from parity.core.store import Store, open_store
from parity.core.synth import synthesize
from parity.core.synth.system import PROFILES

SCALE, SEED, N = 0.01, 5, 4
ORGS = [p.code for p in PROFILES[:N]]


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    folder = tmp_path_factory.mktemp("system")
    synthesize(folder / "data", scale=SCALE, seed=SEED, organizations=N)
    with open_store(folder / "parity.duckdb") as s:
        report = ingest(sorted((folder / "data").glob("*.csv")), s)
        assert report.rows_quarantined == 0
    s = open_store(folder / "parity.duckdb", read_only=True)
    yield s, folder
    s.close()


def _latest(store: Store) -> str:
    return "(SELECT max(snapshot_date) FROM main.staff)"


# ------------------------------------------------------------------------- synthesis

def test_the_system_files(system: tuple[Store, Path], tmp_path: Path) -> None:
    store, folder = system
    data = folder / "data"
    staff = pl.read_csv(data / "staff.csv", infer_schema=False)
    assert staff["organization"].unique(maintain_order=True).to_list() == ORGS
    for name in ("openings", "applications"):
        head = (data / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        assert head.endswith(",organization")
    # the Secretariat-like organization is exactly the one-organization generator
    synthesize(tmp_path, scale=SCALE, seed=SEED)
    plain = pl.read_csv(tmp_path / "staff.csv", infer_schema=False)
    assert staff.filter(pl.col("organization") == "UN").drop("organization").equals(plain)
    # sizes follow the profiles; ids and entities are the organization's own
    last = staff.filter(pl.col("snapshot_date") == pl.col("snapshot_date").max())
    sizes = dict(last.group_by("organization").len().iter_rows())
    assert sizes["UN"] > sizes["UNICEF"] > sizes["UNHCR"] > sizes["WHO"] > 0
    other = staff.filter(pl.col("organization") != "UN")
    assert other["person_id"].str.contains(r"^(UNICEF|WHO|UNHCR)-P").all()
    assert (other["entity"].str.split("-").list.first() == other["organization"]).all()
    assert (other["geo_subject"] == "false").all()
    # the profiles differ: field shares (by the stored rows) and the women's shares
    field = dict(store.frame(
        f"SELECT organization::VARCHAR, avg(field::INT) FROM main.staff "
        f"WHERE snapshot_date = {_latest(store)} GROUP BY 1").iter_rows())
    assert field["UNHCR"] > field["UNICEF"] > field["UN"] > field["WHO"]


def test_no_option_writes_no_organization_column(tmp_path: Path) -> None:
    synthesize(tmp_path, scale=0.005, seed=1)
    for name in ("staff", "openings", "applications"):
        assert "organization" not in (tmp_path / f"{name}.csv").read_text().split("\n", 1)[0]


def test_a_bad_number_of_organizations(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="Give 1 to 10"):
        synthesize(tmp_path, scale=0.01, organizations=11)


# ------------------------------------------------------------------------- composition

def test_composition_by_and_where_organization_add_up(system: tuple[Store, Path]) -> None:
    store, _ = system
    by_org = composition(store, ["organization"]).select("organization", "staff")
    sql = store.frame(f"SELECT organization::VARCHAR AS organization, count(*) AS staff "
                      f"FROM main.staff WHERE snapshot_date = {_latest(store)} GROUP BY 1")
    assert dict(by_org.iter_rows()) == dict(sql.iter_rows())
    total = composition(store, [])["staff"].item()
    assert by_org["staff"].sum() == total
    by_gender_all = composition(store, ["gender"]).select("gender", "staff")
    parts = pl.concat([composition(store, ["gender"], where=[f"organization={o}"])
                       .select("gender", "staff") for o in ORGS])
    summed = parts.group_by("gender").agg(pl.col("staff").sum())
    assert dict(summed.iter_rows()) == dict(by_gender_all.iter_rows())
    one = composition(store, ["gender"], where=["org=who"]).select("gender", "staff")
    assert dict(one.iter_rows()) == dict(store.frame(
        f"SELECT coalesce(gender::VARCHAR, 'unknown'), count(*) FROM main.staff WHERE "
        f"organization = 'WHO' AND snapshot_date = {_latest(store)} GROUP BY 1").iter_rows())
    not_un = composition(store, [], where=["organization!=UN"])["staff"].item()
    assert not_un == total - dict(by_org.iter_rows())["UN"]
    trend = composition_trend(store, ["organization"], where=["organization=UNHCR"])
    assert set(trend["organization"]) == {"UNHCR"}


def test_a_bad_filter_is_one_clear_error(system: tuple[Store, Path]) -> None:
    store, _ = system
    with pytest.raises(UserInputError, match="XYZ is not a value of organization"):
        composition(store, [], where=["organization=XYZ"])
    with pytest.raises(UserInputError, match="not a dimension staff can be broken down by"):
        composition(store, [], where=["job_family=Finance"])


# ------------------------------------------------------------------------- funnel, timelines

def test_funnel_per_organization_adds_up_to_the_system(system: tuple[Store, Path]) -> None:
    store, _ = system
    per = funnel(store, ["organization"]).select("organization", "stage", "count")
    system_wide = funnel(store, ["gender"]).group_by("stage").agg(pl.col("count").sum())
    summed = per.group_by("stage").agg(pl.col("count").sum())
    assert dict(summed.iter_rows()) == dict(system_wide.iter_rows())
    received = dict(per.filter(pl.col("stage") == "received")
                    .select("organization", "count").iter_rows())
    # the funnel of regular openings (a roster selection has its own one-step funnel)
    sql = store.frame("SELECT a.organization::VARCHAR, count(*) FROM main.applications a "
                      "WHERE opening_posting_type <> 'recruit_from_roster' GROUP BY 1")
    assert received == dict(sql.iter_rows())
    # --where organization=X gives the row of X
    who = funnel(store, ["gender"], where=["organization=WHO"])
    assert who.filter(pl.col("stage") == "received")["count"].sum() == received["WHO"]


def test_timelines_by_organization(system: tuple[Store, Path]) -> None:
    store, _ = system
    frame = timelines(store, ["organization"])
    per = dict(frame.filter(pl.col("organization") != "all")
               .select("organization", "openings").iter_rows())
    # the default scope: position-specific openings (the 120-day target applies to them)
    assert per == dict(store.frame(
        "SELECT organization::VARCHAR, count(*) FROM main.openings "
        "WHERE posting_type = 'position_specific' GROUP BY 1").iter_rows())
    assert frame.filter(pl.col("organization") == "all")["openings"].item() == sum(per.values())


# ------------------------------------------------------------------------- careers, gender

def test_career_counts_per_organization_add_up(system: tuple[Store, Path]) -> None:
    store, _ = system
    total = careers_counts(store, "separation", ["gender"])
    per = careers_counts(store, "separation", ["organization", "gender"])
    keys = ["gender", "outcome"]
    a = total.group_by(keys).agg(pl.col("count").sum(), pl.col("staff_years").sum()).sort(keys)
    b = per.group_by(keys).agg(pl.col("count").sum(), pl.col("staff_years").sum()).sort(keys)
    assert a["count"].to_list() == b["count"].to_list()
    assert a["staff_years"].to_list() == pytest.approx(b["staff_years"].to_list())
    # where organization=X is the slice of X
    x = careers_counts(store, "separation", ["gender"], where=["organization=UNICEF"])
    y = per.filter(pl.col("organization") == "UNICEF").drop("organization")
    assert x.sort(keys).select("count").equals(y.sort(keys).select("count"))
    assert x.sort(keys)["staff_years"].to_list() == pytest.approx(
        y.sort(keys)["staff_years"].to_list())
    # separations of each organization's staff, counted in SQL on the events
    seps = careers_counts(store, "separation", ["organization"])
    n = dict(seps.group_by("organization").agg(pl.col("count").sum()).iter_rows())
    assert sum(n.values()) == a["count"].sum()
    assert n["UNICEF"] > 0 and n["UN"] > n["UNICEF"]
    # the roster flow (applications) adds up too, and filters alike
    rost = careers_counts(store, "roster", ["organization"])
    rost_all = careers_counts(store, "roster", ["gender"])
    for col in ("count", "total"):
        assert rost[col].sum() == rost_all[col].sum() > 0
    rost_who = careers_counts(store, "roster", ["gender"], where=["organization=WHO"])
    assert rost_who["total"].sum() == rost.filter(pl.col("organization") == "WHO")["total"].sum()
    # the full table and the survival analysis take the filter too
    table = careers(store, "promotion", ["gender"], where=["organization=UN"])
    assert table.height and set(table["gender"]) <= {"F", "M", "X", None}
    surv = careers_survival(store, ["gender"], where=["organization=UN"])
    both = careers_survival(store, ["gender"])
    assert surv["spells"].sum() < both["spells"].sum()


def test_gender_parity_by_organization(system: tuple[Store, Path]) -> None:
    store, _ = system
    result = gender_parity(store, by="organization")
    rows = result.table.filter(pl.col("organization").is_in(ORGS))
    sql = store.frame(
        f"SELECT s.organization::VARCHAR, count(*), sum((gender = 'F')::INT) FROM main.staff s "
        f"JOIN main.ref_grades g ON g.grade = s.grade::VARCHAR WHERE g.professional_and_higher "
        f"AND snapshot_date = {_latest(store)} GROUP BY 1")
    expected = {o: (n, w) for o, n, w in sql.iter_rows()}
    assert {o: (n, w) for o, n, w in rows.select("organization", "staff", "women").iter_rows()
            } == expected
    one = gender_parity(store, by="level", where=["organization=UNICEF"])
    assert one.table.filter(pl.col("level_band") == "Total")["staff"].item() == \
        expected["UNICEF"][0]


# ------------------------------------------------------------------------- the CLI

def test_cli_where_organization(system: tuple[Store, Path]) -> None:
    store, folder = system
    run = subprocess.run(
        [sys.executable, "-m", "parity.cli.main", "composition", "--db",
         str(folder / "parity.duckdb"), "--by", "gender", "--where", "organization=WHO",
         "--format", "json"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["parameters"]["where"] == ["organization=WHO"]
    rows = doc["sections"]["composition"]
    expected = composition(store, ["gender"], where=["organization=WHO"])
    assert sum(r["staff"] for r in rows) == expected["staff"].sum()
    bad = subprocess.run(
        [sys.executable, "-m", "parity.cli.main", "careers", "--db",
         str(folder / "parity.duckdb"), "--flow", "promotion", "--where", "organization=ZZ"],
        capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "ZZ is not a value of organization" in bad.stdout + bad.stderr


# ------------------------------------------------------------------------- per-organization rules

def test_desirable_ranges_count_the_secretariat_only(system: tuple[Store, Path]) -> None:
    store, _ = system
    result = desirable_ranges(store)
    sql = store.frame(
        f"SELECT count(*) FROM main.staff WHERE geo_subject AND organization = 'UN' AND "
        f"snapshot_date = {_latest(store)}").item()
    every = store.frame(f"SELECT count(*) FROM main.staff WHERE geo_subject AND "
                        f"snapshot_date = {_latest(store)}").item()
    assert result.base_figure == sql
    assert int(result.states["staff"].sum()) <= sql
    assert any("also holds staff of UNHCR, UNICEF, WHO" in n and "Secretariat (UN) only" in n
               for n in result.notes)
    # the synthetic system gives no other organization a post subject to geography, so
    # marking some does not change the ranges: only the Secretariat's staff count
    assert every == sql


def test_another_organizations_geographic_staff_do_not_count(tmp_path: Path) -> None:
    synthesize(tmp_path / "d", scale=0.005, seed=2)
    with open_store(tmp_path / "one.duckdb") as s:
        ingest(sorted((tmp_path / "d").glob("*.csv")), s)
        before = desirable_ranges(s)
        assert not any("also holds staff" in n for n in before.notes)
        day = before.snapshot_date.isoformat()
        extra = tmp_path / "staff_who.csv"
        extra.write_text(
            "snapshot_date,person_id,nationality,gender,birth_year,category,grade,entity,"
            "duty_station,field,appointment_type,geo_subject,organization\n"
            + "".join(f"{day},WHO-{i},KEN,F,1980,P,P-3,HQ,Geneva,false,fixed-term,true,WHO\n"
                      for i in range(5)), encoding="utf-8")
        assert ingest([extra], s).rows_quarantined == 0
        after = desirable_ranges(s)
    assert after.base_figure == before.base_figure
    assert after.states["staff"].to_list() == before.states["staff"].to_list()
    assert any("also holds staff of WHO" in n for n in after.notes)


def test_gender_targets_per_organization(system: tuple[Store, Path], tmp_path: Path) -> None:
    store, _ = system
    override = tmp_path / "gender.yaml"
    override.write_text("organization_targets:\n  UNICEF:\n    - {levels: all, year: 2031}\n")
    params = load_gender_parameters(override)
    assert params.organization_targets is not None
    assert params.organization_targets.confirmation == "user"
    by_org = gender_parity(store, by="organization", params=params).table
    years = dict(by_org.select("organization", "target_year").iter_rows())
    assert years["UNICEF"] == 2031 and years["WHO"] == years["UN"] == 2028
    # filtered on one organization, every level takes that organization's targets
    unicef = gender_parity(store, by="level", params=params, where=["organization=UNICEF"])
    assert set(unicef.table["target_year"]) == {2031}
    system_wide = gender_parity(store, by="level", params=params)
    assert 2031 not in set(system_wide.table["target_year"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("organization_targets:\n  XYZ:\n    - {levels: all, year: 2031}\n")
    with pytest.raises(SettingsError, match="'XYZ' is not an organization code"):
        load_gender_parameters(bad)
