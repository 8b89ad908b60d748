"""The simulator's accounting (METHODS §2.7 unit tests) on hand-made inputs."""

from __future__ import annotations

import numpy as np
import polars as pl

from parity.core.projection import build_inputs, constant_limits, run, simulate
from parity.core.projection.history import History
from parity.core.projection.recruitment import NO_RANGE, UNDERREPRESENTED, WITHIN
from parity.core.projection.scenario import BASELINE, parse_scenario

from ._data import homogeneous_history

BIRTHS = [1955 + (i * 7) % 40 for i in range(400)]  # ages 29 to 69 on the 2024 snapshot


def _ladder_history() -> History:
    """Three grades with promotions, two sexes, both entity types."""
    h = homogeneous_history(100, 100, 0.08, 0.06, 0.55, births=BIRTHS)
    grades = ["P-3", "P-4", "P-5"]
    base = h.base.with_columns(
        pl.Series("grade", [grades[i % 3] for i in range(h.base.height)]))
    py = pl.concat([h.person_years.with_columns(pl.lit(g).alias("grade"),
                                                pl.lit(50).alias("promoted")) for g in grades])
    fills = pl.DataFrame({"event": ["promotion", "promotion", "appointment", "appointment"],
                          "from_grade": ["P-3", "P-4", None, None],
                          "to_grade": ["P-4", "P-5", "P-4", "P-5"], "n": [60, 70, 40, 30]})
    apps = pl.concat([h.applications.with_columns(pl.lit(g).alias("grade")) for g in grades])
    return History(h.base_date, base, py, fills, h.appointments, apps)


def test_stock_is_conserved_and_never_negative() -> None:
    inputs = build_inputs(_ladder_history(), BASELINE, horizon=6)
    out = simulate(inputs, runs=300, seed=5)
    stock = out.stock.sum((3, 4))  # runs × years × grades
    for t in range(6):
        flow = (-out.retired[:, t] - out.separated[:, t] + out.recruited[:, t]).sum(-1)
        # promotions move staff between grades: into g from its feeder
        moved = out.promoted[:, t].sum(-1)
        feeder = inputs.structure.feeder
        delta = flow + moved
        for g in range(inputs.structure.n_grades):
            if feeder[g] >= 0:
                delta[:, feeder[g]] -= moved[:, g]
        assert np.array_equal(stock[:, t + 1] - stock[:, t], delta)
    assert (out.stock >= 0).all() and (out.nationals >= 0).all()
    assert (out.promoted.sum() > 0) and (out.recruited.sum() > 0)
    # a fixed establishment stays full
    assert np.all(stock.sum(-1) == 400)
    assert np.all(out.nationals.sum(-1) == 400)


def test_only_mandatory_retirements_without_hazards_or_hires() -> None:
    history = homogeneous_history(200, 200, 0.0, 0.0, 0.5, births=BIRTHS)
    freeze = parse_scenario({"name": "freeze", "establishment": {
        "freezes": [{"from_year": 2025, "to_year": 2034, "promotions": False}]}}, "test")
    inputs = build_inputs(history, freeze, horizon=10)
    out = simulate(inputs, runs=20, seed=1)
    births = np.array(BIRTHS)
    for t in range(1, 11):
        year = 2024 + t
        direct = int(((births + 65 <= year) if t == 1 else (births + 65 == year)).sum())
        assert (out.retired[:, t - 1].sum((-1, -2)) == direct).all(), year
        assert (out.nat_separated[:, t - 1].sum(-1) == direct).all(), year
    assert out.separated.sum() == 0 and out.recruited.sum() == 0 and out.appointed.sum() == 0
    assert (out.stock[:, -1].sum((-1, -2, -3)) == int((births + 65 > 2034).sum())).all()


def test_entry_cohort_rule_retires_earlier() -> None:
    history = homogeneous_history(200, 200, 0.0, 0.0, 0.5, births=BIRTHS)
    history = History(history.base_date, history.base.with_columns(pl.lit(1).alias("cohort")),
                      history.person_years, history.fills, history.appointments,
                      history.applications)
    rule = parse_scenario({"name": "62", "retirement": {"rule": "entry_cohort"}}, "test")
    out = simulate(build_inputs(history, rule, horizon=3), runs=5, seed=1)
    births = np.array(BIRTHS)
    assert (out.retired[:, 0].sum((-1, -2)) == int((births + 62 <= 2025).sum())).all()
    option = parse_scenario({"name": "opt", "retirement": {"rule": "entry_cohort_option",
                                                            "early_retirement_probability": 0.0}}, "t")
    out = simulate(build_inputs(history, option, horizon=3), runs=5, seed=1)
    assert (out.retired[:, 0].sum((-1, -2)) == int((births + 65 <= 2025).sum())).all()


def test_same_seed_same_result_and_expected_mode_tracks_the_mean() -> None:
    inputs = build_inputs(_ladder_history(), BASELINE, horizon=5)
    a, b = simulate(inputs, runs=200, seed=9), simulate(inputs, runs=200, seed=9)
    c = simulate(inputs, runs=200, seed=10)
    assert np.array_equal(a.stock, b.stock) and np.array_equal(a.nationals, b.nationals)
    assert not np.array_equal(a.stock, c.stock)
    ev = simulate(inputs, expected=True)
    women = a.stock[..., 0, :].sum((-1, -2)).mean(0)
    assert np.allclose(women, ev.stock[0, ..., 0, :].sum((-1, -2)), rtol=0.03)


def test_budget_cut_abolishes_posts_through_attrition() -> None:
    cut = parse_scenario({"name": "cut", "establishment": {
        "changes": [{"year": 2026, "posts": -40, "grades": ["P-3", "P-4"]}]}}, "test")
    inputs = build_inputs(_ladder_history(), cut, horizon=4)
    assert inputs.establishment[1].sum() == 400 and inputs.establishment[2].sum() == 360
    out = simulate(inputs, runs=100, seed=2)
    total = out.stock.sum((2, 3, 4))
    assert (total[:, 1] == 400).all()
    assert (total[:, 2:] >= 360).all() and (total[:, -1] == 360).mean() > 0.9
    assert (out.nationals.sum(-1)[:, -1] <= 400).all()


def test_freeze_stops_recruitment_and_the_posts_are_refilled_after() -> None:
    freeze = parse_scenario({"name": "freeze", "establishment": {
        "freezes": [{"from_year": 2025, "to_year": 2026}]}}, "test")
    out = simulate(build_inputs(_ladder_history(), freeze, horizon=4), runs=50, seed=4)
    assert out.recruited[:, :2].sum() == 0 and out.appointed[:, :2].sum() == 0
    total = out.stock.sum((2, 3, 4))
    assert (total[:, 2] < 400).all() and (total[:, 3] == 400).all()


def test_range_limits_given_as_a_frame() -> None:
    history = homogeneous_history(300, 700, 0.05, 0.05, 0.5)
    frame = pl.DataFrame({"iso3": ["FRA", "KEN"], "lower": [100, 1000], "upper": [400, 2000]})
    inputs = build_inputs(history, BASELINE, horizon=3, limits=constant_limits(frame, 2024, 3))
    res = run(inputs, runs=50, seed=1)
    nats = list(inputs.nationalities)
    out = simulate(inputs, runs=50, seed=1)
    assert (out.status[:, 0, nats.index("FRA")] == WITHIN).all()
    assert (out.status[:, 0, nats.index("KEN")] == UNDERREPRESENTED).all()
    assert (out.status[:, :, nats.index("DEU")] == NO_RANGE).all()
    states = res.states
    assert states["iso3"].to_list() == ["FRA", "KEN"]
    assert states["status_base"].to_list() == ["within", "underrepresented"]
    assert float(res.ranges.filter(pl.col("year") == 2024)["within"][0]) == 1


def test_women_share_lever_sets_the_mix_of_selections() -> None:
    lever = parse_scenario({"name": "women", "recruitment": {"women_share": [
        {"share": 1.0, "grades": ["P-5"], "applies_to": ["recruitment", "promotion"]}]}}, "test")
    h = _ladder_history()
    one_field = History(h.base_date, h.base.with_columns(pl.lit(False).alias("field")), h.person_years,
                        h.fills, h.appointments, h.applications)
    out = simulate(build_inputs(one_field, lever, horizon=3), runs=50, seed=4)
    p5 = out.inputs.structure.grade_index("P-5")
    assert out.recruited[:, :, p5, 1:].sum() == 0 and out.recruited[:, :, p5, 0].sum() > 0
    # promotions go to women while there are women to promote in the grade below …
    women_below = out.stock[:, :-1, p5 - 1, 0].sum(-1)
    assert (out.promoted[:, :, p5, 1:].sum(-1)[women_below >= 20] == 0).all()
    assert out.promoted[:, :, p5, 0].sum() > 0
    # … and to men only when no woman is left
    short = out.promoted[:, :, p5, 1:].sum(-1) > 0
    assert (out.stock[:, 1:, p5 - 1, 0].sum(-1)[short] == 0).all()
