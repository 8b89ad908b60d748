"""The typed parameter file of the compact targets (``data/compact.yaml``): what an
entity's scorecard compares it with, each target with its source."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from parity.core.params._loading import ParameterFile, Sourced, load_parameters

COMPACT_DOC = "docs/annual-reports.md"
Fraction = Annotated[float, Field(gt=0.0, le=1.0)]


class CompactParameters(ParameterFile):
    """The compact targets of every entity, with source and confirmation."""

    geographical_selections: Sourced[Fraction]
    gender_parity_year: Sourced[Annotated[int, Field(ge=2000, le=2100)]]
    recruitment_days: Sourced[Annotated[int, Field(gt=0, le=1000)]]
    recruitment_within_share: Sourced[Fraction]
    regional_group_max_share: Sourced[Fraction]


def load_compact_parameters(path: Path | str | None = None) -> CompactParameters:
    """The shipped compact targets, with the override file at ``path`` merged on top."""
    return load_parameters(CompactParameters, "compact.yaml", path, "compact target",
                           COMPACT_DOC)
