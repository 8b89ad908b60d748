"""Benchmark of the recruitment funnel: Parity's API against hand-written SQL and pandas.

For each size (applications), builds once a Parity store under ``benchmarks/.cache/``
(reused between runs; git-ignored) by bulk insert in DuckDB, then times in separate
processes (so each one's peak memory is its own):

(a) ``funnel_report(store, ["regional_group"], strata="grade")`` through the API: the one
    count query plus every statistic (stage table, roster flow, stratified CMH/MH/BD);
(b) the same count table by one hand-written DuckDB SQL query on the same store;
(c) the same count table by a straightforward pandas map + groupby on the applications
    frame already in memory (loading it is not timed).

All three read the opening's grade and posting type from the copies the store keeps on
each application (schema 2), so none of them joins the openings; (b) counts by
nationality first and maps the regional group on the small result, as Parity does.

The methods run alternately in one process so that all see the same machine load (the
machine may be shared); each method's peak memory is measured alone in a fresh process.

Every method's counts are checked equal. Targets: (a) within 1.5× of (b) at every size,
(a) at least 10× faster than (c) at 16M, (a) under 8 GiB peak memory at 100M.

    .venv/bin/python benchmarks/funnel.py --sizes 1.6M,16M,100M [--repeat 3] [--pandas-max 16M]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CACHE = Path(__file__).resolve().parent / ".cache"
STAGES = ("received", "screened", "assessed", "interviewed", "recommended", "selected")
KEYS = ["regional_group", "grade", "roster"]
SQL = """
WITH c AS (
    SELECT nationality, opening_grade,
           opening_posting_type = 'recruit_from_roster' AS roster,
           count(*) AS received, count(screened_date) AS screened,
           count(assessed_date) AS assessed, count(interviewed_date) AS interviewed,
           count(recommended_date) AS recommended, count(selected_date) AS selected
    FROM main.applications
    GROUP BY ALL)
SELECT r.regional_group, c.opening_grade::VARCHAR AS grade, c.roster,
       sum(received), sum(screened), sum(assessed), sum(interviewed), sum(recommended),
       sum(selected)
FROM c JOIN main.ref_country_regions r ON r.iso3 = c.nationality::VARCHAR
GROUP BY ALL
"""


def parse_size(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000, "G": 1_000_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KMG")) * scale)


def label(n: int) -> str:
    return f"{n / 1e6:g}M"


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


# --------------------------------------------------------------------------- data


def build(n: int) -> Path:
    """A Parity store with ``n`` applications (cached). Deterministic: hashes, not RNG."""
    from parity.core import model
    from parity.core.store import SCHEMA_VERSION, derived_values, open_store

    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")
    path = CACHE / f"funnel_{label(n)}_v{SCHEMA_VERSION}.duckdb"
    if path.exists():
        return path
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    n_open = max(n // 180, 10)
    start = time.perf_counter()
    with open_store(tmp) as store:
        con = store.con
        con.execute("SET preserve_insertion_order = false")
        con.execute("CREATE TEMP TABLE nat AS SELECT iso3, "
                    "(row_number() OVER (ORDER BY iso3) - 1)::BIGINT AS k "
                    "FROM main.ref_member_states")
        row = con.execute("SELECT count(*) FROM temp.nat").fetchone()
        assert row is not None
        n_nat = int(row[0])
        grades = ["P-2", "P-3", "P-3", "P-4", "P-4", "P-5", "D-1", "G-5", "FS-5"]
        con.execute(f"""
            INSERT INTO main.openings
            SELECT 'JO' || o, 'E' || (o % 40), ({grades!r})[1 + o % {len(grades)}],
                   'Family ' || (o % 12),
                   CASE WHEN o % 20 = 0 THEN 'recruit_from_roster'
                        WHEN o % 9 = 0 THEN 'generic' ELSE 'position_specific' END,
                   DATE '2015-01-01' + ((o * 37) % 3650)::INTEGER,
                   DATE '2015-01-01' + ((o * 37) % 3650 + 60)::INTEGER, 1, 'UN'
            FROM range({n_open}) t(o)""")
        # Skewed nationality mix; pass probabilities depend on the nationality's region
        # (through its code) so that groups differ at every stage.
        con.execute(f"""
            INSERT INTO main.applications
            SELECT x.*, {", ".join(derived_values(model.APPLICATIONS, "x"))} FROM (
            WITH base AS (
                SELECT i, (hash(i) % {n_open})::BIGINT AS o,
                       (hash(i * 31 + 7) % 1000000) / 1e6 AS u,
                       (hash(i * 17 + 3) % 1000000) / 1e6 AS v
                FROM range({n}) t(i)),
            coded AS (
                SELECT b.*, nat.iso3, nat.k,
                       0.45 + 0.15 * ((nat.k % 5) / 4.0) AS p_screen,
                       0.20 + 0.10 * ((nat.k % 3) / 2.0) AS p_later
                FROM base b JOIN temp.nat ON nat.k = floor(v * v * {n_nat})::BIGINT)
            SELECT 'A' || i, op.opening_id, 'P' || (i % {max(n // 3, 1)}), iso3,
                   CASE WHEN i % 2 = 0 THEN 'F' WHEN i % 97 = 0 THEN 'X' ELSE 'M' END,
                   iso3, i % 4 = 0,
                   DATE '2015-01-02' + ((o * 37) % 3650)::INTEGER,
                   CASE WHEN u < p_screen
                        THEN DATE '2015-03-15' + ((o * 37) % 3650)::INTEGER END AS screened_date,
                   CASE WHEN u < p_screen * p_later AND o % 20 <> 0
                        THEN DATE '2015-04-01' + ((o * 37) % 3650)::INTEGER END AS assessed_date,
                   CASE WHEN u < p_screen * p_later * 0.5 AND o % 20 <> 0
                        THEN DATE '2015-04-20' + ((o * 37) % 3650)::INTEGER END AS interviewed_date,
                   CASE WHEN u < p_screen * p_later * 0.35
                        THEN DATE '2015-05-10' + ((o * 37) % 3650)::INTEGER END
                        AS recommended_date,
                   NULL AS rostered_date,
                   CASE WHEN u < p_screen * p_later * 0.08
                        THEN DATE '2015-06-01' + ((o * 37) % 3650)::INTEGER END AS selected_date,
                   1, op.entity, op.grade, op.job_family, op.posting_type,
                   year(op.posted_date), op.organization
            FROM coded JOIN main.openings op ON op.opening_id = 'JO' || o) x""")
        con.execute("CHECKPOINT")
    tmp.rename(path)
    print(f"  built {path.name}: {n:,} applications, {n_open:,} openings in "
          f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return path


# --------------------------------------------------------------------------- methods


def _normal(rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    return sorted([str(r[0]), str(r[1]), bool(r[2]), *map(int, r[3:])] for r in rows)


def _api_counts(store: Any) -> list[list[Any]]:
    import polars as pl

    from parity.core.analytics.funnel_counts import CountRequest, count_table
    from parity.core.backend import Backend

    counts = count_table(Backend.from_store(store), CountRequest(("regional_group", "grade")))
    rows = counts.select(*KEYS, *STAGES).with_columns(pl.col("grade").cast(pl.Utf8)).rows()
    return _normal(rows)


def run_api(store: Any) -> None:
    from parity.core.analytics.funnel import funnel_report

    report = funnel_report(store, ["regional_group"], strata="grade")
    assert report.stratified is not None and report.stratified.height > 0


def run_sql(store: Any) -> list[tuple[Any, ...]]:
    with store.cursor() as cur:
        rows: list[tuple[Any, ...]] = cur.execute(SQL).fetchall()
    return rows


def load_pandas(path: Path) -> tuple[Any, dict[str, str]]:
    """The frame pandas works on, read from the store (not timed): the applications with
    the opening's grade and posting type the store keeps on each of them."""
    import duckdb

    from parity.core import reference

    con = duckdb.connect(str(path), read_only=True)
    apps = con.execute("SELECT application_id, nationality, opening_grade AS grade, "
                       "opening_posting_type AS posting_type, screened_date, assessed_date, "
                       "interviewed_date, recommended_date, selected_date "
                       "FROM main.applications").df()
    con.close()
    region = dict(zip(reference.country_regions()["iso3"].to_list(),
                      reference.country_regions()["regional_group"].to_list(), strict=True))
    return apps, region


def run_pandas(apps: Any, region: dict[str, str]) -> list[tuple[Any, ...]]:
    """The straightforward pandas way: map, groupby, count."""
    df = apps.assign(regional_group=apps["nationality"].astype(str).map(region),
                     roster=apps["posting_type"] == "recruit_from_roster")
    g = df.groupby(["regional_group", "grade", "roster"], observed=True)
    out = g[[f"{s}_date" for s in STAGES[1:]]].count()
    out.insert(0, "received", g.size())
    return [(*k, *v) for k, v in zip(out.index, out.itertuples(index=False), strict=True)]


def run_all(path: Path, repeat: int, with_pandas: bool) -> dict[str, Any]:
    """(a), (b) and (c) alternately in one process, so all see the same machine load."""
    from parity.core.store import open_store

    times: dict[str, list[float]] = {"api": [], "sql": [], "pandas": []}
    frames = load_pandas(path) if with_pandas else None
    with open_store(path, read_only=True) as store:
        run_api(store)  # warm-up: imports, Ibis, the file's pages
        rows = run_sql(store)
        pandas_rows = run_pandas(*frames) if frames else None
        for _ in range(repeat):
            t = time.perf_counter()
            run_api(store)
            times["api"].append(time.perf_counter() - t)
            t = time.perf_counter()
            run_sql(store)
            times["sql"].append(time.perf_counter() - t)
            if frames is not None:
                t = time.perf_counter()
                run_pandas(*frames)
                times["pandas"].append(time.perf_counter() - t)
        api_counts = _api_counts(store)
    return {**times, "api_counts": api_counts, "sql_counts": _normal(rows),
            "pandas_counts": _normal(pandas_rows) if pandas_rows else None}


def run_peak(path: Path, method: str) -> dict[str, Any]:
    """One run of a method alone in a fresh process: its peak resident memory."""
    from parity.core.store import open_store

    if method == "pandas":
        run_pandas(*load_pandas(path))
        return {"peak_gib": peak_gib()}
    with open_store(path, read_only=True) as store:
        run_api(store) if method == "api" else run_sql(store)
    return {"peak_gib": peak_gib()}


def worker(method: str, path: Path, repeat: int) -> None:
    if method in ("all", "all+pandas"):
        out = run_all(path, repeat, with_pandas=method == "all+pandas")
    else:
        out = run_peak(path, method)
    print(json.dumps(out))


def measure(method: str, path: Path, repeat: int) -> dict[str, Any]:
    res = subprocess.run([sys.executable, __file__, "--worker", method, "--db", str(path),
                          "--repeat", str(repeat)], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{method} failed:\n{res.stderr}")
    out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1.6M,16M,100M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pandas-max", default="16M",
                        help="Largest size pandas runs at (its frames need ~10× the data).")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, Path(args.db), args.repeat)
        return
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    pandas_max = parse_size(args.pandas_max)
    rows = []
    for n in sizes:
        path = build(n)
        with_pandas = n <= pandas_max
        res = measure("all+pandas" if with_pandas else "all", path, args.repeat)
        assert res["api_counts"] == res["sql_counts"], "API and SQL counts differ"
        if with_pandas:
            assert res["pandas_counts"] == res["sql_counts"], "pandas and SQL counts differ"
        pa, pb = measure("api", path, 1)["peak_gib"], measure("sql", path, 1)["peak_gib"]
        pc = measure("pandas", path, 1)["peak_gib"] if with_pandas else None
        a, b = statistics.median(res["api"]), statistics.median(res["sql"])
        c = statistics.median(res["pandas"]) if with_pandas else None
        rows.append((label(n), a, b, c, pa, pb, pc))
        print(f"  {label(n)} done", file=sys.stderr, flush=True)
    print(f"median of {args.repeat} runs after a warm-up; (a), (b) and (c) alternate in one "
          "process; peak memory of each method alone in a fresh process; counts identical "
          "across methods")
    print("| size | (a) API s | (b) SQL s | (c) pandas s | a/b (≤ 1.5) | c/a (≥ 10 at 16M) "
          "| peak GiB a / b / c |")
    print("|---|---|---|---|---|---|---|")
    for size, a, b, c, pa, pb, pc in rows:
        cs = f"{c:.3f}" if c is not None else "not run"
        ca = f"{c / a:.1f}×" if c is not None else "–"
        pcs = f"{pc:.2f}" if pc is not None else "–"
        print(f"| {size} | {a:.3f} | {b:.3f} | {cs} | {a / b:.2f}× | {ca} | "
              f"{pa:.2f} / {pb:.2f} / {pcs} |")


if __name__ == "__main__":
    main()
