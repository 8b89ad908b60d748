"""Desirable ranges: every Member State's range, its nationals and its status (ranked)."""

from __future__ import annotations

from datetime import date

import polars as pl

from parity.core.analytics import ranges
from parity.core.reference import REGIONAL_GROUPS
from parity.web import charts
from parity.web.formatting import GROUP_NAMES, Formatter
from parity.web.i18n import N_
from parity.web.views import options
from parity.web.views.base import Chart, Column, Data, Page, Param, Params, Source, Table, View

STATUS_NAMES: dict[str, str] = {
    "unrepresented": N_("Unrepresented"),
    "underrepresented": N_("Underrepresented"),
    "within_below_midpoint": N_("Within range (below midpoint)"),
    "within_above_midpoint": N_("Within range (above midpoint)"),
    "overrepresented": N_("Overrepresented"),
}


def compute(source: Source, params: Params) -> Data:
    as_of = date.fromisoformat(params["as_of"]) if params["as_of"] else None
    result = ranges.desirable_ranges(source.backend(), as_of)
    states = result.states
    if params["group"]:
        states = states.filter(pl.col("regional_group") == params["group"])
    if params["status"]:
        states = states.filter(pl.col("status") == params["status"])
    states = states.sort(["staff", "iso3"], descending=[True, False])
    info = pl.DataFrame({"snapshot_date": [result.snapshot_date], "base_figure": [result.base_figure],
                         "base_figure_mode": [result.base_figure_mode],
                         "scale_year": [result.scale_year], "population_year": [result.population_year]})
    return {"states": states, "status_counts": result.status_counts.drop("label"), "basis": info}


def _status(fmt: Formatter, code: str) -> str:
    return fmt._(STATUS_NAMES.get(code, code))


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    states, counts, basis = data["states"], data["status_counts"], data["basis"]
    snap = basis["snapshot_date"][0]
    n = {r["status"]: r["states"] for r in counts.iter_rows(named=True)}
    lines = [_("On %(date)s, %(within)s Member States were within their desirable range, "
               "%(under)s underrepresented, %(un)s unrepresented and %(over)s overrepresented.",
               date=fmt.date(snap),
               within=fmt.integer(n.get("within_below_midpoint", 0) + n.get("within_above_midpoint", 0)),
               under=fmt.integer(n.get("underrepresented", 0)), un=fmt.integer(n.get("unrepresented", 0)),
               over=fmt.integer(n.get("overrepresented", 0))),
             _("The ranges are computed from a base figure of %(base)s posts subject to "
               "geographical distribution.", base=fmt.integer(basis["base_figure"][0]))]
    if states.height:
        top = states.row(0, named=True)
        lines.append(_("Among the States shown, %(country)s had the most nationals in these posts "
                       "(%(staff)s; range %(lower)s–%(upper)s).", country=fmt.country(top["iso3"]),
                       staff=fmt.integer(top["staff"]), lower=fmt.integer(top["lower"]),
                       upper=fmt.integer(top["upper"])))
    rows = [{"state": fmt.country(r["iso3"]), "staff": r["staff"], "lower": r["lower"],
             "upper": r["upper"], "status": _status(fmt, r["status"]),
             "tooltip": _("%(country)s: %(staff)s nationals; range %(lower)s–%(upper)s; %(status)s",
                          country=fmt.country(r["iso3"]), staff=fmt.integer(r["staff"]),
                          lower=fmt.integer(r["lower"]), upper=fmt.integer(r["upper"]),
                          status=_status(fmt, r["status"]))}
            for r in states.iter_rows(named=True)]
    # one chart per regional group, so that each keeps its axis and legend in view
    by_group: dict[str, list[dict[str, object]]] = {}
    for row, group in zip(rows, states["regional_group"].to_list(), strict=True):
        by_group.setdefault(group, []).append(row)
    caption = _("Each dot is a Member State's nationals in posts subject to geographical "
                "distribution on %(date)s; the line is its desirable range. States are ranked by "
                "their nationals.", date=fmt.date(snap))
    group_charts = [
        Chart("states", f"{fmt.group(group)}. {caption}", charts.interval_dots(
            group_rows, category="state", value="staff", low="lower", high="upper",
            value_title=_("Nationals in posts subject to geographical distribution"),
            category_title=_("Member State"), color="status", color_title=_("Status"),
            color_order=[_status(fmt, s) for s in STATUS_NAMES], rtl=fmt.dir == "rtl"))
        for group, group_rows in sorted(by_group.items(),
                                        key=lambda kv: list(REGIONAL_GROUPS).index(kv[0])
                                        if kv[0] in REGIONAL_GROUPS else len(REGIONAL_GROUPS))]
    cols = [Column("iso3", N_("Member State"), "country"),
            Column("regional_group", N_("Regional group"), "group"),
            Column("staff", N_("Nationals in the system"), "int"),
            Column("lower", N_("Lower limit"), "int"), Column("midpoint", N_("Midpoint"), "decimal"),
            Column("upper", N_("Upper limit"), "int"), Column("status_label", N_("Status"), "text"),
            Column("needed_to_reach_lower", N_("Needed to reach the range"), "int")]
    shown = states.with_columns(pl.col("status").map_elements(
        lambda s: _status(fmt, s), return_dtype=pl.Utf8).alias("status_label"))
    count_cols = [Column("status_label", N_("Status"), "text"), Column("states", N_("Member States"), "int")]
    counts_shown = counts.with_columns(pl.col("status").map_elements(
        lambda s: _status(fmt, s), return_dtype=pl.Utf8).alias("status_label"))
    return Page(
        summary=lines,
        tables=[Table("states", _("Member States, ranked by their nationals in the system"), cols,
                      shown, row_header="iso3"),
                Table("status_counts", _("Member States by status"), count_cols, counts_shown)],
        charts=group_charts,
        notes=[_("Status counts cover all Member States, whatever the filters.")],
    )


VIEW = View(
    slug="ranges",
    title=N_("Desirable ranges"),
    description=N_("Each Member State's desirable range for posts subject to geographical "
                   "distribution, its nationals in those posts and its status."),
    params=(
        Param("as_of", N_("Snapshot"), options.snapshot_dates, kind="date", default=options.latest),
        Param("group", N_("Regional group"), lambda s: list(REGIONAL_GROUPS), kind="group",
              labels={k: GROUP_NAMES[k] for k in REGIONAL_GROUPS}, all_label=N_("All groups")),
        Param("status", N_("Status"), lambda s: list(STATUS_NAMES), labels=STATUS_NAMES,
              all_label=N_("All statuses")),
    ),
    compute=compute,
    present=present,
    template="views/ranges.html",
    order=20,
)
