"""Validation rules for interchange rows, vectorised with Polars.

Each rule yields problem records ``(__row, column, value, reason)``; a row with any
problem is quarantined, the others are converted to typed columns. Every rule is
listed in ``docs/data-model.md`` with the exact reason text it produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from parity.core import model, reference
from parity.core.ingest import plausible
from parity.core.ingest.normalise import PROBLEM_SCHEMA, ROW
from parity.core.ingest.sheet import WHOLE_ROW

DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
YEAR_RE = r"^\d{4}$"
MIN_AGE, MAX_AGE = plausible.MIN_AGE, 90


@dataclass
class Validated:
    """Typed rows that passed, and the problems of those that did not."""

    good: pl.DataFrame
    problems: pl.DataFrame

    @property
    def bad_rows(self) -> int:
        return int(self.problems[ROW].n_unique()) if self.problems.height else 0


_problem = plausible.problem


def _codes_text(codes: tuple[str, ...] | frozenset[str]) -> str:
    items = sorted(codes) if isinstance(codes, frozenset) else list(codes)
    return ", ".join(items)


def column_problems(frame: pl.DataFrame, table: model.Table) -> list[pl.DataFrame]:
    """Type, emptiness and code-list checks of each column on its own."""
    out: list[pl.DataFrame] = []
    iso3 = list(reference.iso3_codes())
    for col in table.columns:
        c = pl.col(col.name)
        if col.required:
            out.append(_problem(frame, c.is_null(), col.name, "is empty but required"))
        present = c.is_not_null()
        if col.kind == "code" and col.codes is not None:
            bad = present & ~c.is_in(list(col.codes))
            reason = pl.format(f"'{{}}' is not a valid {col.name}; expected one of: "
                               f"{_codes_text(col.codes)}", c)
            out.append(_problem(frame, bad, col.name, reason))
        elif col.kind == "iso3":
            bad = present & ~c.is_in(iso3)
            reason = pl.format("'{}' is not an ISO 3166-1 alpha-3 country code "
                               "(use XXX for stateless persons or non-member nationals)", c)
            out.append(_problem(frame, bad, col.name, reason))
        elif col.kind == "date":
            parsed = c.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            bad = present & (~c.str.contains(DATE_RE) | parsed.is_null())
            reason = pl.format("'{}' is not a date in YYYY-MM-DD form", c)
            out.append(_problem(frame, bad, col.name, reason))
        elif col.kind == "bool":
            bad = present & ~c.str.to_lowercase().is_in(["true", "false"])
            reason = pl.format("'{}' is not true or false", c)
            out.append(_problem(frame, bad, col.name, reason))
        elif col.kind == "year":
            as_int = c.cast(pl.Int32, strict=False)
            bad = present & (~c.str.contains(YEAR_RE) | (as_int < 1900) | (as_int > 2100))
            reason = pl.format("'{}' is not a four-digit year between 1900 and 2100", c)
            out.append(_problem(frame, bad, col.name, reason))
    return out


def to_typed(frame: pl.DataFrame, table: model.Table) -> pl.DataFrame:
    """Convert text columns to their types (invalid cells become null)."""
    exprs: list[pl.Expr] = [pl.col(ROW)]
    for col in table.columns:
        c = pl.col(col.name)
        if col.kind == "date":
            exprs.append(c.str.strptime(pl.Date, "%Y-%m-%d", strict=False).alias(col.name))
        elif col.kind == "bool":
            exprs.append(
                pl.when(c.is_null()).then(None)
                .otherwise(c.str.to_lowercase() == "true").alias(col.name)
            )
        elif col.kind == "year":
            year = c.cast(pl.Int16, strict=False)
            valid = c.str.contains(YEAR_RE) & (year >= 1900) & (year <= 2100)
            exprs.append(pl.when(valid).then(year).otherwise(None).alias(col.name))
        else:
            exprs.append(c)
    return frame.select(exprs)


def _duplicate_keys(frame: pl.DataFrame, table: model.Table) -> pl.DataFrame:
    keys = list(table.key)
    first = pl.col(ROW).min().over(keys)
    mask = pl.col(ROW) != first
    return _problem(
        frame.with_columns(first.alias("__first")), mask, keys[0],
        pl.format(f"duplicates the key ({', '.join(keys)}) of row {{}} in the same file",
                  pl.col("__first")),
        value=pl.concat_str([pl.col(k).cast(pl.Utf8).fill_null("") for k in keys], separator="|"),
    )


def _staff_rules(typed: pl.DataFrame) -> list[pl.DataFrame]:
    cat_of = pl.col("grade").replace_strict(model.CATEGORY_OF_GRADE, default=None)
    bad_cat = pl.col("grade").is_not_null() & pl.col("category").is_not_null() & (
        cat_of != pl.col("category")
    )
    age = pl.col("snapshot_date").dt.year().cast(pl.Int32) - pl.col("birth_year").cast(pl.Int32)
    bad_age = pl.col("birth_year").is_not_null() & pl.col("snapshot_date").is_not_null() & (
        (age < MIN_AGE) | (age > MAX_AGE)
    )
    return [
        _problem(typed, bad_cat, "grade",
                 pl.format("grade '{}' does not belong to category '{}'",
                           pl.col("grade"), pl.col("category"))),
        _problem(typed, bad_age, "birth_year",
                 pl.format(f"gives an age of {{}} on the snapshot date; expected "
                           f"{MIN_AGE} to {MAX_AGE}", age)),
    ]


def _openings_rules(typed: pl.DataFrame) -> list[pl.DataFrame]:
    bad = pl.col("closed_date") < pl.col("posted_date")
    return [_problem(typed, bad.fill_null(False), "closed_date",
                     pl.format("is before posted_date {}", pl.col("posted_date").cast(pl.Utf8)))]


_PROMOTION_PAIRS = [f"{a}|{b}" for a in model.GRADES for b in model.GRADES
                    if model.is_promotion(a, b)]


def _events_rules(typed: pl.DataFrame) -> list[pl.DataFrame]:
    ev = pl.col("event")
    promo = ev == "promotion"
    sep = ev == "separation"
    pair = pl.concat_str([pl.col("from_grade"), pl.col("to_grade")], separator="|")
    out = [
        _problem(typed, (promo & pl.col("from_grade").is_null()).fill_null(False), "from_grade",
                 "is empty but a promotion needs the grade before it"),
        _problem(typed, (promo & pl.col("to_grade").is_null()).fill_null(False), "to_grade",
                 "is empty but a promotion needs the grade after it"),
        _problem(typed, (promo & pair.is_not_null() & ~pair.is_in(_PROMOTION_PAIRS))
                 .fill_null(False), "to_grade",
                 pl.format("'{}' is not senior to from_grade '{}', so this is not a promotion",
                           pl.col("to_grade"), pl.col("from_grade"))),
        _problem(typed, (sep & pl.col("reason").is_null()).fill_null(False), "reason",
                 "is empty but a separation needs a reason"),
        _problem(typed, (~sep & pl.col("reason").is_not_null()).fill_null(False), "reason",
                 pl.format("is set but only separations carry a reason (event is '{}')", ev)),
        _problem(typed, ((ev == "reassignment") & pl.col("to_entity").is_null()).fill_null(False),
                 "to_entity", "is empty but a reassignment needs the entity after it"),
    ]
    return out


def application_rules(typed: pl.DataFrame, openings: pl.DataFrame) -> list[pl.DataFrame]:
    """Stage order and opening checks; ``openings`` has opening_id, posting_type,
    posted_date and organization."""
    frame = typed.join(openings.select("opening_id", "posting_type", "posted_date",
                                       pl.col("organization").alias("__opening_org")),
                       on="opening_id", how="left")
    other_org = (pl.col("organization") != pl.col("__opening_org")).fill_null(False)
    out = [
        _problem(frame, pl.col("posting_type").is_null() & pl.col("opening_id").is_not_null(),
                 "opening_id",
                 pl.format("'{}' is not a known opening (neither in this load nor in the store)",
                           pl.col("opening_id"))),
        _problem(frame, other_org, "organization",
                 pl.format("'{}' is not the organization of opening {} ('{}'); leave the cell "
                           "empty to take the opening's", pl.col("organization"),
                           pl.col("opening_id"), pl.col("__opening_org"))),
    ]
    roster = pl.col("posting_type") == "recruit_from_roster"
    dates = [f"{s}_date" for s in model.STAGES]
    for i, name in enumerate(dates[1:], start=1):
        earlier = dates[:i]
        latest = pl.max_horizontal([pl.col(d) for d in earlier])
        bad_order = (pl.col(name) < latest).fill_null(False)
        out.append(_problem(frame, bad_order, name,
                            pl.format("{} is earlier than an earlier stage's date ({})",
                                      pl.col(name).cast(pl.Utf8), latest.cast(pl.Utf8))))
    for i, name in enumerate(dates[:-1]):
        later = dates[i + 1:]
        later_set = pl.any_horizontal([pl.col(d).is_not_null() for d in later])
        stage = model.STAGES[i]
        missing = pl.col(name).is_null() & later_set
        if stage in model.ROSTER_SKIPPABLE:
            # A roster selection may skip assessment and interview.
            missing = missing & ~(roster.fill_null(False))
        first_later = pl.coalesce([pl.when(pl.col(d).is_not_null()).then(pl.lit(d))
                                   for d in later])
        out.append(_problem(frame, missing, name,
                            pl.format("is empty but a later stage ({}) is set", first_later),
                            value=pl.lit(None)))
    rostered = pl.col("rostered_date")
    out.append(_problem(frame, rostered.is_not_null() & pl.col("recommended_date").is_null(),
                        "rostered_date", "is set but recommended_date is empty (only "
                        "recommended applications are rostered)"))
    out.append(_problem(frame, (rostered < pl.col("recommended_date")).fill_null(False),
                        "rostered_date",
                        pl.format("is before recommended_date {}",
                                  pl.col("recommended_date").cast(pl.Utf8))))
    out.extend(plausible.application_dates(frame))
    return out


_TABLE_RULES = {
    "staff": _staff_rules,
    "openings": _openings_rules,
    "events": _events_rules,
}


def validate(frame: pl.DataFrame, table: model.Table,
             openings: pl.DataFrame | None = None, today: date | None = None,
             found: pl.DataFrame | None = None,
             self_id_codes: plausible.CodeLists | None = None) -> Validated:
    """Run every rule of ``table``; applications need the known ``openings``.

    ``found`` are the problems the reader already found (an Excel error cell, a value with
    a control character): a cell named there gets no second, confusing reason from the
    rules (an error cell is not also "empty but required").
    """
    today = today or date.today()
    problems = column_problems(frame, table)
    typed = to_typed(frame, table)
    rules = _TABLE_RULES.get(table.name)
    if rules is not None:
        problems.extend(rules(typed))
    if table.name == "applications":
        assert openings is not None, "applications need the openings lookup"
        problems.extend(application_rules(typed, openings))
    if table.name == "self_identification":
        typed, codes = plausible.self_id_codes(typed, self_id_codes)
        problems.extend(codes)
    problems.extend(plausible.date_bounds(typed, table, today))
    problems.append(_duplicate_keys(typed, table))
    all_problems = pl.concat(
        [p.cast(PROBLEM_SCHEMA) for p in problems], how="vertical"  # type: ignore[arg-type]
    ) if problems else pl.DataFrame(schema=PROBLEM_SCHEMA)
    if found is not None and found.height:
        whole = found.filter(pl.col("column") == WHOLE_ROW).select(ROW)
        all_problems = pl.concat([
            found.cast(PROBLEM_SCHEMA),  # type: ignore[arg-type]
            all_problems.join(found.select(ROW, "column"), on=[ROW, "column"], how="anti")
            .join(whole, on=ROW, how="anti"),
        ])
    all_problems = all_problems.sort([ROW, "column"], maintain_order=True)
    bad = all_problems[ROW].unique()
    good = typed.filter(~pl.col(ROW).is_in(bad.implode()))
    return Validated(good=good, problems=all_problems)

