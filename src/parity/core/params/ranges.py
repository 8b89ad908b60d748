"""The typed parameter file of the system of desirable ranges (``data/ranges.yaml``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from parity.core.errors import SettingsError
from parity.core.params._loading import ParameterFile, Sourced, load_parameters

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
YearRule = int | Literal["snapshot_year", "previous_year"]
RANGES_DOC = "docs/ranges-parameters.md"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Weights(_Section):
    membership: Sourced[Share]
    population: Sourced[Share]
    contribution: Sourced[Share]

    @model_validator(mode="after")
    def _sum_to_one(self) -> Weights:
        total = self.membership.value + self.population.value + self.contribution.value
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(
                f"membership, population and contribution weights must add up to 1, "
                f"they add up to {total:g}"
            )
        return self


class Limits(_Section):
    flexibility: Sourced[Share]
    minimum_half_width: Sourced[NonNegative]
    minimum_upper_limit: Sourced[NonNegative]
    rounding: Sourced[Literal["none", "nearest", "outward"]]
    lower_limit_inclusive: Sourced[bool]
    upper_limit_inclusive: Sourced[bool]


class BaseFigure(_Section):
    mode: Sourced[Literal["staff_count", "fixed"]]
    fixed_by_year: Sourced[dict[int, Annotated[float, Field(gt=0.0)]]]


class ReferenceYears(_Section):
    scale_year: Sourced[YearRule]
    population_year: Sourced[YearRule]
    outside_available_years: Sourced[Literal["nearest", "error"]]


class StateInput(_Section):
    """One Member State of a membership given in the parameters."""

    iso3: str = Field(pattern=r"^[A-Z]{3}$")
    population: Annotated[float, Field(gt=0.0)]
    assessment_rate_percent: Annotated[float, Field(ge=0.0, le=100.0)]
    name: str | None = None
    regional_group: str | None = None


class Membership(_Section):
    states: Sourced[list[StateInput] | None]
    states_file: Sourced[Path | None]

    @field_validator("states_file", mode="after")
    @classmethod
    def _resolve(cls, v: Sourced[Path | None], info: ValidationInfo) -> Sourced[Path | None]:
        if v.value is None or v.value.is_absolute():
            return v
        base = (info.context or {}).get("base_dir")
        if base is None:
            return v
        return v.model_copy(update={"value": Path(base) / v.value})

    @model_validator(mode="after")
    def _one_source(self) -> Membership:
        if self.states.value is not None and self.states_file.value is not None:
            raise ValueError("give either membership.states or membership.states_file, not both")
        if self.states.value is not None:
            _check_states(self.states.value)
        return self

    def frame(self) -> pl.DataFrame | None:
        """The membership given in the parameters, or None for the shipped one."""
        if self.states.value is not None:
            rows = [s.model_dump() for s in self.states.value]
            return pl.DataFrame(rows, schema=_STATE_SCHEMA)
        if self.states_file.value is None:
            return None
        return _read_states_file(self.states_file.value)


_STATE_SCHEMA = {"iso3": pl.Utf8, "population": pl.Float64, "assessment_rate_percent": pl.Float64,
                 "name": pl.Utf8, "regional_group": pl.Utf8}


def _check_states(states: list[StateInput]) -> None:
    seen: set[str] = set()
    for s in states:
        if s.iso3 in seen:
            raise ValueError(f"State {s.iso3} is listed twice")
        seen.add(s.iso3)
    if not states:
        raise ValueError("the membership is empty")
    if sum(s.assessment_rate_percent for s in states) <= 0:
        raise ValueError("the assessment rates add up to zero")


def _read_states_file(path: Path) -> pl.DataFrame:
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SettingsError(
            f"The membership file {path} (membership.states_file) cannot be read: {exc}.",
            "Give a UTF-8 CSV with columns iso3, population, assessment_rate_percent.",
        ) from exc
    missing = {"iso3", "population", "assessment_rate_percent"} - set(raw.columns)
    if missing:
        raise SettingsError(
            f"The membership file {path} has no column {', '.join(sorted(missing))}.",
            "Give a CSV with columns iso3, population, assessment_rate_percent "
            "(optional name, regional_group).",
        )
    try:
        states = [
            StateInput.model_validate(
                {k: v for k, v in r.items() if k in _STATE_SCHEMA and v not in (None, "")})
            for r in raw.to_dicts()
        ]
        _check_states(states)
    except ValueError as exc:
        raise SettingsError(
            f"The membership file {path} has an invalid row: {exc}.",
            "Each row needs a three-letter iso3, a positive population and a rate in percent.",
        ) from exc
    return pl.DataFrame([s.model_dump() for s in states], schema=_STATE_SCHEMA)


class RangeParameters(ParameterFile):
    """Every parameter of the desirable-range computation, with source and confirmation."""

    weights: Weights
    limits: Limits
    base_figure: BaseFigure
    reference_years: ReferenceYears
    membership: Membership

    def sources(self) -> pl.DataFrame:
        """One row per parameter: key, value, confirmation, source (for reports)."""
        rows = []
        for section_name in ("weights", "limits", "base_figure", "reference_years", "membership"):
            section = getattr(self, section_name)
            for key in type(section).model_fields:
                item: Sourced[object] = getattr(section, key)
                value = item.value
                if isinstance(value, list):
                    value = f"{len(value)} States"
                rows.append({"parameter": f"{section_name}.{key}", "value": str(value),
                             "confirmation": item.confirmation, "source": item.source})
        return pl.DataFrame(rows)


def load_range_parameters(path: Path | str | None = None) -> RangeParameters:
    """The shipped range parameters, with the override file at ``path`` merged on top.

    Raises :class:`parity.core.errors.SettingsError` naming the file, key and fix.
    """
    return load_parameters(RangeParameters, "ranges.yaml", path, "range parameter", RANGES_DOC)
