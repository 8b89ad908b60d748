"""Backend.execute keeps compiled SQL per data version; tables are looked up once."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from parity.core import backend as backend_module
from parity.core.analytics.funnel_counts import CountRequest, count_table
from parity.core.backend import Backend
from parity.core.store import Store, open_store


def test_compiled_query_is_reused_and_the_builder_skipped(store: Store) -> None:
    b = Backend.from_store(store)
    built: list[int] = []
    apps = b.table("applications")

    def build():  # type: ignore[no-untyped-def]
        built.append(1)
        return apps.aggregate(n=apps.count())

    before = backend_module.compiled_queries()
    first = b.execute(build, key=("test", "count applications"))
    again = Backend.from_store(store).execute(build, key=("test", "count applications"))
    assert first.equals(again)
    assert built == [1]  # the second run found the SQL without building the expression
    assert backend_module.compiled_queries() == min(before + 1, backend_module.COMPILED_MAX)
    with store.cursor() as cur:
        direct = cur.sql("SELECT count(*) FROM main.applications").fetchall()[0][0]
    assert first["n"][0] == direct


def test_same_expression_is_one_cache_entry(store: Store) -> None:
    b = Backend.from_store(store)
    staff = b.table("staff")
    b.execute(staff.group_by("gender").agg(n=staff.count()))
    size = backend_module.compiled_queries()
    rebuilt = b.table("staff")
    b.execute(rebuilt.group_by("gender").agg(n=rebuilt.count()))
    assert backend_module.compiled_queries() == size


def test_a_new_load_changes_the_data_version(tmp_path: Path) -> None:
    with open_store(tmp_path / "p.duckdb") as s:
        v1 = Backend.from_store(s).cache_version()
        with s.cursor() as cur:
            cur.sql("INSERT INTO main.loads VALUES (1, 'x.csv', 'abc', 'staff', 0, 0, 0, 0, "
                    "now()::TIMESTAMP)")
        v2 = Backend.from_store(s).cache_version()
    assert v1 != v2


def test_tables_are_looked_up_once(store: Store) -> None:
    b = Backend.from_store(store)
    assert b.table("staff") is b.table("staff")
    assert b.table("self_identification") is b.table("self_identification")


def test_funnel_count_equals_plain_sql(store: Store) -> None:
    """The cached funnel count against an independent SQL count on the store."""
    got = count_table(Backend.from_store(store), CountRequest(keys=("gender",)))
    totals = got.group_by("gender").agg(n=pl.col("received").sum(), s=pl.col("selected").sum())
    with store.cursor() as cur:
        want = cur.sql(
            "SELECT coalesce(CAST(gender AS VARCHAR), 'unknown') AS gender, count(*) AS n, "
            "count(selected_date) AS s FROM main.applications GROUP BY ALL").pl()
    assert dict(zip(totals["gender"], zip(totals["n"], totals["s"], strict=True), strict=True)) == \
        dict(zip(want["gender"], zip(want["n"], want["s"], strict=True), strict=True))


def test_in_memory_tables_run_through_ibis(store: Store) -> None:
    """Raw SQL cannot see an Ibis memtable; such a question is not cached as SQL."""
    import ibis

    b = Backend.from_store(store)
    staff = b.table("staff")
    wanted = ibis.memtable({"g": ["F"]})
    joined = staff.join(wanted, staff.gender.cast("string") == wanted.g)
    expr = joined.aggregate(n=joined.count())
    got = b.execute(expr)["n"][0]
    again = b.execute(expr)["n"][0]
    with store.cursor() as cur:
        want = cur.sql("SELECT count(*) FROM main.staff WHERE gender = 'F'").fetchall()[0][0]
    assert got == again == want
