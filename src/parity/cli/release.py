"""``parity release``, ``parity releases`` and ``parity audit``: publishing and its audit trail."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from parity.cli.render import (
    DbOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    emit,
    err,
    friendly_errors,
    out,
    print_table,
)
from parity.core.output import Result, data_as_of
from parity.core.settings import Settings

AsOption = Annotated[
    str | None, typer.Option("--as", help="A name you declare, written to the release log and beside "
                                          "your login name in the audit log.")]


def _name(value: str | None) -> str:
    return value or getpass.getuser()


def release(
    audience: Annotated[str, typer.Option(help="public, member_state or manager.")],
    out_dir: Annotated[Path, typer.Option("--out", help="New folder for the release's files.")],
    nationality: Annotated[str | None, typer.Option(
        help="member_state releases: ISO3 code of the Member State.")] = None,
    entity: Annotated[str | None, typer.Option(help="manager releases: the entity code.")] = None,
    db: DbOption = None,
    as_: AsOption = None,
    role: Annotated[str, typer.Option(help="Your role: analyst (includes the "
                                           "self-identification tables) or admin.")] = "analyst",
    purpose: Annotated[str | None, typer.Option(
        help="Purpose written to the audit log (default: statistical release for the "
             "audience).")] = None,
) -> None:
    """Publish a versioned, disclosure-checked release of pre-computed tables for an audience."""
    from parity.core.disclosure import Actor, publish, release_audience
    from parity.core.store import open_store

    settings = Settings.load({"db": db})
    target = release_audience(audience, nationality, entity)
    actor = Actor(_name(as_), role, purpose=purpose)  # type: ignore[arg-type]
    with open_store(settings.db, create=False) as store:
        err.print(f"Building the {target.key} release from {settings.db} …", highlight=False)
        made = publish(store, target, actor, out_dir)
    rows = [{"table": t.name, "rows": t.frame.height,
             "cells": sum(v for k, v in t.status_counts.items() if k != "collapsed"),
             "primary": t.status_counts.get("primary", 0),
             "complementary": t.status_counts.get("complementary", 0),
             "carried": t.status_counts.get("carried", 0),
             "published": t.status_counts.get("published", 0)} for t in made.tables]
    print_table(pl.DataFrame(rows), title=f"Release {made.release_id} for {target.key}")
    for note in made.notes:
        out.print(note)
    out.print(f"Wrote {len(made.tables)} tables and manifest.json to {out_dir}.")


def releases(db: DbOption = None, fmt: FormatOption = OutputFormat.table,
             output: OutputOption = None) -> None:
    """List the releases made from the store."""
    from parity.core.disclosure.release_log import releases as list_releases
    from parity.core.store import open_store

    settings = Settings.load({"db": db})
    with open_store(settings.db, read_only=True) as store:
        frame = list_releases(store)
        result = Result(f"Releases from {settings.db}", {"db": str(settings.db)},
                        {"releases": frame}, data_as_of=data_as_of(store))

    def show() -> None:
        if frame.is_empty():
            out.print("No release has been made from this store yet.")
        else:
            print_table(frame.drop("tables"), title=result.title)

    emit(result, fmt, output, show=show)


def audit(
    db: DbOption = None,
    verify: Annotated[bool, typer.Option(
        "--verify/--no-verify", help="Check the hash chain of the log.")] = False,
    as_: AsOption = None,
    role: Annotated[str, typer.Option(help="Your role: admin or analyst.")] = "admin",
    limit: Annotated[int, typer.Option(help="Show the newest N entries (0: all).", min=0)] = 50,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Show the audit log (self-identification reads, releases, dashboard views, logins,
    account changes); --verify checks it against the heads recorded outside it. Reading
    the log is itself logged."""
    from parity.core.disclosure import Actor, audit_log
    from parity.core.store import open_store

    settings = Settings.load({"db": db})
    actor = Actor(_name(as_), role)  # type: ignore[arg-type]
    with open_store(settings.db, read_only=True) as store:
        frame = audit_log.entries(store, actor)
        check = audit_log.verify(store) if verify else None
        audit_log.append(store, actor, "audit",
                         "audit log: verified" if verify else "audit log: read",
                         detail={"entries": frame.height,
                                 "verified": None if check is None else check.ok})
        as_of = data_as_of(store)
    shown = frame.tail(limit) if limit else frame
    notes = [] if check is None else [
        f"Audit log intact: {check.entries} entries; head {check.head}; checked against "
        f"{check.heads_checked} head(s) recorded outside the log." if check.ok
        else f"Audit log broken ({check.cause}): {check.reason}."]
    result = Result(f"Audit log of {settings.db} ({frame.height} entries)",
                    {"db": str(settings.db), "limit": limit, "verify": verify},
                    {"audit_log": shown}, notes, as_of)

    def show() -> None:
        if shown.is_empty():
            out.print("The audit log is empty.")
        else:
            print_table(shown.with_columns(pl.col("hash").str.slice(0, 12)).drop("prev_hash"),
                        title=result.title)
        if check is not None and check.ok:
            out.print(notes[0])

    emit(result, fmt, output, show=show)
    if check is not None and not check.ok:
        err.print(f"[bold red]Audit log broken ({check.cause}):[/] {check.reason}.",
                  highlight=False)
        raise typer.Exit(6)


def register(app: typer.Typer) -> None:
    app.command(name="release")(friendly_errors(release))
    app.command(name="releases")(friendly_errors(releases))
    app.command(name="audit")(friendly_errors(audit))
