"""Scenario files: the levers of a projection, typed with pydantic and read from YAML.

Every key is optional except ``name``; an empty section keeps the history-based
baseline. The format is documented key by key in docs/projection.md, and example files
ship in ``parity/core/projection/scenarios``. Errors name the file, the key and the fix.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from parity.core import model
from parity.core.errors import SettingsError
from parity.core.reference import REGIONAL_GROUPS

DOC = "docs/projection.md"
Year = Annotated[int, Field(ge=1990, le=2200)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
StateSet = Literal["unrepresented", "underrepresented", "under_or_unrepresented"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known_grades(grades: list[str] | str) -> list[str] | str:
    if isinstance(grades, list):
        bad = [g for g in grades if g not in model.GRADES]
        if bad:
            raise ValueError(f"unknown grade {', '.join(bad)}; grades are written like P-4, "
                             f"D-1, G-5, FS-4, NO-B, ASG")
        if not grades:
            raise ValueError("the list of grades is empty")
    return grades


class Retirement(_Section):
    mandatory_age: Annotated[int, Field(ge=50, le=80)] = 65
    rule: Literal["uniform", "entry_cohort", "entry_cohort_option"] = "uniform"
    early_retirement_probability: Share | None = None


class PostChange(_Section):
    year: Year
    posts: int
    grades: list[str] | Literal["all"] = "all"

    _grades = field_validator("grades")(_known_grades)


class Freeze(_Section):
    from_year: Year
    to_year: Year
    promotions: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Freeze:
        if self.to_year < self.from_year:
            raise ValueError("to_year is before from_year")
        return self


class Establishment(_Section):
    annual_growth: Annotated[float, Field(ge=-0.5, le=0.5)] = 0.0
    changes: list[PostChange] = []
    freezes: list[Freeze] = []


class Separations(_Section):
    multiplier: Annotated[float, Field(ge=0.0, le=5.0)] = 1.0
    multiplier_by_gender: dict[Literal["F", "M", "X", "U"], Annotated[float, Field(ge=0.0, le=5.0)]] = {}
    from_year: Year | None = None


class Promotions(_Section):
    internal_fill_share: Share | None = None
    gender_neutral: bool = False
    from_year: Year | None = None


class WomenShare(_Section):
    share: Share
    grades: list[str] | Literal["all"] = "all"
    from_year: Year | None = None
    applies_to: list[Literal["recruitment", "promotion"]] = ["recruitment", "promotion"]

    _grades = field_validator("grades")(_known_grades)


class ApplicationMultiplier(_Section):
    states: StateSet | list[str]
    factor: Annotated[float, Field(ge=0.0, le=100.0)]
    from_year: Year | None = None

    @field_validator("states")
    @classmethod
    def _codes(cls, v: StateSet | list[str]) -> StateSet | list[str]:
        if isinstance(v, list):
            bad = [c for c in v if not (len(c) == 3 and c.isupper()) and c not in REGIONAL_GROUPS]
            if bad:
                raise ValueError(f"{', '.join(bad)} is neither an ISO3 code nor a regional group "
                                 f"({', '.join(REGIONAL_GROUPS)})")
        return v


class FromYear(_Section):
    from_year: Year | None = None


class MinimumShare(_Section):
    share: Share
    from_year: Year | None = None


class Window(_Section):
    from_year: Year = 2018
    to_year: Year = 2022

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.to_year < self.from_year:
            raise ValueError("to_year is before from_year")
        return self


class Recruitment(_Section):
    window: Window = Window()
    women_share: list[WomenShare] = []
    equal_selection_rates: FromYear | None = None
    application_multipliers: list[ApplicationMultiplier] = []
    minimum_share_underrepresented: MinimumShare | None = None


class Band(_Section):
    centre: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    half_width: Annotated[float, Field(ge=0.0, lt=0.5)] = 0.03


class Targets(_Section):
    parity_band: Band | None = None
    gender_year: Year | None = None
    ranges_year: Year | None = None
    probability: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.8


class Ranges(_Section):
    follow_scale: bool = True
    follow_establishment: bool = True


class Estimation(_Section):
    window_years: Annotated[int, Field(ge=1, le=30)] = 5
    prior_staff_years: Annotated[float, Field(ge=0.0, le=10000.0)] = 20.0
    prior_selections: Annotated[float, Field(ge=0.0, le=10000.0)] = 5.0
    recruitment_mix: Literal["constant", "trend"] = Field(
        default="constant",
        description="Women's share of external selections: 'constant' holds the recruitment "
                    "window's average; 'trend' follows a logistic trend in posting year fitted "
                    "per ladder (shrunk toward no trend when the data do not determine it). "
                    "The default is 'constant': on the synthetic back-test the trend lowered "
                    "the bias but raised the error (benchmarks/RESULTS.md).")


class Scenario(_Section):
    """A projection scenario: the levers applied to the history-based baseline."""

    version: Literal[1] = 1
    name: str = Field(min_length=1)
    description: str = ""
    scope: Literal["professional", "all"] = "professional"
    retirement: Retirement = Retirement()
    establishment: Establishment = Establishment()
    separations: Separations = Separations()
    promotions: Promotions = Promotions()
    recruitment: Recruitment = Recruitment()
    targets: Targets = Targets()
    ranges: Ranges = Ranges()
    estimation: Estimation = Estimation()
    origin: str = Field(default="", exclude=True)


BASELINE = Scenario(name="Baseline", description="History-based rates, no policy change.")


def _key_of(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not str(p).startswith(("function-", "literal[", "list["))]
    return ".".join(parts) or "(top level)"


def _fix(kind: str, key: str) -> str:
    if kind == "extra_forbidden":
        return f"remove '{key}' (misspelt?); the keys are listed in {DOC}"
    if kind == "missing":
        return f"add '{key}'"
    if kind.startswith("literal"):
        return f"set '{key}' to one of the values the message lists"
    return f"set '{key}' to a valid value (see {DOC})"


def parse_scenario(data: Any, where: str) -> Scenario:
    """Validate a mapping read from a scenario file; ``where`` names the file in errors."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"The scenario file {where} must hold a mapping of keys, not a "
                            f"{type(data).__name__}.",
                            f"Start from an example in parity/core/projection/scenarios; see {DOC}.")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = _key_of(err["loc"])
        msg = str(err["msg"]).rstrip(".")
        raise SettingsError(f"Invalid scenario key '{key}' in {where}: {msg}.",
                            f"Fix: {_fix(err['type'], key)}.") from exc
    return scenario.model_copy(update={"origin": where})


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate the scenario file at ``path`` (a shipped name is also accepted)."""
    path = resolve_scenario(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"The scenario file {path} cannot be read: {exc}.",
                            "Save it as UTF-8 text and check its permissions.") from exc
    return parse_scenario_text(text, str(path))


def parse_scenario_text(text: str, where: str) -> Scenario:
    """Read and validate a scenario's YAML text; ``where`` names it in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SettingsError(f"The scenario file {where} is not valid YAML: {exc}.",
                            f"Fix the syntax; see {DOC} for the layout.") from exc
    return parse_scenario(data, where)


def shipped_scenarios() -> dict[str, Path]:
    """The example scenario files shipped with Parity, by name (file stem)."""
    folder = Path(str(files("parity.core.projection").joinpath("scenarios")))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def resolve_scenario(name_or_path: Path | str) -> Path:
    """A path to a scenario file, or the shipped example of that name."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = shipped_scenarios()
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    if stem in shipped and (path.parent == Path(".") or not path.parent.exists()):
        return shipped[stem]
    raise SettingsError(f"The scenario file {path} does not exist.",
                        f"Give a path to a YAML file, or one of the shipped examples: "
                        f"{', '.join(shipped)}.")


def active(from_year: int | None, year: int) -> bool:
    """True when a lever that starts in ``from_year`` (None = at once) applies in ``year``."""
    return from_year is None or year >= from_year
