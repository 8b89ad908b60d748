"""Age bands: the one rule that turns a birth year into an age band on a snapshot.

The staff files give the year of birth only, so a staff member's age on a snapshot is
the snapshot's year minus the birth year: the age reached during that year, exact for
the year-end snapshots the composition report uses (a person born in 1990 is 32 on
2022-12-31). Bands: under 30, 30-39, 40-49, 50-59, 60 and over; ``unknown`` when the
birth year is not given.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

#: The age bands, youngest first, and the lowest age of each.
AGE_BANDS: tuple[str, ...] = ("under_30", "30-39", "40-49", "50-59", "60_and_over")
_FLOORS: tuple[int, ...] = (0, 30, 40, 50, 60)
UNKNOWN = "unknown"


def age_band_of(age: int | None) -> str:
    """The band of an age in whole years (``unknown`` for None)."""
    if age is None:
        return UNKNOWN
    return [b for b, lo in zip(AGE_BANDS, _FLOORS, strict=True) if age >= lo or lo == 0][-1]


def age_expr(snapshot_date: ir.DateValue, birth_year: ir.IntegerValue) -> ir.IntegerValue:
    """Age on the snapshot: the snapshot's year minus the birth year (null if unknown)."""
    return (snapshot_date.year() - birth_year.cast("int64")).cast("int64")


def age_band_expr(age: ir.IntegerValue) -> ir.StringValue:
    """The age band of an age column, as :func:`age_band_of`."""
    cases = [(age >= lo, band) for band, lo in reversed(list(zip(AGE_BANDS, _FLOORS,
                                                                 strict=True)))]
    return ibis.ifelse(age.isnull(), UNKNOWN, ibis.cases(*cases, else_=AGE_BANDS[0]))
