"""Promotions, mobility, separations and rosters by group: rates, ratios and verdicts."""

from __future__ import annotations

import polars as pl

from parity.core.analytics import careers
from parity.web import charts
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.views import analytic, options
from parity.web.views.analytic import VERDICTS
from parity.web.views.base import Chart, Column, Data, Page, Param, Params, Source, Table, View

FLOWS: dict[str, str] = {"promotion": N_("Promotions"), "reassignment": N_("Reassignments"),
                         "separation": N_("Separations"), "roster": N_("Rosters")}
BREAKDOWNS: dict[str, str] = {"regional_group": N_("Regional group"), "gender": N_("Gender"),
                              "nationality": N_("Nationality"), "level_band": N_("Level")}
OUTCOMES: dict[str, str] = {
    "promotion": N_("Promotion"), "any": N_("Any reassignment"),
    "between_entities": N_("Between entities"), "field_change": N_("Field to non-field or back"),
    "duty_station": N_("Change of duty station"), "all": N_("All separations"),
    "retirement": N_("Retirement"), "non_retirement": N_("All but retirement"),
    "resignation": N_("Resignation"), "end_of_appointment": N_("End of appointment"),
    "termination": N_("Termination"), "death": N_("Death"), "other": N_("Other reason"),
    "membership": N_("Placed on a roster"), "conversion": N_("Selected from the roster"),
}
#: Most groups drawn in the chart (the most exposed); the table holds all.
CHART_GROUPS = 15


def compute(source: Source, params: Params) -> Data:
    flow = params["flow"] or "promotion"
    dim = params["by"] or "regional_group"
    return {"flows": analytic.finite(careers.careers(source.backend(), flow, [dim],
                                                     where=options.where(params)))}


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    flow = params["flow"] or "promotion"
    dim = params["by"] or "regional_group"
    frame = data["flows"]
    exposure = "total" if "total" in frame.columns else "staff_years"
    shown = analytic.with_labels(frame, fmt, {
        dim: lambda v: analytic.label(fmt, dim, v),
        "outcome": lambda v: analytic.coded(fmt, OUTCOMES, v),
        "verdict": lambda v: analytic.coded(fmt, VERDICTS, v)})
    main = frame["outcome"][0] if frame.height else None
    first = shown.filter(pl.col("outcome") == main) if main is not None else shown
    lines: list[str] = []
    if frame.height:
        start, end = frame["period_start"][0], frame["period_end"][0]
        period = (_("from %(start)s to %(end)s", start=fmt.date(start), end=fmt.date(end))
                  if start is not None and end is not None else _("over the years in the store"))
        lines.append(_("%(flow)s %(period)s: %(count)s events (%(outcome)s).",
                       flow=_(FLOWS[flow]), period=period,
                       count=fmt.integer(int(first["count"].sum())),
                       outcome=analytic.coded(fmt, OUTCOMES, main)))
        verdicts = shown["verdict"].to_list()
        lines.append(_("Of the comparisons of a group with %(reference)s, %(adverse)s show adverse "
                       "impact and %(watch)s call for watching.",
                       reference=_("all other groups"),
                       adverse=fmt.integer(verdicts.count("adverse impact")),
                       watch=fmt.integer(verdicts.count("watch"))))
        lines.append(_("A lower rate is adverse.") if frame["direction"][0] == "lower is adverse"
                     else _("A higher rate is adverse."))
        for r in first.filter(pl.col("verdict") == "adverse impact").iter_rows(named=True):
            lines.append(_("%(group)s: a rate of %(rate)s against %(reference)s for the others "
                           "(ratio %(ratio)s): adverse impact.", group=r[f"{dim}_label"],
                           rate=fmt.percent(r["rate"]), reference=fmt.percent(r["reference_rate"]),
                           ratio=fmt.decimal(r["ratio"], 2)))
    ranked = first.sort(exposure, descending=True).head(CHART_GROUPS)
    dots = [{"group": r[f"{dim}_label"], "value": r["rate"], "lo": r["rate_low"],
             "hi": r["rate_high"] if r["rate_high"] is not None else r["rate"],
             "verdict": r["verdict_label"],
             "tooltip": _("%(group)s: %(rate)s (%(low)s–%(high)s), %(verdict)s",
                          group=r[f"{dim}_label"], rate=fmt.percent(r["rate"]),
                          low=fmt.percent(r["rate_low"]), high=fmt.percent(r["rate_high"]),
                          verdict=r["verdict_label"])}
            for r in ranked.iter_rows(named=True) if r["rate"] is not None]
    rate_label = N_("Rate") if flow == "roster" else N_("Yearly rate")
    chart = charts.interval_dots(dots, category="group", value="value", low="lo", high="hi",
                                 value_title=_(rate_label), category_title=_(BREAKDOWNS[dim]),
                                 color="verdict", color_title=_("Verdict"),
                                 color_order=[_(v) for v in VERDICTS.values()], percent=True,
                                 rtl=fmt.dir == "rtl")
    analytic.color_verdicts(chart, fmt)
    chart["layer"][-1]["encoding"]["x"]["axis"]["format"] = ".1%"  # rates of a few per cent
    exposure_col = (Column("total", N_("Applications or roster members"), "int")
                    if exposure == "total" else Column("staff_years", N_("Staff-years"), "decimal"))
    cols = [Column(f"{dim}_label", BREAKDOWNS[dim]), Column("outcome_label", N_("Outcome")),
            Column("count", N_("Count"), "int"), exposure_col,
            Column("rate", rate_label, "share"),
            Column("rate_low", N_("Lower confidence limit"), "share"),
            Column("rate_high", N_("Upper confidence limit"), "share"),
            Column("ratio", N_("Ratio to the others"), "decimal"),
            Column("ratio_low", N_("Ratio: lower limit"), "decimal"),
            Column("ratio_high", N_("Ratio: upper limit"), "decimal"),
            Column("verdict_label", N_("Verdict"))]
    caption = _("Each dot is a group's rate (%(outcome)s) with its confidence interval; the "
                "chart shows the %(n)s largest groups and the table lists all.",
                outcome=analytic.coded(fmt, OUTCOMES, main), n=fmt.integer(CHART_GROUPS))
    return Page(
        summary=lines,
        tables=[Table("flows", _(FLOWS[flow]), cols, shown)],
        charts=[Chart("flows", caption, chart)],
        notes=[_("Rates of promotions, reassignments and separations are events per staff-year "
                 "at risk; roster rates are proportions of applications or of roster members."),
               _("Retirement is driven by age; read its verdicts with the age of each group in "
                 "mind.")],
    )


VIEW = View(
    slug="careers",
    title=N_("Promotions, mobility and separations"),
    description=N_("Promotion, reassignment, separation and roster rates by group, compared with "
                   "all other groups, with intervals and verdicts."),
    params=(
        Param("flow", N_("Flow"), lambda s: list(FLOWS), labels=FLOWS,
              default=lambda v: "promotion"),
        Param("by", N_("Break down by"), lambda s: list(BREAKDOWNS), labels=BREAKDOWNS,
              default=lambda v: "regional_group"),
        options.ORGANIZATION,
    ),
    compute=compute,
    present=present,
    template="views/careers.html",
    order=60,
)
