"""Earlier releases on other data, rebuilt for the auditor: differencing across releases.

Someone who holds two releases of the same table, made before and after new data were
loaded, can subtract them. The attacker modelled here holds every earlier release that
a reader of the new one may also hold (same audience; a detail audience also holds the
public releases; a public release is held by everyone) and knows, for every count of
every counted population and every pair of consecutive releases, whether rows were
only added (every cell grew or stayed), only removed (a correction: every cell fell
or stayed), or both (a new snapshot: no assumption). With ``0 <= change`` on every
cell, each change is at most the published change of every total above it, which is
the "counts only grow" attacker; the attacker is told the truth, so it is never wrong.

Each earlier release is rebuilt from the release log (every cell's status and true
value) as tables of its own, under its own cell identities (the universe gets
``#release_id``); :func:`add_differences` then links every cell to the same cell of
the next release that has it: ``later - earlier >= 0`` after additions, ``<= 0`` after a
correction, nothing when both happened.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field, replace

import polars as pl

from parity.core.disclosure import catalog, release_log, selfid
from parity.core.disclosure.auditor import LinkedSystem
from parity.core.disclosure.policy import Audience, shares_readers
from parity.core.disclosure.tables import CellId, CountTable, Expanded, TableSpec, expand
from parity.core.store import Store

_SELFID = re.compile(r"self_identification_([a-z0-9_]+)_by_(broad_band|regional_group)")


@dataclass
class History:
    """Earlier releases a reader of the new release may hold, as linked tables."""

    tables: list[Expanded] = field(default_factory=list)
    status: dict[CellId, str] = field(default_factory=dict)
    """tagged cell -> status it was released with"""
    order: list[tuple[str, set[CellId]]] = field(default_factory=list)
    """(release id, its cells under their plain identity), oldest first"""
    skipped: list[str] = field(default_factory=list)
    changes: list[dict[str, str]] = field(default_factory=list)
    """what happened since the last earlier release, per counted population and count"""


def tag(cid: CellId, release_id: str) -> CellId:
    """The identity of a cell as released by ``release_id``."""
    return (f"{cid[0]}#{release_id}", cid[1], cid[2])


def spec_of(name: str) -> TableSpec | None:
    provider = catalog.CATALOG.get(name)
    if provider is not None:
        return provider.spec
    m = _SELFID.fullmatch(name)
    return selfid.publication_spec(m[1], m[2]) if m else None


def rebuild(name: str, cells: dict[CellId, tuple[str, int]], release_id: str
            ) -> Expanded | None:
    """A released table, from its cells, under tagged identities (None if the catalog's
    declaration of the table no longer fits the cells)."""
    spec = spec_of(name)
    if spec is None:
        return None
    dims = set(spec.dims)
    rows: dict[tuple[str, ...], dict[str, object]] = {}
    for (universe, measure, pairs), (_, value) in cells.items():
        if universe != spec.universe or measure not in spec.counts:
            return None
        if {d for d, _ in pairs} == dims:
            values = dict(pairs)
            key = tuple(values[d] for d in spec.dims)
            rows.setdefault(key, dict(values))[measure] = value
    if not rows:
        return None
    frame = pl.DataFrame(list(rows.values()), infer_schema_length=None)
    frame = frame.with_columns(pl.col(c).fill_null(0) for c in spec.counts if c in frame.columns)
    if any(c not in frame.columns for c in spec.counts):
        return None
    tagged = replace(spec, universe=f"{spec.universe}#{release_id}")
    try:
        e = expand(CountTable(tagged, frame))
    except (ValueError, pl.exceptions.PolarsError):
        return None
    want = {tag(c, release_id): v for c, (_, v) in cells.items()}
    got = {cid: value for _, _, cid, value in e.cells()}
    return e if got == want else None


def load(store: Store, audience: Audience, version: str) -> History:
    """The earlier releases on other data that readers of ``audience`` may hold."""
    out = History()
    for rel in release_log.earlier_releases(store, version):
        if not shares_readers(rel.audience, audience):
            continue
        plain: set[CellId] = set()
        for name, cells in rel.cells.items():
            e = rebuild(name, cells, rel.release_id)
            if e is None:
                out.skipped.append(f"{rel.release_id}/{name}")
                continue
            out.tables.append(e)
            for cid, (status, _) in cells.items():
                out.status[tag(cid, rel.release_id)] = status
                plain.add(cid)
        out.order.append((rel.release_id, plain))
    return out


CHANGE_WORDS = {1: "rows added", -1: "rows removed", 0: "rows added and removed"}


def add_differences(system: LinkedSystem, history: History) -> set[CellId]:
    """Link each cell to the same cell in the next release holding it.

    Returns the cells of the new release that were hidden by the last earlier release
    holding them and have not changed since: hiding them again costs nothing (the
    earlier release told nothing about them) and keeps suppression patterns stable
    from release to release. :attr:`History.changes` gets what happened since the
    last earlier release, per counted population and count (published in the manifest,
    so that no reader has to guess it: a guess of "only added" after a correction that
    touched hidden cells only would be wrong, yet could land near the truth).
    """
    chains: dict[CellId, list[CellId]] = {}
    for release_id, cells in history.order:
        for cid in cells:
            tagged = tag(cid, release_id)
            if tagged in system.values:
                chains.setdefault(cid, []).append(tagged)
    keep: set[CellId] = set()
    links: list[tuple[CellId, CellId, tuple[str, str, str]]] = []
    signs: dict[tuple[str, str, str], set[int]] = {}
    for cid, chain in chains.items():
        if cid in system.values:
            if (history.status.get(chain[-1]) != "published"
                    and system.values[cid] == system.values[chain[-1]]):
                keep.add(cid)
            chain.append(cid)
        for earlier, later in itertools.pairwise(chain):
            group = (earlier[0], later[0], cid[1])  # (release, release, count)
            d = system.values[later] - system.values[earlier]
            signs.setdefault(group, set()).add((d > 0) - (d < 0))
            if (history.status.get(earlier) == "published"
                    and history.status.get(later, "current") == "published"):
                continue
            links.append((earlier, later, group))
    for earlier, later, group in links:
        if -1 not in signs[group]:  # only additions: nothing fell
            system.add_diff(later, earlier, 0.0, math.inf)
        elif 1 not in signs[group]:  # only a correction: nothing grew
            system.add_diff(later, earlier, -math.inf, 0.0)
    last = history.order[-1][0] if history.order else None
    for (first, second, measure), seen in sorted(signs.items()):
        if last is not None and first.endswith(f"#{last}") and "#" not in second:
            word = ("unchanged" if seen == {0} else CHANGE_WORDS[1] if -1 not in seen
                    else CHANGE_WORDS[-1] if 1 not in seen else CHANGE_WORDS[0])
            history.changes.append({"since": last, "universe": second, "count": measure,
                                    "change": word})
    return keep
