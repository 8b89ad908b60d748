"""A Member State's profile, as a :class:`Document`.

Its nationals by grade, gender and entity over five years (the last snapshot of each
year, :func:`parity.core.analytics.composition.composition_trend`); its desirable range
and status on each of those snapshots (:func:`parity.core.analytics.ranges
.desirable_ranges`); its nationals' applications and selections through the funnel over
the same years, against everyone else's (:func:`parity.core.analytics.funnel.funnel`);
and what it would take to come into range: how many more nationals in posts subject to
geographical distribution would bring it to the floor of its range.

For the Member State audience (``member_state`` with the State's ISO3), the profile is
made from its release instead (its nationals by level and gender, the published
nationals in geographical posts), under the disclosure rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from parity.core import reference
from parity.core.analytics import composition as comp
from parity.core.analytics.funnel import funnel
from parity.core.analytics.ranges import classify, desirable_ranges
from parity.core.backend import Backend
from parity.core.disclosure import Audience
from parity.core.errors import UserInputError
from parity.core.reports._common import (
    ANALYST,
    as_of_data,
    audience_key,
    audience_of,
    check_day,
    parse_day,
    prefixed,
    released,
    released_tables,
    trend_dates,
    without_margins,
)
from parity.core.reports.document import (
    N_,
    Chart,
    Country,
    Document,
    Label,
    Phrase,
    Section,
    Share,
    Table,
)
from parity.core.reports.kinds import Option, ReportKind, register
from parity.core.store import Store

_RANGE_COLUMNS: dict[str, str] = {
    "snapshot_date": N_("Snapshot"), "lower": N_("Lower limit"), "midpoint": N_("Midpoint"),
    "upper": N_("Upper limit"), "staff": N_("Nationals in geographical posts"),
    "status": N_("Status"), "needed_to_reach_lower": N_("Needed to reach the range"),
}
_FUNNEL_COLUMNS: dict[str, str] = {
    "stage": N_("Stage"), "count": N_("Applications"), "pass_rate": N_("Pass rate"),
    "reference_pass_rate": N_("Pass rate of all other nationalities"),
    "selection_ratio": N_("Ratio"), "verdict": N_("Verdict"),
}


@dataclass(frozen=True)
class Context:
    """What every State's profile is cut from, computed once for all States."""

    snapshot: date
    dates: tuple[date, ...]
    grade_gender: pl.DataFrame  # snapshot_date, nationality, grade, gender, staff
    entity: pl.DataFrame  # snapshot_date, nationality, entity, staff
    ranges: pl.DataFrame  # snapshot_date + the ranges' states columns
    funnel: pl.DataFrame  # nationality, stage, count, pass_rate, ...


def context(source: Backend | Store, as_of: date | None = None) -> Context:
    """Every State's figures, five years up to the snapshot for ``as_of``, once."""
    snapshot = comp.resolve_snapshot(comp.snapshot_dates(comp.as_backend(source)), as_of)
    dates = trend_dates(source, snapshot)

    def trend(by: list[str]) -> pl.DataFrame:
        frame = comp.composition_trend(source, by, date_to=snapshot)
        return frame.filter(pl.col("snapshot_date").is_in(dates) & (pl.col("staff") > 0))

    ranges = pl.concat([desirable_ranges(source, d).states.with_columns(
        pl.lit(d).alias("snapshot_date")) for d in dates])
    stages = funnel(source, ["nationality"], year_from=dates[0].year, year_to=snapshot.year)
    return Context(snapshot, tuple(dates),
                   trend(["nationality", "grade", "gender"]).select(
                       "snapshot_date", "nationality", "grade", "gender", "staff"),
                   trend(["nationality", "entity"]).select(
                       "snapshot_date", "nationality", "entity", "staff"),
                   ranges, stages)


def _check(iso3: str) -> str:
    code = iso3.strip().upper()
    if code not in set(reference.member_states()["iso3"].to_list()):
        raise UserInputError(f"'{iso3}' is not the ISO3 code of a Member State.",
                             "Give a code such as KEN or FRA ('parity ranges' lists them).")
    return code


def _come_into_range(state: str, row: dict[str, object]) -> Phrase:
    values = {"state": Country(state), "needed": row["needed_to_reach_lower"],
              "lower": row["lower"], "upper": row["upper"], "staff": row["staff"]}
    if row["status"] in ("unrepresented", "underrepresented"):
        return Phrase(N_("{state} would need {needed} more nationals in posts subject to "
                         "geographical distribution to reach the floor of its range "
                         "({lower})."), values)  # type: ignore[arg-type]
    if row["status"] == "overrepresented":
        return Phrase(N_("{state} is above its range: {staff} nationals against an upper "
                         "limit of {upper}."), values)  # type: ignore[arg-type]
    return Phrase(N_("{state} is within its range ({lower} to {upper})."),
                  values)  # type: ignore[arg-type]


def _analyst(ctx: Context, state: str) -> list[Section]:
    gg = ctx.grade_gender.filter(pl.col("nationality") == state).drop("nationality")
    ent = ctx.entity.filter(pl.col("nationality") == state).drop("nationality")
    totals = pl.DataFrame({"snapshot_date": list(ctx.dates)}).join(
        gg.group_by("snapshot_date").agg(pl.col("staff").sum()), on="snapshot_date",
        how="left").with_columns(pl.col("staff").fill_null(0).cast(pl.Int64)).sort(
        "snapshot_date")
    latest = gg.filter(pl.col("snapshot_date") == ctx.snapshot)
    women = int(latest.filter(pl.col("gender") == "F")["staff"].sum())
    total = int(latest["staff"].sum())
    nationals = Section("nationals", Phrase(N_("Nationals on the staff")), [
        Phrase(N_("On {date}, {total} staff were nationals of {state}; {women} of them "
                  "({share}) were women. Five years earlier, on {first_date}, there were "
                  "{first}."),
               {"date": ctx.snapshot, "total": total, "state": Country(state),
                "women": women, "share": Share(women / total if total else None),
                "first_date": ctx.dates[0], "first": int(totals["staff"][0])})], [
        Table("ms_total", Phrase(N_("Nationals on the staff, year by year")), totals,
              {"snapshot_date": N_("Snapshot"), "staff": N_("Staff")}),
        Table("ms_grade_gender", Phrase(N_("Nationals by grade and gender, year by year")),
              gg, {"snapshot_date": N_("Snapshot"), "grade": N_("Grade"),
                   "gender": N_("Gender"), "staff": N_("Staff")},
              dimensions={"grade": "grade", "gender": "gender"}),
        Table("ms_entity", Phrase(N_("Nationals by entity, year by year")), ent,
              {"snapshot_date": N_("Snapshot"), "entity": N_("Entity"), "staff": N_("Staff")},
              dimensions={"entity": "entity"}),
    ], [Chart("ms_total_chart", Phrase(N_("Nationals on the staff, year by year")),
              "ms_total", "line", "snapshot_date", "staff")])
    ranges = ctx.ranges.filter(pl.col("iso3") == state).sort("snapshot_date").select(
        list(_RANGE_COLUMNS))
    last = ranges.row(ranges.height - 1, named=True)
    range_section = Section("range", Phrase(N_("Desirable range")), [
        Phrase(N_("On {date}, {state} had {staff} nationals in posts subject to "
                  "geographical distribution, against a desirable range of {lower} to "
                  "{upper}: {status}."),
               {"date": ctx.snapshot, "state": Country(state), "staff": last["staff"],
                "lower": last["lower"], "upper": last["upper"],
                "status": Label(last["status"], "range_status")}),
        _come_into_range(state, last)],
        [Table("ms_range", Phrase(N_("Desirable range and status, year by year")), ranges,
               _RANGE_COLUMNS, dimensions={"status": "range_status"})],
        [Chart("ms_range_chart", Phrase(N_("Nationals in geographical posts, year by year")),
               "ms_range", "line", "snapshot_date", "staff")])
    stages = ctx.funnel.filter(pl.col("nationality") == state).select(list(_FUNNEL_COLUMNS))
    received = stages.filter(pl.col("stage") == "received")["count"]
    selected = stages.filter(pl.col("stage") == "selected")["count"]
    funnel_section = Section("funnel", Phrase(N_("Applications and selections")), [
        Phrase(N_("From {first} to {last}, nationals of {state} sent {received} "
                  "applications and were selected {selected} times."),
               {"first": str(ctx.dates[0].year), "last": str(ctx.snapshot.year),
                "state": Country(state),
                "received": int(received[0]) if received.len() else 0,
                "selected": int(selected[0]) if selected.len() else 0})],
        [Table("ms_funnel", Phrase(N_("Nationals through the recruitment funnel")), stages,
               _FUNNEL_COLUMNS, dimensions={"stage": "stage", "verdict": "verdict"},
               shares=["pass_rate", "reference_pass_rate"])],
        [Chart("ms_funnel_chart", Phrase(N_("Nationals through the recruitment funnel")),
               "ms_funnel", "bar", "stage", "count")])
    return [nationals, range_section, funnel_section]


def _released(source: Store, aud: Audience, state: str, snapshot: date) -> list[Section]:
    rel = released_tables(source, aud)
    geo = rel["nationals_in_geographical_posts"].filter(pl.col("nationality") == state)
    ranges = desirable_ranges(source, snapshot)
    limits = ranges.states.filter(pl.col("iso3") == state).drop(
        "staff", "status", "distance_to_range", "needed_to_reach_lower")
    staff = geo["staff"][0] if geo.height else None
    sections = []
    if "own_nationals_by_level_gender" in rel:  # the State's own release only
        own = without_margins(rel["own_nationals_by_level_gender"], ("level_band", "gender"))
        sections.append(Section("nationals", Phrase(N_("Nationals on the staff")), (), [
            Table("released_nationals", Phrase(N_("Nationals by level and gender")),
                  own.select("level_band", "gender", "staff"),
                  {"level_band": N_("Level"), "gender": N_("Gender"), "staff": N_("Staff")},
                  dimensions={"level_band": "level_band", "gender": "gender"},
                  source="own_nationals_by_level_gender")]))
    if staff is not None:
        row = classify(limits.with_columns(pl.lit(staff).cast(pl.Int64).alias("staff")),
                       ranges.params).row(0, named=True)
        sections.append(Section("range", Phrase(N_("Desirable range")), [
            _come_into_range(state, row)], [
            Table("released_range", Phrase(N_("Desirable range and status")),
                  pl.DataFrame([row]).select(
                      "lower", "midpoint", "upper", "staff", "status",
                      "needed_to_reach_lower"),
                  {k: v for k, v in _RANGE_COLUMNS.items() if k != "snapshot_date"},
                  dimensions={"status": "range_status"},
                  source="nationals_in_geographical_posts")]))
    return sections


def _profile(source: Backend | Store, state: str, as_of: date | None,
             audience: Audience | str | None, ctx: Context | None
             ) -> tuple[Audience | None, date, list[Section]]:
    iso3 = _check(state)
    aud = audience_of(audience)
    if aud is not None and aud.role == "member_state" and aud.nationality != iso3:
        raise UserInputError(f"A profile of {iso3} cannot be made for the {aud.key} audience.",
                             f"Give --audience member_state:{iso3} or another audience.")
    if aud is None:
        ctx = ctx or context(source, as_of)
        return aud, ctx.snapshot, _analyst(ctx, iso3)
    if not isinstance(source, Store):
        released_tables(source, aud)
    assert isinstance(source, Store)
    snapshot = comp.resolve_snapshot(comp.snapshot_dates(comp.as_backend(source)), as_of)
    return aud, snapshot, released(_released(source, aud, iso3, snapshot))


def build_member_state(source: Backend | Store, state: str, as_of: date | None = None,
                       audience: Audience | str | None = ANALYST,
                       ctx: Context | None = None) -> Document:
    """The profile of Member State ``state`` (ISO3)."""
    aud, snapshot, sections = _profile(source, state, as_of, audience, ctx)
    iso3 = _check(state)
    return Document("member-state", Phrase(N_("Profile of {state}"), {"state": Country(iso3)}),
                    {"state": iso3, "as_of": snapshot}, audience_key(aud), sections, (),
                    as_of_data(source))


def build_member_states(source: Backend | Store, as_of: date | None = None,
                        audience: Audience | str | None = ANALYST) -> Document:
    """Every Member State's profile in one report (one section per State; the shared
    figures computed once). A Member State audience sees only its own profile."""
    aud = audience_of(audience)
    if aud is not None and aud.role != "public":
        raise UserInputError(f"Profiles of every Member State are not made for the {aud.key} "
                             "audience.", "Give --state ISO3 for one State's profile.")
    ctx = context(source, as_of) if aud is None else None
    sections, snapshot = [], None
    for iso3 in sorted(reference.member_states()["iso3"].to_list()):
        _, snapshot, parts = _profile(source, iso3, as_of, aud, ctx)
        sections.append(prefixed(parts, iso3, Phrase(N_("Profile of {state}"),
                                                     {"state": Country(iso3)}), charts=False))
    return Document("member-state", Phrase(N_("Profiles of the Member States")),
                    {"state": "all", "as_of": snapshot}, audience_key(aud), sections, (),
                    as_of_data(source))


def build(store: Store, *, state: str | None = None, as_of: str | None = None,
          audience: str = ANALYST) -> Document:
    """The ``parity report member-state`` entry point: one State, or every one."""
    day = parse_day(as_of, "--as-of") if as_of else None
    if state is None:
        return build_member_states(store, day, audience)
    return build_member_state(store, state, day, audience)


KIND = register(ReportKind(
    name="member-state",
    help="A Member State's profile: its nationals by grade, gender and entity over five "
         "years, its desirable range and status, its nationals through the recruitment "
         "funnel, and how many more nationals would bring it into range. Without --state, "
         "every Member State.",
    options=(Option("state", "--state", "The Member State's ISO3 code (default: every "
                    "Member State).", metavar="ISO3"),
             Option("as_of", "--as-of", "The snapshot: the latest on or before this date "
                    "(YYYY-MM-DD; default: the latest).", check_day, metavar="YYYY-MM-DD")),
    build=build))
