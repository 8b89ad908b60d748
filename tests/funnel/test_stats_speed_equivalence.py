"""The fast paths of the funnel statistics give what the plain ones give.

* ``build_grid`` lays small count tables out in Python and large ones in polars;
* ``Grid.collapse`` sums panels of one grid instead of filtering and re-grouping the frame;
* ``stage_sections`` computes the funnel and the roster flow together (each its own
  Benjamini–Hochberg family);
* the stratified page takes RR_MH, CMH and Breslow–Day from one ``summarise_strata`` call
  and only the wording per comparison, instead of ``compare_crude_and_stratified`` on each;
* ``report_from_counts`` is the statistics half of ``funnel_report``.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from scipy import stats

from parity.core import stats as ps
from parity.core.analytics import funnel_stats as fs
from parity.core.analytics.funnel import ROSTER_STEPS, STEPS, report_from_counts
from parity.core.analytics.funnel_counts import STAGES
from parity.core.analytics.funnel_strata import compact_tables, stratified_statistics

GROUPS = ("AFR", "APG", "EEG", "GRULAC", "WEOG", "unknown", None)
GRADES = ("P-2", "P-3", "P-4", "D-1", "G-5")


@st.composite
def count_tables(draw: st.DrawFn) -> pl.DataFrame:
    """A count table as count_table returns it: regional_group × grade × year × roster."""
    keys = draw(st.lists(
        st.tuples(st.sampled_from(GROUPS), st.sampled_from(GRADES),
                  st.integers(2019, 2022), st.booleans()),
        min_size=1, max_size=40, unique=True))
    rows = []
    for group, grade, year, roster in keys:
        counts = [draw(st.integers(0, 5000))]
        for _ in STAGES[1:]:
            counts.append(draw(st.integers(0, counts[-1])))
        rows.append({"regional_group": group, "grade": grade, "year": year,
                     "roster": roster, **dict(zip(STAGES, counts, strict=True))})
    return pl.DataFrame(rows, schema={"regional_group": pl.Utf8, "grade": pl.Utf8,
                                      "year": pl.Int64, "roster": pl.Boolean,
                                      **{s: pl.Int64 for s in STAGES}})


def same_grid(a: fs.Grid, b: fs.Grid) -> None:
    assert (a.panel_cols, a.group_cols, a.stages) == (b.panel_cols, b.group_cols, b.stages)
    assert a.panels == b.panels and a.groups == b.groups
    np.testing.assert_array_equal(a.counts, b.counts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=count_tables(), pick=st.integers(0, 3))
@example(  # a missing group and the "unknown" group: the order must not depend on hashing
    counts=pl.DataFrame(
        [{"regional_group": g, "grade": "P-2", "year": 2019, "roster": False,
          **dict.fromkeys(STAGES, 0)} for g in ("AFR", None, "unknown")],
        schema={"regional_group": pl.Utf8, "grade": pl.Utf8, "year": pl.Int64,
                "roster": pl.Boolean, **{s: pl.Int64 for s in STAGES}}),
    pick=0)
def test_python_grid_equals_polars_grid(counts: pl.DataFrame, pick: int) -> None:
    layouts = ([["regional_group"], []], [["regional_group"], ["grade"]],
               [["grade", "regional_group"], ["year"]], [["regional_group"], ["roster", "year"]])
    groups_cols, panel_cols = layouts[pick]
    full = fs.build_grid(counts, groups_cols, panel_cols, STAGES)
    same_grid(full, fs._build_grid_polars(counts, groups_cols, panel_cols, STAGES, None))
    fixed = full.groups[::-1][:3]
    same_grid(fs.build_grid(counts, groups_cols, panel_cols, STAGES, groups=fixed),
              fs._build_grid_polars(counts, groups_cols, panel_cols, STAGES, fixed))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=count_tables())
def test_collapse_equals_grid_of_the_filtered_frame(counts: pl.DataFrame) -> None:
    dims = ["regional_group"]
    full = fs.build_grid(counts, dims, ["roster", "grade", "year"], STAGES)
    groups = full.groups
    regular = counts.filter(~pl.col("roster"))
    same_grid(full.collapse([], lambda p: p[0] is False),
              fs.build_grid(regular, dims, [], STAGES, groups=groups))
    same_grid(full.collapse([], lambda p: p[0] is True),
              fs.build_grid(counts.filter(pl.col("roster")), dims, [], STAGES, groups=groups))
    same_grid(full.collapse(["grade"], lambda p: p[0] is False),
              fs.build_grid(regular, dims, ["grade"], STAGES, groups=groups))
    same_grid(full.collapse(["year"], lambda p: p[0] is False),
              fs.build_grid(regular, dims, ["year"], STAGES, groups=groups))
    assert groups == fs.build_grid(counts, dims, [], STAGES).groups


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=count_tables(), rule=st.sampled_from(["others", "highest", "AFR", "WEOG"]))
def test_sections_together_equal_sections_alone(counts: pl.DataFrame, rule: str) -> None:
    dims = ["regional_group"]
    full = fs.build_grid(counts, dims, ["roster", "year"], STAGES)
    if rule not in ("others", "highest") and rule not in full.labels:
        rule = "others"
    grid = full.collapse([], lambda p: p[0] is False)
    roster = full.collapse([], lambda p: p[0] is True)
    by_year = full.collapse(["year"], lambda p: p[0] is False)
    together = fs.stage_sections([(grid, STEPS), (roster, ROSTER_STEPS), (by_year, STEPS)],
                                 rule)
    for frame, (g, steps) in zip(together, [(grid, STEPS), (roster, ROSTER_STEPS),
                                            (by_year, STEPS)], strict=True):
        assert_frame_equal(frame, fs.stage_statistics(g, steps, rule))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=count_tables(), rule=st.sampled_from(["others", "highest", "APG"]))
def test_stratified_page_equals_one_comparison_at_a_time(counts: pl.DataFrame,
                                                         rule: str) -> None:
    dims = ["regional_group"]
    regular = counts.filter(~pl.col("roster"))
    groups = fs.build_grid(counts, dims, [], STAGES).groups
    labels = [fs.group_label(g) for g in groups]
    if rule not in ("others", "highest") and rule not in labels:
        rule = "others"
    subject = [f"the group {label}" for label in labels]
    page = stratified_statistics(regular, dims, "grade", STAGES, STEPS, rule, groups, subject)
    frame_grid = fs.build_grid(regular, dims, ["grade"], STAGES, groups=groups)
    assert_frame_equal(page, stratified_statistics(frame_grid, dims, "grade", STAGES, STEPS,
                                                   rule, groups, subject))
    for row in page.iter_rows(named=True):
        if row["message"] is None or row["reference"] is None:
            continue
        g = labels.index(row["regional_group"] if row["regional_group"] is not None
                         else "None")
        stage = row["stage"]
        prev = dict(STEPS)[stage]
        x, n = frame_grid.column(stage)[:, g], frame_grid.column(prev)[:, g]
        if row["reference"] == fs.OTHERS_LABEL:
            x2 = frame_grid.column(stage).sum(axis=1) - x
            n2 = frame_grid.column(prev).sum(axis=1) - n
        else:
            r = labels.index(row["reference"])
            x2, n2 = frame_grid.column(stage)[:, r], frame_grid.column(prev)[:, r]
        tables, used = compact_tables(x[None], n[None], x2[None], n2[None])
        keep = np.r_[0:used[0], tables.shape[1] - 2:tables.shape[1]]
        one = ps.compare_crude_and_stratified(tables[0, keep], focal=subject[g])
        assert row["message"] == one.message and row["simpson"] == one.kind
        assert row["heterogeneous"] == one.heterogeneous
        for key, value in (("pooled_ratio", one.pooled_ratio),
                           ("crude_p_value", one.crude_pvalue)):
            got = np.nan if row[key] is None else row[key]
            assert got == pytest.approx(value, rel=1e-12, nan_ok=True)


def test_summarise_strata_equals_the_four_calls() -> None:
    rng = np.random.default_rng(5)
    n1 = rng.integers(0, 400, (30, 6))
    n2 = rng.integers(0, 900, (30, 6))
    tables = ps.tables_from_counts(rng.binomial(n1, 0.3), n1, rng.binomial(n2, 0.35), n2)
    summary = ps.summarise_strata(tables)
    pairs = ((summary.odds, ps.mh_odds_ratio(tables)), (summary.risk, ps.mh_risk_ratio(tables)),
             (summary.cmh, ps.cmh_test(tables)),
             (summary.homogeneity, ps.breslow_day_test(tables, tarone=True)))
    for together, alone in pairs:
        fields = vars(together) if hasattr(together, "__dict__") else together._asdict()
        for key, value in fields.items():
            np.testing.assert_array_equal(value, getattr(alone, key))


def test_report_from_counts_sections_and_exact_p() -> None:
    # Large counts (the exact test's fast paths): every p of the page is scipy's.
    rng = np.random.default_rng(9)
    rows = []
    for group in GROUPS[:5]:
        for grade in GRADES:
            for roster in (False, True):
                counts = [int(rng.integers(1000, 50_000))]
                for _ in STAGES[1:]:
                    counts.append(int(rng.binomial(counts[-1], rng.uniform(0.3, 0.7))))
                rows.append({"regional_group": group, "grade": grade, "roster": roster,
                             **dict(zip(STAGES, counts, strict=True))})
    counts = pl.DataFrame(rows)
    report = report_from_counts(counts, ["regional_group"], stratum="grade", decompose=True)
    assert set(report.sections()) == {"stages", "roster", "stratified", "decomposition",
                                      "summary"}
    assert report.stages.height == 5 * len(STAGES) and report.roster.height == 5 * 2
    regular = counts.filter(~pl.col("roster"))
    totals = regular.select(STAGES).sum().row(0, named=True)
    for row in report.stages.filter(pl.col("p_value").is_not_null()).iter_rows(named=True):
        mine = regular.filter(pl.col("regional_group") == row["regional_group"])
        prev = dict(STEPS)[row["stage"]]
        x1, n1 = int(mine[row["stage"]].sum()), int(mine[prev].sum())
        x2, n2 = totals[row["stage"]] - x1, totals[prev] - n1
        ref = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
        assert row["p_value"] == pytest.approx(ref, rel=1e-9, abs=1e-300)


def test_group_order_does_not_depend_on_row_order() -> None:
    """"unknown" and a missing group are both listed last, always in the same order."""
    import itertools
    labels = ("WEOG", None, "AFR", "unknown")
    for order in itertools.permutations(labels):
        frame = pl.DataFrame(
            [{"regional_group": g, **dict.fromkeys(STAGES, 1)} for g in order],
            schema={"regional_group": pl.Utf8, **{s: pl.Int64 for s in STAGES}})
        for build in (fs.build_grid, lambda *a: fs._build_grid_polars(*a, None)):
            grid = build(frame, ["regional_group"], [], STAGES)
            assert grid.groups == [("AFR",), ("WEOG",), ("unknown",), (None,)], order
