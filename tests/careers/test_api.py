"""The notebook API returns ordinary polars frames."""

from __future__ import annotations

import polars as pl

from parity import api
from parity.core.store import Store


def test_api_functions_return_frames(small_stores: dict[int, Store]) -> None:
    store = small_stores[0]
    frame = api.careers(store, "separation", ["gender"], strata=["grade"])
    assert isinstance(frame, pl.DataFrame) and {"mh_ratio", "verdict"} <= set(frame.columns)
    counts = api.careers_counts(store, "promotion", ["grade"])
    assert set(counts.columns) == {"grade", "outcome", "count", "staff_years"}
    assert counts["count"].sum() == api.careers(store, "promotion", ["grade"])["count"].sum()
    assert api.careers_survival(store, ["gender"]).height > 0
    curves = api.careers_survival(store, ["gender"], curves=True)
    assert {"years", "at_risk", "survival"} <= set(curves.columns)
