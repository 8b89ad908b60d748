"""An independent, per-person recomputation of staff-days at risk and career events.

A plain Python loop over each person's snapshots and events, following the rules written in
docs/careers.md, with no SQL and no vectorisation: the oracle the Ibis expression is
checked against.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from parity.core import model

ORDER = {"appointment": 0, "promotion": 1, "reassignment": 2, "separation": 3}
Key = tuple[object, ...]


def _d(value: object) -> date:
    return date.fromisoformat(str(value))


def entity_fields(staff: list[dict[str, object]]) -> dict[str, bool]:
    """Each entity's field flag: at least half of its staff in the field on the latest
    snapshot on which it has staff (docs/dimensions.md)."""
    latest: dict[str, str] = {}
    for r in staff:
        latest[str(r["entity"])] = max(latest.get(str(r["entity"]), ""), str(r["snapshot_date"]))
    seen: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in staff:
        if str(r["snapshot_date"]) == latest[str(r["entity"])]:
            seen[str(r["entity"])][0] += 1
            seen[str(r["entity"])][1] += 1 if r["field"] else 0
    return {e: 2 * f >= n for e, (n, f) in seen.items()}


def recompute(staff: list[dict[str, object]], events: list[dict[str, object]],
              start: date, end: date, keys: tuple[str, ...] = ("person_id", "grade"),
              ) -> tuple[dict[Key, int], dict[tuple[Key, str], int]]:
    """Staff-days and event counts in the period (start, end], by ``keys`` of the state.

    Returns (days by key, events by (key, outcome)) with outcomes named ``promotion``,
    ``reassignment``, ``between_entities``, ``field_change``, ``duty_station``,
    ``separation`` and ``separation:<reason>``.
    """
    snaps = sorted({_d(r["snapshot_date"]) for r in staff})
    n = len(snaps)
    field_of = entity_fields(staff)
    on: dict[tuple[str, int], dict[str, object]] = {
        (str(r["person_id"]), snaps.index(_d(r["snapshot_date"]))): r for r in staff}
    by_person: dict[str, list[dict[str, object]]] = defaultdict(list)
    for e in events:
        by_person[str(e["person_id"])].append(e)
    persons = {p for p, _ in on} | set(by_person)
    days: dict[Key, int] = defaultdict(int)
    counts: dict[tuple[Key, str], int] = defaultdict(int)

    def clip(a: date, b: date) -> int:
        lo, hi = max(a, start), min(b, end)
        return max((hi - lo).days, 0)

    def in_window(d: date) -> bool:
        return start < d <= end

    def key(state: dict[str, object]) -> Key:
        return tuple(state[k] for k in keys)

    def snapshot_state(p: str, row: dict[str, object]) -> dict[str, object]:
        return {"person_id": p, "grade": row["grade"], "entity": row["entity"],
                "field": field_of.get(str(row["entity"])), "nationality": row["nationality"],
                "gender": row["gender"], "appointment_type": row["appointment_type"]}

    for p in sorted(persons):
        evs = by_person.get(p, [])
        separated_on = {_d(e["event_date"]) for e in evs if e["event"] == "separation"}
        for k in range(n - 1):
            s0, s1 = snaps[k], snaps[k + 1]
            here = sorted((e for e in evs if s0 < _d(e["event_date"]) <= s1),
                          key=lambda e: (_d(e["event_date"]), ORDER[str(e["event"])]))
            row, nxt = on.get((p, k)), on.get((p, k + 1))
            base = row or nxt
            opened: tuple[date, dict[str, object]] | None = None
            if row is not None and s0 not in separated_on:
                opened = (s0, snapshot_state(p, row))
            gone = False
            grade = entity = None
            field: bool | None = None
            for e in here:
                d, kind = _d(e["event_date"]), str(e["event"])
                if opened is not None:
                    days[key(opened[1])] += clip(opened[0], d)
                    if in_window(d):
                        _count(counts, key(opened[1]), opened[1], e, field_of)
                    opened = None
                if kind == "separation":
                    gone = True
                    continue
                if kind == "appointment":
                    gone = False
                if e.get("to_grade"):
                    grade = e["to_grade"]
                if e.get("to_entity"):
                    entity = e["to_entity"]
                    field = field_of.get(str(entity))
                if gone:
                    continue
                state = {
                    "person_id": p,
                    "grade": grade or (row or {}).get("grade") or (nxt or {}).get("grade"),
                    "entity": entity or (row or {}).get("entity") or (nxt or {}).get("entity"),
                    "field": field if field is not None else (
                        field_of.get(str(row["entity"])) if row is not None
                        else field_of.get(str(nxt["entity"])) if nxt else None),
                    "nationality": base["nationality"] if base else None,
                    "gender": (row or {}).get("gender") or (nxt or {}).get("gender"),
                    "appointment_type": base["appointment_type"] if base else None,
                }
                opened = (d, state)
            if opened is not None:
                days[key(opened[1])] += clip(opened[0], s1)
            if (row is not None and nxt is not None and row["duty_station"] and
                    nxt["duty_station"] and row["duty_station"] != nxt["duty_station"]
                    and in_window(s1)):
                counts[(key(snapshot_state(p, row)), "duty_station")] += 1
    return dict(days), dict(counts)


def _count(counts: dict[tuple[Key, str], int], k: Key, state: dict[str, object],
           e: dict[str, object], field_of: dict[str, bool]) -> None:
    kind = str(e["event"])
    if kind == "promotion":
        counts[(k, "promotion")] += 1
    elif kind == "reassignment":
        counts[(k, "reassignment")] += 1
        src_entity = e.get("from_entity") or state["entity"]
        if src_entity is not None and e.get("to_entity") and src_entity != e["to_entity"]:
            counts[(k, "between_entities")] += 1
        src_field = field_of.get(str(e["from_entity"])) if e.get("from_entity") else None
        if src_field is None:
            src_field = bool(state["field"]) if state["field"] is not None else None
        dst_field = field_of.get(str(e["to_entity"])) if e.get("to_entity") else None
        if src_field is not None and dst_field is not None and src_field != dst_field:
            counts[(k, "field_change")] += 1
    elif kind == "separation":
        counts[(k, "separation")] += 1
        counts[(k, f"separation:{e['reason']}")] += 1


def promotable(grade: object) -> bool:
    """Grades whose time counts for promotions (everyone but USG)."""
    return grade is not None and grade != "USG" and grade in model.GRADES
