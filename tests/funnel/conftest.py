"""Build real stores from stage counts: interchange CSV files loaded by the real ingest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import polars as pl

from parity.core import model
from parity.core.ingest import ingest
from parity.core.store import Store

STAGES = model.STAGES
#: One nationality per regional group (and a non-member code).
NATIONALITY = {"AFR": "KEN", "APG": "IND", "EEG": "POL", "GRULAC": "BRA", "WEOG": "FRA",
               "NONMEMBER": "XXX"}


@dataclass
class Cell:
    """Applications of one kind: counts reaching each stage (received first)."""

    counts: Sequence[int]
    nationality: str = "KEN"
    gender: str | None = "F"
    grade: str = "P-3"
    entity: str = "DPPA"
    job_family: str = "Political affairs"
    year: int = 2020
    posting_type: str = "position_specific"
    education_country: str | None = None
    internal: bool | None = False
    openings: int = 1


def _opening_id(cell_index: int, j: int) -> str:
    return f"JO-{cell_index:04d}-{j:04d}"


def frames(cells: Sequence[Cell]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """openings and applications frames (interchange columns, text cells) for ``cells``.

    Within a cell, the first ``counts[s]`` applications reach stage s; applications are
    spread round-robin over the cell's openings. Roster openings skip assessed and
    interviewed. Dates: posted on day 0 of the year, received day 1, each stage 10 days
    after the previous one.
    """
    op_rows: list[dict[str, object]] = []
    parts: list[pl.DataFrame] = []
    start = 0
    for ci, cell in enumerate(cells):
        counts = list(cell.counts) + [cell.counts[-1]] * (len(STAGES) - len(cell.counts))
        roster = cell.posting_type == "recruit_from_roster"
        chain = [c for c, st in zip(counts, STAGES, strict=True)
                 if not (roster and st in model.ROSTER_SKIPPABLE)]
        if any(b > a for a, b in pairwise(chain)):
            raise ValueError(f"counts must not increase: {counts}")
        posted = date(cell.year, 1, 1)
        for j in range(cell.openings):
            op_rows.append({"opening_id": _opening_id(ci, j), "entity": cell.entity,
                            "grade": cell.grade, "job_family": cell.job_family,
                            "posting_type": cell.posting_type,
                            "posted_date": posted.isoformat(),
                            "closed_date": (posted + timedelta(days=60)).isoformat()})
        n = counts[0]
        if n == 0:
            continue
        idx = np.arange(n)
        reached = np.stack([idx < c for c in counts])  # (stages, n)
        data: dict[str, object] = {
            "application_id": [f"A{start + i:08d}" for i in range(n)],
            "opening_id": [_opening_id(ci, i % cell.openings) for i in range(n)],
            "applicant_id": [f"P{start + i:08d}" for i in range(n)],
            "nationality": [cell.nationality] * n,
            "gender": [cell.gender or ""] * n,
            "education_country": [cell.education_country or ""] * n,
            "internal": ["" if cell.internal is None else str(cell.internal).lower()] * n,
        }
        for s, stage in enumerate(STAGES):
            day = (posted + timedelta(days=1 + 10 * s)).isoformat()
            mask = reached[s]
            if roster and stage in model.ROSTER_SKIPPABLE:
                mask = np.zeros(n, dtype=bool)
            data[f"{stage}_date"] = np.where(mask, day, "").tolist()
        data["rostered_date"] = [""] * n
        parts.append(pl.DataFrame(data))
        start += n
    openings = pl.DataFrame(op_rows, schema={c: pl.Utf8 for c in model.OPENINGS.column_names})
    apps = (pl.concat(parts) if parts else
            pl.DataFrame(schema={c: pl.Utf8 for c in model.APPLICATIONS.column_names}))
    return openings, apps.select(model.APPLICATIONS.column_names)


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_csv(path, null_value="")
    return path


def load(store: Store, folder: Path, openings: pl.DataFrame, apps: pl.DataFrame,
         staff: pl.DataFrame | None = None) -> None:
    """Write interchange CSVs and load them with the real ingest (checked: nothing rejected)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [write_csv(openings, folder / "openings.csv"),
             write_csv(apps, folder / "applications.csv")]
    if staff is not None:
        paths.append(write_csv(staff, folder / "staff.csv"))
    report = ingest(paths, store, quarantine_dir=folder)
    assert report.rows_quarantined == 0, report
