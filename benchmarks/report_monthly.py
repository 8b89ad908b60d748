"""Time ``parity report monthly`` for one language and the three formats, as a user runs it.

Usage: python benchmarks/report_monthly.py --db STORE --month 2024-06 [--lang en] [--runs 3]

Each run is one command in a fresh process (imports included) writing HTML, PDF and XLSX
into a temporary folder; it prints the wall time, the CPU time of the process (user +
system) and the load average of the machine before the run, then the median of the runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(db: Path, month: str, lang: str, folder: Path) -> tuple[float, float, float]:
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "parity.cli.main", "report", "monthly", "--db",
                    str(db), "--month", month, "--lang", lang, "--format", "html", "--format",
                    "pdf", "--format", "xlsx", "--out", str(folder / "monthly")], check=True,
                   capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for suffix in ("html", "pdf", "xlsx"):
        assert (folder / f"monthly.{suffix}").stat().st_size > 0
    return wall, cpu, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--month", default="2024-06")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            wall, cpu, load = one_run(args.db, args.month, args.lang, Path(tmp))
            walls.append(wall)
            cpus.append(cpu)
            print(f"run {i + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU, load average {load:.1f}")
    print(f"median: {statistics.median(walls):.1f} s wall, {statistics.median(cpus):.1f} s CPU")


if __name__ == "__main__":
    main()
