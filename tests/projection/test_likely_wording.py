"""Words about the future follow the probabilities beside them: "likely" only at 50 % or
more in every year it covers, and every sentence quotes the chance it rests on."""

from __future__ import annotations

import numpy as np
import polars as pl

from parity.core.projection import BASELINE, prepare, run
from parity.core.projection.summarize import first_likely_year
from parity.core.store import Store
from parity.web.formatting import Formatter
from parity.web.views.projections import _sentences

YEARS = [2025, 2026, 2027, 2028, 2029, 2030]


def test_first_likely_year_needs_every_later_year_at_one_half() -> None:
    assert first_likely_year(YEARS, np.array([0.6, 0.7, 0.4, 0.6, 0.6, 0.6])) == 2028
    assert first_likely_year(YEARS, np.array([0.5] * 6)) == 2025
    assert first_likely_year(YEARS, np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.49])) is None
    assert first_likely_year(YEARS, np.array([0.1] * 6)) is None


def _data(p_target: float, first: int | None, top: float) -> dict[str, pl.DataFrame]:
    basis = pl.DataFrame({"base_year": [2024], "years": [6], "runs": [200]})
    targets = pl.DataFrame({
        "level": ["P-4"], "share_at_target": [0.542], "evaluated_year": [2028],
        "share_p05": [0.50], "share_p95": [0.58], "p_in_band_at_target": [p_target],
        "first_likely_year": pl.Series([first], dtype=pl.Int64), "max_p_in_band": [top],
    })
    return {"basis": basis, "targets": targets}


def test_the_reported_contradiction_is_gone() -> None:
    # P-4: 54.2 % expected in 2028, a 33 % chance of being in the 47-53 % band then; the
    # chance was above one half in 2024 only.
    line = _sentences(_data(0.33, None, 0.62), "baseline", Formatter("en"))[1]
    assert "33%" in line
    assert "Likely within" not in line
    assert "Not likely to stay within the parity band" in line


def test_likely_is_said_with_its_probability() -> None:
    line = _sentences(_data(0.71, 2026, 0.8), "baseline", Formatter("en"))[1]
    assert "71%" in line and "Likely within the parity band from 2026." in line
    line = _sentences(_data(0.2, None, 0.3), "baseline", Formatter("fr"))[1]
    assert "20" in line and "Probablement dans" not in line


def test_projected_targets_never_call_a_year_likely_below_one_half(history_store: Store) -> None:
    res = run(prepare(history_store, BASELINE, years=6), runs=120, seed=4)
    for r in res.targets.iter_rows(named=True):
        first = r["first_likely_year"]
        if first is not None and r["evaluated_year"] >= first:
            assert r["p_in_band_at_target"] >= 0.5
        if r["p_in_band_at_target"] < 0.5 and first is not None:
            assert r["evaluated_year"] < first
