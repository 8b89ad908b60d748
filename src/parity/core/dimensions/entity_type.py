"""The one rule that classes an entity as a field or a non-field entity.

Rule: an entity is a *field* entity when at least half of its staff on the latest
snapshot on which it has staff are in a field operation (``staff.field``); otherwise it is
*non-field*. An entity with no staff in the store is *unknown*.

Why the latest snapshot: the class is an attribute of the entity, the same for every
date, so that one entity is never split between the two classes (a mission that became an
office is reported as what it is now, in the funnel, the career flows and the workforce
alike), and it does not move when older snapshots are loaded. Why half: a headquarters
department with a few staff posted in the field stays non-field, a mission with a few
staff at headquarters stays field; a tie counts as field.

Every analysis classes entities through :func:`entity_type_table` (as an Ibis join) or
:func:`entity_types` (the same, executed, as a dict).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from parity.core.backend import Backend

FIELD, NON_FIELD, UNKNOWN = "field", "non-field", "unknown"
#: Values of the ``entity_type`` dimension, in order.
ENTITY_TYPES: tuple[str, ...] = (FIELD, NON_FIELD, UNKNOWN)


def entity_type_table(staff: ir.Table) -> ir.Table:
    """One row per entity with staff: ``entity`` and ``entity_type`` (field/non-field).

    ``staff`` is the store's staff table (``Backend.table("staff")``).
    """
    per = staff.group_by(entity=staff.entity, snapshot_date=staff.snapshot_date).agg(
        n=staff.count(), in_field=staff["field"].ifelse(1, 0).sum())
    last = per.group_by("entity").agg(latest=per.snapshot_date.max())
    latest = per.join(last, [per.entity == last.entity,
                             per.snapshot_date == last.latest])
    return latest.select(
        entity=latest.entity,
        entity_type=ibis.ifelse(latest.in_field * 2 >= latest.n, FIELD, NON_FIELD))


def entity_types(backend: Backend) -> dict[str, str]:
    """Entity → ``field`` / ``non-field`` (entities without staff are left out: unknown);
    read once per data version (:mod:`parity.core.precompute`)."""
    from parity.core import precompute

    return dict(precompute.memoized(backend, "entity_types", lambda: _entity_types(backend)))


def _entity_types(backend: Backend) -> dict[str, str]:
    frame = Backend.to_polars(entity_type_table(backend.table("staff")))
    return dict(zip(frame["entity"].cast(str).to_list(), frame["entity_type"].to_list(),
                    strict=True))
