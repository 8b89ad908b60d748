"""Minimum-loss complementary suppression of one table: the exact mixed-integer program.

The classic cell-suppression model of Fischetti and Salazar (2001, *Management Science*
47:1008), as in τ-Argus' optimal method, solved per table with its margins:

* one binary ``y_c`` per cell (1 = hidden); primary cells (and cells already hidden
  for another reason) are fixed to 1, cells that must stay published to 0;
* objective: the information loss ``Σ weight_c · value_c · y_c`` (``weight_c`` is the
  largest :attr:`TableSpec.weight` of a table holding the cell), with one extra unit per
  hidden cell scaled below one unit of value, so that among patterns hiding the same
  total the one with fewest cells wins (a zero costs a little, not nothing);
* protection: for every primary ``p``, the attacker's two linear programs (max and min
  of ``x_p`` over tables that satisfy the table's margin equations and nested-count
  inequalities, with every published cell fixed and every hidden cell ``c`` free in
  ``[0, value_c + cap]``) must leave an interval of at least the protection width. For
  a hidden pattern ``y*`` that fails, the duals of the two programs give a *capacity
  cut* valid for every pattern: ``Σ_c coef_c · y_c ≥ width − k``, where ``coef_c`` is
  the dual-weighted slack that cell ``c``'s bounds would open (``value_c`` below,
  ``cap`` above) and ``k`` the dual value of the inequalities' slack.

The master program (``scipy.optimize.milp``, HiGHS) and the separation alternate until
no primary is narrower than the width. Tables with more cells than
:data:`EXACT_MAX_CELLS`, or that do not converge within the time limit, are left to the
heuristic of :mod:`parity.core.disclosure.suppression`. Either way the release's
linked audit runs afterwards over every table and earlier release, and repairs what
links between tables expose.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix

from parity.core.disclosure.tables import CellId, Expanded

#: Tables with at most this many cells (margins included) get the exact program.
EXACT_MAX_CELLS = 500
#: Seconds of master programs and separation per table before the heuristic takes over.
TIME_LIMIT = 20.0


@dataclass(frozen=True)
class TableProblem:
    """One table's cells and constraints as the exact program sees them."""

    cells: tuple[CellId, ...]
    values: Mapping[CellId, int]
    equations: Sequence[tuple[CellId, tuple[CellId, ...]]]
    order: Sequence[tuple[CellId, CellId]]
    """(smaller, larger) pairs"""
    weight: Mapping[CellId, int]


@dataclass(frozen=True)
class Solution:
    hidden: frozenset[CellId]
    """every hidden cell of the table (the fixed ones included)"""
    loss: int
    """Σ weight · value over the hidden cells that were free to choose"""
    rounds: int


def _attacker_rows(problem: TableProblem, index: dict[CellId, int]
                   ) -> tuple[csr_matrix, csr_matrix | None, np.ndarray | None]:
    """Equations and inequalities over the deviations d = x - value (right side 0 for
    the equations, the published slack for the inequalities)."""
    n = len(index)
    data, ri, ci = [], [], []
    for r, (parent, kids) in enumerate(problem.equations):
        for c, coef in ((parent, 1.0), *((k, -1.0) for k in kids)):
            data.append(coef)
            ri.append(r)
            ci.append(index[c])
    a_eq = csr_matrix((data, (ri, ci)), shape=(len(problem.equations), n))
    if not problem.order:
        return a_eq, None, None
    data, ri, ci = [], [], []
    rhs = []
    for r, (small, big) in enumerate(problem.order):
        data += [1.0, -1.0]
        ri += [r, r]
        ci += [index[small], index[big]]
        rhs.append(float(problem.values[big] - problem.values[small]))
    return (a_eq, csr_matrix((data, (ri, ci)), shape=(len(problem.order), n)),
            np.asarray(rhs))


class Separator:
    """The attacker's programs of one table over the deviations ``d = x - value``."""

    def __init__(self, problem: TableProblem, width: float, cap: float) -> None:
        self.index = {c: i for i, c in enumerate(problem.cells)}
        self.a_eq, self.a_ub, self.b_ub = _attacker_rows(problem, self.index)
        self.b_eq = np.zeros(self.a_eq.shape[0])
        self.vals = np.array([problem.values[c] for c in problem.cells], dtype=float)
        self.width = width
        self.cap = cap

    def _lp(self, c: np.ndarray, bounds: np.ndarray) -> Any:
        res = linprog(c, A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq, b_eq=self.b_eq,
                      bounds=bounds, method="highs")
        if res.status != 0:
            raise RuntimeError(f"The separation LP failed: {res.message}")
        return res

    def cuts(self, hidden: np.ndarray, targets: Sequence[CellId]
             ) -> list[tuple[np.ndarray, float]]:
        """A capacity cut ``coef · y >= rhs`` for every target narrower than the width
        under the pattern ``hidden`` (0/1 per cell). Every LP solution is a feasible
        table, so a target whose values over the solutions found so far already span
        the width needs no program of its own."""
        bounds = np.column_stack([-self.vals * hidden, self.cap * hidden])
        n = len(self.vals)
        seen_lo = np.zeros(n)
        seen_hi = np.zeros(n)
        idx = [self.index[t] for t in targets]
        if len(idx) > 2:
            for sign in (-1.0, 1.0):  # two tables that spread many targets at once
                c = np.zeros(n)
                c[idx] = sign
                x = self._lp(c, bounds).x
                seen_lo, seen_hi = np.minimum(seen_lo, x), np.maximum(seen_hi, x)
        out: list[tuple[np.ndarray, float]] = []
        for i in idx:
            if seen_hi[i] - seen_lo[i] >= self.width - 1e-6:
                continue
            coef = np.zeros(n)
            const = 0.0
            spread = 0.0
            for sign in (-1.0, 1.0):  # maximise, then minimise the target's deviation
                c = np.zeros(n)
                c[i] = sign
                res = self._lp(c, bounds)
                seen_lo, seen_hi = np.minimum(seen_lo, res.x), np.maximum(seen_hi, res.x)
                spread += -float(res.fun)
                # reduced costs from the row duals; the best split into bound duals
                # (value below, cap above) gives the strongest cut for these duals
                reduced = c - self.a_eq.T @ np.asarray(res.eqlin.marginals)
                if self.a_ub is not None and self.b_ub is not None:
                    mu = np.asarray(res.ineqlin.marginals)  # <= 0
                    reduced = reduced - self.a_ub.T @ mu
                    const += float(self.b_ub @ mu)
                coef += self.vals * np.maximum(reduced, 0.0) + self.cap * np.maximum(
                    -reduced, 0.0)
                if seen_hi[i] - seen_lo[i] >= self.width - 1e-6:
                    break
            else:
                if spread < self.width - 1e-6:
                    # the width is at most coef · y - const for every pattern y
                    out.append((coef, self.width + const))
        return out


def solve(problem: TableProblem, fixed_hidden: set[CellId], fixed_published: set[CellId],
          targets: set[CellId], width: float, time_limit: float = TIME_LIMIT
          ) -> Solution | None:
    """The minimum-loss pattern protecting every target, or None if not found in time."""
    cells = problem.cells
    n = len(cells)
    index = {c: i for i, c in enumerate(cells)}
    vals = np.array([problem.values[c] for c in cells], dtype=float)
    w = np.array([problem.weight.get(c, 1) for c in cells], dtype=float)
    cost = w * vals * (n + 1) + 1.0
    lo = np.array([1.0 if c in fixed_hidden else 0.0 for c in cells])
    hi = np.array([0.0 if c in fixed_published and c not in fixed_hidden else 1.0
                   for c in cells])
    cap = float(max(vals.max(initial=0.0), 0.0) + width)
    cuts: list[np.ndarray] = []
    rhs: list[float] = []
    # a hidden target alone in an equation is determined: another cell must be hidden
    for parent, kids in problem.equations:
        row_cells = (parent, *kids)
        for t in targets & set(row_cells):
            row = np.zeros(n)
            for c in row_cells:
                if c != t:
                    row[index[c]] = 1.0
            cuts.append(row)
            rhs.append(1.0)
    separator = Separator(problem, width, cap)
    start = time.monotonic()
    rounds = 0
    while True:
        rounds += 1
        left = time_limit - (time.monotonic() - start)
        if left <= 0:
            return None
        constraints = ([LinearConstraint(np.vstack(cuts), np.asarray(rhs), np.inf)]
                       if cuts else [])
        res = milp(cost, integrality=np.ones(n), bounds=Bounds(lo, hi),
                   constraints=constraints,
                   options={"time_limit": max(left, 0.1), "mip_rel_gap": 0.0})
        if res.status != 0 or res.x is None:
            return None
        y = np.round(res.x)
        found = separator.cuts(y, sorted(targets, key=repr))
        for coef, need in found:
            cuts.append(coef)
            rhs.append(need - 1e-7)
        if not found:
            hidden = frozenset(c for c in cells if y[index[c]] > 0.5)
            loss = int(sum(w[index[c]] * vals[index[c]] for c in hidden
                           if c not in fixed_hidden))
            return Solution(hidden=hidden, loss=loss, rounds=rounds)


def choose_per_table(tables: Sequence[Expanded], values: Mapping[CellId, int],
                     weight: Mapping[CellId, int], primary: set[CellId],
                     suppressed: set[CellId], frozen: set[CellId], width: float,
                     max_cells: int = EXACT_MAX_CELLS, time_limit: float = TIME_LIMIT
                     ) -> tuple[dict[str, str], set[CellId]]:
    """Run the exact program on each table small enough, in order; cells hidden for one
    table are fixed for the next (margins are shared). Returns the method per table
    (``exact``, or ``heuristic`` when too large or not solved in time) and the cells
    chosen as complements."""
    methods: dict[str, str] = {}
    added: set[CellId] = set()
    for t in tables:
        cells = tuple(dict.fromkeys(cid for _, _, cid, _ in t.cells() if cid in values))
        if len(cells) > max_cells:
            methods[t.spec.name] = "heuristic"
            continue
        targets = set(cells) & primary
        if not targets:
            methods[t.spec.name] = "exact"
            continue
        problem = TableProblem(cells=cells, values=values, equations=t.equations,
                               order=t.order, weight=weight)
        hidden_now = suppressed | added
        found = solve(problem, hidden_now & set(cells), frozen & set(cells), targets,
                      width, time_limit)
        if found is None:
            methods[t.spec.name] = "heuristic"
            continue
        methods[t.spec.name] = "exact"
        added |= set(found.hidden) - hidden_now
    return methods, added
