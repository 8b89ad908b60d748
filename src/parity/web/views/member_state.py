"""A Member State's page: its desirable range, its nationals and its status over the years.

A member_state account sees its own State only (any other gives 403); analysts choose any
Member State. The count of nationals in posts subject to geographical distribution is
what the disclosure policy publishes for every State (see
:mod:`parity.core.analytics.ranges_trend`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from parity.core.analytics.ranges_trend import state_trend
from parity.core.backend import Backend
from parity.web import charts
from parity.web.errors import Forbidden
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.views.base import Chart, Column, Data, Page, Param, Params, Source, Table, View
from parity.web.views.ranges import STATUS_NAMES


def member_states(source: Source) -> list[str]:
    """The States the reader may look at: a delegation its own, an analyst every one."""
    if source.user.role == "member_state":
        return [source.user.nationality] if source.user.nationality else []
    table = source.backend().table("ref_member_states")
    return sorted(Backend.to_polars(table.select("iso3"))["iso3"].to_list())


@dataclass(frozen=True)
class StateParam(Param):
    """The State filter: another Member State than a delegation's own is forbidden (403)."""

    def parse(self, raw: str | None, values: Sequence[str]) -> str | None:
        if raw and raw.upper() in values:
            return raw.upper()
        if raw and len(values) == 1 and len(raw) == 3 and raw.isalpha():
            raise Forbidden(N_("A Member State's account shows its own State only."),
                            N_("Open the page without choosing a State."))
        return super().parse(raw, values)


def compute(source: Source, params: Params) -> Data:
    code = params["state"]
    if code is None:
        from parity.core.errors import UserInputError

        raise UserInputError("No Member State is linked to this account.",
                             "Ask an administrator to set the account's nationality.")
    return {"trend": state_trend(source.backend(), code)}


def present(data: Data, params: Params, fmt: Formatter) -> Page:
    _ = fmt._
    trend = data["trend"]
    last = trend.row(trend.height - 1, named=True)
    name = fmt.country(last["iso3"])
    status = _(STATUS_NAMES[last["status"]])
    staff = _("hidden") if last["staff_hidden"] else fmt.integer(last["staff"])
    lines = [_("On %(date)s, %(state)s had %(staff)s nationals in posts subject to "
               "geographical distribution; its desirable range was %(lower)s to %(upper)s "
               "(midpoint %(midpoint)s): %(status)s.", date=fmt.date(last["snapshot_date"]),
               state=name, staff=staff, lower=fmt.integer(last["lower"]),
               upper=fmt.integer(last["upper"]), midpoint=fmt.decimal(last["midpoint"], 1),
               status=status)]
    if trend.height > 1:
        first = trend.row(0, named=True)
        lines.append(_("On %(date)s it had %(staff)s, with a range of %(lower)s to %(upper)s: "
                       "%(status)s.", date=fmt.date(first["snapshot_date"]),
                       staff=_("hidden") if first["staff_hidden"] else fmt.integer(first["staff"]),
                       lower=fmt.integer(first["lower"]), upper=fmt.integer(first["upper"]),
                       status=_(STATUS_NAMES[first["status"]])))
    if last["needed_to_reach_lower"]:
        lines.append(_("%(n)s more nationals would bring it into its range.",
                       n=fmt.integer(last["needed_to_reach_lower"])))
    shown = trend.with_columns(pl.Series("status_label", [_(STATUS_NAMES[s])
                                                          for s in trend["status"]]))
    points = []
    for r in trend.iter_rows(named=True):
        year = str(r["snapshot_date"].year)
        tip = _("%(date)s: %(staff)s nationals, range %(lower)s to %(upper)s, %(status)s",
                date=fmt.date(r["snapshot_date"]),
                staff=_("hidden") if r["staff_hidden"] else fmt.integer(r["staff"]),
                lower=fmt.integer(r["lower"]), upper=fmt.integer(r["upper"]),
                status=_(STATUS_NAMES[r["status"]]))
        if r["staff"] is not None:
            points.append({"year": year, "series": name, "value": r["staff"], "lo": r["lower"],
                           "hi": r["upper"], "tooltip": tip})
    chart = charts.line_band(points, x="year", y="value", low="lo", high="hi",
                             x_title=_("Year"), y_title=_("Nationals"), series="series",
                             series_title=_("Member State"), rtl=fmt.dir == "rtl")
    cols = [Column("snapshot_date", N_("Snapshot"), "date"),
            Column("staff", N_("Nationals"), "count"),
            Column("lower", N_("Lower limit"), "int"),
            Column("midpoint", N_("Midpoint"), "decimal"),
            Column("upper", N_("Upper limit"), "int"),
            Column("status_label", N_("Status")),
            Column("needed_to_reach_lower", N_("Needed to reach the range"), "count"),
            Column("change", N_("Change since the previous year"), "int")]
    return Page(
        summary=lines,
        tables=[Table("trend", _("%(state)s: desirable range and nationals, year by year",
                                 state=name), cols, shown)],
        charts=[Chart("trend", _("The line is the number of nationals in posts subject to "
                                 "geographical distribution at the end of each year; the "
                                 "shaded band is the desirable range."), chart)],
        notes=[_("The count of nationals in posts subject to geographical distribution is "
                 "published for every Member State, as in the UN composition reports; it is "
                 "never crossed with another dimension here.")],
    )


VIEW = View(
    slug="state",
    title=N_("Your State's desirable range"),
    description=N_("A Member State's desirable range, its nationals in posts subject to "
                   "geographical distribution and its status, year by year."),
    params=(StateParam("state", N_("Member State"), member_states, kind="country",
                       default=lambda values: values[0] if values else None),),
    compute=compute,
    present=present,
    template="views/state.html",
    roles=frozenset({"member_state", "analyst"}),
    order=25,
)
