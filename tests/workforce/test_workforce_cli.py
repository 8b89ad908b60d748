"""The workforce commands through real subprocesses, with their documented JSON keys.

The three JSON commands run as subprocesses of the installed ``parity`` (two at a time:
each spends most of its time importing); further variants and the user errors run
in-process with typer's runner. The tests then check the outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parity.cli.main import app
from parity.core.ingest import ingest
from parity.core.store import open_store

from ._data import staff_rows, write_staff_csv

PARITY = str(Path(sys.executable).parent / "parity")
Runs = dict[str, subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    folder = tmp_path_factory.mktemp("cli")
    db = str(folder / "parity.duckdb")
    with open_store(db) as store:
        ingest([write_staff_csv(folder / "staff.csv", staff_rows())], store)
    bad = folder / "bad.yaml"
    bad.write_text("limits:\n  minimum_upper_limit: -1\n")
    commands = {
        "composition": ["composition", "--by", "regional_group,gender", "--format", "json"],
        "ranges": ["ranges", "--what-if", "20", "--format", "json"],
        "gender": ["gender", "--format", "json"],
    }
    env = {**os.environ, "COLUMNS": "200"}

    def run(args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([PARITY, *args, "--db", db], capture_output=True, text=True,
                              env=env, timeout=180)

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(run, args) for name, args in commands.items()}
        out = {name: f.result() for name, f in futures.items()}
    out["_bad_file"] = subprocess.CompletedProcess([], 0, str(bad), "")
    # the other variants in-process (same code path after the imports)
    runner = CliRunner()
    for name, args in {
        "compare": ["composition", "--by", "grade", "--compare", "2022-01-01", "--as-of",
                    "2023-12-31", "--format", "json"],
        "trend": ["composition", "--by", "field", "--trend", "--format", "csv"],
        "ranges_table": ["ranges"],
        "gender_table": ["gender", "--by", "entity"],
        "bad_dimension": ["composition", "--by", "colour"],
        "bad_params": ["ranges", "--params", str(bad)],
    }.items():
        res = runner.invoke(app, [*args, "--db", db], env={"COLUMNS": "200"})
        out[name] = subprocess.CompletedProcess(args, res.exit_code, res.stdout, res.stderr)
    return out


def test_composition_json_keys(runs: Runs) -> None:
    res = runs["composition"]
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["sections"]["composition"]
    assert set(rows[0]) == {"snapshot_date", "regional_group", "gender", "staff", "share",
                            "share_within"}
    assert rows[0]["snapshot_date"] == "2023-12-31"
    rows = json.loads(runs["compare"].stdout)["sections"]["change"]
    assert set(rows[0]) == {"grade", "date_from", "date_to", "staff_from", "staff_to", "change",
                            "pct_change", "share_from", "share_to", "share_change"}
    lines = runs["trend"].stdout.splitlines()
    assert lines[0] == "snapshot_date,entity_type,staff,share,change"
    assert len(lines) == 1 + 3 * 2


def test_ranges_json_keys(runs: Runs) -> None:
    res = runs["ranges"]
    assert res.returncode == 0, res.stderr
    answer = json.loads(res.stdout)
    assert set(answer["parameters"]) == {"as_of", "snapshot_date", "base_figure",
                                         "base_figure_mode", "scale_year", "population_year",
                                         "parameters_origin", "what_if"}
    doc = answer["sections"] | answer["parameters"]
    assert set(answer["sections"]) == {"status_counts", "states", "outreach", "parameters",
                                       "what_if_status_counts", "what_if_states"}
    assert isinstance(answer["notes"], list)
    assert len(doc["states"]) == 193
    assert set(doc["states"][0]) == {
        "iso3", "name", "regional_group", "population", "assessment_rate_percent",
        "membership_component", "population_component", "contribution_component",
        "midpoint", "lower_exact", "upper_exact", "lower", "upper", "staff", "status",
        "distance_to_range", "needed_to_reach_lower"}
    assert [r["status"] for r in doc["status_counts"]] == [
        "unrepresented", "underrepresented", "within_below_midpoint", "within_above_midpoint",
        "overrepresented"]
    assert sum(r["states"] for r in doc["status_counts"]) == 193
    assert set(doc["what_if"]) == {"appointments", "allocation", "unallocated"}
    assert doc["what_if"]["appointments"] == 20
    assert set(doc["what_if_status_counts"][0]) == {"status", "label", "states_before",
                                                    "states_after", "change"}
    table = runs["ranges_table"]
    assert table.returncode == 0 and "Member States by status" in table.stdout


def test_gender_json_keys_and_table(runs: Runs) -> None:
    res = runs["gender"]
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["sections"]["gender"]
    assert list(rows[0]) == [
        "snapshot_date", "level_band", "staff", "women", "men", "other", "unknown",
        "women_share", "ci_lower", "ci_upper", "band_lower", "band_upper", "band_status",
        "ci_vs_band", "target_year", "years_to_target", "exit_rate", "entrants",
        "entrant_women_share", "target_share", "required_entrant_share", "required_feasible",
        "parity_year", "p_in_band_year", "p_in_band_at_target", "max_p_in_band"]
    assert rows[-1]["level_band"] == "Total"
    table = runs["gender_table"]
    assert table.returncode == 0 and "Women's share by entity" in table.stdout


def test_user_errors_are_one_sentence(runs: Runs) -> None:
    res = runs["bad_dimension"]
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "'colour' is not a dimension" in " ".join(res.stderr.split())
    res = runs["bad_params"]
    text = " ".join(res.stderr.split())
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "'limits.minimum_upper_limit.value'" in text and "Fix" in text
    assert runs["_bad_file"].stdout in text
