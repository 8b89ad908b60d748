"""Precomputed tables change no number: answers with and without them are equal.

On a real store (the dashboard tests' synthetic organization, ingested), every view's data
for a sample of filter sets (up to two filters changed at random) is computed once counting
directly on the store (``parity.core.precompute.direct``) and once from the tables kept per
data version, after other filter sets have filled them, and the frames must be identical.
The dashboard started with ``precompute`` answers the same JSON as one started without it.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import httpx
import polars as pl
import pytest
from fastapi.testclient import TestClient
from polars.testing import assert_frame_equal

from parity.core import precompute
from parity.core.analytics import composition, summary
from parity.core.analytics.funnel_counts import CountRequest, count_table
from parity.core.analytics.funnel_dims import parse_filters
from parity.core.backend import Backend
from parity.core.store import open_store
from parity.web import precompute as web_precompute
from parity.web.app import create_app
from parity.web.config import WebSettings
from parity.web.users import User
from parity.web.views import registry
from parity.web.views.base import Source

from .conftest import (
    PASSWORD,
    ROLE_USER,
    WebData,
    _free_port,
    csrf_of,
    stop_serving,
    wait_until_serving,
)


def _samples(source: Source, rng: random.Random, n: int) -> list[tuple[str, dict[str, str | None]]]:
    out = []
    views = [v for v in registry().values() if v.slug != "published"]
    for i in range(n):
        view = views[i % len(views)]
        options = {p.name: list(p.options(source)) for p in view.params}
        params = {p.name: p.parse(None, options[p.name]) for p in view.params}
        changeable = [p.name for p in view.params if options[p.name]]
        for name in rng.sample(changeable, min(rng.choice((0, 1, 2)), len(changeable))):
            params[name] = rng.choice(options[name])
        if params.get("year_from") and params.get("year_to") and \
                int(params["year_from"] or 0) > int(params["year_to"] or 0):
            params["year_from"], params["year_to"] = params["year_to"], params["year_from"]
        out.append((view.slug, params))
    return out


def test_view_data_equal_with_and_without_precomputed_tables(web_data: WebData) -> None:
    precompute.clear()
    with open_store(web_data.copy("precompute-views"), read_only=True, create=False) as store:
        source = Source(store, User("t", "analyst"))
        samples = _samples(source, random.Random(16), 16)
        views = registry()
        for slug, params in samples:  # fill the tables with other questions first
            views[slug].compute(source, {**params, "year_from": None} if "year_from" in params
                                else params)
        before = precompute.stats["hits"]
        for slug, params in samples:
            got = views[slug].compute(source, params)
            with precompute.direct():
                expected = views[slug].compute(source, params)
            assert got.keys() == expected.keys()
            for name in got:
                try:
                    assert_frame_equal(got[name], expected[name], check_exact=True)
                except AssertionError as exc:
                    raise AssertionError(f"{slug} {params} {name}: {exc}") from exc
        assert precompute.stats["hits"] > before  # the tables were used, not recomputed


def test_core_counts_equal_direct_counts(web_data: WebData) -> None:
    """The funnel, selection and staff counts summed from the per-data-version tables equal
    the direct counts for periods, breakdowns and filters."""
    precompute.clear()
    with open_store(web_data.copy("precompute-core"), read_only=True, create=False) as store:
        backend = Backend.from_store(store)
        requests = [CountRequest(("regional_group",), 2019, 2021),
                    CountRequest(("gender", "grade"), None, 2020),
                    CountRequest(("nationality",), 2018, None, parse_filters(["grade=P-3"])),
                    CountRequest(("entity_type",), 2017, 2022)]
        for request in requests:
            got = count_table(backend, request)
            with precompute.direct():
                expected = count_table(backend, request)
            assert_frame_equal(got, expected, check_exact=True)
        for years in ((2018, 2022), (2020, 2020), (2015, 2024)):
            for professional in (True, False):
                got = summary.selections_by_regional_group(backend, *years, professional)
                with precompute.direct():
                    expected = summary.selections_by_regional_group(backend, *years, professional)
                assert_frame_equal(got, expected, check_exact=True)
        dates = composition.snapshot_dates(backend)
        for by, scope in ((["gender"], "all"), (["grade", "gender"], "professional")):
            for as_of in (dates[0], dates[-1]):
                got = composition.composition(backend, by, as_of=as_of, scope=scope)
                with precompute.direct():
                    expected = composition.composition(backend, by, as_of=as_of, scope=scope)
                assert_frame_equal(got, expected, check_exact=True)
        # the selection counts against a plain SQL recomputation
        sql = store.frame(
            "SELECT r.regional_group::VARCHAR AS regional_group, count(*) AS received "
            "FROM main.applications a JOIN main.ref_country_regions r "
            "ON r.iso3 = a.nationality::VARCHAR WHERE a.opening_year BETWEEN 2019 AND 2021 "
            "GROUP BY 1")
        got = summary.selections_by_regional_group(backend, 2019, 2021, False)
        joined = got.select(pl.col("regional_group").cast(pl.Utf8), "received").join(
            sql, on="regional_group", how="inner")
        assert joined.height == sql.height
        assert (joined["received"] == joined["received_right"]).all()


def _answers(client: TestClient, samples: list[tuple[str, dict[str, str | None]]]) -> list[object]:
    page = client.get("/login")
    client.post("/login", data={"username": ROLE_USER["analyst"], "password": PASSWORD,
                                "csrf_token": csrf_of(page.text), "next": "/"},
                follow_redirects=False)
    out = []
    for slug, params in samples:
        res = client.get(f"/api/views/{slug}", params={k: v for k, v in params.items() if v})
        assert res.status_code == 200, (slug, params, res.text[:300])
        body = res.json()
        out.append({k: v for k, v in body.items() if k != "data_as_of"})
    return out


def test_dashboard_answers_equal_with_and_without_precompute(
        web_data: WebData, monkeypatch: pytest.MonkeyPatch) -> None:
    """The start-up computation (here: careers whole, the count tables of every breakdown)
    and the answers built from it equal a dashboard's without it."""
    precompute.clear()
    monkeypatch.setattr(web_precompute, "WHOLE", {"careers": web_precompute.WHOLE["careers"]})
    with open_store(web_data.db, read_only=True, create=False) as store:
        samples = _samples(Source(store, User("t", "analyst")), random.Random(17), 16)
    app = create_app(WebSettings(db=web_data.copy("precompute-on"), precompute=True))
    runtime = app.state.runtime
    whole = [k for k in runtime.cache._data if k[0] == "whole"]
    assert len(whole) == 16  # careers: every flow and breakdown
    with TestClient(app) as client:
        on = _answers(client, samples)
    with precompute.direct():
        plain = create_app(WebSettings(db=web_data.copy("precompute-off")))
        with TestClient(plain) as client:
            off = _answers(client, samples)
    assert on == off
    assert all(re.fullmatch(r"[0-9a-f]{16}", k[-1]) for k in whole)  # keyed by data version


def test_serve_with_workers_precomputes_into_the_shared_folder(web_data: WebData,
                                                                tmp_path: Path) -> None:
    """`parity serve --workers 2 --precompute`: the costly answers are in the shared cache
    folder before the first request, and the workers answer what a plain app answers."""
    db = web_data.copy("precompute-workers")
    port = _free_port()
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARITY_")} | {"TMPDIR": str(temp)}
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "parity.cli.main", "serve", "--db", str(db),
                             "--port", str(port), "--workers", "2", "--precompute"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    samples = [("careers", {"flow": "separation", "by": "gender"}),
               ("gender", {"by": "entity"}), ("funnel", {"year_from": None, "by": "gender"})]
    try:
        wait_until_serving(base, proc, tmp_path / "serve.log", 600)
        folders = [p for p in temp.iterdir() if p.name.startswith("parity-cache-")]
        entries = list(folders[0].rglob("*.frames"))
        assert len(entries) >= 16 + 7  # careers and projections at least, before any request
        with httpx.Client(base_url=base) as client:
            served = _answers(client, samples)  # type: ignore[arg-type]
    finally:
        stop_serving(proc, 30)
        log.close()
    precompute.clear()
    with precompute.direct(), TestClient(create_app(WebSettings(db=web_data.copy("plain")))) as c:
        assert served == _answers(c, samples)
