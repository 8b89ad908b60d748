"""Fisher's exact test for many 2×2 tables at once, of any size (one routine, numpy).

Conditioning on both margins, the focal passes X follow the hypergeometric law: focal group
of n1, reference group of n2, m = x1 + x2 passes, N = n1 + n2, support lo..hi with
lo = max(0, m − n2), hi = min(n1, m). The law is log-concave: P(k) rises to the mode and
falls after it, and each tail falls at least geometrically at the rate of its first step.

* log P(k) (:func:`hypergeom_logpmf`) in Loader's saddle-point form
  log P(k) = log b(k; n1, p) + log b(m − k; n2, p) − log b(m; N, p), p = m/N, with
  log b(x; n, p) = δ(n) − δ(x) − δ(n − x) − D(x, np) − D(n − x, nq) − ½ log(2πx(n − x)/n),
  δ the Stirling remainder and D(x, M) = x log(x/M) + M − x summed as a series near M from
  the exact difference kN − n1·m. It is accurate to about 1e-14 (absolute, in log) for
  any N, where sums of ``gammaln`` values near log N! lose about log(N!)·1e-16 (1e-7 at
  N = 10⁸).
* Sums of consecutive probabilities are P(k0) times running products of the exact ratios
  P(k + 1)/P(k), summed until the rest of the tail is provably below 1e-18 of the sum
  (log-concavity bounds it by the last term × r/(1 − r)).
* Two-sided p (minimum likelihood, as R's ``fisher.test``): the sum of P(k) over every k
  with P(k) ≤ P(x1)·(1 + 10⁻⁷), and exactly 1 when that is the whole support. When x1
  lies within about 2 standard deviations of the mode, p is one minus the (short)
  central run of larger probabilities; otherwise it is the two tails, the far one run
  from well inside the mirror image of x1 (checked to start above the level) and counted
  from where its terms fall to the level.

References: Loader (2000), "Fast and accurate computation of binomial probabilities";
Agresti (2013) §3.5.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import special

from parity.core.stats._common import FloatArray

__all__ = ["fisher_exact_pvalues", "hypergeom_logpmf"]

IntArray = npt.NDArray[np.int64]

#: Relative tolerance of the two-sided rule (R's fisher.test).
TIE_TOLERANCE = 1e-7
_LOG_TIE = math.log1p(TIE_TOLERANCE)
_LOG_2PI = math.log(2.0 * math.pi)
#: Sums stop once the rest of the tail is below this share of them.
_REMAINDER = 1e-18
#: log 2^-1075, half the smallest subnormal double: sums below it round to 0.
_LOG_UNDERFLOW = -1075 * math.log(2.0)
#: Central route when log P(mode) − log P(x1) is below this (about 2 SD: p ≳ 0.05) ...
_CENTRAL_DROP = 2.0
#: ... and its answer is kept when at least this (else the tails are summed): one minus
#: the central mass loses about 1e-14/p of relative precision.
_CENTRAL_MIN_P = 0.02
#: δ(k) = log k! − (k + ½) log k + k − ½ log 2π for k = 0 … 15 (δ(0) = 0 by convention).
_STIRLERR_TABLE = np.array(
    [0.0] + [math.lgamma(k + 1.0) - (k + 0.5) * math.log(k) + k - 0.5 * _LOG_2PI
             for k in range(1, 16)])
#: 1/(2j + 1), j = 1 … 9: the series of D near M.
_BD0_COEF = tuple(1.0 / (2 * j + 1) for j in range(1, 10))


def _stirlerr(n: FloatArray) -> FloatArray:
    """δ(n) for whole n ≥ 0: the table up to 15, the asymptotic series above."""
    big = n > 15
    nn = np.where(big, n, 16.0)
    inv2 = 1.0 / (nn * nn)
    series = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - inv2 / 1188) * inv2) * inv2)
              * inv2) / nn
    if big.all():
        return series
    return np.where(big, series, _STIRLERR_TABLE[np.where(big, 0, n).astype(np.int64)])


def _bd0(x: FloatArray, diff: FloatArray, mean: FloatArray) -> FloatArray:
    """D(x, M) = x log(x/M) + M − x given diff = x − M (exact) and M > 0."""
    v = diff / (x + mean)
    v2 = v * v
    near = v2 < 0.01
    # (x − M)·v + 2x·v·Σ_{j≥1} v^(2j)/(2j + 1), with as many terms as the largest |v| needs.
    top = float(v2[near].max(initial=0.0)) if not near.all() else float(v2.max(initial=0.0))
    terms = 1 if top < 1e-300 else min(9, max(1, math.ceil(-39.2 / math.log(top))))
    poly = np.full(v.shape, _BD0_COEF[terms - 1])
    for coef in _BD0_COEF[terms - 2::-1] if terms > 1 else ():
        poly = poly * v2 + coef
    close = diff * v + 2.0 * x * v * v2 * poly
    if near.all():
        return close
    return np.where(near, close, special.xlogy(x, x / mean) + mean - x)


class _Tables:
    """Margins of a batch of non-degenerate tables (int64) and what depends on them only."""

    FIELDS = ("n1", "n2", "m", "big_n", "lo", "hi", "mode", "sd", "const")
    COLUMNS = ("floats", "means")  # (4, tables): n1, n2, m, N; and n1·p, n1·q, n2·p, n2·q

    def __init__(self, n1: IntArray, n2: IntArray, m: IntArray) -> None:
        self.n1, self.n2, self.m = n1, n2, m
        self.big_n = n1 + n2
        self.lo = np.maximum(0, m - n2)
        self.hi = np.minimum(n1, m)
        self.mode = np.clip((m + 1) * (n1 + 1) // (self.big_n + 2), self.lo, self.hi)
        self.floats = np.stack([n1, n2, m, self.big_n]).astype(np.float64)
        a, b, mm, nn = self.floats
        self.sd = np.sqrt(a * b * mm * (nn - mm) / (nn * nn * (nn - 1.0)))
        p, q = mm / nn, (nn - mm) / nn
        self.means = np.stack([a * p, a * q, b * p, b * q])
        # Every k-free term of log P: δ(n1) + δ(n2) − δ(N) + δ(m) + δ(N − m) and the
        # ½ log(2π m (N − m) / N) of b(m; N, p) (whose D terms vanish).
        d = _stirlerr(np.stack([a, b, nn, mm, nn - mm]))
        self.const = (d[0] + d[1] - d[2] + d[3] + d[4]
                      + 0.5 * (_LOG_2PI + np.log(mm) + np.log1p(-mm / nn)))

    def take(self, rows: IntArray) -> _Tables:
        """The tables at ``rows`` (repeats allowed)."""
        new = object.__new__(_Tables)
        for name in self.FIELDS:
            setattr(new, name, getattr(self, name)[rows])
        for name in self.COLUMNS:
            setattr(new, name, getattr(self, name)[:, rows])
        return new

    def logpmf(self, k: IntArray) -> FloatArray:
        """log P(k) for k in lo..hi."""
        n1, n2, m, nn = self.floats
        kf = k.astype(np.float64)
        diff = (k * self.big_n - self.n1 * self.m).astype(np.float64) / nn  # k − n1·m/N
        # The four binomial arguments: k and n1 − k of b(·; n1), m − k and n2 − m + k of
        # b(·; n2), with their differences from the means n1·p, n1·q, n2·p, n2·q.
        x = np.stack([kf, n1 - kf, m - kf, n2 - m + kf])
        means = self.means.reshape((4,) + (1,) * (k.ndim - 1) + (-1,))
        d = _bd0(x, np.stack([diff, -diff, -diff, diff]), means).sum(axis=0)
        s = _stirlerr(x).sum(axis=0)
        # ½ log(2π x(n − x)/n) for each binomial whose x is inside (0, n), else 0.
        f1 = x[0] * x[1] * (2.0 * math.pi) / n1
        f2 = x[2] * x[3] * (2.0 * math.pi) / n2
        logs = np.log(np.where(f1 > 0, f1, 1.0) * np.where(f2 > 0, f2, 1.0))
        return self.const - s - d - 0.5 * logs


def hypergeom_logpmf(k: npt.ArrayLike, n1: npt.ArrayLike, n2: npt.ArrayLike,
                     m: npt.ArrayLike) -> FloatArray:
    """log P(X = k), X the focal passes of 2×2 tables with group sizes n1, n2 and m passes
    in all (whole numbers, broadcast); −inf outside the support."""
    kk, a, b, mm = (np.asarray(v).astype(np.int64).reshape(-1)
                    for v in np.broadcast_arrays(k, n1, n2, m))
    shape = np.broadcast_shapes(*(np.shape(v) for v in (k, n1, n2, m)))
    result = np.full(kk.shape, -np.inf)
    lo, hi = np.maximum(0, mm - b), np.minimum(a, mm)
    inside = (kk >= lo) & (kk <= hi)
    result[inside & (lo == hi)] = 0.0
    rows = np.flatnonzero(inside & (lo < hi))
    if rows.size:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            result[rows] = _Tables(a[rows], b[rows], mm[rows]).logpmf(kk[rows])
    return result.reshape(shape)


def _runs(t: _Tables, start: IntArray, side: IntArray, width: IntArray) -> list[
        tuple[IntArray, FloatArray]]:
    """P(start + side·j)/P(start) for j = 0 … w (w ≥ width of the row), in blocks of rows of
    similar width: a list of (rows, products of shape (len(rows), w + 1))."""
    # Going down a table is going up its mirror (groups swapped, k → m − k).
    down = side < 0
    k0 = np.where(down, t.m - start, start).astype(np.float64)
    g1 = np.where(down, t.n2, t.n1).astype(np.float64)
    g2 = np.where(down, t.n1, t.n2).astype(np.float64)
    m = t.m.astype(np.float64)
    big_a, big_b, big_c, big_d = g1 - k0, m - k0, k0 + 1.0, g2 - m + k0 + 1.0
    width = np.maximum(width, 2)
    # Rows of similar width share a block (every width under 512 one block).
    bucket = np.maximum(np.floor(np.log2(width)), 9).astype(np.int64)
    out = []
    for b in np.unique(bucket):
        rows = np.flatnonzero(bucket == b)
        w = int(width[rows].max())
        j = np.arange(w, dtype=np.float64)
        prod = np.empty((rows.size, w + 1))
        prod[:, 0] = 1.0
        # (A − j)(B − j) / ((C + j)(D + j)), in place; past the end of the support a factor
        # is 0, so every later product is 0.
        ratio = np.subtract.outer(big_a[rows], j)
        ratio *= np.subtract.outer(big_b[rows], j)
        den = np.add.outer(big_c[rows], j)
        den *= np.add.outer(big_d[rows], j)
        ratio /= den
        np.multiply.accumulate(ratio, axis=1, out=prod[:, 1:])
        out.append((rows, prod))
    return out


def _tails(t: _Tables, start: IntArray, side: IntArray, log_first: FloatArray,
           cap: FloatArray, lead: IntArray | None = None,
           floor: FloatArray | None = None) -> FloatArray:
    """Σ P(k) for k from ``start`` outwards (side ±1; the terms never rise going out),
    counting only terms ≤ exp(cap) (log scale, +inf for all: a suffix of the run).
    ``log_first`` is log P(start); ``lead`` the steps expected before the counted terms;
    ``floor`` the log of a lower bound of the result the sum is part of (default: the
    first term), against which the uncounted rest must be negligible.

    The run is first as long as a Gaussian tail needs to fall to e^-50 of its first term,
    then doubled until the rest of the tail is provably below 1e-18 of the result. A sum
    whose every term would underflow (P(start) × the terms left < 2⁻¹⁰⁷⁵) is 0 at once.
    """
    sd = np.maximum(t.sd, 1.0)
    shift = np.zeros(start.shape, np.int64) if lead is None else lead
    dist = (np.abs(start - t.mode) + shift) / sd
    width = shift + np.ceil((np.sqrt(dist * dist + 100.0) - dist) * sd).astype(np.int64) + 16
    total = np.zeros(start.shape)
    terms_left = np.where(side > 0, t.hi - start, start - t.lo) + 1
    width = np.minimum(width, terms_left)  # no run past the end of the support
    # Relative to P(start), the share of the result that the rest may not exceed.
    bound = _REMAINDER * np.exp((log_first if floor is None else floor) - log_first)
    rows = np.flatnonzero(log_first + np.log(terms_left) >= _LOG_UNDERFLOW)
    while rows.size:
        again: list[IntArray] = []
        for local, prod in _runs(t.take(rows), start[rows], side[rows], width[rows]):
            idx = rows[local]
            level = np.exp(cap[idx] - log_first[idx])
            if np.isinf(level).all():
                total[idx] = prod.sum(axis=1)
            else:
                total[idx] = np.where(prod <= level[:, None], prod, 0.0).sum(axis=1)
            last, before = prod[:, -1], prod[:, -2]
            r = np.where(before > 0, last / before, 0.0)
            rest = np.where(last > 0, last * r / (1.0 - r), 0.0)
            short = ~(rest <= np.maximum(_REMAINDER * total[idx], bound[idx]))
            width[idx[short]] = 2 * (prod.shape[1] - 1)
            again.append(idx[short])
        rows = np.concatenate(again)
    return np.exp(log_first + np.log(total))  # 0 where nothing was summed


def _two_sided(t: _Tables, x: IntArray) -> FloatArray:
    """Two-sided p for non-degenerate tables with observed focal passes x."""
    n = x.size
    s_far = np.where(x < t.mode, 1, -1)
    end_far = np.where(s_far > 0, t.hi - t.mode, t.mode - t.lo)
    d_near = np.abs(x - t.mode)
    # The far run starts where the level cannot yet have been crossed: at the mirror image
    # of x if it is still above the level, else where the chord from the mode to the mirror
    # meets the level (log P is concave, so above its chords).
    d_mirror = np.minimum(d_near, end_far)
    log_x, log_mode, log_mirror = t.logpmf(np.stack([x, t.mode, t.mode + s_far * d_mirror]))
    level = log_x + _LOG_TIE
    drop = log_mode - log_x
    fall = log_mode - log_mirror
    chord = np.floor(d_mirror * np.minimum((log_mode - level) / np.where(fall > 0, fall, 1.0),
                                           1.0)).astype(np.int64) - 1
    d_far = np.where(log_mirror > level, d_mirror, np.clip(chord, 1, end_far))
    far_start = t.mode + s_far * d_far  # the mode itself if end_far = 0
    p = np.full(n, np.nan)
    # Central route: p = 1 − Σ P(k) over the run of k with P(k) > P(x)(1 + tol).
    central = np.flatnonzero(drop < _CENTRAL_DROP)
    if central.size:
        sub = t.take(central)
        # From x through the mode to past the far crossing (near the mirror image of x).
        width = np.minimum(d_near[central] + d_mirror[central] + 4
                           + np.ceil(t.sd[central]).astype(np.int64),
                           d_near[central] + end_far[central])
        mass = np.zeros(central.size)
        rows = np.arange(central.size)
        while rows.size:
            again: list[IntArray] = []
            for local, prod in _runs(sub.take(rows), x[central][rows], s_far[central][rows],
                                     width[rows]):
                idx = rows[local]
                mass[idx] = np.where(prod > 1.0 + TIE_TOLERANCE, prod, 0.0).sum(axis=1)
                short = prod[:, -1] > 1.0 + TIE_TOLERANCE
                width[idx[short]] = 2 * (prod.shape[1] - 1)
                again.append(idx[short])
            rows = np.concatenate(again)
        value = np.where(mass > 0, 1.0 - np.exp(log_x[central]) * mass, 1.0)
        p[central] = np.clip(value, 0.0, 1.0)
    todo = np.flatnonzero(np.isnan(p) | (p < _CENTRAL_MIN_P))
    if todo.size:
        sub = t.take(todo)
        start = far_start[todo]
        at_mirror = d_far[todo] == d_mirror[todo]
        log_far_t = log_mirror[todo] if at_mirror.all() else np.where(
            at_mirror, log_mirror[todo], sub.logpmf(start))
        # The far run must begin above the level (else, after rounding, next to the mode).
        late = (log_far_t <= level[todo]) & (np.abs(start - sub.mode) > 1)
        if late.any():
            start = np.where(late, sub.mode + s_far[todo], start)
            log_far_t = np.where(late, sub.logpmf(start), log_far_t)
        # Both tails in one pass: the near one from x (every term), the far one from its
        # start (the terms at most P(x)(1 + tol)), which first walks to the mirror of x.
        both = sub.take(np.concatenate([np.arange(todo.size)] * 2))
        lead = np.concatenate([np.zeros(todo.size, np.int64),
                               np.maximum(d_near[todo] - np.abs(start - sub.mode), 0)])
        sums = _tails(both, np.concatenate([x[todo], start]),
                      np.concatenate([-s_far[todo], s_far[todo]]),
                      np.concatenate([log_x[todo], log_far_t]),
                      np.concatenate([np.full(todo.size, np.inf), level[todo]]),
                      lead, np.concatenate([log_x[todo], log_x[todo]]))
        p[todo] = np.minimum(sums[: todo.size] + sums[todo.size :], 1.0)
    return p


def fisher_exact_pvalues(a: IntArray, n1: IntArray, c: IntArray, n2: IntArray,
                         alternative: str = "two-sided") -> FloatArray:
    """Fisher exact p for 1-D int64 arrays of tables [[a, n1 − a], [c, n2 − c]] with
    n1, n2 > 0 (validated by the caller); 1 where the support is a single table."""
    m = a + c
    p = np.ones(a.shape)
    rows = np.flatnonzero(np.maximum(0, m - n2) < np.minimum(n1, m))
    if rows.size == 0:
        return p
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        t = _Tables(n1[rows], n2[rows], m[rows])
        x = a[rows]
        if alternative == "two-sided":
            p[rows] = _two_sided(t, x)
            return p
        # One tail: summed directly on the mode's far side, else one minus the other one.
        sign = -1 if alternative == "less" else 1
        direct = (x - t.mode) * sign >= 0
        side = np.where(direct, sign, -sign)
        start = np.where(direct, x, x - sign)
        inside = (start >= t.lo) & (start <= t.hi)
        tail = np.zeros(x.shape)
        idx = np.flatnonzero(inside)
        if idx.size:
            sub = t.take(idx)
            tail[idx] = _tails(sub, start[idx], side[idx], sub.logpmf(start[idx]),
                               np.full(idx.size, np.inf))
        whole = (x >= t.hi) if sign < 0 else (x <= t.lo)  # the tail is the whole support
        p[rows] = np.where(whole, 1.0, np.clip(np.where(direct, tail, 1.0 - tail), 0.0, 1.0))
    return p
