"""Headline summary: applications and selections by regional group (seed 000, Table 1)."""

from __future__ import annotations

import numpy as np
import polars as pl

from parity.core import model, precompute
from parity.core.backend import Backend
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
    if precompute.enabled(backend):
        yearly = precompute.memoized(backend, ("selections_by_year", professional_only),
                                     lambda: _counts(backend, None, None, professional_only))
        counts = (yearly.filter(pl.col("opening_year").is_between(year_from, year_to))
                  .group_by("regional_group").agg(pl.col(*STAGE_COUNTS).sum()))
    else:
        counts = _counts(backend, year_from, year_to, professional_only)
    is_member = (counts["regional_group"] != NON_MEMBER_GROUP).to_numpy()
    received, selected = (counts[c].to_numpy().astype(np.float64) for c in ("received", "selected"))
    with np.errstate(divide="ignore", invalid="ignore"):  # element by element, exactly rounded
        frame = counts.with_columns(
            pl.Series("received_share", received / received[is_member].sum()),
            pl.Series("selected_share", selected / selected[is_member].sum()),
            pl.Series("selection_rate", selected / received),
        ).with_columns(pl.when(pl.Series(is_member)).then(pl.col(c)).alias(c)
                       for c in ("received_share", "selected_share"))
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


#: The counts per regional group (received is the number of applications).
STAGE_COUNTS = ("received", "screened", "selected", "rostered")


def _counts(backend: Backend, year_from: int | None, year_to: int | None,
            professional_only: bool) -> pl.DataFrame:
    """Applications, screened, selected and rostered by regional group of nationality, for
    openings posted in the years given, else by posting year (``opening_year``) too."""
    apps = backend.table("applications")  # with copies of the opening's grade and year
    regions = backend.table("ref_country_regions")
    a = apps
    if year_from is not None and year_to is not None:
        a = a.filter((apps.opening_year >= year_from) & (apps.opening_year <= year_to))
    if professional_only:
        a = a.filter(a.opening_grade.cast("string").isin(model.professional_grades()))
    joined = a.join(regions, a.nationality.cast("string") == regions.iso3)
    keys = ["regional_group"] if year_from is not None else ["regional_group", "opening_year"]
    counts = joined.group_by(keys).agg(
        received=joined.count(),
        screened=joined.screened_date.notnull().ifelse(1, 0).sum(),
        selected=joined.selected_date.notnull().ifelse(1, 0).sum(),
        rostered=joined.rostered_date.notnull().ifelse(1, 0).sum(),
    )
    return Backend.to_polars(counts).with_columns(pl.col(*STAGE_COUNTS).cast(pl.Int64))
