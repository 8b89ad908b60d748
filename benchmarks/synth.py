"""Benchmark of the synthetic organization generator (``parity.core.synth``).

Runs ``synthesize`` into a temporary folder and reports wall time and peak memory, a
baseline measured in the same run (polars writing the same rows, already in memory, to CSV:
the floor any generator of these files pays), and the full Table 1 comparison.

    .venv/bin/python benchmarks/synth.py --scale 1

Targets at scale 1 on a 2-core machine: under 60 s and under 4 GiB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from parity.core import model
from parity.core.synth import format_table1, synthesize, table1

TIME_TARGET_S = 60.0
MEMORY_TARGET_GIB = 4.0


def _peak_rss_gib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024**3 if sys.platform == "darwin" else 1024**2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="parity-synth-") as tmp:
        out = Path(tmp) / "synth"
        start = time.perf_counter()
        counts = synthesize(out, scale=args.scale, seed=args.seed,
                            progress=lambda m: print(f"  {time.perf_counter() - start:6.1f} s  {m}"))
        elapsed = time.perf_counter() - start
        peak = _peak_rss_gib()
        size = sum(p.stat().st_size for p in out.iterdir())

        frames = {t.file_stem: pl.read_csv(out / f"{t.file_stem}.csv", try_parse_dates=True,
                                           infer_schema_length=10_000)
                  for t in model.DATA_TABLES}
        base_dir = Path(tmp) / "baseline"
        base_dir.mkdir()
        t0 = time.perf_counter()
        for stem, df in frames.items():
            df.write_csv(base_dir / f"{stem}.csv", date_format="%Y-%m-%d")
        baseline = time.perf_counter() - t0
        table = table1(frames["staff"], frames["openings"], frames["applications"],
                       frames["events"])

    rows = sum(counts.values())
    print(f"\nparity synth --scale {args.scale:g} --seed {args.seed}")
    for name, n in counts.items():
        print(f"  {name:<26}{n:>12,} rows")
    print(f"  {'total':<26}{rows:>12,} rows, {size / 2**20:,.0f} MiB")
    print(f"wall time        {elapsed:8.1f} s   (target < {TIME_TARGET_S:.0f} s at scale 1)")
    print(f"peak RSS         {peak:8.2f} GiB (target < {MEMORY_TARGET_GIB:.0f} GiB at scale 1)")
    print(f"baseline         {baseline:8.1f} s   (polars write_csv of the same {rows:,} rows, "
          "already in memory)")
    print(f"generation costs {elapsed / baseline:.1f}x a bare CSV write")
    print("\nTable 1 (seed 000), 2018-2022: generated vs target")
    print(format_table1(table))
    gap = (table["share"] - table["target_share"]).abs().max()
    worst = float(gap) if isinstance(gap, (int, float)) else 0.0
    print(f"\nlargest share difference: {worst:.3f} pp (tolerance 0.5 pp at scale 1)")
    ok = elapsed < TIME_TARGET_S and peak < MEMORY_TARGET_GIB and worst <= 0.5
    print("targets met" if ok else "TARGETS NOT MET")
    return 0 if ok or args.scale != 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
