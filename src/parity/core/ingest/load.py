"""Load interchange files into the store: validate, quarantine, insert, atomically.

A call to :func:`ingest` is one transaction over every file it is given: if the process
dies halfway, the store is exactly as before. A file whose bytes were loaded before is
skipped; a row whose key is already in the store with identical values is counted as
loaded and not inserted again, and one whose values differ is quarantined. So loading
the same data twice changes nothing, and for every file
``rows read = rows loaded + rows quarantined``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from parity.core import model
from parity.core.errors import InputFileError, UserInputError
from parity.core.ingest.normalise import PROBLEM_SCHEMA, ROW, shown
from parity.core.ingest.plausible import CodeLists
from parity.core.ingest.readers import RawFile, read_file
from parity.core.ingest.validate import validate
from parity.core.store import Store, column_type, copy_join, copy_source, derived_values

Progress = Callable[[str, str, int, int], None]
"""``progress(step, file, done, total)``: step is 'read', 'validate' or 'write'."""


@dataclass
class FileReport:
    """What happened to one file."""

    file: str
    table: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_new: int = 0
    rows_quarantined: int = 0
    skipped: str | None = None
    ignored_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined


@dataclass
class LoadReport:
    """What one ingest did."""

    load_id: int
    files: list[FileReport] = field(default_factory=list)
    quarantine_csv: Path | None = None

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


def pseudonymise(values: pl.Series, secret: str) -> pl.Series:
    """Replace ids by HMAC-SHA256(secret, id), hex, 24 characters (96 bits)."""
    key = secret.encode("utf-8")
    uniques = values.drop_nulls().unique().to_list()
    mapping = {
        v: hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()[:24] for v in uniques
    }
    return values.replace_strict(mapping, default=None, return_dtype=pl.Utf8)


def _order(raw: RawFile) -> int:
    return model.DATA_TABLES.index(raw.table)


def _match(cols: Sequence[str], left: str = "s", right: str = "t") -> str:
    return " AND ".join(f"{left}.{c} IS NOT DISTINCT FROM {right}.{c}" for c in cols) or "TRUE"


def _stage_cast(table: model.Table) -> str:
    casts = ", ".join(f"CAST({c.name} AS {column_type(c)}) AS {c.name}" for c in table.columns)
    return f"SELECT {ROW}, {casts} FROM _stage_in"


def _where_stored(store: Store, raw: RawFile, prior: list[int], keys_now: list[tuple[object, ...]],
                 load_id: int, earlier: list[tuple[str, pl.DataFrame]]) -> list[str]:
    """Where each conflicting key was stored: a row of a file of this load, or a file of an
    earlier load."""
    names: dict[int, set[str]] = {}
    for lid, file in store.con.execute(
            "SELECT load_id, file FROM main.loads WHERE table_name = ?", [raw.table.name]
    ).fetchall():
        names.setdefault(int(lid), set()).add(Path(file).name)
    files = {lid: " or ".join(sorted(n)) for lid, n in names.items()}
    index: dict[tuple[object, ...], str] = {}
    if load_id in prior:
        for name, frame in earlier:
            for key, row in zip(frame.select(raw.table.key).iter_rows(), frame[ROW], strict=True):
                index.setdefault(key, f"row {row} of {name} in this load")
    return [index.get(k, f"a row of {files.get(p, 'an earlier file')}") if p == load_id
            else f"a row of {files.get(p, 'a file')} loaded earlier (load {p})"
            for p, k in zip(prior, keys_now, strict=True)]


def _write_rows(store: Store, raw: RawFile, good: pl.DataFrame, load_id: int,
                report: FileReport, earlier: list[tuple[str, pl.DataFrame]]) -> pl.DataFrame:
    """Insert new rows; return problems for rows that conflict with stored ones."""
    con = store.con
    table = raw.table
    qualified = table.qualified_name
    con.register("_stage_in", good.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _staged AS {_stage_cast(table)}")
    finally:
        con.unregister("_stage_in")
    keys = list(table.key)
    others = [c for c in table.file_columns if c not in keys]
    conflicts = con.sql(
        f"SELECT s.{ROW} AS {ROW}, min(t.load_id) AS prior FROM _staged s "
        f"JOIN {qualified} t ON {_match(keys)} "
        f"WHERE NOT ({_match(others)}) GROUP BY s.{ROW} ORDER BY s.{ROW}"
    ).pl()
    present = con.execute(
        f"SELECT count(*) FROM _staged s WHERE EXISTS (SELECT 1 FROM {qualified} t "
        f"WHERE {_match(table.file_columns)})"
    ).fetchone()
    names = [*table.file_columns, "load_id"]
    values = [*(f"s.{c}" for c in table.file_columns), str(load_id)]
    join = ""
    if table.copies:  # e.g. the opening's attributes onto each application
        names += [c.name for c in table.copies]
        values += copy_source(table)[1]
        join = copy_join(table, "s")
    if table.derived:  # e.g. the stages each application reached, as bits
        names += [c.name for c in table.derived]
        values += derived_values(table, "s")
    con.execute(
        f"INSERT INTO {qualified} ({', '.join(names)}) "
        f"SELECT {', '.join(values)} FROM _staged s {join} WHERE NOT EXISTS "
        f"(SELECT 1 FROM {qualified} t WHERE {_match(keys)}) ORDER BY s.{ROW}"
    )
    con.execute("DROP TABLE _staged")
    report.rows_new = good.height - conflicts.height - (int(present[0]) if present else 0)
    if not conflicts.height:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    rows = conflicts.join(good.select(ROW, *keys), on=ROW, how="left").sort(ROW)
    where = _where_stored(store, raw, [int(p) for p in rows["prior"]],
                          list(rows.select(keys).iter_rows()), load_id, earlier)
    reasons = [f"has the same key ({', '.join(keys)}) as {w} but different values; keep one "
               "version of the row" for w in where]
    return rows.select(
        pl.col(ROW).cast(pl.Int64),
        pl.lit(keys[0]).alias("column"),
        pl.lit(None, dtype=pl.Utf8).alias("value"),
        pl.Series("reason", reasons, dtype=pl.Utf8),
    )


def _unknown_subjects(store: Store, good: pl.DataFrame, raw_ids: pl.DataFrame) -> pl.DataFrame:
    """Self-identification rows whose subject is neither a stored person nor applicant."""
    con = store.con
    con.register("_subjects", good.select(ROW, "subject_id").to_arrow())
    try:
        rows = con.sql(
            f"SELECT {ROW} FROM _subjects s WHERE NOT EXISTS (SELECT 1 FROM main.staff t "
            "WHERE t.person_id = s.subject_id) AND NOT EXISTS (SELECT 1 FROM "
            "main.applications a WHERE a.applicant_id = s.subject_id)").pl()
    finally:
        con.unregister("_subjects")
    return rows.join(raw_ids, on=ROW, how="left").select(
        pl.col(ROW).cast(pl.Int64), pl.lit("subject_id").alias("column"),
        pl.col("subject_id").alias("value"),
        pl.format("'{}' is neither a person_id in staff nor an applicant_id in applications "
                  "(in this load or the store); load staff and applications first, or check "
                  "the id", pl.col("subject_id")).alias("reason"))


def _known_openings(store: Store, accepted: list[pl.DataFrame]) -> pl.DataFrame:
    stored = store.con.sql(
        "SELECT opening_id, CAST(posting_type AS VARCHAR) AS posting_type, posted_date, "
        "CAST(organization AS VARCHAR) AS organization FROM main.openings"
    ).pl()
    cols = ("opening_id", "posting_type", "posted_date", "organization")
    frames = [stored, *[a.select(cols) for a in accepted]]
    return pl.concat(frames).unique("opening_id", keep="first")


def with_organization(frame: pl.DataFrame, table: model.Table, default: str,
                      openings: pl.DataFrame | None = None) -> pl.DataFrame:
    """Fill the empty ``organization`` cells: an application's with its opening's, any
    other row's with ``default`` (the ``organization`` setting)."""
    if "organization" not in table.file_columns:
        return frame
    org = pl.col("organization")
    if openings is None:
        return frame.with_columns(org.fill_null(pl.lit(default)))
    known = openings.select("opening_id", pl.col("organization").alias("__of_opening"))
    return (frame.join(known, on="opening_id", how="left")
            .with_columns(org.fill_null(pl.col("__of_opening"))).drop("__of_opening"))


class StrictRefusal(UserInputError):
    """A strict load found rows it would quarantine, so it loaded nothing."""


class _Refuse(Exception):
    """Raised inside the transaction to roll a strict load back."""


def _quarantine_report(folder: Path, stem: str, name: str, problems: list[pl.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}-{name}.csv"
    tmp = target.with_suffix(".csv.part")
    # A spreadsheet must not run a cell of the report as a formula.
    risky = r"^[=+\-@\t\r]"
    text = [c for c, t in pl.concat(problems).schema.items() if t == pl.Utf8]
    pl.concat(problems).with_columns(
        [pl.when(pl.col(c).str.contains(risky)).then(pl.lit("'") + pl.col(c))
         .otherwise(pl.col(c)).alias(c) for c in text]).write_csv(tmp)
    os.replace(tmp, target)
    return target


def _refusal(report: LoadReport, problems: list[pl.DataFrame], target: Path) -> StrictRefusal:
    first = pl.concat(problems).row(0, named=True)
    files = sum(1 for f in report.files if f.rows_quarantined)
    n = report.rows_quarantined
    return StrictRefusal(
        f"{n:,} row{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''} would be "
        f"quarantined, so the strict load loaded nothing (first: {first['file']} row "
        f"{first['row_number']}, {first['column_name']}: {first['reason']}).",
        f"Fix the rows listed in {target} and rerun, or load without strict mode to "
        "quarantine them.",
    )


def ingest(paths: Sequence[Path | str], store: Store, id_secret: str | None = None,
           quarantine_dir: Path | None = None, progress: Progress | None = None,
           strict: bool = False, today: date | None = None,
           self_id_codes: CodeLists | None = None,
           organization: str = model.DEFAULT_ORGANIZATION) -> LoadReport:
    """Validate and load ``paths`` into ``store`` in one transaction.

    With ``strict``, a load in which any row would be quarantined loads nothing: the
    quarantine report is written and :class:`StrictRefusal` is raised. ``today`` is the
    load date the plausibility rules measure against (default: the current date).
    ``self_id_codes`` declares the self-identification dimensions and their values
    (default :data:`parity.core.model.SELF_ID_CODES`). ``organization`` is given to the
    staff and openings rows of files without (or with an empty) organization column.
    """
    note = progress or (lambda *_: None)
    today = today or date.today()
    seen: set[Path] = set()
    raws: list[RawFile] = []
    for p in paths:
        path = Path(p)
        if path.resolve() in seen:
            raise InputFileError(f"{path} is given twice.", "Pass each file once.")
        seen.add(path.resolve())
        note("read", str(path), 0, 1)
        raws.append(read_file(path))
        note("read", str(path), 1, 1)
    raws.sort(key=_order)

    loaded_hashes = dict(
        store.con.execute("SELECT sha256, min(load_id) FROM main.loads GROUP BY sha256").fetchall()
    )
    row = store.con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM main.loads").fetchone()
    report = LoadReport(load_id=int(row[0]) if row else 1)
    problems_all: list[pl.DataFrame] = []
    accepted_openings: list[pl.DataFrame] = []
    written: dict[str, list[tuple[str, pl.DataFrame]]] = {}
    refused = False
    try:
        with store.transaction() as con:
            for raw in raws:
                fr = FileReport(file=str(raw.path), table=raw.table.name,
                                ignored_columns=raw.ignored_columns, notes=raw.notes)
                report.files.append(fr)
                if raw.sha256 in loaded_hashes:
                    fr.skipped = ("identical to a file loaded before "
                                  f"(load {loaded_hashes[raw.sha256]})")
                    continue
                fr.rows_read = raw.frame.height
                note("validate", str(raw.path), 0, fr.rows_read)
                openings = (_known_openings(store, accepted_openings)
                            if raw.table.name == "applications" else None)
                frame = with_organization(raw.frame, raw.table, organization, openings)
                checked = validate(frame, raw.table, openings, today, raw.problems,
                                   self_id_codes)
                good = checked.good
                if id_secret:
                    good = good.with_columns(
                        [pseudonymise(good[c.name], id_secret).alias(c.name)
                         for c in raw.table.columns if c.pseudonymous]
                    )
                extra = [checked.problems]
                if raw.table.name == "self_identification":
                    unknown = _unknown_subjects(store, good, checked.good.select(ROW, "subject_id"))
                    good = good.join(unknown.select(ROW), on=ROW, how="anti")
                    extra.append(unknown)
                note("write", str(raw.path), 0, fr.rows_read)
                earlier = written.setdefault(raw.table.name, [])
                conflicts = _write_rows(store, raw, good, report.load_id, fr, earlier)
                accepted = good.join(conflicts.select(ROW), on=ROW, how="anti")
                earlier.append((raw.path.name, accepted))
                if raw.table.name == "openings":
                    accepted_openings.append(
                        accepted.with_columns(pl.col("posting_type").cast(pl.Utf8)))
                problems = pl.concat([p.cast(PROBLEM_SCHEMA)  # type: ignore[arg-type]
                                      for p in [*extra, conflicts]])
                fr.rows_quarantined = int(problems[ROW].n_unique()) if problems.height else 0
                fr.rows_loaded = fr.rows_read - fr.rows_quarantined
                if problems.height:
                    tagged = problems.select(
                        pl.lit(report.load_id).alias("load_id"),
                        pl.lit(str(raw.path)).alias("file"),
                        pl.lit(raw.table.name).alias("table_name"),
                        pl.col(ROW).alias("row_number"),
                        pl.col("column").alias("column_name"),
                        shown(pl.col("value")).alias("value"),
                        "reason",
                    )
                    problems_all.append(tagged)
                    con.register("_q", tagged.to_arrow())
                    con.execute("INSERT INTO main.quarantine SELECT * FROM _q")
                    con.unregister("_q")
                con.execute(
                    "INSERT INTO main.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [report.load_id, str(raw.path), raw.sha256, raw.table.name, fr.rows_read,
                     fr.rows_loaded, fr.rows_new, fr.rows_quarantined, datetime.now()],
                )
                note("write", str(raw.path), fr.rows_read, fr.rows_read)
            if strict and problems_all:
                raise _Refuse
    except _Refuse:
        refused = True
    folder = quarantine_dir or store.path.parent
    if refused:
        target = _quarantine_report(folder, store.path.stem, "quarantine-refused", problems_all)
        raise _refusal(report, problems_all, target)
    if problems_all:
        report.quarantine_csv = _quarantine_report(
            folder, store.path.stem, f"quarantine-load{report.load_id}", problems_all)
    return report
