"""Calibration targets of the synthetic organization: seed 000, Table 1.

Table 1 of seed 000 (UN Secretariat, 2018–2022) gives, for each of the five regional groups
(AFR, APG, EEG, GRULAC, WEOG), the counts at each stage of the recruitment funnel, the
promotions and the staff in post at 2022-12-31. The generator is built so that these counts,
and above all their shares of the five-group total, hold by construction at scale 1; this
module states the targets and the row definitions, and :func:`table1` recomputes the table
from interchange frames so that anyone can check the synthetic files against it.

Row definitions (the *window* is 2018–2022):

* ``received`` / ``screened`` / ``selected`` / ``rostered``: applications to openings whose
  grade is in category P or D (P-1 … D-2) and whose ``posted_date`` falls in the window,
  having ``received_date`` / ``screened_date`` / ``selected_date`` / ``rostered_date`` set,
  by regional group of the applicant's nationality;
* ``received_by_education`` / ``selected_by_education``: the same received and selected
  applications by regional group of ``education_country``;
* ``promotions``: ``promotion`` events dated in the window whose ``to_grade`` is in category
  P, D or SL, by regional group of the person's nationality (from staff);
* ``staff_p_and_higher``: snapshot 2022-12-31 rows with category P, D or SL;
* ``staff_senior``: snapshot 2022-12-31 rows with grade P-5, D-1 or D-2.

Shares are percentages of the five-group total: nationals of non-member States and stateless
persons (regional group ``NONMEMBER``) are left out of both the counts and the total.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from parity.core import model, reference

#: The five regional groups, in the order of the targets below.
GROUPS: tuple[str, ...] = tuple(reference.REGIONAL_GROUPS)
WINDOW_FIRST = 2018
WINDOW_LAST = 2022
SNAPSHOT_DATE = "2022-12-31"
#: Grades of Professional and Director openings (Table 1 covers P-1 … D-2).
OPENING_GRADES: tuple[str, ...] = tuple(
    g for g in model.GRADES if model.CATEGORY_OF_GRADE[g] in {"P", "D"}
)


@dataclass(frozen=True)
class Target:
    """One row of Table 1: counts by regional group (AFR, APG, EEG, GRULAC, WEOG)."""

    row: str
    label: str
    counts: tuple[int, int, int, int, int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def shares(self) -> tuple[float, ...]:
        """Percent of the five-group total."""
        return tuple(100.0 * c / self.total for c in self.counts)


TARGETS: tuple[Target, ...] = (
    Target("received", "Applications received", (543_589, 338_388, 116_223, 111_135, 488_747)),
    Target("screened", "Applications screened", (268_829, 193_600, 76_715, 65_481, 320_516)),
    Target("selected", "Applications selected", (1_831, 1_496, 711, 741, 4_107)),
    Target("rostered", "Rostered", (8_172, 6_641, 3_022, 2_793, 23_028)),
    Target("promotions", "Promotions", (463, 458, 185, 220, 1_293)),
    Target("staff_p_and_higher", "P+ staff at 2022-12-31", (2_949, 2_541, 1_197, 1_179, 6_543)),
    Target("staff_senior", "P-5/D-1/D-2 staff at 2022-12-31", (539, 449, 167, 205, 1_405)),
    Target("received_by_education", "Received, by country of education",
           (390_052, 263_083, 86_645, 64_630, 793_672)),
    Target("selected_by_education", "Selected, by country of education",
           (855, 754, 424, 298, 6_555)),
)
TARGET_BY_ROW: dict[str, Target] = {t.row: t for t in TARGETS}

_STAGE_ROWS = (
    ("received", "received_date", "nationality"),
    ("screened", "screened_date", "nationality"),
    ("selected", "selected_date", "nationality"),
    ("rostered", "rostered_date", "nationality"),
    ("received_by_education", "received_date", "education_country"),
    ("selected_by_education", "selected_date", "education_country"),
)


def _year(col: str) -> pl.Expr:
    """Calendar year of a date column, whether it was read as a date or as text."""
    return pl.col(col).cast(pl.Utf8).str.slice(0, 4).cast(pl.Int32, strict=False)


def _in_window(col: str) -> pl.Expr:
    return _year(col).is_between(WINDOW_FIRST, WINDOW_LAST)


def _counts_by_group(frame: pl.DataFrame, country_col: str, value: pl.Expr) -> dict[str, int]:
    """Sum ``value`` by regional group of ``country_col`` (one pass, grouped by country)."""
    regions = reference.country_regions().rename({"iso3": country_col})
    by_country = frame.group_by(country_col).agg(value.alias("n"))
    by_group = (
        by_country.join(regions, on=country_col, how="left")
        .group_by("regional_group")
        .agg(pl.col("n").sum())
    )
    found = dict(zip(by_group["regional_group"].to_list(), by_group["n"].to_list(), strict=True))
    return {g: int(found.get(g) or 0) for g in GROUPS}


def table1(
    staff: pl.DataFrame,
    openings: pl.DataFrame,
    applications: pl.DataFrame,
    events: pl.DataFrame,
) -> pl.DataFrame:
    """Recompute seed 000's Table 1 from interchange frames and set it beside the targets.

    The frames are the interchange files as read by ``polars.read_csv`` (dates may be text or
    ``Date``). Returns one row per (Table 1 row, regional group) with columns ``row``,
    ``regional_group``, ``count``, ``share`` (percent of the five-group total),
    ``target_count`` and ``target_share`` (percent).
    """
    window_openings = openings.filter(
        pl.col("grade").is_in(OPENING_GRADES) & _in_window("posted_date")
    ).select("opening_id")
    apps = applications.join(window_openings, on="opening_id", how="semi")
    counts: dict[str, dict[str, int]] = {}
    for row, date_col, country_col in _STAGE_ROWS:
        counts[row] = _counts_by_group(apps, country_col, pl.col(date_col).is_not_null().sum())

    ph_grades = [g for g in model.GRADES
                 if model.CATEGORY_OF_GRADE[g] in model.PROFESSIONAL_AND_HIGHER]
    promos = events.filter(
        (pl.col("event") == "promotion") & _in_window("event_date")
        & pl.col("to_grade").is_in(ph_grades)
    ).select("person_id")
    nationality = staff.select("person_id", "nationality").unique("person_id", keep="first")
    promos = promos.join(nationality, on="person_id", how="left")
    counts["promotions"] = _counts_by_group(promos, "nationality", pl.len())

    snap = staff.filter(pl.col("snapshot_date").cast(pl.Utf8) == SNAPSHOT_DATE)
    counts["staff_p_and_higher"] = _counts_by_group(
        snap, "nationality", pl.col("category").is_in(sorted(model.PROFESSIONAL_AND_HIGHER)).sum()
    )
    counts["staff_senior"] = _counts_by_group(
        snap, "nationality", pl.col("grade").is_in(sorted(model.SENIOR_GRADES)).sum()
    )

    records: list[dict[str, object]] = []
    for target in TARGETS:
        got = counts[target.row]
        total = sum(got.values())
        for g, tc, ts in zip(GROUPS, target.counts, target.shares, strict=True):
            records.append({
                "row": target.row,
                "regional_group": g,
                "count": got[g],
                "share": 100.0 * got[g] / total if total else 0.0,
                "target_count": tc,
                "target_share": ts,
            })
    return pl.DataFrame(records, schema={
        "row": pl.Utf8, "regional_group": pl.Utf8, "count": pl.Int64, "share": pl.Float64,
        "target_count": pl.Int64, "target_share": pl.Float64,
    })


def format_table1(table: pl.DataFrame) -> str:
    """Plain-text rendering of :func:`table1`: count, share, target share and the gap in pp."""
    lines = [f"{'row':<24}{'group':<8}{'count':>10}{'share':>8}{'target':>8}{'diff pp':>9}"]
    for target in TARGETS:
        part = table.filter(pl.col("row") == target.row)
        for rec in part.iter_rows(named=True):
            lines.append(
                f"{target.row:<24}{rec['regional_group']:<8}{rec['count']:>10,}"
                f"{rec['share']:>8.1f}{rec['target_share']:>8.1f}"
                f"{rec['share'] - rec['target_share']:>+9.2f}"
            )
        total = int(part["count"].sum())
        lines.append(f"{target.row:<24}{'total':<8}{total:>10,}{'':>8}"
                     f"{'':>8}  target {target.total:,} ({100.0 * total / target.total:.1f}%)")
    return "\n".join(lines)
