"""Pre-release checks of published artefacts: every rule, on every cell, from the files.

:func:`check_table` reads a published table as an outsider would (its manifest entry and
its frame, suppressed cells empty) and lists every rule it breaks; :func:`check_release_dir`
does so for a release folder written by :func:`parity.core.disclosure.release.publish`.
The release builder runs the same checks before anything is written.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl

from parity.core.disclosure.derived import compute_one
from parity.core.disclosure.policy import DisclosurePolicy
from parity.core.disclosure.tables import ALL, Derived

#: Column names that would carry person-level data; never in a published table.
FORBIDDEN_COLUMNS = frozenset({"person_id", "applicant_id", "subject_id", "application_id",
                               "value", "collected_date", "birth_year"})


def read_published_csv(path: Path, meta: dict[str, Any]) -> pl.DataFrame:
    """Read a published table: dimensions as text, counts as integers (empty = suppressed)."""
    schema: dict[str, pl.DataType] = {d: pl.Utf8() for d in meta["dims"]}
    schema.update({c: pl.Int64() for c in meta["counts"]})
    schema.update({d["column"]: pl.Float64() for d in meta["derived"]})
    return pl.read_csv(path, schema_overrides=schema)


def check_table(meta: dict[str, Any], frame: pl.DataFrame,
                policy: DisclosurePolicy) -> list[str]:
    """Every rule the published ``frame`` of table ``meta`` breaks (empty list: none)."""
    name = meta["name"]
    problems: list[str] = []
    dims, counts = list(meta["dims"]), list(meta["counts"])
    bad_cols = [c for c in frame.columns if c in FORBIDDEN_COLUMNS or c.endswith("_id")]
    if bad_cols:
        problems.append(f"{name}: person-level column(s) {bad_cols}")
    expected = set(dims) | set(counts) | {d["column"] for d in meta["derived"]}
    if set(frame.columns) != expected:
        problems.append(f"{name}: columns {sorted(frame.columns)} differ from the manifest")
        return problems
    rule = meta["rule"]
    exempt = rule == "nationality_counts" and meta.get("exempt", False)
    category: str = meta.get("category") or ""
    nonresponse = meta.get("nonresponse")
    rows = frame.to_dicts()
    for i, row in enumerate(rows):
        where = ", ".join(f"{d}={row[d]}" for d in dims)
        is_category = rule == "selfid" and row.get(category) not in (ALL, nonresponse)
        for c in counts:
            v = row[c]
            if v is None or exempt:
                continue
            if is_category and v < policy.selfid_min_cell:
                problems.append(f"{name} row {i} ({where}) {c}={v}: self-identification "
                                f"cell under {policy.selfid_min_cell}")
            elif policy.small(v):
                problems.append(f"{name} row {i} ({where}) {c}={v}: count 1–"
                                f"{policy.threshold - 1}")
        for den, out in meta.get("outcomes", []):
            d, o = row[den], row[out]
            if (policy.funnel_all_or_none and d is not None and o is not None
                    and 0 < d < policy.min_rate_denominator and o in (0, d)):
                problems.append(f"{name} row {i} ({where}): {out}={o} of {den}={d} shows "
                                "all or none of a small group")
    for spec in meta["derived"]:
        d = Derived(spec["column"], spec["kind"], spec["numerator"], spec["denominator"],
                    spec["over"], tuple(spec["exclude"]), spec["min_denominator"])
        allowed = compute_one(d, rows, dims, int(spec["min_denominator"]))
        for i, (got, ok) in enumerate(zip(frame[d.column].to_list(), allowed, strict=True)):
            if got is None or (isinstance(got, float) and math.isnan(got)):
                continue
            if ok is None:
                problems.append(f"{name} row {i}: {d.column}={got} is shown but its counts "
                                f"are hidden or its denominator is under {spec['min_denominator']}")
            elif abs(got - ok) > 1e-4 * max(1.0, abs(ok)):  # CSVs carry 4 decimals
                problems.append(f"{name} row {i}: {d.column}={got} does not match the "
                                f"published counts ({ok})")
    return problems


def check_release_dir(folder: Path, policy: DisclosurePolicy | None = None) -> list[str]:
    """Check every table of a written release against the policy recorded in its manifest."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    policy = policy or DisclosurePolicy(**manifest["policy"])
    problems: list[str] = []
    listed = {t["file"] for t in manifest["tables"]}
    extra = sorted(p.name for p in folder.iterdir() if p.name not in listed | {"manifest.json"})
    if extra:
        problems.append(f"files not in the manifest: {extra}")
    for meta in manifest["tables"]:
        frame = read_published_csv(folder / meta["file"], meta)
        problems += check_table(meta, frame, policy)
    return problems
