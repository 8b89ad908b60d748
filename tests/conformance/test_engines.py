"""The same Ibis expressions give the same counts on every tested engine.

Each test runs an analysis's count expressions on the ``engine`` fixture (a copy of the
store on DuckDB or DataFusion) and requires the result the store itself gives: integers
equal, floats within 1e-9. Frames are compared after sorting in polars, so no engine's
row or NULL order is relied upon.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import ibis
import polars as pl
import pyarrow as pa
import pytest

from parity.core.analytics import careers, composition
from parity.core.analytics.funnel import funnel_report
from parity.core.analytics.funnel_counts import CountRequest, count_table
from parity.core.analytics.gender import gender_parity
from parity.core.analytics.ranges import desirable_ranges
from parity.core.analytics.timelines import timelines_report
from parity.core.backend import Backend, ratio
from parity.core.disclosure import catalog
from parity.core.disclosure.policy import Actor, Audience
from parity.core.disclosure.release import Release, build_release
from parity.core.projection import BASELINE, project
from parity.core.store import Store, open_store

from .conftest import ENGINES, _connect


def _normal(frame: pl.DataFrame) -> pl.DataFrame:
    """Integers as Int64, floats as Float64, rows sorted on every column (nulls last)."""
    casts = []
    for name, dtype in frame.schema.items():
        if dtype.is_integer():
            casts.append(pl.col(name).cast(pl.Int64))
        elif dtype.is_float():
            casts.append(pl.col(name).cast(pl.Float64))
    frame = frame.with_columns(casts)
    keys = [c for c, t in frame.schema.items() if not t.is_float()]
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    return frame.sort([*keys, *floats], nulls_last=True)


def assert_same(got: pl.DataFrame, want: pl.DataFrame) -> None:
    assert got.columns == want.columns
    assert got.height == want.height
    a, b = _normal(got), _normal(want)
    for name, dtype in b.schema.items():
        if dtype == pl.Float64:
            diff = (a[name] - b[name]).abs()
            assert a[name].is_null().equals(b[name].is_null()), name
            assert a[name].is_nan().fill_null(False).equals(b[name].is_nan().fill_null(False)), name
            assert (diff.fill_nan(0).fill_null(0) <= 1e-9).all(), (name, diff.max())
        else:
            assert a[name].equals(b[name]), name


# ------------------------------------------------------------------ the known traps

@pytest.fixture(scope="module", params=ENGINES)
def tiny(request: pytest.FixtureRequest) -> Backend:
    """Three rows with integers, a boolean and a NULL, on one engine."""
    table = pa.table({"k": ["a", "a", None], "n": pa.array([1, 2, 3], pa.int64()),
                      "d": pa.array([3, 3, 4], pa.int64()), "flag": [True, False, True]})
    return _connect(request.param, {"tiny": table}, request)


def test_ratio_of_integers_is_not_integer_division(tiny: Backend) -> None:
    t = tiny.table("tiny")
    got = tiny.execute(t.select("n", r=ratio(t.n, t.d)).order_by("n"))
    assert got["r"].to_list() == pytest.approx([1 / 3, 2 / 3, 3 / 4], abs=1e-12)


def test_boolean_counts_with_ifelse(tiny: Backend) -> None:
    t = tiny.table("tiny")
    got = tiny.execute(t.aggregate(n=t.flag.ifelse(1, 0).sum(), rows=t.count()))
    assert got.row(0) == (2, 3)


def test_null_group_is_kept_and_sorted_by_polars(tiny: Backend) -> None:
    t = tiny.table("tiny")
    got = tiny.execute(t.group_by("k").agg(n=t.n.sum())).sort("k", nulls_last=True)
    assert got.rows() == [("a", 3), (None, 3)]


def test_array_index_past_the_end_is_null(tiny: Backend) -> None:
    """An index past an array's end gives NULL on every engine (Spark's ANSI mode would
    raise INVALID_ARRAY_INDEX_IN_ELEMENT_AT without the seam's compiler rule)."""
    t = tiny.table("tiny")
    days = ibis.array([ibis.date(2020, 1, 1), ibis.date(2021, 1, 1)])
    got = tiny.execute(t.select("n", day=days[(t.n - 1).cast("int32")]).order_by("n"))
    assert got["day"].to_list() == [date(2020, 1, 1), date(2021, 1, 1), None]


# ------------------------------------------------------------------ the analyses

@pytest.mark.parametrize("keys", [("regional_group", "gender"),
                                  ("gender", "grade", "entity_type", "year")])
def test_funnel_count_table(engine: Backend, reference: Backend, keys: tuple[str, ...]) -> None:
    request = CountRequest(keys=keys, year_from=2017)
    assert_same(count_table(engine, request), count_table(reference, request))


def test_funnel_with_strata_and_decomposition(engine: Backend, reference: Backend) -> None:
    """Every section: stages, roster, stratified tests, the stage decomposition, summary."""
    got = funnel_report(engine, ["regional_group"], strata="grade", decompose=True).sections()
    want = funnel_report(reference, ["regional_group"], strata="grade", decompose=True).sections()
    assert {"stages", "roster", "stratified", "decomposition", "summary"} <= set(want)
    assert got.keys() == want.keys()
    for name, frame in want.items():
        assert frame.height > 0, name
        assert_same(got[name], frame)


@pytest.mark.parametrize("flow", ["promotion", "reassignment", "separation", "roster"])
def test_careers_counts_with_strata(engine: Backend, reference: Backend, flow: str) -> None:
    got = careers.careers_counts(engine, flow, ["gender"], strata=["grade"])
    want = careers.careers_counts(reference, flow, ["gender"], strata=["grade"])
    assert want.height > 0
    assert_same(got, want)


def test_careers_statistics(engine: Backend, reference: Backend) -> None:
    got = careers.careers(engine, "promotion", ["regional_group"], strata=["grade"])
    want = careers.careers(reference, "promotion", ["regional_group"], strata=["grade"])
    assert_same(got, want)


def test_careers_survival(engine: Backend, reference: Backend) -> None:
    """Spells need date differences and snapshot dates in arrays: both engines agree."""
    got = careers.careers_survival(engine, ["gender"], strata=["category"])
    want = careers.careers_survival(reference, ["gender"], strata=["category"])
    assert want.height > 0
    assert_same(got, want)


@pytest.mark.parametrize("by", [["regional_group", "gender"], ["level_band", "gender"]])
def test_composition(engine: Backend, reference: Backend, by: list[str]) -> None:
    assert_same(composition.composition(engine, by), composition.composition(reference, by))


def test_composition_trend(engine: Backend, reference: Backend) -> None:
    assert_same(composition.composition_trend(engine, ["gender"], yearly=True),
                composition.composition_trend(reference, ["gender"], yearly=True))


@pytest.mark.parametrize("name", sorted(catalog.CATALOG))
def test_release_catalog(engine: Backend, reference: Backend, name: str) -> None:
    provider = catalog.CATALOG[name]
    staff = reference.table("staff")
    latest = staff.filter(staff.snapshot_date == staff.snapshot_date.max())  # a serving member
    some = Backend.to_polars(latest.order_by("person_id").limit(1)).row(0, named=True)
    audience = {"organisation": Audience("public"),
                "nationality": Audience("member_state", nationality=str(some["nationality"])),
                "entity": Audience("manager", entity=str(some["entity"]))}[provider.scope]
    got = provider.compute(engine, audience)
    want = provider.compute(reference, audience)
    assert want is not None and got is not None
    assert want.frame.height > 0
    assert_same(got.frame, want.frame)
    assert got.reference == want.reference


@pytest.fixture(scope="module")
def release_store(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A writable copy of the store (a release reads and extends the release log)."""
    copy = tmp_path_factory.mktemp("release") / "release.duckdb"
    shutil.copyfile(store_path, copy)
    with open_store(copy) as writable:
        yield writable


RELEASER = Actor("conformance", "analyst", purpose="engine conformance")


@pytest.fixture(scope="module")
def reference_release(release_store: Store) -> Release:
    return build_release(release_store, Audience("public"), RELEASER,
                         backend=Backend.duckdb(release_store))


def test_release_with_suppression(engine: Backend, release_store: Store,
                                  reference_release: Release) -> None:
    """A whole public release (counts, primary and complementary suppression, the linked
    audit, derived rates) made from each engine equals the one made from the store."""
    got = build_release(release_store, Audience("public"), RELEASER, backend=engine)
    want = reference_release
    assert [t.name for t in got.tables] == [t.name for t in want.tables]
    assert sum(t.status_counts.get("primary", 0) for t in want.tables) > 0  # cells were hidden
    for a, b in zip(got.tables, want.tables, strict=True):
        assert a.status_counts == b.status_counts, a.name
        assert_same(a.frame, b.frame)


def test_timelines(engine: Backend, reference: Backend) -> None:
    got = timelines_report(engine, ["level_band"], year_from=2017).sections()
    want = timelines_report(reference, ["level_band"], year_from=2017).sections()
    for name, frame in want.items():
        assert_same(got[name], frame)


def test_gender_parity_and_ranges(engine: Backend, reference: Backend) -> None:
    assert_same(gender_parity(engine, by="level").table,
                gender_parity(reference, by="level").table)
    assert_same(desirable_ranges(engine).states, desirable_ranges(reference).states)


def test_projection(engine: Backend, reference: Backend) -> None:
    """The projection's history counts (and so its simulation, same seed) agree."""
    got = project(engine, BASELINE, years=2, runs=20, seed=0).tables()
    want = project(reference, BASELINE, years=2, runs=20, seed=0).tables()
    assert got.keys() == want.keys() and "levels" in want
    for name, frame in want.items():
        assert_same(got[name], frame)


def test_each_engine_is_what_it_says(engine: Backend) -> None:
    """A DataFusion backend really is DataFusion (its own Ibis backend and SQL dialect)."""
    assert type(engine.con).__module__ == f"ibis.backends.{engine.engine}"
    t = engine.table("staff")
    assert engine.execute(t.aggregate(n=t.count()))["n"][0] > 0
