"""Time in grade until promotion: Kaplan–Meier by group, with log-rank tests.

A *spell* starts when a person enters a grade inside the period, by appointment or
promotion (entries before the period are left out: their start is not observed, and
counting only observed entries needs no left-truncation correction). It ends with a
promotion (the event), or is censored at the first of: a separation, a new appointment,
the first snapshot the person is missing from, and the end of the period. Separations are
censored rather than modelled as a competing risk, so the curves estimate time to
promotion among those who stay. Reassignments do not end a spell. The spell's group is the
person's state on entry: the grade entered, the entity (``to_entity``), and the other
attributes from the next snapshot (or the one before).

Spells are counted in one Ibis expression by group, duration (whole days) and outcome;
:mod:`parity.core.stats` then gives, per group, the Kaplan–Meier median with its
Brookmeyer–Crowley interval and the share promoted within a horizon (log-log interval),
and per comparison the log-rank test against the reference with the hazard ratio
(O₁/E₁)/(O₂/E₂) (interval exp(±z·√(1/E₁ + 1/E₂)) on the log scale) and Schoenfeld's power
to detect a hazard ratio of 0.8: Φ(√(D·p(1 − p))·|log 0.8| − z) with D events and a share p
of the spells in the focal group. Slower promotion (a lower hazard) is adverse.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import numpy as np
import polars as pl
from scipy import stats as sps

from parity.core.analytics.careers_compare import (
    REFERENCE_OTHERS,
    check_reference,
    label,
    sort_frame,
)
from parity.core.analytics.careers_events import (
    ORD_APPOINTMENT,
    ORD_PROMOTION,
    Sources,
    date_at,
    entity_field,
    slot_of,
    snapshot_rows,
)
from parity.core.analytics.careers_exposure import (
    DAYS_PER_YEAR,
    Window,
    base_columns,
    by_dimensions,
)
from parity.core.analytics.careers_stats import DIRECTION_TEXT, rate_verdict
from parity.core.analytics.compare import check_reference as reference_rule
from parity.core.analytics.compare import choose_reference
from parity.core.backend import Backend
from parity.core.errors import UserInputError
from parity.core.stats import bh_adjust, kaplan_meier, logrank_test

_FAR = ibis.literal("9999-12-31").cast("date")


def spells_expression(source: Backend | Sources, keys: Sequence[str], window: Window,
                      scope: str = "all") -> ir.Table:
    """Spells by ``keys``, duration in days and outcome: columns keys, days, promoted, n."""
    src = Sources.of(source)
    snaps = window.snapshots
    e = src.events
    kind = e.event.cast("string")
    ev = e.filter(kind != "reassignment").select(
        person=e.person_id, date=e.event_date, grade=e.to_grade.cast("string"),
        entity=e.to_entity, slot=slot_of(e.event_date, snaps) - 1,
        ord=ibis.cases((kind == "appointment", ORD_APPOINTMENT),
                       (kind == "promotion", ORD_PROMOTION), else_=3).cast("int8"),
    )
    seq = ibis.window(group_by=ev.person, order_by=[ev.date, ev.ord])
    ev = ev.mutate(nx_date=ev.date.lead().over(seq), nx_ord=ev.ord.lead().over(seq))
    w0, w1 = ibis.literal(window.start), ibis.literal(window.end)
    entries = ev.filter(ev.ord.isin([ORD_APPOINTMENT, ORD_PROMOTION]) & ev.grade.notnull()
                        & (ev.date > w0) & (ev.date <= w1))

    # Coverage: the first snapshot after the entry that the person is missing from.
    cur = snapshot_rows(src, snaps, "c_")
    after = cur.select(a_person=cur.c_person, a_slot=cur.c_slot - 1).view()
    gaps = cur.anti_join(after, [cur.c_person == after.a_person, cur.c_slot == after.a_slot])
    gaps = gaps.filter(gaps.c_slot <= len(snaps) - 2).select(
        g_person=gaps.c_person, g_index=gaps.c_slot + 1).view()
    prv = cur.view()
    nxt = snapshot_rows(src, snaps, "n_", shift=1).view()
    ef = entity_field(src.staff)
    j = entries.left_join(nxt, [entries.person == nxt.n_person, entries.slot == nxt.n_slot])
    j = j.left_join(prv, [j.person == prv.c_person, j.slot == prv.c_slot])
    j = j.left_join(ef, j.entity == ef.ent)
    j = j.left_join(gaps, [j.person == gaps.g_person, gaps.g_index > j.slot + 1])
    per_entry = j.group_by(
        person=j.person, start=j.date, slot=j.slot, nx_date=j.nx_date, nx_ord=j.nx_ord,
        grade=j.grade, entity=j.entity, field=ibis.coalesce(j.fld, j.n_field, j.c_field),
        nationality=ibis.coalesce(j.n_nationality, j.c_nationality),
        gender=ibis.coalesce(j.n_gender, j.c_gender),
        appointment_type=ibis.coalesce(j.n_appointment, j.c_appointment),
        organization=ibis.coalesce(j.n_organization, j.c_organization),
        on_next=j.n_person.notnull(),
    ).agg(later_gap=j.g_index.min())
    s = per_entry
    gap = ibis.ifelse(s.on_next, s.later_gap, s.slot + 1)
    gap_date = ibis.coalesce(date_at(gap, snaps), _FAR)
    next_date = ibis.coalesce(s.nx_date, _FAR)
    end = ibis.least(next_date, gap_date, w1)
    promoted = (s.nx_ord == ORD_PROMOTION) & (next_date <= gap_date) & (next_date <= w1)
    base = base_columns(keys)
    spells = s.select(*base, days=end.delta(s.start, unit="day"),
                      promoted=promoted.fill_null(False).ifelse(1, 0))
    pre = spells.group_by([*base, "days", "promoted"]).agg(n=spells.count())
    return by_dimensions(pre, src, [*keys, "days", "promoted"], scope, True, ["n"])


def spell_counts(source: Backend | Sources, keys: Sequence[str], window: Window,
                 scope: str = "all") -> pl.DataFrame:
    """The spell count table: keys, years (duration), promoted (0/1), n."""
    frame = Backend.to_polars(spells_expression(source, keys, window, scope))
    return frame.select(*keys, (pl.col("days").cast(pl.Float64) / DAYS_PER_YEAR).alias("years"),
                        pl.col("promoted").cast(pl.Int64), pl.col("n").cast(pl.Int64))


def _arrays(part: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Durations and outcomes, one entry per spell, from a count table."""
    n = part["n"].to_numpy()
    return (np.repeat(part["years"].to_numpy(), n),
            np.repeat(part["promoted"].to_numpy().astype(np.float64), n))


def _km_summary(time: np.ndarray, event: np.ndarray, horizon: float,
                alpha: float) -> dict[str, float]:
    km = kaplan_meier(time, event, alpha)
    lo, hi = km.median_interval()
    idx = int(np.searchsorted(km.time, horizon, side="right")) - 1
    if idx < 0:  # no promotion by the horizon: S = 1, its interval undefined
        s, s_lo, s_hi = 1.0, float("nan"), float("nan")
    else:
        s, s_lo, s_hi = float(km.survival[idx]), float(km.lower[idx]), float(km.upper[idx])
    return {"median_years": km.median, "median_years_low": float(lo), "median_years_high": float(hi),
            "promoted_by": 1.0 - s, "promoted_by_low": 1.0 - s_hi,
            "promoted_by_high": 1.0 - s_lo}


def _versus(t1: np.ndarray, e1: np.ndarray, t2: np.ndarray, e2: np.ndarray,
            alpha: float, threshold: float) -> dict[str, float]:
    """Log-rank test of group 1 against group 2, hazard ratio, interval and power."""
    nan = float("nan")
    if t1.size == 0 or t2.size == 0 or (e1.sum() + e2.sum()) == 0:
        return {"ratio": nan, "ratio_low": nan, "ratio_high": nan, "p_value": nan,
                "power": nan}
    test = logrank_test(np.concatenate([t1, t2]), np.concatenate([e1, e2]),
                        np.concatenate([np.zeros(t1.size), np.ones(t2.size)]))
    o1, o2 = float(test.observed[0]), float(test.observed[1])
    x1, x2 = float(test.expected[0]), float(test.expected[1])
    z = float(sps.norm.isf(alpha / 2))
    share = t1.size / (t1.size + t2.size)
    shift = np.sqrt((o1 + o2) * share * (1 - share)) * abs(np.log(threshold))
    power = float(sps.norm.cdf(shift - z) + sps.norm.cdf(-shift - z))
    out = {"p_value": test.pvalue, "power": power}
    if x1 <= 0 or x2 <= 0:
        return out | {"ratio": nan, "ratio_low": nan, "ratio_high": nan}
    if o1 == 0 or o2 == 0:  # the Katz conventions: (0, NaN) or (NaN, +inf)
        return out | ({"ratio": 0.0, "ratio_low": 0.0, "ratio_high": nan} if o1 == 0 else
                      {"ratio": float("inf"), "ratio_low": nan, "ratio_high": float("inf")})
    hr = (o1 / x1) / (o2 / x2)
    se = float(np.sqrt(1 / x1 + 1 / x2))
    return out | {"ratio": hr, "ratio_low": hr * float(np.exp(-z * se)),
                  "ratio_high": hr * float(np.exp(z * se))}


def survival_table(counts: pl.DataFrame, dims: Sequence[str], strata: Sequence[str],
                   reference: str = REFERENCE_OTHERS, horizon: float = 3.0,
                   alpha: float = 0.05, threshold: float = 0.8) -> pl.DataFrame:
    """One row per stratum and group: KM summaries, log-rank against the reference,
    hazard ratio, BH q-value over the table, power and verdict."""
    check_reference(counts, dims, reference)
    layers = counts.select(strata).unique().rows() if strata else [()]
    rows: list[dict[str, object]] = []
    for layer in layers:
        part = counts.filter(*[pl.col(c) == v if v is not None else pl.col(c).is_null()
                               for c, v in zip(strata, layer, strict=True)]) if strata else counts
        groups = sort_frame(part.select(dims).unique(), dims).rows()
        data = {}
        for g in groups:
            sub = part.filter(*[pl.col(c) == v if v is not None else pl.col(c).is_null()
                                for c, v in zip(dims, g, strict=True)])
            data[g] = _arrays(sub)
        overall = float("nan")
        if len(groups) >= 2:
            codes = np.concatenate([np.full(data[g][0].size, i) for i, g in enumerate(groups)])
            overall = logrank_test(np.concatenate([data[g][0] for g in groups]),
                                   np.concatenate([data[g][1] for g in groups]), codes).pvalue
        ref = _pick_reference(data, groups, reference)
        for g in groups:
            t1, e1 = data[g]
            rec: dict[str, object] = dict(zip(strata, layer, strict=True))
            rec |= dict(zip(dims, g, strict=True))
            rec |= {"spells": int(t1.size), "promotions": int(e1.sum()),
                    "censored": int(t1.size - e1.sum()), "person_years": float(t1.sum())}
            rec |= _km_summary(t1, e1, horizon, alpha)
            if ref is None:
                others = [h for h in groups if h != g]
                t2 = np.concatenate([data[h][0] for h in others]) if others else np.zeros(0)
                e2 = np.concatenate([data[h][1] for h in others]) if others else np.zeros(0)
                rec["reference"] = "all others"
            else:
                t2, e2 = data.get(ref, (np.zeros(0), np.zeros(0)))
                rec["reference"] = label(ref) if ref in data else None
            is_ref = ref is not None and g == ref
            rec |= _versus(t1, e1, t2, e2, alpha, threshold) if not is_ref else dict.fromkeys(
                ("ratio", "ratio_low", "ratio_high", "p_value", "power"), float("nan"))
            rec |= {"logrank_p": overall, "is_ref": is_ref}
            rows.append(rec)
    return _finish(rows, dims, strata, horizon, alpha, threshold)


#: The reference key when no group of a layer can be the reference.
NO_REFERENCE: tuple[object, ...] = ("\0none",)


def _pick_reference(data: dict[tuple[object, ...], tuple[np.ndarray, np.ndarray]],
                    groups: list[tuple[object, ...]], reference: str) -> tuple[object, ...] | None:
    """None for "others"; else the reference group by the one rule of
    :func:`parity.core.analytics.compare.choose_reference` ("best": the highest promotion
    rate among groups with at least 30 spells and a promotion, no fallback), or a key
    that names no group of this layer (then nobody is compared)."""
    if reference.lower() == REFERENCE_OTHERS:
        return None
    labels = [label(g) for g in groups]
    try:
        rule = reference_rule(reference, labels)
    except UserInputError:
        return NO_REFERENCE
    events = np.array([[data[g][1].sum() for g in groups]], dtype=np.float64)
    time = np.array([[data[g][0].sum() for g in groups]], dtype=np.float64)
    spells = np.array([[data[g][0].size for g in groups]], dtype=np.float64)
    chosen = choose_reference(events, time, rule, labels, size=spells)
    assert chosen is not None
    return groups[int(chosen[0])] if chosen[0] >= 0 else NO_REFERENCE


def _finish(rows: list[dict[str, object]], dims: Sequence[str], strata: Sequence[str],
            horizon: float, alpha: float, threshold: float) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame(schema={**{c: pl.Utf8 for c in (*strata, *dims)},
                                    "spells": pl.Int64, "promotions": pl.Int64,
                                    "verdict": pl.Utf8})
    frame = pl.DataFrame(rows, nan_to_null=True, strict=False)
    p = frame["p_value"].fill_null(float("nan")).to_numpy().astype(np.float64)
    q = bh_adjust(p)
    hr = frame["ratio"].fill_null(float("nan")).to_numpy().astype(np.float64)
    power = frame["power"].fill_null(float("nan")).to_numpy().astype(np.float64)
    verdict = rate_verdict(hr, q, power, threshold=threshold, q_threshold=alpha)
    verdicts = [None if r else v for r, v in zip(frame["is_ref"], verdict, strict=True)]
    frame = frame.with_columns(
        pl.Series("q_value", q, nan_to_null=True), pl.Series("verdict", verdicts, pl.Utf8),
        pl.lit(horizon).alias("horizon_years"), pl.lit(DIRECTION_TEXT["lower"]).alias("direction"),
    ).drop("is_ref")
    frame = frame.with_columns(pl.col(pl.Float64).fill_nan(None))
    order = [*strata, *dims, "spells", "promotions", "censored", "person_years",
             "median_years", "median_years_low", "median_years_high", "horizon_years", "promoted_by",
             "promoted_by_low", "promoted_by_high", "reference", "ratio", "ratio_low",
             "ratio_high", "p_value", "q_value", "logrank_p", "power", "verdict", "direction"]
    return sort_frame(frame.select(order), [*strata, *dims])


def survival_curves(counts: pl.DataFrame, dims: Sequence[str], strata: Sequence[str],
                    alpha: float = 0.05) -> pl.DataFrame:
    """Kaplan–Meier steps per stratum and group: years, at_risk, promotions, survival
    (share not yet promoted) with its log-log interval."""
    frames: list[pl.DataFrame] = []
    keys = [*strata, *dims]
    for key in counts.select(keys).unique().rows():
        sub = counts.filter(*[pl.col(c) == v if v is not None else pl.col(c).is_null()
                              for c, v in zip(keys, key, strict=True)])
        t, e = _arrays(sub)
        km = kaplan_meier(t, e, alpha)
        steps = pl.DataFrame({"years": km.time, "at_risk": km.n_at_risk.astype(np.int64),
                              "promotions": km.n_events.astype(np.int64),
                              "survival": km.survival, "lower": km.lower, "upper": km.upper},
                             nan_to_null=True)
        frames.append(steps.select(*[pl.lit(v).alias(c) for c, v in zip(keys, key, strict=True)],
                                   pl.all()))
    if not frames:
        return pl.DataFrame(schema={c: pl.Utf8 for c in keys})
    return sort_frame(pl.concat(frames, how="diagonal_relaxed"), [*keys, "years"])
