"""Gender parity: women's share by level, entity or field, against the parity band."""

from __future__ import annotations

from datetime import date
from typing import Literal, cast

import polars as pl

from parity.core.analytics import gender
from parity.web import charts
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.views import options, projections
from parity.web.views.base import Chart, Column, Data, Page, Param, Params, Source, Table, View

BREAKDOWNS = {"level": N_("Level"), "entity": N_("Entity"), "field": N_("Field or non-field")}
SCOPES = {"professional": N_("Professional and higher"), "all": N_("All categories")}
BAND_STATUS = {"below": N_("below the band"), "within": N_("within the band"),
               "above": N_("above the band")}
GROUP_NAMES = {gender.TOTAL: N_("Total"), "field": N_("Field"), "non-field": N_("Non-field")}


def compute(source: Source, params: Params) -> Data:
    as_of = date.fromisoformat(params["as_of"]) if params["as_of"] else None
    by = cast(Literal["level", "entity", "field"], params["by"] or "level")
    # the parity year rests on the same projection as the projections view shows
    result = gender.gender_parity(source.backend(), as_of, by=by,
                                  all_categories=params["scope"] == "all",
                                  where=options.where(params),
                                  projection_runs=projections.RUNS,
                                  projection_seed=projections.SEED,
                                  projection_years=projections.YEARS)
    table = result.table.rename({gender.BY_COLUMN[by]: "group"})
    return {"parity": table}


def _group(fmt: Formatter, value: object) -> str:
    text = "–" if value is None else str(value)
    return fmt._(GROUP_NAMES[text]) if text in GROUP_NAMES else text


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    table = data["parity"]
    lines: list[str] = []
    if table.height:
        first = table.row(0, named=True)
        lines.append(_("The parity band is %(lower)s to %(upper)s women, among staff whose gender "
                       "is recorded, on %(date)s.", lower=fmt.percent(first["band_lower"]),
                       upper=fmt.percent(first["band_upper"]), date=fmt.date(first["snapshot_date"])))
    for r in table.iter_rows(named=True):
        status = _(BAND_STATUS.get(str(r["band_status"]), str(r["band_status"])))
        if r["women_share"] is None:
            continue
        line = _("%(group)s: women were %(share)s of %(staff)s staff (%(status)s).",
                 group=_group(fmt, r["group"]), share=fmt.percent(r["women_share"]),
                 staff=fmt.integer(r["staff"]), status=status)
        if r["target_year"] is not None and r["band_status"] != "within":
            line += " " + _("Target year: %(year)s.", year=str(r["target_year"]))
        if r.get("max_p_in_band") is not None:
            line += " " + projections.parity_outlook(
                fmt, r["p_in_band_year"], r["p_in_band_at_target"], r["parity_year"],
                r["max_p_in_band"])
        lines.append(line)
    shown = table.with_columns(
        pl.col("group").map_elements(lambda g: _group(fmt, g), return_dtype=pl.Utf8).alias("group_label"),
        pl.col("band_status").map_elements(lambda s: _(BAND_STATUS.get(s, s)),
                                           return_dtype=pl.Utf8).alias("status_label"))
    rows = [{"group": r["group_label"], "share": r["women_share"], "lo": r["ci_lower"],
             "hi": r["ci_upper"], "status": r["status_label"],
             "tooltip": _("%(group)s: %(share)s women (%(low)s–%(high)s)", group=r["group_label"],
                          share=fmt.percent(r["women_share"]), low=fmt.percent(r["ci_lower"]),
                          high=fmt.percent(r["ci_upper"]))}
            for r in shown.iter_rows(named=True) if r["women_share"] is not None]
    band = (float(table["band_lower"][0]), float(table["band_upper"][0])) if table.height else None
    by_label = BREAKDOWNS[params["by"] or "level"]
    chart = charts.interval_dots(rows, category="group", value="share", low="lo", high="hi",
                                 value_title=_("Share of women"), category_title=_(by_label),
                                 color="status",
                                 color_title=_("Against the band"),
                                 color_order=[_(v) for v in BAND_STATUS.values()],
                                 percent=True, rtl=fmt.dir == "rtl", band=band)
    cols = [Column("group_label", by_label),
            Column("staff", N_("Staff"), "int"), Column("women", N_("Women"), "int"),
            Column("men", N_("Men"), "int"), Column("women_share", N_("Share of women"), "share"),
            Column("ci_lower", N_("Lower confidence limit"), "share"),
            Column("ci_upper", N_("Upper confidence limit"), "share"),
            Column("status_label", N_("Against the band")),
            Column("target_year", N_("Target year")),
            Column("required_entrant_share", N_("Women's share of entrants needed"), "share"),
            Column("p_in_band_at_target", N_("Chance of being within the band"), "share"),
            Column("parity_year", N_("Likely within the band from"))]
    return Page(
        summary=lines,
        tables=[Table("parity", _("Women's share against the parity band"), cols, shown)],
        charts=[Chart("parity", _("Each dot is the share of women with its confidence "
                                  "interval; the shaded area is the parity band."), chart)],
        notes=[_("Shares are among staff whose gender is recorded; 'Other' and unknown gender "
                 "are counted in the staff column only.")],
    )


VIEW = View(
    slug="gender",
    title=N_("Gender parity"),
    description=N_("Women's share by level, entity or field, against the parity band and the "
                   "target dates of the gender parity strategy."),
    params=(
        Param("as_of", N_("Snapshot"), options.snapshot_dates, kind="date", default=options.latest),
        Param("by", N_("Break down by"), lambda s: list(BREAKDOWNS), labels=BREAKDOWNS,
              default=lambda v: "level"),
        Param("scope", N_("Staff"), lambda s: list(SCOPES), labels=SCOPES,
              default=lambda v: "professional"),
        options.ORGANIZATION,
    ),
    compute=compute,
    present=present,
    template="views/gender.html",
    order=30,
)
