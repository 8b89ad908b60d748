"""Desirable ranges: a hand-worked membership, status boundaries, what-if, the real data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

from parity.core.analytics.ranges import (
    STATUSES,
    classify,
    desirable_ranges,
    range_limits,
    reference_membership,
    what_if,
)
from parity.core.errors import SettingsError
from parity.core.ingest import ingest
from parity.core.params import RangeParameters, load_range_parameters
from parity.core.store import Store

from ._data import person

# --------------------------------------------------------------------------- hand-worked
# Four invented States (real ISO codes so that staff rows validate), base figure B = 80:
#
#            population  rate %
#   FRA (A)      60        80
#   KEN (B)      28        15
#   BRA (C)      10         4
#   NRU (D)       2         1
#
# membership component  = 0.40 · 80 / 4            = 8 for every State
# population component  = 0.05 · 80 · pop / 100    = 4 · pop / 100
# contribution component = 0.55 · 80 · rate / 100 = 44 · rate / 100
#
#   A: 8 + 2.40 + 35.20 = 45.60; 15 % = 6.84 > 4.8 → half 6.84 → 38.76 .. 52.44 → 39 .. 52
#   B: 8 + 1.12 +  6.60 = 15.72; 15 % = 2.358 → half 4.8 (minimum) → 10.92 .. 20.52 → 11 .. 21
#   C: 8 + 0.40 +  1.76 = 10.16; half 4.8 → 5.36 .. 14.96 → 5 .. 15
#   D: 8 + 0.08 +  0.44 =  8.52; half 4.8 → 3.72 .. 13.32, upper raised to 14 → 4 .. 14
#   Σ midpoints = 45.60 + 15.72 + 10.16 + 8.52 = 80 = B.
HAND = {
    # iso3: (population, rate, membership, population_c, contribution_c, midpoint,
    #        lower_exact, upper_exact, lower, upper)
    "FRA": (60, 80, 8.0, 2.40, 35.20, 45.60, 38.76, 52.44, 39, 52),
    "KEN": (28, 15, 8.0, 1.12, 6.60, 15.72, 10.92, 20.52, 11, 21),
    "BRA": (10, 4, 8.0, 0.40, 1.76, 10.16, 5.36, 14.96, 5, 15),
    "NRU": (2, 1, 8.0, 0.08, 0.44, 8.52, 3.72, 14.00, 4, 14),
}
# Nationals in the system on each snapshot, chosen at and around the limits:
#   2022: FRA 39 = lower (within, below midpoint); KEN 10 = lower − 1 (under);
#         BRA 15 = upper (within, above midpoint); NRU 15 = upper + 1 (over)
#   2023: FRA 38 = lower − 1 (under); KEN 11 = lower (within, below midpoint);
#         BRA 16 = upper + 1 (over); NRU 0 (unrepresented)
COUNTS = {
    date(2022, 12, 31): {"FRA": 39, "KEN": 10, "BRA": 15, "NRU": 15},
    date(2023, 12, 31): {"FRA": 38, "KEN": 11, "BRA": 16, "NRU": 0},
}
EXPECTED = {
    date(2022, 12, 31): {"FRA": "within_below_midpoint", "KEN": "underrepresented",
                         "BRA": "within_above_midpoint", "NRU": "overrepresented"},
    date(2023, 12, 31): {"FRA": "underrepresented", "KEN": "within_below_midpoint",
                         "BRA": "overrepresented", "NRU": "unrepresented"},
}


def hand_params(tmp_path: Path, **limits: object) -> RangeParameters:
    doc: dict[str, object] = {
        "base_figure": {"mode": "fixed", "fixed_by_year": {2022: 80, 2023: 80}},
        "membership": {"states": [
            {"iso3": k, "population": v[0], "assessment_rate_percent": v[1]}
            for k, v in HAND.items()]},
    }
    if limits:
        doc["limits"] = limits
    path = tmp_path / "hand.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_range_parameters(path)


@pytest.fixture
def hand_store(store: Store, write_rows) -> Store:  # type: ignore[no-untyped-def]
    rows: list[dict[str, object]] = []
    for snap, counts in COUNTS.items():
        n = 0
        for iso3, k in counts.items():
            for _ in range(k):
                n += 1
                rows.append({**person(f"{iso3}{n}", iso3), "snapshot_date": snap.isoformat()})
        # not counted: a General Service national (geo_subject false) and a P-4 on a
        # non-geographical post
        rows.append({**person("G1", "FRA", "G-5", geo=False), "snapshot_date": snap.isoformat()})
        rows.append({**person("E1", "KEN", "P-4", geo=False), "snapshot_date": snap.isoformat()})
        rows.append({**person("X1", "XXX", "P-3"), "snapshot_date": snap.isoformat()})
    report = ingest([write_rows("staff", rows)], store)
    assert report.rows_quarantined == 0
    return store


def test_hand_worked_ranges_and_status(hand_store: Store, tmp_path: Path) -> None:
    params = hand_params(tmp_path)
    for snap, expected in EXPECTED.items():
        result = desirable_ranges(hand_store, as_of=snap, params=params)
        assert result.base_figure == 80 and result.base_figure_mode == "fixed"
        states = {r["iso3"]: r for r in result.states.to_dicts()}
        assert set(states) == set(HAND)
        for iso3, (_, _, m, p, c, mid, lo_x, up_x, lo, up) in HAND.items():
            s = states[iso3]
            assert s["membership_component"] == pytest.approx(m)
            assert s["population_component"] == pytest.approx(p)
            assert s["contribution_component"] == pytest.approx(c)
            assert s["midpoint"] == pytest.approx(mid)
            assert s["lower_exact"] == pytest.approx(lo_x)
            assert s["upper_exact"] == pytest.approx(up_x)
            assert (s["lower"], s["upper"]) == (lo, up)
            assert s["staff"] == COUNTS[snap][iso3]
            assert s["status"] == expected[iso3], (snap, iso3)
        assert result.states["midpoint"].sum() == pytest.approx(80)


def test_distance_and_needed(hand_store: Store, tmp_path: Path) -> None:
    result = desirable_ranges(hand_store, as_of=date(2023, 12, 31), params=hand_params(tmp_path))
    s = {r["iso3"]: r for r in result.states.to_dicts()}
    assert (s["FRA"]["distance_to_range"], s["FRA"]["needed_to_reach_lower"]) == (-1, 1)
    assert (s["KEN"]["distance_to_range"], s["KEN"]["needed_to_reach_lower"]) == (0, 0)
    assert (s["BRA"]["distance_to_range"], s["BRA"]["needed_to_reach_lower"]) == (1, 0)
    assert (s["NRU"]["distance_to_range"], s["NRU"]["needed_to_reach_lower"]) == (-4, 4)
    assert result.outreach["iso3"].to_list() == ["NRU", "FRA"]
    counts = dict(result.status_counts.select("status", "states").iter_rows())
    assert counts == {"unrepresented": 1, "underrepresented": 1, "within_below_midpoint": 1,
                      "within_above_midpoint": 0, "overrepresented": 1}


def test_what_if_allocations(hand_store: Store, tmp_path: Path) -> None:
    result = desirable_ranges(hand_store, as_of=date(2023, 12, 31), params=hand_params(tmp_path))

    def after(w: object) -> dict[str, int]:
        return dict(w.status_counts.select("status", "states_after").iter_rows())  # type: ignore[attr-defined]

    # largest gap first: NRU needs 4, FRA 1 → all three go to NRU (gaps 4, 3, 2 > 1)
    w = what_if(result, 3, "largest_gap")
    assert dict(w.states.select("iso3", "allocated").iter_rows()) == {"NRU": 3, "FRA": 0}
    assert after(w)["unrepresented"] == 0 and after(w)["underrepresented"] == 2
    # smallest gap first: FRA gets its 1 and comes into range, NRU gets the other 2
    w = what_if(result, 3, "smallest_gap")
    assert dict(w.states.select("iso3", "allocated").iter_rows()) == {"NRU": 2, "FRA": 1}
    assert after(w) == {"unrepresented": 0, "underrepresented": 1, "within_below_midpoint": 2,
                        "within_above_midpoint": 0, "overrepresented": 1}
    # more than needed: 5 are used, 5 left unallocated, both States within range
    w = what_if(result, 10)
    assert w.unallocated == 5
    assert dict(w.states.select("iso3", "status_after").iter_rows()) == {
        "NRU": "within_below_midpoint", "FRA": "within_below_midpoint"}


def test_staff_count_base_figure(hand_store: Store, tmp_path: Path) -> None:
    """Default mode: B = geo_subject staff on the snapshot, non-member nationals included."""
    params = hand_params(tmp_path)
    bf = params.base_figure.model_copy(update={"mode": params.base_figure.mode.model_copy(
        update={"value": "staff_count"})})
    params = params.model_copy(update={"base_figure": bf})
    result = desirable_ranges(hand_store, as_of=date(2022, 12, 31), params=params)
    assert result.base_figure == 39 + 10 + 15 + 15 + 1
    assert result.states["midpoint"].sum() == pytest.approx(80)
    assert any("1 staff" in n for n in result.notes)


# --------------------------------------------------------------------------- boundaries
def _one(lower: float, midpoint: float, upper: float, staff: list[int],
         params: RangeParameters) -> list[str]:
    frame = pl.DataFrame({"staff": staff}).with_columns(
        pl.lit(lower).alias("lower"), pl.lit(midpoint).alias("midpoint"),
        pl.lit(upper).alias("upper"))
    return classify(frame, params)["status"].to_list()


def test_status_boundaries_inclusive() -> None:
    params = load_range_parameters()
    got = _one(11, 15.72, 21, [0, 10, 11, 15, 16, 21, 22], params)
    assert got == ["unrepresented", "underrepresented", "within_below_midpoint",
                   "within_below_midpoint", "within_above_midpoint", "within_above_midpoint",
                   "overrepresented"]


def test_status_boundaries_exclusive(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("limits:\n  lower_limit_inclusive: false\n  upper_limit_inclusive: false\n")
    got = _one(11, 15.72, 21, [0, 10, 11, 12, 20, 21, 22], load_range_parameters(path))
    assert got == ["unrepresented", "underrepresented", "underrepresented",
                   "within_below_midpoint", "within_above_midpoint", "overrepresented",
                   "overrepresented"]


def test_zero_lower_limit_still_unrepresented() -> None:
    params = load_range_parameters()
    assert _one(0, 2.0, 14, [0, 1, 14, 15], params) == [
        "unrepresented", "within_below_midpoint", "within_above_midpoint", "overrepresented"]


@pytest.mark.parametrize(("how", "lower", "upper"), [
    ("none", 38.76, 52.44), ("nearest", 39, 52), ("outward", 38, 53)])
def test_rounding_rules(tmp_path: Path, how: str, lower: float, upper: float) -> None:
    params = hand_params(tmp_path, rounding=how)
    members = params.membership.frame()
    assert members is not None
    fra = range_limits(members, 80, params).filter(pl.col("iso3") == "FRA").row(0, named=True)
    assert (fra["lower"], fra["upper"]) == (pytest.approx(lower), pytest.approx(upper))
    frame = pl.DataFrame({"staff": [38, 39]}).with_columns(
        pl.lit(fra["lower"]).alias("lower"), pl.lit(fra["midpoint"]).alias("midpoint"),
        pl.lit(fra["upper"]).alias("upper"))
    expect_38 = "within_below_midpoint" if how == "outward" else "underrepresented"
    assert classify(frame, params)["status"].to_list() == [expect_38, "within_below_midpoint"]


# --------------------------------------------------------------------------- real data
@pytest.mark.parametrize("year", [2019, 2022, 2025])
@pytest.mark.parametrize("base", [3300.0, 12_000.0])
def test_real_reference_properties(year: int, base: float) -> None:
    params = load_range_parameters()
    notes: list[str] = []
    members, s_year, p_year = reference_membership(date(year, 12, 31), params, notes)
    assert members.height == 193 and members["iso3"].n_unique() == 193
    assert members["population"].null_count() == 0
    assert s_year == year and p_year == min(year, 2024)
    ranges = range_limits(members, base, params)
    assert ranges["midpoint"].sum() == pytest.approx(base)
    assert (ranges["lower_exact"] <= ranges["midpoint"]).all()
    assert (ranges["midpoint"] <= ranges["upper_exact"]).all()
    assert (ranges["lower"] <= ranges["upper"]).all()
    assert (ranges["upper_exact"] >= 14).all()
    assert (ranges["upper_exact"] - ranges["lower_exact"] >= 2 * 4.8 - 1e-9).all()
    assert (ranges["lower_exact"] >= 0).all()


def test_real_data_through_a_store(hand_store: Store) -> None:
    result = desirable_ranges(hand_store, as_of=date(2022, 12, 31))
    assert result.states.height == 193
    assert result.base_figure == 80
    assert result.states["midpoint"].sum() == pytest.approx(80)
    assert set(result.states["status"]) <= set(STATUSES)
    assert int(result.status_counts["states"].sum()) == 193
    assert result.states.filter(pl.col("iso3") == "FRA")["staff"].item() == 39


def test_years_outside_the_data(tmp_path: Path) -> None:
    params = load_range_parameters()
    notes: list[str] = []
    _, s_year, p_year = reference_membership(date(2030, 12, 31), params, notes)
    assert (s_year, p_year) == (2026, 2024) and len(notes) == 2
    path = tmp_path / "strict.yaml"
    path.write_text("reference_years:\n  outside_available_years: error\n")
    with pytest.raises(SettingsError, match="scale of assessments of 2030"):
        reference_membership(date(2030, 12, 31), load_range_parameters(path), [])


# --------------------------------------------------------------------------- parameter file
def test_default_parameters_carry_sources() -> None:
    params = load_range_parameters()
    table = params.sources()
    assert table.height == 16 and table["source"].str.len_chars().min() > 10  # type: ignore[operator]
    assert params.limits.minimum_half_width.value == 4.8
    assert params.limits.minimum_upper_limit.value == 14
    assert params.weights.contribution.confirmation == "corroborated"
    assert params.base_figure.mode.confirmation == "not_found"


def test_override_records_the_user_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("limits:\n  minimum_half_width: 5\n  flexibility:\n    value: 0.2\n"
                    "    source: my memo\n    confirmation: verified\n")
    params = load_range_parameters(path)
    assert params.limits.minimum_half_width.value == 5
    assert params.limits.minimum_half_width.confirmation == "user"
    assert str(path) in params.limits.minimum_half_width.source
    assert params.limits.flexibility.source == "my memo"
    assert params.weights.membership.value == 0.40


@pytest.mark.parametrize(("text", "needle"), [
    ("weights:\n  membership: 0.5\n", "'weights'"),
    ("limits:\n  minimum_half_widht: 5\n", "'limits.minimum_half_widht'"),
    ("limits:\n  rounding: up\n", "'limits.rounding.value'"),
    ("limits: [\n", "not valid YAML at line 2"),
    ("membership:\n  states:\n    - {iso3: FRA, population: 1, assessment_rate_percent: 1}\n"
     "    - {iso3: FRA, population: 2, assessment_rate_percent: 1}\n", "FRA is listed twice"),
])
def test_bad_parameter_files_name_file_key_and_fix(tmp_path: Path, text: str,
                                                    needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SettingsError) as info:
        load_range_parameters(path)
    message = str(info.value)
    assert needle in message and str(path) in message and "Fix" in message


def test_missing_params_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_range_parameters(tmp_path / "nope.yaml")


def test_membership_file(tmp_path: Path, hand_store: Store) -> None:
    (tmp_path / "members.csv").write_text(
        "iso3,population,assessment_rate_percent\n"
        + "".join(f"{k},{v[0]},{v[1]}\n" for k, v in HAND.items()))
    (tmp_path / "p.yaml").write_text(
        "membership:\n  states_file: members.csv\n"
        "base_figure:\n  mode: fixed\n  fixed_by_year: {2022: 80}\n")
    result = desirable_ranges(hand_store, as_of=date(2022, 12, 31),
                              params=load_range_parameters(tmp_path / "p.yaml"))
    assert dict(result.states.select("iso3", "status").iter_rows()) == EXPECTED[
        date(2022, 12, 31)]
