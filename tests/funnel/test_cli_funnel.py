"""``parity funnel`` and ``parity timelines`` through a subprocess: stable JSON keys, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parity.cli.main import app
from parity.core.store import open_store

from .conftest import Cell, frames, load

PARITY = [sys.executable, "-m", "parity.cli.main"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "funnel.md"

STAGE_KEYS = ["regional_group", "stage", "count", "share", "previous_count", "pass_rate",
              "pass_rate_low", "pass_rate_high", "reference", "reference_pass_rate",
              "selection_ratio", "selection_ratio_low", "selection_ratio_high", "p_value",
              "q_value", "shortfall", "shortfall_persons", "power", "verdict"]
STRATIFIED_KEYS = ["regional_group", "stage", "strata", "strata_used", "reference",
                   "crude_ratio", "crude_p_value", "pooled_ratio", "pooled_ratio_low",
                   "pooled_ratio_high", "pooled_odds_ratio", "pooled_odds_ratio_low",
                   "pooled_odds_ratio_high", "cmh_statistic", "cmh_p_value", "cmh_q_value",
                   "breslow_day_statistic", "breslow_day_p_value", "simpson", "heterogeneous",
                   "message", "verdict"]
DECOMPOSITION_KEYS = ["regional_group", "stage", "reference", "stage_ratio", "log_share",
                      "se_log", "shortfall", "gap_stage"]
SUMMARY_KEYS = ["regional_group", "reference", "overall_ratio", "overall_ratio_low",
                "overall_ratio_high", "shortfall", "shortfall_persons", "gap_reading",
                "gap_stage", "sentence"]
TREND_TEST_KEYS = ["regional_group", "stage", "first_year", "last_year", "years",
                   "first_pass_rate", "last_pass_rate", "trend_first_pass_rate",
                   "trend_last_pass_rate", "slope", "slope_pp", "z", "p_value", "q_value",
                   "direction"]
TIMELINE_KEYS = ["grade", "openings", "selected", "censored", "median_days",
                 "median_days_low", "median_days_high", "p25_days", "p75_days",
                 "within_target", "selections_within_target", "target_days"]
TIMELINE_STAGE_KEYS = ["grade", "from_stage", "to_stage", "openings", "completed", "censored",
                       "median_days", "median_days_low", "median_days_high", "p25_days",
                       "p75_days"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([*PARITY, *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("cli")
    cells = [Cell([300, 200, 80, 40, 20, 6], nationality=n, grade=g, year=y, openings=2)
             for n in ("KEN", "FRA", "IND") for g in ("P-3", "P-4") for y in (2020, 2021)]
    cells.append(Cell([20, 15, 0, 0, 6, 4], nationality="KEN",
                      posting_type="recruit_from_roster"))
    openings, apps = frames(cells)
    with open_store(tmp / "parity.duckdb") as store:
        load(store, tmp / "in", openings, apps)
    yield tmp / "parity.duckdb"


def test_funnel_json_sections_and_keys(db: Path) -> None:
    res = run("funnel", "--db", str(db), "--by", "regional_group", "--strata", "grade",
              "--decompose", "--trend", "--format", "json")
    assert res.returncode == 0, res.stderr
    answer = json.loads(res.stdout)
    assert list(answer) == ["parameters", "data_as_of", "sections", "notes"]
    params = answer["parameters"]
    assert list(params) == ["by", "reference", "strata", "from", "to", "where", "decompose",
                            "trend"]
    assert params["by"] == ["regional_group"] and params["reference"] == "others"
    doc = answer["sections"]
    assert list(doc) == ["stages", "roster", "stratified", "decomposition", "summary", "trend",
                         "trend_tests"]
    assert list(doc["stages"][0]) == STAGE_KEYS
    assert list(doc["roster"][0]) == STAGE_KEYS
    assert list(doc["stratified"][0]) == STRATIFIED_KEYS
    assert list(doc["decomposition"][0]) == DECOMPOSITION_KEYS
    assert list(doc["summary"][0]) == SUMMARY_KEYS
    assert list(doc["trend"][0]) == ["year", *STAGE_KEYS]
    assert list(doc["trend_tests"][0]) == TREND_TEST_KEYS
    assert {r["verdict"] for r in doc["stages"]} <= {
        None, "adverse impact", "watch", "no evidence", "insufficient data"}
    assert len(doc["stages"]) == 3 * 6


def test_funnel_table(db: Path) -> None:
    res = CliRunner().invoke(app, ["funnel", "--db", str(db), "--by", "regional_group",
                                   "--where", "grade=P-3", "--strata", "level_band",
                                   "--decompose", "--trend"])
    assert res.exit_code == 0, res.output
    for header in ("regional_group", "stage", "count", "share", "pass rate (95% CI)",
                   "ratio (95% CI)", "p", "q", "shortfall", "verdict", "pooled ratio (95% CI)",
                   "Breslow–Day p", "share of log ratio", "Cochran–Armitage"):
        assert header in res.output
    assert "where grade=P-3" in res.output and "Selections from rosters" in res.output
    assert "Applicants from African States are selected at" in res.output


def test_timelines_json(db: Path) -> None:
    res = run("timelines", "--db", str(db), "--by", "grade", "--format", "json")
    assert res.returncode == 0, res.stderr
    answer = json.loads(res.stdout)
    assert list(answer["parameters"]) == ["by", "as_of", "target_days", "where"]
    doc = answer["sections"]
    assert list(doc) == ["timelines", "stages"]
    assert list(doc["timelines"][0]) == TIMELINE_KEYS
    assert list(doc["stages"][0]) == TIMELINE_STAGE_KEYS


def test_cli_errors_exit_codes(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["funnel", "--db", str(db), "--by", "colour"])
    assert res.exit_code == 2 and "is not a dimension" in " ".join(res.output.split())
    res = runner.invoke(app, ["funnel", "--db", str(db), "--by", "race_ethnicity"])
    assert res.exit_code == 4 and "only an analyst" in " ".join(res.output.split())
    res = runner.invoke(app, ["funnel", "--db", str(db), "--by", "gender", "--where", "x"])
    assert res.exit_code == 2 and "is not a filter" in res.output
    with open_store(tmp_path / "empty.duckdb"):
        pass
    res = runner.invoke(app, ["funnel", "--db", str(tmp_path / "empty.duckdb"), "--by",
                              "gender"])
    assert res.exit_code == 3 and "no applications" in res.output
    res = runner.invoke(app, ["funnel", "--db", str(db), "--by", "gender", "--decompose",
                              "--format", "csv"])
    assert res.exit_code == 0
    assert res.output.splitlines()[0] == ("gender,stage,reference,stage_ratio,log_share,"
                                          "se_log,shortfall,gap_stage")


def test_every_field_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    fields = {*STAGE_KEYS, *STRATIFIED_KEYS, *DECOMPOSITION_KEYS, *SUMMARY_KEYS,
              *TREND_TEST_KEYS, *TIMELINE_KEYS, *TIMELINE_STAGE_KEYS} - {
        "regional_group", "grade"}
    missing = sorted(f for f in fields if f"`{f}`" not in text)
    assert missing == []
