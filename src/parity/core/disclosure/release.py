"""Releases: versioned, rule-checked publications of pre-computed tables for one audience.

:func:`build_release` computes every catalog table for the audience straight from the
store, links them with the tables of earlier releases on the same data, applies primary
and complementary suppression, audits every primary cell with the attacker's LP, hides
cells that moved by 1–9 since they were last published, derives the rates the rules
allow and checks the result; :func:`publish` writes one CSV per table (suppressed cells
empty) and ``manifest.json``, and records the release in the release log and the
audit log. Non-analyst audiences see nothing else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from parity.core.backend import Backend
from parity.core.disclosure import audit_log, catalog, history, release_log, selfid
from parity.core.disclosure.auditor import link
from parity.core.disclosure.checks import check_table
from parity.core.disclosure.derived import add_derived, min_denominator
from parity.core.disclosure.policy import Actor, Audience, DisclosurePolicy, require_role
from parity.core.disclosure.suppression import DisclosureRefusedError, Protection, primary_cells, protect
from parity.core.disclosure.tables import ALL, CountTable, Expanded, Released, expand
from parity.core.errors import EmptyStoreError, UserInputError
from parity.core.output.csv_out import frame_to_csv
from parity.core.store import Store


def rules_applied(policy: DisclosurePolicy) -> list[str]:
    """The rules of a release, in words (written to the manifest)."""
    t = policy.threshold
    rules = [
        f"No displayed count from 1 to {t - 1}; zeros are shown in stock tables.",
        f"Rates and shares only on denominators of at least {policy.min_rate_denominator}, "
        "and only from published counts.",
        f"Selection-rate ratios only when both groups have at least {policy.min_ratio_group} "
        "at that stage.",
        "Complementary suppression across every margin of every table of the release and of "
        "earlier releases on the same data; every hidden small cell's feasible interval, "
        "from all published cells (linear programming, HiGHS), is at least "
        f"{policy.protection_width} wide, also for a reader who holds the earlier releases "
        "and knows whether rows were only added or only removed in between.",
        f"Self-identification: organisation-wide only, by broad grade band or regional group, "
        f"at least {policy.selfid_min_cell} in every displayed category cell and "
        f"{policy.selfid_min_denominator} respondents in every denominator; response rate "
        "shown.",
    ]
    if policy.funnel_all_or_none:
        rules.append("Funnel: a stage count of 0 or equal to the previous stage is hidden "
                     f"when that previous stage has fewer than {policy.min_rate_denominator}.")
    if policy.difference_rule != "off":
        rules.append(f"A cell whose value moved by 1 to {t - 1} since an earlier release "
                     f"published it is {'hidden' if policy.difference_rule == 'suppress' else 'refused'}.")
    rules.append("Nationals in geographical posts per Member State: "
                 + ("published in full, as in the UN composition reports (policy "
                    "nationality_counts_exempt)." if policy.nationality_counts_exempt
                    else f"under the 1–{t - 1} rule."))
    return rules


@dataclass
class ReleaseTable:
    """One published table: the frame as written (suppressed cells null) and its counts."""

    expanded: Expanded
    frame: pl.DataFrame
    notes: tuple[str, ...]
    status_counts: dict[str, int]

    @property
    def name(self) -> str:
        return self.expanded.spec.name

    def meta(self, policy: DisclosurePolicy) -> dict[str, Any]:
        s = self.expanded.spec
        return {
            "name": s.name, "file": f"{s.name}.csv", "title": s.title,
            "description": s.description, "universe": s.universe,
            "reference": self.expanded.reference, "dims": list(s.dims),
            "counts": list(s.counts), "additive": list(s.additive),
            "nested": [list(p) for p in s.nested], "order": [list(p) for p in s.order],
            "outcomes": [list(p) for p in s.outcomes], "margin_label": ALL, "rule": s.rule,
            "exempt": s.rule == "nationality_counts" and policy.nationality_counts_exempt,
            "category": s.category, "nonresponse": s.nonresponse,
            "derived": [{**d.as_dict(), "min_denominator": min_denominator(d, s.rule, policy)}
                        for d in s.derived],
            "remainder": [list(p) for p in s.remainder],
            "rows": self.frame.height,
            "cells": sum(v for k, v in self.status_counts.items() if k != "collapsed"),
            "suppressed_cells": sum(v for k, v in self.status_counts.items()
                                    if k not in ("published", "collapsed")),
            "collapsed_cells": self.status_counts.get("collapsed", 0),
            "notes": list(self.notes),
        }


@dataclass
class Release:
    """A release, built and checked, before or after it is written."""

    release_id: str
    seq: int
    audience: Audience
    actor: Actor
    created_at: str
    data_version: str
    policy: DisclosurePolicy
    tables: list[ReleaseTable]
    protection: Protection
    previous: str | None
    notes: list[str] = field(default_factory=list)
    changes: list[dict[str, str]] = field(default_factory=list)

    def _complements(self, t: ReleaseTable) -> dict[str, Any]:
        """A table's manifest entry with how its complements were chosen: ``exact``
        (minimum-loss program) or ``heuristic``, and how many cells the linked audit
        (or the equation rule) added afterwards."""
        key = f"{t.name}@{self.audience.key}"
        return {**t.meta(self.policy),
                "complements": self.protection.methods.get(key, "heuristic"),
                "complements_added_by_audit": self.protection.repaired.get(key, 0)}

    def table(self, name: str) -> Released:
        for t in self.tables:
            if t.name == name:
                return Released(name, t.frame, self.audience.key,
                                tuple(rules_applied(self.policy)), self.release_id,
                                t.expanded.reference)
        raise KeyError(name)

    def manifest(self, audit_head: str) -> dict[str, Any]:
        return {
            "release_id": self.release_id, "created_at": self.created_at,
            "audience": self.audience.as_dict(), "published_by": self.actor.name,
            "data_version": self.data_version, "previous_release": self.previous,
            "policy": self.policy.model_dump(), "rules_applied": rules_applied(self.policy),
            "protection": {
                "method": "threshold rule, complementary suppression (minimum-loss per "
                          "table where the table's entry says 'exact', heuristic "
                          "otherwise), LP audit of every "
                          "hidden small cell across all linked tables",
                "min_interval_width": self.policy.protection_width},
            "audit_head": audit_head, "notes": self.notes,
            "changes_since_earlier_release": self.changes,
            "tables": [self._complements(t) for t in self.tables],
        }


def _compute(backend: Backend, audience: Audience, scopes: tuple[str, ...]) -> list[CountTable]:
    out = []
    for p in catalog.providers_for(audience):
        if p.scope in scopes:
            t = p.compute(backend, audience)
            if t is not None:
                out.append(t)
    return out


def _label(t: Expanded, audience: Audience) -> Expanded:
    """Give a linked table a name unique across audiences (detail tables share names)."""
    return dataclasses.replace(t, spec=dataclasses.replace(
        t.spec, name=f"{t.spec.name}@{audience.key}"))


def build_release(store: Store, audience: Audience, actor: Actor,
                  policy: DisclosurePolicy | None = None,
                  backend: Backend | None = None) -> Release:
    """Compute, protect and check every table of a release (nothing is written).

    The counts are read from ``backend`` (default: :meth:`Backend.from_store`, the engine
    the settings name); the release log and earlier releases are the store's."""
    require_role(actor, ("analyst", "admin"), "make a release")
    if not audience.rule_checked:
        raise UserInputError(f"No release is made for the {audience.role} audience.",
                             "Make it for public, member_state or manager.")
    policy = policy or DisclosurePolicy()
    release_log.ensure_tables(store)
    backend = backend or Backend.from_store(store)
    version = release_log.data_version(store)
    notes: list[str] = []
    current = _compute(backend, audience, ("organisation", "nationality", "entity"))
    if policy.publish_self_identification:
        if actor.role == "analyst":
            reader = actor if actor.purpose else dataclasses.replace(
                actor, purpose=f"statistical release for the {audience.key} audience")
            current += selfid.publication_tables(store, reader, backend)
        else:
            notes.append("Self-identification tables were left out: only an analyst with a "
                         "declared purpose may read those data.")
    if not current:
        raise EmptyStoreError(f"The store {store.path} has no data to release.",
                              "Load staff, openings and applications with 'parity ingest'.")
    expanded = [expand(t) for t in current]
    prior = release_log.prior_same_data(store, version)
    linked = [_label(e, audience) for e in expanded]
    for other in prior.audiences:
        if other.key != audience.key:
            linked += [_label(expand(t), other)
                       for t in _compute(backend, other, ("nationality", "entity"))]
    held = history.load(store, audience, version)
    system = link(linked + held.tables)
    unchanged_hidden = history.add_differences(system, held)
    if held.skipped:
        notes.append(f"{len(held.skipped)} table(s) of earlier releases no longer match the "
                     "catalog and were left out of the differencing audit (first: "
                     f"{held.skipped[0]}).")
    published_before = release_log.history_other_data(store, version)
    primary = primary_cells(linked, policy, published_before)
    protection = protect(system, primary, policy,
                         known=[c for c in prior.known if c in system.values],
                         carried=[c for c in (*prior.hidden, *unchanged_hidden)
                                  if c in system.values and c not in prior.known],
                         earlier=held.status,
                         collapsed=({c for t in linked for c in t.collapsed}
                                    if policy.collapse_remainders else set()),
                         tables=linked)
    tables = [_publish_frame(e, t.notes, protection, policy) for e, t in zip(expanded, current,
                                                                           strict=True)]
    seq = release_log.next_seq(store)
    release = Release(
        release_id=f"r{seq:04d}", seq=seq, audience=audience, actor=actor,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"), data_version=version,
        policy=policy, tables=tables, protection=protection,
        previous=release_log.previous_release(store, audience), notes=notes,
        changes=held.changes)
    _final_checks(release, published_before)
    return release


def _publish_frame(e: Expanded, notes: tuple[str, ...], protection: Protection,
                   policy: DisclosurePolicy) -> ReleaseTable:
    spec = e.spec
    cols: dict[str, list[int | None]] = {c: [] for c in spec.counts}
    counts: dict[str, int] = {}
    for _key, cid in sorted(e.ids.items()):
        status = protection.status.get(cid, "published")
        counts[status] = counts.get(status, 0) + 1
    keep: list[bool] = []
    for i in range(e.frame.height):
        statuses = [protection.status.get(e.ids[(i, c)], "published") for c in spec.counts]
        keep.append(any(st != "collapsed" for st in statuses))
        for c, st in zip(spec.counts, statuses, strict=True):
            cols[c].append(int(e.frame[c][i]) if st == "published" else None)
    frame = e.frame.select(spec.dims).with_columns(
        pl.Series(c, v, dtype=pl.Int64) for c, v in cols.items()).filter(
        pl.Series(keep, dtype=pl.Boolean))
    if counts.get("collapsed"):
        notes = (*notes, "Totals include the categories "
                 + ", ".join(f"{d} = {v}" for d, v in spec.remainder)
                 + ", which are not shown as rows of their own.")
    frame = add_derived(frame, list(spec.dims), list(spec.derived), spec.rule, policy)
    return ReleaseTable(e, frame, notes, counts)


def _final_checks(release: Release, history: dict[Any, set[int]]) -> None:
    problems: list[str] = []
    for t in release.tables:
        problems += check_table(t.meta(release.policy), t.frame, release.policy)
        exempt = (t.expanded.spec.rule == "nationality_counts"
                  and release.policy.nationality_counts_exempt)
        if release.policy.difference_rule != "off" and not exempt:
            for _, _, cid, value in t.expanded.cells():
                shown = release.protection.status.get(cid, "published") == "published"
                if shown and any(
                        release.policy.small(abs(value - p)) for p in history.get(cid, ())):
                    problems.append(f"{t.name}: {cid} differs by 1–9 from an earlier release")
    if problems:
        raise DisclosureRefusedError(
            f"The release breaks {len(problems)} disclosure rule(s); first: {problems[0]}.",
            "Nothing was written. Report this as a bug with the store's data version.",
        )


def publish(store: Store, audience: Audience, actor: Actor, out_dir: Path,
            policy: DisclosurePolicy | None = None) -> Release:
    """Build a release and write it to ``out_dir`` (CSV per table + manifest.json)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise UserInputError(f"The folder {out_dir} is not empty.",
                             "Write each release to a new folder, e.g. --out releases/r0002.")
    release = build_release(store, audience, actor, policy)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    head = audit_log.append(store, actor, "release",
                            f"release {release.release_id} for {audience.key}: "
                            + ", ".join(t.name for t in release.tables))
    manifest = release.manifest(head)
    part = out_dir.parent / f".{out_dir.name}.part"
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir()
    for t, meta in zip(release.tables, manifest["tables"], strict=True):
        path = part / meta["file"]
        path.write_text(frame_to_csv(t.frame, float_precision=4), encoding="utf-8")
        meta["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (part / "manifest.json").write_text(text, encoding="utf-8")
    if out_dir.exists():
        out_dir.rmdir()
    os.replace(part, out_dir)
    cells = []
    for t in release.tables:
        for _, _, cid, value in t.expanded.cells():
            status = release.protection.status.get(cid, "published")
            cells.append((t.name, cid, status, value))
    release_log.record(store, {
        "release_id": release.release_id, "seq": release.seq, "created_at": release.created_at,
        "actor": actor.name, "role": actor.role, "audience": audience.key,
        "audience_role": audience.role, "nationality": audience.nationality,
        "entity": audience.entity, "data_version": release.data_version,
        "policy": release.policy.model_dump(), "tables": [t.name for t in release.tables],
        "out_dir": str(out_dir), "manifest_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }, cells)
    return release
