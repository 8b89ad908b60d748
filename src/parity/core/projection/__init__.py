"""Workforce projections and what-if scenarios (MISSION capability 7, METHODS §2).

A yearly stock-flow microsimulation of the staff on a snapshot: ageing toward the
mandatory age of separation, other separations and promotions at rates estimated from
the store's history (with shrinkage), vacancies from a post establishment the scenario
can grow, cut or freeze, filled top-down by promotion and by external recruitment whose
gender and nationality mix comes from the applications table or from the scenario.
Monte Carlo (parameter and process uncertainty, vectorised over runs) or a
deterministic expected-value mode. See docs/projection.md.

Entry points: :func:`project` (store → tables), :func:`prepare` + :func:`run` (the same
in two steps), :func:`compare`, :func:`solve` (the smallest entrant share that reaches a
target), :func:`backtest` and the scenario loader :func:`load_scenario`.
"""

from parity.core.projection.backtest import BacktestResult, backtest
from parity.core.projection.closed_form import entrant_share_needed, flow_balance_share
from parity.core.projection.history import History, read_history
from parity.core.projection.inputs import ProjectionInputs, attach_limits, build_inputs
from parity.core.projection.inverse import SolveResult, solve
from parity.core.projection.project import (
    ProjectionResult,
    compare,
    history_key,
    prepare,
    project,
    read_scenario_history,
    run,
)
from parity.core.projection.ranges_input import RangeLimits, constant_limits
from parity.core.projection.scenario import (
    BASELINE,
    Scenario,
    load_scenario,
    parse_scenario,
    parse_scenario_text,
    resolve_scenario,
    shipped_scenarios,
)
from parity.core.projection.simulate import SimulationOutput, simulate

__all__ = [
    "BASELINE",
    "BacktestResult",
    "History",
    "ProjectionInputs",
    "ProjectionResult",
    "RangeLimits",
    "Scenario",
    "SimulationOutput",
    "SolveResult",
    "attach_limits",
    "backtest",
    "build_inputs",
    "compare",
    "constant_limits",
    "entrant_share_needed",
    "flow_balance_share",
    "history_key",
    "load_scenario",
    "parse_scenario",
    "parse_scenario_text",
    "prepare",
    "project",
    "read_history",
    "read_scenario_history",
    "resolve_scenario",
    "run",
    "shipped_scenarios",
    "simulate",
    "solve",
]
