"""Staff-years at risk and events against an independent per-person Python loop."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from parity.core.analytics import careers_exposure as ce
from parity.core.backend import Backend
from parity.core.errors import EmptyStoreError, UserInputError
from parity.core.ingest import ingest
from parity.core.store import Store, open_store

from ._data import write_csv
from ._reference import promotable, recompute

Rows = list[dict[str, object]]
#: Outcome names of the engine → the reference's.
NAMES = {
    "promotion": {"promotion": "promotion"},
    "reassignment": {"any": "reassignment", "between_entities": "between_entities",
                     "field_change": "field_change", "duty_station": "duty_station"},
    "separation": {"all": "separation", **{r: f"separation:{r}" for r in (
        "retirement", "resignation", "end_of_appointment", "termination", "death", "other")}},
}


def _engine(store: Store, flow: str, window: ce.Window, keys: tuple[str, ...],
            ) -> tuple[dict[tuple[object, ...], int], dict[tuple[tuple[object, ...], str], int]]:
    frame = ce.flow_counts(Backend.from_store(store), flow, list(keys), window)
    days: dict[tuple[object, ...], int] = {}
    counts: dict[tuple[tuple[object, ...], str], int] = {}
    for r in frame.iter_rows(named=True):
        k = tuple(r[c] for c in keys)
        days[k] = round(r["staff_years"] * ce.DAYS_PER_YEAR)
        if r["count"] and r["outcome"] in NAMES[flow]:
            counts[(k, NAMES[flow][r["outcome"]])] = r["count"]
    return {k: v for k, v in days.items() if v}, counts


KEYS = ("person_id", "grade", "entity", "field")


def _reference(staff: Rows, events: Rows, window: ce.Window, flow: str, keys: tuple[str, ...],
               ) -> tuple[dict[tuple[object, ...], int], dict[tuple[tuple[object, ...], str], int]]:
    days, counts = recompute(staff, events, window.start, window.end, KEYS)
    at = [KEYS.index(k) for k in keys]
    want_days: dict[tuple[object, ...], int] = {}
    want_counts: dict[tuple[tuple[object, ...], str], int] = {}
    for k, v in days.items():
        if flow == "promotion" and not promotable(k[1]):
            continue
        short = tuple(k[i] for i in at)
        want_days[short] = want_days.get(short, 0) + v
    for (k, outcome), v in counts.items():
        if outcome not in NAMES[flow].values() or (flow == "promotion" and not promotable(k[1])):
            continue
        short2 = (tuple(k[i] for i in at), outcome)
        want_counts[short2] = want_counts.get(short2, 0) + v
    return {k: v for k, v in want_days.items() if v}, want_counts


@pytest.mark.parametrize("years", [(None, None), (2021, 2021)])
@pytest.mark.parametrize("flow", ["promotion", "reassignment", "separation"])
def test_matches_per_person_loop(small: dict[int, tuple[Rows, Rows]],
                                 small_stores: dict[int, Store], flow: str,
                                 years: tuple[int | None, int | None]) -> None:
    """Every person's staff-days and events, by grade and by entity, in two periods."""
    for seed, (staff, events) in small.items():
        store = small_stores[seed]
        window = ce.resolve_window(ce.snapshot_dates(Backend.from_store(store)), *years)
        got_days, got_counts = _engine(store, flow, window, KEYS)
        for keys in (("person_id", "grade"), ("person_id", "entity", "field")):
            at = [KEYS.index(k) for k in keys]
            days: dict[tuple[object, ...], int] = {}
            counts: dict[tuple[tuple[object, ...], str], int] = {}
            for k, v in got_days.items():
                days[tuple(k[i] for i in at)] = days.get(tuple(k[i] for i in at), 0) + v
            for (k, o), v in got_counts.items():
                counts[(tuple(k[i] for i in at), o)] = counts.get((tuple(k[i] for i in at), o), 0) + v
            want_days, want_counts = _reference(staff, events, window, flow, keys)
            assert {k: v for k, v in days.items() if v} == want_days, f"seed {seed} {keys}"
            assert counts == want_counts, f"seed {seed} {keys}"


def test_total_is_the_sum_of_groups(small_stores: dict[int, Store]) -> None:
    backend = Backend.from_store(small_stores[0])
    window = ce.resolve_window(ce.snapshot_dates(backend), None, None)
    total = ce.flow_counts(backend, "separation", ["regional_group"], window)
    by_person = ce.flow_counts(backend, "separation", ["person_id"], window)
    for outcome in ("all", "retirement", "non_retirement"):
        a = total.filter(total["outcome"] == outcome)
        b = by_person.filter(by_person["outcome"] == outcome)
        assert a["count"].sum() == b["count"].sum()
        assert a["staff_years"].sum() == pytest.approx(b["staff_years"].sum())
    assert (total.filter(total["outcome"] == "all")["count"].sum()
            == total.filter(total["outcome"] == "retirement")["count"].sum()
            + total.filter(total["outcome"] == "non_retirement")["count"].sum())


def _store(tmp_path: Path, staff: Rows, events: Rows) -> Store:
    files = [write_csv(tmp_path / "staff.csv", "staff", staff),
             write_csv(tmp_path / "events.csv", "events", events)]
    store = open_store(tmp_path / "p.duckdb")
    assert ingest(files, store).rows_quarantined == 0
    return store


def _row(pid: str, day: str, grade: str = "P-3", **kw: object) -> dict[str, object]:
    return {"snapshot_date": day, "person_id": pid, "nationality": "KEN", "gender": "F",
            "birth_year": 1980, "category": "P", "grade": grade, "entity": "HQA",
            "duty_station": "New York", "field": False, "appointment_type": "fixed-term",
            "geo_subject": True, **kw}


def test_worked_example(tmp_path: Path) -> None:
    """One person, by hand: promoted mid-2021, separated on the 2022 snapshot date."""
    staff = [_row("A", "2020-12-31"), _row("A", "2021-12-31", "P-4"),
             _row("A", "2022-12-31", "P-4"),  # on the snapshot of the day they left
             _row("B", "2020-12-31"), _row("B", "2022-12-31")]  # B missing from 2021
    events = [{"person_id": "A", "event_date": "2021-07-01", "event": "promotion",
               "from_grade": "P-3", "to_grade": "P-4"},
              {"person_id": "A", "event_date": "2022-12-31", "event": "separation",
               "from_grade": "P-4", "reason": "resignation"}]
    with _store(tmp_path, staff, events) as store:
        backend = Backend.from_store(store)
        window = ce.resolve_window(ce.snapshot_dates(backend), None, None)
        assert (window.start, window.end) == (date(2020, 12, 31), date(2022, 12, 31))
        promo = ce.flow_counts(backend, "promotion", ["person_id", "grade"], window)
        got = {(r["person_id"], r["grade"]): (r["count"], round(r["staff_years"] * 365.25))
               for r in promo.iter_rows(named=True)}
        # A: 182 days at P-3 ending in the promotion, then 548 days at P-4 to the separation.
        # B: one year at P-3, then missing from 2021-12-31 (no time until back on 2022-12-31).
        assert got == {("A", "P-3"): (1, 182), ("A", "P-4"): (0, 548), ("B", "P-3"): (0, 365)}
        sep = ce.flow_counts(backend, "separation", ["person_id"], window)
        a = sep.filter((sep["person_id"] == "A") & (sep["outcome"] == "resignation"))
        assert a["count"].to_list() == [1]


def test_period_errors(small_stores: dict[int, Store]) -> None:
    dates = ce.snapshot_dates(Backend.from_store(small_stores[0]))
    with pytest.raises(UserInputError, match="after --to"):
        ce.resolve_window(dates, 2022, 2020)
    with pytest.raises(UserInputError, match="leaves no time"):
        ce.resolve_window(dates, 2030, 2031)
    with pytest.raises(EmptyStoreError, match="at least two staff snapshots"):
        ce.resolve_window(dates[:1], None, None)
    with pytest.raises(UserInputError, match="not a dimension"):
        ce.dimension_names(["colour"])
