"""Draws of the simulator: random (Monte Carlo) or their expectations (expected-value mode).

The simulator calls four operations on count arrays (any leading shape; categories on
the last axis); :class:`RandomSampler` draws them with a seeded numpy Generator and
:class:`ExpectedSampler` returns their expected values, so one code path gives both the
Monte Carlo runs and the deterministic expected-value recursion.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

#: Count arrays: int64 for random draws, float64 in expected-value mode.
Array = npt.NDArray[Any]


def _normalise(w: npt.NDArray[np.float64], fallback: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    tot = w.sum(-1, keepdims=True)
    fb = fallback.sum(-1, keepdims=True)
    w = np.where(tot > 0, w, fallback)
    tot = np.where(tot > 0, tot, fb)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), 0.0)
    p = np.clip(p, 0.0, 1.0)
    return p


class Sampler(Protocol):
    """The four draws the simulator needs."""

    expected: bool

    def zeros(self, shape: tuple[int, ...]) -> Array: ...

    def binomial(self, n: Array, p: npt.ArrayLike) -> Array: ...

    def multinomial(self, n: Array, p: npt.ArrayLike) -> Array: ...

    def split(self, n: Array, counts: Array) -> Array: ...

    def capped_split(self, total: Array, weights: npt.ArrayLike, caps: Array) -> Array: ...


class RandomSampler:
    """Binomial, multinomial and multivariate hypergeometric draws (integer counts)."""

    expected = False

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def zeros(self, shape: tuple[int, ...]) -> Array:
        return np.zeros(shape, dtype=np.int64)

    def binomial(self, n: Array, p: npt.ArrayLike) -> Array:
        """Binomial(n, p) elementwise; only the non-zero cells are drawn."""
        n = np.asarray(n, dtype=np.int64)
        pb = np.broadcast_to(np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0), n.shape)
        nz = n > 0
        out = np.zeros(n.shape, dtype=np.int64)
        if nz.any():
            out[nz] = self.rng.binomial(n[nz], pb[nz])
        return out

    def multinomial(self, n: Array, p: npt.ArrayLike) -> Array:
        """Multinomial(n, p) with categories on the last axis of p (normalised here)."""
        n = np.asarray(n, dtype=np.int64)
        pw = np.asarray(p, dtype=np.float64)
        k = pw.shape[-1]
        # Normalise before broadcasting: p is often far smaller than the draw.
        pb = np.broadcast_to(_normalise(pw, np.ones_like(pw)), (*n.shape, k))
        out = np.zeros((*n.shape, k), dtype=np.int64)
        nz = n > 0
        if nz.any():
            out[nz] = self.rng.multinomial(n[nz], pb[nz])
        return out

    def split(self, n: Array, counts: Array) -> Array:
        """Draw n of the counts (last axis) without replacement: multivariate hypergeometric,
        one category at a time from the last (the simulator puts its largest category
        last), on the rows that still have draws left."""
        cls = np.moveaxis(np.asarray(counts, dtype=np.int64), -1, 0)
        K = cls.shape[0]
        cls = np.ascontiguousarray(cls).reshape(K, -1)
        rem_n = np.asarray(n, dtype=np.int64).reshape(-1).copy()
        rem_tot = cls.sum(0)
        out = np.zeros_like(cls)
        rows = np.flatnonzero(rem_n > 0)
        for k in range(K - 1, 0, -1):
            if rows.size == 0:
                break
            c, m, tot = cls[k, rows], rem_n[rows], rem_tot[rows]
            x = self.rng.hypergeometric(c, tot - c, m)
            out[k, rows] = x
            rem_n[rows] = m - x
            rem_tot[rows] = tot - c
            rows = rows[rem_n[rows] > 0]
        out[0, rows] = rem_n[rows]
        return np.moveaxis(out.reshape(K, *np.shape(n)), 0, -1)

    def capped_split(self, total: Array, weights: npt.ArrayLike, caps: Array) -> Array:
        """Split ``total`` over the last axis in proportion to ``weights`` without exceeding
        ``caps``: a multinomial draw, the excess drawn again over the categories with room
        (twice), any rest given in category order. ``total`` must not exceed caps.sum(-1)."""
        caps = np.asarray(caps, dtype=np.int64)
        w = np.broadcast_to(np.asarray(weights, dtype=np.float64), caps.shape)
        out = np.zeros(caps.shape, dtype=np.int64)
        left = np.asarray(total, dtype=np.int64).copy()
        for _ in range(3):
            if not left.any():
                return out
            room = caps - out
            probs = _normalise(w * (room > 0), room.astype(np.float64))
            x = np.minimum(self.multinomial(left, probs), room)
            out += x
            left = left - x.sum(-1)
        for k in range(caps.shape[-1]):
            take = np.minimum(caps[..., k] - out[..., k], left)
            out[..., k] += take
            left = left - take
        return out


class ExpectedSampler:
    """The expected value of each draw (float counts): the deterministic recursion."""

    expected = True

    def zeros(self, shape: tuple[int, ...]) -> Array:
        return np.zeros(shape, dtype=np.float64)

    def binomial(self, n: Array, p: npt.ArrayLike) -> Array:
        return np.asarray(n, dtype=np.float64) * np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)

    def multinomial(self, n: Array, p: npt.ArrayLike) -> Array:
        pw = np.asarray(p, dtype=np.float64)
        probs = _normalise(pw, np.ones_like(pw))
        return np.asarray(n, dtype=np.float64)[..., None] * probs

    def split(self, n: Array, counts: Array) -> Array:
        c = np.asarray(counts, dtype=np.float64)
        tot = c.sum(-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(tot > 0, c / np.where(tot > 0, tot, 1.0), 0.0)
        return np.asarray(n, dtype=np.float64)[..., None] * share

    def capped_split(self, total: Array, weights: npt.ArrayLike, caps: Array) -> Array:
        caps_f = np.asarray(caps, dtype=np.float64)
        w = np.broadcast_to(np.asarray(weights, dtype=np.float64), caps_f.shape)
        out = np.zeros(caps_f.shape)
        left = np.asarray(total, dtype=np.float64).copy()
        for _ in range(caps_f.shape[-1] + 1):
            room = caps_f - out
            probs = _normalise(w * (room > 1e-12), room)
            x = np.minimum(left[..., None] * probs, room)
            out += x
            left = np.maximum(left - x.sum(-1), 0.0)
            if not (left > 1e-12).any():
                break
        return out
