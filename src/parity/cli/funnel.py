"""``parity funnel`` and ``parity timelines``: recruitment equity and recruitment time.

Both only parse options and format what :mod:`parity.core.analytics.funnel` and
:mod:`parity.core.analytics.timelines` compute; JSON keys are documented in docs/funnel.md.
"""

from __future__ import annotations

import getpass
from datetime import datetime
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
    fmt_pct,
    friendly_errors,
    print_table,
    table_console,
)
from parity.core.output import Result, data_as_of
from parity.core.settings import Settings

FromOption = Annotated[int | None, typer.Option(
    "--from", help="First posting year (openings posted in or after it).", min=1900, max=2200)]
ToOption = Annotated[int | None, typer.Option(
    "--to", help="Last posting year.", min=1900, max=2200)]
WhereOption = Annotated[list[str] | None, typer.Option(
    "--where", help="Filter DIM=VALUE, DIM!=VALUE or DIM=V1,V2; repeat to combine (AND). "
    "--where selection_month=2022-03 keeps the selections decided in March 2022.")]
SectionOption = Annotated[str | None, typer.Option(
    "--section", help="Section written by --format csv (default: the analysis asked for).")]


_pct = fmt_pct
_num = fmt_num
_p = fmt_p


def _ci(value: float | None, low: float | None, high: float | None, pct: bool) -> str:
    if value is None:
        return "–"
    f = _pct if pct else _num
    return f"{f(value)} ({f(low).rstrip('%')}–{f(high)})"


def _compact_stages(frame: pl.DataFrame, keys: list[str], flow: str) -> pl.DataFrame:
    rows = []
    show_ref = frame["reference"].drop_nulls().n_unique() > 1
    for r in frame.iter_rows(named=True):
        row: dict[str, Any] = {k: str(r[k]) for k in keys}
        row["stage"] = r["stage"]
        row["count"] = fmt_count(r["count"])
        row["share" if flow == "stages" else "share of flow"] = _pct(r["share"])
        row["pass rate (95% CI)"] = _ci(r["pass_rate"], r["pass_rate_low"], r["pass_rate_high"],
                                        True)
        row["ratio (95% CI)"] = _ci(r["selection_ratio"], r["selection_ratio_low"],
                                    r["selection_ratio_high"], False)
        row["p"] = _p(r["p_value"])
        row["q"] = _p(r["q_value"])
        row["shortfall"] = fmt_count(r["shortfall_persons"])
        if show_ref:
            row["reference"] = r["reference"] or "–"
        row["verdict"] = r["verdict"] or ""
        rows.append(row)
    return pl.DataFrame(rows)


def _print_funnel(report: Any) -> None:
    console = table_console()
    keys = list(report.by)
    ref = "all others" if report.reference == "others" else report.reference
    scope = []
    if report.year_from or report.year_to:
        scope.append(f"openings posted {report.year_from or '…'}–{report.year_to or '…'}")
    if report.filters:
        scope.append("where " + "; ".join(report.filters))
    suffix = f" ({', '.join(scope)})" if scope else ""
    print_table(_compact_stages(report.stages, keys, "stages"), console=console,
                title=f"Recruitment funnel by {' × '.join(keys)}, each group against {ref}"
                      f"{suffix}")
    if report.roster["count"].sum() > 0:
        print_table(_compact_stages(report.roster, keys, "roster"), console=console,
                    title="Selections from rosters (recruit_from_roster openings), a separate "
                          "flow")
    if report.stratified is not None:
        s = report.stratified
        rows = [{**{k: str(r[k]) for k in keys}, "stage": r["stage"],
                 "crude ratio": _num(r["crude_ratio"]),
                 "pooled ratio (95% CI)": _ci(r["pooled_ratio"], r["pooled_ratio_low"],
                                              r["pooled_ratio_high"], False),
                 "odds ratio": _num(r["pooled_odds_ratio"]), "CMH p": _p(r["cmh_p_value"]),
                 "CMH q": _p(r["cmh_q_value"]), "Breslow–Day p": _p(r["breslow_day_p_value"]),
                 "crude vs strata": r["simpson"] or "–", "verdict": r["verdict"] or ""}
                for r in s.iter_rows(named=True)]
        print_table(pl.DataFrame(rows), console=console,
                    title=f"Within {report.strata} (Mantel–Haenszel, CMH, Breslow–Day)")
        notable = s.filter((pl.col("simpson") != "agree") | pl.col("heterogeneous"))
        for r in notable.iter_rows(named=True):
            console.print(f"• {'+'.join(str(r[k]) for k in keys)}, {r['stage']}: {r['message']}",
                          highlight=False)
        agree = s.height - notable.height - s["simpson"].null_count()
        if agree:
            console.print(f"Crude and stratified answers agree, with homogeneous strata, for "
                          f"{agree} other comparisons.", highlight=False)
    if report.decomposition is not None and report.summary is not None:
        d = report.decomposition
        rows = [{**{k: str(r[k]) for k in keys}, "stage": r["stage"],
                 "stage ratio": _num(r["stage_ratio"]), "share of log ratio": _pct(r["log_share"]),
                 "shortfall": fmt_count(r["shortfall"])} for r in d.iter_rows(named=True)]
        print_table(pl.DataFrame(rows), console=console,
                    title="Which stage opens the gap (stage ratios multiply, shortfalls add up)")
        for sentence in report.summary["sentence"].to_list():
            console.print(f"• {sentence}", highlight=False)
    if report.trend_tests is not None:
        t = report.trend_tests
        rows = [{**{k: str(r[k]) for k in keys}, "stage": r["stage"],
                 "years": f"{r['first_year']}–{r['last_year']}",
                 "trend line first→last": f"{_pct(r['trend_first_pass_rate'])} → "
                                          f"{_pct(r['trend_last_pass_rate'])}",
                 "slope/year": "–" if r["slope_pp"] is None else
                 f"{r['slope_pp']:+.2f} pp" if r["slope_pp"] else "0.00 pp",
                 "z": _num(r["z"]), "q": _p(r["q_value"]), "trend": r["direction"]}
                for r in t.iter_rows(named=True)]
        print_table(pl.DataFrame(rows), console=console,
                    title="Trend in pass rates across posting years (Cochran–Armitage); the "
                          "per-year statistics are in --format json/csv --section trend")
    for note in report.notes:
        console.print(note, highlight=False)


def funnel(
    by: Annotated[list[str], typer.Option(
        "--by", help="Dimension(s): regional_group, nationality, gender, education_region, "
        "internal, grade, level_band, category, job_family, entity, entity_type, "
        "organization, posting_type, year, or a self-identification dimension (analysts). "
        "Repeat (or "
        "separate with commas) for intersections.")],
    db: DbOption = None,
    strata: Annotated[str | None, typer.Option(
        "--strata", help="Stratify by grade, job_family, entity, opening, level_band, "
        "category, entity_type, posting_type, internal or year.")] = None,
    year_from: FromOption = None,
    year_to: ToOption = None,
    where: WhereOption = None,
    reference: Annotated[str, typer.Option(
        "--reference", help="others (each group against everyone else), highest (the "
        "highest pass rate among groups with at least 30 at the stage) or a group, e.g. "
        "WEOG (WEOG+F for an intersection).")] = "others",
    decompose: Annotated[bool, typer.Option(
        "--decompose/--no-decompose", help="Show which stage opens the gap.")] = False,
    trend: Annotated[bool, typer.Option(
        "--trend/--no-trend",
        help="The same statistics per posting year, with a trend test.")] = False,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    section: SectionOption = None,
    as_: Annotated[str | None, typer.Option(
        "--as", help="Your name, for the audit log of self-identification reads.")] = None,
    role: Annotated[str, typer.Option(help="Your role (self-identification data need "
                                           "analyst).")] = "analyst",
    purpose: Annotated[str | None, typer.Option(
        help="Declared purpose, required to analyse self-identification data; written to the "
             "audit log.")] = None,
) -> None:
    """Every group at every recruitment stage: counts, pass rates, selection-rate ratios,
    exact tests, verdicts; strata, stage decomposition and trends."""
    from parity.core.analytics.funnel import funnel_report
    from parity.core.disclosure import Actor
    from parity.core.store import open_store

    settings = Settings.load({"db": db})
    actor = Actor(as_ or getpass.getuser(), role, purpose=purpose)  # type: ignore[arg-type]
    with open_store(settings.db, read_only=True, create=False) as store:
        report = funnel_report(store, by, strata=strata, year_from=year_from, year_to=year_to,
                               where=where or [], reference=reference, decompose=decompose,
                               trend=trend, actor=actor if purpose is not None else None)
        as_of_data = data_as_of(store)
    primary = ("decomposition" if decompose else "trend" if trend
               else "stratified" if strata else "stages")
    params = {k: v for k, v in report.meta().items() if k != "notes"}
    params |= {"decompose": decompose, "trend": trend}
    result = Result(f"Recruitment funnel by {', '.join(report.by)}", params, report.sections(),
                    list(report.notes), as_of_data)
    emit(result, fmt, output, section or primary, show=lambda: _print_funnel(report))


def timelines(
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Opening dimension(s): entity_type (field/non-field), grade, year, "
        "level_band, category, entity, organization, job_family, posting_type, "
        "selection_month, "
        "selection_year (of the opening's first selection).")] = None,
    db: DbOption = None,
    year_from: FromOption = None,
    year_to: ToOption = None,
    where: WhereOption = None,
    as_of: Annotated[datetime | None, typer.Option(
        "--as-of", formats=["%Y-%m-%d"],
        help="Censor open recruitments at this date (default: the latest date in the "
             "store).")] = None,
    target: Annotated[int, typer.Option(
        "--target", min=1, help="Target days from posting to selection.")] = 120,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    section: SectionOption = None,
) -> None:
    """Days from posting to selection and per stage (Kaplan–Meier: open recruitments are
    censored, not dropped), against the target."""
    from parity.core.analytics.timelines import timelines_report
    from parity.core.store import open_store

    settings = Settings.load({"db": db})
    with open_store(settings.db, read_only=True) as store:
        report = timelines_report(store, by or [], year_from=year_from, year_to=year_to,
                                  where=where or [], as_of=as_of.date() if as_of else None,
                                  target_days=target)
        as_of_data = data_as_of(store)
    result = Result("Recruitment timelines", report.meta(), report.sections(),
                    data_as_of=as_of_data)
    emit(result, fmt, output, section or "timelines", show=lambda: _print_timelines(report))


def _print_timelines(report: Any) -> None:
    console = table_console()
    keys = list(report.by)
    rows = [{**{k: r[k] for k in keys}, "openings": fmt_count(r["openings"]),
             "selected": fmt_count(r["selected"]), "still open": fmt_count(r["censored"]),
             "median days (95% CI)": _ci(r["median_days"], r["median_days_low"],
                                         r["median_days_high"], False).replace(".00", ""),
             "p25–p75": f"{_num(r['p25_days'], 0)}–{_num(r['p75_days'], 0)}",
             f"filled ≤ {report.target_days} d": _pct(r["within_target"]),
             f"selections ≤ {report.target_days} d": _pct(r["selections_within_target"])}
            for r in report.timelines.iter_rows(named=True)]
    print_table(pl.DataFrame(rows), console=console,
                title=f"Days from posting to selection, as of {report.as_of} "
                      f"(Kaplan–Meier; {'; '.join(report.filters)})")
    rows = [{**{k: r[k] for k in keys}, "stage": f"{r['from_stage']} → {r['to_stage']}",
             "openings": fmt_count(r["openings"]), "completed": fmt_count(r["completed"]),
             "median days": _num(r["median_days"], 0),
             "p25–p75": f"{_num(r['p25_days'], 0)}–{_num(r['p75_days'], 0)}"}
            for r in report.stages.iter_rows(named=True)]
    print_table(pl.DataFrame(rows), console=console, title="Days per stage (Kaplan–Meier)")
    console.print(f"'filled ≤ {report.target_days} d' is the Kaplan–Meier share of openings "
                  f"filled within the target; 'selections ≤ {report.target_days} d' counts only "
                  "selections already made, which flatters the process.", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``parity funnel`` and ``parity timelines`` to ``app``."""
    app.command("funnel")(friendly_errors(funnel))
    app.command("timelines")(friendly_errors(timelines))
