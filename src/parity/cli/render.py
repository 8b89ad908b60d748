"""Turning core results into terminal tables and files; turning errors into one sentence."""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from parity.core.errors import ParityError, UserInputError

out = Console()
err = Console(stderr=True)
#: Tables written to a file or a pipe: wide enough for the funnel's columns, unless
#: COLUMNS says otherwise (a terminal keeps its own width).
_wide = Console(width=160)


def table_console() -> Console:
    """The terminal, or a wide console when the output goes to a file or a pipe."""
    return out if out.is_terminal or "COLUMNS" in os.environ else _wide

#: The --db option shared by every command that reads or writes a store.
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB store file (default: PARITY_DB, parity.toml, or parity.duckdb)."),
]

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a ParityError as one clear sentence and exit non-zero, without a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ParityError as exc:
            err.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("Interrupted; nothing was changed by the unfinished step.")
            raise typer.Exit(130) from None

    return wrapper


def _fmt(value: Any, name: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if name.endswith("share") or name.endswith("rate") or name.startswith("share"):
            if value != value:  # NaN
                return "–"
            digits = 2 if 0 < abs(value) < 0.01 else 1
            return f"{100 * value:.{digits}f}%"
        return f"{value:,.3f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def print_table(frame: pl.DataFrame, title: str | None = None,
                console: Console | None = None) -> None:
    """Print a frame as a rich table; shares and rates as percentages."""
    table = Table(title=title, title_justify="left", header_style="bold")
    for name, dtype in frame.schema.items():
        table.add_column(name, justify="right" if dtype.is_numeric() else "left")
    for row in frame.iter_rows(named=True):
        table.add_row(*[_fmt(v, k) for k, v in row.items()])
    (console or table_console()).print(table)


def emit(frame: pl.DataFrame, fmt: OutputFormat, output: Path | None, title: str) -> None:
    """Write ``frame`` in ``fmt`` to ``output`` (or standard output for text formats)."""
    if fmt is OutputFormat.table:
        print_table(frame, title)
        return
    if fmt is OutputFormat.xlsx:
        if output is None:
            raise typer.BadParameter("--format xlsx needs --output FILE.xlsx")
        frame.write_excel(output, worksheet=title[:31] or "Sheet1")
        err.print(f"Wrote {output}")
        return
    if fmt is OutputFormat.csv:
        text = frame.write_csv()
    else:
        text = json.dumps(frame.to_dicts(), ensure_ascii=False, indent=2, default=str) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {output}")


def _json_value(value: object) -> object:
    """JSON has no NaN or infinity: they become null; dates become ISO text."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def emit_sections(meta: dict[str, Any], sections: dict[str, pl.DataFrame], primary: str,
                  fmt: OutputFormat, output: Path | None, title: str) -> None:
    """A result made of several tables, in a file format: JSON is one object (the meta keys
    and one list of records per section), CSV the ``primary`` section, xlsx one sheet per
    section. Terminal tables are each command's own layout."""
    if fmt is OutputFormat.json:
        doc: dict[str, Any] = {k: _json_value(v) for k, v in meta.items()}
        for name, frame in sections.items():
            doc[name] = [{k: _json_value(v) for k, v in row.items()} for row in frame.to_dicts()]
        text = json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False, default=str) + "\n"
        if output is None:
            sys.stdout.write(text)
        else:
            output.write_text(text, encoding="utf-8")
            err.print(f"Wrote {output}")
    elif fmt is OutputFormat.csv:
        if primary not in sections:
            raise UserInputError(f"'{primary}' is not a section of this result.",
                                 f"Use one of: {', '.join(sections)}.")
        emit(sections[primary], fmt, output, title)
    elif fmt is OutputFormat.xlsx:
        if output is None:
            raise typer.BadParameter("--format xlsx needs --output FILE.xlsx")
        from xlsxwriter import Workbook

        with Workbook(str(output)) as book:
            for name, frame in sections.items():
                frame.write_excel(workbook=book, worksheet=name[:31])
        err.print(f"Wrote {output}")
    else:
        for name, frame in sections.items():
            print_table(frame, title=f"{title}: {name.replace('_', ' ')}")
