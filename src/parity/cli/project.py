"""``parity project``: workforce projections, what-if scenarios and the inverse mode."""

from __future__ import annotations

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
    err,
    fmt_count,
    fmt_pct,
    friendly_errors,
    out,
    print_table,
)
from parity.core.output import DataAsOf, Result, data_as_of
from parity.core.settings import Settings

TABLES = ("levels", "targets", "flows", "field", "ranges", "states", "groups", "parameters",
          "comparison", "solution", "steps")


def _pct(v: float | None, digits: int = 1) -> str:
    return fmt_pct(v, digits).removesuffix("%")


def _shown_years(years: list[int], extra: int | None) -> list[int]:
    step = 1 if len(years) <= 7 else 2
    shown = years[::step]
    if years[-1] not in shown:
        shown.append(years[-1])
    if extra is not None and extra in years and extra not in shown:
        shown = sorted([*shown, extra])
    return shown


def _levels_grid(levels: pl.DataFrame, target_year: int | None) -> pl.DataFrame:
    years = sorted(set(levels["year"].to_list()))
    shown = _shown_years(years, target_year)
    rows: dict[str, dict[str, str]] = {}
    for r in levels.filter(pl.col("year").is_in(shown)).iter_rows(named=True):
        cell = (f"{_pct(r['women_share'])} ({_pct(r['women_share_p05'], 0)}–"
                f"{_pct(r['women_share_p95'], 0)})" if r["women_share"] is not None else "–")
        rows.setdefault(r["level"], {"level": r["level"]})[str(r["year"])] = cell
    return pl.DataFrame(list(rows.values()))


def _targets_view(targets: pl.DataFrame) -> pl.DataFrame:
    return targets.select(
        "level", pl.col("evaluated_year").cast(pl.Utf8).alias("year"),
        pl.col("share_base").map_elements(_pct, return_dtype=pl.Utf8).alias("women % now"),
        pl.struct("share_at_target", "share_p05", "share_p95").map_elements(
            lambda s: f"{_pct(s['share_at_target'])} ({_pct(s['share_p05'], 0)}–{_pct(s['share_p95'], 0)})"
            if s["share_at_target"] is not None else "–", return_dtype=pl.Utf8).alias("women % then"),
        pl.col("p_in_band_at_target").map_elements(lambda v: _pct(v, 0), return_dtype=pl.Utf8)
        .alias("P(in band) %"),
        pl.col("p_reached_by_target").map_elements(lambda v: _pct(v, 0), return_dtype=pl.Utf8)
        .alias("P(reached by then) %"),
        pl.col("first_likely_year").cast(pl.Utf8).fill_null("not in horizon").alias("likely in band from"),
    )


def _band(row: dict[str, Any], name: str) -> str:
    return (f"{fmt_count(row[name])} ({fmt_count(row[name + '_p05'])}–"
            f"{fmt_count(row[name + '_p95'])})")


def _ranges_view(ranges: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame([{"year": str(r["year"]), **{k: _band(r, k) for k in (
        "within", "underrepresented", "unrepresented", "overrepresented")}}
        for r in ranges.iter_rows(named=True)])


def _states_view(states: pl.DataFrame) -> pl.DataFrame:
    """The States most likely to change status by the target year, most likely first."""
    below = pl.col("status_base").is_in(["unrepresented", "underrepresented"])
    change = (pl.when(below).then(pl.col("p_within_at_target"))
              .when(pl.col("status_base") == "within").then(pl.col("p_under_or_unrepresented"))
              .otherwise(None))
    moving = states.with_columns(change.alias("p_change")).filter(pl.col("p_change") >= 0.1)
    moving = moving.sort(["p_change", "lower"], descending=True).head(15)
    return moving.select(
        "iso3", "name", "regional_group", pl.col("lower").cast(pl.Int64),
        pl.col("staff_base").cast(pl.Int64).alias("staff now"), pl.col("status_base").alias("status now"),
        pl.struct("staff_at_target", "staff_p05", "staff_p95").map_elements(
            lambda s: f"{fmt_count(s['staff_at_target'])} ({fmt_count(s['staff_p05'])}–"
                      f"{fmt_count(s['staff_p95'])})",
            return_dtype=pl.Utf8).alias("staff then"),
        pl.col("p_change").map_elements(lambda v: _pct(v, 0), return_dtype=pl.Utf8)
        .alias("P(change) %"),
        pl.col("appointments_needed").round(0).cast(pl.Int64).alias("appointments needed"),
    )


def _flows_view(flows: pl.DataFrame) -> pl.DataFrame:
    counts = {"retirements": "retirements", "other_separations": "other separations",
              "promotions": "promotions", "external_recruits": "external recruits",
              "geographical_appointments": "geographical appointments"}
    return flows.select(
        pl.col("year").cast(pl.Utf8),
        *[pl.col(c).map_elements(fmt_count, return_dtype=pl.Utf8).alias(label)
          for c, label in counts.items()],
        pl.col("recruits_women_share").map_elements(_pct, return_dtype=pl.Utf8).alias("recruits women %"),
    )


def _groups_grid(groups: pl.DataFrame) -> pl.DataFrame:
    years = sorted(set(groups["year"].to_list()))
    shown = _shown_years(years, None)
    rows: dict[str, dict[str, str]] = {}
    for r in groups.filter(pl.col("year").is_in(shown)).iter_rows(named=True):
        rows.setdefault(r["regional_group"], {"group": r["regional_group"]})[str(r["year"])] = (
            _pct(r["share"]) if r["share"] is not None else "–")
    return pl.DataFrame(list(rows.values()))


def _print_result(res: Any) -> None:
    sc = res.scenario
    mode = "expected-value mode" if res.expected else f"{res.runs:,} runs, seed {res.seed}"
    out.print(f"[bold]Scenario: {sc.name}[/] — {sc.description}".rstrip(" —"), highlight=False)
    out.print(f"Base snapshot {res.base_year}, {res.years} years, staff in scope: {sc.scope}, {mode}.",
              highlight=False)
    target = int(res.targets["evaluated_year"].max()) if res.targets.height else None
    print_table(_levels_grid(res.levels, target),
                title="Women's share by level, % of staff with a recorded gender: median (90% band)")
    print_table(_targets_view(res.targets), title="Gender parity targets (band from the scenario or "
                                                  "the gender parameters)")
    print_table(_flows_view(res.flows), title="Flows per year (medians over runs)")
    if res.ranges.height:
        print_table(_ranges_view(res.ranges),
                    title="Member States by status against their desirable range: median (90% band)")
    if res.states.height:
        ty = int(res.states["target_year"][0])
        view = _states_view(res.states)
        if view.height:
            print_table(view, title=f"Member States most likely to change status by {ty} (into "
                                    "the range, or out of it)")
        print_table(_groups_grid(res.groups),
                    title="Regional groups' share of geographical staff, % (median)")
    for note in res.notes:
        out.print(f"Note: {note}", highlight=False)


def _write(title: str, params: dict[str, Any], tables: dict[str, pl.DataFrame],
           notes: list[str], as_of: DataAsOf, fmt: OutputFormat, output: Path | None,
           table: str | None) -> None:
    """JSON: every table (or the one of --table); CSV: --table (default: the first);
    XLSX: every table."""
    if table is not None and table not in tables:
        raise typer.BadParameter(f"--table {table} is not available here; choose one of: "
                                 f"{', '.join(tables)}")
    if fmt is OutputFormat.json and table is not None:
        tables = {table: tables[table]}
    emit(Result(title, params, tables, notes, as_of), fmt, output, table)


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def project(
        scenario: Annotated[str | None, typer.Option(
            "--scenario", help="Scenario YAML file, or the name of a shipped example "
            "(see --list-scenarios). Default: the baseline.")] = None,
        db: DbOption = None,
        years: Annotated[int, typer.Option(help="Years to project.", min=1, max=40)] = 10,
        runs: Annotated[int, typer.Option(help="Monte Carlo runs.", min=1, max=100_000)] = 1000,
        seed: Annotated[int, typer.Option(help="Random seed (same seed, same result).")] = 0,
        base_year: Annotated[int | None, typer.Option(
            "--base-year", help="Project from the snapshot of this year (default: the latest).")] = None,
        compare: Annotated[list[str] | None, typer.Option(
            "--compare", help="Other scenario files to compare with (repeatable).")] = None,
        expected: Annotated[bool, typer.Option(
            "--expected/--monte-carlo",
            help="Deterministic expected-value mode instead of Monte Carlo.")] = False,
        solve: Annotated[str | None, typer.Option(
            "--solve", help="Inverse mode: 'women' or 'unrepresented'.")] = None,
        target_year: Annotated[int | None, typer.Option(
            "--target-year", help="Year the target must be reached by (inverse mode).")] = None,
        target: Annotated[int | None, typer.Option(
            "--target", help="Inverse 'unrepresented': most States still un- or under-represented "
            "(default: half of today's).")] = None,
        probability: Annotated[float | None, typer.Option(
            "--probability", help="Inverse mode: required probability (default 0.8).")] = None,
        fmt: FormatOption = OutputFormat.table,
        output: OutputOption = None,
        table: Annotated[str | None, typer.Option(
            "--table", help=f"For csv/json: one table of {', '.join(TABLES)} "
            "(csv default: the first; json default: all).")] = None,
        list_scenarios: Annotated[bool, typer.Option(
            "--list-scenarios", help="List the shipped example scenarios and exit.")] = False,
    ) -> None:
        """Project staff by grade, gender and nationality under a scenario, with uncertainty."""
        from parity.core import projection as pj
        from parity.core.store import open_store

        if list_scenarios:
            rows = [{"--scenario": name, "description": pj.load_scenario(path).description}
                    for name, path in pj.shipped_scenarios().items()]
            print_table(pl.DataFrame(rows), title="Shipped example scenarios")
            return
        main = pj.load_scenario(scenario) if scenario else pj.BASELINE
        others = [pj.load_scenario(s) for s in (compare or [])]
        settings = Settings.load({"db": db})
        params: dict[str, Any] = {
            "scenario": main.name, "compare": [o.name for o in others], "years": years,
            "runs": runs, "seed": seed, "base_year": base_year, "expected": expected,
            "solve": solve, "target_year": target_year, "target": target,
            "probability": probability}
        with open_store(settings.db, read_only=True) as store:
            store.require_data("staff")
            as_of = data_as_of(store)
            if solve is not None:
                if target_year is None:
                    raise typer.BadParameter("--solve needs --target-year YEAR")
                inputs = pj.prepare(store, main, years, base_year)
                sol = pj.solve(inputs, solve, target_year, runs, seed, probability, target)
                tables = {"solution": sol.table, "steps": sol.steps}
                title = (f"Smallest entrant share to reach the target by {target_year} with "
                         f"probability ≥ {sol.probability:.0%} ({main.name})")
                if fmt is OutputFormat.table:
                    out.print(as_of.sentence(), highlight=False, style="dim")
                    print_table(sol.table, title=title)
                    for note in sol.notes:
                        out.print(f"Note: {note}", highlight=False)
                else:
                    _write(title, params, tables, list(sol.notes), as_of, fmt, output, table)
                return
            results = []
            histories: dict[tuple[object, ...], pj.History] = {}
            for sc in [main, *others]:
                if fmt is OutputFormat.table:
                    err.print(f"Projecting '{sc.name}' ({runs:,} runs) …", highlight=False)
                key = pj.history_key(sc, base_year)
                if key not in histories:
                    histories[key] = pj.read_scenario_history(store, sc, base_year)
                results.append(pj.project(store, sc, years, runs, seed, expected, base_year,
                                          histories[key]))
        tables = results[0].tables()
        if others:
            tables["comparison"] = pj.compare(results)
        if fmt is not OutputFormat.table:
            _write(f"Projection: {main.name}", params, tables, list(results[0].notes), as_of,
                   fmt, output, table)
            return
        out.print(as_of.sentence(), highlight=False, style="dim")
        _print_result(results[0])
        if others:
            print_table(tables["comparison"], title="Comparison of scenarios")
