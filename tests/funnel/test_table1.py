"""Seed 000 Table 1 rebuilt as 1.6M interchange rows and loaded by the real ingest."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from parity.core.analytics.funnel import funnel_report
from parity.core.ingest import ingest
from parity.core.store import open_store

from .table1 import GROUPS, RECEIVED, SCREENED, SELECTED, SHARES, stage_counts, write_table1


@pytest.mark.slow
def test_funnel_reproduces_every_count_and_percentage_of_table_1(tmp_path: Path) -> None:
    paths = write_table1(tmp_path / "in")
    with open_store(tmp_path / "parity.duckdb") as store:
        report = ingest(list(paths), store, quarantine_dir=tmp_path)
        assert report.rows_quarantined == 0
        result = funnel_report(store, ["regional_group"], year_from=2018, year_to=2022,
                               decompose=True)
    stages = result.stages
    assert stages["regional_group"].unique(maintain_order=True).to_list() == list(GROUPS)
    for group in GROUPS:
        rows = {r["stage"]: r for r in stages.filter(regional_group=group).iter_rows(named=True)}
        assert rows["received"]["count"] == RECEIVED[group]
        assert rows["screened"]["count"] == SCREENED[group]
        assert rows["selected"]["count"] == SELECTED[group]
        for stage, count in stage_counts(group).items():
            assert rows[stage]["count"] == count
        for stage in ("received", "screened", "selected"):
            assert round(100 * rows[stage]["share"], 1) == SHARES[stage][group], (group, stage)
    totals = stages.group_by("stage").agg(pl.col("count").sum())
    assert dict(totals.iter_rows()) == {
        "received": 1_598_082, "screened": 925_141, "selected": 8_886,
        **{s: sum(stage_counts(g)[s] for g in GROUPS)
           for s in ("assessed", "interviewed", "recommended")}}
    # WEOG: 30.6% of applications but 46.2% of selections; overall ratio vs all others > 1.
    assert result.summary is not None
    weog = result.summary.filter(regional_group="WEOG").row(0, named=True)
    assert weog["overall_ratio"] > 1
    afr = result.summary.filter(regional_group="AFR").row(0, named=True)
    expected = (1831 / 543_589) / ((8886 - 1831) / (1_598_082 - 543_589))
    assert afr["overall_ratio"] == pytest.approx(expected, rel=1e-12)
    assert result.roster["count"].sum() == 0
