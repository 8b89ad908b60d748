"""Rates, ratios, tests and verdicts from count tables equal scipy/statsmodels or hand work."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats import rates as sm_rates
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from parity.core.analytics.careers_compare import compare
from parity.core.analytics.careers_stats import rate_power, rate_verdict, stratified_kind
from parity.core.errors import UserInputError

#: Events and staff-years by group (A, B, C, D) and stratum (P-3, P-4), with zero cells.
EVENTS = {("A", "P-3"): 30, ("A", "P-4"): 12, ("B", "P-3"): 11, ("B", "P-4"): 0,
          ("C", "P-3"): 0, ("C", "P-4"): 0, ("D", "P-3"): 55, ("D", "P-4"): 19}
YEARS = {("A", "P-3"): 410.5, ("A", "P-4"): 220.25, ("B", "P-3"): 310.0, ("B", "P-4"): 95.5,
         ("C", "P-3"): 14.0, ("C", "P-4"): 3.5, ("D", "P-3"): 600.0, ("D", "P-4"): 410.75}


def _rate_table(outcome: str = "promotion") -> pl.DataFrame:
    return pl.DataFrame([{"outcome": outcome, "group": g, "grade": s, "count": EVENTS[(g, s)],
                          "staff_years": YEARS[(g, s)]} for g, s in EVENTS])


def _totals(g: str) -> tuple[int, float, int, float]:
    x1 = sum(v for (h, _), v in EVENTS.items() if h == g)
    t1 = sum(v for (h, _), v in YEARS.items() if h == g)
    x2 = sum(EVENTS.values()) - x1
    t2 = sum(YEARS.values()) - t1
    return x1, t1, x2, t2


def test_rates_ratios_and_exact_tests_equal_statsmodels() -> None:
    frame = compare(_rate_table(), ["group"], [], kind="rate", exposure="staff_years",
                    outcomes=["promotion"], directions={"promotion": "lower"})
    pvalues = []
    for r in frame.iter_rows(named=True):
        x1, t1, x2, t2 = _totals(r["group"])
        assert r["count"] == x1 and r["staff_years"] == pytest.approx(t1)
        assert r["rate"] == pytest.approx(x1 / t1)
        lo, hi = sm_rates.confint_poisson(x1, t1, method="exact-c")
        assert (r["rate_low"], r["rate_high"]) == pytest.approx((lo, hi), rel=1e-9)
        assert r["reference"] == "all others"
        assert r["ratio"] == pytest.approx((x1 / t1) / (x2 / t2))
        p = sm_rates.test_poisson_2indep(x1, t1, x2, t2, method="exact-cond").pvalue
        assert r["p_value"] == pytest.approx(p, rel=1e-9)
        pvalues.append(p)
        # Exact conditional interval: Clopper–Pearson for x1 of x1 + x2, mapped to a ratio.
        k = x1 + x2
        pl_ = stats.beta.ppf(0.025, x1, k - x1 + 1) if x1 > 0 else 0.0
        pu = stats.beta.ppf(0.975, x1 + 1, k - x1)
        assert r["ratio_low"] == pytest.approx(pl_ / (1 - pl_) * t2 / t1, rel=1e-9, abs=1e-12)
        assert r["ratio_high"] == pytest.approx(pu / (1 - pu) * t2 / t1, rel=1e-9)
    q = multipletests(pvalues, method="fdr_bh")[1]
    assert frame["q_value"].to_list() == pytest.approx(list(q))


def test_zero_events_give_defined_bounds() -> None:
    frame = compare(_rate_table(), ["group"], [], kind="rate", exposure="staff_years",
                    outcomes=["promotion"], directions={"promotion": "lower"})
    c = frame.filter(pl.col("group") == "C").row(0, named=True)
    assert c["count"] == 0 and c["rate"] == 0.0 and c["rate_low"] == 0.0
    assert c["rate_high"] == pytest.approx(sm_rates.confint_poisson(0, 17.5, method="exact-c")[1])
    assert c["ratio"] == 0.0 and c["ratio_low"] == 0.0
    assert c["verdict"] == "insufficient data"  # 17.5 staff-years cannot show four-fifths


def _mh(g: str) -> tuple[float, float, float, float]:
    """Greenland–Robins MH rate ratio, its interval and the score test, by hand."""
    r_sum = s_sum = v_sum = dev = 0.0
    for s in ("P-3", "P-4"):
        a, t1 = EVENTS[(g, s)], YEARS[(g, s)]
        b = sum(v for (h, t), v in EVENTS.items() if t == s and h != g)
        t0 = sum(v for (h, t), v in YEARS.items() if t == s and h != g)
        tt = t1 + t0
        r_sum += a * t0 / tt
        s_sum += b * t1 / tt
        v_sum += (a + b) * t1 * t0 / tt**2
        dev += a - (a + b) * t1 / tt
    est = r_sum / s_sum
    se = math.sqrt(v_sum / (r_sum * s_sum))
    z = dev / math.sqrt(v_sum)
    return est, est * math.exp(-1.959964 * se), est * math.exp(1.959964 * se), 2 * stats.norm.sf(
        abs(z))


def test_mantel_haenszel_within_grades_by_hand() -> None:
    frame = compare(_rate_table(), ["group"], ["grade"], kind="rate", exposure="staff_years",
                    outcomes=["promotion"], directions={"promotion": "lower"})
    for r in frame.filter(pl.col("group") != "C").iter_rows(named=True):
        est, lo, hi, p = _mh(r["group"])
        assert r["mh_ratio"] == pytest.approx(est)
        assert (r["mh_ratio_low"], r["mh_ratio_high"]) == pytest.approx((lo, hi), rel=1e-5)
        assert r["mh_p_value"] == pytest.approx(p, rel=1e-5)
    # With strata, the q-values adjust the stratified tests.
    q = multipletests(frame["mh_p_value"].drop_nulls().to_list(), method="fdr_bh")[1]
    assert frame["q_value"].drop_nulls().to_list() == pytest.approx(list(q))
    assert set(frame["stratified"].to_list()) <= {"agree", "explained by strata",
                                                  "revealed by strata", "reversal",
                                                  "threshold differs", "not estimable"}


def _proportions() -> pl.DataFrame:
    rows = [("A", "P-3", 30, 200), ("A", "P-4", 5, 90), ("B", "P-3", 60, 250),
            ("B", "P-4", 0, 40), ("C", "P-3", 0, 20), ("C", "P-4", 3, 12)]
    return pl.DataFrame([{"outcome": "membership", "group": g, "grade": s, "count": x,
                          "total": n} for g, s, x, n in rows])


def test_proportions_equal_statsmodels_and_scipy() -> None:
    table = _proportions()
    frame = compare(table, ["group"], ["grade"], kind="proportion", exposure="total",
                    outcomes=["membership"], directions={"membership": "lower"})
    for r in frame.iter_rows(named=True):
        mine = table.filter(pl.col("group") == r["group"])
        rest = table.filter(pl.col("group") != r["group"])
        x1, n1 = int(mine["count"].sum()), int(mine["total"].sum())
        x2, n2 = int(rest["count"].sum()), int(rest["total"].sum())
        lo, hi = proportion_confint(x1, n1, method="wilson")
        assert (r["rate_low"], r["rate_high"]) == pytest.approx((max(lo, 0), hi), abs=1e-12)
        assert r["ratio"] == pytest.approx((x1 / n1) / (x2 / n2))
        klo, khi = confint_proportions_2indep(x1, n1, x2, n2, compare="ratio", method="score",
                                              correction=False)
        assert (r["ratio_low"], r["ratio_high"]) == pytest.approx((klo, khi), rel=1e-4)
        assert r["p_value"] == pytest.approx(stats.fisher_exact(
            [[x1, n1 - x1], [x2, n2 - x2]]).pvalue, rel=1e-9)
        tables = [np.array([[m["count"], m["total"] - m["count"]],
                            [o["count"].sum(), o["total"].sum() - o["count"].sum()]], dtype=float)
                  for s in ("P-3", "P-4")
                  for m in [mine.filter(pl.col("grade") == s).row(0, named=True)]
                  for o in [rest.filter(pl.col("grade") == s)]]
        st = StratifiedTable(tables)
        assert r["mh_ratio"] == pytest.approx(st.riskratio_pooled)
        assert r["mh_p_value"] == pytest.approx(st.test_null_odds(correction=False).pvalue)


@pytest.mark.parametrize(("direction", "outcome"), [("lower", "promotion"),
                                                    ("higher", "separation")])
def test_direction_decides_what_is_adverse(direction: str, outcome: str) -> None:
    """The same counts: a low rate is adverse for promotions, a high one for separations."""
    table = pl.DataFrame([
        {"outcome": outcome, "group": "low", "count": 3000, "staff_years": 100_000.0},
        {"outcome": outcome, "group": "high", "count": 9000, "staff_years": 100_000.0}])
    frame = compare(table, ["group"], [], kind="rate", exposure="staff_years",
                    outcomes=[outcome], directions={outcome: direction})  # type: ignore[dict-item]
    verdicts = dict(frame.select("group", "verdict").iter_rows())
    if direction == "lower":
        assert verdicts == {"low": "adverse impact", "high": "no evidence"}
    else:
        assert verdicts == {"low": "no evidence", "high": "adverse impact"}
    assert frame["direction"].to_list() == [f"{direction} is adverse"] * 2


def test_references() -> None:
    table = _rate_table("separation")
    best = compare(table, ["group"], [], kind="rate", exposure="staff_years",
                   outcomes=["separation"], directions={"separation": "higher"}, reference="best")
    # For separations the most favourable group has the lowest rate (with an event and
    # at least 30 staff-years, the one rule shared with the funnel): B.
    assert set(best["reference"].to_list()) == {"B"}
    assert best.filter(pl.col("group") == "B")["verdict"].to_list() == [None]
    fixed = compare(table, ["group"], [], kind="rate", exposure="staff_years",
                    outcomes=["separation"], directions={"separation": "higher"}, reference="d")
    assert set(fixed["reference"].to_list()) == {"D"}
    with pytest.raises(UserInputError, match="not one of the groups"):
        compare(table, ["group"], [], kind="rate", exposure="staff_years",
                outcomes=["separation"], directions={"separation": "higher"}, reference="Z")


def test_rate_power_and_verdict_rule() -> None:
    # Normal approximation on the log scale, by hand.
    t1, t2, lam = 5_000.0, 20_000.0, 0.04
    e1, e2 = 0.8 * lam * t1, lam * t2
    shift = abs(math.log(0.8)) / math.sqrt(1 / e1 + 1 / e2)
    want = stats.norm.cdf(shift - 1.959964) + stats.norm.cdf(-shift - 1.959964)
    assert rate_power(t1, t2, lam, 0.8) == pytest.approx(want, rel=1e-6)
    assert math.isnan(float(rate_power(t1, t2, 0.0, 0.8)))
    got = rate_verdict([0.5, 0.9, 0.5, 0.7, 1.2, float("nan"), 1.5, 1.5],
                       [0.01, 0.01, 0.2, 0.2, 0.2, 0.01, 0.01, 0.2],
                       [0.9, 0.9, 0.5, 0.9, 0.9, 0.9, 0.3, 0.3])
    assert list(got) == ["adverse impact", "watch", "insufficient data", "watch",
                         "no evidence", "insufficient data", "no evidence", "insufficient data"]
    assert stratified_kind(0.6, 0.001, 1.0, 0.9)[0] == "explained by strata"
    assert stratified_kind(1.3, 0.01, 0.7, 0.01)[0] == "reversal"
