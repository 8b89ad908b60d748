"""The one comparison routine (parity.core.analytics.compare): the funnel and the career
flows give the same answer for the same counts; the reference rules; the verdict family."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from parity.core import stats as ps
from parity.core.analytics.careers_compare import compare as careers_compare
from parity.core.analytics.compare import (
    MIN_REFERENCE,
    Block,
    check_reference,
    compare_blocks,
)
from parity.core.analytics.funnel_stats import Grid, stage_statistics
from parity.core.analytics.funnel_trend import clean_round
from parity.core.errors import UserInputError

#: Passes out of entrants for three groups; C is small (20 < 30) but has the top rate.
COUNTS = {"A": (30, 200), "B": (60, 250), "C": (12, 20)}


def _block(counts: dict[str, tuple[int, int]], direction: str = "lower") -> Block:
    x = np.array([[[v[0]] for v in counts.values()]], dtype=np.float64)
    n = np.array([[[v[1]] for v in counts.values()]], dtype=np.float64)
    return Block(x, n, list(counts), direction=direction)  # type: ignore[arg-type]


def _funnel(reference: str) -> pl.DataFrame:
    counts = np.array([[[n, x] for x, n in COUNTS.values()]], dtype=np.float64)
    grid = Grid((), ("group",), [()], [(g,) for g in COUNTS], ("received", "selected"), counts)
    frame = stage_statistics(grid, [("selected", "received")], reference)
    return frame.filter(pl.col("stage") == "selected")


def _careers(reference: str) -> pl.DataFrame:
    table = pl.DataFrame([{"outcome": "membership", "group": g, "count": x, "total": n}
                          for g, (x, n) in COUNTS.items()])
    return careers_compare(table, ["group"], [], kind="proportion", exposure="total",
                           outcomes=["membership"], directions={"membership": "lower"},
                           reference=reference)


@pytest.mark.parametrize("reference", ["others", "highest", "best", "A", "b"])
def test_funnel_and_careers_give_the_same_comparison(reference: str) -> None:
    funnel, careers = _funnel(reference), _careers(reference)
    pairs = {"reference": "reference", "reference_pass_rate": "reference_rate",
             "selection_ratio": "ratio", "selection_ratio_low": "ratio_low",
             "selection_ratio_high": "ratio_high", "p_value": "p_value", "q_value": "q_value",
             "power": "power", "verdict": "verdict", "pass_rate": "rate",
             "pass_rate_low": "rate_low", "pass_rate_high": "rate_high"}
    for f_col, c_col in pairs.items():
        left, right = funnel[f_col].to_list(), careers[c_col].to_list()
        if funnel.schema[f_col] == pl.Float64:
            nan = [math.nan if v is None else v for v in right]
            assert [math.nan if v is None else v for v in left] == pytest.approx(
                nan, rel=1e-12, nan_ok=True), f_col
        else:
            assert left == right, f_col


def test_the_numbers_are_those_of_scipy() -> None:
    (report,) = compare_blocks([_block(COUNTS)], kind="proportion", reference="others")
    p = []
    for i, (x1, n1) in enumerate(COUNTS.values()):
        x2 = sum(v[0] for v in COUNTS.values()) - x1
        n2 = sum(v[1] for v in COUNTS.values()) - n1
        assert report.ratio["ratio"][0, i] == pytest.approx((x1 / n1) / (x2 / n2))
        fisher = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
        assert report.ratio["p_value"][0, i] == pytest.approx(fisher, rel=1e-9)
        assert report.difference["difference"][0, i] == pytest.approx(x1 / n1 - x2 / n2)
        assert report.difference["shortfall"][0, i] == pytest.approx(n1 * x2 / n2 - x1)
        p.append(fisher)
    assert report.ratio["q_value"][0] == pytest.approx(multipletests(p, method="fdr_bh")[1])
    assert report.overall["rate"][0] == pytest.approx(102 / 470)
    assert list(report.reference[0]) == ["all others"] * 3


def test_worked_example_and_shortfall_in_persons() -> None:
    # METHODS §1.5: 30/200 against 60/250: AIR 0.625, Fisher p 0.0181, shortfall 18 →
    # adverse impact when it is the only comparison on the page.
    (report,) = compare_blocks([_block({"F": (30, 200), "R": (60, 250)})],
                               kind="proportion", reference="R")
    assert report.ratio["ratio"][0, 0] == pytest.approx(0.625)
    assert report.ratio["p_value"][0, 0] == pytest.approx(0.0180903, abs=1e-7)
    low, high = ps.koopman_interval(30, 200, 60, 250)
    assert (report.ratio["ratio_low"][0, 0], report.ratio["ratio_high"][0, 0]) == \
        pytest.approx((float(low), float(high)))
    assert report.verdicts[0].tolist() == ["adverse impact", None]
    assert report.difference["shortfall_persons"][0, 0] == 18
    # Halves go away from zero: 10·(5/20) − 0 = 2.5 → 3 and 10·(5/20) − 5 = −2.5 → −3.
    (half,) = compare_blocks([_block({"F": (0, 10), "G": (5, 10), "R": (5, 20)})],
                             kind="proportion", reference="R")
    assert half.difference["shortfall"][0, :2].tolist() == [2.5, -2.5]
    assert half.difference["shortfall_persons"][0, :2].tolist() == [3, -3]


def test_highest_needs_the_minimum_and_has_no_fallback() -> None:
    # C has the highest rate (60 %) but only 20 entrants: B (24 %) is the reference.
    (report,) = compare_blocks([_block(COUNTS)], kind="proportion", reference="highest")
    assert MIN_REFERENCE == 30
    assert list(report.reference[0]) == ["B", "B", "B"]
    assert report.is_reference[0].tolist() == [False, True, False]
    assert report.verdicts[0, 1] is None
    # With 30 entrants C qualifies.
    (bigger,) = compare_blocks([_block({**COUNTS, "C": (18, 30)})], kind="proportion",
                               reference="highest")
    assert list(bigger.reference[0]) == ["C"] * 3
    # No group with 30: no reference, nobody compared, every row "insufficient data".
    (none,) = compare_blocks([_block({"A": (3, 20), "B": (6, 25)})], kind="proportion",
                             reference="highest")
    assert none.reference[0].tolist() == [None, None]
    assert not none.compared.any() and not none.is_reference.any()
    assert none.verdicts[0].tolist() == ["insufficient data"] * 2
    assert np.isnan(none.ratio["ratio"]).all()
    # A group needs one event: for separations (a higher rate is adverse) the lowest rate
    # wins, but a group with none cannot be the reference.
    seps = {"A": (0.0, 400.0), "B": (8.0, 400.0), "C": (20.0, 400.0)}
    (rate,) = compare_blocks([_block(seps, "higher")], kind="rate", reference="best")
    assert list(rate.reference[0]) == ["B"] * 3
    # Ties go to the larger group.
    (tie,) = compare_blocks([_block({"A": (10, 40), "B": (20, 80)})], kind="proportion",
                            reference="highest")
    assert list(tie.reference[0]) == ["B", "B"]


def test_named_and_unknown_references() -> None:
    (named,) = compare_blocks([_block(COUNTS)], kind="proportion", reference="c")
    assert list(named.reference[0]) == ["C"] * 3 and named.verdicts[0, 2] is None
    assert check_reference("BEST", ["A"]) == "highest"
    assert check_reference("Others", ["A"]) == "others"
    with pytest.raises(UserInputError, match="'Z' is not one of the groups"):
        compare_blocks([_block(COUNTS)], kind="proportion", reference="Z")
    (absent,) = compare_blocks([_block(COUNTS)], kind="proportion", reference="Z",
                               absent_reference="none")
    assert absent.reference[0].tolist() == [None] * 3
    assert absent.verdicts[0].tolist() == ["insufficient data"] * 3


def test_verdict_properties_on_random_families() -> None:
    # 400 comparisons, each a panel of a focal group against a fixed reference, one family.
    rng = np.random.default_rng(82)
    n1 = rng.integers(0, 3000, 400)
    n2 = rng.integers(0, 3000, 400)
    p2 = rng.uniform(0.02, 0.6, 400)
    x1 = rng.binomial(n1, p2 * rng.uniform(0.4, 1.3, 400))
    x2 = rng.binomial(n2, p2)
    x = np.stack([x1, x2], -1)[..., None].astype(np.float64)
    n = np.stack([n1, n2], -1)[..., None].astype(np.float64)
    (report,) = compare_blocks([Block(x, n, ["F", "R"])], kind="proportion", reference="R")
    verdict = report.verdicts[:, 0]
    air, q, power = (report.ratio[k][:, 0] for k in ("ratio", "q_value", "power"))
    assert set(verdict.tolist()) == set(ps.VERDICTS)  # the family exercises every verdict
    adverse = verdict == "adverse impact"
    assert np.all(air[adverse] < 0.8) and np.all(q[adverse] < 0.05)
    clear = verdict == "no evidence"
    assert np.all(air[clear] >= 0.8)
    favoured = (air > 1) & (q < 0.05)
    assert np.all(power[clear & ~favoured] >= 0.8)
    with np.errstate(divide="ignore", invalid="ignore"):
        mda = ps.minimum_detectable_air(n1, n2, x2 / n2)
    assert np.all(mda[clear & ~favoured] >= 0.8)
    assert np.all(verdict[favoured] == "no evidence")
    assert np.all(verdict[(n1 == 0) | (n2 == 0)] == "insufficient data")
    np.testing.assert_allclose(q, ps.bh_adjust(report.ratio["p_value"][:, 0]))
    # The one verdict path: stats.verdict_from_power on the same numbers.
    assert verdict.tolist() == ps.verdict_from_power(air, q, power).tolist()


def test_families_are_separate_and_blocks_share_one_pass() -> None:
    one = _block(COUNTS)
    two = Block(one.x, one.n, one.labels, family=1)
    first, second = compare_blocks([one, two], kind="proportion", reference="others")
    (alone,) = compare_blocks([one], kind="proportion", reference="others")
    np.testing.assert_allclose(first.ratio["q_value"], alone.ratio["q_value"])
    np.testing.assert_allclose(second.ratio["q_value"], alone.ratio["q_value"])
    same = Block(one.x, one.n, one.labels, family=0)
    pooled, _ = compare_blocks([one, same], kind="proportion", reference="others")
    p = alone.ratio["p_value"][0]
    expected = multipletests(np.concatenate([p, p]), method="fdr_bh")[1][:3]
    np.testing.assert_allclose(pooled.ratio["q_value"][0], expected)


def test_rates_through_the_routine() -> None:
    seps = {"A": (30.0, 600.0), "B": (11.0, 400.0)}
    (report,) = compare_blocks([_block(seps, "higher")], kind="rate", reference="others")
    rr = ps.rate_ratio_exact(30, 600, 11, 400)
    assert report.ratio["ratio"][0, 0] == pytest.approx(float(rr.ratio))
    assert report.ratio["p_value"][0, 0] == pytest.approx(float(rr.pvalue))
    # Events expected at the reference rate minus observed: 600 · 11/400 − 30 = −13.5.
    assert report.difference["shortfall"][0, 0] == pytest.approx(-13.5)
    assert report.difference["shortfall_persons"][0, 0] == -14
    low, high = ps.poisson_rate_interval(30, 600)
    assert report.by_group["rate_low"][0, 0] == pytest.approx(float(low))
    assert report.by_group["rate_high"][0, 0] == pytest.approx(float(high))


def test_clean_round_never_gives_negative_zero() -> None:
    values = clean_round([-0.001, -0.0, 0.004, -0.006, math.nan], 2)
    assert [f"{v:+.2f}" for v in values[:4]] == ["+0.00", "+0.00", "+0.00", "-0.01"]
    assert not np.signbit(values[:3]).any() and math.isnan(values[4])


def test_the_report_as_a_tidy_frame() -> None:
    (report,) = compare_blocks([_block(COUNTS)], kind="proportion", reference="B")
    frame = report.frame()
    assert frame.columns[:8] == ["panel", "group", "count", "n", "rate", "rate_low",
                                 "rate_high", "reference"]
    assert {"ratio", "q_value", "difference", "shortfall", "shortfall_persons",
            "verdict"} <= set(frame.columns)
    b = frame.filter(pl.col("group") == "B").row(0, named=True)
    assert b["ratio"] is None and b["verdict"] is None and b["reference"] == "B"
    a = frame.filter(pl.col("group") == "A").row(0, named=True)
    assert a["shortfall"] == pytest.approx(200 * 60 / 250 - 30)
    assert a["shortfall_persons"] == 18 and a["verdict"] == report.verdicts[0, 0]
