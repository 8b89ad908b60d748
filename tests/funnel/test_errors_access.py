"""User errors are complete sentences; self-identification data only through audited access."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from parity import api
from parity.core.analytics.funnel import funnel_report
from parity.core.disclosure import Actor, audit_log
from parity.core.errors import AccessDeniedError, EmptyStoreError, ParityError, UserInputError
from parity.core.store import Store, open_store

from .conftest import Cell, frames, load, write_csv

CELLS = [Cell([60, 40, 20, 10, 5, 2], nationality="KEN", gender="F", openings=2),
         Cell([50, 35, 18, 9, 4, 2], nationality="FRA", gender="M", openings=2),
         Cell([40, 20, 8, 4, 2, 1], nationality="IND", gender="F", grade="P-4", year=2021)]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("access")
    openings, apps = frames(CELLS)
    s = open_store(tmp / "parity.duckdb")
    load(s, tmp / "in", openings, apps)
    ids = apps["applicant_id"].to_list()
    values = ["Asian" if i % 3 == 0 else "White" if i % 3 == 1 else "African or Black"
              for i in range(len(ids))]
    selfid = pl.DataFrame({"subject_id": ids, "dimension": ["race_ethnicity"] * len(ids),
                           "value": values, "collected_date": ["2024-01-15"] * len(ids)})
    from parity.core.ingest import ingest

    report = ingest([write_csv(selfid, tmp / "self_identification.csv")], s,
                    quarantine_dir=tmp)
    assert report.rows_quarantined == 0
    yield s
    s.close()


@pytest.mark.parametrize(("kwargs", "error", "text"), [
    ({"by": ["colour"]}, UserInputError, "is not a dimension"),
    ({"by": []}, UserInputError, "at least one --by"),
    ({"by": ["gender", "gender"]}, UserInputError, "given twice"),
    ({"by": ["gender"], "where": ["grade"]}, UserInputError, "is not a filter"),
    ({"by": ["gender"], "where": ["grade=P-9"]}, UserInputError, "not a value of grade"),
    ({"by": ["gender"], "where": ["entity=NOWHERE"]}, UserInputError, "No applications"),
    ({"by": ["gender"], "reference": "Q"}, UserInputError, "cannot be the reference"),
    ({"by": ["gender"], "strata": "gender"}, UserInputError, "cannot stratify"),
    ({"by": ["gender"], "year_from": 2022, "year_to": 2020}, UserInputError, "is after"),
    ({"by": ["race_ethnicity"]}, AccessDeniedError, "only an analyst"),
])
def test_user_errors_are_sentences_with_hints(store: Store, kwargs: dict[str, object],
                                              error: type[ParityError], text: str) -> None:
    by = kwargs.pop("by")
    with pytest.raises(error, match=text) as info:
        funnel_report(store, by, **kwargs)  # type: ignore[arg-type]
    assert info.value.message.endswith(".") and info.value.hint


def test_empty_store_is_an_empty_store_error(tmp_path: Path) -> None:
    with open_store(tmp_path / "empty.duckdb") as empty, pytest.raises(EmptyStoreError):
        api.funnel(empty, ["regional_group"])


def test_intersections_and_fixed_intersection_reference(store: Store) -> None:
    stages = api.funnel(store, ["regional_group", "gender"], reference="WEOG+M")
    groups = stages.select("regional_group", "gender").unique(maintain_order=True).rows()
    assert groups == [("AFR", "F"), ("APG", "F"), ("WEOG", "M")]
    row = stages.filter(regional_group="AFR", stage="screened").row(0, named=True)
    assert row["reference"] == "WEOG+M"
    assert row["selection_ratio"] == pytest.approx((40 / 60) / (35 / 50))


def test_self_identification_needs_an_analyst_with_a_purpose(store: Store) -> None:
    with pytest.raises(AccessDeniedError):
        funnel_report(store, ["race_ethnicity"], actor=Actor("pat", "manager", entity="DPPA"))
    with pytest.raises(AccessDeniedError, match="declared no purpose"):
        funnel_report(store, ["race_ethnicity"], actor=Actor("ana", "analyst"))
    analyst = Actor("ana", "analyst", purpose="annual equity review")
    before = audit_log.entries(store, analyst).height
    report = funnel_report(store, ["race_ethnicity"], actor=analyst, decompose=True)
    after = audit_log.entries(store, analyst)
    assert after.height > before
    assert after["purpose"].to_list()[-1] == "annual equity review"
    stages = report.stages
    assert set(stages["race_ethnicity"]) == {"African or Black", "Asian", "White"}
    assert stages.filter(stage="received")["count"].sum() == 150
    assert report.notes and "audited" in report.notes[0]
    rec = stages.filter(stage="recommended").row(0, named=True)
    # the funnel's steps: recommended over interviewed, as in every funnel
    interviewed = stages.filter(stage="interviewed", race_ethnicity=rec["race_ethnicity"])
    assert rec["previous_count"] == interviewed["count"].item()
    with pytest.raises(UserInputError, match="cannot be stratified"):
        funnel_report(store, ["race_ethnicity"], actor=analyst, strata="grade")
    with pytest.raises(UserInputError, match="can only be crossed"):
        funnel_report(store, ["race_ethnicity", "grade"], actor=analyst)
    with pytest.raises(UserInputError, match="neither a funnel dimension"):
        funnel_report(store, ["caste"], actor=analyst)
