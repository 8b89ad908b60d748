"""Staff-years at risk and career events, counted from snapshots and events in one pass.

The yearly snapshots cut time into *slots* (s_k, s_k+1]. An event dated d belongs to the
slot with s_k < d ≤ s_k+1 (a year-end snapshot shows the state after that day's events); on
one date, events are ordered appointment < promotion < reassignment < separation. In each
slot a person contributes *segments* of time, each in one state:

* if the person is on snapshot s_k (and did not separate on that very date), a segment opens
  at s_k in the state the snapshot records;
* every appointment, promotion or reassignment in the slot opens a segment in the state after
  the event: grade ``to_grade``, entity ``to_entity`` (the entity's field flag being its
  majority value on the snapshots), every other attribute from snapshot s_k, or from s_k+1
  for someone not yet on s_k (a recruit); events after a separation open nothing until the
  next appointment in the slot.

A segment ends at the person's next event in the slot, which it *ends with*, or at s_k+1.
So an event is attributed to the state just before it (a promotion to the grade below), the
time at risk stops at a separation, and nobody contributes time beyond the next snapshot
unless they are on it: someone missing from a snapshot without a separation event stops
there, and nobody is at risk after the last snapshot or before the first. Staff-years are
the segments' days / 365.25 within the period (start, end]; an event counts when its date is
in the period. A duty-station move is seen only on the snapshots: a person on s_k and s_k+1
with different duty stations moved once in the slot, attributed to the state on s_k.

This is the counting-process (start, stop, event) layout of survival analysis: numerator and
denominator come from the same segments. It is computed without sorting the snapshots, which
are most of the rows: every snapshot row first contributes its whole slot (a scan and a
grouped sum); the person-slots with events (a few per cent) then subtract the time after
their first event, which the first event ends, and add the segments the events open. Only
the events are ordered with window functions. Each flow is one Ibis expression.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import polars as pl

from parity.core.analytics.careers_events import (
    ENDING_COLUMNS,
    ORD_PROMOTION,
    ORD_REASSIGNMENT,
    ORD_SEPARATION,
    Sources,
    entity_field,
    event_rows,
    slot_of,
    snapshot_rows,
)
from parity.core.backend import Backend
from parity.core.dimensions import UNKNOWN, entity_type_table, registry
from parity.core.dimensions.age import age_band_expr
from parity.core.errors import EmptyStoreError, UserInputError

#: Dimensions a career flow can be broken down (or stratified) by (from the registry).
DIMENSIONS: dict[str, str] = {n: registry.DIMENSIONS[n].description
                              for n in registry.COMMANDS["careers"]}
#: Dimensions of the roster flow (applications know no appointment type; entity_type is
#: the class of the opening's entity).
ROSTER_DIMENSIONS: tuple[str, ...] = registry.COMMANDS["careers --flow roster"]
SCOPES: dict[str, str] = {
    "all": "All staff (all applications, for the roster flow).",
    "professional": "Professional and higher categories (P, D, ASG/USG) at risk "
                    "(openings at those grades, for the roster flow).",
}
DAYS_PER_YEAR = 365.25
#: Grades from which nobody can be promoted (left out of promotion staff-years).
TOP_GRADES: tuple[str, ...] = ("USG",)
#: Outcomes of each rate flow.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "promotion": ("promotion",),
    "reassignment": ("any", "between_entities", "field_change", "duty_station"),
    "separation": ("all", "retirement", "non_retirement", "resignation", "end_of_appointment",
                   "termination", "death", "other"),
}


@dataclass(frozen=True)
class Window:
    """The observation period (start, end] and the snapshot dates of the store."""

    start: date
    end: date
    snapshots: tuple[date, ...]


def dimension_names(by: Sequence[str], command: str = "careers") -> list[str]:
    """Canonical names of ``by`` (aliases resolved); a UserInputError for unknown ones.

    ``command``: ``careers`` or ``careers --flow roster`` (see the registry's COMMANDS).
    """
    return registry.resolve(by, command, split=False)


def check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise UserInputError(f"'{scope}' is not a scope of career flows.",
                             f"Use one of: {', '.join(SCOPES)}.")


def snapshot_dates(source: Backend | Sources) -> list[date]:
    """Every snapshot date in the store, oldest first."""
    staff = Sources.of(source).staff
    frame = Backend.to_polars(staff.select("snapshot_date").distinct())
    return sorted(frame["snapshot_date"].to_list())


def resolve_window(snapshots: Sequence[date], year_from: int | None,
                   year_to: int | None) -> Window:
    """The period (start, end]: the years asked for, within the snapshots' coverage."""
    if len(snapshots) < 2:
        raise EmptyStoreError(
            "Career flows need at least two staff snapshots; the store has "
            f"{len(snapshots)}.",
            "Load staff.csv with yearly snapshots, and events.csv, with 'parity ingest'.",
        )
    if year_from is not None and year_to is not None and year_from > year_to:
        raise UserInputError(f"--from {year_from} is after --to {year_to}.",
                             "Give the earlier year with --from.")
    first, last = snapshots[0], snapshots[-1]
    start = first if year_from is None else max(first, date(year_from - 1, 12, 31))
    end = last if year_to is None else min(last, date(year_to, 12, 31))
    if start >= end:
        raise UserInputError(
            f"The staff snapshots cover {first} to {last}, which leaves no time in "
            f"{year_from or first.year}–{year_to or last.year} to observe.",
            f"Choose years between {first.year + 1} and {last.year}.",
        )
    return Window(start, end, tuple(snapshots))


# ---------------------------------------------------------------------------- contributions

#: The month (YYYY-MM) of an event, and of the staff-days split by month.
EVENT_MONTH = "event_month"
_STATE = ("person_id", "nationality", "gender", "grade", "entity", "field", "appointment_type")
#: Names of the snapshot columns of the state (careers_events.SNAPSHOT_COLUMNS).
_SNAPSHOT_NAME = {"appointment_type": "appointment"}
#: What an ending event brings along (null when the segment ends at a snapshot or the event
#: lies outside the period).
_ENDING = {"ends": "int8", "reason": "string", "from_entity": "string", "to_entity": "string",
           "from_field": "boolean", "to_field": "boolean"}


def outcome_flags(t: ir.Table, flow: str) -> dict[str, ir.BooleanValue]:
    """The outcome flags of ``flow`` over :func:`contributions` columns."""
    ends = t.ends
    if flow == "promotion":
        return {"promotion": (ends == ORD_PROMOTION).fill_null(False)}
    cols = t.columns
    if flow == "reassignment":
        moved = (ends == ORD_REASSIGNMENT).fill_null(False)
        return {
            "any": moved,
            "between_entities": moved & (ibis.coalesce(t.from_entity, t.entity) != t.to_entity)
            .fill_null(False),
            "field_change": moved & (ibis.coalesce(t.from_field, t["field"]) != t.to_field)
            .fill_null(False),
            "duty_station": t.station_move,
        }
    separated = (ends == ORD_SEPARATION).fill_null(False)
    why = t.reason.fill_null("") if "reason" in cols else ibis.literal("")
    flags = {"all": separated, "retirement": separated & (why == "retirement"),
             "non_retirement": separated & (why != "retirement")}
    for r in OUTCOMES["separation"][3:]:
        flags[r] = separated & (why == r)
    return flags


def _entity_class(rows: ir.Table, src: Sources, prefix: str) -> ir.Table:
    """Snapshot rows whose ``field`` is their entity's class (the one field-entity rule),
    not the staff member's own flag, so that every segment is classed as the events are."""
    if prefix + "field" not in rows.columns or prefix + "entity" not in rows.columns:
        return rows
    ef = entity_field(src.staff)
    j = rows.left_join(ef, rows[prefix + "entity"] == ef.ent)
    return j.select(*[rows[c] for c in rows.columns if c != prefix + "field"],
                    **{prefix + "field": ef.fld})


def contributions(src: Sources, window: Window, flow: str,
                  state: Sequence[str] = _STATE) -> ir.Table:
    """Signed staff-days, with the state and the ending event (see the module docstring).

    Columns: the ``state`` columns (any of person_id, nationality, gender, grade, entity,
    field, appointment_type; ``event_month`` is the month of the ending event when it
    counts, null otherwise), ``days`` (negative for the corrections), the ending event in
    the period (``ends``: its order, null for none or outside the period, and what
    :func:`outcome_flags` needs of ``reason``, ``from_entity``, ``to_entity``,
    ``from_field``, ``to_field``) and
    ``station_move``. Summed by state columns, they give the staff-days and events of the
    segments.
    """
    snaps = window.snapshots
    last_slot = len(snaps) - 2
    w0, w1 = ibis.literal(window.start), ibis.literal(window.end)
    moves = flow == "reassignment"
    dated = EVENT_MONTH in state
    state = [c for c in state if c != EVENT_MONTH]
    need = list(dict.fromkeys([*state, "entity", "field"])) if moves else list(state)
    carry = {"promotion": (), "separation": ("reason",)}.get(flow, ENDING_COLUMNS[1:])
    ending_types = {"ends": "int8", **{c: _ENDING[c] for c in carry},
                    **({EVENT_MONTH: "string"} if dated else {})}
    columns = [_SNAPSHOT_NAME.get(c, c) for c in need if c != "person_id"]
    stations = ["station"] if moves else []
    cur = _entity_class(snapshot_rows(src, snaps, "c_", columns=columns + stations), src,
                        "c_").view()
    nxt = _entity_class(snapshot_rows(src, snaps, "n_", shift=1, columns=columns + stations),
                        src, "n_").view()
    ev = event_rows(src, snaps, carry, entity_state="entity" in need or "field" in need)

    def clip(a: ir.DateValue, b: ir.DateValue) -> ir.IntegerValue:
        lo, hi = ibis.greatest(a, w0), ibis.least(b, w1)
        return ibis.ifelse(hi > lo, hi.delta(lo, unit="day"), 0).cast("int64")

    def row(t: ir.Table, values: dict[str, ir.Value], span: tuple[ir.DateValue, ir.DateValue],
            sign: int, when: ir.DateValue | None = None,
            ending: dict[str, ir.Value] | None = None,
            move: ir.BooleanValue | None = None) -> ir.Table:
        days = clip(*span) if sign > 0 else -clip(*span)
        # dated: the segment's span and sign, to split its days by month
        spans = {"span_from": span[0], "span_to": span[1],
                 "sign": ibis.literal(sign, "int8")} if dated else {}
        if when is None or ending is None:
            end_values = {k: ibis.null(v) for k, v in ending_types.items()}
        else:  # an event outside the period ends its segment but does not count
            end_values = dict(ending)
            inside = (when > w0) & (when <= w1)
            end_values["ends"] = ibis.ifelse(inside, ending["ends"], ibis.null("int8"))
            if dated:  # the month of the ending event, when it counts
                end_values[EVENT_MONTH] = ibis.ifelse(inside & ending["ends"].notnull(),
                                                      when.strftime("%Y-%m"),
                                                      ibis.null("string"))
        return t.select(**{k: values[k] for k in need}, days=days, **end_values, **spans,
                        station_move=ibis.literal(False) if move is None else move)

    def snap_state(t: ir.Table, p: str = "c_") -> dict[str, ir.Value]:
        return {c: t[p + ("person" if c == "person_id" else _SNAPSHOT_NAME.get(c, c))]
                for c in need}

    # A: every snapshot row contributes its whole slot (duty-station moves seen on s_k+1).
    a = cur.filter(cur.c_slot <= last_slot)
    move = None
    if moves:
        a = a.left_join(nxt, [a.c_person == nxt.n_person, a.c_slot == nxt.n_slot])
        move = (a.c_next > w0) & (a.c_next <= w1) & (a.n_station != a.c_station).fill_null(False)
    term_a = row(a, snap_state(a), (a.c_date, a.c_next), 1, move=move)

    # Someone on s_k who separated that very day opens no segment at s_k.
    raw = src.events
    ghost = raw.filter((raw.event.cast("string") == "separation")
                       & raw.event_date.isin([ibis.literal(d) for d in snaps]))
    ghost = ghost.select(g_person=ghost.person_id,
                         g_slot=slot_of(ghost.event_date, snaps)).distinct().view()

    # B: the first event of a slot ends the snapshot's segment: take back the time after it.
    first = ev.filter(ev.rn == 0).view()
    b = first.join(cur, [first.person == cur.c_person, first.slot == cur.c_slot])
    b = b.anti_join(ghost, [b.person == ghost.g_person, b.slot == ghost.g_slot])
    term_b = row(b, snap_state(b), (b.date, b.slot_end), -1, b.date,
                 {"ends": b.ord, **{c: b[c] for c in carry}})

    # B': the ghost's whole slot, taken back.
    gb = ghost.join(cur, [ghost.g_person == cur.c_person, ghost.g_slot == cur.c_slot])
    gb = gb.filter(gb.c_slot <= last_slot)
    term_g = row(gb, snap_state(gb), (gb.c_date, gb.c_next), -1)

    # C: each appointment, promotion or reassignment opens a segment to the next event.
    e = ev.filter((ev.ord != ORD_SEPARATION) & ev.valid)
    c = e.left_join(cur, [e.person == cur.c_person, e.slot == cur.c_slot])
    c = c.left_join(nxt, [c.person == nxt.n_person, c.slot == nxt.n_slot])
    from_events = {"grade": c.ev_grade, "entity": c.ev_entity if "entity" in need else None,
                   "field": c.ev_field if "field" in need else None}
    values: dict[str, ir.Value] = {"person_id": c.person}
    for name in need:
        if name == "person_id":
            continue
        col = _SNAPSHOT_NAME.get(name, name)
        candidates = [v for v in (from_events.get(name), c["c_" + col], c["n_" + col])
                      if v is not None]
        values[name] = ibis.coalesce(*candidates)
    term_c = row(c, values, (c.date, ibis.coalesce(c.nx_date, c.slot_end)), 1, c.nx_date,
                 {"ends": c.nx_ord, **{k: c[f"nx_{k}"] for k in carry}})
    return ibis.union(term_a, term_b, term_g, term_c, distinct=False)


# ---------------------------------------------------------------------------- counts

#: The raw segment column each dimension is derived from.
_BASE: dict[str, str] = {"regional_group": "nationality", "level_band": "grade",
                         "category": "grade", "entity_type": "entity", "age_band": "age"}


def base_columns(keys: Sequence[str]) -> list[str]:
    """The raw state columns ``keys`` derive from, grade always included."""
    return list(dict.fromkeys(["grade", *(_BASE.get(k, k) for k in keys)]))


def by_dimensions(pre: ir.Table, src: Sources, keys: Sequence[str], scope: str,
                  promotion: bool, values: Sequence[str]) -> ir.Table:
    """Counts by raw state columns → the same by ``keys``, with the scope applied.

    ``pre`` holds :func:`base_columns` and the count columns ``values``; it is small (one row
    per combination of raw values), so the reference joins cost nothing. ``promotion``
    leaves out the grades nobody is promoted from.
    """
    g, r = src.grades, src.regions
    if "nationality" in pre.columns:
        j = pre.left_join(g, pre.grade == g.grade).left_join(r, pre.nationality == r.iso3)
        group = r.regional_group
    else:
        j = pre.left_join(g, pre.grade == g.grade)
        group = ibis.null("string")
    derived = {"regional_group": group, "level_band": ibis.coalesce(g.level_band, g.category),
               "category": g.category}
    if "age_band" in keys:
        derived["age_band"] = age_band_expr(pre.age)
    if "entity_type" in keys:  # the one field-entity rule, on the segment's entity
        types = entity_type_table(src.staff)
        types = types.select(t_entity=types.entity, t_type=types.entity_type)
        j = j.left_join(types, pre.entity == types.t_entity)
        derived["entity_type"] = j.t_type.fill_null(UNKNOWN)
    view = j.select(
        **{k: derived[k] if k in _BASE else pre[k] for k in keys},
        professional=g.professional_and_higher.fill_null(False), grade_at_risk=pre.grade,
        **{v: pre[v] for v in values},
    )
    if scope == "professional":
        view = view.filter(view.professional)
    if promotion:
        view = view.filter(view.grade_at_risk.notnull()
                           & ~view.grade_at_risk.isin(list(TOP_GRADES)))
    return view.group_by(list(keys)).agg(**{v: view[v].sum() for v in values})


def flow_expression(source: Backend | Sources, flow: str, keys: Sequence[str], window: Window,
                    scope: str = "all") -> ir.Table:
    """Events of every outcome and staff-days at risk by ``keys``: one expression.

    The contributions are first summed by the raw columns the keys derive from
    (nationality, grade, ...), then by ``keys`` (:func:`by_dimensions`). With
    ``event_month``, events count in their month and staff-days in the months they were
    spent in (:func:`_by_month`).
    """
    if flow not in OUTCOMES:
        raise UserInputError(f"'{flow}' is not a rate flow.",
                             f"Use one of: {', '.join(OUTCOMES)}.")
    check_scope(scope)
    src = Sources.of(source)
    base = base_columns(keys)
    seg = contributions(src, window, flow, base)
    flags = outcome_flags(seg, flow)
    outcomes = [f"n_{o}" for o in OUTCOMES[flow]]
    if EVENT_MONTH in base:
        pre = _by_month(seg, flags, base, window)
    else:
        pre = seg.group_by(base).agg(staff_days=seg.days.sum(),
                                     **{f"n_{o}": f.ifelse(1, 0).sum() for o, f in flags.items()})
    return by_dimensions(pre, src, keys, scope, flow == "promotion", ["staff_days", *outcomes])


def months_of(window: Window) -> list[tuple[str, date, date]]:
    """Each month (YYYY-MM) the period (start, end] touches, as (label, day before its
    first day, its last day): the month holds the days d with from < d ≤ to."""
    out: list[tuple[str, date, date]] = []
    first = (window.start + timedelta(days=1)).replace(day=1)
    while first <= window.end:
        nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        out.append((f"{first:%Y-%m}", first - timedelta(days=1), nxt - timedelta(days=1)))
        first = nxt
    return out


def _by_month(seg: ir.Table, flags: dict[str, ir.BooleanValue], base: Sequence[str],
              window: Window) -> ir.Table:
    """Events by the month they took effect and staff-days by the month they were spent in,
    by the raw state columns: each segment's signed days are split over the months its
    span (from, to] overlaps, within the period."""
    stem = [c for c in base if c != EVENT_MONTH]
    names = [f"n_{o}" for o in flags]
    flagged = seg.mutate(**{f"n_{o}": f.ifelse(1, 0) for o, f in flags.items()})
    events = flagged.filter(flagged[EVENT_MONTH].notnull()).select(
        *stem, flagged[EVENT_MONTH], staff_days=ibis.literal(0, "int64"),
        **{n: flagged[n].cast("int64") for n in names})
    rows = months_of(window)
    months = ibis.memtable({"m_label": [r[0] for r in rows], "m_from": [r[1] for r in rows],
                            "m_to": [r[2] for r in rows]})
    j = seg.join(months, (seg.span_from < months.m_to) & (seg.span_to > months.m_from))
    lo = ibis.greatest(j.span_from, ibis.literal(window.start), j.m_from)
    hi = ibis.least(j.span_to, ibis.literal(window.end), j.m_to)
    days = ibis.ifelse(hi > lo, hi.delta(lo, unit="day"), 0).cast("int64") * j.sign
    time = j.select(*stem, **{EVENT_MONTH: j.m_label}, staff_days=days.cast("int64"),
                    **{n: ibis.literal(0, "int64") for n in names})
    both = ibis.union(events, time, distinct=False)
    return both.group_by(list(base)).agg(staff_days=both.staff_days.sum(),
                                         **{n: both[n].sum() for n in names})


def event_outcomes(flow: str) -> tuple[str, ...]:
    """The outcomes of ``flow`` that have a date (all but duty-station moves)."""
    return tuple(o for o in OUTCOMES[flow] if o != "duty_station")


def flow_counts(source: Backend | Sources, flow: str, keys: Sequence[str], window: Window,
                scope: str = "all") -> pl.DataFrame:
    """Tidy count table: ``keys``, outcome, count, staff_years (one row per outcome).

    With ``event_month`` among the keys, the events by the month they took effect and the
    staff-years by the month they were spent in; duty-station moves (seen only between two
    snapshots, undated) are left out.
    """
    wide = Backend.to_polars(flow_expression(source, flow, keys, window, scope))
    outcomes = event_outcomes(flow) if EVENT_MONTH in keys else OUTCOMES[flow]
    if wide.height == 0:
        schema = {k: pl.Utf8 for k in keys} | {"outcome": pl.Utf8, "count": pl.Int64,
                                               "staff_years": pl.Float64}
        return pl.DataFrame(schema=schema)
    long = wide.unpivot(index=[*keys, "staff_days"], on=[f"n_{o}" for o in outcomes],
                        variable_name="outcome", value_name="count")
    return long.select(
        *keys,
        pl.col("outcome").str.strip_prefix("n_"),
        pl.col("count").cast(pl.Int64),
        (pl.col("staff_days").cast(pl.Float64) / DAYS_PER_YEAR).alias("staff_years"),
    )
