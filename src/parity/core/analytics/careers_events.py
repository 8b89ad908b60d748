"""Building blocks of the career-flow counts: slots, snapshot rows, ordered events.

See :mod:`parity.core.analytics.careers_exposure` for how they combine. Snapshot dates are
few, so a date's slot is a CASE over them and a slot's date an array lookup; only the
events are ordered (window functions partitioned by person and slot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir

from parity.core.backend import Backend
from parity.core.dimensions import FIELD, entity_type_table
from parity.core.dimensions.age import age_expr

#: Order of events on one date.
ORD_APPOINTMENT, ORD_PROMOTION, ORD_REASSIGNMENT, ORD_SEPARATION = range(4)


def slot_of(day: ir.DateValue, snapshots: Sequence[date]) -> ir.IntegerValue:
    """Index k of the first snapshot on or after ``day`` (len(snapshots) past the last).

    For a snapshot date this is its own index; an event dated d lies in slot k − 1.
    """
    cases = [(day <= ibis.literal(s), i) for i, s in enumerate(snapshots)]
    return ibis.cases(*cases, else_=len(snapshots)).cast("int32")


def date_at(k: ir.IntegerValue, snapshots: Sequence[date]) -> ir.DateValue:
    """The snapshot date of index ``k`` (null outside the list or when ``k`` is null).

    A null index is replaced by one past the end: DuckDB returns null for either, but
    DataFusion can fail on a null index ("array_element got invalid index").
    """
    return ibis.array([ibis.literal(s) for s in snapshots])[k.fill_null(len(snapshots))]


def entity_field(staff: ir.Table) -> ir.Table:
    """Each entity's field flag (``ent``, ``fld``), by the one field-entity rule."""
    types = entity_type_table(staff)
    return types.select(ent=types.entity, fld=types.entity_type == FIELD)


@dataclass(frozen=True)
class Sources:
    """The store tables one flow reads, through its :class:`Backend` (which looks each
    table up once)."""

    backend: Backend

    @classmethod
    def of(cls, source: Backend | Sources) -> Sources:
        """The tables of a backend (a Sources is returned as it is)."""
        return source if isinstance(source, Sources) else cls(source)

    @property
    def staff(self) -> ir.Table:
        return self.backend.table("staff")

    @property
    def events(self) -> ir.Table:
        return self.backend.table("events")

    @property
    def grades(self) -> ir.Table:
        return self.backend.table("ref_grades")

    @property
    def regions(self) -> ir.Table:
        return self.backend.table("ref_country_regions")


#: Snapshot columns :func:`snapshot_rows` can carry, by name → staff column.
SNAPSHOT_COLUMNS: dict[str, str] = {
    "nationality": "nationality", "gender": "gender", "grade": "grade", "entity": "entity",
    "field": "field", "appointment": "appointment_type", "station": "duty_station",
    "organization": "organization",
    "age": "birth_year",
}
#: What an event can bring to the segment it ends.
ENDING_COLUMNS: tuple[str, ...] = ("reason", "from_entity", "to_entity", "from_field",
                                   "to_field")


def snapshot_rows(src: Sources, snapshots: Sequence[date], prefix: str, shift: int = 0,
                  columns: Sequence[str] = tuple(SNAPSHOT_COLUMNS)) -> ir.Table:
    """Staff rows keyed by person and slot (slot = snapshot index − ``shift``), with the
    snapshot's date (``date``), the next snapshot's (``next``, null on the last) and the
    ``columns`` asked for (names of :data:`SNAPSHOT_COLUMNS`), all prefixed."""
    s = src.staff
    k = slot_of(s.snapshot_date, snapshots)
    values: dict[str, ir.Value] = {"person": s.person_id, "slot": k - shift}
    if shift == 0:
        values |= {"date": s.snapshot_date, "next": date_at(k + 1, snapshots)}
    for name in columns:
        if name == "age":  # the age on the snapshot (one rule: parity.core.dimensions.age)
            values[name] = age_expr(s.snapshot_date, s.birth_year)
            continue
        col = s[SNAPSHOT_COLUMNS[name]]
        values[name] = col if name in ("entity", "field", "station") else col.cast("string")
    return s.select(**{prefix + k_: v for k_, v in values.items()})


def event_rows(src: Sources, snapshots: Sequence[date], carry: Sequence[str] = ENDING_COLUMNS,
               entity_state: bool = True) -> ir.Table:
    """Events inside the snapshots' coverage, with slot, order and the states they set.

    ``slot_end`` is the snapshot date closing the slot. Window columns over (person, slot),
    ordered by (date, order): ``rn`` (0 for the first event of the slot), ``nx_date``,
    ``nx_ord`` and ``nx_<c>`` for each ``carry`` column (the next event of the slot), the
    grade (``ev_grade``) and, with ``entity_state``, the entity and its field flag
    (``ev_entity``, ``ev_field``) in force after the event (null until an event of the slot
    sets them), and ``valid`` (false after a separation until the next appointment).
    """
    e = src.events
    needs_field = entity_state or "from_field" in carry or "to_field" in carry
    if needs_field:
        ef = entity_field(src.staff)
        to_f = ef.select(to_ent=ef.ent, to_fld=ef.fld)
        from_f = ef.select(from_ent=ef.ent, from_fld=ef.fld)
        j = e.left_join(to_f, e.to_entity == to_f.to_ent)
        j = j.left_join(from_f, j.from_entity == from_f.from_ent)
    else:
        j = e
    kind = j.event.cast("string")
    is_sep = kind == "separation"
    values: dict[str, ir.Value] = {
        "person": j.person_id, "date": j.event_date, "slot": slot_of(j.event_date, snapshots) - 1,
        "ord": ibis.cases((kind == "appointment", ORD_APPOINTMENT),
                          (kind == "promotion", ORD_PROMOTION),
                          (kind == "reassignment", ORD_REASSIGNMENT),
                          else_=ORD_SEPARATION).cast("int8"),
        "set_grade": ibis.ifelse(is_sep, ibis.null("string"), j.to_grade.cast("string")),
    }
    if entity_state:
        values["set_entity"] = ibis.ifelse(is_sep, ibis.null("string"), j.to_entity)
        values["set_field"] = ibis.cases((j.to_fld, "1"), (~j.to_fld, "0"), else_="?")
    sources = {"reason": j.reason.cast("string"), "from_entity": j.from_entity,
               "to_entity": j.to_entity}
    if needs_field:
        sources |= {"from_field": j.from_fld, "to_field": j.to_fld}
    values |= {c: sources[c] for c in carry}
    ev = j.select(**values)
    ev = ev.filter((ev.slot >= 0) & (ev.slot <= len(snapshots) - 2))
    order = [ev.date, ev.ord]
    seq = ibis.window(group_by=[ev.person, ev.slot], order_by=order)
    cum = ibis.window(group_by=[ev.person, ev.slot], order_by=order, preceding=None, following=0)
    # Forward fill within the slot in the same window: the running maximum of
    # "<date><order><value>" is the latest value set so far (the prefix sorts like the rows).
    prefix = ev.date.cast("string") + ev.ord.cast("string")

    def latest(value: ir.StringValue) -> ir.StringValue:
        return ibis.ifelse(value.notnull(), prefix + value, ibis.null("string")).max().over(
            cum).substr(11)

    windows: dict[str, ir.Value] = {
        "slot_end": date_at(ev.slot + 1, snapshots),
        "rn": ibis.row_number().over(seq),
        "ev_grade": latest(ev.set_grade),
        "ev_status": latest(ibis.ifelse(ev.ord.isin([ORD_APPOINTMENT, ORD_SEPARATION]),
                                        ev.ord.cast("string"), ibis.null("string"))),
        "nx_date": ev.date.lead().over(seq), "nx_ord": ev.ord.lead().over(seq),
        **{f"nx_{c}": ev[c].lead().over(seq) for c in carry},
    }
    if entity_state:
        windows["ev_entity"] = latest(ibis.ifelse(ev.set_entity.notnull(),
                                                  ev.set_field + ev.set_entity,
                                                  ibis.null("string")))
    ev = ev.mutate(**windows)
    out: dict[str, ir.Value] = {"valid": ev.ev_status.fill_null("") != str(ORD_SEPARATION)}
    if entity_state:
        code = ev.ev_entity.substr(0, 1)
        out |= {"ev_entity": ev.ev_entity.substr(1),
                "ev_field": ibis.cases((code == "1", True), (code == "0", False),
                                       else_=ibis.null("boolean"))}
    return ev.mutate(**out)
