"""The LP auditor and the suppression engine on hand-made tables with known answers."""

from __future__ import annotations

import polars as pl
import pytest

from parity.core.disclosure import (
    CountTable,
    DisclosurePolicy,
    DisclosureRefusedError,
    TableSpec,
    expand,
    feasible_intervals,
    link,
    primary_cells,
    protect,
)
from parity.core.disclosure.tables import CellId

#       c1  c2  c3 | All
# r1     3  10  12 |  25
# r2     8  15  20 |  43
# r3    11  14  30 |  55
# All   22  39  62 | 123
VALUES = [[3, 10, 12], [8, 15, 20], [11, 14, 30]]
SPEC = TableSpec(name="t", title="t", description="", universe="u", dims=("r", "c"),
                 counts=("n",), additive=("r", "c"))


def table(values: list[list[int]], spec: TableSpec = SPEC) -> CountTable:
    rows = [{"r": f"r{i + 1}", "c": f"c{j + 1}", "n": v}
            for i, row in enumerate(values) for j, v in enumerate(row)]
    return CountTable(spec, pl.DataFrame(rows))


def cid(r: str, c: str) -> CellId:
    pairs = tuple(sorted(p for p in (("c", c), ("r", r)) if p[1] != "All"))
    return ("u", "n", pairs)


def test_margins_are_published_and_add_up() -> None:
    e = expand(table(VALUES))
    assert e.frame.height == 16
    total = e.frame.filter((pl.col("r") == "All") & (pl.col("c") == "All"))["n"].item()
    assert total == 123
    assert len(e.equations) == 8  # 3 rows, 3 columns, and the two margin vectors


def test_rectangle_intervals_are_exact() -> None:
    """Hide the 2x2 block r1..r2 x c1..c2. With t = r1c1 the published cells leave
    r1c2 = 13 - t, r2c1 = 11 - t, r2c2 = 12 + t, all >= 0, so t in [0, 11]."""
    system = link([expand(table(VALUES))])
    hidden = {cid("r1", "c1"), cid("r1", "c2"), cid("r2", "c1"), cid("r2", "c2")}
    got = {k: (iv.low, iv.high) for k, iv in feasible_intervals(system, hidden).items()}
    assert got == {cid("r1", "c1"): (0, 11), cid("r1", "c2"): (2, 13),
                   cid("r2", "c1"): (0, 11), cid("r2", "c2"): (12, 23)}


def test_a_lone_pair_in_a_row_is_pinned_by_the_columns() -> None:
    """Hiding only r1c1 and r1c2 leaves each alone in its column: both are exact."""
    system = link([expand(table(VALUES))])
    got = feasible_intervals(system, {cid("r1", "c1"), cid("r1", "c2")})
    assert (got[cid("r1", "c1")].low, got[cid("r1", "c1")].high) == (3, 3)
    assert (got[cid("r1", "c2")].low, got[cid("r1", "c2")].high) == (10, 10)


def test_hidden_margin_widens_the_interval() -> None:
    """Hide r1c1, r1c2 and the r1 total: c1 and c2 still pin them (column sums)."""
    system = link([expand(table(VALUES))])
    got = feasible_intervals(system, {cid("r1", "c1"), cid("r1", "c2"), cid("r1", "All")})
    assert got[cid("r1", "c1")].width == 0
    got = feasible_intervals(system, {cid("r1", "c1"), cid("r2", "c1"), cid("r1", "All"),
                                      cid("r2", "All"), cid("All", "All")})
    # r1c1 + r2c1 = 11 (column c1), nothing else bounds them
    assert (got[cid("r1", "c1")].low, got[cid("r1", "c1")].high) == (0, 11)


def test_every_equation_with_two_hidden_cells_is_not_enough() -> None:
    """r1c1 = 3 and r2c1 = 2 with r1c2, r2c2 hidden: row and column equations each hold
    two hidden cells, yet column c1 (3 + 2 = 5 less the published r3c1) pins both in
    [0, 5]; the audit sees it and the engine hides more."""
    values = [[3, 12, 12], [2, 15, 20], [11, 14, 30]]
    system = link([expand(table(values))])
    hidden = {cid("r1", "c1"), cid("r1", "c2"), cid("r2", "c1"), cid("r2", "c2")}
    got = feasible_intervals(system, hidden)
    assert (got[cid("r1", "c1")].low, got[cid("r1", "c1")].high) == (0, 5)
    policy = DisclosurePolicy()
    result = protect(system, primary_cells([expand(table(values))], policy), policy)
    for c, iv in result.intervals.items():
        assert iv.width >= policy.protection_width, (c, iv)
    final = feasible_intervals(system, result.suppressed, {cid("r1", "c1"), cid("r2", "c1")})
    assert all(iv.width >= 10 for iv in final.values())


def test_engine_protects_the_3x3_table() -> None:
    policy = DisclosurePolicy()
    e = expand(table(VALUES))
    primary = primary_cells([e], policy)
    assert set(primary) == {cid("r1", "c1"), cid("r2", "c1")}
    system = link([e])
    result = protect(system, primary, policy)
    assert result.status[cid("All", "All")] == "published"
    exact = feasible_intervals(system, result.suppressed, primary)
    assert all(iv.width >= 10 for iv in exact.values())
    assert sum(s == "complementary" for s in result.status.values()) == 2


def test_nested_stages_bound_a_hidden_count() -> None:
    spec = TableSpec(name="f", title="f", description="", universe="apps", dims=("g",),
                     counts=("received", "selected"), additive=("g",),
                     order=(("received", "selected"),))
    e = expand(CountTable(spec, pl.DataFrame({"g": ["a", "b"], "received": [30, 40],
                                              "selected": [4, 12]})))
    system = link([e])
    sel_a: CellId = ("apps", "selected", (("g", "a"),))
    sel_b: CellId = ("apps", "selected", (("g", "b"),))
    got = feasible_intervals(system, {sel_a, sel_b})
    # a + b = 16 and a <= 30, b <= 40: a in [0, 16]
    assert (got[sel_a].low, got[sel_a].high) == (0, 16)


def test_linked_tables_share_cells_and_subpopulations_bound_each_other() -> None:
    org = TableSpec(name="org", title="", description="", universe="u", dims=("g",),
                    counts=("n",), additive=("g",))
    unit = TableSpec(name="unit", title="", description="", universe="u",
                     dims=("e", "g"), counts=("n",), additive=("g",))
    a = expand(CountTable(org, pl.DataFrame({"g": ["F", "M"], "n": [12, 40]})))
    b = expand(CountTable(unit, pl.DataFrame({"e": ["X", "X"], "g": ["F", "M"], "n": [3, 9]})))
    system = link([a, b])
    unit_f: CellId = ("u", "n", (("e", "X"), ("g", "F")))
    assert (unit_f, ("u", "n", (("g", "F"),))) in system.inequalities
    got = feasible_intervals(system, {unit_f, ("u", "n", (("e", "X"), ("g", "M")))})
    assert (got[unit_f].low, got[unit_f].high) == (0, 12)  # 3 + 9 = 12 and F <= 12


def test_refused_when_nothing_can_protect() -> None:
    policy = DisclosurePolicy()
    e = expand(table(VALUES))
    system = link([e])
    everything_else = [c for c in system.values if c not in {cid("r1", "c1")}]
    with pytest.raises(DisclosureRefusedError, match="can be narrowed"):
        protect(system, {cid("r1", "c1"): "count"}, policy, known=everything_else)
