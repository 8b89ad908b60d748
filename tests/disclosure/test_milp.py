"""The exact minimum-loss complement choice against brute force and an independent LP.

Small two-way tables with margins are written here by hand (cells, margin equations);
every set of complements is enumerated in order of loss and checked with our own
``scipy.optimize.linprog`` attacker, and the first safe one is the optimum the product's
mixed-integer program must match.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import polars as pl
import pytest
from scipy.optimize import linprog

from parity.core.disclosure.auditor import link
from parity.core.disclosure.policy import DisclosurePolicy
from parity.core.disclosure.suppression import primary_cells, protect
from parity.core.disclosure.tables import CountTable, TableSpec, expand

WIDTH = 10
SPEC = TableSpec(name="t", title="t", description="t", universe="u", dims=("a", "b"),
                 counts=("n",), additive=("a", "b"))


def grid_cells(m: np.ndarray) -> dict[tuple[int, int], int]:
    """Cells (i, j) of an r x c table with margins: index r / c is the total."""
    r, c = m.shape
    out = {(i, j): int(m[i, j]) for i in range(r) for j in range(c)}
    for i in range(r):
        out[(i, c)] = int(m[i].sum())
    for j in range(c):
        out[(r, j)] = int(m[:, j].sum())
    out[(r, c)] = int(m.sum())
    return out


def grid_equations(r: int, c: int) -> list[list[tuple[tuple[int, int], float]]]:
    eqs = []
    for i in range(r + 1):  # row i (and the total row): total = sum of its cells
        eqs.append([((i, c), 1.0)] + [((i, j), -1.0) for j in range(c)])
    for j in range(c + 1):
        eqs.append([((r, j), 1.0)] + [((i, j), -1.0) for i in range(r)])
    return eqs


def attacker_widths(cells: dict[tuple[int, int], int], eqs, hidden: set, targets) -> dict:
    """Our own LP: min and max of each target over non-negative tables agreeing with
    every published cell; bounds rounded inwards."""
    unknown = sorted(hidden)
    idx = {k: n for n, k in enumerate(unknown)}
    rows, rhs = [], []
    for eq in eqs:
        row = np.zeros(len(unknown))
        b = 0.0
        for k, coef in eq:
            if k in idx:
                row[idx[k]] += coef
            else:
                b -= coef * cells[k]
        if row.any():
            rows.append(row)
            rhs.append(b)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    out = {}
    for t in targets:
        obj = np.zeros(len(unknown))
        obj[idx[t]] = 1.0
        lo = linprog(obj, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-obj, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = math.inf if hi.status == 3 else math.floor(-hi.fun + 1e-6)
        out[t] = high - math.ceil(lo.fun - 1e-6)
    return out


def brute_force(cells, eqs, primaries) -> tuple[int, int]:
    """(value hidden by complements, number of complements) of the cheapest safe set,
    cheapest = least value, then fewest cells (the program's documented objective)."""
    free = [k for k in cells if k not in primaries]
    options = []
    for n in range(len(free) + 1):
        for combo in itertools.combinations(free, n):
            options.append((sum(cells[k] for k in combo), n, combo))
    options.sort()
    for value, n, combo in options:
        hidden = set(primaries) | set(combo)
        # cheap necessary test first: no equation may hold exactly one hidden cell
        if any(sum(k in hidden for k, _ in eq) == 1 for eq in eqs):
            continue
        if min(attacker_widths(cells, eqs, hidden, primaries).values()) >= WIDTH:
            return value, n
    raise AssertionError("no safe pattern")


def product_id(i: int, j: int, r: int, c: int):
    pairs = []
    if i < r:
        pairs.append(("a", f"a{i}"))
    if j < c:
        pairs.append(("b", f"b{j}"))
    return ("u", "n", tuple(pairs))


def run_product(m: np.ndarray, exact_max_cells: int):
    r, c = m.shape
    frame = pl.DataFrame({"a": [f"a{i}" for i in range(r) for _ in range(c)],
                          "b": [f"b{j}" for _ in range(r) for j in range(c)],
                          "n": [int(m[i, j]) for i in range(r) for j in range(c)]})
    e = expand(CountTable(SPEC, frame))
    system = link([e])
    policy = DisclosurePolicy(exact_max_cells=exact_max_cells)
    primary = primary_cells([e], policy)
    result = protect(system, primary, policy, tables=[e])
    back = {product_id(i, j, r, c): (i, j) for i in range(r + 1) for j in range(c + 1)}
    hidden = {back[cid] for cid, s in result.status.items() if s != "published"}
    prim = {back[cid] for cid in primary}
    return hidden, prim, result


TABLES = [
    np.array([[20, 3, 40], [15, 25, 30], [50, 12, 6]]),
    np.array([[12, 30, 45], [4, 18, 27], [33, 21, 60]]),
    np.array([[0, 14, 22], [11, 7, 35], [19, 26, 13]]),
    np.array([[8, 40, 11], [25, 16, 30], [14, 23, 5]]),
    np.array([[2, 31], [17, 3], [44, 12]]),
    # tables where the heuristic hides more than the optimum
    np.array([[10, 34, 51], [16, 49, 15], [3, 50, 25]]),
    np.array([[20, 46, 28], [34, 10, 2], [51, 43, 3]]),
    np.array([[3, 50, 58], [10, 53, 41], [1, 49, 57]]),
]


@pytest.mark.parametrize("m", TABLES, ids=[f"table{k}" for k in range(len(TABLES))])
def test_exact_matches_brute_force_and_beats_heuristic(m: np.ndarray) -> None:
    r, c = m.shape
    cells = grid_cells(m)
    eqs = grid_equations(r, c)
    hidden, prim, result = run_product(m, exact_max_cells=400)
    assert result.methods == {"t": "exact"}
    assert 1 <= len(prim) <= 2 and prim == {k for k, v in cells.items() if 1 <= v <= 9}
    # every primary keeps the protection width for our own attacker
    widths = attacker_widths(cells, eqs, hidden, prim)
    assert min(widths.values()) >= WIDTH, widths
    loss = sum(cells[k] for k in hidden - prim)
    assert (loss, len(hidden - prim)) == brute_force(cells, eqs, prim)
    h_hidden, _, h_result = run_product(m, exact_max_cells=0)
    assert h_result.methods == {"t": "heuristic"}
    assert loss <= sum(cells[k] for k in h_hidden - prim)


def test_a_heuristic_pattern_can_cost_more() -> None:
    """On at least one of these tables the exact program hides strictly less value."""
    gains = []
    for m in TABLES:
        cells = grid_cells(m)
        e_hidden, prim, _ = run_product(m, exact_max_cells=400)
        h_hidden, _, _ = run_product(m, exact_max_cells=0)
        gains.append(sum(cells[k] for k in h_hidden - prim)
                     - sum(cells[k] for k in e_hidden - prim))
    assert min(gains) >= 0
    assert max(gains) > 0, gains


def test_tables_above_the_size_limit_use_the_heuristic() -> None:
    m = TABLES[0]
    hidden, prim, result = run_product(m, exact_max_cells=15)  # the table has 16 cells
    assert result.methods == {"t": "heuristic"}
    h_hidden, _, _ = run_product(m, exact_max_cells=0)
    assert hidden == h_hidden
    assert min(attacker_widths(grid_cells(m), grid_equations(*m.shape), hidden,
                               prim).values()) >= WIDTH


NESTED = TableSpec(name="f", title="f", description="f", universe="v", dims=("a", "b"),
                   counts=("received", "selected"), additive=("a", "b"),
                   order=(("received", "selected"),))


def test_nested_counts_match_brute_force() -> None:
    """Two nested counts (selected <= received on every row): the program's cuts carry
    the inequalities' duals; the optimum is still the brute-force one."""
    rec = np.array([[40, 25], [30, 52]])
    sel = np.array([[12, 4], [21, 15]])
    cells: dict = {}
    eqs: list = []
    for name, m in (("received", rec), ("selected", sel)):
        cells.update({(name, *k): v for k, v in grid_cells(m).items()})
        eqs += [[((name, *k), coef) for k, coef in eq] for eq in grid_equations(2, 2)]
    # selected <= received, written as an equation with a slack cell the attacker knows
    # nothing about: selected + slack = received (slack >= 0, never published)
    for i in range(3):
        for j in range(3):
            slack = ("slack", i, j)
            cells[slack] = cells[("received", i, j)] - cells[("selected", i, j)]
            eqs.append([(("received", i, j), 1.0), (("selected", i, j), -1.0), (slack, -1.0)])
    slacks = {k for k in cells if k[0] == "slack"}
    frame = pl.DataFrame({"a": ["a0", "a0", "a1", "a1"], "b": ["b0", "b1", "b0", "b1"],
                          "received": rec.ravel().tolist(), "selected": sel.ravel().tolist()})
    e = expand(CountTable(NESTED, frame))
    system = link([e])
    policy = DisclosurePolicy()
    primary = primary_cells([e], policy)
    result = protect(system, primary, policy, tables=[e])
    assert result.methods == {"f": "exact"}

    def back(cid):
        d = dict(cid[2])
        return (cid[1], int(d["a"][1]) if "a" in d else 2, int(d["b"][1]) if "b" in d else 2)

    hidden = {back(c) for c, s in result.status.items() if s != "published"}
    prim = {back(c) for c in primary}
    assert prim == {("selected", 0, 1)}
    widths = attacker_widths(cells, eqs, hidden | slacks, prim)
    assert min(widths.values()) >= WIDTH
    loss = sum(cells[k] for k in hidden - prim)
    free = [k for k in cells if k not in prim and k not in slacks]
    best = None
    for n in range(len(free) + 1):
        for combo in itertools.combinations(free, n):
            value = sum(cells[k] for k in combo)
            if best is not None and (value, n) >= best:
                continue
            hide = prim | set(combo)
            if any(sum(k in hide for k, _ in eq) == 1 for eq in eqs
                   if not any(k in slacks for k, _ in eq)):
                continue
            if min(attacker_widths(cells, eqs, hide | slacks, prim).values()) >= WIDTH:
                best = (value, n)
    assert (loss, len(hidden - prim)) == best


def test_out_of_time_falls_back_to_the_heuristic() -> None:
    from parity.core.disclosure.optimal import choose_per_table

    m = TABLES[5]
    r, c = m.shape
    frame = pl.DataFrame({"a": [f"a{i}" for i in range(r) for _ in range(c)],
                          "b": [f"b{j}" for _ in range(r) for j in range(c)],
                          "n": [int(m[i, j]) for i in range(r) for j in range(c)]})
    e = expand(CountTable(SPEC, frame))
    system = link([e])
    primary = set(primary_cells([e], DisclosurePolicy()))
    args = ([e], system.values, system.weight, primary, set(primary), set(), WIDTH)
    assert choose_per_table(*args, time_limit=0.0) == ({"t": "heuristic"}, set())
    methods, chosen = choose_per_table(*args)
    assert methods == {"t": "exact"} and chosen


def test_release_names_the_method_per_table(org) -> None:
    """A release records per table how its complements were chosen; with the exact
    program the release hides no more in total than with the heuristic alone, and both
    pass the release checks."""
    from parity.core.disclosure import build_release, release_audience

    from .conftest import ANALYST

    store, _ = org
    hidden_value = {}
    for limit in (0, 500):
        rel = build_release(store, release_audience("public"), ANALYST,
                            DisclosurePolicy(exact_max_cells=limit))
        manifest = rel.manifest("head")
        methods = {t["name"]: t["complements"] for t in manifest["tables"]}
        added = {t["name"]: t["complements_added_by_audit"] for t in manifest["tables"]}
        # the size limit counts every cell of the table, remainder cells included
        cells = {t["name"]: t["cells"] + t["collapsed_cells"] for t in manifest["tables"]}
        expected = {n: "exact" if cells[n] <= limit else "heuristic" for n in cells}
        assert methods == expected  # every program here is solved in well under 20 s
        assert all(v >= 0 for v in added.values())
        values = {c: v for t in rel.tables for _, _, c, v in t.expanded.cells()}
        hidden_value[limit] = sum(values[c] for c, s in rel.protection.status.items()
                                  if c in values and s not in ("published", "collapsed"))
    assert hidden_value[500] <= hidden_value[0]


def test_the_release_log_gives_the_method_with_the_loss(org, tmp_path) -> None:
    from parity.core.disclosure import publish, release_audience, release_log

    from .conftest import ANALYST

    store, _ = org
    rel = publish(store, release_audience("public"), ANALYST, tmp_path / "r",
                  DisclosurePolicy(exact_max_cells=100))
    got = release_log.loss(store, rel.release_id)
    size = {t.name: sum(t.status_counts.values()) for t in rel.tables}
    for row in got.to_dicts():
        expected = "exact" if size[row["table_name"]] <= 100 else "heuristic"
        assert row["complements"] == expected, row
    assert set(got["complements"]) == {"exact", "heuristic"}
