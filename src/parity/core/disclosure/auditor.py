"""The attacker's linear programs: how far can each suppressed cell be pinned down?

:func:`link` joins the expanded tables of a release (and of earlier releases on the same
data) into one :class:`LinkedSystem`: every distinct cell once, every margin equation
of every table, the nested-count inequalities (``screened <= received``) and the
subpopulation inequalities between tables (a cell that fixes more dimensions is at
most the cell that fixes a subset of them, e.g. one entity's P-4 women <= all P-4 women).

:func:`feasible_intervals` then solves, for each asked-for suppressed cell, min and max
of its value subject to every published cell, every constraint above and
non-negativity (``scipy.optimize.linprog`` with HiGHS), per connected component of
suppressed cells. The linear relaxation's bounds are rounded inwards to integers
(true counts are integers), which is what an attacker with an LP solver obtains.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from parity.core.disclosure.tables import ROLLUPS, CellId, Expanded


@dataclass
class LinkedSystem:
    """All cells and additivity constraints of a set of linked tables."""

    values: dict[CellId, int] = field(default_factory=dict)
    tables_of: dict[CellId, set[str]] = field(default_factory=dict)
    weight: dict[CellId, int] = field(default_factory=dict)
    """the largest weight of a table holding the cell (cost of hiding it)"""
    depth: dict[CellId, int] = field(default_factory=dict)
    """the most dimensions of a table holding the cell (complements prefer deep tables)"""
    equations: list[tuple[CellId, tuple[CellId, ...]]] = field(default_factory=list)
    """parent = sum(children)"""
    inequalities: list[tuple[CellId, CellId]] = field(default_factory=list)
    """(smaller, larger): smaller <= larger"""
    eqs_of: dict[CellId, list[int]] = field(default_factory=dict)
    ineqs_of: dict[CellId, list[int]] = field(default_factory=dict)
    diffs: list[tuple[CellId, CellId, float, float]] = field(default_factory=list)
    """(later, earlier, low, high): low <= later - earlier <= high (one cell in two releases)"""
    diffs_of: dict[CellId, list[int]] = field(default_factory=dict)

    def add_diff(self, later: CellId, earlier: CellId, low: float, high: float) -> None:
        k = len(self.diffs)
        self.diffs.append((later, earlier, low, high))
        self.diffs_of.setdefault(later, []).append(k)
        self.diffs_of.setdefault(earlier, []).append(k)

    def neighbours(self, c: CellId) -> set[CellId]:
        """Cells that share an equation, an inequality or a release difference with ``c``."""
        rows = [self.equation_cells(k) for k in self.eqs_of.get(c, [])]
        rows += [self.inequalities[k] for k in self.ineqs_of.get(c, [])]
        rows += [self.diffs[k][:2] for k in self.diffs_of.get(c, [])]
        return {o for row in rows for o in row if o != c}

    def equation_cells(self, k: int) -> tuple[CellId, ...]:
        parent, kids = self.equations[k]
        return (parent, *kids)


class InconsistentTablesError(ValueError):
    """Two tables give different numbers for one cell: a provider is wrong."""


def link(tables: Sequence[Expanded]) -> LinkedSystem:
    """Join expanded tables into one system; the same identity is one cell."""
    system = LinkedSystem()
    for t in tables:
        for _, _, cid, value in t.cells():
            old = system.values.get(cid)
            if old is not None and old != value:
                raise InconsistentTablesError(
                    f"Table {t.spec.name} gives {value} for {cid} but another table gives {old}.")
            system.values[cid] = value
            system.tables_of.setdefault(cid, set()).add(t.spec.name)
            system.depth[cid] = max(system.depth.get(cid, 0), len(t.spec.dims))
            system.weight[cid] = max(system.weight.get(cid, 1), t.spec.weight)
    seen: set[tuple[CellId, frozenset[CellId]]] = set()
    ineq_seen: set[tuple[CellId, CellId]] = set()
    for t in tables:
        for parent, kids in t.equations:
            key = (parent, frozenset(kids))
            if key not in seen:
                seen.add(key)
                system.equations.append((parent, kids))
        for pair in t.order:
            if pair not in ineq_seen:
                ineq_seen.add(pair)
                system.inequalities.append(pair)
    # subpopulation inequalities between cells that share no table
    for cid in list(system.values):
        universe, measure, pairs = cid
        for k in range(len(pairs)):
            for sub in itertools.combinations(pairs, k):
                bigger: CellId = (universe, measure, sub)
                if bigger not in system.values:
                    continue
                if system.tables_of[cid] & system.tables_of[bigger]:
                    continue
                if (cid, bigger) not in ineq_seen:
                    ineq_seen.add((cid, bigger))
                    system.inequalities.append((cid, bigger))
    _rollups(system, seen, ineq_seen)
    for k, (parent, kids) in enumerate(system.equations):
        for c in (parent, *kids):
            system.eqs_of.setdefault(c, []).append(k)
    for k, (small, big) in enumerate(system.inequalities):
        system.ineqs_of.setdefault(small, []).append(k)
        system.ineqs_of.setdefault(big, []).append(k)
    return system


def _rollups(system: LinkedSystem, seen: set[tuple[CellId, frozenset[CellId]]],
             ineq_seen: set[tuple[CellId, CellId]]) -> None:
    """A coarse-band cell is the sum of the fine-band cells it groups (when all are there)."""
    for cid in list(system.values):
        universe, measure, pairs = cid
        for coarse, (fine, coarse_of) in ROLLUPS.items():
            value = dict(pairs).get(coarse)
            if value is None:
                continue
            rest = tuple(p for p in pairs if p[0] != coarse)
            kids: list[CellId] = []
            for f in (f for f, c in coarse_of.items() if c == value):
                kid: CellId = (universe, measure, tuple(sorted((*rest, (fine, f)))))
                if kid in system.values:
                    kids.append(kid)
            if not kids:
                continue
            if len(kids) == sum(c == value for c in coarse_of.values()):
                key = (cid, frozenset(kids))
                if key not in seen:
                    seen.add(key)
                    system.equations.append((cid, tuple(kids)))
            else:
                for kid in kids:
                    if (kid, cid) not in ineq_seen:
                        ineq_seen.add((kid, cid))
                        system.inequalities.append((kid, cid))


@dataclass(frozen=True)
class Interval:
    """The values a suppressed cell can take given everything published."""

    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low

    def __str__(self) -> str:
        hi = "inf" if math.isinf(self.high) else f"{self.high:g}"
        return f"[{self.low:g}, {hi}]"


def _rows(system: LinkedSystem, unknown: set[CellId]) -> tuple[
        list[tuple[dict[CellId, float], float]], list[tuple[dict[CellId, float], float]]]:
    """Equality and inequality rows over the unknown cells, knowns moved to the right."""
    eq: list[tuple[dict[CellId, float], float]] = []
    ub: list[tuple[dict[CellId, float], float]] = []
    for parent, kids in system.equations:
        terms: dict[CellId, float] = {}
        rhs = 0.0
        for c, coef in ((parent, 1.0), *((k, -1.0) for k in kids)):
            if c in unknown:
                terms[c] = terms.get(c, 0.0) + coef
            else:
                rhs -= coef * system.values[c]
        if terms:
            eq.append((terms, rhs))
    for small, big in system.inequalities:
        terms = {}
        rhs = 0.0
        for c, coef in ((small, 1.0), (big, -1.0)):
            if c in unknown:
                terms[c] = terms.get(c, 0.0) + coef
            else:
                rhs -= coef * system.values[c]
        if terms:
            ub.append((terms, rhs))
    for later, earlier, low, high in system.diffs:
        for sign, bound in ((1.0, high), (-1.0, -low)):  # sign * (later - earlier) <= bound
            if math.isinf(bound):
                continue
            terms = {}
            rhs = bound
            for c, coef in ((later, sign), (earlier, -sign)):
                if c in unknown:
                    terms[c] = terms.get(c, 0.0) + coef
                else:
                    rhs -= coef * system.values[c]
            if terms:
                ub.append((terms, rhs))
    return eq, ub


def components(system: LinkedSystem, unknown: set[CellId]) -> list[set[CellId]]:
    """Groups of suppressed cells linked by some constraint."""
    parent: dict[CellId, CellId] = {c: c for c in unknown}

    def find(c: CellId) -> CellId:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    rows = [system.equation_cells(k) for k in range(len(system.equations))]
    rows += list(system.inequalities)
    rows += [d[:2] for d in system.diffs]
    for row in rows:
        members = [c for c in row if c in unknown]
        for a, b in itertools.pairwise(members):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
    groups: dict[CellId, set[CellId]] = {}
    for c in unknown:
        groups.setdefault(find(c), set()).add(c)
    return list(groups.values())


def _matrix(rows: list[tuple[dict[CellId, float], float]], index: dict[CellId, int]
            ) -> tuple[csr_matrix | None, np.ndarray | None]:
    if not rows:
        return None, None
    data, ri, ci, rhs = [], [], [], []
    for r, (terms, b) in enumerate(rows):
        for c, coef in terms.items():
            data.append(coef)
            ri.append(r)
            ci.append(index[c])
        rhs.append(b)
    return (csr_matrix((data, (ri, ci)), shape=(len(rows), len(index))),
            np.asarray(rhs, dtype=float))


def feasible_intervals(system: LinkedSystem, unknown: set[CellId],
                       targets: Iterable[CellId] | None = None,
                       need: float | None = None) -> dict[CellId, Interval]:
    """Min and max of each target cell over every table consistent with the published cells.

    With ``need``, a target is only solved until it is shown to be at least that wide:
    every LP solution (and the true table) is a feasible table, so the spread of a cell's
    values over the solutions found so far is an inner bound of its interval. Such
    targets get that inner interval; the others get their exact interval.
    """
    wanted = set(unknown if targets is None else targets) & unknown
    if not wanted:
        return {}
    eq_all, ub_all = _rows(system, unknown)
    out: dict[CellId, Interval] = {}
    for comp in components(system, unknown):
        if not comp & wanted:
            continue
        cells = sorted(comp, key=repr)
        index = {c: i for i, c in enumerate(cells)}
        eq = [r for r in eq_all if next(iter(r[0])) in comp]
        ub = [r for r in ub_all if next(iter(r[0])) in comp]
        a_eq, b_eq = _matrix(eq, index)
        a_ub, b_ub = _matrix(ub, index)
        seen_lo = np.array([system.values[c] for c in cells], dtype=float)
        seen_hi = seen_lo.copy()

        def solve(c: np.ndarray, cid: CellId, a_ub: csr_matrix | None = a_ub,
                  b_ub: np.ndarray | None = b_ub, a_eq: csr_matrix | None = a_eq,
                  b_eq: np.ndarray | None = b_eq) -> float | None:
            """Optimal objective (None if unbounded); widens the seen ranges."""
            nonlocal seen_lo, seen_hi
            res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                          bounds=(0, None), method="highs")
            if res.status == 3:
                return None
            if res.status != 0:
                raise RuntimeError(f"The audit LP for {cid} failed: {res.message}")
            seen_lo = np.minimum(seen_lo, res.x)
            seen_hi = np.maximum(seen_hi, res.x)
            return float(res.fun)

        members = sorted(comp & wanted, key=lambda c: (system.values[c], repr(c)))
        if need is not None and len(members) > 2:
            for sign in (1.0, -1.0):  # two extreme tables that spread many cells at once
                solve(np.full(len(cells), sign), members[0])
        for cid in members:
            i = index[cid]
            if need is not None and seen_hi[i] - seen_lo[i] >= need:
                out[cid] = Interval(float(seen_lo[i]), float(seen_hi[i]))
                continue
            c = np.zeros(len(cells))
            c[i] = -1.0
            top = solve(c, cid)
            high = math.inf if top is None else math.floor(-top + 1e-6)
            if need is not None and high - seen_lo[i] >= need:
                out[cid] = Interval(float(seen_lo[i]), float(high))
                continue
            c[i] = 1.0
            bottom = solve(c, cid)
            low = math.ceil((bottom or 0.0) - 1e-6)
            out[cid] = Interval(float(low), float(high))
    return out
