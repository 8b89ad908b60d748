"""An attacker written apart from the product: reads only the published files.

It rebuilds every margin equation from the CSVs and the manifest (``All`` rows are sums
over the additive dimensions), links tables that publish the same cell, adds the nested
stage inequalities and the subpopulation inequalities, and solves min/max LPs for the
empty cells.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

Key = tuple[str, str, tuple[tuple[str, str], ...]]


class Published:
    """Everything an outsider sees in one or more release folders."""

    def __init__(self, folders: list[Path]) -> None:
        self.known: dict[Key, int] = {}
        self.hidden: set[Key] = set()
        self.remainder: set[Key] = set()
        """cells of remainder categories: not published, and not protected by design"""
        self.equations: list[tuple[Key, list[Key]]] = []
        self.order: list[tuple[Key, Key]] = []
        self.tables_of: dict[Key, set[str]] = {}
        for folder in folders:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            for meta in manifest["tables"]:
                self._table(folder, meta, manifest["release_id"])
        for k in list(self.known):
            self.hidden.discard(k)

    def _table(self, folder: Path, meta: dict, release: str) -> None:
        dims, counts = meta["dims"], meta["counts"]
        frame = pl.read_csv(folder / meta["file"], infer_schema_length=0)
        rows = frame.to_dicts()
        # remainder categories (counted in the totals, not shown): unknown rows
        for dim, value in meta.get("remainder", []):
            seen = {tuple(r[d] for d in dims) for r in rows}
            for r in list(rows):
                if r[dim] == "All":
                    continue
                extra = {**r, dim: value, **dict.fromkeys(counts)}
                k = tuple(extra[d] for d in dims)
                if k not in seen:
                    seen.add(k)
                    rows.append(extra)
        index = {tuple(r[d] for d in dims): r for r in rows}

        def key(r: dict, c: str) -> Key:
            return (meta["universe"], c, tuple(sorted((d, r[d]) for d in dims if r[d] != "All")))

        label = f"{release}/{meta['name']}"
        for r in rows:
            for c in counts:
                k = key(r, c)
                self.tables_of.setdefault(k, set()).add(label)
                if r[c] in (None, ""):
                    self.hidden.add(k)
                    if any(r[d] == v for d, v in meta.get("remainder", [])):
                        self.remainder.add(k)
                else:
                    self.known[k] = int(r[c])
            for big, small in meta["order"]:
                self.order.append((key(r, small), key(r, big)))
        groups: dict[tuple[str, tuple], list[dict]] = {}
        for r in rows:
            for d in meta["additive"]:
                if r[d] == "All":
                    continue
                parent = tuple("All" if x == d else r[x] for x in dims)
                if parent in index:
                    groups.setdefault((d, parent), []).append(r)
        for (_, parent), kids in groups.items():
            for c in counts:
                self.equations.append((key(index[parent], c), [key(k, c) for k in kids]))

    def subsets(self) -> list[tuple[Key, Key]]:
        cells = set(self.known) | self.hidden
        out = []
        for k in cells:
            u, m, pairs = k
            for n in range(len(pairs)):
                for sub in itertools.combinations(pairs, n):
                    b = (u, m, sub)
                    if b in cells and not self.tables_of[k] & self.tables_of[b]:
                        out.append((k, b))
        return out

    def intervals(self, targets: set[Key], width: float | None = None
                  ) -> dict[Key, tuple[float, float]]:
        """Min and max of each target given everything published.

        With ``width``, stop on a target as soon as two feasible tables (LP solutions or
        the published truth, unknown to the attacker but feasible) differ by ``width``:
        the attacker then cannot pin it closer than that.
        """
        unknown = sorted(self.hidden, key=repr)
        idx = {k: i for i, k in enumerate(unknown)}
        eq_rows, b_eq, ub_rows, b_ub = [], [], [], []
        for parent, kids in self.equations:
            terms, rhs = {}, 0.0
            for k, coef in [(parent, 1.0)] + [(kid, -1.0) for kid in kids]:
                if k in idx:
                    terms[idx[k]] = terms.get(idx[k], 0.0) + coef
                else:
                    rhs -= coef * self.known[k]
            if terms:
                eq_rows.append(terms)
                b_eq.append(rhs)
            else:
                assert abs(rhs) < 1e-9, "published tables do not add up"
        for small, big in self.order + self.subsets():
            terms, rhs = {}, 0.0
            for k, coef in ((small, 1.0), (big, -1.0)):
                if k in idx:
                    terms[idx[k]] = terms.get(idx[k], 0.0) + coef
                else:
                    rhs -= coef * self.known[k]
            if terms:
                ub_rows.append(terms)
                b_ub.append(rhs)

        def sparse(rows: list[dict[int, float]]) -> csr_matrix | None:
            if not rows:
                return None
            data = [(v, r, c) for r, t in enumerate(rows) for c, v in t.items()]
            return csr_matrix(([d[0] for d in data], ([d[1] for d in data],
                                                      [d[2] for d in data])),
                              shape=(len(rows), len(unknown)))

        a_eq, a_ub = sparse(eq_rows), sparse(ub_rows)
        lo_seen = np.full(len(unknown), np.inf)
        hi_seen = np.full(len(unknown), -np.inf)
        out = {}
        for t in sorted(targets, key=repr):
            i = idx[t]
            if width is not None and hi_seen[i] - lo_seen[i] >= width:
                out[t] = (lo_seen[i], hi_seen[i])
                continue
            ends = {}
            for sign in (-1.0, 1.0):
                c = np.zeros(len(unknown))
                c[i] = sign
                res = linprog(c, A_ub=a_ub, b_ub=np.array(b_ub) if b_ub else None,
                              A_eq=a_eq, b_eq=np.array(b_eq) if b_eq else None,
                              bounds=(0, None), method="highs")
                if res.status == 3:
                    ends[sign] = math.inf
                    break
                assert res.status == 0, res.message
                ends[sign] = sign * res.fun
                lo_seen = np.minimum(lo_seen, res.x)
                hi_seen = np.maximum(hi_seen, res.x)
            lo = math.ceil(ends[1.0] - 1e-6) if 1.0 in ends else 0  # unbounded: no min
            hi = ends[-1.0] if math.isinf(ends[-1.0]) else math.floor(ends[-1.0] + 1e-6)
            out[t] = (lo, hi)
        return out
