"""Load benchmark of the dashboard: simulated users browsing views and JSON twins.

Starts ``parity serve --read-only --workers N`` (``--workers``, default 2 uvicorn worker
processes) on a copy of a store on 127.0.0.1, after creating the benchmark's account on
that copy, and logs ``--users`` simulated users in through the login form (an analyst
account, who may open every view); each then makes ``--requests`` requests with no think
time: a view page or its JSON twin, with the default filters or one filter changed, picked
at random from ``/api/views``. Bounded: at most users × requests requests, and it stops
after ``--max-seconds``. Loopback only. Exits non-zero on any error or when the JSON twins'
p95 is 300 ms or more. The load average is printed before and after (the load generator
shares the machine with the server; numbers on a loaded machine are indicative only).

    .venv/bin/python benchmarks/dashboard_load.py --db demo/parity.duckdb
    .venv/bin/python benchmarks/dashboard_load.py --scale 1        # synthesize + load first
    .venv/bin/python benchmarks/dashboard_load.py --db demo/parity.duckdb --workers 1

Computed tables are cached per store state (not per request); the first request for each
view and filter set computes it. A warm-up pass (one connection, so one worker) opens
every view with its defaults and with every filter value, and is reported apart; the
other workers read what it computed from the server's shared cache folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

P95_TARGET_MS = 300.0
PASSWORD = "benchmark-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _store(args: argparse.Namespace, work: Path) -> Path:
    db = work / "parity.duckdb"
    if args.db:
        shutil.copyfile(args.db, db)
        return db
    from parity.core.ingest import ingest
    from parity.core.store import open_store
    from parity.core.synth import synthesize

    started = time.perf_counter()
    synthesize(work / "data", scale=args.scale, seed=0)
    with open_store(db) as store:
        ingest(sorted((work / "data").glob("*.csv")), store)
    print(f"built a scale-{args.scale} store in {time.perf_counter() - started:.1f} s")
    return db


def _accounts(db: Path) -> None:
    from parity.core.store import open_store
    from parity.web import users

    with open_store(db) as store:
        if "bench-analyst" not in {str(u["name"]) for u in users.list_users(store)}:
            users.add_user(store, "bench-analyst", "analyst", PASSWORD)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" ({os.cpu_count()} cores)"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


async def _login(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    res = await client.post("/login", data={"username": "bench-analyst", "password": PASSWORD,
                                            "csrf_token": token.group(1)})
    assert res.status_code in (200, 303), res.status_code


def _pick(views: list[dict[str, Any]], rng: random.Random) -> tuple[str, dict[str, str]]:
    """A view with its default filters, or with one filter changed to a valid value."""
    view = rng.choice(views)
    if view["valid"] and rng.random() < 0.5:
        name, value = rng.choice(view["valid"])
        return view["slug"], {name: value}
    return view["slug"], {}


async def _user(client: httpx.AsyncClient, views: list[dict[str, Any]], n: int, seed: int,
                deadline: float, out: dict[str, list[float]], errors: list[str]) -> None:
    rng = random.Random(seed)
    for _ in range(n):
        if time.monotonic() > deadline:
            return
        slug, params = _pick(views, rng)
        kind = "json" if rng.random() < 0.5 else "html"
        url = f"/api/views/{slug}" if kind == "json" else f"/views/{slug}"
        started = time.perf_counter()
        try:
            res = await client.get(url, params=params)
        except httpx.TransportError as exc:
            errors.append(f"{type(exc).__name__} {url} {params}")
            continue
        out[kind].append(1000 * (time.perf_counter() - started))
        if res.status_code != 200:
            errors.append(f"{res.status_code} {url} {params}")


async def _run(base: str, args: argparse.Namespace) -> tuple[dict[str, list[float]], list[str], float]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        await _login(client)
        views = (await client.get("/api/views")).json()["views"]
        views = [v for v in views if v["allowed"]]
        started = time.perf_counter()
        for v in views:
            t0 = time.perf_counter()
            for url in (v["page_url"], v["json_url"]):
                res = await client.get(url)
                assert res.status_code == 200, (url, res.status_code, res.text[:300])
            first = 1000 * (time.perf_counter() - t0)
            # every filter set the simulated users can pick: the defaults with one value changed
            combos = [(p["name"], value["value"]) for p in v["parameters"] for value in p["values"]]
            v["valid"] = []
            for name, value in combos:
                codes = [(await client.get(url, params={name: value})).status_code
                         for url in (v["page_url"], v["json_url"])]
                if codes == [200, 200]:
                    v["valid"].append((name, value))  # e.g. a period ending before it starts is 400
            print(f"warm-up {v['slug']:<12} first {first:6.0f} ms (page + JSON), then "
                  f"{len(combos):3d} filter sets in {time.perf_counter() - t0:5.1f} s")
        print(f"warm-up total {time.perf_counter() - started:.1f} s")
    out: dict[str, list[float]] = {"json": [], "html": []}
    errors: list[str] = []
    clients = [httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
               for _ in range(args.users)]
    try:
        await asyncio.gather(*(_login(c) for c in clients))
        deadline = time.monotonic() + args.max_seconds
        started = time.perf_counter()
        await asyncio.gather(*(_user(c, views, args.requests, i, deadline, out, errors)
                               for i, c in enumerate(clients)))
        took = time.perf_counter() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return out, errors, took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an existing store (copied; not modified)")
    parser.add_argument("--scale", type=float, default=1.0, help="synthesize a store of this scale")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="requests per user")
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--workers", type=int, default=2,
                        help="server worker processes (parity serve --read-only --workers N)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parity-load-") as tmp:
        db = _store(args, Path(tmp))
        _accounts(db)  # on the copy, before the read-only server holds it
        port = _free_port()
        print(f"load average before: {_load()}")
        server = subprocess.Popen([sys.executable, "-m", "parity.cli.main", "serve", "--db", str(db),
                                   "--port", str(port), "--read-only", "--workers", str(args.workers)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            out, errors, took = asyncio.run(_run(base, args))
        finally:
            server.terminate()
            server.wait(timeout=30)
    total = sum(len(v) for v in out.values())
    print(f"\n{args.users} users, {args.workers} server worker(s), {total} requests in {took:.1f} s "
          f"({total / took:.0f} requests/s), {len(errors)} errors; load average after: {_load()}")
    print(f"{'kind':<6}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, values in out.items():
        print(f"{kind:<6}{len(values):>7}{_pct(values, .5):>9.0f}{_pct(values, .95):>9.0f}"
              f"{_pct(values, .99):>9.0f}{max(values, default=0):>9.0f}")
    for e in errors[:10]:
        print("error:", e)
    p95 = _pct(out["json"], .95)
    ok = not errors and p95 < P95_TARGET_MS
    print(f"JSON twins p95 {p95:.0f} ms (target < {P95_TARGET_MS:.0f} ms): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
