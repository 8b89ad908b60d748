"""The projection entry points: prepare inputs from a store, run, tabulate, compare."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

import polars as pl

from parity.core.analytics.composition import as_backend
from parity.core.backend import Backend
from parity.core.errors import UserInputError
from parity.core.projection import summarize
from parity.core.projection.history import History, read_history
from parity.core.projection.inputs import ProjectionInputs, attach_limits, build_inputs
from parity.core.projection.ranges_input import projected_limits
from parity.core.projection.scenario import BASELINE, Scenario
from parity.core.projection.simulate import SimulationOutput, simulate
from parity.core.projection.structure import SCOPE_CATEGORIES
from parity.core.store import Store

MAX_YEARS = 40
MAX_RUNS = 100_000


@dataclass(frozen=True)
class ProjectionResult:
    """Tables of one scenario's projection (see docs/projection.md for every column)."""

    scenario: Scenario
    base_year: int
    years: int
    runs: int
    seed: int
    expected: bool
    levels: pl.DataFrame
    targets: pl.DataFrame
    flows: pl.DataFrame
    field: pl.DataFrame
    ranges: pl.DataFrame
    states: pl.DataFrame
    groups: pl.DataFrame
    parameters: pl.DataFrame
    notes: tuple[str, ...] = ()
    output: SimulationOutput | None = dc_field(default=None, repr=False, compare=False)

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every table by name (empty tables left out)."""
        names = ("levels", "targets", "flows", "field", "ranges", "states", "groups", "parameters")
        return {n: getattr(self, n) for n in names if getattr(self, n).height}


def _check(years: int, runs: int) -> None:
    if not 1 <= years <= MAX_YEARS:
        raise UserInputError(f"--years must be between 1 and {MAX_YEARS}, not {years}.",
                             "Give the number of years to project, e.g. --years 10.")
    if not 1 <= runs <= MAX_RUNS:
        raise UserInputError(f"--runs must be between 1 and {MAX_RUNS:,}, not {runs}.",
                             "Give the number of Monte Carlo runs, e.g. --runs 1000.")


def history_key(scenario: Scenario, base_year: int | None) -> tuple[object, ...]:
    """Scenarios with the same key read the same history (see :func:`prepare`)."""
    w = scenario.recruitment.window
    return (scenario.scope, scenario.estimation.window_years, w.from_year, w.to_year, base_year)


def prepare(source: Backend | Store, scenario: Scenario = BASELINE, years: int = 10,
            base_year: int | None = None, history: History | None = None) -> ProjectionInputs:
    """Read the store and build the simulator's inputs for ``scenario``.

    ``history`` (from :func:`read_history` with the same :func:`history_key`) skips
    reading the store again when several scenarios are projected.
    """
    _check(years, 1)
    backend = as_backend(source)
    if history is None:
        history = read_scenario_history(backend, scenario, base_year)
    inputs = build_inputs(history, scenario, years)
    limits = projected_limits(backend, history.base_date, years, inputs.geo_establishment,
                              scenario.ranges)
    return attach_limits(inputs, limits)


def read_scenario_history(source: Backend | Store, scenario: Scenario,
                          base_year: int | None = None) -> History:
    """The history a scenario's projection is estimated on."""
    w = scenario.recruitment.window
    return read_history(as_backend(source), SCOPE_CATEGORIES[scenario.scope], base_year,
                        scenario.estimation.window_years, (w.from_year, w.to_year))


def run(inputs: ProjectionInputs, runs: int = 1000, seed: int = 0,
        expected: bool = False, keep_output: bool = False) -> ProjectionResult:
    """Simulate and tabulate (pure: no store)."""
    _check(inputs.horizon, runs)
    out = simulate(inputs, runs, seed, expected)
    return tabulate(out, keep_output)


def tabulate(out: SimulationOutput, keep_output: bool = False) -> ProjectionResult:
    notes = list(out.inputs.notes)
    if out.expected:
        notes.append("Expected-value mode: one deterministic run with mean rates; bands and "
                     "probabilities are those of that single path.")
    return ProjectionResult(
        scenario=out.inputs.scenario, base_year=out.inputs.base_year, years=out.inputs.horizon,
        runs=out.runs, seed=out.seed, expected=out.expected,
        levels=summarize.levels_table(out), targets=summarize.targets_table(out),
        flows=summarize.flows_table(out), field=summarize.field_table(out),
        ranges=summarize.ranges_table(out), states=summarize.states_table(out),
        groups=summarize.groups_table(out), parameters=summarize.parameters_table(out),
        notes=tuple(notes), output=out if keep_output else None)


def project(source: Backend | Store, scenario: Scenario = BASELINE, years: int = 10,
            runs: int = 1000, seed: int = 0, expected: bool = False,
            base_year: int | None = None, history: History | None = None) -> ProjectionResult:
    """Project the staff in the store ``years`` years ahead under ``scenario``."""
    _check(years, runs)
    return run(prepare(source, scenario, years, base_year, history), runs, seed, expected)


def compare(results: list[ProjectionResult]) -> pl.DataFrame:
    """One row per indicator, one column per scenario: women's share and P(in band) per
    level at its target year, and Member States by status at the ranges target year."""
    if not results:
        return pl.DataFrame()
    names = _unique([r.scenario.name for r in results])
    rows: dict[str, dict[str, str]] = {}

    def put(indicator: str, name: str, value: object, kind: str) -> None:
        rows.setdefault(indicator, {})[name] = _text(value, kind)

    for name, res in zip(names, results, strict=True):
        for row in res.targets.iter_rows(named=True):
            y = row["evaluated_year"]
            put(f"{row['level']} women {y}", name, row["share_at_target"], "share")
            put(f"{row['level']} P(in band) {y}", name, row["p_in_band_at_target"], "p")
            put(f"{row['level']} likely in band from", name, row["first_likely_year"], "year")
        if res.ranges.height and res.states.height:
            ty = int(res.states["target_year"][0])
            at = res.ranges.filter(pl.col("year") == ty)
            for col, label in (("within", "within range"), ("underrepresented", "underrepresented"),
                               ("unrepresented", "unrepresented")):
                put(f"States {label} {ty} (median)", name, float(at[col][0]), "count")
    return pl.DataFrame([{"indicator": k, **{n: v.get(n, "–") for n in names}}
                         for k, v in rows.items()])


def _text(v: object, kind: str) -> str:
    if v is None:
        return "–"
    if kind == "share":
        return f"{100 * float(v):.1f}%"  # type: ignore[arg-type]
    if kind == "p":
        return f"{100 * float(v):.0f}%"  # type: ignore[arg-type]
    if kind == "count":
        return f"{float(v):,.0f}"  # type: ignore[arg-type]
    return str(v)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out
