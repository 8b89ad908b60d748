"""Turning core results into terminal tables and files; turning errors into one sentence."""

from __future__ import annotations

import functools
import inspect
import math
import os
import re
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from parity.core.errors import ParityError, UserInputError
from parity.core.output import Result, frame_to_csv, is_share, to_json, to_xlsx, write_atomic

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


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", help="table (the terminal), csv, json or xlsx (needs --output).")]
OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write to this file instead of the terminal (csv: a folder, or a "
    "name without suffix, gets one file per section).")]

P = ParamSpec("P")
R = TypeVar("R")


def flags_without_type() -> None:
    """Show on/off options as flags in --help: typer prints '<bool>' beside them, as if
    they took a value."""
    from typer.core import TyperOption

    if getattr(TyperOption, "_parity_flags", False):
        return
    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]
    TyperOption._parity_flags = True  # type: ignore[attr-defined]


def one_paragraph_help(app: typer.Typer) -> None:
    """Commands' help from their docstrings, with line breaks inside a paragraph removed
    (the rich help keeps them, which breaks sentences in the middle)."""
    for info in app.registered_commands:
        doc = info.help or (info.callback.__doc__ if info.callback else None)
        if doc:
            paragraphs = inspect.cleandoc(doc).split("\n\n")
            info.help = "\n\n".join(" ".join(p.split()) for p in paragraphs)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            one_paragraph_help(group.typer_instance)


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


# ---------------------------------------------------------------------------- one formatter
_NONE = "–"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _unsigned_zero(text: str) -> str:
    """'-0.00' reads as a negative number: a rounded zero has no sign."""
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def fmt_num(value: Any, digits: int = 2) -> str:
    """A number with ``digits`` decimals; ∞ for infinities; never '-0.00'."""
    if _missing(value):
        return _NONE
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return _unsigned_zero(f"{value:,.{digits}f}")


def fmt_pct(value: Any, digits: int = 1) -> str:
    """A proportion as a percentage ('12.3%'); small non-zero values get one more digit."""
    if _missing(value):
        return _NONE
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    digits = digits + 1 if 0 < abs(value) < 0.01 else digits
    return _unsigned_zero(f"{100 * value:.{digits}f}") + "%"


def fmt_count(value: Any) -> str:
    """A count, or an expected count, as whole persons ('1,234')."""
    if _missing(value) or (isinstance(value, float) and math.isinf(value)):
        return _NONE
    return _unsigned_zero(f"{round(value):,}")


def fmt_p(value: Any) -> str:
    """A p- or q-value: three decimals, '<0.001' below that."""
    if _missing(value):
        return _NONE
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def is_p(name: str) -> bool:
    n = name.lower()
    return n in ("p", "q", "p_value", "q_value") or n.endswith(("_p_value", "_q_value", " p", " q"))


def _fmt(value: Any, name: str) -> str:
    """A cell of a terminal table, formatted by its column's name and its type."""
    if value is None:
        return _NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and "year" in name.lower():
        return str(value)
    if isinstance(value, float | int):
        if is_p(name):
            return fmt_p(value)
        if "shortfall" in name or "needed" in name:
            return fmt_count(value)
        if isinstance(value, float):
            return fmt_pct(value) if is_share(name) else fmt_num(value, 3)
        return fmt_count(value)
    return str(value)


_NUMERIC_TEXT = re.compile(r"^[-+−<>≤≥~]?\s?[\d∞.]")


def _right(frame: pl.DataFrame, name: str, cells: list[str]) -> bool:
    """Numbers, also numbers already formatted as text, are right-aligned."""
    dtype = frame.schema[name]
    if dtype.is_numeric():
        return True
    if dtype != pl.Utf8:
        return False
    shown = [c for c in cells if c not in (_NONE, "")]
    return bool(shown) and all(_NUMERIC_TEXT.match(c) for c in shown)


def print_table(frame: pl.DataFrame, title: str | None = None,
                console: Console | None = None) -> None:
    """Print a frame as a rich table: shares as percentages, counts and shortfalls as whole
    persons, p-values alike everywhere, numbers right-aligned."""
    table = Table(title=title, title_justify="left", header_style="bold")
    rows = [[_fmt(v, k) for k, v in row.items()] for row in frame.iter_rows(named=True)]
    for j, name in enumerate(frame.columns):
        table.add_column(name, justify="right" if _right(frame, name, [r[j] for r in rows])
                         else "left")
    for row in rows:
        table.add_row(*row)
    (console or table_console()).print(table)


# ---------------------------------------------------------------------------- writing results
def print_data_as_of(result: Result, console: Console | None = None) -> None:
    """The header line of every terminal answer: which data the figures come from."""
    if result.data_as_of is not None:
        (console or table_console()).print(result.data_as_of.sentence(), highlight=False,
                                           style="dim")


def _put(data: str | bytes, output: Path | None) -> None:
    if output is None:
        assert isinstance(data, str)
        sys.stdout.write(data)
        return
    if output.is_dir():
        raise UserInputError(f"{output} is a folder.", "Give a file name with --output.")
    try:
        write_atomic(output, data)
    except OSError as exc:
        raise UserInputError(f"Could not write {output}: {exc.strerror or exc}.",
                             "Check that the folder exists and that you may write to it.") \
            from None
    err.print(f"Wrote {output}", highlight=False)


def _is_folder(output: Path) -> bool:
    """A folder for one CSV file per section: an existing folder, or a name without a suffix."""
    return output.is_dir() or not output.suffix


def emit(result: Result, fmt: OutputFormat, output: Path | None, section: str | None = None,
         show: Callable[[], None] | None = None) -> None:
    """Write ``result`` in ``fmt``: the terminal layout (``show``, else every section as a
    table), JSON, CSV or XLSX, to ``output`` or standard output.

    CSV holds one section: ``section`` (default: the first). When ``output`` is a folder
    (it exists, or its name has no suffix), every section goes to ``FOLDER/<section>.csv``.
    """
    if fmt is OutputFormat.table:
        print_data_as_of(result)
        if show is not None:
            show()
        else:
            for name, frame in result.sections.items():
                heading = result.title if len(result.sections) == 1 else (
                    f"{result.title}: {name.replace('_', ' ')}")
                print_table(frame, title=heading)
            for note in result.notes:
                table_console().print(f"Note: {note}", highlight=False)
        return
    if fmt is OutputFormat.json:
        _put(to_json(result), output)
        return
    if fmt is OutputFormat.xlsx:
        if output is None:
            raise UserInputError("--format xlsx writes a file.", "Add --output FILE.xlsx.")
        _put(to_xlsx(result), output)
        return
    if section is not None and section not in result.sections:
        raise UserInputError(f"'{section}' is not a section of this result.",
                             f"Use one of: {', '.join(result.sections)}.")
    if output is not None and _is_folder(output):
        output.mkdir(parents=True, exist_ok=True)
        for name, frame in result.sections.items():
            _put(frame_to_csv(frame), output / f"{name}.csv")
        return
    _put(frame_to_csv(result.section(section)), output)
