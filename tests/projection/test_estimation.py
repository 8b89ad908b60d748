"""Estimators (rates with shrinkage, recruitment mix) and the scenario file format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from parity.core.errors import SettingsError
from parity.core.projection import load_scenario, parse_scenario, shipped_scenarios
from parity.core.projection.rates import estimate_rates
from parity.core.projection.recruitment import (
    GROUPS,
    UNDERREPRESENTED,
    UNREPRESENTED,
    WITHIN,
    apply_women_share,
    build_recruitment,
)
from parity.core.projection.scenario import BASELINE, Retirement
from parity.core.projection.structure import build_structure

EMPTY_FILLS = pl.DataFrame(schema={"event": pl.Utf8, "from_grade": pl.Utf8, "to_grade": pl.Utf8,
                                   "n": pl.Int64})


def _py(rows: list[tuple[str, str, int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame([{"year": 2024, "grade": g, "gender": s, "age": age, "cohort": 2,
                          "at_risk": n, "separated": d, "retired": 0, "promoted": 0}
                         for g, s, n, d, age in rows])


def test_small_cells_shrink_toward_the_grade_mean() -> None:
    st = build_structure("professional")
    py = _py([("P-4", "F", 5000, 500, 40), ("P-4", "M", 5000, 300, 40),
              ("D-2", "F", 4, 4, 50), ("D-2", "M", 400, 20, 50)])
    rates = estimate_rates(st, py, EMPTY_FILLS, Retirement(), prior_staff_years=20)
    mean = rates.mean().separation[0]
    p4, d2 = st.grade_index("P-4"), st.grade_index("D-2")
    # big cells keep their own rate
    assert abs(mean[p4, 0] - 0.10) < 0.002 and abs(mean[p4, 1] - 0.06) < 0.002
    # 4 of 4 D-2 women left: the estimate is pulled far toward the D-2 mean (24/404 ≈ 0.06)
    overall = 824 / 10404
    ladder = (824 + 20 * overall) / (10404 + 20)
    grade_mean = (24 + 20 * ladder) / (404 + 20)
    assert abs(mean[d2, 0] - (4 + 20 * grade_mean) / (4 + 20)) < 1e-9
    assert mean[d2, 0] < 0.3
    # without shrinkage the small cell keeps its raw rate
    raw = estimate_rates(st, py, EMPTY_FILLS, Retirement(), prior_staff_years=0).mean().separation[0]
    assert raw[d2, 0] > 0.99
    # draws are spread like the posterior: a small cell varies more than a large one
    draws = rates.draw(np.random.default_rng(0), 4000).separation
    assert draws[:, d2, 0].std() > 5 * draws[:, p4, 0].std()


def test_person_years_at_the_mandatory_age_are_left_out() -> None:
    st = build_structure("professional")
    py = _py([("P-5", "F", 100, 10, 50), ("P-5", "F", 100, 100, 65)])
    rates = estimate_rates(st, py, EMPTY_FILLS, Retirement(), prior_staff_years=0)
    assert rates.exposure[st.grade_index("P-5"), 0] == 100
    assert abs(rates.mean().separation[0, st.grade_index("P-5"), 0] - 0.10) < 1e-6


def _recruitment(apps: list[tuple[str, str, int, int]]) -> object:
    st = build_structure("professional")
    frame = pl.DataFrame([{"grade": "P-3", "nationality": n, "gender": g, "internal": False,
                           "applications": a, "selected": s} for n, g, a, s in apps])
    empty = pl.DataFrame(schema={"grade": pl.Utf8, "gender": pl.Utf8, "age": pl.Int64, "n": pl.Int64})
    geo = pl.DataFrame(schema={"grade": pl.Utf8, "nationality": pl.Utf8, "n": pl.Int64})
    return build_recruitment(st, frame, empty, geo, prior_selections=5)


def test_equal_selection_rates_make_group_shares_follow_applications() -> None:
    # WEOG applicants are selected at four times the rate of African applicants
    model = _recruitment([("FRA", "F", 10000, 400), ("NGA", "M", 10000, 100), ("KEN", "F", 10000, 100)])
    st = model.structure  # type: ignore[attr-defined]
    w = np.zeros((1, st.n_grades))
    w[0, st.grade_index("P-3")] = 1.0
    rates = model.selection_rates(None, 1)  # type: ignore[attr-defined]
    status = np.full((1, len(model.nationalities)), WITHIN, dtype=np.int8)  # type: ignore[attr-defined]
    nats = list(model.nationalities)  # type: ignore[attr-defined]
    base = model.nationality_mix(BASELINE, 2026, status, w, rates)  # type: ignore[attr-defined]
    assert base[0, nats.index("FRA")] > 0.6
    eq = parse_scenario({"name": "eq", "recruitment": {"equal_selection_rates": {"from_year": 2026}}}, "t")
    mix = model.nationality_mix(eq, 2026, status, w, rates)  # type: ignore[attr-defined]
    group = model.group_of  # type: ignore[attr-defined]
    weog, afr = GROUPS.index("WEOG"), GROUPS.index("AFR")
    assert abs(mix[0, group == weog].sum() - 1 / 3) < 0.01
    assert abs(mix[0, group == afr].sum() - 2 / 3) < 0.01
    before = model.nationality_mix(eq, 2025, status, w, rates)  # type: ignore[attr-defined]
    assert np.allclose(before, base)


def test_outreach_levers_follow_each_runs_status() -> None:
    model = _recruitment([("FRA", "F", 10000, 400), ("NGA", "M", 10000, 100), ("KEN", "F", 10000, 100)])
    st = model.structure  # type: ignore[attr-defined]
    nats = list(model.nationalities)  # type: ignore[attr-defined]
    w = np.zeros((2, st.n_grades))
    w[:, st.grade_index("P-3")] = 1.0
    rates = np.repeat(model.selection_rates(None, 1), 2, axis=0)  # type: ignore[attr-defined]
    status = np.full((2, len(nats)), WITHIN, dtype=np.int8)
    status[0, nats.index("NGA")] = UNDERREPRESENTED  # only in run 0
    status[:, nats.index("KEN")] = UNREPRESENTED
    more = parse_scenario({"name": "m", "recruitment": {"application_multipliers": [
        {"states": "under_or_unrepresented", "factor": 2.0}]}}, "t")
    mix = model.nationality_mix(more, 2026, status, w, rates)  # type: ignore[attr-defined]
    base = model.nationality_mix(BASELINE, 2026, status, w, rates)  # type: ignore[attr-defined]
    nga, ken = nats.index("NGA"), nats.index("KEN")
    fra = nats.index("FRA")
    assert mix[0, nga] > base[0, nga]
    # in run 1 Nigeria is within range: only Kenya's boost dilutes it, like France
    assert np.isclose(mix[1, nga] / mix[1, fra], base[1, nga] / base[1, fra])
    assert mix[0, ken] > base[0, ken] and mix[1, ken] > base[1, ken]
    floor = parse_scenario({"name": "f", "recruitment": {"minimum_share_underrepresented": {"share": 0.5}}}, "t")
    mix = model.nationality_mix(floor, 2026, status, w, rates)  # type: ignore[attr-defined]
    under = np.isin(status, (UNREPRESENTED, UNDERREPRESENTED))
    assert np.all((mix * under).sum(1) >= 0.5 - 1e-9) and np.allclose(mix.sum(1), 1.0)


def test_women_share_keeps_the_other_sexes_in_proportion() -> None:
    mix = np.array([[0.4, 0.5, 0.05, 0.05], [0.4, 0.5, 0.05, 0.05]])
    out = apply_women_share(mix, np.array([0.6, np.nan]))
    assert np.allclose(out[0], [0.6, 0.4 * 0.5 / 0.6, 0.4 * 0.05 / 0.6, 0.4 * 0.05 / 0.6])
    assert np.allclose(out[1], mix[1])


def test_shipped_scenarios_load() -> None:
    shipped = shipped_scenarios()
    assert {"baseline", "equal_selection_rates", "more_applicants_underrepresented",
            "half_selections_underrepresented", "gender_balanced_senior", "hiring_freeze",
            "budget_cut"} <= set(shipped)
    for name, path in shipped.items():
        sc = load_scenario(path)
        assert sc.name and sc.origin == str(path), name
    assert load_scenario("hiring_freeze").establishment.freezes[0].from_year == 2026
    assert load_scenario("baseline").model_dump(exclude={"name", "description"}) == \
        BASELINE.model_dump(exclude={"name", "description"})


@pytest.mark.parametrize(("text", "key", "fix"), [
    ("name: x\nrecruitment:\n  women_shares: []\n", "recruitment.women_shares", "remove"),
    ("name: x\nestablishment:\n  freezes:\n    - {from_year: 2027, to_year: 2026}\n",
     "establishment.freezes.0", "to_year is before from_year"),
    ("name: x\nrecruitment:\n  women_share:\n    - {share: 0.5, grades: [P-9]}\n",
     "recruitment.women_share.0.grades", "unknown grade P-9"),
    ("name: x\nretirement:\n  rule: sometimes\n", "retirement.rule", "one of"),
    ("description: no name\n", "name", "add 'name'"),
])
def test_scenario_errors_name_file_key_and_fix(tmp_path: Path, text: str, key: str, fix: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as exc:
        load_scenario(path)
    message = str(exc.value)
    assert str(path) in message and f"'{key}'" in message and fix in message, message


def test_missing_or_broken_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"does not exist.*baseline"):
        load_scenario(tmp_path / "nope.yaml")
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_scenario(bad)
