"""The funnel at scale on two engines: DuckDB with 1 and 2 threads, Spark local[1] and local[2].

Used by ``benchmarks/scale.py --engines spark`` (or ``--spark``). For each size, on the
store of ``benchmarks/funnel.py``:

1. the store is published to a Parquet warehouse with Parity's own engine code
   (``parity.core.engines.publish`` on ``spark://local[2]``: one folder per table,
   partitioned by organization and year), once per size and store (kept in
   ``benchmarks/.cache/``; not timed against the engines, but its seconds are printed;
   DuckDB writes the Parquet straight from the store);
2. each engine and core count runs in a fresh process (a new JVM for each Spark master):
   Parity's ``funnel_report(backend, ["regional_group"], strata="grade")`` with every
   statistic through a :class:`~parity.core.backend.Backend` on that engine, once ("first":
   new session or connection, nothing compiled or cached), then once more as a warm-up,
   then ``--repeat`` times (the median is kept). On DuckDB the count is made for the
   question alone (``parity.core.precompute.direct()``), as Spark makes it (nothing is kept
   per data version on Spark), and the threads are set with ``SET threads``;
3. every run's count table (``count_table`` by regional group and grade) is checked equal
   to DuckDB's.

Then, per engine, ``t(c) = serial + parallel / c`` (Amdahl's law) is fitted exactly to its
1- and 2-core medians, and the number of cores Spark needs to beat DuckDB on 2, 16 and 64
cores is printed under that model.
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

from funnel import CACHE, STAGES, build, label

CONFIGS = (("duckdb", 1), ("duckdb", 2), ("spark", 1), ("spark", 2))
TARGETS = (2, 16, 64)
ASSUMPTIONS = """\
Assumptions of the estimate (read before quoting it):
- Amdahl's law, t(c) = serial + parallel / c, fitted exactly to two points (1 and 2 cores)
  on one machine; nothing here measures 3 or more cores, so the fit is an extrapolation.
- The machine has 2 cores shared with other work (see the load averages): the 2-core
  times, hence the parallel parts, are measured under contention and may be understated.
- Spark ran in local mode: one JVM, no network. A real cluster adds a shuffle over the
  network, task scheduling and executor start-up latency to every query, so a cluster
  needs more cores than this estimate, never fewer.
- Both engines read data already on local disk (DuckDB its store, Spark the Parquet
  warehouse) and warm in the page cache; loading the warehouse is not counted.
- The cores a larger single machine gives DuckDB are assumed to scale by the same law."""


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _counts(backend: Any) -> list[dict[str, Any]]:
    from parity.core.analytics.funnel_counts import CountRequest, count_table

    frame = count_table(backend, CountRequest(("regional_group", "grade")))
    return frame.with_columns(pl.col("regional_group").cast(pl.Utf8).fill_null(""),
                              pl.col("grade").cast(pl.Utf8)).to_dicts()


def _timed(run: Any, repeat: int) -> dict[str, Any]:
    started = time.perf_counter()
    run()
    first = time.perf_counter() - started
    run()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return {"first": first, "median": statistics.median(times), "times": times}


def worker(spec_text: str) -> int:
    """One engine and core count (or the publication) in this process; prints JSON."""
    from parity.core import engines, precompute
    from parity.core.analytics.funnel import funnel_report
    from parity.core.backend import Backend
    from parity.core.store import open_store

    spec = json.loads(spec_text)
    path, cores, warehouse = build(spec["n"]), spec["cores"], Path(spec["warehouse"])
    out: dict[str, Any] = {}
    with open_store(path, read_only=True, create=False) as store:
        if spec["engine"] == "publish":
            started = time.perf_counter()
            out["tables"] = engines.publish(store, engines.parse_engine("spark://local[2]",
                                                                        warehouse))
            out["seconds"] = time.perf_counter() - started
            out["peak_python_gib"] = _peak_gib()
        elif spec["engine"] == "duckdb":
            with store.cursor() as cur:
                cur.execute(f"SET threads = {cores}")
                row = cur.execute("SELECT current_setting('threads')").fetchone()
            assert row is not None and int(row[0]) == cores
            backend = Backend.from_store(store)
            assert backend.engine == "duckdb"

            def run() -> None:
                with precompute.direct():
                    funnel_report(backend, ["regional_group"], strata="grade")

            out |= _timed(run, spec["repeat"])
            with precompute.direct():
                out["counts"] = _counts(backend)
        else:
            from parity.core.engines import spark

            started = time.perf_counter()
            spark.session(f"local[{cores}]")
            out["start"] = time.perf_counter() - started
            started = time.perf_counter()
            backend = engines.connect(engines.parse_engine(f"spark://local[{cores}]",
                                                           warehouse), store)
            out["views"] = time.perf_counter() - started
            assert backend.engine == "pyspark"
            out |= _timed(lambda: funnel_report(backend, ["regional_group"], strata="grade"),
                          spec["repeat"])
            out["counts"] = _counts(backend)
    print(json.dumps(out))
    return 0


def _child(spec: dict[str, Any], memory: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARITY_")}
    env |= {"SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_SUBMIT_ARGS": f"--driver-memory {memory} pyspark-shell"}
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("scale.py")),
                           "--worker", json.dumps(spec)], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{spec['engine']} on {spec['cores']} core(s) failed:\n"
                         f"{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _warehouse(n: int, memory: str) -> tuple[Path, str]:
    """The warehouse of the size's store, published now with Parity's engine code unless a
    publication of this very store file is kept; and a line saying how long it took."""
    store = build(n)
    folder = CACHE / f"warehouse_{store.stem}"
    stamp = folder / "publish.json"
    marker = folder / "applications" / "_SUCCESS"
    if (stamp.exists() and marker.exists()
            and marker.stat().st_mtime > store.stat().st_mtime):
        kept = json.loads(stamp.read_text())
        return folder, (f"warehouse kept from an earlier run ({kept['how']}: "
                        f"{kept['seconds']:.1f} s)")
    got = _child({"engine": "publish", "n": n, "cores": 2, "repeat": 0,
                  "warehouse": str(folder)}, memory)
    got["how"] = "parity.core.engines.publish"
    stamp.write_text(json.dumps(got))
    size = sum(p.stat().st_size for p in folder.rglob("*.parquet")) / 1024**3
    return folder, (f"{got['how']} wrote {got['tables']} tables to {folder.name} in "
                    f"{got['seconds']:.1f} s "
                    f"({size:.2f} GiB of Parquet; Python peak {got['peak_python_gib']:.1f} GiB)")


def amdahl(t1: float, t2: float) -> tuple[float, float]:
    """(serial, parallel) seconds of t(c) = serial + parallel / c through t(1) and t(2),
    bounded to non-negative parts (no speed-up: all serial; more than 2×: all parallel)."""
    parallel = 2 * (t1 - t2)
    serial = t1 - parallel
    if parallel <= 0:
        return min(t1, t2), 0.0
    if serial < 0:
        return 0.0, t1
    return serial, parallel


def cores_to_beat(spark: tuple[float, float], seconds: float) -> int | None:
    """The fewest cores with which Spark's model time is under ``seconds`` (None: never)."""
    serial, parallel = spark
    if serial >= seconds:
        return None
    if parallel == 0:
        return 1
    cores = int(parallel / (seconds - serial)) + 1
    return max(cores, 1)


def _same(rows: list[dict[str, Any]], want: list[dict[str, Any]], what: str) -> None:
    keys = ["regional_group", "grade", "roster"]

    def frame(r: list[dict[str, Any]]) -> pl.DataFrame:
        return (pl.DataFrame(r).select(*keys, *STAGES)
                .with_columns(pl.col(s).cast(pl.Int64) for s in STAGES).sort(keys))

    if not frame(rows).equals(frame(want)):
        raise SystemExit(f"counts differ between DuckDB and {what}:\n{frame(rows)}\n{frame(want)}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def compare(sizes: list[int], repeat: int, memory: str) -> int:
    """Run every size on every engine and core count and print the tables."""
    print(f"load average before: {_load()} ({os.cpu_count()} cores, shared with other "
          f"work); Spark driver memory {memory}")
    for n in sizes:
        folder, published = _warehouse(n, memory)
        print(f"{label(n)}: {published}", flush=True)
        got: dict[tuple[str, int], dict[str, Any]] = {}
        for engine, cores in CONFIGS:
            got[engine, cores] = _child({"engine": engine, "n": n, "cores": cores,
                                         "repeat": repeat, "warehouse": str(folder)}, memory)
            print(f"  {engine} {cores} core(s) done, load average {_load()}", flush=True)
        want = got["duckdb", 2]["counts"]
        for (engine, cores), result in got.items():
            _same(result["counts"], want, f"{engine} on {cores} core(s)")
        print(f"\n{label(n)} application rows (counts equal on every engine and core count); "
              f"median of {repeat} after a warm-up:")
        print("| engine | cores | first s | median s | min s | ns/row | core·ns/row | "
              "speed-up 1→2 |")
        print("|---|---|---|---|---|---|---|---|")
        for engine, cores in CONFIGS:
            r = got[engine, cores]
            up = got[engine, 1]["median"] / r["median"]
            print(f"| {engine} | {cores} | {r['first']:.3f} | {r['median']:.3f} "
                  f"| {min(r['times']):.3f} "
                  f"| {1e9 * r['median'] / n:.1f} | {1e9 * cores * r['median'] / n:.1f} "
                  f"| {up:.2f}× |")
        for cores in (1, 2):
            r = got["spark", cores]
            print(f"Spark local[{cores}]: session start {r['start']:.1f} s, warehouse views "
                  f"{r['views']:.1f} s (not in the times above)")
        _estimate(got)
    print(f"load average after: {_load()}")
    print(ASSUMPTIONS)
    return 0


def _estimate(got: dict[tuple[str, int], dict[str, Any]]) -> None:
    fits = {e: amdahl(got[e, 1]["median"], got[e, 2]["median"]) for e in ("duckdb", "spark")}
    print("ESTIMATE (Amdahl's law fitted to the 1- and 2-core medians; not a measurement):")
    for engine, (serial, parallel) in fits.items():
        print(f"  {engine}: t(c) = {serial:.3f} s + {parallel:.3f} s / c")
    for target in TARGETS:
        duck = (got["duckdb", 2]["median"] if target == 2
                else fits["duckdb"][0] + fits["duckdb"][1] / target)
        need = cores_to_beat(fits["spark"], duck)
        where = "measured" if target == 2 else "modelled"
        if need is None:
            print(f"  DuckDB on {target} cores ({where} {duck:.3f} s): Spark never overtakes it "
                  f"under this model (Spark's serial part {fits['spark'][0]:.3f} s alone "
                  "exceeds it)")
        else:
            print(f"  DuckDB on {target} cores ({where} {duck:.3f} s): Spark needs {need} cores "
                  "to be faster")
    ratio = got["spark", 1]["median"] / got["duckdb", 1]["median"]
    print(f"  Bound that does not rest on the 2-core times: if both engines scaled perfectly "
          f"(no serial part), Spark would need {ratio:.1f}× DuckDB's cores (one core of "
          f"Spark does 1/{ratio:.1f} of DuckDB's rows per second): "
          + ", ".join(f"{math.floor(ratio * d) + 1} to beat DuckDB on {d}" for d in TARGETS))
