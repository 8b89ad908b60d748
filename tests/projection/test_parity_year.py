"""One answer per question on the demo store: the parity year of ``parity gender`` is the
projection's "likely within the band from" for every level; no sentence about the future
says "likely" below one half, and each quotes its chance; the inverse solver's
reachable/unreachable decision does not change with --runs and comes with its Monte
Carlo error."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from parity.core.store import open_store
from parity.web.formatting import Formatter
from parity.web.users import User
from parity.web.views import gender as gender_view
from parity.web.views import projections as projections_view
from parity.web.views.base import Source

SRC = Path(__file__).resolve().parents[2] / "src"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "parity.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store as a new user makes it (scale 0.1)."""
    folder = tmp_path_factory.mktemp("demo")
    res = _cli("demo", "--dir", str(folder / "demo"), cwd=folder)
    assert res.returncode == 0, res.stderr
    (db,) = (folder / "demo").glob("*.duckdb")
    return db


def _sections(res: subprocess.CompletedProcess[str]) -> dict[str, list[dict[str, Any]]]:
    assert res.returncode == 0, res.stderr
    out: dict[str, list[dict[str, Any]]] = json.loads(res.stdout)["sections"]
    return out


def _first_year_by_hand(chances: dict[int, float]) -> int | None:
    """The first year from which every chance up to the end of the horizon is ≥ 1/2."""
    years = sorted(chances)
    for i, year in enumerate(years):
        if min(chances[y] for y in years[i:]) >= 0.5:
            return year
    return None


def test_gender_parity_year_is_the_projections_for_every_level(demo: Path) -> None:
    gender = _sections(_cli("gender", "--db", str(demo), "--format", "json", cwd=demo.parent))
    project = _sections(_cli("project", "--db", str(demo), "--format", "json", cwd=demo.parent))
    projected = {r["level"]: r for r in project["targets"]}
    chances: dict[str, dict[int, float]] = {}
    for r in project["levels"]:
        chances.setdefault(r["level"], {})[r["year"]] = r["p_in_band"]
    rows = gender["gender"]
    assert {r["level_band"] for r in rows} == {
        "Total" if k == "All levels" else k for k in projected}
    for r in rows:
        level = "All levels" if r["level_band"] == "Total" else r["level_band"]
        by_hand = _first_year_by_hand(chances[level])
        assert r["parity_year"] == projected[level]["first_likely_year"] == by_hand, level
        # the chance the gender table quotes is the projection's in the target year
        assert r["p_in_band_year"] == projected[level]["evaluated_year"]
        assert r["p_in_band_year"] == min(r["target_year"], max(chances[level]))
        assert r["p_in_band_at_target"] == pytest.approx(projected[level]["p_in_band_at_target"])
        assert r["p_in_band_at_target"] == pytest.approx(chances[level][r["p_in_band_year"]])
        assert r["max_p_in_band"] == pytest.approx(max(chances[level].values()))


LIKELY = re.compile(r"Likely within the parity band from (\d{4})")
CHANCE = re.compile(r"Chance of being within the parity band in (\d{4}): (\d+)%")


def _check_sentences(lines: list[str], chances: dict[str, dict[int, float]],
                     names: dict[str, str]) -> int:
    """Every sentence with a future outlook quotes its chance; "likely from Y" only when
    every year from Y on has a chance of at least one half. Returns how many were read."""
    seen = 0
    for line in lines:
        if "parity band in the horizon" not in line and not LIKELY.search(line):
            continue
        seen += 1
        group = line.split(":", 1)[0]
        level = names.get(group, group)
        quoted = CHANCE.search(line)
        assert quoted, line
        year, pct = int(quoted.group(1)), int(quoted.group(2))
        assert abs(pct - 100 * chances[level][year]) <= 0.5 + 1e-9, line
        likely = LIKELY.search(line)
        if likely:
            start = int(likely.group(1))
            assert all(p >= 0.5 for y, p in chances[level].items() if y >= start), line
        if "Likely" in line and pct < 50:
            assert likely and int(likely.group(1)) > year, line
    return seen


def test_dashboard_sentences_never_say_likely_below_one_half(demo: Path) -> None:
    with open_store(demo, read_only=True) as store:
        source = Source(store, User("analyst", "analyst"))
        pdata = projections_view.compute(source, {"scenario": "baseline"})
        gdata = gender_view.compute(source, {"as_of": None, "by": "level",
                                             "scope": "professional"})
    fmt = Formatter("en")
    chances: dict[str, dict[int, float]] = {}
    for r in pdata["levels"].iter_rows(named=True):
        chances.setdefault(r["level"], {})[r["year"]] = r["p_in_band"]
    chances["Total"] = chances["All levels"]
    plines = projections_view.present(pdata, {"scenario": "baseline"}, fmt).summary
    glines = gender_view.present(gdata, {"by": "level", "scope": "professional",
                                         "as_of": None}, fmt).summary
    assert _check_sentences(plines, chances, {}) == pdata["targets"].height
    # the gender view's parity year is the projections view's, level by level
    years = {r["level"]: r["first_likely_year"] for r in pdata["targets"].iter_rows(named=True)}
    for r in gdata["parity"].iter_rows(named=True):
        assert r["parity_year"] == years["All levels" if r["group"] == "Total" else r["group"]]
    assert _check_sentences(glines, chances, {}) == gdata["parity"].height


def test_inverse_decision_does_not_flip_with_runs(demo: Path) -> None:
    decisions: dict[tuple[str, int], str] = {}
    for runs in (200, 400):
        res = _cli("project", "--db", str(demo), "--solve", "women", "--target-year", "2028",
                   "--runs", str(runs), "--format", "json", "--table", "solution",
                   cwd=demo.parent)
        rows = {r["level"]: r for r in _sections(res)["solution"]}
        for level in ("D-1/D-2", "P-4"):
            row = rows[level]
            decisions[level, runs] = row["decision"]
            assert row["decision"] in ("reachable", "not reachable", "too close to call")
            n = row["decision_runs"]
            assert n >= runs
            p = row["probability_at_extreme"]
            assert row["mc_error_at_extreme"] == pytest.approx(math.sqrt(p * (1 - p) / n))
            if row["decision"] == "reachable":
                q = row["probability"]
                assert q >= 0.8
                assert row["mc_error"] == pytest.approx(math.sqrt(q * (1 - q) / runs))
    for level in ("D-1/D-2", "P-4"):
        assert decisions[level, 200] == decisions[level, 400], level
