"""``parity report <kind>``: a report in one command, as HTML, PDF or XLSX in six languages.

One subcommand per kind of report in :mod:`parity.core.reports.kinds` (its own options,
e.g. ``--month``) plus the options every report shares: ``--db``, ``--lang``,
``--audience``, ``--format`` and ``--out``. A new kind of report registered there gets
its subcommand here with no change to this module.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from parity.cli.render import DbOption, err, friendly_errors
from parity.core.errors import UserInputError
from parity.core.settings import Settings


class Lang(StrEnum):
    en = "en"
    fr = "fr"
    es = "es"
    ar = "ar"
    zh = "zh"
    ru = "ru"


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


LangOption = Annotated[Lang, typer.Option("--lang", help="Language of the report.")]
AudienceOption = Annotated[str, typer.Option(
    "--audience", help="analyst (every figure), public, member_state:ISO3 or manager:ENTITY "
    "(figures protected by the disclosure rules).")]
ReportFormatOption = Annotated[list[ReportFormat], typer.Option(
    "--format", help="html, pdf or xlsx; repeat it for several files of one report "
    "(e.g. --format html --format pdf --format xlsx).")]
OutOption = Annotated[Path | None, typer.Option(
    "--out", "-o", help="File to write (default: report-<kind>-<parameters>[-<audience>]-"
    "<lang>.<format> in the current folder); with several formats, its name with each "
    "format's suffix.")]


def default_name(kind: str, values: dict[str, Any], lang: str, fmt: str,
                 audience: str = "analyst") -> Path:
    """report-<kind>-<parameters>[-<audience>]-<lang>.<format>"""
    parts = [kind, *(str(v) for v in values.values() if v is not None),
             *([audience] if audience != "analyst" else []), lang]
    return Path("-".join(["report", *parts]).replace(":", "_").replace("/", "_") + f".{fmt}")


def run(kind: str, values: dict[str, Any], db: Path | None, lang: str, audience: str,
        formats: list[str], out: Path | None) -> None:
    """Build one report, render it in each format and write the files (the body of every
    subcommand)."""
    from parity.core.output import write_atomic
    from parity.core.reports.kinds import make
    from parity.core.store import open_store
    from parity.reports import render

    settings = Settings.load({"db": db})
    formats = list(dict.fromkeys(formats or ["html"]))
    targets = {f: (out if out is not None and len(formats) == 1 else
                   out.with_suffix(f".{f}") if out is not None else
                   default_name(kind, values, lang, f, audience)) for f in formats}
    for target in targets.values():
        if target.is_dir():
            raise UserInputError(f"{target} is a folder.", "Give a file name with --out.")
        if not target.parent.exists():
            raise UserInputError(f"The folder {target.parent} does not exist.",
                                 "Create it first or give another --out.")
    start = time.perf_counter()
    with open_store(settings.db, read_only=True, create=False) as store:
        document = make(store, kind, audience=audience, **values)
    for fmt, target in targets.items():
        data = render(document, lang, fmt)
        try:
            write_atomic(target, data)
        except OSError as exc:
            raise UserInputError(f"Could not write {target}: {exc.strerror or exc}.",
                                 "Check that you may write to that folder.") from None
        err.print(f"Wrote {target} ({len(data):,} bytes, {time.perf_counter() - start:.1f} s).",
                  highlight=False)


def _command(kind: Any) -> Callable[..., None]:
    """A typer command for ``kind``: its own options, then the shared ones."""

    def command(**kwargs: Any) -> None:
        own = {o.name: kwargs.pop(o.name) for o in kind.options}
        run(kind.name, own, kwargs["db"], str(kwargs["lang"]), kwargs["audience"],
            [str(f) for f in kwargs["fmt"] or ()], kwargs["out"])

    params = [inspect.Parameter(
        o.name, inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[str | None, typer.Option(
            o.flag, help=o.help + (" Required." if o.required else ""), metavar=o.metavar)])
        for o in kind.options]
    shared: list[tuple[str, Any, Any]] = [
        ("db", DbOption, None), ("lang", LangOption, Lang.en),
        ("audience", AudienceOption, "analyst"), ("fmt", ReportFormatOption, [ReportFormat.html]),
        ("out", OutOption, None)]
    params += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
               for n, a, d in shared]
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__doc__ = kind.help
    command.__name__ = kind.name.replace("-", "_")
    return friendly_errors(command)


def register(app: typer.Typer) -> None:
    """Add ``parity report`` and one subcommand per kind of report to ``app``."""
    from parity.core.reports.kinds import kinds

    group = typer.Typer(help="Reports in one command: HTML, PDF or XLSX, in the six official "
                             "languages, for an audience.", no_args_is_help=True)
    for kind in kinds().values():
        group.command(kind.name, help=kind.help)(_command(kind))
    app.add_typer(group, name="report")
