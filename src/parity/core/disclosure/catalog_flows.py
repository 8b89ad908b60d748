"""All-staff career and recruitment-timeline tables of the release catalog (seed 000 §54).

Promotions, reassignments and separations per calendar year by regional group and by
gender come from the careers analysis (:func:`parity.core.analytics.careers.
yearly_event_counts`, all staff categories); selections and those made within 120 days of
the posting per year of selection, by the selected applicant's regional group and gender,
from the timelines analysis (:func:`parity.core.analytics.timelines.selection_counts`).
Nothing is counted here: the providers only reshape those results into count tables, which
a release then protects like every other table.

The tables by regional group and by gender of one flow count the same events, so their
yearly totals are one cell (same universe, measure and year) and the auditor links them;
an unknown regional group and gender other or not recorded are counted in the totals only.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from parity.core.analytics.careers import yearly_event_counts
from parity.core.analytics.timelines import TARGET_DAYS, selection_counts
from parity.core.backend import Backend
from parity.core.disclosure.catalog import (
    GENDER_GROUPS,
    GENDER_REMAINDER,
    REGIONAL_GROUP_CODES,
    Provider,
    register,
)
from parity.core.disclosure.policy import Audience
from parity.core.disclosure.tables import CountTable, Derived, TableSpec
from parity.core.errors import ParityError

#: Value standing for a missing regional group (collapsed into the totals).
UNKNOWN_GROUP = "unknown"
GROUP_REMAINDER: tuple[tuple[str, str], ...] = (("regional_group", UNKNOWN_GROUP),)
CAREER_UNIVERSE = "career_events_all_staff"
SELECTION_UNIVERSE = "selections_position_specific"
WITHIN = f"selections_within_{TARGET_DAYS}_days"
#: Per flow: the published count columns and the careers outcome each one is.
FLOW_COUNTS: dict[str, dict[str, str]] = {
    "promotion": {"promotions": "promotion"},
    "reassignment": {"reassignments": "any", "between_entities": "between_entities"},
    "separation": {"retirements": "retirement", "other_separations": "non_retirement"},
}
FLOW_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "reassignment": (("reassignments", "between_entities"),),
}
FLOW_TEXT: dict[str, str] = {
    "promotion": "Promotions (a move to a higher grade)",
    "reassignment": "Reassignments (a change of entity, field or duty station) and those "
                    "between entities",
    "separation": "Separations: retirements and all other separations",
}
GROUPS: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "regional_group": ("regional group", REGIONAL_GROUP_CODES, GROUP_REMAINDER),
    "gender": ("gender", GENDER_GROUPS, GENDER_REMAINDER),
}
TITLE_NOUN = {"promotion": "Promotions", "reassignment": "Reassignments",
              "separation": "Separations"}


def flow_table_name(flow: str, by: str) -> str:
    return f"{TITLE_NOUN[flow].lower()}_by_{by}"


def _flow_spec(flow: str, by: str) -> TableSpec:
    words, domain, remainder = GROUPS[by]
    return TableSpec(
        name=flow_table_name(flow, by), title=f"{TITLE_NOUN[flow]} by {words}",
        description=f"{FLOW_TEXT[flow]} of staff of all categories per calendar year of the "
                    f"event, by {words} of the staff member, from the careers analysis "
                    "('parity careers').",
        universe=CAREER_UNIVERSE, dims=("year", by), counts=tuple(FLOW_COUNTS[flow]),
        additive=(by,), order=FLOW_ORDER.get(flow, ()), domains=((by, domain),),
        remainder=remainder)


def _selection_spec(by: str) -> TableSpec:
    words, domain, remainder = GROUPS[by]
    return TableSpec(
        name=f"selection_timelines_by_{by}",
        title=f"Selections within {TARGET_DAYS} days of posting by {words}",
        description=f"Selections from position-specific job openings per year of selection, "
                    f"by {words} of the selected applicant, and those made within "
                    f"{TARGET_DAYS} days of the posting, from the timelines analysis "
                    "('parity timelines').",
        universe=SELECTION_UNIVERSE, dims=("year", by), counts=("selections", WITHIN),
        additive=(by,), order=(("selections", WITHIN),), outcomes=(("selections", WITHIN),),
        domains=((by, domain),), remainder=remainder,
        derived=(Derived(f"within_{TARGET_DAYS}_days_rate", "row_rate", WITHIN, "selections",
                         description=f"share of selections made within {TARGET_DAYS} days "
                                     "of the posting"),))


def _group_values(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """Gender codes other than F and M, and unknown groups, into the remainder value."""
    if by == "gender":
        value = (pl.when(pl.col(by).is_in(["F", "M"])).then(pl.col(by))
                 .otherwise(pl.lit("other_or_unknown")))
    else:
        value = pl.col(by).fill_null(UNKNOWN_GROUP)
    return frame.with_columns(value.alias(by))


def flow_frame(backend: Backend, flow: str, by: str) -> pl.DataFrame:
    """The careers analysis's yearly events of ``flow`` by ``by``, one column per published
    count (the events by regional group and gender are read once per backend and added up
    over the other dimension)."""
    both = f"catalog_flows:{flow}"
    if both not in backend.memo:  # one careers query per flow serves both tables
        backend.memo[both] = yearly_event_counts(backend, flow, list(GROUPS))
    key = f"{both}:{by}"
    if key not in backend.memo:
        events = backend.memo[both]
        assert isinstance(events, pl.DataFrame)
        columns = FLOW_COUNTS[flow]
        wide = (_group_values(events, by)
                .filter(pl.col("outcome").is_in(list(columns.values())))
                .group_by("year", by, "outcome").agg(pl.col("count").sum())
                .pivot(on="outcome", index=["year", by], values="count"))
        backend.memo[key] = wide.select(
            "year", by, *[pl.col(o).fill_null(0).cast(pl.Int64).alias(c)
                          if o in wide.columns else pl.lit(0, pl.Int64).alias(c)
                          for c, o in columns.items()])
    frame = backend.memo[key]
    assert isinstance(frame, pl.DataFrame)
    return frame


def _flow_provider(flow: str, by: str, spec: TableSpec) -> Callable[[Backend, Audience],
                                                                      CountTable | None]:
    def compute(backend: Backend, audience: Audience) -> CountTable | None:
        try:
            frame = flow_frame(backend, flow, by)
        except ParityError:  # e.g. a single snapshot: no flows to count
            return None
        if frame.is_empty():
            return None
        years = sorted(frame["year"].unique().to_list())
        return CountTable(spec, frame, f"events of {years[0]}–{years[-1]} (all staff)")
    return compute


def selection_frame(backend: Backend, by: str) -> pl.DataFrame:
    """The timelines analysis's selections by year and ``by``, as a count table frame."""
    counts = selection_counts(backend, by)
    return (_group_values(counts, by).rename({"selection_year": "year",
                                              "within_target": WITHIN})
            .group_by("year", by).agg(pl.col("selections", WITHIN).sum()))


def _selection_provider(by: str, spec: TableSpec) -> Callable[[Backend, Audience],
                                                                CountTable | None]:
    def compute(backend: Backend, audience: Audience) -> CountTable | None:
        frame = selection_frame(backend, by)
        if frame.is_empty():
            return None
        years = sorted(frame["year"].unique().to_list())
        return CountTable(spec, frame, f"selections of {years[0]}–{years[-1]} from "
                                       "position-specific openings")
    return compute


FLOW_SPECS: dict[str, TableSpec] = {}
for _flow in FLOW_COUNTS:
    for _by in GROUPS:
        _spec = _flow_spec(_flow, _by)
        FLOW_SPECS[_spec.name] = _spec
        register(Provider(_spec, _flow_provider(_flow, _by, _spec)))
for _by in GROUPS:
    _spec = _selection_spec(_by)
    FLOW_SPECS[_spec.name] = _spec
    register(Provider(_spec, _selection_provider(_by, _spec)))
