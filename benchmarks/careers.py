"""Benchmark of ``parity careers`` against a straightforward pandas implementation.

For each flow, times :func:`parity.core.analytics.careers.careers` (count once in DuckDB via
Ibis, statistics from the count table) and, in the same run, a baseline that reads the
staff snapshots and events into pandas and computes the same counts with the usual
sort / groupby-shift / merge idioms, then the same statistics. The two count tables must be
identical; the script fails otherwise. Roster and survival timings are reported alone.

    .venv/bin/python benchmarks/careers.py --scale 1            # synthesize, ingest, time
    .venv/bin/python benchmarks/careers.py --db demo/parity.duckdb   # an existing store

Median of ``--repeat`` runs (after one warm-up) per flow.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import polars as pl

from parity.core.analytics import careers_exposure as ce
from parity.core.analytics.careers import careers, careers_survival
from parity.core.analytics.careers_compare import compare
from parity.core.backend import Backend
from parity.core.store import Store, open_store

FLOWS = ("promotion", "reassignment", "separation")
T = TypeVar("T")
ORD = {"appointment": 0, "promotion": 1, "reassignment": 2, "separation": 3}


def _median_time(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def pandas_counts(store: Store, flow: str, year_from: int, year_to: int) -> pd.DataFrame:
    """The baseline: regional group × grade counts of ``flow`` with pandas idioms."""
    con = store.cursor()
    staff = con.sql("SELECT person_id, snapshot_date, nationality::VARCHAR AS nationality, "
                    "grade::VARCHAR AS grade, entity, field, duty_station FROM staff").df()
    events = con.sql("SELECT person_id, event_date, event::VARCHAR AS event, "
                     "to_grade::VARCHAR AS to_grade, from_entity, to_entity, "
                     "reason::VARCHAR AS reason FROM events").df()
    groups = con.sql("SELECT iso3, regional_group FROM ref_country_regions").df()
    snaps = np.sort(staff["snapshot_date"].unique())
    n = len(snaps)
    w0 = max(snaps[0], np.datetime64(f"{year_from - 1}-12-31"))
    w1 = min(snaps[-1], np.datetime64(f"{year_to}-12-31"))
    field_of = staff.groupby("entity")["field"].mean() >= 0.5

    def clip(a: pd.Series, b: pd.Series) -> pd.Series:
        lo, hi = np.maximum(a.to_numpy(), w0), np.minimum(b.to_numpy(), w1)
        return pd.Series(np.maximum((hi - lo).astype("timedelta64[D]").astype(np.int64), 0),
                         index=a.index)

    def inside(d: pd.Series) -> pd.Series:
        return (d > w0) & (d <= w1)

    staff["k"] = np.searchsorted(snaps, staff["snapshot_date"].to_numpy())
    ev = events.assign(slot=np.searchsorted(snaps, events["event_date"].to_numpy()) - 1,
                       ord=events["event"].map(ORD))
    ghost = ev[(ev["event"] == "separation") & ev["event_date"].isin(snaps)]
    ghost = ghost.assign(k=ghost["slot"] + 1)[["person_id", "k"]].drop_duplicates()
    ev = ev[(ev["slot"] >= 0) & (ev["slot"] <= n - 2)].sort_values(
        ["person_id", "slot", "event_date", "ord"], kind="stable").reset_index(drop=True)
    sep = ev["ord"] == 3
    ev["set_grade"] = ev["to_grade"].where(~sep)
    ev["set_entity"] = ev["to_entity"].where(~sep)
    ev["set_field"] = ev["set_entity"].map(field_of)
    ev["status"] = ev["ord"].where(ev["ord"].isin([0, 3]))
    g = ev.groupby(["person_id", "slot"], sort=False)
    ev["rn"] = g.cumcount()
    for col in ("event_date", "ord", "reason", "from_entity", "to_entity"):
        ev["nx_" + col] = g[col].shift(-1)
    ev["ev_grade"] = g["set_grade"].ffill()
    ev["ev_entity"] = g["set_entity"].ffill()
    ev["ev_field"] = g["set_field"].ffill()
    ev["valid"] = g["status"].ffill() != 3
    ev["slot_end"] = snaps[ev["slot"].to_numpy() + 1]

    cur = staff.rename(columns={"person_id": "person_id", "k": "slot"})
    nxt = staff.assign(slot=staff["k"] - 1).drop(columns=["k", "snapshot_date"]).add_prefix("n_")
    parts = []
    a = cur[cur["slot"] <= n - 2].copy()
    a["end"] = snaps[a["slot"].to_numpy() + 1]
    a["days"] = clip(a["snapshot_date"], a["end"])
    a["ends"] = np.nan
    if flow == "reassignment":
        a = a.merge(nxt[["n_person_id", "n_slot", "n_duty_station"]], how="left",
                    left_on=["person_id", "slot"], right_on=["n_person_id", "n_slot"])
        a["station_move"] = (inside(a["end"]) & a["n_duty_station"].notna()
                             & a["duty_station"].notna()
                             & (a["n_duty_station"] != a["duty_station"]))
    parts.append(a)
    first = ev[ev["rn"] == 0]
    b = first.merge(cur, on=["person_id", "slot"], suffixes=("_ev", ""))
    b = b.merge(ghost.rename(columns={"k": "slot"}), on=["person_id", "slot"], how="left",
                indicator=True)
    b = b[b["_merge"] == "left_only"].copy()
    b["days"] = -clip(b["event_date"], b["slot_end"])
    b["ends"] = b["ord"].where(inside(b["event_date"]))
    b["from_e"], b["to_e"], b["why"] = b["from_entity"], b["to_entity"], b["reason"]
    parts.append(b)
    gb = ghost.rename(columns={"k": "slot"}).merge(cur, on=["person_id", "slot"])
    gb = gb[gb["slot"] <= n - 2].copy()
    gb["days"] = -clip(gb["snapshot_date"], pd.Series(snaps[gb["slot"].to_numpy() + 1],
                                                      index=gb.index))
    gb["ends"] = np.nan
    parts.append(gb)
    c = ev[(ev["ord"] != 3) & ev["valid"]]
    c = c.merge(cur[["person_id", "slot", "nationality", "grade", "entity", "field"]],
                on=["person_id", "slot"], how="left", suffixes=("", "_c"))
    c = c.merge(nxt[["n_person_id", "n_slot", "n_nationality", "n_grade", "n_entity",
                     "n_field"]], how="left", left_on=["person_id", "slot"],
                right_on=["n_person_id", "n_slot"])
    c["nationality"] = c["nationality"].fillna(c["n_nationality"])
    c["grade"] = c["ev_grade"].fillna(c["grade"]).fillna(c["n_grade"])
    c["entity"] = c["ev_entity"].fillna(c["entity"]).fillna(c["n_entity"])
    c["field"] = c["ev_field"].fillna(c["field"]).fillna(c["n_field"])
    c["days"] = clip(c["event_date"], c["nx_event_date"].fillna(c["slot_end"]))
    c["ends"] = c["nx_ord"].where(inside(c["nx_event_date"]))
    c["from_e"], c["to_e"], c["why"] = c["nx_from_entity"], c["nx_to_entity"], c["nx_reason"]
    parts.append(c)
    seg = pd.concat(parts, ignore_index=True)
    seg = seg.merge(groups, left_on="nationality", right_on="iso3", how="left")
    if flow == "promotion":
        seg = seg[seg["grade"].notna() & (seg["grade"] != "USG")]
        seg["n"] = seg["ends"] == 1
    elif flow == "separation":
        seg["n"] = seg["ends"] == 3
    else:
        seg["n"] = seg["ends"] == 2
    out = seg.groupby(["regional_group", "grade"], dropna=False).agg(
        staff_days=("days", "sum"), count=("n", "sum")).reset_index()
    return out


def parity_counts(store: Store, flow: str, year_from: int, year_to: int) -> pl.DataFrame:
    backend = Backend.from_store(store)
    window = ce.resolve_window(ce.snapshot_dates(backend), year_from, year_to)
    return ce.flow_counts(backend, flow, ["regional_group", "grade"], window)


def _check(flow: str, mine: pl.DataFrame, base: pd.DataFrame) -> None:
    outcome = {"promotion": "promotion", "reassignment": "any", "separation": "all"}[flow]
    got = mine.filter(pl.col("outcome") == outcome)
    a = {(r["regional_group"], r["grade"]): (r["count"], round(r["staff_years"] * 365.25))
         for r in got.iter_rows(named=True)}
    b = {(r.regional_group, r.grade): (int(r.count), int(r.staff_days))
         for r in base.itertuples() if r.staff_days or r.count}
    a = {k: v for k, v in a.items() if v != (0, 0)}
    if a != b:
        diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
        raise SystemExit(f"{flow}: Parity and the pandas baseline disagree: {list(diff)[:5]}")


def run(store: Store, repeat: int, year_from: int, year_to: int) -> None:
    print(f"{'flow':<14}{'parity careers':>16}{'pandas baseline':>17}{'ratio':>8}")
    for flow in FLOWS:
        t_full, _ = _median_time(partial(careers, store, flow, ["regional_group"], year_from,
                                         year_to, ["grade"]), repeat)
        t_counts, mine = _median_time(partial(parity_counts, store, flow, year_from, year_to),
                                      repeat)

        def baseline(f: str = flow) -> tuple[pd.DataFrame, pl.DataFrame]:
            counts = pandas_counts(store, f, year_from, year_to)
            table = pl.from_pandas(counts).with_columns(
                (pl.col("staff_days") / 365.25).alias("staff_years"),
                pl.lit(f).alias("outcome"))
            stats = compare(table, ["regional_group"], ["grade"], kind="rate",
                            exposure="staff_years", outcomes=[f],
                            directions={f: "higher" if f == "separation" else "lower"})
            return counts, stats

        t_base, (base_counts, _) = _median_time(baseline, repeat)
        _check(flow, mine, base_counts)
        print(f"{flow:<14}{t_full:>14.2f} s{t_base:>15.2f} s{t_base / t_full:>7.1f}x"
              f"   (counting alone: {t_counts:.2f} s)")
    t_roster, _ = _median_time(lambda: careers(store, "roster", ["regional_group"], year_from,
                                               year_to, ["grade"]), repeat)
    t_surv, _ = _median_time(lambda: careers_survival(store, ["regional_group"], year_from,
                                                      year_to, ["grade"]), repeat)
    print(f"{'roster':<14}{t_roster:>14.2f} s{'(no baseline)':>17}")
    print(f"{'survival':<14}{t_surv:>14.2f} s{'(no baseline)':>17}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", type=Path, help="Use this store instead of synthesizing one.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--from", dest="year_from", type=int, default=2018)
    parser.add_argument("--to", dest="year_to", type=int, default=2022)
    args = parser.parse_args(argv)
    if args.db is not None:
        with open_store(args.db, read_only=True) as store:
            rows = store.row_counts()
            print(f"store {args.db}: {rows['staff']:,} staff rows, {rows['events']:,} events, "
                  f"{rows['applications']:,} applications")
            run(store, args.repeat, args.year_from, args.year_to)
        return 0
    from parity.core.ingest import ingest
    from parity.core.synth import synthesize

    with tempfile.TemporaryDirectory(prefix="parity-careers-") as tmp:
        folder = Path(tmp)
        synthesize(folder / "data", scale=args.scale, seed=args.seed)
        with open_store(folder / "parity.duckdb") as store:
            ingest(sorted((folder / "data").glob("*.csv")), store)
            rows = store.row_counts()
            print(f"synthetic organization, scale {args.scale:g}, seed {args.seed}: "
                  f"{rows['staff']:,} staff rows, {rows['events']:,} events, "
                  f"{rows['applications']:,} applications")
            run(store, args.repeat, args.year_from, args.year_to)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
