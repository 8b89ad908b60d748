"""The dimensions Parity counts by: one name, one meaning, in every command.

Each :class:`Dimension` declares its name, the other names it accepts, an English label
(also the message id the dashboard translates), what it means, the natural order of its
values, and the column it is read from in each table: the applications (the funnel, with
the copies of the opening's attributes kept on each application), the openings
(timelines) and the staff snapshots (composition, gender parity, career flows).
:data:`COMMANDS` lists the dimensions each command accepts; :func:`resolve` turns what a
user typed into canonical names, with one error listing the valid ones for that command.

``field`` is an alias of ``entity_type``: field or non-field *entity*, by the one rule of
:mod:`parity.core.dimensions.entity_type`, in every command.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from parity.core import model
from parity.core.dimensions.age import AGE_BANDS
from parity.core.dimensions.entity_type import ENTITY_TYPES
from parity.core.dimensions.levels import BROAD_BANDS, LEVEL_ORDER, PARITY_BANDS
from parity.core.errors import UserInputError
from parity.core.reference import NON_MEMBER_GROUP, REGIONAL_GROUPS

UNKNOWN = "unknown"
Kind = Literal["raw", "region", "band", "broad_band", "parity_band", "category", "entity_type", "internal",
               "year", "bool", "month", "date_year", "range_status", "age_band"]
SourceTable = Literal["applications", "openings", "staff", "events"]
#: The label format of each kind read from a date: the month (YYYY-MM) or the year (YYYY)
#: it falls in; a missing date is ``unknown``.
PERIOD_FORMATS: dict[str, str] = {"month": "%Y-%m", "date_year": "%Y"}


@dataclass(frozen=True)
class Dimension:
    """One dimension: its names, meaning, order of values and source column per table."""

    name: str
    label: str
    description: str
    kind: Kind
    #: table → column its raw values are read from.
    sources: Mapping[str, str]
    aliases: tuple[str, ...] = ()
    #: The natural order of its values (None: alphabetical).
    values: tuple[str, ...] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def commands(self) -> tuple[str, ...]:
        """The commands that accept this dimension."""
        return tuple(c for c, names in COMMANDS.items() if self.name in names)

    @property
    def accepted_in(self) -> tuple[str, ...]:
        """The commands that accept it, marked "(--where only)" where it only filters."""
        return tuple(c + (" (--where only)" if self.name in WHERE_ONLY.get(c, ()) else "")
                     for c in self.commands)

    @property
    def period_format(self) -> str | None:
        """The strftime format of its labels when it is read from a date, else None."""
        return PERIOD_FORMATS.get(self.kind)


_APP_OPENING = {"applications": "opening_", "openings": ""}


def _opening(column: str, staff: str | None = None) -> dict[str, str]:
    out = {t: p + column for t, p in _APP_OPENING.items()}
    return out | ({"staff": staff} if staff else {})


_REGIONS = (*REGIONAL_GROUPS, NON_MEMBER_GROUP)
#: Statuses of a State in the desirable-range table, from furthest below to above the range
#: (``parity.core.analytics.ranges.STATUSES`` are the first five), then ``no_range``.
RANGE_STATUSES: tuple[str, ...] = (
    "unrepresented", "underrepresented", "within_below_midpoint", "within_above_midpoint",
    "overrepresented", "no_range")

DIMENSIONS: dict[str, Dimension] = {d.name: d for d in (
    Dimension("regional_group", "Regional group",
              "Regional group of the nationality: AFR, APG, EEG, GRULAC, WEOG; NONMEMBER for "
              "non-member States and stateless persons.", "region",
              {"applications": "nationality", "staff": "nationality"},
              ("group", "region"), _REGIONS),
    Dimension("nationality", "Nationality",
              "ISO 3166-1 alpha-3 nationality (XXX = stateless or non-member).", "raw",
              {"applications": "nationality", "staff": "nationality"}),
    Dimension("gender", "Gender", "F, M, X (another gender) or unknown.", "raw",
              {"applications": "gender", "staff": "gender"}, ("sex",),
              (*model.GENDERS, UNKNOWN),
              ("Released tables publish X and unknown together as other_or_unknown.",)),
    Dimension("education_region", "Region of education",
              "Regional group of the country of the highest degree (unknown if not given).",
              "region", {"applications": "education_country"}, ("education",),
              (*_REGIONS, UNKNOWN)),
    Dimension("education_country", "Country of education",
              "ISO3 country of the highest degree (unknown if not given).", "raw",
              {"applications": "education_country"}),
    Dimension("internal", "Internal or external applicant",
              "internal (a staff member) or external applicant; unknown if not given.",
              "internal", {"applications": "internal"}, (), ("internal", "external", UNKNOWN)),
    Dimension("grade", "Grade",
              "Grade (USG … G-1): of the opening in the funnel and timelines, of the staff "
              "member on the snapshot, the grade at risk (the grade below, for promotions) "
              "in career flows.", "raw", _opening("grade", "grade"), (), model.GRADES),
    Dimension("level_band", "Level",
              "Level band of the grade: " + ", ".join(LEVEL_ORDER[:6]) + "; other categories "
              "by their code (" + ", ".join(LEVEL_ORDER[6:]) + ").", "band",
              _opening("grade", "grade"), ("level", "band"), LEVEL_ORDER),
    Dimension("broad_band", "Grade band",
              "Broad grade band grouping level bands: " + ", ".join(BROAD_BANDS) + ".",
              "broad_band", {"staff": "grade"}, ("broad",), BROAD_BANDS),
    Dimension("parity_band", "Level",
              "Level band with the senior bands together, as the published gender parity "
              "table shows it: " + ", ".join(PARITY_BANDS) + ".",
              "parity_band", {"staff": "grade"}, (), PARITY_BANDS),
    Dimension("category", "Category",
              "Staff category of the grade: " + ", ".join(model.CATEGORIES) + ".", "category",
              _opening("grade", "grade"), (), tuple(model.CATEGORIES)),
    Dimension("job_family", "Job family", "Job family of the opening.", "raw",
              _opening("job_family"), ("family",)),
    Dimension("entity", "Entity", "Department, office, mission or other entity: that posted "
              "the opening, or of the staff member.", "raw", _opening("entity", "entity")),
    Dimension("organization", "Organization",
              "Organization of the UN system (UN = the United Nations Secretariat): that "
              "posted the opening, or of the staff member. Without it every count is "
              "system-wide.", "raw", dict.fromkeys(("applications", "openings", "staff"),
                                                   "organization"),
              ("org", "agency"), tuple(model.ORGANIZATIONS)),
    Dimension("entity_type", "Field or non-field",
              "field or non-field entity, by one rule for every command: an entity is field "
              "when at least half of its staff on its latest snapshot are in a field "
              "operation; unknown when it has no staff in the store.", "entity_type",
              _opening("entity", "entity"), ("field",), ENTITY_TYPES),
    Dimension("posting_type", "Posting type",
              "position_specific, generic or recruit_from_roster.", "raw",
              _opening("posting_type"), (), model.POSTING_TYPES),
    Dimension("year", "Year", "Year the opening was posted (ascending).", "year",
              {"applications": "opening_year", "openings": "posted_date"}),
    Dimension("opening", "Job opening", "The job opening (for strata).", "raw",
              {"applications": "opening_id", "openings": "opening_id"}, ("jo", "opening_id")),
    Dimension("duty_station", "Duty station", "Duty station of the staff member (null if "
              "not given).", "raw", {"staff": "duty_station"}, ("station",)),
    Dimension("appointment_type", "Appointment type",
              "permanent, continuing, fixed-term or temporary.", "raw",
              {"staff": "appointment_type"}, ("appointment", "contract"),
              model.APPOINTMENT_TYPES),
    Dimension("range_status", "Desirable-range status",
              "Status of the nationality's State in the desirable-range table in force at "
              "the selection: unrepresented, underrepresented, within_below_midpoint, "
              "within_above_midpoint, overrepresented; no_range for non-member States and "
              "stateless persons.", "range_status", {"applications": "nationality"},
              ("desirable_range",), RANGE_STATUSES,
              ("The table in force is the one of the latest staff snapshot on or before the "
               "start of the first month (or year) of a --where selection_month (or "
               "selection_year) filter; without one, on or before 1 January of --to; "
               "otherwise the latest snapshot (the first snapshot when none is that early). "
               "All applications of one count are labelled with that one table.",)),
    Dimension("selection_month", "Month of selection",
              "Month (YYYY-MM) of the selection date: of the application in the funnel, of "
              "the opening's first selection in timelines; unknown when never selected.",
              "month", {"applications": "selected_date", "openings": "first_selected"},
              notes=("The funnel takes it in --where only (the selections decided in those "
                     "months: every stage count equals the selections), not in --by or "
                     "--strata, where its groups would be everyone selected against no one "
                     "selected. openings.first_selected is the earliest selection date of "
                     "the opening's applications.",)),
    Dimension("selection_year", "Year of selection",
              "Year (YYYY) of the selection date, as selection_month; unknown when never "
              "selected.", "date_year",
              {"applications": "selected_date", "openings": "first_selected"},
              notes=("The funnel takes it in --where only, as selection_month.",)),
    Dimension("event_month", "Month of the event",
              "Month (YYYY-MM) a promotion, reassignment or separation took effect; the "
              "staff-years at risk are split by the month they were spent in.", "month",
              {"events": "event_date"},
              notes=("Career flows by event_month give each month's events, staff-years and "
                     "rate with its interval, without ratios, tests or strata.",)),
    Dimension("age_band", "Age band",
              "Age on the snapshot (its year minus the birth year): " + ", ".join(AGE_BANDS)
              + "; unknown without a birth year. In career flows, the age on the snapshot "
              "that opens the period at risk.", "age_band", {"staff": "birth_year"}, ("age",),
              (*AGE_BANDS, UNKNOWN)),
    Dimension("geo_subject", "Post subject to geographical distribution",
              "true for staff in posts subject to geographical distribution.", "bool",
              {"staff": "geo_subject"}, ("geo",)),
)}

_STAFF = ("regional_group", "nationality", "gender", "grade", "level_band", "category",
          "entity", "entity_type", "organization")

#: The dimensions each command accepts (in --by, --strata or --where).
COMMANDS: dict[str, tuple[str, ...]] = {
    "funnel": tuple(n for n, d in DIMENSIONS.items() if "applications" in d.sources),
    "timelines": tuple(n for n, d in DIMENSIONS.items()
                       if "openings" in d.sources and n != "opening"),
    "careers": (*_STAFF, "appointment_type", "age_band", "event_month"),
    "careers --flow roster": _STAFF,
    "composition": (*_STAFF, "duty_station", "appointment_type", "age_band", "geo_subject"),
    "gender": ("level_band", "entity", "entity_type", "organization"),
    "release": ("regional_group", "nationality", "gender", "level_band", "broad_band",
                "parity_band", "entity", "year", "organization"),
}
#: Dimensions a command takes in --where only (never in --by or --strata).
WHERE_ONLY: dict[str, tuple[str, ...]] = {"funnel": ("selection_month", "selection_year")}
#: What the commands count, to name them in messages.
_COUNTED = {"funnel": "the funnel", "timelines": "openings",
            "careers": "career flows", "careers --flow roster": "the roster flow",
            "composition": "staff", "gender": "gender parity", "release": "released tables"}
ALIASES: dict[str, str] = {a: d.name for d in DIMENSIONS.values() for a in d.aliases}


def canonical(name: str) -> str:
    """The canonical name of ``name`` (aliases resolved, lower case)."""
    key = name.strip().lower()
    return ALIASES.get(key, key)


def is_dimension(name: str) -> bool:
    return canonical(name) in DIMENSIONS


def order_of(name: str) -> tuple[str, ...] | None:
    """The natural order of a dimension's values, if it has one."""
    dim = DIMENSIONS.get(canonical(name))
    return None if dim is None else dim.values


def label_of(name: str) -> str:
    """The English label (message id) of a dimension; the name itself when unknown."""
    dim = DIMENSIONS.get(canonical(name))
    return dim.label if dim is not None else name.replace("_", " ")


def invalid(name: str, command: str, extra: str = "") -> UserInputError:
    """The error for a dimension ``command`` does not accept, listing the ones it does."""
    dim = DIMENSIONS.get(canonical(name))
    elsewhere = "" if dim is None or not dim.commands else (
        f" ({dim.name} is a dimension of {', '.join(dim.commands)})")
    return UserInputError(
        f"'{name}' is not a dimension {_COUNTED[command]} can be broken down by{elsewhere}.",
        f"Use one of: {', '.join(COMMANDS[command])}{extra}. 'parity dimensions' lists every "
        "dimension and the commands that accept it.")


def resolve(names: Iterable[str], command: str, *, split: bool = True,
            unique: bool = True) -> list[str]:
    """Canonical names of ``names`` for ``command``; one clear error for an invalid one.

    ``split``: also split each item on commas. ``unique``: a name given twice is an error.
    """
    allowed = COMMANDS[command]
    out: list[str] = []
    for raw in names:
        for part in (raw.split(",") if split else [raw]):
            if not part.strip():
                continue
            name = canonical(part)
            if name not in allowed:
                raise invalid(part.strip(), command)
            if name in out:
                if unique:
                    raise UserInputError(f"The dimension '{name}' is given twice.",
                                         "Give each dimension once.")
                continue
            out.append(name)
    return out


def sort_rank(name: str, values: Sequence[object]) -> list[int]:
    """Each value's position in the dimension's natural order (past the end if absent)."""
    order = order_of(name) or ()
    rank = {v: i for i, v in enumerate(order)}
    return [rank.get(str(v), len(order)) for v in values]


def listing(command: str | None = None) -> list[dict[str, str]]:
    """Every dimension (or those ``command`` accepts) as rows of text: dimension,
    other_names, label, meaning, values, read_from, commands."""
    if command is not None and command not in COMMANDS:
        raise UserInputError(f"'{command}' is not a command that takes dimensions.",
                             f"Use one of: {', '.join(COMMANDS)}.")
    return [{
        "dimension": d.name, "other_names": ", ".join(d.aliases), "label": d.label,
        "meaning": " ".join((d.description, *d.notes)),
        "values": ", ".join(d.values) if d.values else "",
        "read_from": "; ".join(f"{t}.{c}" for t, c in d.sources.items()),
        "commands": ", ".join(d.accepted_in),
    } for d in DIMENSIONS.values() if command is None or d.name in COMMANDS[command]]
