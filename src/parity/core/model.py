"""The data model: tables, columns, code lists and the recruitment stages.

This module is the single declaration of what Parity stores. The interchange files
(``staff.csv``, ``openings.csv``, ``applications.csv``, ``events.csv``,
``self_identification.csv``) map one to one onto the tables declared here; the
store's DDL, the ingest validators, the synthetic generator and
``docs/data-model.md`` are all derived from these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# --------------------------------------------------------------------------- code lists

#: Recruitment stages in order. A stage is reached when its date is set.
STAGES: tuple[str, ...] = (
    "received",
    "screened",
    "assessed",
    "interviewed",
    "recommended",
    "selected",
)
#: Stages that a ``recruit_from_roster`` selection may skip.
ROSTER_SKIPPABLE: frozenset[str] = frozenset({"assessed", "interviewed"})
#: The steps of the funnel of regular openings (every posting type but
#: ``recruit_from_roster``), each (stage, previous stage): a stage's pass rate is the
#: applications that reached it over those that reached the previous stage. The analyst
#: funnel, the released tables and the dashboard all use these steps.
STAGE_STEPS: tuple[tuple[str, str], ...] = tuple(zip(STAGES[1:], STAGES[:-1], strict=True))
#: The bit of each stage after ``received`` in ``applications.stages_reached``: set when the
#: stage's date is (screened 1, assessed 2, interviewed 4, recommended 8, selected 16).
STAGE_BITS: dict[str, int] = {stage: 1 << i for i, stage in enumerate(STAGES[1:])}
#: The one step of a ``recruit_from_roster`` opening: selected over received (its
#: selections may skip assessed and interviewed, so the regular steps do not apply).
ROSTER_STEPS: tuple[tuple[str, str], ...] = (("selected", "received"),)
ROSTER_POSTING = "recruit_from_roster"

CATEGORIES: dict[str, str] = {
    "SL": "Senior leadership (USG/ASG)",
    "D": "Director",
    "P": "Professional",
    "FS": "Field Service",
    "NO": "National Professional Officer",
    "GS": "General Service and related",
}

#: Grades by category, most senior first.
GRADES_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "SL": ("USG", "ASG"),
    "D": ("D-2", "D-1"),
    "P": ("P-5", "P-4", "P-3", "P-2", "P-1"),
    "FS": ("FS-7", "FS-6", "FS-5", "FS-4", "FS-3", "FS-2", "FS-1"),
    "NO": ("NO-E", "NO-D", "NO-C", "NO-B", "NO-A"),
    "GS": ("G-7", "G-6", "G-5", "G-4", "G-3", "G-2", "G-1"),
}
GRADES: tuple[str, ...] = tuple(g for gs in GRADES_BY_CATEGORY.values() for g in gs)
CATEGORY_OF_GRADE: dict[str, str] = {g: c for c, gs in GRADES_BY_CATEGORY.items() for g in gs}
#: Categories counted as "Professional and higher".
PROFESSIONAL_AND_HIGHER: frozenset[str] = frozenset({"SL", "D", "P"})
SENIOR_GRADES: frozenset[str] = frozenset({"P-5", "D-1", "D-2"})

#: Level bands used by composition and gender parity (Professional and higher).
LEVEL_BANDS: dict[str, str] = {
    "P-1": "P-1/P-2",
    "P-2": "P-1/P-2",
    "P-3": "P-3",
    "P-4": "P-4",
    "P-5": "P-5",
    "D-1": "D-1/D-2",
    "D-2": "D-1/D-2",
    "ASG": "ASG/USG",
    "USG": "ASG/USG",
}

GENDERS: tuple[str, ...] = ("F", "M", "X")
APPOINTMENT_TYPES: tuple[str, ...] = ("permanent", "continuing", "fixed-term", "temporary")
POSTING_TYPES: tuple[str, ...] = ("position_specific", "generic", "recruit_from_roster")
EVENT_TYPES: tuple[str, ...] = ("appointment", "promotion", "reassignment", "separation")
SEPARATION_REASONS: tuple[str, ...] = (
    "retirement",
    "resignation",
    "end_of_appointment",
    "termination",
    "death",
    "other",
)
#: Declared self-identification dimensions and the values each accepts. A file may spell
#: a dimension or a value in any case; the store keeps the spelling declared here.
SELF_ID_CODES: dict[str, tuple[str, ...]] = {
    "race_ethnicity": (
        "African or Black", "Arab or Middle Eastern", "Asian", "Hispanic or Latino",
        "Indigenous", "Mixed or multiple", "White", "Other", "Prefer not to say",
    ),
    "disability": ("yes", "no"),
}
#: Nationality code for stateless persons and nationals of non-member States.
NON_MEMBER = "XXX"
#: Organizations of the UN system, by the acronym the CEB's personnel statistics use; ``UN``
#: is the United Nations Secretariat (with its departments, offices, regional commissions
#: and missions, told apart by ``entity``). A file's ``organization`` column takes these codes.
#: The organization given to rows of files without an ``organization`` column, unless the
#: ``organization`` setting names another.
DEFAULT_ORGANIZATION = "UN"
ORGANIZATIONS: dict[str, str] = {
    "UN": "United Nations Secretariat",
    "FAO": "Food and Agriculture Organization", "IAEA": "International Atomic Energy Agency",
    "ICAO": "International Civil Aviation Organization",
    "ICC": "International Criminal Court", "IFAD": "International Fund for Agricultural "
    "Development", "ILO": "International Labour Organization",
    "IMO": "International Maritime Organization", "IOM": "International Organization for "
    "Migration", "ITC": "International Trade Centre",
    "ITU": "International Telecommunication Union", "PAHO": "Pan American Health Organization",
    "UNAIDS": "Joint United Nations Programme on HIV/AIDS",
    "UNDP": "United Nations Development Programme",
    "UNESCO": "United Nations Educational, Scientific and Cultural Organization",
    "UNFCCC": "United Nations Framework Convention on Climate Change secretariat",
    "UNFPA": "United Nations Population Fund",
    "UNHCR": "Office of the United Nations High Commissioner for Refugees",
    "UNICC": "United Nations International Computing Centre",
    "UNICEF": "United Nations Children's Fund",
    "UNIDO": "United Nations Industrial Development Organization",
    "UNITAR": "United Nations Institute for Training and Research",
    "UNJSPF": "United Nations Joint Staff Pension Fund",
    "UNOPS": "United Nations Office for Project Services",
    "UNRWA": "United Nations Relief and Works Agency for Palestine Refugees",
    "UNSSC": "United Nations System Staff College", "UNU": "United Nations University",
    "UN-WOMEN": "United Nations Entity for Gender Equality and the Empowerment of Women",
    "UNWTO": "World Tourism Organization", "UPU": "Universal Postal Union",
    "WFP": "World Food Programme", "WHO": "World Health Organization",
    "WIPO": "World Intellectual Property Organization",
    "WMO": "World Meteorological Organization",
}

ColumnKind = Literal["id", "text", "code", "iso3", "date", "bool", "year", "stage_bits"]


@dataclass(frozen=True)
class Column:
    """One column of an interchange file and of its store table."""

    name: str
    kind: ColumnKind
    description: str
    required: bool = True
    codes: tuple[str, ...] | None = None
    pseudonymous: bool = False
    #: For a column the store copies from a related table at load time: ``table.column``.
    copied_from: str | None = None
    #: False for a column a file may leave out (its cells then take their default).
    in_header: bool = True
    #: For a column the store computes from the row's own columns at load time: the SQL
    #: expression, with ``{row}`` standing for the row's table alias.
    derived: str | None = None

    @property
    def sql_type(self) -> str:
        return {
            "id": "VARCHAR",
            "text": "VARCHAR",
            "code": "VARCHAR",
            "iso3": "VARCHAR",
            "date": "DATE",
            "bool": "BOOLEAN",
            "year": "SMALLINT",
            "stage_bits": "TINYINT",
        }[self.kind]


@dataclass(frozen=True)
class Table:
    """A table of the store, loaded from one kind of interchange file."""

    name: str
    file_stem: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    restricted: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Columns the store adds to each row at load time, copied from the row's parent in a
    #: related table (not part of the interchange file); see :attr:`Column.copied_from`.
    copies: tuple[Column, ...] = field(default_factory=tuple)
    #: Columns the store computes from each row's own columns at load time (not part of
    #: the interchange file); see :attr:`Column.derived`.
    derived: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> tuple[str, ...]:
        """The columns a file's header must hold (the interchange columns)."""
        return tuple(c.name for c in self.columns if c.in_header)

    @property
    def file_columns(self) -> tuple[str, ...]:
        """Every column a file may hold: :attr:`column_names`, then the optional ones
        (``in_header=False``; a file may leave them out)."""
        return tuple(c.name for c in self.columns)

    @property
    def store_columns(self) -> tuple[Column, ...]:
        """Every column of the store table: the file's columns, the copies, then the
        derived columns."""
        return (*self.columns, *self.copies, *self.derived)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def qualified_name(self) -> str:
        return f"restricted.{self.name}" if self.restricted else f"main.{self.name}"


def _c(name: str, kind: ColumnKind, description: str, **kw: object) -> Column:
    return Column(name, kind, description, **kw)  # type: ignore[arg-type]


def _org(what: str) -> Column:
    return _c("organization", "code", f"{what}: a code of the UN system's organizations "
              "(may be left out or empty: the configured `organization` setting, UN by "
              "default).", required=False, codes=tuple(ORGANIZATIONS), in_header=False)


STAFF = Table(
    name="staff",
    file_stem="staff",
    description="One row per person per snapshot date.",
    key=("snapshot_date", "person_id"),
    columns=(
        _c("snapshot_date", "date", "Date the snapshot describes."),
        _c("person_id", "id", "Stable pseudonymous id of the staff member.", pseudonymous=True),
        _c("nationality", "iso3", "ISO 3166-1 alpha-3 nationality; XXX = stateless or non-member."),
        _c("gender", "code", "F, M, X (other) or empty (unknown).", required=False, codes=GENDERS),
        _c("birth_year", "year", "Four-digit year of birth.", required=False),
        _c("category", "code", "Staff category.", codes=tuple(CATEGORIES)),
        _c("grade", "code", "Grade; must belong to the category.", codes=GRADES),
        _c("entity", "text", "Department, office, mission or organization code."),
        _c("duty_station", "text", "Duty station name or code.", required=False),
        _c("field", "bool", "True if in a field operation."),
        _c("appointment_type", "code", "Type of appointment.", codes=APPOINTMENT_TYPES),
        _c("geo_subject", "bool", "True if the post is subject to geographical distribution."),
        _org("Organization of the UN system employing the staff member"),
    ),
)

OPENINGS = Table(
    name="openings",
    file_stem="openings",
    description="One row per job opening.",
    key=("opening_id",),
    columns=(
        _c("opening_id", "id", "Stable id of the job opening."),
        _c("entity", "text", "Entity that posted the opening."),
        _c("grade", "code", "Grade of the opening.", codes=GRADES),
        _c("job_family", "text", "Job family, e.g. Political affairs.", required=False),
        _c("posting_type", "code", "Kind of posting.", codes=POSTING_TYPES),
        _c("posted_date", "date", "Date published."),
        _c("closed_date", "date", "Deadline for applications; not before posted_date.", required=False),
        _org("Organization of the UN system that posted the opening"),
    ),
)

APPLICATIONS = Table(
    name="applications",
    file_stem="applications",
    description="One row per application, with the date each stage was reached.",
    key=("application_id",),
    columns=(
        _c("application_id", "id", "Stable id of the application."),
        _c("opening_id", "id", "The opening applied to; must be a known opening."),
        _c("applicant_id", "id", "Stable pseudonymous id of the applicant.", pseudonymous=True),
        _c("nationality", "iso3", "ISO3 nationality of the applicant."),
        _c("gender", "code", "F, M, X or empty.", required=False, codes=GENDERS),
        _c("education_country", "iso3", "ISO3 country of the highest degree.", required=False),
        _c("internal", "bool", "True if the applicant was a staff member.", required=False),
        _c("received_date", "date", "Application received."),
        _c("screened_date", "date", "Passed screening.", required=False),
        _c("assessed_date", "date", "Passed the assessment.", required=False),
        _c("interviewed_date", "date", "Passed the competency-based interview.", required=False),
        _c("recommended_date", "date", "Recommended (endorsed).", required=False),
        _c("rostered_date", "date", "Placed on the roster; only if recommended.", required=False),
        _c("selected_date", "date", "Selected for the opening.", required=False),
        _c("organization", "code", "Organization of the opening (may be left out or empty: "
           "taken from the opening; when given it must be the opening's).", required=False,
           codes=tuple(ORGANIZATIONS), in_header=False),
    ),
    notes=(
        "Stages are ordered received < screened < assessed < interviewed < recommended < "
        "selected; a later stage's date is never earlier than an earlier one's and a reached "
        "stage implies the earlier ones were reached, except that a selection from a "
        "`recruit_from_roster` opening may skip assessed and interviewed.",
        "The store copies the opening's entity, grade, job family, posting type and posting "
        "year onto each application when it is loaded (an opening never changes once "
        "loaded), so that counting the funnel by any opening attribute reads one table.",
    ),
    copies=(
        _c("opening_entity", "text", "Entity of the opening.", copied_from="openings.entity"),
        _c("opening_grade", "code", "Grade of the opening.", codes=GRADES,
           copied_from="openings.grade"),
        _c("opening_job_family", "text", "Job family of the opening.", required=False,
           copied_from="openings.job_family"),
        _c("opening_posting_type", "code", "Posting type of the opening.",
           codes=POSTING_TYPES, copied_from="openings.posting_type"),
        _c("opening_year", "year", "Year the opening was posted.",
           copied_from="openings.posted_date"),
    ),
    derived=(
        _c("stages_reached", "stage_bits",
           "The stages after received whose date is set, one bit each: "
           + ", ".join(f"{stage} {bit}" for stage, bit in STAGE_BITS.items())
           + " (so the funnel counts every stage in one pass over one small column).",
           derived="CAST(" + " + ".join(
               f"CASE WHEN {{row}}.{stage}_date IS NOT NULL THEN {bit} ELSE 0 END"
               for stage, bit in STAGE_BITS.items()) + " AS TINYINT)"),
    ),
)

EVENTS = Table(
    name="events",
    file_stem="events",
    description="One row per career event.",
    key=("person_id", "event_date", "event", "from_grade", "to_grade", "from_entity", "to_entity"),
    columns=(
        _c("person_id", "id", "As in staff.", pseudonymous=True),
        _c("event_date", "date", "Date the event took effect."),
        _c("event", "code", "Kind of event.", codes=EVENT_TYPES),
        _c("from_grade", "code", "Grade before the event.", required=False, codes=GRADES),
        _c("to_grade", "code", "Grade after the event.", required=False, codes=GRADES),
        _c("from_entity", "text", "Entity before the event.", required=False),
        _c("to_entity", "text", "Entity after the event.", required=False),
        _c("reason", "code", "Reason of a separation.", required=False, codes=SEPARATION_REASONS),
    ),
    notes=("A promotion needs from_grade and to_grade with to_grade senior to from_grade; "
           "a separation needs a reason; only separations carry a reason.",),
)

SELF_IDENTIFICATION = Table(
    name="self_identification",
    file_stem="self_identification",
    description=(
        "Voluntary self-identification (e.g. race/ethnicity, disability). Used only for "
        "statistics, never for decisions about a person; stored in the restricted schema."
    ),
    key=("subject_id", "dimension", "collected_date"),
    restricted=True,
    columns=(
        _c("subject_id", "id", "A person_id or an applicant_id.", pseudonymous=True),
        _c("dimension", "text", "A declared dimension: "
           + ", ".join(SELF_ID_CODES) + " (any case)."),
        _c("value", "text", "The self-identified category, from the dimension's declared "
           "list (any case)."),
        _c("collected_date", "date", "When it was given."),
    ),
)

DATA_TABLES: tuple[Table, ...] = (OPENINGS, STAFF, EVENTS, APPLICATIONS, SELF_IDENTIFICATION)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in DATA_TABLES}


def professional_grades() -> list[str]:
    """Grades of the Professional and higher categories, most senior first."""
    return [g for g in GRADES if CATEGORY_OF_GRADE[g] in PROFESSIONAL_AND_HIGHER]


def grade_rank(grade: str) -> int:
    """Seniority rank within a category ladder: larger is more senior."""
    cat = CATEGORY_OF_GRADE[grade]
    ladder = GRADES_BY_CATEGORY[cat]
    # Senior leadership and directors sit above the Professional ladder.
    offset = {"SL": 200, "D": 100, "P": 0, "FS": 0, "NO": 0, "GS": 0}[cat]
    return offset + len(ladder) - ladder.index(grade)


def is_promotion(from_grade: str, to_grade: str) -> bool:
    """True when ``to_grade`` is senior to ``from_grade`` on a comparable ladder."""
    fc, tc = CATEGORY_OF_GRADE[from_grade], CATEGORY_OF_GRADE[to_grade]
    ladder = {"SL", "D", "P"}
    if fc == tc or (fc in ladder and tc in ladder):
        return grade_rank(to_grade) > grade_rank(from_grade)
    # A move across ladders (e.g. G-7 to P-2 after the young professionals exam) counts.
    return True
