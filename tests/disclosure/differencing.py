"""A differencing attacker written apart from the product: reads only release folders.

Each folder is read as ``attacker.Published`` does (margins from the ``All`` rows, nested
stages, subpopulations), under identities of its own (the folder's index). Between two
consecutive folders the attacker looks at the cells published in both, per counted
population and count: if none fell it assumes that every count only grew (rows were
appended), if none grew that every count only fell (a correction), and otherwise it
assumes nothing. Where a manifest states what happened since the release before it
(``changes_since_earlier_release``), the attacker uses that instead of guessing; it can
also be told the directions outright (``told``). Then two LPs per hidden cell (scipy HiGHS): its min and max over every
set of tables that agrees with all the folders and those assumptions.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from .attacker import Key, Published

Var = tuple[int, Key]


class Sequence:
    """Every folder of a sequence of releases, and the attacker's assumptions."""

    def __init__(self, folders: list[Path],
                 told: dict[tuple[int, str], int] | None = None) -> None:
        """``told``: directions the attacker is told instead of inferring them, per
        (pair of folders, counted population): 1 grew, -1 fell, 0 no assumption."""
        self.parts = [Published([f]) for f in folders]
        self.direction: dict[tuple[int, str, str], int] = {}
        stated = self._stated(folders) if told is None else {}
        for i in range(len(self.parts) - 1):
            a, b = self.parts[i], self.parts[i + 1]
            signs: dict[tuple[str, str], set[int]] = {}
            for k in set(a.known) & set(b.known):
                d = b.known[k] - a.known[k]
                signs.setdefault((k[0], k[1]), set()).add((d > 0) - (d < 0))
            for (u, m), s in signs.items():
                if (i, u, m) in stated:
                    if stated[(i, u, m)]:
                        self.direction[(i, u, m)] = stated[(i, u, m)]
                elif told is not None and (i, u) in told:
                    if told[(i, u)]:
                        self.direction[(i, u, m)] = told[(i, u)]
                elif -1 not in s:
                    self.direction[(i, u, m)] = 1
                elif 1 not in s:
                    self.direction[(i, u, m)] = -1

    @staticmethod
    def _stated(folders: list[Path]) -> dict[tuple[int, str, str], int]:
        """What each manifest says happened since the folder before it."""
        words = {"rows added": 1, "unchanged": 1, "rows removed": -1,
                 "rows added and removed": 0}
        out: dict[tuple[int, str, str], int] = {}
        ids = [json.loads((f / "manifest.json").read_text(encoding="utf-8"))
               for f in folders]
        for i in range(len(folders) - 1):
            for ch in ids[i + 1].get("changes_since_earlier_release", []):
                if ch["since"] == ids[i]["release_id"]:
                    out[(i, ch["universe"], ch["count"])] = words[ch["change"]]
        return out

    def hidden(self) -> set[Var]:
        return {(i, k) for i, p in enumerate(self.parts) for k in p.hidden}

    def _system(self) -> tuple[list[Var], list[dict[int, float]], list[float],
                               list[dict[int, float]], list[float]]:
        unknown = sorted(self.hidden(), key=repr)
        idx = {v: j for j, v in enumerate(unknown)}
        eq, b_eq, ub, b_ub = [], [], [], []

        def row(terms: list[tuple[Var, float]]) -> tuple[dict[int, float], float]:
            out: dict[int, float] = {}
            rhs = 0.0
            for (i, k), coef in terms:
                if (i, k) in idx:
                    out[idx[(i, k)]] = out.get(idx[(i, k)], 0.0) + coef
                else:
                    rhs -= coef * self.parts[i].known[k]
            return out, rhs

        for i, p in enumerate(self.parts):
            for parent, kids in p.equations:
                t, r = row([((i, parent), 1.0)] + [((i, k), -1.0) for k in kids])
                if t:
                    eq.append(t)
                    b_eq.append(r)
            for small, big in p.order + p.subsets():
                t, r = row([((i, small), 1.0), ((i, big), -1.0)])
                if t:
                    ub.append(t)
                    b_ub.append(r)
        for (i, u, m), sign in self.direction.items():
            a, b = self.parts[i], self.parts[i + 1]
            common = (set(a.known) | a.hidden) & (set(b.known) | b.hidden)
            for k in common:
                if k[0] != u or k[1] != m:
                    continue
                # growth: x_i - x_{i+1} <= 0; fall: x_{i+1} - x_i <= 0
                t, r = row([((i, k), float(sign)), ((i + 1, k), -float(sign))])
                if t:
                    ub.append(t)
                    b_ub.append(r)
        return unknown, eq, b_eq, ub, b_ub

    def intervals(self, targets: set[Var]) -> dict[Var, tuple[float, float] | None]:
        """[min, max] of each target; None when the assumptions admit no table at all."""
        unknown, eq, b_eq, ub, b_ub = self._system()
        idx = {v: j for j, v in enumerate(unknown)}

        def sparse(rows: list[dict[int, float]]) -> csr_matrix | None:
            if not rows:
                return None
            r = [j for j, t in enumerate(rows) for _ in t]
            c = [col for t in rows for col in t]
            v = [x for t in rows for x in t.values()]
            return csr_matrix((v, (r, c)), shape=(len(rows), len(unknown)))

        a_eq, a_ub = sparse(eq), sparse(ub)
        args = {"A_eq": a_eq, "b_eq": np.array(b_eq) if b_eq else None, "A_ub": a_ub,
                "b_ub": np.array(b_ub) if b_ub else None, "bounds": (0, None),
                "method": "highs"}
        out: dict[Var, tuple[float, float] | None] = {}
        lo_seen = np.full(len(unknown), np.inf)
        hi_seen = np.full(len(unknown), -np.inf)
        for t in sorted(targets, key=repr):
            j = idx[t]
            if hi_seen[j] - lo_seen[j] >= 10:
                out[t] = (lo_seen[j], hi_seen[j])
                continue
            ends: dict[float, float] = {}
            for sign in (1.0, -1.0):
                c = np.zeros(len(unknown))
                c[j] = sign
                res = linprog(c, **args)
                if res.status == 2:
                    return dict.fromkeys(targets)
                if res.status == 3:
                    ends[sign] = -math.inf if sign > 0 else math.inf
                    continue
                assert res.status == 0, res.message
                ends[sign] = sign * res.fun
                lo_seen = np.minimum(lo_seen, res.x)
                hi_seen = np.maximum(hi_seen, res.x)
            out[t] = (math.ceil(ends[1.0] - 1e-6), ends[-1.0] if math.isinf(ends[-1.0])
                      else math.floor(ends[-1.0] + 1e-6))
        return out
