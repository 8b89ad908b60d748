"""Every statistic of the stage table against scipy / statsmodels on small random stores."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import brentq
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    proportion_confint,
)

from parity.core.analytics.funnel import funnel_report
from parity.core.store import open_store

from .conftest import NATIONALITY, STAGES, Cell, frames, load

GROUP_ORDER = ("AFR", "APG", "EEG", "GRULAC", "WEOG")


@st.composite
def funnels(draw: st.DrawFn) -> dict[str, list[int]]:
    """2–4 regional groups, each a funnel of 0–70 applications with small later stages."""
    groups = draw(st.lists(st.sampled_from(GROUP_ORDER), min_size=2, max_size=4, unique=True))
    out: dict[str, list[int]] = {}
    for g in sorted(groups, key=GROUP_ORDER.index):
        counts = [draw(st.integers(0, 70))]
        for _ in STAGES[1:]:
            prev = counts[-1]
            counts.append(draw(st.one_of(st.just(0), st.just(prev), st.integers(0, prev))))
        out[g] = counts
    return out


def _half_away(v: float) -> int:
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def _reference(rule: str, g: str, xs: dict[str, int],
               ns: dict[str, int]) -> tuple[str, int, int] | str | None:
    """(label, x2, n2) of the reference of group g at one stage, by an independent reading;
    "itself" when g is the reference, None when no group qualifies."""
    if rule == "others":
        return ("all others", sum(v for k, v in xs.items() if k != g),
                sum(v for k, v in ns.items() if k != g))
    if rule == "highest":
        # At least 30 entering and one pass; no fallback when no group qualifies.
        cands = [k for k in xs if ns[k] >= 30 and xs[k] > 0]
        if not cands:
            return None
        best = sorted(cands, key=lambda k: (-xs[k] / ns[k], -ns[k], GROUP_ORDER.index(k)))[0]
    else:
        best = rule
    return "itself" if best == g else (best, xs[best], ns[best])


def koopman(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Koopman score interval by direct root finding (independent of parity.core.stats)."""
    z = stats.norm.isf(0.025)

    def score(log_phi: float) -> float:
        phi = math.exp(log_phi)
        a, b, c = (n1 + n2) * phi, -(phi * (n1 + x2) + x1 + n2), x1 + x2
        # p2 = (−B − √(B² − 4AC)) / 2A, in its cancellation-free form.
        p2 = 2 * c / (-b + math.sqrt(max(b * b - 4 * a * c, 0.0))) if c else 0.0
        p1 = min(phi * p2, 1.0)
        var = p1 * (1 - p1) / n1 + phi**2 * p2 * (1 - p2) / n2
        num = x1 / n1 - phi * x2 / n2
        return num / math.sqrt(var) if var > 0 else math.copysign(math.inf, num)

    lo, hi = -40.0, 40.0
    lower = 0.0 if x1 == 0 else math.exp(brentq(lambda v: score(v) - z, lo, hi, xtol=1e-13))
    upper = math.inf if x2 == 0 else math.exp(brentq(lambda v: score(v) + z, lo, hi, xtol=1e-13))
    return lower, upper


def _verdict(air: float, q: float, n1: int, n2: int, p2: float) -> str:
    """The documented verdict rule, with power from statsmodels."""
    if q < 0.05 and air < 0.8:
        return "adverse impact"
    if q < 0.05 and 0.8 <= air < 1:
        return "watch"
    if q < 0.05 and air > 1:
        return "no evidence"
    powered = False
    if n1 > 0 and n2 > 0 and 0 < p2 <= 1:
        power = power_proportions_2indep(diff=0.8 * p2 - p2, prop2=p2, nobs1=n1,
                                         ratio=n2 / n1, alpha=0.05).power
        powered = power >= 0.8
    if math.isnan(air) or math.isnan(q) or not powered:
        return "insufficient data"
    return "watch" if air < 0.8 else "no evidence"


def check_stage_table(table: pl.DataFrame, data: dict[str, list[int]], rule: str) -> None:
    groups = list(data)
    assert table["regional_group"].to_list() == [g for g in groups for _ in STAGES]
    assert table["stage"].to_list() == list(STAGES) * len(groups)
    rows = {(r["regional_group"], r["stage"]): r for r in table.iter_rows(named=True)}
    family: list[tuple[tuple[str, str], float]] = []
    for s, stage in enumerate(STAGES):
        total = sum(data[g][s] for g in groups)
        for g in groups:
            r = rows[(g, stage)]
            assert r["count"] == data[g][s]
            assert r["share"] == (pytest.approx(data[g][s] / total) if total else None)
        if s == 0:
            for g in groups:
                assert rows[(g, stage)]["pass_rate"] is None
                assert rows[(g, stage)]["verdict"] is None
            continue
        xs = {g: data[g][s] for g in groups}
        ns = {g: data[g][s - 1] for g in groups}
        for g in groups:
            r = rows[(g, stage)]
            x1, n1 = xs[g], ns[g]
            assert r["previous_count"] == n1
            if n1 == 0:
                assert r["pass_rate"] is None and r["pass_rate_low"] is None
            else:
                low, high = proportion_confint(x1, n1, method="wilson")
                assert r["pass_rate"] == pytest.approx(x1 / n1)
                assert r["pass_rate_low"] == pytest.approx(low, abs=1e-12)
                assert r["pass_rate_high"] == pytest.approx(high, abs=1e-12)
            ref = _reference(rule, g, xs, ns)
            if ref == "itself":
                assert r["selection_ratio"] is None and r["verdict"] is None
                continue
            if ref is None:  # no group qualifies as the reference: nothing to compare with
                assert r["selection_ratio"] is None and r["reference"] is None
                assert r["verdict"] == "insufficient data"
                continue
            assert not isinstance(ref, str)
            label, x2, n2 = ref
            assert r["reference"] == label
            if n1 == 0 or n2 == 0:
                assert r["p_value"] is None and r["selection_ratio"] is None
                assert r["verdict"] == "insufficient data"
                continue
            p1, p2 = x1 / n1, x2 / n2
            air = p1 / p2 if p2 > 0 else (math.inf if p1 > 0 else math.nan)
            if math.isnan(air):
                assert r["selection_ratio"] is None
            else:
                assert r["selection_ratio"] == pytest.approx(air)
            lower, upper = koopman(x1, n1, x2, n2)
            assert r["selection_ratio_low"] == pytest.approx(lower, rel=1e-6, abs=1e-9)
            assert r["selection_ratio_high"] == pytest.approx(upper, rel=1e-6)
            if 0 < x1 < n1 and 0 < x2 < n2:  # statsmodels' closed form holds inside
                lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method="score",
                                                    compare="ratio", correction=False)
                assert r["selection_ratio_low"] == pytest.approx(lo, rel=1e-6)
                assert r["selection_ratio_high"] == pytest.approx(hi, rel=1e-6)
            fisher = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
            assert r["p_value"] == pytest.approx(fisher, rel=1e-9, abs=1e-12)
            assert r["shortfall"] == pytest.approx(n1 * p2 - x1)
            assert r["shortfall_persons"] == _half_away(n1 * p2 - x1)
            family.append(((g, stage), r["p_value"]))
    if family:
        qs = multipletests([p for _, p in family], method="fdr_bh")[1]
        for (key, _), q in zip(family, qs, strict=True):
            assert rows[key]["q_value"] == pytest.approx(q, rel=1e-9, abs=1e-12)
    for (g, stage), r in rows.items():
        if r["selection_ratio"] is None and r["verdict"] != "insufficient data":
            continue
        if r["p_value"] is None:
            continue
        s = STAGES.index(stage)
        ref = _reference(rule, g, {k: data[k][s] for k in groups},
                         {k: data[k][s - 1] for k in groups})
        assert isinstance(ref, tuple)
        air = math.nan if r["selection_ratio"] is None else r["selection_ratio"]
        expected = _verdict(air, r["q_value"], data[g][s - 1], ref[2], ref[1] / ref[2])
        assert r["verdict"] == expected, (g, stage, r)


def _store(tmp: Path, data: dict[str, list[int]]):
    cells = [Cell(counts, nationality=NATIONALITY[g]) for g, counts in data.items()]
    openings, apps = frames(cells)
    store = open_store(tmp / "parity.duckdb")
    load(store, tmp / "in", openings, apps)
    return store


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=funnels(), rule_pick=st.integers(0, 10))
def test_stage_statistics_match_scipy_and_statsmodels(tmp_path_factory: pytest.TempPathFactory,
                                                      data: dict[str, list[int]],
                                                      rule_pick: int) -> None:
    if sum(c[0] for c in data.values()) == 0:
        data[next(iter(data))][0] = 1
    present = {g: c for g, c in data.items() if c[0] > 0}  # groups with no rows do not exist
    groups = list(present)
    rule = ["others", "highest", groups[rule_pick % len(groups)]][rule_pick % 3]
    with _store(tmp_path_factory.mktemp("stats"), data) as store:
        report = funnel_report(store, ["regional_group"], reference=rule)
    check_stage_table(report.stages, present, rule)


def test_worked_example_of_methods(tmp_path: Path) -> None:
    """METHODS §1.12: 30/200 vs 60/250 at one stage, with a fixed reference."""
    data = {"AFR": [200, 30, 30, 30, 30, 30], "WEOG": [250, 60, 60, 60, 60, 60]}
    with _store(tmp_path, data) as store:
        stages = funnel_report(store, ["regional_group"], reference="WEOG").stages
    row = stages.filter(regional_group="AFR", stage="screened").row(0, named=True)
    assert row["selection_ratio"] == pytest.approx(0.625)
    assert row["selection_ratio_low"] == pytest.approx(0.41963, abs=1e-5)
    assert row["selection_ratio_high"] == pytest.approx(0.92338, abs=1e-5)
    assert row["pass_rate_low"] == pytest.approx(0.107136, abs=1e-6)
    assert row["p_value"] == pytest.approx(0.0180903, abs=1e-7)
    assert row["shortfall"] == 18
    assert row["reference"] == "WEOG"
    assert stages.filter(regional_group="WEOG", stage="screened")["verdict"].item() is None
    check_stage_table(stages, data, "WEOG")
