"""Cutting by the month of a decision: selections (funnel, timelines) and career events.

A tiny store with selections in March and April 2022 (one to an opening posted in 2021,
one from a roster) and promotions, reassignments and separations in several months (and
two outside the snapshots' coverage). Every figure is checked against a direct count of
the store's rows in plain SQL and polars.
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

from parity import api
from parity.core import model
from parity.core.analytics.careers import careers, careers_counts, careers_survival
from parity.core.analytics.funnel import PERIOD_NOTE, funnel_report
from parity.core.analytics.timelines import timelines_report
from parity.core.dimensions import COMMANDS, DIMENSIONS, listing
from parity.core.errors import UserInputError
from parity.core.ingest import ingest
from parity.core.store import Store, open_store

WriteRows = Callable[[str, Sequence[dict[str, object]]], Path]
ROOT = Path(__file__).resolve().parents[1]
SNAPS = ("2020-12-31", "2021-12-31", "2022-12-31")
#: Regional groups of the nationalities used, written out by hand.
GROUP = {"KEN": "AFR", "FRA": "WEOG", "CHN": "APG"}

# person: nationality, grade on each snapshot (None: not on it)
PEOPLE: dict[str, tuple[str, tuple[str | None, ...]]] = {
    "S1": ("KEN", ("P-3", "P-4", "P-4")),   # promoted 2021-03-15
    "S2": ("FRA", ("P-3", "P-4", "P-4")),   # promoted 2021-03-20
    "S3": ("CHN", ("P-3", "P-3", "P-4")),   # promoted 2022-07-01
    "S4": ("KEN", ("P-3", None, None)),     # separated 2021-11-30
    "S5": ("FRA", ("P-3", "P-3", None)),    # separated 2022-03-10
    "S6": ("CHN", ("P-2", "P-2", "P-2")),   # reassigned 2022-03-05
    "S7": ("KEN", ("P-2", "P-2", "P-2")),   # promoted 2020-06-01 and 2023-02-01: outside
}
EVENTS: list[dict[str, object]] = [
    {"person_id": "S1", "event_date": "2021-03-15", "event": "promotion",
     "from_grade": "P-3", "to_grade": "P-4"},
    {"person_id": "S2", "event_date": "2021-03-20", "event": "promotion",
     "from_grade": "P-3", "to_grade": "P-4"},
    {"person_id": "S3", "event_date": "2022-07-01", "event": "promotion",
     "from_grade": "P-3", "to_grade": "P-4"},
    {"person_id": "S4", "event_date": "2021-11-30", "event": "separation",
     "reason": "resignation"},
    {"person_id": "S5", "event_date": "2022-03-10", "event": "separation",
     "reason": "retirement"},
    {"person_id": "S6", "event_date": "2022-03-05", "event": "reassignment",
     "from_entity": "DPPA", "to_entity": "UNMIK"},
    {"person_id": "S7", "event_date": "2020-06-01", "event": "promotion",
     "from_grade": "P-1", "to_grade": "P-2"},
    {"person_id": "S7", "event_date": "2023-02-01", "event": "promotion",
     "from_grade": "P-2", "to_grade": "P-3"},
]


def _staff() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for pid, (nat, grades) in PEOPLE.items():
        for snap, grade in zip(SNAPS, grades, strict=True):
            if grade is None:
                continue
            entity = "UNMIK" if pid == "S6" and snap == SNAPS[2] else "DPPA"
            rows.append({"snapshot_date": snap, "person_id": pid, "nationality": nat,
                         "gender": "F", "birth_year": 1980,
                         "category": model.CATEGORY_OF_GRADE[grade], "grade": grade,
                         "entity": entity, "duty_station": "New York", "field": False,
                         "appointment_type": "fixed-term", "geo_subject": True})
    return rows


def _opening(oid: str, posted: str, posting_type: str = "position_specific") -> dict[str, object]:
    return {"opening_id": oid, "entity": "DPPA", "grade": "P-3", "job_family": "Political",
            "posting_type": posting_type, "posted_date": posted}


def _app(aid: str, oid: str, nat: str, received: str, selected: str | None = None,
         roster: bool = False, until: str = "interviewed") -> dict[str, object]:
    """An application; stages up to ``until`` (or all, when selected) a week apart."""
    chain = ["screened", "recommended", "selected"] if roster else [
        "screened", "assessed", "interviewed", "recommended", "selected"]
    row: dict[str, object] = {"application_id": aid, "opening_id": oid, "applicant_id": aid,
                              "nationality": nat, "gender": "M", "internal": False,
                              "received_date": received}
    stop = chain.index("selected" if selected else until)
    day = int(received[-2:])
    for stage in chain[:stop + 1]:
        day += 1
        row[f"{stage}_date"] = f"{received[:8]}{day:02d}"
    if selected:
        row["selected_date"] = selected
    return row


OPENINGS = [_opening("O1", "2021-11-01"), _opening("O2", "2022-01-10"),
            _opening("O3", "2022-02-01", "recruit_from_roster"), _opening("O4", "2022-05-01")]
APPLICATIONS = [
    _app("A1", "O1", "KEN", "2021-12-01", "2022-03-15"),
    _app("A2", "O1", "FRA", "2021-12-01"),
    _app("A3", "O2", "FRA", "2022-01-20", "2022-03-20"),
    _app("A4", "O2", "CHN", "2022-01-20", "2022-04-02"),
    _app("A5", "O2", "KEN", "2022-01-20", until="screened"),
    _app("A6", "O3", "KEN", "2022-02-10", "2022-03-25", roster=True),
    _app("A7", "O3", "CHN", "2022-02-10", roster=True, until="screened"),
    _app("A8", "O4", "FRA", "2022-05-10"),
    _app("A9", "O4", "CHN", "2022-05-10", until="screened"),
]


@pytest.fixture
def store(tmp_path: Path, write_rows: WriteRows) -> Iterator[Store]:
    files = [write_rows("staff", _staff()), write_rows("openings", OPENINGS),
             write_rows("applications", APPLICATIONS), write_rows("events", EVENTS)]
    s = open_store(tmp_path / "parity.duckdb")
    assert ingest(files, s).rows_quarantined == 0
    yield s
    s.close()


def _selections_by_month(store: Store) -> pl.DataFrame:
    """Selected applications per month and regional group, straight from the store."""
    apps = store.frame("SELECT nationality, selected_date FROM main.applications "
                       "WHERE selected_date IS NOT NULL")
    return apps.select(pl.col("selected_date").dt.strftime("%Y-%m").alias("month"),
                       pl.col("nationality").replace_strict(GROUP).alias("group")) \
        .group_by("month", "group").len()


# ------------------------------------------------------------------------- registry

def test_one_definition_each_in_the_registry() -> None:
    assert DIMENSIONS["selection_month"].period_format == "%Y-%m"
    assert DIMENSIONS["selection_year"].period_format == "%Y"
    assert DIMENSIONS["event_month"].period_format == "%Y-%m"
    assert {"selection_month", "selection_year"} <= set(COMMANDS["funnel"])
    assert {"selection_month", "selection_year"} <= set(COMMANDS["timelines"])
    assert "event_month" in COMMANDS["careers"]
    assert "event_month" not in COMMANDS["careers --flow roster"]
    rows = {r["dimension"]: r for r in listing()}
    assert rows["selection_month"]["commands"] == "funnel (--where only), timelines"
    assert rows["event_month"]["commands"] == "careers"


# ------------------------------------------------------------------------- funnel

def test_funnel_gives_the_selections_decided_in_a_month(store: Store) -> None:
    direct = _selections_by_month(store)
    assert direct.height == 3  # 2022-03: AFR 2 (one from a roster), WEOG 1; 2022-04: APG 1
    for month in direct["month"].unique().to_list():
        report = funnel_report(store, ["regional_group"], where=[f"selection_month={month}"])
        assert PERIOD_NOTE in report.notes
        got: dict[str, int] = {}
        for section in (report.stages, report.roster):
            sel = section.filter(pl.col("stage") == "selected")
            for g, n in zip(sel["regional_group"], sel["count"], strict=True):
                got[g] = got.get(g, 0) + n
        want = direct.filter(pl.col("month") == month)
        assert got == dict(zip(want["group"], want["len"], strict=True))
        # every application kept was selected: each stage count is the selections
        regular = report.stages.group_by("regional_group").agg(pl.col("count").n_unique())
        assert regular["count"].to_list() == [1] * regular.height


def test_funnel_selection_year_and_months_together(store: Store) -> None:
    year = funnel_report(store, ["gender"], where=["selection_year=2022"]).stages
    months = funnel_report(store, ["gender"], where=["selection_month=2022-3,2022-04"]).stages
    assert year.equals(months)
    assert year.filter(pl.col("stage") == "selected")["count"].sum() == 3  # + 1 from roster
    never = funnel_report(store, ["gender"], where=["selection_month=unknown"])
    assert PERIOD_NOTE not in never.notes
    assert never.stages.filter(pl.col("stage") == "received")["count"].sum() == 5 - 1


def test_funnel_refuses_selection_month_as_a_breakdown(store: Store) -> None:
    with pytest.raises(UserInputError, match="--where selection_month=2022-03"):
        funnel_report(store, ["regional_group", "selection_month"])
    with pytest.raises(UserInputError, match="cannot stratify"):
        funnel_report(store, ["regional_group"], strata="selection_year")
    for bad in ("selection_month=2022-13", "selection_month=March", "selection_year=22"):
        with pytest.raises(UserInputError, match="is not a"):
            funnel_report(store, ["gender"], where=[bad])


# ------------------------------------------------------------------------- timelines

def test_timelines_by_month_of_the_first_selection(store: Store) -> None:
    apps = store.frame("SELECT opening_id, selected_date FROM main.applications")
    openings = store.frame("SELECT opening_id, posted_date, posting_type::VARCHAR AS t "
                           "FROM main.openings")
    first = apps.group_by("opening_id").agg(pl.col("selected_date").min()).join(
        openings, on="opening_id").filter(pl.col("t") == "position_specific").with_columns(
        pl.col("selected_date").dt.strftime("%Y-%m").fill_null("unknown").alias("month"))
    direct = first.group_by("month").agg(pl.len().alias("openings"),
                                         pl.col("selected_date").count().alias("selected"))
    table = timelines_report(store, ["selection_month"]).timelines
    got = table.filter(pl.col("selection_month") != "all")
    assert dict(zip(got["selection_month"], got["openings"], strict=True)) == dict(
        zip(direct["month"], direct["openings"], strict=True)) == {"2022-03": 2, "unknown": 1}
    assert dict(zip(got["selection_month"], got["selected"], strict=True)) == dict(
        zip(direct["month"], direct["selected"], strict=True))
    # O1 (posted 2021-11-01) filled 2022-03-15, O2 (2022-01-10) on 2022-03-20: 134 and 69 days
    march = first.filter(pl.col("month") == "2022-03").select(
        (pl.col("selected_date") - pl.col("posted_date")).dt.total_days()).to_series()
    assert sorted(march.to_list()) == [69, 134]
    row = got.filter(pl.col("selection_month") == "2022-03").row(0, named=True)
    assert row["censored"] == 0 and row["p25_days"] == 69
    only = timelines_report(store, ["selection_year"], where=["selection_month=2022-03"])
    assert only.timelines["openings"].to_list() == [2, 2]
    # a selection after as_of is not yet made, nor dated
    early = timelines_report(store, ["selection_month"], as_of=date(2022, 3, 16))
    months = dict(zip(early.timelines["selection_month"], early.timelines["selected"],
                      strict=True))
    assert months == {"all": 1, "2022-03": 1, "unknown": 0}


# ------------------------------------------------------------------------- careers

def _events_by_month(store: Store, kind: str) -> dict[str, int]:
    """Events of ``kind`` within the snapshots' coverage, per month, straight from SQL."""
    rows = store.frame(
        "SELECT strftime(event_date, '%Y-%m') AS m, count(*) AS n FROM main.events "
        "WHERE event::VARCHAR = ? AND event_date > (SELECT min(snapshot_date) FROM main.staff)"
        " AND event_date <= (SELECT max(snapshot_date) FROM main.staff) GROUP BY m",
        [kind])
    return dict(zip(rows["m"], rows["n"], strict=True))


@pytest.mark.parametrize(("flow", "outcome", "kind"), [
    ("promotion", "promotion", "promotion"), ("separation", "all", "separation"),
    ("reassignment", "any", "reassignment")])
def test_careers_events_by_month(store: Store, flow: str, outcome: str, kind: str) -> None:
    table = careers(store, flow, ["event_month"])
    assert "ratio" not in table.columns and "verdict" not in table.columns
    part = table.filter((pl.col("outcome") == outcome) & (pl.col("count") > 0))
    assert dict(zip(part["event_month"], part["count"], strict=True)) == \
        _events_by_month(store, kind)
    assert "duty_station" not in set(table["outcome"])
    # every month of the period has a row (24 months), zero events included
    assert table.filter(pl.col("outcome") == outcome).height == 24
    # a year's months add up to the count and staff-years of the rate table for the year
    for year in (2021, 2022):
        rates = careers(store, flow, ["regional_group"], year, year)
        months = careers(store, flow, ["regional_group", "event_month"], year, year)
        for frame in (rates, months):
            assert frame["rate"].null_count() == 0
        one = rates.filter(pl.col("outcome") == outcome)
        split = months.filter(pl.col("outcome") == outcome)
        assert split["count"].sum() == one["count"].sum()
        assert split["staff_years"].sum() == pytest.approx(one["staff_years"].sum())
        assert set(split["event_month"].str.slice(0, 4)) == {str(year)}


def _days_by_month() -> pl.DataFrame:
    """Staff-days per month and regional group by hand: everyone is present from the first
    snapshot to their separation (or the last snapshot), days d with start < d ≤ end."""
    ends = {e["person_id"]: date.fromisoformat(str(e["event_date"])) for e in EVENTS
            if e["event"] == "separation"}
    rows = []
    for pid, (nat, _) in PEOPLE.items():
        last = ends.get(pid, date(2022, 12, 31))
        days = pl.date_range(date(2021, 1, 1), last, eager=True)
        rows.append(pl.DataFrame({"day": days}).with_columns(
            pl.lit(GROUP[nat]).alias("group")))
    every = pl.concat(rows)
    return every.group_by(pl.col("day").dt.strftime("%Y-%m").alias("month"), "group").len()


def test_careers_staff_years_split_by_month(store: Store) -> None:
    table = careers(store, "separation", ["regional_group", "event_month"])
    part = table.filter(pl.col("outcome") == "all")
    got = {(g, m): round(y * 365.25) for g, m, y in
           part.select("regional_group", "event_month", "staff_years").iter_rows()}
    direct = _days_by_month()
    assert got == {(g, m): n for m, g, n in direct.select("month", "group", "len").iter_rows()}
    # the rate and its exact Poisson interval (Garwood) for one month, by hand
    from scipy import stats

    row = part.filter((pl.col("regional_group") == "WEOG")
                      & (pl.col("event_month") == "2022-03")).row(0, named=True)
    days = direct.filter((pl.col("group") == "WEOG") & (pl.col("month") == "2022-03"))["len"]
    t = days.item() / 365.25
    assert row["count"] == 1 and row["rate"] == pytest.approx(1 / t)
    assert row["rate_low"] == pytest.approx(stats.chi2.ppf(0.025, 2) / (2 * t))
    assert row["rate_high"] == pytest.approx(stats.chi2.ppf(0.975, 4) / (2 * t))


def test_careers_events_by_month_and_group(store: Store) -> None:
    counts = careers_counts(store, "promotion", ["regional_group", "event_month"])
    assert counts["staff_years"].null_count() == 0
    got = {(g, m): n for g, m, n in counts.select("regional_group", "event_month", "count")
           .iter_rows() if n}
    # S1 (KEN) 2021-03, S2 (FRA) 2021-03, S3 (CHN) 2022-07; S7's are outside the snapshots
    assert got == {("AFR", "2021-03"): 1, ("WEOG", "2021-03"): 1, ("APG", "2022-07"): 1}
    assert api.careers(store, "separation", ["event_month"])["count"].sum() > 0


def test_careers_event_month_has_no_comparisons(store: Store) -> None:
    with pytest.raises(UserInputError, match="but no ratios, tests, strata"):
        careers(store, "promotion", ["event_month"], strata=["grade"])
    with pytest.raises(UserInputError, match="but no ratios, tests, strata"):
        careers(store, "promotion", ["regional_group", "event_month"], reference="AFR")
    with pytest.raises(UserInputError, match="cannot be broken down by event_month"):
        careers_survival(store, ["event_month"])
    with pytest.raises(UserInputError, match="not a dimension the roster flow"):
        careers(store, "roster", ["event_month"])


# ------------------------------------------------------------------------- CLI

def _cli(*args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "parity.cli.main", *args, "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out: dict[str, object] = json.loads(done.stdout)
    assert {"parameters", "data_as_of", "sections"} <= set(out)
    return out


def test_cli_accepts_the_names(store: Store) -> None:
    db = str(store.path)
    store.close()
    funnel = _cli("funnel", "--db", db, "--by", "regional_group", "--where",
                  "selection_month=2022-03")
    stages = pl.DataFrame(funnel["sections"]["stages"])  # type: ignore[index]
    sel = stages.filter(pl.col("stage") == "selected")
    assert dict(zip(sel["regional_group"], sel["count"], strict=True)) == {"AFR": 1, "WEOG": 1}
    tl = _cli("timelines", "--db", db, "--by", "selection_month")
    months = [r["selection_month"] for r in tl["sections"]["timelines"]]  # type: ignore[index]
    assert months == ["all", "2022-03", "unknown"]
    flows = _cli("careers", "--db", db, "--flow", "separation", "--by", "event_month")
    rows = flows["sections"]["separation"]  # type: ignore[index]
    assert {(r["event_month"], r["count"]) for r in rows
            if r["outcome"] == "all" and r["count"]} == {("2021-11", 1), ("2022-03", 1)}
    dims = _cli("dimensions", "--command", "careers")
    names = {r["dimension"] for section in dims["sections"].values()  # type: ignore[union-attr]
             for r in section}
    assert "event_month" in names
