"""From a real store: the history counts, a projection, the inverse mode, the back-test
and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
from typer.testing import CliRunner

from parity.core.projection import (
    BASELINE,
    backtest,
    load_scenario,
    prepare,
    read_scenario_history,
    run,
    solve,
)
from parity.core.store import Store

from ._data import history_rows


def _cli(*args: str) -> tuple[int, str, str]:
    from parity.cli.main import app

    res = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return res.exit_code, res.stdout, res.stderr


def test_history_counts_match_the_interchange_rows(history_store: Store) -> None:
    h = read_scenario_history(history_store, BASELINE)
    rows = history_rows()
    assert h.base_year == 2021 and int(h.base["n"].sum()) == 210
    years = range(2017, 2022)
    assert set(h.person_years["year"].to_list()) == set(years)
    assert int(h.person_years["at_risk"].sum()) == 5 * 210
    seps = [e for e in rows["events"] if e["event"] == "separation" and int(str(e["event_date"])[:4]) in years]
    proms = [e for e in rows["events"] if e["event"] == "promotion" and int(str(e["event_date"])[:4]) in years]
    assert int(h.person_years["separated"].sum()) == len(seps)
    assert int(h.person_years["promoted"].sum()) == len(proms)
    assert int(h.fills.filter(pl.col("event") == "promotion")["n"].sum()) == len(proms)
    # the applications window is clipped to the base year
    assert any("2018–2021" in n for n in h.notes)
    # as of 2018, nothing after 2018 is used
    early = read_scenario_history(history_store, BASELINE, base_year=2018)
    assert early.base_year == 2018 and set(early.person_years["year"].to_list()) <= set(range(2016, 2019))


def test_projection_tables_from_the_store(history_store: Store) -> None:
    inputs = prepare(history_store, load_scenario("gender_balanced_senior"), years=6)
    res = run(inputs, runs=200, seed=1)
    assert res.base_year == 2021 and res.years == 6
    assert set(res.tables()) >= {"levels", "targets", "flows", "field", "ranges", "states", "groups",
                                 "parameters"}
    lv = res.levels
    assert lv["year"].min() == 2021 and lv["year"].max() == 2027
    first = lv.filter(pl.col("year") == 2021)
    assert (first["women_share_p05"] == first["women_share_p95"]).fill_null(True).all()
    assert ((lv["women_share_p05"] <= lv["women_share"]) & (lv["women_share"] <= lv["women_share_p95"])
            ).fill_null(True).all()
    # ranges: every Member State has a row and a status count that adds up to 193
    assert res.states.height == 193
    r = res.ranges.filter(pl.col("year") == 2021)
    assert float(r["within"][0] + r["underrepresented"][0] + r["unrepresented"][0]
                 + r["overrepresented"][0]) == 193
    assert res.targets.filter(pl.col("level") == "P-4")["target_year"][0] == 2028
    # the expected-value mode is one deterministic run
    ev = run(inputs, expected=True)
    assert ev.runs == 1 and ev.expected


def test_inverse_mode_finds_the_smallest_share(history_store: Store) -> None:
    inputs = prepare(history_store, BASELINE, years=6)
    sol = solve(inputs, "women", 2026, runs=150, seed=2, iterations=5)
    table = sol.table
    assert set(table.columns) >= {"level", "required_entrant_share", "probability", "flow_balance_estimate"}
    ok = table.filter(pl.col("reachable"))
    assert ok.height and (ok["probability"] >= 0.8).all()
    # the flow-balance estimate is given for every level that has staff
    assert table["flow_balance_estimate"].is_not_null().all()
    floor = solve(inputs, "unrepresented", 2026, runs=100, seed=2, target=172, iterations=4)
    row = floor.table.row(0, named=True)
    assert row["target_states"] == 172 and row["reachable"]
    assert 0 < row["required_share"] <= 1 and row["probability"] >= 0.8


def test_backtest_on_a_small_case(history_store: Store) -> None:
    bt = backtest(history_store, origins=[2018, 2019], horizon=2, runs=100, seed=0)
    d = bt.detail
    assert set(d["origin"].to_list()) == {2018, 2019} and set(d["horizon"].to_list()) == {1, 2}
    assert set(bt.summary["method"].to_list()) == {"model", "persistence", "linear_trend"}
    # persistence error recomputed by hand
    h1 = d.filter(pl.col("horizon") == 1)
    mae = float(np.mean(np.abs(h1["persistence"].to_numpy() - h1["actual"].to_numpy()))) * 100
    got = bt.summary.filter((pl.col("method") == "persistence") & (pl.col("horizon") == 1))["mae_pp"][0]
    assert abs(got - mae) < 1e-9
    model = bt.summary.filter(pl.col("method") == "model")
    assert model["coverage90"].is_between(0, 1).all()
    assert bt.states.height == 4 and (bt.states["brier_model"] >= 0).all()


def test_command_line(history_path: Path, tmp_path: Path) -> None:
    db = str(history_path)
    code, out, err = _cli("project", "--db", db, "--runs", "60", "--years", "4", "--compare", "hiring_freeze")
    assert code == 0, err
    for title in ("Women's share by level", "Gender parity targets", "Flows per year",
                  "Member States by status", "Comparison of scenarios", "Hiring freeze 2026-2027"):
        assert title in out, title
    code, out, err = _cli("project", "--db", db, "--runs", "40", "--years", "3", "--format", "json",
                          "--table", "targets")
    assert code == 0, err
    assert {r["level"] for r in json.loads(out)["sections"]["targets"]} >= {"P-4", "All levels"}
    xlsx = tmp_path / "p.xlsx"
    code, out, err = _cli("project", "--db", db, "--runs", "30", "--years", "3", "--solve", "women",
                          "--target-year", "2024", "--format", "xlsx", "--output", str(xlsx))
    assert code == 0, err
    assert xlsx.stat().st_size > 0
    code, out, err = _cli("project", "--db", db, "--scenario", str(tmp_path / "nope.yaml"))
    assert code == 2 and "does not exist" in " ".join(err.split())
