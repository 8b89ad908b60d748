"""decomposition.py: exact identities on random funnels, zeros, sentences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from parity.core import stats as ps

STAGES = ["screening", "assessment", "interview", "recommendation", "selection"]


def random_funnels(rng: np.random.Generator, groups: int, start: int = 3000) -> np.ndarray:
    x = np.empty((groups, len(STAGES) + 1))
    x[:, 0] = rng.integers(50, start, groups)
    for s in range(1, len(STAGES) + 1):
        x[:, s] = rng.binomial(x[:, s - 1].astype(int), rng.uniform(0.2, 0.9, groups))
    return x


def test_identities_on_random_funnels() -> None:
    rng = np.random.default_rng(40)
    focal = random_funnels(rng, 300)
    reference = random_funnels(rng, 1)[0]
    keep = np.all(focal > 0, axis=1)
    d = ps.decompose_funnel(focal[keep], reference, STAGES)
    # 1. product of stage AIRs = overall AIR = ratio of cumulative rates.
    direct = (focal[keep, -1] / focal[keep, 0]) / (reference[-1] / reference[0])
    np.testing.assert_allclose(np.prod(d.stage_air, axis=1), direct, rtol=1e-12)
    np.testing.assert_allclose(d.overall_air, direct, rtol=1e-12)
    # log shares add up to 1 where the total is not 1.
    ok = np.abs(np.log(d.overall_air)) > 1e-6
    np.testing.assert_allclose(d.log_share[ok].sum(axis=1), 1, rtol=1e-9)
    # 2. Katz variances telescope.
    np.testing.assert_allclose((d.stage_se_log**2).sum(axis=1), d.overall_se_log**2, rtol=1e-10)
    lo, hi = ps.katz_interval(focal[keep, -1], focal[keep, 0], reference[-1], reference[0])
    z = 1.959963984540054
    np.testing.assert_allclose(d.overall_air * np.exp(-z * d.overall_se_log), lo, rtol=1e-10)
    np.testing.assert_allclose(d.overall_air * np.exp(z * d.overall_se_log), hi, rtol=1e-10)
    # 3. Stage shortfalls add up to the total, which is n·p_ref − x.
    np.testing.assert_allclose(
        d.stage_shortfall.sum(axis=1), d.total_shortfall, rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(
        d.total_shortfall,
        ps.shortfall_vs_reference(focal[keep, -1], focal[keep, 0], reference[-1], reference[0]),
        rtol=1e-9,
        atol=1e-9,
    )


def test_shortfall_terms_follow_the_product_formula() -> None:
    # Term s = x_{g,0}·∏_{k<s} p_{g,k}·(p_{r,s} − p_{g,s})·∏_{k>s} p_{r,k}, written as a loop.
    rng = np.random.default_rng(41)
    focal = random_funnels(rng, 30)
    reference = random_funnels(rng, 30)
    keep = np.all(focal > 0, axis=1) & np.all(reference > 0, axis=1)
    d = ps.decompose_funnel(focal[keep], reference[keep], STAGES)
    for g, (xg, xr) in enumerate(zip(focal[keep], reference[keep], strict=True)):
        pg = xg[1:] / xg[:-1]
        pr = xr[1:] / xr[:-1]
        for s in range(len(STAGES)):
            term = xg[0] * np.prod(pg[:s]) * (pr[s] - pg[s]) * np.prod(pr[s + 1 :])
            assert d.stage_shortfall[g, s] == pytest.approx(term, rel=1e-10, abs=1e-10)


def test_per_group_reference_and_single_funnel_shapes() -> None:
    rng = np.random.default_rng(42)
    focal = random_funnels(rng, 4)
    reference = random_funnels(rng, 4)
    both = ps.decompose_funnel(focal, reference)
    for g in range(4):
        one = ps.decompose_funnel(focal[g], reference[g])
        np.testing.assert_allclose(one.stage_air[0], both.stage_air[g])
    assert both.stages == ("stage 1", "stage 2", "stage 3", "stage 4", "stage 5")


def test_invalid_funnels_raise() -> None:
    with pytest.raises(ValueError):
        ps.decompose_funnel([10, 12, 3], [10, 5, 2])  # increases
    with pytest.raises(ValueError):
        ps.decompose_funnel([10, 5, 3], [10, 5])  # stage count differs
    with pytest.raises(ValueError):
        ps.decompose_funnel([10, 5, 3], [10, 5, 2], stages=["a"])


def test_zero_stage_keeps_shortfall_finite() -> None:
    d = ps.decompose_funnel([[100, 60, 0, 0]], [[200, 100, 50, 20]], ["a", "b", "c"])
    assert d.overall_air[0] == 0
    assert d.stage_air[0, 1] == 0 and math.isnan(d.stage_air[0, 2])
    assert np.all(np.isnan(d.log_share))
    assert np.all(np.isfinite(d.stage_shortfall))
    assert d.stage_shortfall.sum() == pytest.approx(100 * 20 / 200)
    assert ps.gap_stage(d) == [None]


def test_gap_stage_and_sentences() -> None:
    # Built so that overall AIR = 0.61 and screening carries ≈ 54 % of log AIR:
    # stage AIRs 0.765, 0.9, 0.8859… (product 0.61).
    reference = [10000, 5000, 2000, 1000]
    focal = [[10000, 3825, 1377, 610], [10000, 5000, 2000, 1200], [1000, 600, 240, 0]]
    d = ps.decompose_funnel(focal, reference, ["screening", "assessment", "interview"])
    assert d.overall_air[0] == pytest.approx(0.61)
    assert ps.gap_stage(d) == ["screening", None, None]
    sentences = ps.describe_funnel(d, ["African States", "WEOG", "Small State"])
    assert sentences[0] == (
        "Applicants from African States are selected at 0.61 times the rate of the "
        "reference; most of the gap opens at screening (54% of the log ratio)."
    )
    assert sentences[1].endswith(
        "1.20 times the rate of the reference; there is no gap to attribute to a stage."
    )
    assert sentences[2] == (
        "Applicants from Small State have no selections: the funnel closes for them at "
        "interview, where none of them passed."
    )
    with pytest.raises(ValueError):
        ps.describe_funnel(d, ["only one name"])


def test_methods_funnel_sentence_and_tie_goes_to_earliest_stage() -> None:
    d = ps.decompose_funnel([1000, 600, 240, 60, 30, 10], [2000, 1300, 600, 180, 100, 40], STAGES)
    # interview and selection both carry 26.3 %; the gap "opens" at the earlier one.
    assert ps.gap_stage(d) == ["interview"]
    (sentence,) = ps.describe_funnel(d, ["Eastern European States"], "Western European States")
    assert sentence == (
        "Applicants from Eastern European States are selected at 0.50 times the rate of "
        "Western European States; the largest part of the gap opens at interview "
        "(26% of the log ratio)."
    )


def test_sentence_names_the_stage_with_an_offset() -> None:
    # Stage ratios 0.8, 1.1, 0.758 (overall 0.667): b favours the group, c carries 68 %
    # of the log ratio (between 50 % and 100 %), the interval excludes 1, 1,000 selections.
    d = ps.decompose_funnel([10000, 4000, 2200, 1000], [10000, 5000, 2500, 1500],
                            ["a", "b", "c"])
    assert d.log_share[0] == pytest.approx([0.550, -0.235, 0.685], abs=5e-4)
    (read,) = ps.read_gaps(d)
    assert (read.reading, read.stage) == ("opens at", "c") and read.high < 1
    (sentence,) = ps.describe_funnel(d, ["X"])
    assert sentence == ("Applicants from X are selected at 0.67 times the rate of the "
                        "reference; most of the gap opens at c (68% of the log ratio, partly "
                        "offset at other stages).")


def test_sentence_when_stages_pull_in_different_directions() -> None:
    # Overall 0.96 with a at −0.51 and b at +0.51 on the log scale: shares of +1251 % and
    # −1251 %; large enough that the interval excludes 1, but no stage "opens" the gap.
    d = ps.decompose_funnel([10**6, 300000, 150000, 120000], [10**6, 500000, 150000, 125000],
                            ["a", "b", "c"])
    (read,) = ps.read_gaps(d)
    assert read.high < 1 and (read.reading, read.stage) == ("mixed", None)
    (sentence,) = ps.describe_funnel(d, ["X"])
    assert sentence == ("Applicants from X are selected at 0.96 times the rate of the "
                        "reference; the stages pull in different directions (a +1251%, "
                        "b -1251%, c +100% of the log ratio), so no single stage opens the gap.")


def test_sentence_with_too_few_selections() -> None:
    # 2 selections: a ratio of 0.07 whose interval excludes 1, but no stage is named.
    d = ps.decompose_funnel([100, 10, 5, 2], [10000, 5000, 4000, 3000], ["a", "b", "c"])
    (read,) = ps.read_gaps(d)
    assert read.high < 1 and read.reading == "too few selections"
    (sentence,) = ps.describe_funnel(d, ["X"])
    assert sentence == ("Applicants from X are selected at 0.07 times the rate of the "
                        f"reference, from only 2 selections; a stage is named only from "
                        f"{ps.MIN_SELECTIONS} selections.")
    assert ps.describe_funnel(d, ["X"], min_selections=2)[0].endswith(
        "of the log ratio).")


def test_sentence_when_the_interval_includes_parity() -> None:
    # 0.80 with 60 selections: Katz 95 % interval 0.58–1.11 (log SE √(1/60 − 1/1000 +
    # 1/75 − 1/1000) = 0.168), so the gap is not attributed to a stage.
    d = ps.decompose_funnel([1000, 300, 150, 60], [1000, 500, 150, 75], ["a", "b", "c"])
    low, high = ps.overall_interval(d)
    se = math.sqrt(1 / 60 - 1 / 1000 + 1 / 75 - 1 / 1000)
    assert low[0] == pytest.approx(0.8 * math.exp(-1.959964 * se), rel=1e-6)
    assert high[0] == pytest.approx(0.8 * math.exp(1.959964 * se), rel=1e-6)
    (sentence,) = ps.describe_funnel(d, ["X"])
    assert sentence == ("Applicants from X are selected at 0.80 times the rate of the "
                        "reference (95% CI 0.58–1.11, which includes parity); the gap is not "
                        "attributed to a stage.")


def test_a_simpson_reversal_is_never_named_silently() -> None:
    d = ps.decompose_funnel([10000, 4000, 2200, 1000], [10000, 5000, 2500, 1500],
                            ["a", "b", "c"])
    (flagged,) = ps.describe_funnel(d, ["X"], reversals=[{"c"}], stratum="grade")
    assert flagged.endswith("opens at c (68% of the log ratio, partly offset at other "
                            "stages); but within grade the comparison at c reverses (Simpson's "
                            "paradox), so read it with the stratified comparison.")
    (other,) = ps.describe_funnel(d, ["X"], reversals=[{"a"}])
    assert "Simpson" not in other
