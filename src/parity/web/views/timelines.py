"""Recruitment timelines: days from posting to selection against the 120-day target."""

from __future__ import annotations

from parity.core.analytics.timelines import TARGET_DAYS, timelines_report
from parity.web import charts
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.views import analytic, options
from parity.web.views.base import Chart, Column, Data, Page, Param, Params, Source, Table, View

BREAKDOWNS: dict[str, str] = {"entity_type": N_("Field or non-field"), "grade": N_("Grade"),
                              "level_band": N_("Level"), "year": N_("Year")}
#: Milestones of an opening, as the stage table names them.
MILESTONES: dict[str, str] = {"posted": N_("Posted"), "deadline": N_("Closing date"),
                              "screened": N_("Screened"), "assessed": N_("Assessed"),
                              "interviewed": N_("Interviewed"),
                              "recommended": N_("Recommended"), "selected": N_("Selected")}


def compute(source: Source, params: Params) -> Data:
    y_from, y_to = analytic.years(params)
    dim = params["by"] or "entity_type"
    report = timelines_report(source.backend(), [dim], year_from=y_from, year_to=y_to,
                              target_days=TARGET_DAYS, where=options.where(params))
    return {"timelines": analytic.finite(report.timelines),
            "stages": analytic.finite(report.stages)}


def _group(fmt: Formatter, value: object) -> str:
    if value == "all":
        return fmt._("All openings")
    return analytic.label(fmt, "", value)


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    dim = params["by"] or "entity_type"
    dim_label = BREAKDOWNS[dim]
    times = analytic.with_labels(data["timelines"], fmt, {dim: lambda v: _group(fmt, v)})
    stages = analytic.with_labels(data["stages"], fmt, {
        dim: lambda v: _group(fmt, v), "from_stage": lambda v: analytic.coded(fmt, MILESTONES, v),
        "to_stage": lambda v: analytic.coded(fmt, MILESTONES, v)})
    stages = stages.with_columns(
        (stages["from_stage_label"] + " → " + stages["to_stage_label"]).alias("step_label"))
    lines: list[str] = []
    rows = list(times.iter_rows(named=True))
    if rows:
        first = rows[0]
        lines.append(_("From %(start)s to %(end)s, %(openings)s position-specific openings: "
                       "%(selected)s filled and %(open)s still open.",
                       start=params["year_from"] or "–", end=params["year_to"] or "–",
                       openings=fmt.integer(first["openings"]),
                       selected=fmt.integer(first["selected"]),
                       open=fmt.integer(first["censored"])))
    for r in rows:
        if r["median_days"] is None:
            lines.append(_("%(group)s: fewer than half of %(openings)s openings were filled, so "
                           "there is no median yet.", group=r[f"{dim}_label"],
                           openings=fmt.integer(r["openings"])))
            continue
        lines.append(_("%(group)s: a median of %(days)s days from posting to selection; "
                       "%(share)s filled within the %(target)s-day target.",
                       group=r[f"{dim}_label"], days=fmt.integer(r["median_days"]),
                       share=fmt.percent(r["within_target"]), target=fmt.integer(TARGET_DAYS)))
    dots = [{"group": r[f"{dim}_label"], "value": r["median_days"],
             "lo": r["median_days_low"] if r["median_days_low"] is not None else r["median_days"],
             "hi": r["median_days_high"] if r["median_days_high"] is not None
             else r["median_days"],
             "tooltip": _("%(group)s: median %(days)s days (%(low)s–%(high)s)",
                          group=r[f"{dim}_label"], days=fmt.integer(r["median_days"]),
                          low=fmt.integer(r["median_days_low"]),
                          high=fmt.integer(r["median_days_high"]))}
            for r in rows if r["median_days"] is not None]
    chart = charts.interval_dots(dots, category="group", value="value", low="lo", high="hi",
                                 value_title=_("Days from posting to selection"),
                                 category_title=_(dim_label), rtl=fmt.dir == "rtl")
    chart["layer"].insert(0, {"data": {"values": [{"x": TARGET_DAYS}]},
                              "mark": {"type": "rule", "color": "#1a1a1a", "strokeDash": [4, 3]},
                              "encoding": {"x": {"field": "x", "type": "quantitative"}}})
    group_col = Column(f"{dim}_label", dim_label)
    cols = [group_col, Column("openings", N_("Openings"), "int"),
            Column("selected", N_("Filled"), "int"), Column("censored", N_("Still open"), "int"),
            Column("median_days", N_("Median days"), "int"),
            Column("median_days_low", N_("Lower confidence limit"), "int"),
            Column("median_days_high", N_("Upper confidence limit"), "int"),
            Column("p25_days", N_("First quartile (days)"), "int"),
            Column("p75_days", N_("Third quartile (days)"), "int"),
            Column("within_target", N_("Filled within the target"), "share"),
            Column("selections_within_target", N_("Selections made within the target"),
                   "share")]
    stage_cols = [group_col, Column("step_label", N_("Stage")),
                  Column("openings", N_("Openings"), "int"),
                  Column("completed", N_("Completed"), "int"),
                  Column("censored", N_("Still open"), "int"),
                  Column("median_days", N_("Median days"), "int"),
                  Column("p25_days", N_("First quartile (days)"), "int"),
                  Column("p75_days", N_("Third quartile (days)"), "int")]
    return Page(
        summary=lines,
        tables=[Table("timelines", _("Days from posting to selection"), cols, times),
                Table("stages", _("Days per stage"), stage_cols, stages)],
        charts=[Chart("timelines", _("Each dot is the median number of days from posting to "
                                     "selection, with its confidence interval; the dashed line "
                                     "is the %(target)s-day target.",
                                     target=fmt.integer(TARGET_DAYS)), chart)],
        notes=[_("Openings not yet filled count as still open on the latest date in the store: "
                 "medians and shares within the target are Kaplan–Meier estimates, not "
                 "averages of the recruitments completed."),
               _("Position-specific openings only: the target applies to them.")],
    )


VIEW = View(
    slug="timelines",
    title=N_("Recruitment timelines"),
    description=N_("Days from posting to selection, and per stage, by field or non-field entity, "
                   "grade, level or year, against the 120-day target."),
    params=(
        *analytic.period_params(),
        Param("by", N_("Break down by"), lambda s: list(BREAKDOWNS), labels=BREAKDOWNS,
              default=lambda v: "entity_type"),
        options.ORGANIZATION,
    ),
    compute=compute,
    present=present,
    template="views/timelines.html",
    order=50,
)
