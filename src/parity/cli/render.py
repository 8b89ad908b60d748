"""Turning core results into terminal tables and files; turning errors into one sentence."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from parity.core.errors import ParityError

out = Console()
err = Console(stderr=True)

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
    (console or out).print(table)


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
