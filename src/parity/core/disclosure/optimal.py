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


def separate(problem: TableProblem, hidden: np.ndarray, target: CellId, width: float,
             cap: float) -> tuple[float, np.ndarray, float]:
    """The attacker's interval width for ``target`` under the pattern ``hidden`` (0/1
    per cell), and the capacity cut ``coef · y >= rhs`` from the two programs' duals."""
    index = {c: i for i, c in enumerate(problem.cells)}
    a_eq, a_ub, b_ub = _attacker_rows(problem, index)
    vals = np.array([problem.values[c] for c in problem.cells], dtype=float)
    lower = -vals * hidden
    upper = cap * hidden
    coef = np.zeros(len(vals))
    const = 0.0
    spread = 0.0
    for sign in (-1.0, 1.0):  # maximise, then minimise the target's deviation
        c = np.zeros(len(vals))
        c[index[target]] = sign
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.zeros(a_eq.shape[0]),
                      bounds=list(zip(lower, upper, strict=True)), method="highs")
        if res.status != 0:
            raise RuntimeError(f"The separation LP failed: {res.message}")
        spread += -float(res.fun)
        # reduced costs from the row duals; the best split into bound duals gives the cut
        pi = np.asarray(res.eqlin.marginals)
        reduced = c - a_eq.T @ pi
        if a_ub is not None and b_ub is not None:
            mu = np.asarray(res.ineqlin.marginals)  # <= 0
            reduced = reduced - a_ub.T @ mu
            const += float(b_ub @ mu)
        coef += vals * np.maximum(reduced, 0.0) + cap * np.maximum(-reduced, 0.0)
    # the width is at most coef · y - const for every pattern y
    return spread, coef, width + const


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
        violated = 0
        for t in sorted(targets, key=repr):
            spread, coef, need = separate(problem, y, t, width, cap)
            if spread < width - 1e-6:
                cuts.append(coef)
                rhs.append(need - 1e-7)
                violated += 1
        if not violated:
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
