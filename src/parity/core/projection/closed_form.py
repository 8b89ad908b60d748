"""The flow-balance identity of METHODS §2.4: an analytic check and a quick calculator.

For a group of constant size with annual replacement fraction r (leavers representative
of the stock) and a women's share h among entrants:

    w_t = h + (w_0 − h)(1 − r)^t,     h* = (T − w_0 (1 − r)^t) / (1 − (1 − r)^t).

With different exit rates q_w, q_m for women and men the stocks follow
W' = W(1 − q_w) + h·E, M' = M(1 − q_m) + (1 − h)·E, E = N − W(1 − q_w) − M(1 − q_m).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from parity.core.analytics.gender import required_entrant_share

FloatArray = npt.NDArray[np.float64]


def flow_balance_share(w0: npt.ArrayLike, h: npt.ArrayLike, r: npt.ArrayLike,
                       years: npt.ArrayLike) -> FloatArray:
    """w_t = h + (w_0 − h)(1 − r)^t, elementwise."""
    w0_, h_, r_, t_ = (np.asarray(v, dtype=np.float64) for v in (w0, h, r, years))
    return np.asarray(h_ + (w0_ - h_) * (1.0 - r_) ** t_)


def entrant_share_needed(w0: npt.ArrayLike, r: npt.ArrayLike, years: npt.ArrayLike,
                         target: npt.ArrayLike) -> FloatArray:
    """h* = (T − w_0 (1 − r)^t) / (1 − (1 − r)^t); outside 0..1 means out of reach."""
    return required_entrant_share(w0, r, years, target)


def differential_exits(women: float, men: float, q_women: float, q_men: float, h: float,
                       years: int) -> FloatArray:
    """Women's share for years 0..``years`` when women and men leave at different rates."""
    n = women + men
    w, m = float(women), float(men)
    out = [w / n]
    for _ in range(years):
        w_stay, m_stay = w * (1 - q_women), m * (1 - q_men)
        entrants = n - w_stay - m_stay
        w, m = w_stay + h * entrants, m_stay + (1 - h) * entrants
        out.append(w / n)
    return np.array(out)
