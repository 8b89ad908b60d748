"""``parity careers``: promotions, mobility, separations and rosters by group.

Only parses options and formats what :mod:`parity.core.analytics.careers` computes; the
columns are documented in docs/careers.md.
"""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
import typer

from parity.cli.render import (
    DbOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    emit,
    fmt_count,
    fmt_num,
    fmt_p,
    friendly_errors,
    print_table,
    table_console,
)
from parity.core.output import Result, data_as_of
from parity.core.settings import Settings

_TITLES = {
    "promotion": "Promotions per 100 staff-years at risk in the grade below",
    "reassignment": "Reassignments per 100 staff-years",
    "separation": "Separations per 100 staff-years (higher is adverse)",
    "roster": "Roster placements per application and selections from the roster per member",
}


_num = fmt_num
_p = fmt_p


def _with_interval(est: Any, lo: Any, hi: Any, scale: float = 1.0, digits: int = 2,
                   unit: str = "") -> str:
    if est is None:
        return "–"

    def f(v: Any, missing: str = "–") -> str:
        if v is None or v != v:  # None or NaN
            return missing
        return _num(v * scale if isinstance(v, float) else v, digits)

    if f(lo, "") == "" and f(hi, "") == "":
        return f"{f(est)}{unit}"
    return f"{f(est)}{unit} ({f(lo, '?')}–{f(hi, '?')})"


def _readable(frame: pl.DataFrame, flow: str, dims: list[str], survival: bool) -> pl.DataFrame:
    """The columns a person reads, formatted: estimates with their intervals."""
    rows: list[dict[str, Any]] = []
    for r in frame.iter_rows(named=True):
        rec: dict[str, Any] = {}
        if survival:
            rec |= {k: r[k] for k in frame.columns[1: frame.columns.index("spells")]}
            rec |= {"spells": fmt_count(r["spells"]), "promotions": fmt_count(r["promotions"]),
                    "median years": _with_interval(r["median_years"], r["median_years_low"],
                                                   r["median_years_high"], digits=1),
                    f"promoted within {r['horizon_years']:g} y": _with_interval(
                        r["promoted_by"], r["promoted_by_low"], r["promoted_by_high"],
                        scale=100, digits=1, unit="%"),
                    "hazard ratio": _with_interval(r["ratio"], r["ratio_low"],
                                                   r["ratio_high"])}
        else:
            rec |= {**{d: r[d] for d in dims}, "count": fmt_count(r["count"])}
            if flow == "roster":
                rec |= {"of": fmt_count(r["total"]), "rate": _with_interval(
                    r["rate"], r["rate_low"], r["rate_high"], scale=100, digits=1, unit="%")}
            else:
                rec |= {"staff-years": fmt_count(r["staff_years"]),
                        "per 100": _with_interval(r["rate"], r["rate_low"], r["rate_high"],
                                                  scale=100)}
            rec["ratio"] = _with_interval(r["ratio"], r["ratio_low"], r["ratio_high"])
            if "mh_ratio" in frame.columns:
                rec["within strata"] = _with_interval(r["mh_ratio"], r["mh_ratio_low"],
                                                      r["mh_ratio_high"])
                rec["crude vs strata"] = r["stratified"] or "–"
        rec |= {"q": _p(r["q_value"]), "verdict": r["verdict"] or "(reference)"}
        rec = {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in rec.items()}
        rows.append(rec)
    return pl.DataFrame(rows, strict=False)


def careers(
    flow: Annotated[str, typer.Option(
        "--flow", help="promotion, reassignment, separation or roster.")],
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Dimension(s): regional_group, nationality, gender, grade, level_band, "
        "category, entity, entity_type (field), organization, appointment_type, age_band, "
        "event_month (rates per "
        "month, no comparisons) ('parity dimensions'). "
        "Repeat (or separate with commas) for intersections. Default: regional_group.")]
    = None,
    year_from: Annotated[int | None, typer.Option(
        "--from", help="First calendar year (default: the first the snapshots cover).")] = None,
    year_to: Annotated[int | None, typer.Option(
        "--to", help="Last calendar year (default: the last the snapshots cover).")] = None,
    strata: Annotated[list[str] | None, typer.Option(
        "--strata", help="Stratify by these dimension(s), e.g. grade or entity "
        "(Mantel–Haenszel within strata).")] = None,
    reference: Annotated[str, typer.Option(
        help="Compare with: others (all other groups), best (the most favourable group; "
        "'highest' also works) or a group such as WEOG or WEOG+F.")] = "others",
    scope: Annotated[str, typer.Option(
        help="all, or professional (P, D, ASG/USG at risk; P and higher openings).")] = "all",
    where: Annotated[list[str] | None, typer.Option(
        "--where", help="Count only these staff (or applications): DIM=VALUE, DIM!=VALUE or "
        "DIM=V1,V2 on the dimensions of --by (repeatable, ANDed), e.g. "
        "--where level_band=P-4.")] = None,
    survival: Annotated[bool, typer.Option(
        "--survival/--rates", help="With --flow promotion: time in grade until promotion "
        "(Kaplan–Meier, log-rank) instead of rates.")] = False,
    horizon: Annotated[float, typer.Option(
        help="With --survival: the share promoted within this many years.")] = 3.0,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Promotions, reassignments, separations and rosters by group: counts, rates with exact
    intervals, ratios to a reference, exact tests, BH q-values and verdicts."""
    from parity.core.analytics import careers as core
    from parity.core.errors import UserInputError
    from parity.core.store import open_store

    dims_raw = [d for item in (by or []) for d in item.split(",") if d.strip()]
    strata_raw = [d for item in (strata or []) for d in item.split(",") if d.strip()]
    name = core.check_flow(flow)
    if survival and name != "promotion":
        raise UserInputError("--survival applies to promotions only.",
                             "Use --flow promotion --survival.")
    settings = Settings.load({"db": db})
    with open_store(settings.db, read_only=True) as store:
        if survival:
            frame = core.careers_survival(store, dims_raw, year_from, year_to, strata_raw,
                                          reference, scope, horizon, where or [])
        else:
            frame = core.careers(store, name, dims_raw, year_from, year_to, strata_raw,
                                 reference, scope, where or [])
        as_of_data = data_as_of(store)
    dims, layers = core.resolve_dimensions(name, dims_raw, strata_raw)
    if frame.height and frame["period_start"][0] is not None:
        period = f"{frame['period_start'][0]} to {frame['period_end'][0]}"
    else:
        period = "all years"
    monthly = "ratio" not in frame.columns and not survival
    what = ("Time in grade until promotion" if survival else
            f"{_TITLES[name].split(' (')[0]}, by month (no comparisons)"
            if monthly else _TITLES[name])
    title = f"{what} by {' × '.join(dims)}, {period}"
    if layers:
        title += f", within {' × '.join(layers)}"
    if where:
        title += f", where {'; '.join(where)}"
    params = {"flow": name, "by": dims, "strata": layers, "from": year_from, "to": year_to,
              "reference": reference, "scope": scope, "survival": survival,
              "horizon_years": horizon if survival else None, "where": where or []}
    result = Result(title, params, {"survival" if survival else name: frame},
                    data_as_of=as_of_data)
    emit(result, fmt, output, show=lambda: _print_careers(frame, name, title, dims, layers,
                                                          survival))


def _print_careers(frame: pl.DataFrame, name: str, title: str, dims: list[str],
                   layers: list[str], survival: bool) -> None:
    console = table_console()
    if "ratio" not in frame.columns and not survival:  # rates by event_month
        rows = [{**{d: r[d] for d in ["outcome", *dims]}, "count": fmt_count(r["count"]),
                 "staff-years": _num(r["staff_years"], 1),
                 "per 100": _with_interval(r["rate"], r["rate_low"], r["rate_high"], 100)}
                for r in frame.iter_rows(named=True)]
        print_table(pl.DataFrame(rows, strict=False), title=title, console=console)
        console.print("Events in the month they took effect per 100 staff-years spent in "
                      "that month; intervals 95% (exact Poisson); no comparisons by month.",
                      highlight=False)
        return
    view = [*layers, *dims] if survival else dims
    if survival or frame.height == 0:
        print_table(_readable(frame, name, view, survival), title=title, console=console)
    else:
        for outcome in frame["outcome"].unique(maintain_order=True).to_list():
            part = frame.filter(pl.col("outcome") == outcome)
            heading = title if part["outcome"].n_unique() == frame["outcome"].n_unique() else (
                f"{title}: {outcome.replace('_', ' ')}")
            print_table(_readable(part, name, view, survival), title=heading, console=console)
    ref = frame["reference"].drop_nulls().unique().to_list() if frame.height else []
    console.print(
        f"Reference: {', '.join(str(r) for r in ref) or '–'}. Intervals 95%; q = "
        "Benjamini–Hochberg over every comparison in the table"
        + (" (stratified tests)" if layers and not survival else "") + "; "
        + ("a higher rate is adverse." if name == "separation" else "a lower rate is adverse."),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``parity careers`` to ``app``."""
    app.command("careers")(friendly_errors(careers))
