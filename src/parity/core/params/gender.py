"""The typed parameter file of the gender parity analysis (``data/gender.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from parity.core.dimensions.levels import LEVEL_ORDER
from parity.core.errors import SettingsError
from parity.core.model import ORGANIZATIONS
from parity.core.params._loading import ParameterFile, Sourced, error_text, load_parameters

GENDER_DOC = "docs/workforce.md"
#: Level names a target may list: the level bands, senior first, then the other
#: categories (FS, NO, GS).
LEVELS: tuple[str, ...] = LEVEL_ORDER


class Target(BaseModel):
    """A parity target: the levels it covers and the year by which to reach the band."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: list[str] | Literal["all"]
    year: Annotated[int, Field(ge=1990, le=2100)]

    @field_validator("levels")
    @classmethod
    def _known(cls, v: list[str] | str) -> list[str] | str:
        if isinstance(v, list):
            bad = [x for x in v if x not in LEVELS]
            if bad:
                raise ValueError(
                    f"unknown level {', '.join(bad)}; known levels: {', '.join(LEVELS)}")
        return v

    def covers(self, level: str | None) -> bool:
        """True if this target applies to ``level`` (None = a group that is not a level)."""
        return self.levels == "all" or (level is not None and level in self.levels)


class ParityBand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    centre: Sourced[Annotated[float, Field(gt=0.0, lt=1.0)]]
    half_width: Sourced[Annotated[float, Field(ge=0.0, lt=0.5)]]

    @model_validator(mode="after")
    def _inside(self) -> ParityBand:
        if not 0.0 <= self.centre.value - self.half_width.value <= self.centre.value \
                + self.half_width.value <= 1.0:
            raise ValueError("the band centre plus or minus its half width must lie in 0..1")
        return self

    @property
    def lower(self) -> float:
        return self.centre.value - self.half_width.value

    @property
    def upper(self) -> float:
        return self.centre.value + self.half_width.value


class GenderParameters(ParameterFile):
    """Parity band, confidence level and target dates, with source and confirmation."""

    parity_band: ParityBand
    confidence_level: Sourced[Annotated[float, Field(gt=0.5, lt=1.0)]]
    targets: Sourced[list[Target]]
    #: Organizations with targets of their own (code → targets); the others take
    #: ``targets``.
    organization_targets: Sourced[dict[str, list[Target]]] | None = None

    @field_validator("organization_targets")
    @classmethod
    def _known_organizations(cls, v: Sourced[dict[str, list[Target]]] | None
                             ) -> Sourced[dict[str, list[Target]]] | None:
        for code, targets in (v.value if v is not None else {}).items():
            if code not in ORGANIZATIONS:
                raise ValueError(f"'{code}' is not an organization code; known codes: "
                                 + ", ".join(ORGANIZATIONS))
            if not targets:
                raise ValueError(f"the targets of {code} are empty; give at least one")
        return v

    @field_validator("targets")
    @classmethod
    def _has_all(cls, v: Sourced[list[Target]]) -> Sourced[list[Target]]:
        if not any(t.levels == "all" for t in v.value):
            raise ValueError("one target must cover all levels (levels: all)")
        return v

    def with_band(self, centre: float | None = None,
                  half_width: float | None = None) -> GenderParameters:
        """A copy with the band centre and/or half width set (e.g. from the command line)."""
        if centre is None and half_width is None:
            return self
        band = self.parity_band.model_dump()
        for key, value in (("centre", centre), ("half_width", half_width)):
            if value is not None:
                band[key] = {"value": value, "source": "command line", "confirmation": "user"}
        try:
            new = ParityBand.model_validate(band)
        except ValidationError as exc:
            raise SettingsError(
                f"The parity band {band['centre']['value']} ± {band['half_width']['value']} "
                f"is invalid: {error_text(exc)}.",
                "Give --band-centre and --band-half-width with centre ± half width inside 0–1.",
            ) from exc
        return self.model_copy(update={"parity_band": new})

    def targets_for(self, level: str | None, after_year: int,
                    organization: str | None = None) -> Target | None:
        """The earliest target covering ``level`` whose year is after ``after_year``: among
        ``organization``'s own targets when it has some, else the system-wide ones."""
        own = self.organization_targets.value if self.organization_targets else {}
        targets = own.get(organization or "", self.targets.value)
        ahead = [t for t in targets if t.covers(level) and t.year > after_year]
        return min(ahead, key=lambda t: t.year) if ahead else None


def load_gender_parameters(path: Path | str | None = None) -> GenderParameters:
    """The shipped gender parameters, with the override file at ``path`` merged on top."""
    return load_parameters(GenderParameters, "gender.yaml", path, "gender parameter", GENDER_DOC)
