"""Promotions, mobility, separations and rosters by group: rates, ratios and verdicts."""

from __future__ import annotations

from functools import partial

import polars as pl

from parity.core.analytics import careers
from parity.web import charts
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.views import analytic, composition, options
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


def dimensions(params: Params) -> list[str]:
    """The chosen dimensions in order (the first always set; empty choices skipped)."""
    chosen = [params["by"] or "regional_group", params.get("by2"), params.get("by3")]
    return [d for d in chosen if d]


def compute(source: Source, params: Params) -> Data:
    flow = params["flow"] or "promotion"
    y_from, y_to = analytic.years(params)
    frame = careers.careers(source.backend(), flow, dimensions(params), y_from, y_to,
                            where=composition.where(params))
    return {"flows": analytic.finite(frame)}


def years(source: Source) -> list[str]:
    """Years the flows can be read in: those of the staff snapshots and of the postings."""
    found = {d[:4] for d in options.snapshot_dates(source)} | set(options.posting_years(source))
    return sorted(found, reverse=True)


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    flow = params["flow"] or "promotion"
    dims = dimensions(params)
    frame = data["flows"]
    exposure = "total" if "total" in frame.columns else "staff_years"
    shown = analytic.with_labels(frame, fmt, {
        **{d: partial(analytic.label, fmt, d) for d in dims},
        "outcome": lambda v: analytic.coded(fmt, OUTCOMES, v),
        "verdict": lambda v: analytic.coded(fmt, VERDICTS, v)})
    shown = shown.with_columns(
        pl.concat_str([pl.col(f"{d}_label") for d in dims], separator=" · ").alias("group_label"))
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
        lines.extend(composition.filter_summary(params, fmt))
        lines.append(_("A lower rate is adverse.") if frame["direction"][0] == "lower is adverse"
                     else _("A higher rate is adverse."))
        for r in first.filter(pl.col("verdict") == "adverse impact").iter_rows(named=True):
            lines.append(_("%(group)s: a rate of %(rate)s against %(reference)s for the others "
                           "(ratio %(ratio)s): adverse impact.", group=r["group_label"],
                           rate=fmt.percent(r["rate"]), reference=fmt.percent(r["reference_rate"]),
                           ratio=fmt.decimal(r["ratio"], 2)))
    ranked = first.sort(exposure, descending=True).head(CHART_GROUPS)
    dots = [{"group": r["group_label"], "value": r["rate"], "lo": r["rate_low"],
             "hi": r["rate_high"] if r["rate_high"] is not None else r["rate"],
             "verdict": r["verdict_label"],
             "tooltip": _("%(group)s: %(rate)s (%(low)s–%(high)s), %(verdict)s",
                          group=r["group_label"], rate=fmt.percent(r["rate"]),
                          low=fmt.percent(r["rate_low"]), high=fmt.percent(r["rate_high"]),
                          verdict=r["verdict_label"])}
            for r in ranked.iter_rows(named=True) if r["rate"] is not None]
    rate_label = N_("Rate") if flow == "roster" else N_("Yearly rate")
    chart = charts.interval_dots(dots, category="group", value="value", low="lo", high="hi",
                                 value_title=_(rate_label),
                                 category_title=" · ".join(_(BREAKDOWNS[d]) for d in dims),
                                 color="verdict", color_title=_("Verdict"),
                                 color_order=[_(v) for v in VERDICTS.values()], percent=True,
                                 rtl=fmt.dir == "rtl")
    analytic.color_verdicts(chart, fmt)
    chart["layer"][-1]["encoding"]["x"]["axis"]["format"] = ".1%"  # rates of a few per cent
    exposure_col = (Column("total", N_("Applications or roster members"), "int")
                    if exposure == "total" else Column("staff_years", N_("Staff-years"), "decimal"))
    cols = [*(Column(f"{d}_label", BREAKDOWNS[d]) for d in dims),
            Column("outcome_label", N_("Outcome")),
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
        Param("by2", N_("Then by"), lambda s: list(BREAKDOWNS), labels=BREAKDOWNS,
              all_label=N_("No further breakdown")),
        Param("by3", N_("And then by"), lambda s: list(BREAKDOWNS), labels=BREAKDOWNS,
              all_label=N_("No further breakdown")),
        Param("year_from", N_("From year"), years, all_label=N_("From the first year covered")),
        Param("year_to", N_("To year"), years, all_label=N_("To the last year covered")),
        *composition.filter_params(),
        options.ORGANIZATION,
    ),
    compute=compute,
    present=present,
    template="views/careers.html",
    order=60,
)
