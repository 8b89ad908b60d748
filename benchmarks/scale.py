"""The funnel at scale on DuckDB: Parity's own code path against the best hand-written counts.

For each size, the Parity store of ``benchmarks/funnel.py`` (generated once inside DuckDB
by one vectorised INSERT ... SELECT over ``range(n)``, no per-row Python; cached in
``benchmarks/.cache/``). Then, in one process and alternating so that all see the same
machine load (median of ``--repeat`` runs after a warm-up):

(p) Parity: ``funnel_report(backend, ["regional_group"], strata="grade")`` with every
    statistic, on a fresh backend with no table kept for the data version
    (``parity.core.precompute.clear()`` before each run): the first question on new data;
(pd) the same with the count table made for the question's years only, as without tables
    kept per data version (``parity.core.precompute.direct()``);
(p2) the same question asked again: its counts come from the count table kept for the
    data version (what the dashboard and later questions pay);
(d) one DuckDB ``GROUP BY`` over integer codes held in a table of small integers
    (regional group, grade, roster flag and the stages reached as a 5-bit mask, UTINYINT);
(n) ``numpy.bincount`` over the same codes in memory (one pass, one core).

The codes are read from the store once per size (not timed). Every method's count table
(regional group × grade × roster × six stages) is checked equal to Parity's. Prints the
seconds, the cost per row (ns) and the ratio of Parity to the best hand count; the target
is p / min(d, n) ≤ 2 at 100M rows.

``--engines duckdb,spark`` (or ``--spark``) adds, after that table, the same funnel on
DuckDB with 1 and 2 threads and on Spark ``local[1]`` and ``local[2]`` (see
:mod:`scale_engines`): seconds, cost per row, and an Amdahl estimate of how many cores Spark
needs to overtake DuckDB on one machine. ``--engines spark`` runs only that comparison.

    .venv/bin/python benchmarks/scale.py --sizes 16M,100M --repeat 3
    .venv/bin/python benchmarks/scale.py --sizes 16M --engines spark --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from funnel import STAGES, build, label, parse_size

CODES_SQL = """
SELECT coalesce(r.regional_group::VARCHAR, '') AS regional_group,
       a.opening_grade::VARCHAR AS grade,
       coalesce(a.opening_posting_type = 'recruit_from_roster', false) AS roster,
       ((a.screened_date IS NOT NULL)::UTINYINT
        + 2 * (a.assessed_date IS NOT NULL)::UTINYINT
        + 4 * (a.interviewed_date IS NOT NULL)::UTINYINT
        + 8 * (a.recommended_date IS NOT NULL)::UTINYINT
        + 16 * (a.selected_date IS NOT NULL)::UTINYINT)::UTINYINT AS mask
FROM main.applications a
LEFT JOIN main.ref_country_regions r ON r.iso3 = a.nationality::VARCHAR
"""


class Codes:
    """Integer codes of every application: group, grade, roster flag, stages reached."""

    def __init__(self, store: Any) -> None:
        with store.cursor() as cur:
            frame = cur.sql(CODES_SQL).pl()
        self.groups = sorted(frame["regional_group"].unique().to_list())
        self.grades = sorted(frame["grade"].unique().to_list())
        g = frame["regional_group"].replace_strict(
            {v: i for i, v in enumerate(self.groups)}, return_dtype=pl.UInt8)
        k = frame["grade"].replace_strict({v: i for i, v in enumerate(self.grades)},
                                          return_dtype=pl.UInt8)
        self.g, self.k = g.to_numpy(), k.to_numpy()
        self.r = frame["roster"].cast(pl.UInt8).to_numpy()
        self.m = frame["mask"].to_numpy()
        self.n = len(self.m)
        self.table = pl.DataFrame({"g": self.g, "k": self.k, "r": self.r, "m": self.m})

    def cells(self) -> int:
        return len(self.groups) * len(self.grades) * 2 * 32

    def to_counts(self, flat: np.ndarray) -> pl.DataFrame:
        """(group, grade, roster, mask) counts → counts per stage by group, grade, roster."""
        per = flat.reshape(len(self.groups), len(self.grades), 2, 32)
        bits = (np.arange(32)[:, None] >> np.arange(5)[None, :]) & 1  # mask → stage reached
        received = per.sum(axis=3)
        later = per @ bits  # (groups, grades, 2, 5)
        rows = []
        for gi, group in enumerate(self.groups):
            for ki, grade in enumerate(self.grades):
                for r in (0, 1):
                    if received[gi, ki, r]:
                        rows.append((group, grade, bool(r), int(received[gi, ki, r]),
                                     *(int(x) for x in later[gi, ki, r])))
        return pl.DataFrame(rows, schema=["regional_group", "grade", "roster", *STAGES],
                            orient="row")


def numpy_count(c: Codes) -> np.ndarray:
    index = ((c.g.astype(np.int64) * len(c.grades) + c.k) * 2 + c.r) * 32 + c.m
    return np.bincount(index, minlength=c.cells())


def duckdb_count(con: Any, c: Codes) -> np.ndarray:
    got = con.sql("SELECT g, k, r, m, count(*) AS n FROM codes GROUP BY ALL").fetchnumpy()
    flat = np.zeros(c.cells(), dtype=np.int64)
    index = ((got["g"].astype(np.int64) * len(c.grades) + got["k"]) * 2 + got["r"]) * 32 + got["m"]
    flat[index] = got["n"]
    return flat


def parity_counts(store: Any) -> pl.DataFrame:
    from parity.core.analytics.funnel_counts import CountRequest, count_table
    from parity.core.backend import Backend

    counts = count_table(Backend.from_store(store), CountRequest(("regional_group", "grade")))
    return counts.with_columns(pl.col("regional_group").fill_null(""),
                               pl.col("grade").cast(pl.Utf8))


def parity_report(store: Any) -> None:
    from parity.core.analytics.funnel import funnel_report
    from parity.core.backend import Backend

    funnel_report(Backend.from_store(store), ["regional_group"], strata="grade")


def _same(a: pl.DataFrame, b: pl.DataFrame, what: str) -> None:
    keys = ["regional_group", "grade", "roster"]
    cols = [*keys, *STAGES]
    left = a.select(cols).with_columns(pl.col(s).cast(pl.Int64) for s in STAGES).sort(keys)
    right = b.select(cols).with_columns(pl.col(s).cast(pl.Int64) for s in STAGES).sort(keys)
    if not left.equals(right):
        raise SystemExit(f"counts differ between Parity and {what}:\n{left}\n{right}")


def run(n: int, repeat: int) -> dict[str, float]:
    import duckdb

    from parity.core import precompute
    from parity.core.store import open_store

    path: Path = build(n)
    with open_store(path, read_only=True, create=False) as store:
        codes = Codes(store)
        mem = duckdb.connect()
        mem.execute(f"SET threads = {os.cpu_count() or 1}")
        mem.register("codes_frame", codes.table)
        mem.execute("CREATE TABLE codes AS SELECT g::UTINYINT AS g, k::UTINYINT AS k, "
                    "r::UTINYINT AS r, m::UTINYINT AS m FROM codes_frame")
        mem.unregister("codes_frame")
        expected = parity_counts(store)
        _same(expected, codes.to_counts(numpy_count(codes)), "numpy bincount")
        _same(expected, codes.to_counts(duckdb_count(mem, codes)), "DuckDB GROUP BY")

        def first() -> None:
            precompute.clear()
            parity_report(store)

        def direct() -> None:
            with precompute.direct():
                parity_report(store)

        methods = {"parity_first": first, "parity_direct": direct,
                   "parity_again": lambda: parity_report(store),
                   "duckdb_codes": lambda: duckdb_count(mem, codes),
                   "numpy_bincount": lambda: numpy_count(codes)}
        times: dict[str, list[float]] = {m: [] for m in methods}
        for m in methods.values():  # warm-up: imports, compiled SQL, page cache
            m()
        for _ in range(repeat):
            for name, m in methods.items():
                started = time.perf_counter()
                m()
                times[name].append(time.perf_counter() - started)
        mem.close()
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="16M,100M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="duckdb",
                        help="duckdb (Parity against hand counts), spark (DuckDB 1/2 threads "
                             "against Spark local[1]/local[2]) or both: duckdb,spark")
    parser.add_argument("--spark", action="store_true", help="the same as --engines duckdb,spark")
    parser.add_argument("--spark-memory", default="10g", help="Spark driver memory")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        from scale_engines import worker

        return worker(args.worker)
    engines = {e.strip() for e in args.engines.split(",")} | ({"duckdb", "spark"}
                                                              if args.spark else set())
    if not engines <= {"duckdb", "spark"}:
        parser.error(f"--engines takes duckdb, spark or duckdb,spark, not {args.engines}")
    if "duckdb" not in engines:
        from scale_engines import compare

        return compare([parse_size(t) for t in args.sizes.split(",")], args.repeat,
                       args.spark_memory)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    print("| rows | Parity first s | Parity direct s | Parity again s | DuckDB codes s "
          "| numpy bincount s | Parity ns/row | best hand ns/row | first / best (≤ 2 at 100M) "
          "| direct / best | again / best |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    ok = True
    for text in args.sizes.split(","):
        n = parse_size(text)
        t = run(n, args.repeat)
        best = min(t["duckdb_codes"], t["numpy_bincount"])
        ratio = t["parity_first"] / best
        if n >= 100_000_000 and ratio > 2:
            ok = False
        print(f"| {label(n)} | {t['parity_first']:.3f} | {t['parity_direct']:.3f} "
              f"| {t['parity_again']:.3f} "
              f"| {t['duckdb_codes']:.3f} | {t['numpy_bincount']:.3f} "
              f"| {1e9 * t['parity_first'] / n:.1f} | {1e9 * best / n:.1f} "
              f"| {ratio:.2f}× | {t['parity_direct'] / best:.2f}× "
              f"| {t['parity_again'] / best:.2f}× |", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if "spark" in engines:
        from scale_engines import compare

        print()
        compare([parse_size(t) for t in args.sizes.split(",")], args.repeat, args.spark_memory)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
