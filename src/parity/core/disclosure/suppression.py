"""Primary and complementary cell suppression over all linked tables of a release.

1. **Primary** cells break a rule by their own value (:func:`primary_cells`): a count
   1–9; a funnel stage count of 0 or equal to its previous stage on fewer than 20; a
   self-identification category cell under 10 or in a group of fewer than 30
   respondents; a cell whose value moved by 1–9 since it was last published.
2. **Complementary** cells (:func:`protect`): per table of at most
   :data:`~parity.core.disclosure.optimal.EXACT_MAX_CELLS` cells, the minimum-loss set
   from the exact program of :mod:`parity.core.disclosure.optimal`; then (and for
   larger tables) the heuristic: while some margin equation, in any
   linked table, holds exactly one suppressed cell, suppress one more of its cells —
   a cell of the lightest table (``TableSpec.weight``), not a total of its most
   detailed table, that also completes another such equation, at least the protection
   width, most detailed, smallest — until stable. Cells of remainder categories
   (``TableSpec.remainder``) are hidden by design and neither protected nor counted.
3. **Audit and repair**: the LP auditor gives each primary cell's feasible interval
   (also with the earlier releases a reader may hold, see
   :mod:`parity.core.disclosure.history`);
   while one is narrower than the protection width, suppress one more cell in a
   constraint that binds it (same choice rule) and repeat. Adding suppressions only
   widens intervals, so cells that passed stay passed. If no cell is left to add, the
   release is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from parity.core.disclosure.auditor import Interval, LinkedSystem, feasible_intervals
from parity.core.disclosure.optimal import choose_per_table
from parity.core.disclosure.policy import DisclosurePolicy
from parity.core.disclosure.tables import ALL, CellId, Expanded, encode_id
from parity.core.errors import DisclosureRefusedError


@dataclass
class Protection:
    """The outcome of suppression: each cell's status and each primary's interval."""

    status: dict[CellId, str]
    """published | primary | complementary | carried (suppressed in an earlier release)
    | collapsed (a remainder category, not published by design)"""
    reasons: dict[CellId, str]
    intervals: dict[CellId, Interval] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)
    """per table: ``exact`` (complements from the minimum-loss program of
    :mod:`parity.core.disclosure.optimal`) or ``heuristic``; the linked audit may add
    cells to either"""
    repaired: dict[str, int] = field(default_factory=dict)
    """per table: complements added after the per-table choice (by the heuristic's
    equation rule or the repair of the linked audit)"""

    @property
    def suppressed(self) -> set[CellId]:
        return {c for c, s in self.status.items() if s != "published"}


def _pairs(cid: CellId) -> dict[str, str]:
    return dict(cid[2])


def primary_cells(tables: Sequence[Expanded], policy: DisclosurePolicy,
                  history: Mapping[CellId, set[int]] | None = None) -> dict[CellId, str]:
    """Cells hidden by their own value, with the rule that hides them."""
    out: dict[CellId, str] = {}

    def mark(cid: CellId, reason: str) -> None:
        out.setdefault(cid, reason)

    for t in tables:
        spec = t.spec
        frame_rows = list(t.frame.iter_rows(named=True))
        collapsed = t.collapsed if policy.collapse_remainders else set()
        for i, _col, cid, value in t.cells():
            if cid in collapsed:
                continue
            if spec.rule == "nationality_counts" and policy.nationality_counts_exempt:
                continue
            row = frame_rows[i]
            is_category = (spec.rule == "selfid" and spec.category is not None
                           and row[spec.category] not in (ALL, spec.nonresponse))
            if is_category and value < policy.selfid_min_cell:
                mark(cid, f"self-identification cell under {policy.selfid_min_cell}")
            elif policy.small(value):
                mark(cid, f"count 1–{policy.threshold - 1}")
        if spec.rule == "selfid" and spec.category is not None:
            _selfid_denominators(t, policy, mark)
        if policy.funnel_all_or_none and spec.outcomes:
            for i, row in enumerate(frame_rows):
                for den, outcome in spec.outcomes:
                    d, o = int(row[den]), int(row[outcome])
                    if (0 < d < policy.min_rate_denominator and o in (0, d)
                            and t.ids[(i, outcome)] not in collapsed):
                        mark(t.ids[(i, outcome)],
                             f"all or none of fewer than {policy.min_rate_denominator} passed")
    if history and policy.difference_rule != "off":
        for t in tables:
            if t.spec.rule == "nationality_counts" and policy.nationality_counts_exempt:
                continue  # published in full, changes included
            for _, _, cid, value in t.cells():
                moved = [p for p in history.get(cid, ()) if policy.small(abs(value - p))]
                if moved:
                    if policy.difference_rule == "refuse":
                        raise DisclosureRefusedError(
                            f"The cell {encode_id(cid)} of table {t.spec.name} changed by "
                            f"{abs(value - moved[0])} since it was last published.",
                            "Publish when the change reaches the threshold, or set "
                            "difference_rule to 'suppress'.",
                        )
                    mark(cid, f"changed by 1–{policy.threshold - 1} since last published")
    return out


def _selfid_denominators(t: Expanded, policy: DisclosurePolicy,
                         mark: Callable[[CellId, str], None]) -> None:
    """Hide every category cell of a group with fewer respondents than the minimum."""
    spec = t.spec
    assert spec.category is not None
    rows = list(t.frame.iter_rows(named=True))
    others = [d for d in spec.dims if d != spec.category]
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(tuple(row[d] for d in others), []).append(i)
    for members in groups.values():
        for col in spec.counts:
            total = sum(int(rows[i][col]) for i in members if rows[i][spec.category] == ALL)
            nonresp = sum(int(rows[i][col]) for i in members
                          if rows[i][spec.category] == spec.nonresponse)
            if total - nonresp >= policy.selfid_min_denominator:
                continue
            for i in members:
                if rows[i][spec.category] not in (ALL, spec.nonresponse):
                    mark(t.ids[(i, col)],
                         f"fewer than {policy.selfid_min_denominator} respondents in the group")


def _choice_key(system: LinkedSystem, cid: CellId, width: int
                ) -> tuple[int, int, int, int, int, str]:
    """Cells of tables with the least weight first (see ``TableSpec.weight``); then cells
    that alone give the protection width; then a cell of the most detailed table
    (summary tables stay whole where possible); then the most detailed cell (margins
    and totals stay published); then the smallest such count."""
    v = system.values[cid]
    big = v >= width
    return (system.weight.get(cid, 1), 0 if big else 1, -system.depth.get(cid, 0),
            -len(cid[2]), v if big else -v, encode_id(cid))


def _is_margin(system: LinkedSystem, cid: CellId) -> bool:
    """A total of the most detailed table holding the cell (hidden only as a last resort:
    totals are linked to every summary table)."""
    return len(cid[2]) < system.depth.get(cid, 0)


def _closes(system: LinkedSystem, cid: CellId, suppressed: set[CellId], skip: int) -> int:
    """How many other equations with one suppressed cell hiding ``cid`` would also fix."""
    n = 0
    for k in system.eqs_of.get(cid, []):
        if k != skip and sum(c in suppressed for c in system.equation_cells(k)) == 1:
            n += 1
    return n


def _unsafe(system: LinkedSystem, k: int, suppressed: set[CellId], width: int,
            ignore: set[CellId]) -> bool:
    """An equation that pins its suppressed cells: one alone, or only children whose
    values add up to less than the protection width under a published total."""
    parent, kids = system.equations[k]
    hidden = [c for c in (parent, *kids) if c in suppressed and c not in ignore]
    if len(hidden) == 1:
        return True
    return bool(hidden) and parent not in suppressed and sum(
        system.values[c] for c in hidden) < width


def _complete_equations(system: LinkedSystem, suppressed: set[CellId], frozen: set[CellId],
                        width: int, added: dict[CellId, str],
                        ignore: frozenset[CellId] | set[CellId] = frozenset()) -> None:
    """No margin equation may pin its suppressed cells (see :func:`_unsafe`)."""
    changed = True
    while changed:
        changed = False
        for k in range(len(system.equations)):
            if not _unsafe(system, k, suppressed, width, set(ignore)):
                continue
            cells = system.equation_cells(k)
            options = [c for c in cells if c not in suppressed and c not in frozen]
            if not options:
                continue  # left to the audit, which refuses if it cannot be fixed
            pick = min(options, key=lambda c: (system.weight.get(c, 1), _is_margin(system, c),
                                                 -_closes(system, c, suppressed, k),
                                                 _choice_key(system, c, width)))
            suppressed.add(pick)
            added[pick] = "complementary"
            changed = True


def _repair_choice(system: LinkedSystem, cell: CellId, suppressed: set[CellId],
                   frozen: set[CellId], width: int) -> CellId | None:
    """A published cell to suppress so that ``cell``'s interval can widen: the nearest
    (through constraints shared with suppressed cells) that is at least the width, else
    the best smaller one found anywhere in reach."""
    frontier = [cell]
    visited = {cell}
    fallback: set[CellId] = set()
    while frontier:
        options: set[CellId] = set()
        nxt: list[CellId] = []
        for c in frontier:
            for other in system.neighbours(c):
                if other in suppressed:
                    if other not in visited:
                        visited.add(other)
                        nxt.append(other)
                elif other not in frozen:
                    options.add(other)
        big = {o for o in options if system.values[o] >= width}
        if big:
            return min(big, key=lambda c: _choice_key(system, c, width))
        fallback |= options
        frontier = nxt
    if not fallback:
        return None
    return min(fallback, key=lambda c: (system.values[c] == 0, _choice_key(system, c, width)))


def protect(system: LinkedSystem, primary: Mapping[CellId, str], policy: DisclosurePolicy,
            known: Iterable[CellId] = (), carried: Iterable[CellId] = (),
            earlier: Mapping[CellId, str] | None = None,
            collapsed: Iterable[CellId] = (), tables: Sequence[Expanded] = ()
            ) -> Protection:
    """Choose complementary cells until every primary cell is protected.

    ``known`` cells were published by an earlier release on the same data and cannot
    be hidden any more; ``carried`` cells were suppressed by one and stay suppressed.
    ``earlier`` holds the cells of earlier releases on other data (their own identities,
    see :mod:`parity.core.disclosure.history`) with the status they were released
    with: the published ones are constants, the hidden ones unknowns, and the primary
    ones are audited again with this release's cells. ``collapsed`` cells are not
    published by design (a remainder category below the table's total) and are not
    protected either.

    ``tables`` (the release's own tables) first get their complements from the exact
    minimum-loss program, one table at a time, when they have at most
    ``policy.exact_max_cells`` cells; the others, and whatever links between tables still
    expose, are handled by the heuristic and the linked audit.
    """
    width = policy.protection_width
    earlier = dict(earlier or {})
    frozen = set(known) | set(earlier)
    clash = sorted(encode_id(c) for c in frozen & set(primary))
    if clash:
        raise DisclosureRefusedError(
            f"{len(clash)} cell(s) published by an earlier release on the same data are now "
            f"hidden by a rule (first: {clash[0]}).",
            "Make the release on new data, or use the policy of the earlier release.",
        )
    status: dict[CellId, str] = {}
    suppressed = set(primary) | {c for c, s in earlier.items() if s != "published"}
    for c in collapsed:
        if c in system.values and c not in suppressed:
            suppressed.add(c)
            status[c] = "collapsed"
    for c in carried:
        if c in system.values and c not in suppressed:
            suppressed.add(c)
            status[c] = "carried"
    added: dict[CellId, str] = {}
    remainder = {c for c, s in status.items() if s == "collapsed"}
    methods, chosen = choose_per_table(
        tables, system.values, system.weight, set(primary) - remainder, suppressed, frozen,
        width, max_cells=policy.exact_max_cells)
    for c in chosen:
        suppressed.add(c)
        added[c] = "complementary"
    _complete_equations(system, suppressed, frozen, width, added, remainder)
    targets = {c for c in primary if c in system.values}
    targets |= {c for c, s in earlier.items() if s == "primary" and c in system.values}
    intervals: dict[CellId, Interval] = {}
    for _ in range(len(system.values) + 1):
        checked = feasible_intervals(system, suppressed, targets, need=width)
        intervals.update(checked)
        failing = sorted((c for c, iv in checked.items() if iv.width < width), key=repr)
        if not failing:
            break
        touched: set[CellId] = set()
        for c in failing:
            if c in touched:
                continue  # a cell added this round may already widen it: audit again first
            pick = _repair_choice(system, c, suppressed, frozen, width)
            if pick is None:
                raise DisclosureRefusedError(
                    f"The suppressed cell {encode_id(c)} can be narrowed to "
                    f"{intervals[c]} from the published cells, and no other cell can be "
                    "hidden to protect it.",
                    "Drop or coarsen the table that holds it, or lower protection_width.",
                )
            if pick not in suppressed:
                suppressed.add(pick)
                added[pick] = "complementary"
                touched |= system.neighbours(pick)
        _complete_equations(system, suppressed, frozen, width, added, remainder)
        targets = set(failing)
    else:  # pragma: no cover - each round hides one more cell, so this cannot run out
        raise DisclosureRefusedError("Suppression did not converge.", "Report this as a bug.")
    for c in system.values:
        if c in earlier:
            continue
        if c in primary:
            status[c] = "primary"
        elif c in added:
            status[c] = "complementary"
        else:
            status.setdefault(c, "published")
    repaired: dict[str, int] = {}
    for c in added:
        if c not in chosen:
            for name in system.tables_of.get(c, ()):
                repaired[name] = repaired.get(name, 0) + 1
    return Protection(status=status, reasons=dict(primary), intervals=intervals,
                      methods=methods, repaired=repaired)
