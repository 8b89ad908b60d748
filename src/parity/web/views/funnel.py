"""Recruitment funnel: every group at every stage, and which stage opens the gap."""

from __future__ import annotations

from typing import Any

import polars as pl

from parity.core.analytics.funnel import funnel_report
from parity.core.backend import Backend
from parity.web import charts
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.views import analytic, options
from parity.web.views.analytic import STAGES, VERDICTS
from parity.web.views.base import Chart, Column, Data, Page, Param, Params, Source, Table, View

BREAKDOWNS: dict[str, str] = {"regional_group": N_("Regional group"), "gender": N_("Gender"),
                              "education_region": N_("Region of education"),
                              "nationality": N_("Nationality")}
REFERENCES: dict[str, str] = {"others": N_("All other applicants"),
                              "highest": N_("The group with the highest rate")}
#: What the funnel can be stratified by (Mantel–Haenszel within strata), as the registry
#: names them.
STRATA: dict[str, str] = {"grade": N_("Grade"), "level_band": N_("Level"),
                          "category": N_("Category"), "job_family": N_("Job family"),
                          "entity": N_("Entity"), "entity_type": N_("Field or non-field"),
                          "posting_type": N_("Posting type"),
                          "internal": N_("Internal or external applicant"), "year": N_("Year"),
                          "opening": N_("Job opening")}
#: How the crude and the stratified answers compare (parity.core.stats.stratified).
READINGS: dict[str, str] = {
    "agree": N_("Crude and stratified agree"),
    "reversal": N_("Reversed within strata (Simpson's paradox)"),
    "explained by strata": N_("Explained by strata"),
    "revealed by strata": N_("Revealed by strata"),
    "threshold differs": N_("Only the crude or the stratified ratio crosses 0.8"),
    "not estimable": N_("Not estimable")}
#: How a sentence names the step into each stage.
STEPS: dict[str, str] = {"screened": N_("screening"), "assessed": N_("assessment"),
                         "interviewed": N_("interview"), "recommended": N_("recommendation"),
                         "selected": N_("selection")}
#: Most groups drawn in a chart (the largest by applications); the tables hold all.
CHART_GROUPS = 10
#: Most groups described in the summary (the largest shortfalls).
SUMMARY_GROUPS = 8
#: The four-fifths rule: a selection ratio below it is a sign of adverse impact.
FOUR_FIFTHS = 0.8


def compute(source: Source, params: Params) -> Data:
    y_from, y_to = analytic.years(params)
    dim = params["by"] or "regional_group"
    where = options.where(params)
    if params.get("entity"):
        where.append(options.value_filter("entity", params["entity"]))
    report = funnel_report(source.backend(), [dim], year_from=y_from, year_to=y_to,
                           reference=params["reference"] or "others", decompose=True,
                           strata=params.get("strata"), where=where)
    summary = report.summary if report.summary is not None else pl.DataFrame()
    decomposition = report.decomposition if report.decomposition is not None else pl.DataFrame()
    data = {"stages": analytic.finite(report.stages),
            "decomposition": analytic.finite(decomposition),
            "summary": analytic.finite(summary.drop("sentence", strict=False))}
    if report.stratified is not None:
        data["stratified"] = analytic.finite(report.stratified.drop("message", strict=False))
    return data


def opening_entities(source: Source) -> list[str]:
    """Every entity that posted an opening, alphabetically."""
    openings = source.backend().table("openings")
    frame = Backend.to_polars(openings.select("entity").distinct())
    return sorted(frame["entity"].drop_nulls().to_list())


def _reference(fmt: Formatter, dim: str, value: Any) -> str:
    if value is None:
        return "–"
    if value == "all others":
        return fmt._("all other applicants")
    return analytic.label(fmt, dim, value)


def _largest(stages: pl.DataFrame, dim: str) -> list[Any]:
    received = stages.filter(pl.col("stage") == "received").sort("count", descending=True)
    return received[dim].head(CHART_GROUPS).to_list()


def _sentences(data: Data, dim: str, params: Params, fmt: Formatter) -> list[str]:
    _ = fmt._
    stages, summary, dec = data["stages"], data["summary"], data["decomposition"]
    count = {s: int(stages.filter(pl.col("stage") == s)["count"].sum()) for s in STAGES}
    lines = [_("From %(start)s to %(end)s, %(received)s applications were received and "
               "%(selected)s were selected (roster selections apart).",
               start=params["year_from"] or "–", end=params["year_to"] or "–",
               received=fmt.integer(count["received"]), selected=fmt.integer(count["selected"]))]
    verdicts = stages["verdict"].to_list()
    lines.append(_("Of the comparisons of a group with its reference at a stage, %(adverse)s "
                   "show adverse impact and %(watch)s call for watching.",
                   adverse=fmt.integer(verdicts.count("adverse impact")),
                   watch=fmt.integer(verdicts.count("watch"))))
    if summary.height == 0:
        return lines
    ranked = summary.sort("shortfall", descending=True, nulls_last=True)
    for row in ranked.head(SUMMARY_GROUPS).iter_rows(named=True):
        group = analytic.label(fmt, dim, row[dim])
        ref = _reference(fmt, dim, row["reference"])
        if row["overall_ratio"] is None:
            continue
        ratio = fmt.decimal(row["overall_ratio"], 2)
        reading = row["gap_reading"]
        if reading == "no gap":
            lines.append(_("%(group)s: selected at %(ratio)s times the rate of %(reference)s; "
                           "no stage opens a gap.", group=group, ratio=ratio, reference=ref))
            continue
        if reading in ("too few selections", "not significant"):
            lines.append(_("%(group)s: selected at %(ratio)s times the rate of %(reference)s, "
                           "too uncertain (too few selections, or an interval that includes "
                           "parity) to attribute the gap to a stage.", group=group, ratio=ratio,
                           reference=ref))
            continue
        if reading == "mixed":
            lines.append(_("%(group)s: selected at %(ratio)s times the rate of %(reference)s; "
                           "the stages pull in different directions, so no single stage opens "
                           "the gap.", group=group, ratio=ratio, reference=ref))
            continue
        if row["gap_stage"] is None:
            lines.append(_("%(group)s: selected at %(ratio)s times the rate of %(reference)s; "
                           "the gap cannot be split between stages.", group=group, ratio=ratio,
                           reference=ref))
            continue
        share = dec.filter((pl.col(dim) == row[dim]) & (pl.col("stage") == row["gap_stage"]))
        value = share["log_share"][0] if share.height else None
        values = dict(group=group, ratio=ratio, reference=ref,
                      stage=analytic.coded(fmt, STEPS, row["gap_stage"]),
                      share=fmt.percent(value), short=fmt.integer(row["shortfall_persons"]))
        lines.append(_("%(group)s: selected at %(ratio)s times the rate of %(reference)s; most "
                       "of the gap opens at %(stage)s (%(share)s of the log ratio), %(short)s "
                       "selections short.", **values) if value is not None and value >= 0.5 else
                     _("%(group)s: selected at %(ratio)s times the rate of %(reference)s; the "
                       "largest part of the gap opens at %(stage)s (%(share)s of the log "
                       "ratio), %(short)s selections short.", **values))
    if summary.height > SUMMARY_GROUPS:
        lines.append(_("The decomposition table lists every group."))
    return lines


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    dim = params["by"] or "regional_group"
    dim_label = BREAKDOWNS[dim]
    rtl = fmt.dir == "rtl"

    def labels(frame: pl.DataFrame) -> pl.DataFrame:
        cols = {dim: lambda v: analytic.label(fmt, dim, v),
                "stage": lambda v: analytic.coded(fmt, STAGES, v)}
        if "verdict" in frame.columns:
            cols["verdict"] = lambda v: analytic.coded(fmt, VERDICTS, v)
        if "gap_stage" in frame.columns:
            cols["gap_stage"] = lambda v: analytic.coded(fmt, STAGES, v)
        if "reference" in frame.columns:
            cols["reference"] = lambda v: _reference(fmt, dim, v)
        return analytic.with_labels(frame, fmt, {k: v for k, v in cols.items()
                                                 if k in frame.columns})

    stages = labels(data["stages"])
    dec = labels(data["decomposition"]) if data["decomposition"].height else data["decomposition"]
    summary = labels(data["summary"]) if data["summary"].height else data["summary"]
    shown = set(_largest(data["stages"], dim))
    dots = [{"row": f"{r[f'{dim}_label']} – {r['stage_label']}", "value": r["selection_ratio"],
             "lo": r["selection_ratio_low"],
             "hi": r["selection_ratio_high"] if r["selection_ratio_high"] is not None
             else r["selection_ratio"],
             "verdict": r["verdict_label"],
             "tooltip": _("%(group)s, %(stage)s: ratio %(ratio)s (%(low)s–%(high)s), %(verdict)s",
                          group=r[f"{dim}_label"], stage=r["stage_label"],
                          ratio=fmt.decimal(r["selection_ratio"], 2),
                          low=fmt.decimal(r["selection_ratio_low"], 2),
                          high=fmt.decimal(r["selection_ratio_high"], 2),
                          verdict=r["verdict_label"])}
            for r in stages.iter_rows(named=True)
            if r[dim] in shown and r["selection_ratio"] is not None]
    ratio_chart = charts.interval_dots(
        dots, category="row", value="value", low="lo", high="hi",
        value_title=_("Selection-rate ratio"), category_title=_("Group and stage"),
        color="verdict", color_title=_("Verdict"),
        color_order=[_(v) for v in VERDICTS.values()], rtl=rtl, rules=(FOUR_FIFTHS, 1.0))
    analytic.color_verdicts(ratio_chart, fmt)
    bars = [{"group": r[f"{dim}_label"], "stage": r["stage_label"], "value": r["log_share"],
             "tooltip": f"{r[f'{dim}_label']} · {r['stage_label']}: {fmt.percent(r['log_share'])}"}
            for r in (dec.iter_rows(named=True) if dec.height else [])
            if r["stage"] != "overall" and r[dim] in shown and r["log_share"] is not None]
    dec_chart = charts.bar(bars, category="group", value="value", series="stage",
                           value_title=_("Share of the log ratio"), category_title=_(dim_label),
                           series_title=_("Stage"), percent=True, rtl=rtl)
    group_col = Column(f"{dim}_label", dim_label)
    stage_cols = [group_col, Column("stage_label", N_("Stage")),
                  Column("count", N_("Applications"), "int"), Column("share", N_("Share"), "share"),
                  Column("pass_rate", N_("Pass rate"), "share"),
                  Column("pass_rate_low", N_("Lower confidence limit"), "share"),
                  Column("pass_rate_high", N_("Upper confidence limit"), "share"),
                  Column("selection_ratio", N_("Selection-rate ratio"), "decimal"),
                  Column("selection_ratio_low", N_("Ratio: lower limit"), "decimal"),
                  Column("selection_ratio_high", N_("Ratio: upper limit"), "decimal"),
                  Column("shortfall_persons", N_("Shortfall (persons)"), "int"),
                  Column("verdict_label", N_("Verdict"))]
    dec_cols = [group_col, Column("stage_label", N_("Stage")),
                Column("stage_ratio", N_("Selection-rate ratio"), "decimal"),
                Column("log_share", N_("Share of the log ratio"), "share"),
                Column("shortfall", N_("Selections lost"), "decimal")]
    sum_cols = [group_col, Column("reference_label", N_("Reference")),
                Column("overall_ratio", N_("Overall selection-rate ratio"), "decimal"),
                Column("shortfall_persons", N_("Shortfall (persons)"), "int"),
                Column("gap_stage_label", N_("Stage that opens the gap"))]
    note = _("Charts show the %(n)s groups with the most applications; the tables list all.",
             n=fmt.integer(CHART_GROUPS))
    tables = [Table("stages", _("Every group at every stage"), stage_cols, stages),
              Table("summary", _("Which stage opens the gap"), sum_cols, summary),
              Table("decomposition", _("The gap stage by stage"), dec_cols, dec)]
    lines = _sentences(data, dim, params, fmt)
    if params.get("entity"):
        lines.insert(1, _("Filters: %(filters)s.",
                          filters=f"{_('Entity')}: {params['entity']}"))
    if "stratified" in data:
        tables.append(_stratified(data["stratified"], dim, group_col, params, fmt, labels))
    return Page(
        summary=lines,
        tables=tables,
        charts=[Chart("stages", _("Each dot is a group's pass rate at a stage divided by its "
                                  "reference's, with its confidence interval; the dashed lines mark "
                                  "0.8 (the four-fifths rule) and 1.") + " " + note, ratio_chart),
                Chart("decomposition", _("Each bar is a stage's share of the gap between a "
                                         "group's overall selection rate and its reference's.")
                      + " " + note, dec_chart)],
        notes=[_("A pass rate is the applications that reached a stage over those that reached "
                 "the previous one. Selections from rosters are a separate flow and are left "
                 "out."),
               _("Verdicts: adverse impact when the ratio is below 0.8 and significant after "
                 "correcting for the many comparisons; insufficient data when the comparison "
                 "lacks power.")],
    )


def _stratified(frame: pl.DataFrame, dim: str, group_col: Column, params: Params,
                fmt: Formatter, labels: Any) -> Table:
    """The selection-rate ratio within strata beside the crude one, stage by stage."""
    _ = fmt._
    shown = labels(frame) if frame.height else frame
    if frame.height:
        shown = analytic.with_labels(shown, fmt, {
            "simpson": lambda v: analytic.coded(fmt, READINGS, v)})
    cols = [group_col, Column("stage_label", N_("Stage")),
            Column("strata_used", N_("Strata used"), "int"),
            Column("crude_ratio", N_("Selection-rate ratio"), "decimal"),
            Column("pooled_ratio", N_("Ratio within strata"), "decimal"),
            Column("pooled_ratio_low", N_("Ratio: lower limit"), "decimal"),
            Column("pooled_ratio_high", N_("Ratio: upper limit"), "decimal"),
            Column("cmh_q_value", N_("q-value"), "decimal"),
            Column("simpson_label", N_("Crude and stratified")),
            Column("verdict_label", N_("Verdict"))]
    title = _("Within strata: %(strata)s", strata=_(STRATA[params["strata"] or "grade"]))
    return Table("stratified", title, cols, shown)


VIEW = View(
    slug="funnel",
    title=N_("Recruitment funnel"),
    description=N_("Applications at every recruitment stage by group: pass rates, selection-rate "
                   "ratios with their intervals, verdicts, and the stage that opens the gap."),
    params=(
        *analytic.period_params(),
        Param("by", N_("Break down by"), lambda s: list(BREAKDOWNS), labels=BREAKDOWNS,
              default=lambda v: "regional_group"),
        Param("reference", N_("Compared with"), lambda s: list(REFERENCES), labels=REFERENCES,
              default=lambda v: "others"),
        Param("strata", N_("Within strata of"), lambda s: list(STRATA), labels=STRATA,
              all_label=N_("No strata")),
        Param("entity", N_("Entity"), opening_entities, all_label=N_("All entities")),
        options.ORGANIZATION,
    ),
    compute=compute,
    present=present,
    template="views/funnel.html",
    order=40,
)
