"""``parity dimensions``: every dimension, its other names, meaning and commands.

It prints what :mod:`parity.core.dimensions` declares (the same registry the analyses and
docs/dimensions.md read).
"""

from __future__ import annotations

from typing import Annotated

import polars as pl
import typer

from parity.cli.render import FormatOption, OutputFormat, OutputOption, emit, friendly_errors
from parity.core.output import Result


def dimensions(
    command: Annotated[str | None, typer.Option(
        "--command", help="Only the dimensions this command accepts, e.g. funnel, careers, "
        "composition, timelines, gender.")] = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """List every dimension Parity counts by: other names accepted, meaning, order of values,
    the column it is read from and the commands that accept it."""
    from parity.core.dimensions import listing

    rows = listing(command)
    frame = pl.DataFrame(rows, schema={k: pl.Utf8 for k in rows[0]})
    if fmt is OutputFormat.table:
        frame = frame.select("dimension", "other_names", "meaning", "commands")
    title = f"Dimensions of 'parity {command}'" if command else "Dimensions"
    emit(Result(title, {"command": command}, {"dimensions": frame},
                ["'field' is the field or non-field entity (entity_type) in every command; "
                 "see docs/dimensions.md."]), fmt, output)


def register(app: typer.Typer) -> None:
    """Add ``parity dimensions`` to ``app``."""
    app.command("dimensions")(friendly_errors(dimensions))
