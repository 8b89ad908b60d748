"""The inverse mode: the smallest entrant share that reaches a target with a given probability.

``women``: for each level band, the smallest women's share of all selections into its
grades (promotions and external recruitment, from the first projection year) such that
the level's women's share is at or above the parity band's lower edge in the target year
with probability ≥ p (default 0.8). A level above the band is solved the other way: the
largest share that brings it down to the upper edge. All levels are bisected together
(one simulation per step evaluates every level), since a level's entrant share also
changes the pool promoted from below.

``unrepresented``: the floor on the share of geographical appointments that go to un-
and under-represented States such that at most ``target`` States are un- or
under-represented in the target year with probability ≥ p (default target: half of
today's number).

Every evaluation uses the same seed, so successive steps share their parameter draws
and most process draws (common random numbers) and the estimated probability moves
smoothly with the share. The flow-balance closed form (METHODS §2.4) is shown next to
each answer as a first estimate.

Whether a level can reach its target at all is decided at the extreme share (all
entrants women for a level below the band, none for a level above it), sequentially:
the Monte Carlo runs double (from ``runs`` up to :data:`MAX_DECISION_RUNS`) until the
95 % Wilson interval of the estimated probability lies wholly above or below the
required probability, so the answer does not flip with ``--runs``. A level still
undecided then is reported as too close to call. Each probability comes with its Monte
Carlo standard error √(p̂(1 − p̂)/runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.errors import UserInputError
from parity.core.projection.closed_form import entrant_share_needed
from parity.core.projection.inputs import ProjectionInputs
from parity.core.projection.recruitment import UNDERREPRESENTED, UNREPRESENTED
from parity.core.projection.scenario import MinimumShare, Scenario, WomenShare
from parity.core.projection.simulate import SimulationOutput, simulate
from parity.core.projection.summarize import band, level_counts, shares
from parity.core.stats.proportions import wilson_interval

FloatArray = npt.NDArray[np.float64]

#: The most Monte Carlo runs spent on deciding whether a target can be reached.
MAX_DECISION_RUNS = 12_800
#: Confidence of that decision (two-sided Wilson interval of the estimated probability).
DECISION_CONFIDENCE = 0.95
REACHABLE, NOT_REACHABLE, TOO_CLOSE = "reachable", "not reachable", "too close to call"


@dataclass(frozen=True)
class Decision:
    """Per level: the verdict, the probability at the extreme share and the runs it took."""

    verdict: list[str]
    probability: FloatArray
    runs: int


def decide(prob: Callable[[int], FloatArray], p: float, runs: int,
           max_runs: int = MAX_DECISION_RUNS) -> Decision:
    """Estimate, with ``prob(r)`` (probabilities from r runs), whether each probability is
    at or above ``p``: double the runs until every Wilson interval excludes ``p`` or
    ``max_runs`` is reached; a probability estimated as exactly ``p`` or whose interval
    still holds ``p`` is too close to call."""
    alpha = 1.0 - DECISION_CONFIDENCE
    r = max(int(runs), 1)
    while True:
        est = np.asarray(prob(r), dtype=np.float64)
        lo, hi = wilson_interval(np.round(est * r), np.full(est.shape, float(r)), alpha=alpha)
        above, below = np.asarray(lo) > p, np.asarray(hi) < p
        if bool(np.all(above | below)) or r >= max_runs:
            verdict = [REACHABLE if a else NOT_REACHABLE if b else TOO_CLOSE
                       for a, b in zip(above.tolist(), below.tolist(), strict=True)]
            return Decision(verdict, est, r)
        r = min(2 * r, max_runs)


def mc_error(probability: FloatArray | float, runs: int) -> FloatArray:
    """Monte Carlo standard error of a probability estimated from ``runs`` runs."""
    q = np.asarray(probability, dtype=np.float64)
    return np.asarray(np.sqrt(q * (1.0 - q) / runs), dtype=np.float64)


@dataclass(frozen=True)
class SolveResult:
    """The answer (one row per level, or one row) and the bisection steps."""

    what: str
    target_year: int
    probability: float
    table: pl.DataFrame
    steps: pl.DataFrame
    notes: tuple[str, ...] = ()


def _with_women(scenario: Scenario, grades: list[list[str]], h: FloatArray) -> Scenario:
    levers = [WomenShare(share=float(np.clip(v, 0.0, 1.0)), grades=g) for g, v in zip(grades, h, strict=True)
              if g]
    rec = scenario.recruitment.model_copy(update={"women_share": levers})
    return scenario.model_copy(update={"recruitment": rec})


def _with_floor(scenario: Scenario, h: float) -> Scenario:
    rec = scenario.recruitment.model_copy(
        update={"minimum_share_underrepresented": MinimumShare(share=float(h))})
    return scenario.model_copy(update={"recruitment": rec})


def _year_index(inputs: ProjectionInputs, target_year: int) -> int:
    t = target_year - inputs.base_year
    if not 1 <= t <= inputs.horizon:
        raise UserInputError(
            f"--target-year {target_year} is outside the projection ({inputs.base_year + 1}–"
            f"{inputs.base_year + inputs.horizon}).",
            "Give a year within the projection, or more --years.")
    return t


def _entry_rate(out: SimulationOutput, level_grades: list[int]) -> float:
    """Entrants into a level's grades per staff member in the first year (expected run)."""
    st = out.inputs.structure
    inside = set(level_grades)
    entrants = 0.0
    for g in level_grades:
        entrants += float(out.recruited[0, 0, g].sum())
        if st.feeder[g] >= 0 and int(st.feeder[g]) not in inside:
            entrants += float(out.promoted[0, 0, g].sum())
    stock = float(out.stock[0, 0, level_grades].sum())
    return entrants / stock if stock > 0 else float("nan")


def solve(inputs: ProjectionInputs, what: str, target_year: int, runs: int = 1000, seed: int = 0,
          probability: float | None = None, target: int | None = None,
          iterations: int = 12) -> SolveResult:
    """Bisection over the entrant share (see the module doc)."""
    p = probability if probability is not None else inputs.scenario.targets.probability
    if not 0.0 < p < 1.0:
        raise UserInputError(f"--probability must be between 0 and 1, not {p}.", "Give e.g. 0.8.")
    t = _year_index(inputs, target_year)
    if what == "women":
        return _solve_women(inputs, target_year, t, runs, seed, p, iterations)
    if what == "unrepresented":
        return _solve_floor(inputs, target_year, t, runs, seed, p, target, iterations)
    raise UserInputError(f"'{what}' cannot be solved for.", "Use --solve women or --solve unrepresented.")


def _solve_women(inputs: ProjectionInputs, target_year: int, t: int, runs: int, seed: int, p: float,
                 iterations: int) -> SolveResult:
    st = inputs.structure
    levels = list(st.levels)
    grades = [[st.grades[g] for g in st.grades_of_level(lv)] for lv in levels]
    base = simulate(inputs, 1, seed, expected=True, nationalities=False)
    lo_edge, hi_edge = band(base)
    _, _, women, known = level_counts(base)
    w0 = shares(women, known)[0, 0, : len(levels)]
    # below or within the band: the smallest share that keeps it at or above the lower
    # edge; above the band: the largest share that brings it down to the upper edge
    up = ~(w0 > hi_edge)

    def prob(h: FloatArray, n_runs: int = runs) -> FloatArray:
        out = simulate(replace(inputs, scenario=_with_women(inputs.scenario, grades, h)), n_runs, seed,
                       nationalities=False)
        _, _, wm, kn = level_counts(out)
        share = shares(wm, kn)[:, t, : len(levels)]
        ok = np.where(up, share >= lo_edge - 1e-12, share <= hi_edge + 1e-12)
        return np.asarray(ok.mean(0), dtype=np.float64)

    # Can each level get there at all? Decided at the extreme share, with as many runs
    # as the decision needs.
    extreme = np.where(up, 1.0, 0.0)
    decision = decide(lambda r: prob(extreme, r), p, runs)

    steps: list[dict[str, object]] = []

    def bisect(lo: FloatArray, hi: FloatArray, n: int) -> FloatArray:
        for _ in range(n):
            mid = (lo + hi) / 2
            pm = prob(mid)
            steps.extend({"step": len(steps) // len(levels) + 1, "level": lv, "share": float(mid[i]),
                          "probability": float(pm[i])} for i, lv in enumerate(levels))
            good = pm >= p
            # "at least": the smallest share that works (hi moves down when good);
            # "at most": the largest share that works (lo moves up when good).
            hi = np.where(up == good, mid, hi)
            lo = np.where(up != good, mid, lo)
        return np.where(up, hi, lo)

    # All levels are bisected together; a level's share also changes the pool promoted
    # from the level below, so a second, narrower round settles them jointly.
    answer = bisect(np.zeros(len(levels)), np.ones(len(levels)), iterations)
    width = 1.0 / 16
    answer = bisect(np.clip(answer - width, 0, 1), np.clip(answer + width, 0, 1), 5)
    final = prob(answer)
    for k in range(6):
        short = (final < p) & np.where(up, answer < 1.0, answer > 0.0)
        if not short.any():
            break
        step = width / 32 * 2 ** k
        answer = np.clip(answer + np.where(short, np.where(up, step, -step), 0.0), 0.0, 1.0)
        final = prob(answer)
    years = target_year - inputs.base_year
    rows = []
    for i, lv in enumerate(levels):
        if not np.isfinite(w0[i]):
            continue
        edge = lo_edge if up[i] else hi_edge
        r = _entry_rate(base, st.grades_of_level(lv))
        verdict = decision.verdict[i]
        reachable = verdict == REACHABLE
        rows.append({
            "level": lv, "share_base": float(w0[i]), "edge": edge,
            "direction": "at least" if up[i] else "at most",
            "required_entrant_share": float(answer[i]) if reachable else None,
            "probability": float(final[i]) if reachable else None,
            "mc_error": float(mc_error(final[i], runs)) if reachable else None,
            "decision": verdict,
            "reachable": True if reachable else False if verdict == NOT_REACHABLE else None,
            "probability_at_extreme": float(decision.probability[i]),
            "mc_error_at_extreme": float(mc_error(decision.probability[i], decision.runs)),
            "decision_runs": decision.runs,
            "flow_balance_estimate": float(entrant_share_needed(w0[i], r, years, edge)),
            "entry_rate": r,
        })
    notes = ("The required share applies to promotions and external recruitment into the level's "
             "grades from the first projection year; other levers of the scenario stay as given.",
             f"Whether a level can reach the target is decided at the extreme share with up to "
             f"{MAX_DECISION_RUNS:,} runs, at {DECISION_CONFIDENCE:.0%} confidence; mc_error is the "
             "Monte Carlo standard error of a probability.")
    return SolveResult("women", target_year, p, pl.DataFrame(rows), pl.DataFrame(steps), notes)


def _solve_floor(inputs: ProjectionInputs, target_year: int, t: int, runs: int, seed: int, p: float,
                 target: int | None, iterations: int) -> SolveResult:
    if np.isnan(inputs.lower).all():
        raise UserInputError("The store gives no desirable ranges, so --solve unrepresented cannot run.",
                             "Load staff with geo_subject set (and the reference data), then retry.")
    base = simulate(inputs, 1, 0, expected=True)
    under0 = int(np.isin(base.status[0, 0], (UNREPRESENTED, UNDERREPRESENTED)).sum())
    goal = target if target is not None else under0 // 2

    def prob(h: float, n_runs: int = runs) -> tuple[float, float]:
        out = simulate(replace(inputs, scenario=_with_floor(inputs.scenario, h)), n_runs, seed)
        n = np.isin(out.status[:, t], (UNREPRESENTED, UNDERREPRESENTED)).sum(-1)
        return float((n <= goal).mean()), float(np.median(n))

    decision = decide(lambda r: np.array([prob(1.0, r)[0]]), p, runs)
    verdict = decision.verdict[0]
    steps = []
    p0, m0 = prob(0.0)
    p1, m1 = prob(1.0)
    steps += [{"step": 0, "share": 0.0, "probability": p0, "states_median": m0},
              {"step": 0, "share": 1.0, "probability": p1, "states_median": m1}]
    lo, hi = 0.0, 1.0
    if p0 < p and verdict == REACHABLE:
        for k in range(1, iterations + 1):
            mid = (lo + hi) / 2
            pm, mm = prob(mid)
            steps.append({"step": k, "share": mid, "probability": pm, "states_median": mm})
            lo, hi = (lo, mid) if pm >= p else (mid, hi)
    answer = None if verdict != REACHABLE else (0.0 if p0 >= p else hi)
    pf, mf = prob(answer) if answer is not None else (p1, m1)
    row = {"under_or_unrepresented_base": under0, "target_states": goal, "required_share": answer,
           "probability": pf, "mc_error": float(mc_error(pf, runs)), "states_median": mf,
           "decision": verdict,
           "reachable": True if verdict == REACHABLE else False if verdict == NOT_REACHABLE else None,
           "probability_at_extreme": float(decision.probability[0]),
           "mc_error_at_extreme": float(mc_error(decision.probability[0], decision.runs)),
           "decision_runs": decision.runs}
    notes = ("The share is a floor on geographical appointments going to un- and under-represented "
             "States, from the first projection year.",)
    return SolveResult("unrepresented", target_year, p, pl.DataFrame([row]), pl.DataFrame(steps), notes)
