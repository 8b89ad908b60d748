"""Differencing across releases on different data, and known suppression traps.

The sequence test builds four public releases on one store (as is; a few staff,
self-identification answers and applications added; a correction that removes rows;
a new staff snapshot) and attacks them with ``differencing.Sequence``, an LP attacker
that reads only the release folders.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from parity.core.disclosure import (
    CountTable,
    DisclosurePolicy,
    TableSpec,
    expand,
    feasible_intervals,
    link,
    protect,
)
from parity.core.disclosure.history import History, add_differences, tag
from parity.core.disclosure.tables import CellId
from parity.core.store import open_store

from . import sequence
from .conftest import load_org
from .differencing import Sequence

WIDTH = DisclosurePolicy().protection_width
ROW = TableSpec(name="row", title="row", description="", universe="u", dims=("c",),
                counts=("n",), additive=("c",))


def _row(values: dict[str, int], universe: str = "u") -> CountTable:
    spec = ROW if universe == "u" else TableSpec(**{**ROW.__dict__, "universe": universe})
    return CountTable(spec, pl.DataFrame({"c": list(values), "n": list(values.values())}))


def _c(c: str) -> CellId:
    return ("u", "n", (("c", c),))


def test_hidden_cell_of_an_earlier_release_is_recovered_unless_audited() -> None:
    """The finding: r1 publishes Arab 43 and hides Indigenous 2 and Asian 30; r2 (one
    Arab and one Indigenous answer more) hides Arab and Indigenous and publishes Asian
    30. An attacker who assumes that counts only grow gets Indigenous in r2 <= 77 - 30 -
    43 = 4, and Asian in r1 <= 30, so Indigenous in r1 >= 75 - 43 - 30 = 2: both in [2, 4]."""
    r1 = expand(_row({"Arab": 43, "Indigenous": 2, "Asian": 30}, "u#r1"))
    r2 = expand(_row({"Arab": 44, "Indigenous": 3, "Asian": 30}))
    status = {tag(_c("Arab"), "r1"): "published", tag(_c("Indigenous"), "r1"): "primary",
              tag(_c("Asian"), "r1"): "complementary", tag(("u", "n", ()), "r1"): "published"}
    held = History(tables=[r1], status=status,
                   order=[("r1", {_c("Arab"), _c("Indigenous"), _c("Asian"), ("u", "n", ())})])
    system = link([r2, r1])
    add_differences(system, held)
    hidden = {_c("Arab"), _c("Indigenous"), tag(_c("Indigenous"), "r1"), tag(_c("Asian"), "r1")}
    got = feasible_intervals(system, hidden)
    assert (got[_c("Indigenous")].low, got[_c("Indigenous")].high) == (2, 4)
    r1_indigenous = got[tag(_c("Indigenous"), "r1")]
    assert (r1_indigenous.low, r1_indigenous.high) == (2, 4)
    # r2 alone does not show it: the differencing is what narrows it
    alone = feasible_intervals(link([r2]), {_c("Arab"), _c("Indigenous")})
    assert alone[_c("Indigenous")].width >= WIDTH
    # the suppression engine, given the earlier release, hides more until both are safe
    prot = protect(system, {_c("Indigenous"): "count 1-9"}, DisclosurePolicy(),
                   earlier=status)
    assert prot.intervals[_c("Indigenous")].width >= WIDTH
    assert prot.intervals[tag(_c("Indigenous"), "r1")].width >= WIDTH
    hidden_now = prot.suppressed
    final = feasible_intervals(system, hidden_now | {tag(_c("Indigenous"), "r1"),
                                                     tag(_c("Asian"), "r1")})
    assert final[_c("Indigenous")].width >= WIDTH
    assert final[tag(_c("Indigenous"), "r1")].width >= WIDTH


GRID = TableSpec(name="g", title="g", description="", universe="u", dims=("r", "c"),
                 counts=("n",), additive=("r", "c"))


def _g(r: str, c: str) -> CellId:
    return ("u", "n", (("c", c), ("r", r)))


def test_two_suppressions_in_every_line_can_still_disclose() -> None:
    """A known trap: hidden r1c1 = 0, r1c2 = 0, r2c1 = 5, r2c2 = 7 put two suppressions in
    every row and column, yet the only move that keeps the margins (+t, -t, -t, +t) is
    blocked by the two zeros, so every hidden cell is exact. The auditor sees it and the
    suppression engine does not stop there."""
    values = [[0, 0, 12], [5, 7, 20], [11, 14, 30]]
    rows = [{"r": f"r{i + 1}", "c": f"c{j + 1}", "n": v}
            for i, row in enumerate(values) for j, v in enumerate(row)]
    system = link([expand(CountTable(GRID, pl.DataFrame(rows)))])
    hidden = {_g("r1", "c1"), _g("r1", "c2"), _g("r2", "c1"), _g("r2", "c2")}
    got = feasible_intervals(system, hidden)
    assert all(got[c].width == 0 for c in hidden)
    assert (got[_g("r2", "c1")].low, got[_g("r2", "c1")].high) == (5, 5)
    prot = protect(system, {_g("r2", "c1"): "count 1-9", _g("r2", "c2"): "count 1-9"},
                   DisclosurePolicy())
    final = feasible_intervals(system, prot.suppressed)
    assert final[_g("r2", "c1")].width >= WIDTH
    assert final[_g("r2", "c2")].width >= WIDTH


def test_a_sequence_of_releases_resists_a_differencing_attacker(write_rows, tmp_path: Path
                                                                ) -> None:
    db = tmp_path / "seq.duckdb"
    with open_store(db) as store:
        load_org(store, write_rows, n_staff=400, n_openings=24)
    folders = sequence.run(db, tmp_path, answers=("Indigenous", "Mixed or multiple"))
    values, status = sequence.truth(db, folders)
    attack = Sequence(folders, sequence.TOLD)
    targets = {v for v in attack.hidden() if status.get(v) == "primary"}
    assert len(targets) > 50
    assert {i for i, _ in targets} == {0, 1, 2, 3}
    got = attack.intervals(targets)
    narrow = {v: (values[v], iv) for v, iv in got.items() if iv is None or iv[1] - iv[0] < WIDTH}
    assert not narrow, list(narrow.items())[:5]
    # an attacker who reads what each manifest states about the changes since the
    # release before it (instead of guessing) reaches the same directions
    reader = Sequence(folders)
    assert reader.direction[(1, "staff_latest", "staff")] == -1
    got = reader.intervals(targets)
    narrow = {v: (values[v], iv) for v, iv in got.items() if iv is None or iv[1] - iv[0] < WIDTH}
    assert not narrow, list(narrow.items())[:5]
    manifest = (folders[2] / "manifest.json").read_text(encoding="utf-8")
    assert '"change": "rows removed"' in manifest


def test_the_release_log_records_what_each_table_hid(org, tmp_path: Path) -> None:
    from parity.core.disclosure import publish, release_audience, release_log

    from .conftest import ANALYST

    store, _ = org
    rel = publish(store, release_audience("public"), ANALYST, tmp_path / "r")
    got = {r["table_name"]: r for r in release_log.loss(store, rel.release_id).to_dicts()}
    assert set(got) == {t.name for t in rel.tables}
    for t in rel.tables:
        frame = pl.read_csv(tmp_path / "r" / f"{t.name}.csv", infer_schema_length=0)
        counts = list(t.expanded.spec.counts)
        empty = sum(frame[c].is_null().sum() for c in counts)
        assert got[t.name]["hidden"] == empty, t.name
        assert got[t.name]["cells"] == frame.height * len(counts), t.name
        hidden_value = sum(value for _, _, cid, value in t.expanded.cells()
                           if rel.protection.status.get(cid) not in (None, "published",
                                                                     "collapsed"))
        assert got[t.name]["hidden_value"] == hidden_value


def test_demo_gender_parity_publishes_women_and_men_everywhere(tmp_path: Path) -> None:
    """The target on the demo store: the public gender parity table hides at most 10 % of
    its cells and publishes women and men in every band and in total."""
    import subprocess
    import sys

    from parity.core.disclosure import publish, release_audience, release_log

    from .conftest import ANALYST

    res = subprocess.run([sys.executable, "-m", "parity.cli.main", "demo", "--dir",
                          str(tmp_path / "demo")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    db = next((tmp_path / "demo").glob("*.duckdb"))
    with open_store(db) as store:
        rel = publish(store, release_audience("public"), ANALYST, tmp_path / "r")
        got = {r["table_name"]: r for r in release_log.loss(store, rel.release_id).to_dicts()}
    parity = got["gender_parity_by_level"]
    assert parity["hidden"] <= 0.1 * parity["cells"]
    frame = pl.read_csv(tmp_path / "r" / "gender_parity_by_level.csv")
    women_men = frame.filter(pl.col("gender").is_in(["F", "M"]))
    assert women_men.height == 2 * 9  # 8 bands and the total
    assert women_men["staff"].null_count() == 0
    assert "other_or_unknown" not in frame["gender"].to_list()


def test_remainder_rows_come_back_when_not_collapsed(org) -> None:
    from parity.core.disclosure import build_release, release_audience

    from .conftest import ANALYST

    store, _ = org
    on = build_release(store, release_audience("public"), ANALYST)
    off = build_release(store, release_audience("public"), ANALYST,
                        DisclosurePolicy(collapse_remainders=False))
    genders_on = set(on.table("gender_parity_by_level").frame["gender"].to_list())
    genders_off = set(off.table("gender_parity_by_level").frame["gender"].to_list())
    assert genders_on == {"F", "M", "All"}
    assert genders_off == {"F", "M", "other_or_unknown", "All"}
    meta = next(t for t in on.manifest("x")["tables"] if t["name"] == "gender_parity_by_level")
    assert meta["remainder"] == [["gender", "other_or_unknown"]]
    assert meta["collapsed_cells"] == 9  # one per band and the total
    assert any("other_or_unknown" in n for n in meta["notes"])


def test_readers_of_a_release_hold_which_earlier_releases() -> None:
    from parity.core.disclosure import release_audience
    from parity.core.disclosure.policy import shares_readers

    public, ken = release_audience("public"), release_audience("member_state", "KEN")
    fra, dppa = release_audience("member_state", "FRA"), release_audience("manager", entity="DPPA")
    assert shares_readers(public, ken) and shares_readers(ken, public)
    assert shares_readers(ken, ken) and shares_readers(public, dppa)
    assert not shares_readers(ken, fra) and not shares_readers(ken, dppa)


def test_an_older_release_log_gains_the_held_column(tmp_path: Path) -> None:
    from parity.core.disclosure import release_log

    with open_store(tmp_path / "old.duckdb") as store:
        store.con.execute(
            "CREATE TABLE main.disclosure_release_cells (release_id VARCHAR NOT NULL, "
            "table_name VARCHAR NOT NULL, cell VARCHAR NOT NULL, status VARCHAR NOT NULL, "
            "value BIGINT)")
        store.con.execute("INSERT INTO main.disclosure_release_cells VALUES "
                          "('r0001', 't', '[\"u\", \"n\", []]', 'primary', NULL)")
        release_log.ensure_tables(store)
        cols = [r[0] for r in store.con.execute(
            "DESCRIBE main.disclosure_release_cells").fetchall()]
        assert cols[-1] == "held"
        store.con.execute(
            "INSERT INTO main.disclosure_releases VALUES ('r0001', 1, 'now', 'a', 'analyst', "
            "'public', 'public', NULL, NULL, 'v1', '{}', '[]', 'out', 'x')")
        # a release recorded without true values cannot be rebuilt: it is left out
        assert release_log.earlier_releases(store, "v2") == []
        store.con.execute("UPDATE main.disclosure_release_cells SET held = 3")
        got = release_log.earlier_releases(store, "v2")
        assert [(e.release_id, e.cells["t"][("u", "n", ())]) for e in got] == [
            ("r0001", ("primary", 3))]
