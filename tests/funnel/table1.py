"""Seed 000, Table 1 as interchange files: 1,598,082 applications with exact counts.

Received, screened and selected per regional group are the published figures; the
intermediate stages (assessed, interviewed, recommended) are fixed fractions of the
screened applications so that every count falls along the funnel. Nationalities cycle
through three Member States of each group; applications are spread over 9,000 P-3/P-4
openings posted 2018–2022.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

GROUPS = ("AFR", "APG", "EEG", "GRULAC", "WEOG")
RECEIVED = {"AFR": 543_589, "APG": 338_388, "EEG": 116_223, "GRULAC": 111_135, "WEOG": 488_747}
SCREENED = {"AFR": 268_829, "APG": 193_600, "EEG": 76_715, "GRULAC": 65_481, "WEOG": 320_516}
SELECTED = {"AFR": 1_831, "APG": 1_496, "EEG": 711, "GRULAC": 741, "WEOG": 4_107}
SHARES = {  # published percentages: received, screened, selected
    "received": {"AFR": 34.0, "APG": 21.2, "EEG": 7.3, "GRULAC": 7.0, "WEOG": 30.6},
    "screened": {"AFR": 29.1, "APG": 20.9, "EEG": 8.3, "GRULAC": 7.1, "WEOG": 34.6},
    "selected": {"AFR": 20.6, "APG": 16.8, "EEG": 8.0, "GRULAC": 8.3, "WEOG": 46.2},
}
NATIONALITIES = {"AFR": ("KEN", "NGA", "SEN"), "APG": ("IND", "CHN", "PHL"),
                 "EEG": ("POL", "UKR", "ROU"), "GRULAC": ("BRA", "MEX", "ARG"),
                 "WEOG": ("FRA", "USA", "DEU")}
OPENINGS = 9_000
STAGE_DAYS = {"received": 1, "screened": 75, "assessed": 95, "interviewed": 115,
              "recommended": 135, "selected": 150}


def stage_counts(group: str) -> dict[str, int]:
    s = SCREENED[group]
    return {"received": RECEIVED[group], "screened": s, "assessed": s // 3,
            "interviewed": s // 6, "recommended": s // 12, "selected": SELECTED[group]}


def write_table1(folder: Path) -> tuple[Path, Path]:
    """Write openings.csv and applications.csv for Table 1 into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    j = pl.int_range(0, OPENINGS, eager=True)
    start = pl.date(2018, 1, 1)
    openings = pl.DataFrame({"j": j}).select(
        opening_id=pl.format("JO-{}", pl.col("j").cast(pl.Utf8).str.zfill(5)),
        entity=pl.lit("DPPA"),
        grade=pl.when(pl.col("j") % 2 == 0).then(pl.lit("P-3")).otherwise(pl.lit("P-4")),
        job_family=pl.lit("Political affairs"),
        posting_type=pl.lit("position_specific"),
        posted_date=start + pl.duration(days=(pl.col("j") * 7) % 1600),
        closed_date=start + pl.duration(days=(pl.col("j") * 7) % 1600 + 60),
    )
    parts = []
    offset = 0
    for group in GROUPS:
        counts = stage_counts(group)
        n = counts["received"]
        i = pl.int_range(0, n, eager=True)
        frame = pl.DataFrame({"i": i}).with_columns(
            (pl.col("i") + offset).alias("g"),
            pl.lit(list(NATIONALITIES[group])).list.get(pl.col("i") % 3).alias("nationality"),
        )
        parts.append(frame.with_columns(
            pl.lit(counts[s]).alias(f"_n_{s}") for s in STAGE_DAYS))
        offset += n
    rows = pl.concat(parts)
    opening = pl.col("g") * 7919 % OPENINGS
    posted = start + pl.duration(days=(opening * 7) % 1600)
    apps = rows.select(
        application_id=pl.format("A{}", pl.col("g")),
        opening_id=pl.format("JO-{}", opening.cast(pl.Utf8).str.zfill(5)),
        applicant_id=pl.format("P{}", pl.col("g")),
        nationality=pl.col("nationality"),
        gender=pl.when(pl.col("g") % 2 == 0).then(pl.lit("F")).otherwise(pl.lit("M")),
        education_country=pl.col("nationality"),
        internal=pl.lit("false"),
        **{f"{s}_date": pl.when(pl.col("i") < pl.col(f"_n_{s}"))
           .then(posted + pl.duration(days=d))
           for s, d in STAGE_DAYS.items()},
        rostered_date=pl.lit(None, dtype=pl.Date),
    ).select("application_id", "opening_id", "applicant_id", "nationality", "gender",
             "education_country", "internal", "received_date", "screened_date",
             "assessed_date", "interviewed_date", "recommended_date", "rostered_date",
             "selected_date")
    op_path, app_path = folder / "openings.csv", folder / "applications.csv"
    openings.write_csv(op_path, null_value="")
    apps.write_csv(app_path, null_value="")
    return op_path, app_path
