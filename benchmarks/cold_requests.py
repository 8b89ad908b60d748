"""Cold and warm dashboard requests: what a person feels on a first visit and on a return.

Starts ``parity serve --read-only --workers N`` on a copy of a store on 127.0.0.1 with NO
warm-up from this script, logs ``--users`` simulated analysts in through the login form and
lets each make ``--requests`` requests (bounded also by ``--max-seconds``). A request is a
random view (page or JSON twin) with a random combination of up to two filters changed from
their defaults to random valid values. With probability ``--repeat`` a user instead asks
again for a filter set someone has already been answered (a return visit). Each user pauses
``--think`` seconds on average (exponential) between requests; ``--think 0`` is a stress test.

Every request is classed when it is sent:

- ``first``: nobody has asked for this view and filter set before (nothing cached for it);
- ``waiting``: the same filter set is being computed for another user right now;
- ``repeated``: an earlier request for it has been answered (warm);
- ``floor``: ``/healthz``, a request that computes nothing, interleaved as the baseline.

It prints p50/p95/p99 of each class, the ratio of each to the floor measured in the same run,
the server's start-up time (launch to its first health answer, which includes whatever the
server precomputes for the data version), and the load average before and after. Exits
non-zero on any error or when the first requests' p95 is 1 s or more or the repeated ones'
150 ms or more. Loopback only.

    .venv/bin/python benchmarks/cold_requests.py --db <scale-1 store>
    .venv/bin/python benchmarks/cold_requests.py --scale 1          # synthesize + load first
    .venv/bin/python benchmarks/cold_requests.py --db <store> --no-precompute   # before
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from dashboard_load import _accounts, _free_port, _load, _login, _pct, _store

FIRST_P95_MS = 1000.0
REPEATED_P95_MS = 150.0
Key = tuple[str, tuple[tuple[str, str], ...]]


class Book:
    """What has been asked and answered so far, shared by the simulated users."""

    def __init__(self) -> None:
        self.answered: list[tuple[str, dict[str, str]]] = []
        self.seen: set[Key] = set()
        self.inflight: set[Key] = set()
        self.times: dict[str, list[float]] = {"first": [], "waiting": [], "repeated": [], "floor": []}
        self.by_view: dict[str, list[float]] = {}
        self.errors: list[str] = []


def _key(slug: str, params: dict[str, str]) -> Key:
    return slug, tuple(sorted(params.items()))


def _resolved(view: dict[str, Any], changed: dict[str, str]) -> dict[str, str]:
    """Every filter's value (defaults with the changes), the period in order."""
    params = {p["name"]: p["default"] for p in view["parameters"] if p["default"] is not None}
    params.update(changed)
    y_from, y_to = params.get("year_from"), params.get("year_to")
    if y_from and y_to and int(y_from) > int(y_to):
        params["year_from"], params["year_to"] = y_to, y_from
    return params


def _new(views: list[dict[str, Any]], rng: random.Random) -> tuple[str, dict[str, str]]:
    """A random view with 0, 1 or 2 filters changed to random values."""
    view = rng.choice(views)
    choices = [p for p in view["parameters"] if p["values"]]
    n = min(rng.choice((0, 1, 2)), len(choices))
    changed = {p["name"]: rng.choice(p["values"])["value"] for p in rng.sample(choices, n)}
    return view["slug"], _resolved(view, changed)


async def _user(client: httpx.AsyncClient, views: list[dict[str, Any]], args: argparse.Namespace,
                seed: int, deadline: float, book: Book) -> None:
    rng = random.Random(seed)
    for _ in range(args.requests):
        if time.monotonic() > deadline:
            return
        if args.think > 0:
            await asyncio.sleep(rng.expovariate(1 / args.think))
        if rng.random() < args.floor:
            started = time.perf_counter()
            res = await client.get("/healthz")
            book.times["floor"].append(1000 * (time.perf_counter() - started))
            continue
        if book.answered and rng.random() < args.repeat:
            slug, params = rng.choice(book.answered)
        else:
            slug, params = _new(views, rng)
        key = _key(slug, params)
        kind = "first" if key not in book.seen else "waiting" if key in book.inflight else "repeated"
        book.seen.add(key)
        book.inflight.add(key)
        url = f"/api/views/{slug}" if rng.random() < 0.5 else f"/views/{slug}"
        started = time.perf_counter()
        try:
            res = await client.get(url, params=params)
        except httpx.TransportError as exc:
            book.errors.append(f"{type(exc).__name__} {url} {params}")
            continue
        finally:
            book.inflight.discard(key)
        took = 1000 * (time.perf_counter() - started)
        if res.status_code != 200:
            book.errors.append(f"{res.status_code} {url} {params} {res.text[:200]}")
            continue
        book.times[kind].append(took)
        if kind == "first":
            book.by_view.setdefault(slug, []).append(took)
            book.answered.append((slug, params))


async def _run(base: str, args: argparse.Namespace, book: Book) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        await _login(client)
        started = time.perf_counter()
        listing = await client.get("/api/views")
        print(f"list of views and filter values (first request): "
              f"{1000 * (time.perf_counter() - started):.0f} ms")
        views = [v for v in listing.json()["views"] if v["allowed"]]
    clients = [httpx.AsyncClient(base_url=base, timeout=300) for _ in range(args.users)]
    try:
        await asyncio.gather(*(_login(c) for c in clients))
        deadline = time.monotonic() + args.max_seconds
        started = time.perf_counter()
        await asyncio.gather(*(_user(c, views, args, args.seed * 1000 + i, deadline, book)
                               for i, c in enumerate(clients)))
        return time.perf_counter() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an existing store (copied; not modified)")
    parser.add_argument("--scale", type=float, default=1.0, help="synthesize a store of this scale")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="requests per user")
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause between a user's requests, seconds (0: none)")
    parser.add_argument("--repeat", type=float, default=0.4,
                        help="probability that a request repeats an answered filter set")
    parser.add_argument("--floor", type=float, default=0.05,
                        help="probability that a request is /healthz (the baseline)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-precompute", action="store_true",
                        help="serve without precomputation (parity serve --no-precompute): "
                             "the figures before it")
    args = parser.parse_args(argv)
    book = Book()
    with tempfile.TemporaryDirectory(prefix="parity-cold-") as tmp:
        db = _store(args, Path(tmp))
        _accounts(db)
        port = _free_port()
        print(f"load average before: {_load()}")
        launched = time.perf_counter()
        server = subprocess.Popen([sys.executable, "-m", "parity.cli.main", "serve", "--db", str(db),
                                   "--port", str(port), "--read-only", "--workers", str(args.workers),
                                   "--no-precompute" if args.no_precompute else "--precompute"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(3000):
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            print(f"server start-up (launch to first health answer): "
                  f"{time.perf_counter() - launched:.1f} s")
            took = asyncio.run(_run(base, args, book))
        finally:
            server.terminate()
            server.wait(timeout=30)
    total = sum(len(v) for v in book.times.values())
    print(f"\n{args.users} users, {args.workers} server worker(s), think {args.think:g} s, "
          f"{total} requests in {took:.1f} s, {len(book.errors)} errors; "
          f"load average after: {_load()}")
    floor = _pct(book.times["floor"], .5) or 1.0
    print(f"{'class':<9}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'p50/floor':>11}")
    for kind, values in book.times.items():
        print(f"{kind:<9}{len(values):>6}{_pct(values, .5):>9.0f}{_pct(values, .95):>9.0f}"
              f"{_pct(values, .99):>9.0f}{max(values, default=0):>9.0f}"
              f"{_pct(values, .5) / floor:>10.1f}x")
    print("first requests by view:  " + "  ".join(
        f"{slug} n={len(v)} p95={_pct(v, .95):.0f}" for slug, v in sorted(book.by_view.items())))
    for e in book.errors[:10]:
        print("error:", e)
    first, repeated = _pct(book.times["first"], .95), _pct(book.times["repeated"], .95)
    ok = not book.errors and first < FIRST_P95_MS and repeated < REPEATED_P95_MS
    print(f"first p95 {first:.0f} ms (target < {FIRST_P95_MS:.0f}), repeated p95 {repeated:.0f} ms "
          f"(target < {REPEATED_P95_MS:.0f}): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
