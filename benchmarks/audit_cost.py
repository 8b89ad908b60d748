"""What the audit trail costs per dashboard request.

Copies a store (default: the demo store), makes a public release and a public account on
the copy, starts ``parity serve`` on it twice — with ``audit_views`` on, then off — and
times N sequential JSON requests of the published view (already computed, so the time is
the request's overhead plus, when on, one audit entry). Prints the mean and median per
request for each run, the difference, and the entries written.

    .venv/bin/python benchmarks/audit_cost.py [--db /work/demo/parity.duckdb] [--n 500]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from parity.core import control
from parity.core.disclosure import Actor, publish, release_audience
from parity.core.store import open_store
from parity.web import users

PASSWORD = "benchmark-password-1"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _entries(db: Path) -> int:
    with sqlite3.connect(control.control_path(db)) as con:
        return int(con.execute("SELECT count(*) FROM access_log").fetchone()[0])


def run(db: Path, audit: bool, n: int) -> tuple[list[float], int]:
    port = _port()
    env = {**os.environ, "PARITY_WEB_AUDIT_VIEWS": "true" if audit else "false"}
    proc = subprocess.Popen([sys.executable, "-m", "parity.cli.main", "serve", "--db", str(db),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("parity serve did not start")
            time.sleep(0.3)
        client = httpx.Client(base_url=base)
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "bench", "password": PASSWORD,
                                    "csrf_token": token, "next": "/"})
        views = client.get("/api/views").json()["views"]
        published = next(v for v in views if v["slug"] == "published")
        table = published["parameters"][0]["values"][0]["value"]
        url = f"/api/views/published?table={table}"
        assert client.get(url).status_code == 200  # computed once, then cached
        before = _entries(db)
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            res = client.get(url)
            times.append(time.perf_counter() - t0)
            assert res.status_code == 200
        return times, _entries(db) - before
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=Path("/work/demo/parity.duckdb"))
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="parity-audit-cost-") as tmp:
        db = Path(tmp) / "store.duckdb"
        shutil.copyfile(args.db, db)
        with open_store(db) as store:
            publish(store, release_audience("public"), Actor("bench", "admin"),
                    Path(tmp) / "release")
            users.add_user(store, "bench", "public", PASSWORD)
        results = {}
        for audit in (False, True, False, True):  # interleaved: fairer on a busy machine
            times, written = run(db, audit, args.n)
            results.setdefault(audit, []).append((times, written))
        for audit, runs in results.items():
            times = [t for ts, _ in runs for t in ts]
            written = sum(w for _, w in runs)
            print(f"audit_views={'on ' if audit else 'off'}: {len(times)} requests, mean "
                  f"{statistics.mean(times) * 1000:.2f} ms, median "
                  f"{statistics.median(times) * 1000:.2f} ms, entries written {written}")
        on = statistics.median([t for ts, _ in results[True] for t in ts])
        off = statistics.median([t for ts, _ in results[False] for t in ts])
        print(f"cost of one audit entry per request (median difference): "
              f"{(on - off) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
