"""Projections: women's share by level under a shipped scenario, against the baseline.

Runs are kept modest for a page (:data:`RUNS` Monte Carlo runs, :data:`YEARS` years, a fixed
seed): the view's data are cached per store state and scenario like every view's, and the
baseline and the scenario share the history read and the random numbers.
"""

from __future__ import annotations

import polars as pl

from parity.core import projection as pj
from parity.core.backend import Backend
from parity.core.params import load_gender_parameters
from parity.web import charts
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.views import analytic
from parity.web.views.base import Chart, Column, Data, Page, Param, Params, Source, Table, View

RUNS = 200
YEARS = 10
SEED = 0
BASELINE = "baseline"
#: The shipped example scenarios, by file name.
SCENARIOS: dict[str, str] = {
    "baseline": N_("Baseline: no policy change"),
    "budget_cut": N_("Budget cut of 100 posts"),
    "equal_selection_rates": N_("Equal selection rates across regional groups"),
    "gender_balanced_senior": N_("Gender-balanced selections at P-4 and above"),
    "half_selections_underrepresented": N_("Half of geographical selections from un- and "
                                           "under-represented States"),
    "hiring_freeze": N_("Hiring freeze 2026–2027"),
    "more_applicants_underrepresented": N_("More applicants from un- and under-represented "
                                           "States"),
}


def scenario_names(source: Source) -> list[str]:
    """The shipped scenarios, the baseline first."""
    names = list(pj.shipped_scenarios())
    return sorted(names, key=lambda n: (n != BASELINE, n))


def _band(scenario: pj.Scenario) -> tuple[float, float]:
    spec = scenario.targets.parity_band
    if spec is not None:
        return spec.centre - spec.half_width, spec.centre + spec.half_width
    p = load_gender_parameters().parity_band
    return p.lower, p.upper


def compute(source: Source, params: Params) -> Data:
    name = params["scenario"] or BASELINE
    return run(source.backend(), None if name == BASELINE else pj.load_scenario(name), name)


def run(backend: Backend, scenario: pj.Scenario | None, name: str) -> Data:
    """The projection of ``scenario`` (None: the baseline) against the baseline."""
    base_scenario = pj.load_scenario(BASELINE)
    history = pj.read_scenario_history(backend, base_scenario)
    base = pj.project(backend, base_scenario, years=YEARS, runs=RUNS, seed=SEED, history=history)
    if scenario is None:
        result = base
    else:
        same = pj.history_key(scenario, None) == pj.history_key(base_scenario, None)
        result = pj.project(backend, scenario, years=YEARS, runs=RUNS, seed=SEED,
                            history=history if same else None)
    keep = ["share_at_target", "p_in_band_at_target", "first_likely_year"]
    comparison = base.targets.select("level", "evaluated_year", *keep).join(
        result.targets.select("level", *keep), on="level", how="left", suffix="_scenario",
        maintain_order="left")
    comparison = comparison.rename({c: f"{c}_baseline" for c in keep}).with_columns(
        (pl.col("share_at_target_scenario") - pl.col("share_at_target_baseline"))
        .alias("difference"))
    lower, upper = _band(result.scenario)
    basis = pl.DataFrame({"scenario": [name], "base_year": [result.base_year],
                          "years": [result.years], "runs": [result.runs], "seed": [result.seed],
                          "band_lower": [lower], "band_upper": [upper]})
    return {"levels": analytic.finite(result.levels), "targets": analytic.finite(result.targets),
            "comparison": analytic.finite(comparison), "basis": basis}


def _level(fmt: Formatter, value: object) -> str:
    return analytic.label(fmt, "level", value)


def _sentences(data: Data, name: str, fmt: Formatter) -> list[str]:
    _ = fmt._
    basis = data["basis"].row(0, named=True)
    lines = [_("The staff of %(year)s projected %(years)s years ahead under the scenario "
               "%(scenario)s, over %(runs)s simulation runs.", year=str(basis["base_year"]),
               years=fmt.integer(basis["years"]), scenario=_(SCENARIOS.get(name, name)),
               runs=fmt.integer(basis["runs"]))]
    for r in data["targets"].iter_rows(named=True):
        if r["share_at_target"] is None:
            continue
        line = _("%(level)s: %(share)s women expected in %(year)s (from %(low)s to %(high)s).",
                 level=_level(fmt, r["level"]), share=fmt.percent(r["share_at_target"]),
                 year=str(r["evaluated_year"]), low=fmt.percent(r["share_p05"]),
                 high=fmt.percent(r["share_p95"]))
        line += " " + parity_outlook(fmt, r["evaluated_year"], r["p_in_band_at_target"],
                                     r["first_likely_year"], r.get("max_p_in_band"))
        lines.append(line)
    return lines


def parity_outlook(fmt: Formatter, year: object, chance: float | None,
                   first_likely: object, max_chance: float | None) -> str:
    """The chance of being within the band in ``year``, then whether the level is likely
    within it from a year on (parity.core.projection.parity_year.first_likely_year):
    "likely" only where that year and every later one have a chance of one half or more."""
    _ = fmt._
    parts = []
    if chance is not None and year is not None:
        parts.append(_("Chance of being within the parity band in %(year)s: %(chance)s.",
                       year=str(year), chance=fmt.percent(chance, 0)))
    if first_likely is not None:
        parts.append(_("Likely within the parity band from %(year)s.", year=str(first_likely)))
    elif (max_chance or 0.0) >= 0.5:
        parts.append(_("Not likely to stay within the parity band in the horizon."))
    else:
        parts.append(_("Not likely within the parity band in the horizon."))
    return " ".join(parts)


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    name = params["scenario"] or BASELINE
    basis = data["basis"].row(0, named=True)
    band = (float(basis["band_lower"]), float(basis["band_upper"]))
    rtl = fmt.dir == "rtl"
    label = {"level": lambda v: _level(fmt, v)}
    levels = analytic.with_labels(data["levels"], fmt, label)
    targets = analytic.with_labels(data["targets"], fmt, label)
    comparison = analytic.with_labels(data["comparison"], fmt, label)
    points = [{"year": str(r["year"]), "level": r["level_label"], "share": r["women_share"],
               "lo": r["women_share_p05"], "hi": r["women_share_p95"],
               "tooltip": _("%(level)s, %(year)s: %(share)s women (%(low)s–%(high)s)",
                            level=r["level_label"], year=str(r["year"]),
                            share=fmt.percent(r["women_share"]),
                            low=fmt.percent(r["women_share_p05"]),
                            high=fmt.percent(r["women_share_p95"]))}
              for r in levels.iter_rows(named=True) if r["women_share"] is not None]
    lines_chart = charts.small_multiples(points, x="year", y="share", low="lo", high="hi",
                                         x_title=_("Year"), y_title=_("Share of women"),
                                         panel="level", percent=True, rtl=rtl, band=band)
    dots = [{"level": r["level_label"], "share": r["share_at_target"], "lo": r["share_p05"],
             "hi": r["share_p95"],
             "tooltip": _("%(level)s, %(year)s: %(share)s women (%(low)s–%(high)s)",
                          level=r["level_label"], year=str(r["evaluated_year"]),
                          share=fmt.percent(r["share_at_target"]), low=fmt.percent(r["share_p05"]),
                          high=fmt.percent(r["share_p95"]))}
            for r in targets.iter_rows(named=True) if r["share_at_target"] is not None]
    target_chart = charts.interval_dots(dots, category="level", value="share", low="lo",
                                        high="hi", value_title=_("Share of women"),
                                        category_title=_("Level"), percent=True, rtl=rtl,
                                        band=band)
    scenario_label = _(SCENARIOS.get(name, name))
    bars = [{"level": r["level_label"], "run": run, "value": r[col],
             "tooltip": f"{r['level_label']} · {run}: {fmt.percent(r[col])}"}
            for r in comparison.iter_rows(named=True)
            for run, col in ((_("Baseline"), "share_at_target_baseline"),
                             (scenario_label, "share_at_target_scenario"))
            if r[col] is not None]
    compare_chart = charts.bar(bars, category="level", value="value", series="run",
                               value_title=_("Share of women"), category_title=_("Level"),
                               series_title=_("Scenario"), percent=True, rtl=rtl)
    level_cols = [Column("level_label", N_("Level")), Column("year", N_("Year")),
                  Column("staff", N_("Staff"), "int"),
                  Column("women_share", N_("Share of women"), "share"),
                  Column("women_share_p05", N_("5th percentile"), "share"),
                  Column("women_share_p95", N_("95th percentile"), "share"),
                  Column("p_in_band", N_("Chance of being within the band"), "share")]
    target_cols = [Column("level_label", N_("Level")), Column("evaluated_year", N_("Target year")),
                   Column("share_base", N_("Share of women now"), "share"),
                   Column("share_at_target", N_("Share of women in the target year"), "share"),
                   Column("share_p05", N_("5th percentile"), "share"),
                   Column("share_p95", N_("95th percentile"), "share"),
                   Column("p_in_band_at_target", N_("Chance of being within the band"), "share"),
                   Column("first_likely_year", N_("Likely within the band from")),
                   Column("median_first_year", N_("Median year of reaching the band"))]
    compare_cols = [Column("level_label", N_("Level")), Column("evaluated_year", N_("Target year")),
                    Column("share_at_target_baseline", N_("Baseline: share of women"), "share"),
                    Column("share_at_target_scenario", N_("Scenario: share of women"), "share"),
                    Column("difference", N_("Difference (points)"), "points"),
                    Column("p_in_band_at_target_baseline", N_("Baseline: chance within the band"),
                           "share"),
                    Column("p_in_band_at_target_scenario", N_("Scenario: chance within the band"),
                           "share"),
                    Column("first_likely_year_baseline", N_("Baseline: likely from")),
                    Column("first_likely_year_scenario", N_("Scenario: likely from"))]
    band_text = _("the shaded area is the parity band (%(low)s–%(high)s)",
                  low=fmt.percent(band[0]), high=fmt.percent(band[1]))
    return Page(
        summary=_sentences(data, name, fmt),
        tables=[Table("levels", _("Projected share of women by level"), level_cols, levels),
                Table("targets", _("When each level reaches the parity band"), target_cols,
                      targets),
                Table("comparison", _("The scenario against the baseline"), compare_cols,
                      comparison)],
        charts=[Chart("levels", _("Median share of women by level and year, with the range of "
                                  "90 out of 100 runs; %(band)s.", band=band_text), lines_chart),
                Chart("targets", _("Each dot is a level's median share of women in its target "
                                   "year, with the range of 90 out of 100 runs; %(band)s.",
                                   band=band_text), target_chart),
                Chart("comparison", _("Median share of women in the target year under the "
                                      "baseline and under %(scenario)s.",
                                      scenario=scenario_label), compare_chart)],
        notes=[_("A level is likely within the band from the first year after which at least "
                 "half of the runs put it there in every year of the horizon."),
               _("The page runs %(runs)s simulations per scenario with a fixed seed; the "
                 "command 'parity project' runs more.", runs=fmt.integer(RUNS))],
    )


VIEW = View(
    slug="projections",
    title=N_("Projections"),
    description=N_("The share of women by level projected under an example scenario, when each "
                   "level reaches the parity band, and the scenario against the baseline."),
    params=(
        Param("scenario", N_("Scenario"), scenario_names, labels=SCENARIOS,
              default=lambda v: BASELINE),
    ),
    compute=compute,
    present=present,
    template="views/projections.html",
    order=70,
)
