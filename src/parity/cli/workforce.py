"""Workforce commands: ``parity composition``, ``parity ranges`` and ``parity gender``.

They only parse options and format what :mod:`parity.core.analytics` computes; the
JSON keys are documented in docs/workforce.md.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from parity.cli.render import (
    DbOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    emit,
    friendly_errors,
    print_table,
    table_console,
)
from parity.core.output import Result, data_as_of
from parity.core.settings import Settings

AsOfOption = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"],
                 help="Use the latest snapshot on or before this date (default: the latest)."),
]


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


# ---------------------------------------------------------------------------- composition
_SCOPE_TITLES = {"professional": "Professional and higher", "senior": "P-5, D-1 and D-2",
                 "geo": "posts subject to geographical distribution"}


def composition(
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Dimension(s): regional_group, nationality, gender, grade, level_band, "
        "category, entity, entity_type (field), duty_station, appointment_type, geo_subject "
        "('parity dimensions'). Repeat or separate with commas.")] = None,
    db: DbOption = None,
    as_of: AsOfOption = None,
    compare: Annotated[datetime | None, typer.Option(
        "--compare", formats=["%Y-%m-%d"],
        help="Also show the snapshot on or before this date and the change.")] = None,
    trend: Annotated[bool, typer.Option(
        "--trend/--no-trend",
        help="Every snapshot up to --as-of, with the change from the previous one.")] = False,
    yearly: Annotated[bool, typer.Option(
        "--yearly/--no-yearly",
        help="With --trend: only the last snapshot of each calendar year.")] = False,
    scope: Annotated[str, typer.Option(
        help="all, professional (P and higher), senior (P-5, D-1, D-2) or geo "
        "(posts subject to geographical distribution).")] = "all",
    where: Annotated[list[str] | None, typer.Option(
        "--where", help="Count only these staff: DIM=VALUE, DIM!=VALUE or DIM=V1,V2 on the "
        "dimensions of --by (repeatable, ANDed), e.g. --where level_band=P-4.")] = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Staff counts and shares by group, grade, entity, ... on a snapshot, between two, or
    across all."""
    from parity.core.analytics import composition as comp
    from parity.core.errors import UserInputError
    from parity.core.store import open_store

    dims = [d for item in (by or []) for d in item.split(",") if d.strip()]
    filters = list(where or [])
    if (trend or yearly) and compare is not None:
        raise UserInputError("--trend and --compare cannot be combined.",
                             "Use --trend for every snapshot or --compare for two.")
    settings = Settings.load({"db": db})
    with open_store(settings.db, read_only=True) as store:
        if trend or yearly:
            frame = comp.composition_trend(store, dims, scope=scope, date_to=_day(as_of),
                                           yearly=yearly, where=filters)
            title, name = "Staff by " + (", ".join(dims) or "snapshot") + ", every snapshot", \
                "trend"
        elif compare is not None:
            frame = comp.composition_change(store, dims, compare=compare.date(),
                                            as_of=_day(as_of), scope=scope, where=filters)
            title, name = "Change in staff by " + (", ".join(dims) or "total"), "change"
        else:
            frame = comp.composition(store, dims, as_of=_day(as_of), scope=scope,
                                     where=filters)
            title, name = "Staff by " + (", ".join(dims) or "total"), "composition"
        as_of_data = data_as_of(store)
    if scope != "all":
        title += f" ({_SCOPE_TITLES.get(scope, scope)})"
    params = {"by": dims, "as_of": _day(as_of), "compare": _day(compare), "trend": trend,
              "yearly": yearly, "scope": scope, "where": filters}
    emit(Result(title, params, {name: frame}, data_as_of=as_of_data), fmt, output)


# ---------------------------------------------------------------------------- ranges
_STATE_COLUMNS = ["iso3", "name", "regional_group", "midpoint", "lower", "upper", "staff",
                  "status", "distance_to_range", "needed_to_reach_lower"]


def ranges(
    db: DbOption = None,
    as_of: AsOfOption = None,
    params: Annotated[Path | None, typer.Option(
        "--params", help="YAML file overriding the desirable-range parameters "
        "(see docs/ranges-parameters.md).")] = None,
    what_if: Annotated[int | None, typer.Option(
        "--what-if", min=0, help="Allocate N appointments to un- and under-represented States "
        "and show how the status counts change.")] = None,
    allocation: Annotated[str, typer.Option(
        help="How --what-if allocates: largest_gap (one at a time to the State furthest below "
        "its lower limit) or smallest_gap (States needing fewest first).")] = "largest_gap",
    show: Annotated[str, typer.Option(
        "--show", "--section", help="Section for --format csv (states, status_counts, "
        "outreach, parameters, what_if_states, what_if_status_counts).")] = "states",
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Each Member State's desirable range, its nationals in the system, its status, and
    what it takes to move."""
    from parity.core.analytics.ranges import desirable_ranges
    from parity.core.analytics.ranges import what_if as run_what_if
    from parity.core.errors import UserInputError
    from parity.core.params import load_range_parameters
    from parity.core.store import open_store

    parameters = load_range_parameters(params)
    settings = Settings.load({"db": db})
    with open_store(settings.db, read_only=True) as store:
        result = desirable_ranges(store, as_of=_day(as_of), params=parameters)
        as_of_data = data_as_of(store)
    meta: dict[str, Any] = {
        "as_of": _day(as_of), "snapshot_date": result.snapshot_date,
        "base_figure": result.base_figure,
        "base_figure_mode": result.base_figure_mode, "scale_year": result.scale_year,
        "population_year": result.population_year, "parameters_origin": parameters.origin,
    }
    sections = {"status_counts": result.status_counts, "states": result.states,
                "outreach": result.outreach, "parameters": parameters.sources()}
    if what_if is not None:
        wi = run_what_if(result, what_if, allocation)  # type: ignore[arg-type]
        meta["what_if"] = {"appointments": wi.appointments, "allocation": wi.allocation,
                           "unallocated": wi.unallocated}
        sections["what_if_status_counts"] = wi.status_counts
        sections["what_if_states"] = wi.states
    if show not in sections:
        raise UserInputError(f"'{show}' is not a section of this result.",
                             f"Use one of: {', '.join(sections)}.")
    title = f"Desirable ranges on {result.snapshot_date}"
    answer = Result(title, meta, sections, list(result.notes), as_of_data)
    if fmt is not OutputFormat.table:
        emit(answer, fmt, output, show)
        return
    emit(answer, fmt, output, show=lambda: _print_ranges(result, parameters, sections, meta,
                                                         what_if, allocation))


def _print_ranges(result: Any, parameters: Any, sections: dict[str, pl.DataFrame],
                  meta: dict[str, Any], what_if: int | None, allocation: str) -> None:
    out = table_console()
    out.print(f"Desirable ranges on {result.snapshot_date}: base figure "
              f"{result.base_figure:,.0f} ({result.base_figure_mode}), "
              f"scale of assessments {result.scale_year or 'given'}, population "
              f"{result.population_year or 'given'}; parameters: {parameters.origin}.",
              highlight=False)
    for note in result.notes:
        out.print(f"Note: {note}", highlight=False)
    print_table(result.status_counts, title="Member States by status")
    print_table(result.states.select(_STATE_COLUMNS), title="Member States")
    print_table(result.outreach.select("iso3", "name", "staff", "lower", "status",
                                       "needed_to_reach_lower"),
                title="Outreach: un- and under-represented States")
    if what_if is not None:
        print_table(sections["what_if_status_counts"],
                    title=f"What if {what_if} appointments go to un- and under-represented "
                          f"States ({allocation}); {meta['what_if']['unallocated']} unallocated")
        print_table(sections["what_if_states"].filter(pl.col("allocated") > 0),
                    title="Appointments allocated")


# ---------------------------------------------------------------------------- gender
def gender(
    db: DbOption = None,
    as_of: AsOfOption = None,
    by: Annotated[str, typer.Option(
        "--by", help="level, entity or field (field or non-field entity).")] = "level",
    params: Annotated[Path | None, typer.Option(
        "--params", help="YAML file overriding the gender parameters (band, targets).")] = None,
    band_centre: Annotated[float | None, typer.Option(
        "--band-centre", min=0.01, max=0.99, help="Centre of the parity band (default 0.50).")
    ] = None,
    band_half_width: Annotated[float | None, typer.Option(
        "--band-half-width", min=0.0, max=0.49,
        help="Half width of the parity band (default 0.03, i.e. 47–53 %).")] = None,
    all_categories: Annotated[bool, typer.Option(
        "--all-categories/--professional-only",
        help="Include FS, NO and GS staff (default: P and higher).")] = False,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Women's share by level, entity or field against the parity band and target dates,
    with the entrant mix needed to get there."""
    from parity.core.analytics.gender import gender_parity
    from parity.core.params import load_gender_parameters
    from parity.core.store import open_store

    parameters = load_gender_parameters(params).with_band(band_centre, band_half_width)
    settings = Settings.load({"db": db})
    with open_store(settings.db, read_only=True) as store:
        result = gender_parity(store, as_of=_day(as_of), by=by,  # type: ignore[arg-type]
                               params=parameters, all_categories=all_categories)
        as_of_data = data_as_of(store)
    flows = f" (flows {result.flow_from} → {result.snapshot_date})" if result.flow_from else ""
    title = (f"Women's share by {by} on {result.snapshot_date}, parity band "
             f"{parameters.parity_band.lower:.0%}–{parameters.parity_band.upper:.0%}{flows}")
    frame = result.table
    options: dict[str, Any] = {
        "by": by, "as_of": _day(as_of), "snapshot_date": result.snapshot_date,
        "flow_from": result.flow_from, "band_lower": parameters.parity_band.lower,
        "band_upper": parameters.parity_band.upper, "all_categories": all_categories,
        "parameters_origin": parameters.origin}
    answer = Result(title, options, {"gender": frame}, list(result.notes), as_of_data)

    def show() -> None:
        key = frame.columns[1]
        print_table(frame.select(
            key, "staff", "women_share", "ci_lower", "ci_upper", "band_status", "target_year",
            "exit_rate", "entrant_women_share", "required_entrant_share", "parity_year"),
            title=title)
        for note in result.notes:
            table_console().print(f"Note: {note}", highlight=False)

    emit(answer, fmt, output, show=show)


def register(app: typer.Typer) -> None:
    """Add the workforce commands to ``app``."""
    app.command("composition")(friendly_errors(composition))
    app.command("ranges")(friendly_errors(ranges))
    app.command("gender")(friendly_errors(gender))
