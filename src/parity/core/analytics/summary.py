"""Headline summary: applications and selections by regional group (seed 000, Table 1)."""

from __future__ import annotations

import ibis
import polars as pl

from parity.core import model
from parity.core.backend import Backend, ratio
from parity.core.reference import NON_MEMBER_GROUP, REGIONAL_GROUPS


def selections_by_regional_group(
    backend: Backend, year_from: int = 2018, year_to: int = 2022,
    professional_only: bool = True,
) -> pl.DataFrame:
    """Applications, screened, selected and rostered by regional group of nationality.

    Counts applications to openings posted in ``year_from``..``year_to`` (Professional
    and higher grades when ``professional_only``). Shares are over the five regional
    groups; nationals of non-member States are shown apart with no share.
    """
    apps = backend.table("applications")  # with copies of the opening's grade and year
    regions = backend.table("ref_country_regions")
    a = apps.filter((apps.opening_year >= year_from) & (apps.opening_year <= year_to))
    if professional_only:
        a = a.filter(a.opening_grade.cast("string").isin(model.professional_grades()))
    joined = a.join(regions, a.nationality.cast("string") == regions.iso3)
    counts = joined.group_by("regional_group").agg(
        received=joined.count(),
        screened=joined.screened_date.notnull().ifelse(1, 0).sum(),
        selected=joined.selected_date.notnull().ifelse(1, 0).sum(),
        rostered=joined.rostered_date.notnull().ifelse(1, 0).sum(),
    )
    member = counts.filter(counts.regional_group != NON_MEMBER_GROUP)
    totals = member.aggregate(
        t_received=member.received.sum(), t_selected=member.selected.sum(),
    )
    out = counts.cross_join(totals)
    is_member = out.regional_group != NON_MEMBER_GROUP
    out = out.mutate(
        received_share=ibis.ifelse(is_member, ratio(out.received, out.t_received), None),
        selected_share=ibis.ifelse(is_member, ratio(out.selected, out.t_selected), None),
        selection_rate=ratio(out.selected, out.received),
    ).drop("t_received", "t_selected")
    frame = Backend.to_polars(out)
    every = pl.DataFrame({"regional_group": list(REGIONAL_GROUPS)})
    frame = every.join(frame, on="regional_group", how="full", coalesce=True).with_columns(
        pl.col("received", "screened", "selected", "rostered").fill_null(0),
        pl.col("received_share", "selected_share").fill_null(
            pl.when(pl.col("regional_group") != NON_MEMBER_GROUP).then(0.0)
        ),
    )
    order = {g: i for i, g in enumerate([*REGIONAL_GROUPS, NON_MEMBER_GROUP])}
    names = {**REGIONAL_GROUPS, NON_MEMBER_GROUP: "Non-member States and stateless"}
    return (
        frame.with_columns(
            pl.col("regional_group").replace_strict(names).alias("regional_group_name"),
            pl.col("regional_group").replace_strict(order).alias("_o"),
        )
        .sort("_o")
        .drop("_o")
        .select("regional_group", "regional_group_name", "received", "received_share",
                "screened", "selected", "selected_share", "rostered", "selection_rate")
    )
