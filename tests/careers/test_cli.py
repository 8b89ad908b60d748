"""``parity careers`` on real stores: readable tables, machine formats, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parity.cli.main import app
from parity.core.store import Store

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["careers", *args])
    return result.exit_code, result.output


def test_each_flow_answers_with_a_table(table1_store: tuple[Store, Path],
                                        small_stores: dict[int, Store]) -> None:
    db = str(table1_store[1] / "parity.duckdb")
    code, text = _run("--flow", "promotion", "--from", "2018", "--to", "2022",
                      "--scope", "professional", "--db", db)
    assert code == 0, text
    assert "Promotions per 100 staff-years" in text and "WEOG" in text
    assert "1,293" in text and "Reference: all others" in text
    code, text = _run("--flow", "roster", "--from", "2018", "--to", "2022", "--scope",
                      "professional", "--db", db)
    assert code == 0, text
    assert "membership" in text and "conversion" in text and "23,028" in text
    small = str(small_stores[0].path)
    code, text = _run("--flow", "separation", "--by", "gender", "--strata", "grade", "--db",
                      small)
    assert code == 0, text
    assert "non retirement" in text and "within strata" in text and "higher rate is adverse" in text
    code, text = _run("--flow", "reassignment", "--by", "field", "--db", small)
    assert code == 0, text
    assert "duty station" in text
    code, text = _run("--flow", "promotion", "--survival", "--db", small)
    assert code == 0, text
    assert "Time in grade until promotion" in text and "hazard ratio" in text


def test_machine_formats(small_stores: dict[int, Store], tmp_path: Path) -> None:
    small = str(small_stores[1].path)
    code, text = _run("--flow", "separation", "--by", "regional_group,gender", "--format",
                      "json", "--db", small)
    assert code == 0, text
    answer = json.loads(text)
    assert answer["parameters"]["flow"] == "separation"
    records = answer["sections"]["separation"]
    assert {"flow", "outcome", "regional_group", "gender", "count", "staff_years", "rate",
            "rate_low", "rate_high", "ratio", "ratio_low", "ratio_high", "p_value", "q_value",
            "verdict", "reference", "direction"} <= set(records[0])
    out = tmp_path / "promotions.csv"
    code, text = _run("--flow", "promotion", "--format", "csv", "--output", str(out), "--db",
                      small)
    assert code == 0, text
    assert out.read_text(encoding="utf-8").startswith("flow,outcome,regional_group,count")


@pytest.mark.parametrize(("args", "message"), [
    (("--flow", "transfers"), "is not a career flow"),
    (("--flow", "separation", "--survival"), "--survival applies to promotions only"),
    (("--flow", "promotion", "--by", "colour"), "is not a dimension"),
    (("--flow", "roster", "--by", "appointment_type"), "the roster flow"),
    (("--flow", "promotion", "--reference", "MARS"), "not one of the groups"),
    (("--flow", "promotion", "--from", "2030"), "leaves no time"),
    (("--flow", "promotion", "--scope", "senior"), "is not a scope"),
])
def test_user_errors_are_one_sentence(small_stores: dict[int, Store], args: tuple[str, ...],
                                      message: str) -> None:
    code, text = _run(*args, "--db", str(small_stores[2].path))
    assert code == 2, text
    assert message in text and "Traceback" not in text
