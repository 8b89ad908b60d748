"""Count tables: what a catalog provider returns and how its margins are published.

A :class:`CountTable` is a polars frame with one row per combination of its dimension
columns (strings) and one integer column per count, plus a :class:`TableSpec` that
declares which dimensions are additive (their totals, written as ``All``, are
published), which counts are nested (e.g. ``received >= screened``) and which
derived rates the published table carries.

Every cell has a global identity: the counted population (``universe``), the count
(``measure``) and the dimension values it fixes. Two tables of one release that publish
a cell with the same identity publish the same number, which is how the suppression
engine and the auditor link the tables of a release (and of earlier releases).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from parity.core.dimensions.levels import BROAD_BAND_OF as BROAD_BAND_OF
from parity.core.dimensions.levels import BROAD_BANDS as BROAD_BANDS
from parity.core.dimensions.levels import PARITY_BAND_OF as PARITY_BAND_OF
from parity.core.dimensions.levels import PARITY_BANDS as PARITY_BANDS

#: Label of a margin (total over a dimension) in a published table.
ALL = "All"

CellId = tuple[str, str, tuple[tuple[str, str], ...]]
"""(universe, measure, ((dimension, value), ...) sorted by dimension)."""

Rule = Literal["threshold", "selfid", "nationality_counts"]
"""``nationality_counts`` follows the threshold rule unless the policy exempts it."""




#: Coarse dimensions whose values are unions of a finer dimension's values:
#: coarse name -> (fine name, fine value -> coarse value). The auditor adds the
#: roll-up equations between tables that use either one.
ROLLUPS: dict[str, tuple[str, dict[str, str]]] = {
    "broad_band": ("level_band", BROAD_BAND_OF),
    "parity_band": ("level_band", PARITY_BAND_OF),
}


@dataclass(frozen=True)
class Derived:
    """A rate published next to the counts, computed only from published counts.

    ``row_rate``: numerator / denominator, two count columns of the same row.
    ``share``: numerator / the same count on the margin row over dimension ``over``
    (less the rows whose ``over`` value is in ``exclude``).
    ``ratio_to_rest``: (numerator/denominator of the row) divided by the same rate for
    all other rows of the margin over ``over`` (the selection-rate ratio to the rest).
    ``response_rate``: on rows where ``over`` is ``All``: (numerator less the rows whose
    ``over`` value is in ``exclude``) / numerator.
    """

    column: str
    kind: Literal["row_rate", "share", "ratio_to_rest", "response_rate"]
    numerator: str
    denominator: str | None = None
    over: str | None = None
    exclude: tuple[str, ...] = ()
    min_denominator: int | None = None
    description: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"column": self.column, "kind": self.kind, "numerator": self.numerator,
                "denominator": self.denominator, "over": self.over,
                "exclude": list(self.exclude), "min_denominator": self.min_denominator,
                "description": self.description}


@dataclass(frozen=True)
class TableSpec:
    """The declaration of a published count table."""

    name: str
    title: str
    description: str
    universe: str
    dims: tuple[str, ...]
    counts: tuple[str, ...]
    additive: tuple[str, ...] = ()
    nested: tuple[tuple[str, str], ...] = ()
    """(child, parent) pairs: the child dimension's values lie inside one parent value."""
    order: tuple[tuple[str, str], ...] = ()
    """(larger, smaller) count pairs that hold on every row (nested stages)."""
    outcomes: tuple[tuple[str, str], ...] = ()
    """(denominator, outcome) count pairs of a funnel (all-or-none rule)."""
    rule: Rule = "threshold"
    derived: tuple[Derived, ...] = ()
    domains: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Dimension values that always appear (missing combinations are zeros)."""
    category: str | None = None
    """Self-identification tables: the dimension holding the self-identified category."""
    nonresponse: str | None = None
    """Self-identification tables: the category value meaning 'not stated'."""
    weight: int = 1
    """Cost of hiding one cell of this table when complements are chosen: a summary
    table that readers rely on (gender parity) weighs more, so that cells of detailed
    tables are hidden in its place where either protects a cell."""
    remainder: tuple[tuple[str, str], ...] = ()
    """(dimension, value) categories collapsed into the totals: their rows are not
    published (the totals still count them) and they are not protected cells."""

    def __post_init__(self) -> None:
        for d in self.additive:
            if d not in self.dims:
                raise ValueError(f"{self.name}: additive dimension {d} is not a dimension")
        for child, parent in self.nested:
            if child not in self.dims or parent not in self.dims:
                raise ValueError(f"{self.name}: nested pair {child}/{parent} not in dims")

    @property
    def parent_of(self) -> dict[str, str]:
        return dict(self.nested)

    def domain(self, dim: str) -> tuple[str, ...] | None:
        return dict(self.domains).get(dim)

    def patterns(self) -> list[frozenset[str]]:
        """Sets of aggregated dimensions whose rows are published (interior first)."""
        parent = self.parent_of
        out: list[frozenset[str]] = []
        for k in range(len(self.additive) + 1):
            for combo in itertools.combinations(self.additive, k):
                s = frozenset(combo)
                # a parent is only aggregated when its children are
                if all(c in s for c, p in parent.items() if p in s):
                    out.append(s)
        return out


@dataclass
class CountTable:
    """A provider's result: interior counts of one table and where they come from."""

    spec: TableSpec
    frame: pl.DataFrame
    reference: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class Expanded:
    """A table with its margin rows and the identity of every cell."""

    spec: TableSpec
    frame: pl.DataFrame
    """All published rows: dimension columns (``All`` on margins) and count columns."""
    reference: str
    ids: dict[tuple[int, str], CellId]
    """(row index, count column) -> cell identity."""
    equations: list[tuple[CellId, tuple[CellId, ...]]]
    """Margin equations: parent = sum(children)."""
    order: list[tuple[CellId, CellId]]
    """(smaller, larger) pairs from nested counts."""

    @property
    def collapsed(self) -> set[CellId]:
        """Cells of the remainder categories (see :attr:`TableSpec.remainder`)."""
        rem = self.spec.remainder
        return {cid for cid in self.ids.values()
                if any(dict(cid[2]).get(d) == v for d, v in rem)} if rem else set()

    def cells(self) -> Iterable[tuple[int, str, CellId, int]]:
        for (i, col), cid in self.ids.items():
            yield i, col, cid, int(self.frame[col][i])


def cell_id(spec: TableSpec, row: dict[str, object], measure: str) -> CellId:
    pairs = tuple(sorted((d, str(row[d])) for d in spec.dims if row[d] != ALL))
    return (spec.universe, measure, pairs)


def _complete(spec: TableSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """Add the missing combinations of dimension values as zero rows."""
    frame = frame.with_columns(pl.col(list(spec.dims)).cast(pl.Utf8))
    for d in spec.dims:
        if frame.filter(pl.col(d) == ALL).height:
            raise ValueError(f"{spec.name}: dimension {d} has a value equal to '{ALL}'")
        if frame[d].null_count():
            raise ValueError(f"{spec.name}: dimension {d} has empty values")
    parent = spec.parent_of
    groups: list[pl.DataFrame] = []
    for d in spec.dims:
        if d in parent.values():
            continue  # enumerated with its child
        if d in parent:
            cols = [d, parent[d]]
            groups.append(frame.select(cols).unique())
            continue
        values = list(spec.domain(d) or ())
        values += [v for v in frame[d].unique().sort().to_list() if v not in values]
        groups.append(pl.DataFrame({d: values}, schema={d: pl.Utf8}))
    grid = groups[0]
    for g in groups[1:]:
        grid = grid.join(g, how="cross")
    counts = frame.group_by(list(spec.dims)).agg(pl.col(c).sum() for c in spec.counts)
    full = grid.join(counts, on=list(spec.dims), how="left")
    return full.with_columns(pl.col(list(spec.counts)).fill_null(0).cast(pl.Int64))


def _sort_key(spec: TableSpec, frame: pl.DataFrame) -> pl.DataFrame:
    keys = []
    for d in spec.dims:
        domain = list(spec.domain(d) or ())
        values = frame[d].unique().to_list()
        rest = sorted(v for v in values if v not in domain and v != ALL)
        order = {v: i for i, v in enumerate([*domain, *rest, ALL])}
        keys.append(pl.col(d).replace_strict(order, return_dtype=pl.Int64).alias(f"_k_{d}"))
    return frame.with_columns(keys).sort([f"_k_{d}" for d in spec.dims]).drop(
        [f"_k_{d}" for d in spec.dims])


def expand(table: CountTable) -> Expanded:
    """Complete the interior, add every published margin and name every cell."""
    spec = table.spec
    interior = _complete(spec, table.frame.select([*spec.dims, *spec.counts]))
    parts = []
    for pattern in spec.patterns():
        keep = [d for d in spec.dims if d not in pattern]
        agg = (interior.group_by(keep).agg(pl.col(c).sum() for c in spec.counts)
               if keep else interior.select(pl.col(c).sum() for c in spec.counts))
        agg = agg.with_columns(pl.lit(ALL).alias(d) for d in pattern)
        parts.append(agg.select([*spec.dims, *spec.counts]))
    frame = _sort_key(spec, pl.concat(parts))
    rows = frame.select(spec.dims).rows()
    index = {r: i for i, r in enumerate(rows)}
    ids: dict[tuple[int, str], CellId] = {}
    for i, named in enumerate(frame.select(spec.dims).iter_rows(named=True)):
        for c in spec.counts:
            ids[(i, c)] = cell_id(spec, named, c)

    # margin equations: for each published row and additive dimension d it does not
    # aggregate, the row with d aggregated is the sum of its siblings
    equations: list[tuple[CellId, tuple[CellId, ...]]] = []
    patterns = set(spec.patterns())
    pos = {d: k for k, d in enumerate(spec.dims)}
    children: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for i, row in enumerate(rows):
        aggregated = frozenset(d for d in spec.dims if row[pos[d]] == ALL)
        for d in spec.additive:
            if d in aggregated or (aggregated | {d}) not in patterns:
                continue
            p = list(row)
            p[pos[d]] = ALL
            children.setdefault((d, tuple(p)), []).append(i)
    for (_, prow), kids in children.items():
        j = index[prow]
        for c in spec.counts:
            equations.append((ids[(j, c)], tuple(ids[(k, c)] for k in kids)))
    order = [(ids[(i, small)], ids[(i, big)]) for i in range(len(rows))
             for big, small in spec.order]
    return Expanded(spec=spec, frame=frame, reference=table.reference, ids=ids,
                    equations=equations, order=order)


def encode_id(cid: CellId) -> str:
    """A text form of a cell identity (for the release log)."""
    universe, measure, pairs = cid
    return json.dumps([universe, measure, [list(p) for p in pairs]], ensure_ascii=False)


def decode_id(text: str) -> CellId:
    universe, measure, pairs = json.loads(text)
    return (universe, measure, tuple((d, v) for d, v in pairs))


@dataclass(frozen=True)
class Released:
    """An analytic result together with the audience it was computed for.

    ``rules`` names the disclosure rules applied (empty for analysts' full-resolution
    results); ``release_id`` is set for tables that belong to a published release.
    """

    name: str
    frame: pl.DataFrame
    audience: str
    rules: tuple[str, ...] = ()
    release_id: str | None = None
    reference: str = ""
