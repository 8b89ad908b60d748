"""Rolling-origin back-test of the projection on the synthetic organization's history.

Synthesizes the organization (2015–2024) and loads it into a store (or uses --db), then
for each origin year fits the model on the data up to that year only, projects the next
``--horizon`` years and compares the women's share of each level with the snapshots that
followed, against two baselines (persistence, linear trend of the last five years); and
for Member States, P(within range) against the actual status (Brier score) and the
coverage of the 90 % band of nationals. Acceptance (METHODS §2.7): the model's error at
the longest horizon is below both baselines', and the 80 % / 90 % bands cover within
±5 points of nominal.

    .venv/bin/python benchmarks/backtest.py [--scale 0.5] [--runs 500] [--horizon 3]
        [--recruitment-mix constant|trend]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from parity.core.ingest import ingest
from parity.core.projection import BASELINE, backtest
from parity.core.store import open_store
from parity.core.synth import synthesize


def _print(frame: pl.DataFrame) -> None:
    with pl.Config(tbl_rows=100, tbl_cols=20, tbl_width_chars=160, float_precision=3,
                   tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
        print(frame)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="use this store instead of synthesizing one")
    ap.add_argument("--scale", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--horizon", type=int, default=3)
    ap.add_argument("--origins", type=int, nargs="*", default=[2018, 2019, 2020, 2021])
    ap.add_argument("--recruitment-mix", choices=["constant", "trend"],
                    help="estimation.recruitment_mix of the baseline (default: the scenario's)")
    args = ap.parse_args()
    scenario = BASELINE
    if args.recruitment_mix is not None:
        scenario = BASELINE.model_copy(update={"estimation": BASELINE.estimation.model_copy(
            update={"recruitment_mix": args.recruitment_mix})})
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="parity-backtest-") as tmp:
        if args.db is None:
            data = Path(tmp) / "data"
            synthesize(data, scale=args.scale, seed=args.seed)
            db = Path(tmp) / "parity.duckdb"
            with open_store(db) as store:
                ingest(sorted(data.glob("*.csv")), store)
            print(f"synthetic organization at scale {args.scale} (seed {args.seed}) loaded in "
                  f"{time.perf_counter() - start:.0f} s")
        else:
            db = args.db
        with open_store(db, read_only=True) as store:
            t0 = time.perf_counter()
            res = backtest(store, origins=args.origins, horizon=args.horizon, runs=args.runs,
                           seed=args.seed, scenario=scenario)
            took = time.perf_counter() - t0
    print(f"origins {args.origins}, horizon {args.horizon}, {args.runs} runs, recruitment mix "
          f"{scenario.estimation.recruitment_mix}: {took:.0f} s\n")
    print("Women's share by level band (6 Professional-and-higher bands + all), error in "
          "percentage points:")
    _print(res.summary)
    print("\nBy level, mean absolute error (pp) at every horizon, model vs persistence:")
    by_level = res.detail.group_by("level").agg(
        ((pl.col("model") - pl.col("actual")).abs().mean() * 100).alias("model_mae_pp"),
        ((pl.col("persistence") - pl.col("actual")).abs().mean() * 100).alias("persistence_mae_pp"),
        ((pl.col("linear_trend") - pl.col("actual")).abs().mean() * 100).alias("trend_mae_pp"),
        ((pl.col("model") - pl.col("actual")).mean() * 100).alias("model_bias_pp"),
        ((pl.col("actual") >= pl.col("p05")) & (pl.col("actual") <= pl.col("p95"))).mean()
        .alias("coverage90"),
    ).sort("level")
    _print(by_level)
    if res.states.height:
        print("\nMember States (geographical staff): Brier score of P(within range), coverage of "
              "the 90% band of nationals")
        _print(res.states.group_by("horizon").agg(
            pl.col("brier_model").mean(), pl.col("brier_persistence").mean(),
            pl.col("coverage90_nationals").mean(), pl.col("within_actual").mean(),
            pl.col("within_expected").mean()).sort("horizon"))
    h = args.horizon
    at = res.summary.filter(pl.col("horizon") == h)
    model = at.filter(pl.col("method") == "model").row(0, named=True)
    beats = all(model["mae_pp"] < r["mae_pp"] for r in at.filter(pl.col("method") != "model")
                .iter_rows(named=True))
    cov_ok = res.summary.filter(pl.col("method") == "model").select(
        ((pl.col("coverage80") - 0.8).abs() <= 0.05) & ((pl.col("coverage90") - 0.9).abs() <= 0.05)
    ).to_series().all()
    print(f"\nacceptance: beats both baselines at h = {h}: {'yes' if beats else 'no'}; "
          f"coverage within ±5 pp of nominal at every horizon: {'yes' if cov_ok else 'no'}")


if __name__ == "__main__":
    main()
