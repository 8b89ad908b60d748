"""``parity release``, ``parity releases`` and ``parity audit``: publishing and its audit trail."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from parity.cli.render import DbOption, err, friendly_errors, out, print_table
from parity.core.settings import Settings

AsOption = Annotated[
    str | None, typer.Option("--as", help="Your name, written to the release and audit logs "
                                          "(default: your login name).")]


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


def releases(db: DbOption = None) -> None:
    """List the releases made from the store."""
    from parity.core.disclosure.release_log import releases as list_releases
    from parity.core.store import open_store

    settings = Settings.load({"db": db})
    with open_store(settings.db, read_only=True) as store:
        frame = list_releases(store)
    if frame.is_empty():
        out.print("No release has been made from this store yet.")
        return
    print_table(frame.drop("tables"), title=f"Releases from {settings.db}")


def audit(
    db: DbOption = None,
    verify: Annotated[bool, typer.Option("--verify", help="Check the hash chain of the log.")] = False,
    as_: AsOption = None,
    role: Annotated[str, typer.Option(help="Your role: admin or analyst.")] = "admin",
    limit: Annotated[int, typer.Option(help="Show the newest N entries (0: all).", min=0)] = 50,
) -> None:
    """Show the audit log of self-identification reads and releases; --verify checks it."""
    from parity.core.disclosure import Actor, audit_log
    from parity.core.store import open_store

    settings = Settings.load({"db": db})
    actor = Actor(_name(as_), role)  # type: ignore[arg-type]
    with open_store(settings.db, read_only=True) as store:
        frame = audit_log.entries(store, actor)
        check = audit_log.verify(store) if verify else None
    shown = frame.tail(limit) if limit else frame
    if shown.is_empty():
        out.print("The audit log is empty.")
    else:
        shown = shown.with_columns(pl.col("hash").str.slice(0, 12)).drop("prev_hash")
        print_table(shown, title=f"Audit log of {settings.db} ({frame.height} entries)")
    if check is not None:
        if not check.ok:
            err.print(f"[bold red]Audit log broken:[/] {check.reason}.", highlight=False)
            raise typer.Exit(6)
        out.print(f"Audit log intact: {check.entries} entries; head {check.head}.")


def register(app: typer.Typer) -> None:
    app.command(name="release")(friendly_errors(release))
    app.command(name="releases")(friendly_errors(releases))
    app.command(name="audit")(friendly_errors(audit))
