"""Benchmark of the projection: 40,000 staff, 10 years, 1,000 Monte Carlo runs.

Times, in the same run:

* the vectorised simulator (``parity.core.projection.simulate``), arrays of runs × cells;
* a naive per-person Python loop of the same model (one Python object per staff member,
  one ``random.random()`` per decision), on a few runs, scaled up linearly to 1,000 runs.

The organization is made up here (all categories: GS, NO, FS, P, D, ASG/USG; 193 Member
States plus non-members; rates and mixes of a plausible size), so the benchmark needs no
store. Targets: the vectorised run under 10 s and at least 50× faster than the loop.

    .venv/bin/python benchmarks/projection.py [--staff 40000] [--runs 1000] [--years 10]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date

import numpy as np
import polars as pl

from parity.core.projection import build_inputs, simulate
from parity.core.projection.history import History
from parity.core.projection.inputs import ProjectionInputs
from parity.core.projection.scenario import parse_scenario
from parity.core.projection.structure import build_structure
from parity.core.reference import member_states

BASE_YEAR = 2024


def organization(staff: int, seed: int = 0) -> History:
    """A made-up organization of ``staff`` people with five years of history counts."""
    rng = np.random.default_rng(seed)
    st = build_structure("all")
    weights = np.array([3 if g.startswith(("G-", "P-3", "P-4")) else 1.5 if g.startswith(("FS", "NO", "P"))
                        else 0.3 for g in st.grades])
    grade = rng.choice(st.n_grades, size=staff, p=weights / weights.sum())
    iso = member_states()["iso3"].to_list()
    nat_w = rng.gamma(0.6, size=len(iso))
    nationality = np.array(iso)[rng.choice(len(iso), size=staff, p=nat_w / nat_w.sum())]
    gender = np.where(rng.random(staff) < 0.47, "F", "M")
    professional = np.array([g.startswith(("P", "D", "ASG", "USG")) for g in st.grades])[grade]
    base = pl.DataFrame({
        "grade": np.array(st.grades)[grade], "gender": gender, "field": rng.random(staff) < 0.35,
        "geo": professional & (rng.random(staff) < 0.6), "nationality": nationality,
        "birth_year": BASE_YEAR - np.clip(rng.normal(45, 9, staff), 22, 66).astype(int),
        "cohort": rng.choice(3, size=staff, p=[0.05, 0.55, 0.40]), "n": np.ones(staff, dtype=int),
    }).group_by(["grade", "gender", "field", "geo", "nationality", "birth_year", "cohort"]).agg(
        pl.col("n").sum())
    py_rows, fills, appts, apps = [], [], [], []
    for g, name in enumerate(st.grades):
        n = int((grade == g).sum()) or 1
        for s, sep in (("F", 0.07), ("M", 0.06)):
            e = 5 * n // 2
            py_rows.append({"year": BASE_YEAR, "grade": name, "gender": s, "age": 45, "cohort": 2,
                            "at_risk": e, "separated": int(sep * e), "retired": 0,
                            "promoted": int(0.05 * e)})
            appts.append({"grade": name, "gender": s, "age": 38, "n": max(n // 20, 1)})
        if st.feeder[g] >= 0:
            fills.append({"event": "promotion", "from_grade": st.grades[st.feeder[g]], "to_grade": name,
                          "n": n // 4})
        fills.append({"event": "appointment", "from_grade": None, "to_grade": name, "n": n // 5})
        for i, code in enumerate(iso):
            a = int(nat_w[i] * 200) + 1
            apps.append({"grade": name, "nationality": code, "gender": "F" if i % 2 else "M",
                         "internal": False, "applications": a, "selected": a // 100})
    return History(date(BASE_YEAR, 12, 31), base, pl.DataFrame(py_rows), pl.DataFrame(fills),
                   pl.DataFrame(appts), pl.DataFrame(apps))


def naive_run(inputs: ProjectionInputs, seed: int) -> int:
    """The same model, one Python list per person and ``random`` draws; a straightforward
    implementation (pools built once a year, weighted sampling by sorted random keys,
    cumulative weights for categorical draws). Returns the final headcount."""
    rnd = random.Random(seed)
    st = inputs.structure
    draw = inputs.rates.mean()
    p_sep, p_prom, fill = draw.separation[0].tolist(), draw.promotion[0].tolist(), draw.fill[0].tolist()
    sex_cum = [np.cumsum(m).tolist() for m in inputs.recruitment.sex_mix(None, 1)[0]]
    nat = inputs.recruitment.applications.sum(0)
    nat_cum = np.cumsum(nat / nat.sum()).tolist()
    nats = list(range(len(inputs.nationalities)))
    geo_share = inputs.geo_share.tolist()
    p = inputs.persons
    people: list[list[int]] = []  # [grade, sex, field, class, geo, nationality]
    for i in range(p.count.size):
        for _ in range(int(p.count[i])):
            people.append([int(p.grade[i]), int(p.sex[i]), int(p.field[i]), int(p.late[i]),
                           int(p.geo[i]), int(p.nationality[i])])
    classes = list(range(inputs.horizon + 1))
    for t in range(1, inputs.horizon + 1):
        k = t - 1
        people = [q for q in people if q[3] != k and rnd.random() >= p_sep[q[0]][q[1]]]
        posts = inputs.establishment[t]
        pools: dict[tuple[int, int], list[list[int]]] = {}
        for q in people:
            pools.setdefault((q[0], q[2]), []).append(q)
        count = {key: len(v) for key, v in pools.items()}
        class_cum = [np.cumsum(inputs.entry_class[k, g]).tolist() for g in range(st.n_grades)]
        for g in st.fill_order:
            fg = int(st.feeder[g])
            for f in range(posts.shape[1]):
                vacant = int(max(posts[g, f] - count.get((g, f), 0), 0))
                if fg >= 0 and vacant:
                    internal = sum(rnd.random() < fill[g] for _ in range(vacant))
                    pool = pools.get((fg, f), [])
                    keyed = sorted(pool, key=lambda q: -rnd.random() ** (1.0 / max(p_prom[fg][q[1]], 1e-9)))
                    chosen = keyed[:internal]
                    for q in chosen:
                        q[0] = g
                    count[(fg, f)] = count.get((fg, f), 0) - len(chosen)
                    count[(g, f)] = count.get((g, f), 0) + len(chosen)
                    vacant -= len(chosen)
                for _ in range(vacant):
                    sex = rnd.choices(range(4), cum_weights=sex_cum[g])[0]
                    cls = rnd.choices(classes, cum_weights=class_cum[g])[0]
                    geo = int(rnd.random() < geo_share[g][f])
                    nation = rnd.choices(nats, cum_weights=nat_cum)[0] if geo else 0
                    people.append([g, sex, f, cls, geo, nation])
                    count[(g, f)] = count.get((g, f), 0) + 1
    return len(people)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--staff", type=int, default=40_000)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--naive-runs", type=int, default=3)
    args = ap.parse_args()
    scenario = parse_scenario({"name": "benchmark", "scope": "all"}, "benchmark")
    t0 = time.perf_counter()
    inputs = build_inputs(organization(args.staff), scenario, args.years)
    t_inputs = time.perf_counter() - t0
    staff = int(inputs.persons.count.sum())
    simulate(inputs, runs=5, seed=99)  # warm-up: imports, allocator
    t0, c0 = time.perf_counter(), time.process_time()
    out = simulate(inputs, runs=args.runs, seed=1)
    t_vec, c_vec = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    for r in range(args.naive_runs):
        naive_run(inputs, r)
    t_naive_small, c_naive = time.perf_counter() - t0, time.process_time() - c0
    t_naive = t_naive_small / args.naive_runs * args.runs
    cells = out.stock[0, 0].size * (inputs.horizon + 1)
    print(f"staff {staff:,} (all categories, {inputs.structure.n_grades} grades), {args.years} years, "
          f"{args.runs:,} runs; career cells per run {cells:,}, nationality cells per run "
          f"{2 * len(inputs.nationalities) * (inputs.horizon + 1):,}")
    print(f"inputs built from count tables   {t_inputs:8.2f} s")
    print(f"vectorised simulator             {t_vec:8.2f} s   (target < 10 s; CPU {c_vec:.2f} s)")
    print(f"naive per-person loop            {t_naive_small:8.2f} s for {args.naive_runs} runs "
          f"-> {t_naive:,.0f} s scaled to {args.runs:,} runs")
    print(f"speed-up                         {t_naive / t_vec:8.0f}x  (target >= 50x; "
          f"in CPU time {c_naive / args.naive_runs * args.runs / c_vec:.0f}x)")
    final = out.stock[:, -1].sum((1, 2, 3))
    print(f"final headcount: median {np.median(final):,.0f} (posts {inputs.establishment[-1].sum():,.0f})")


if __name__ == "__main__":
    main()
