"""The ``parity`` command. Every command only formats what ``parity.core`` computes."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from parity import __version__
from parity.cli.render import (
    DbOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    emit,
    err,
    flags_without_type,
    friendly_errors,
    one_paragraph_help,
    out,
    print_table,
)
from parity.core.settings import Settings

app = typer.Typer(
    name="parity",
    help="Parity: is recruitment, promotion and retention fair across groups? "
    "Load HR exports, analyse them with sound statistics, publish safely.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)



def _version(value: bool) -> None:
    if value:
        out.print(f"parity {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    engine: Annotated[str | None, typer.Option(
        "--engine", metavar="URL",
        help="Where the analyses run (sets PARITY_ENGINE for this command): "
             "duckdb:///store.duckdb, postgresql://user:pw@host:port/db, spark://local[2] or "
             "sc://host:port. 'ingest' also copies the loaded store there.")] = None,
) -> None:
    """Parity command line."""
    if engine is None:
        return
    from parity.core.engines import parse_engine

    try:
        parse_engine(engine)
    except ValueError as exc:
        err.print(f"[bold red]Error:[/] The option --engine is invalid: {exc}.", highlight=False,
                  soft_wrap=True)
        raise typer.Exit(2) from None
    before = os.environ.get("PARITY_ENGINE")
    os.environ["PARITY_ENGINE"] = engine

    def restore() -> None:
        if before is None:
            os.environ.pop("PARITY_ENGINE", None)
        else:
            os.environ["PARITY_ENGINE"] = before

    ctx.call_on_close(restore)


class _StepProgress:
    """A progress display for ingest steps: a bar on a terminal, plain lines otherwise."""

    def __init__(self) -> None:
        self.live = err.is_terminal
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            TimeElapsedColumn(), console=err, transient=True,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> _StepProgress:
        if self.live:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live:
            self.progress.stop()

    def __call__(self, step: str, file: str, done: int, total: int) -> None:
        label = {"read": "reading", "validate": "validating", "write": "writing"}[step]
        text = f"{label} {Path(file).name}" + (f" ({total:,} rows)" if step != "read" else "")
        if not self.live:
            if done == 0:
                err.print(text, highlight=False)
            return
        if self.task is None:
            self.task = self.progress.add_task(text, total=max(total, 1))
        self.progress.update(self.task, description=text, completed=done, total=max(total, 1))


def _report_load(report: object) -> None:
    from parity.core.ingest import LoadReport

    assert isinstance(report, LoadReport)
    import polars as pl

    rows = [
        {
            "file": Path(f.file).name,
            "table": f.table,
            "read": f.rows_read,
            "loaded": f.rows_loaded,
            "new": f.rows_new,
            "quarantined": f.rows_quarantined,
            "note": f.skipped or "; ".join(
                [*f.notes, *([f"ignored columns: {', '.join(f.ignored_columns)}"]
                             if f.ignored_columns else [])]),
        }
        for f in report.files
    ]
    print_table(pl.DataFrame(rows), title=f"Load {report.load_id}")
    out.print(
        f"Rows read {report.rows_read:,} = rows loaded {report.rows_loaded:,} "
        f"+ rows quarantined {report.rows_quarantined:,}."
    )
    if report.quarantine_csv is not None:
        n = report.rows_quarantined
        files = sum(1 for f in report.files if f.rows_quarantined)
        out.print(f"{n:,} row{'s' if n != 1 else ''} quarantined in {files} "
                  f"file{'s' if files != 1 else ''}; the rows, with file, row, column, value "
                  f"and reason, are in {report.quarantine_csv}", highlight=False, soft_wrap=True)


#: Exit code of a load that succeeded but quarantined rows (documented in docs/data-model.md).
EXIT_QUARANTINED = 6


@app.command()
@friendly_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Interchange files (.csv, .xlsx, .parquet).")],
    db: DbOption = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Load nothing if any row would be quarantined (exit code 2).")] = False,
) -> None:
    """Validate and load interchange files into the store, in one transaction.

    Exit codes: 0 every row loaded; 6 loaded, but some rows were quarantined (the last line
    says how many and where the report is); 2 nothing loaded (a file cannot be read, or
    --strict found rows to quarantine); 3 the store cannot be written.
    """
    from parity.core.ingest import ingest as run_ingest
    from parity.core.store import open_store

    settings = Settings.load({"db": db})
    with open_store(settings.db) as store, _StepProgress() as progress:
        report = run_ingest(paths, store, id_secret=settings.id_secret,
                            quarantine_dir=settings.quarantine_dir, progress=progress,
                            strict=strict, organization=settings.organization)
        engine = settings.engine_spec(settings.db)
        if engine is not None:
            from parity.core.engines import publish

            copied = publish(store, engine)
            err.print(f"Copied {copied} tables to the {engine.kind} engine {engine.shown}.",
                      highlight=False)
    _report_load(report)
    if report.rows_quarantined:
        raise typer.Exit(EXIT_QUARANTINED)


@app.command()
@friendly_errors
def synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the interchange files to.")],
    scale: Annotated[float, typer.Option(
        help="Size relative to the UN Secretariat (1 = about 36,700 staff).", min=0.001, max=20)] = 1.0,
    seed: Annotated[int, typer.Option(
        help="Random seed; the same seed gives byte-identical files.")] = 0,
    organizations: Annotated[int | None, typer.Option(
        "--organizations", help="Write a UN-system-like set of this many organizations "
        "(1-10; illustrative profiles, see docs/organizations.md) with an organization "
        "column; --scale sizes the Secretariat-like one.")] = None,
) -> None:
    """Write a synthetic, calibrated organization as interchange CSV files."""
    from parity.core.synth import synthesize

    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = synthesize(out_dir, scale=scale, seed=seed,
                      progress=lambda msg: err.print(msg, highlight=False),
                      organizations=organizations)
    took = time.perf_counter() - start
    for name, n in rows.items():
        out.print(f"{name}: {n:,} rows")
    out.print(f"Wrote {out_dir} in {took:.1f} s.")


@app.command()
@friendly_errors
def status(db: DbOption = None, fmt: FormatOption = OutputFormat.table,
           output: OutputOption = None) -> None:
    """Rows per table in the store and the loads made so far."""
    import polars as pl

    from parity.core.output import Result, data_as_of
    from parity.core.store import open_store

    settings = Settings.load({"db": db})
    with open_store(settings.db, read_only=True) as store:
        counts = store.row_counts()
        loads = store.frame("SELECT * EXCLUDE (sha256) FROM main.loads ORDER BY load_id, file")
        result = Result(f"Store {settings.db}", {"db": str(settings.db)},
                        {"tables": pl.DataFrame({"table": list(counts),
                                                 "rows": list(counts.values())},
                                                schema={"table": pl.Utf8, "rows": pl.Int64}),
                         "loads": loads}, data_as_of=data_as_of(store))

    def show() -> None:
        print_table(result.sections["tables"], title=result.title)
        if loads.height:
            print_table(loads, title="Loads")

    emit(result, fmt, output, show=show)


@app.command()
@friendly_errors
def demo(
    scale: Annotated[float, typer.Option(
        help="Size of the synthetic organization.", min=0.001, max=20)] = 0.1,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    folder: Annotated[Path, typer.Option(
        "--dir", help="Folder for the demo data and store.")] = Path("demo"),
) -> None:
    """Synthesize an organization, load it into a fresh store and show a first table."""
    from parity.core.analytics.summary import selections_by_regional_group
    from parity.core.backend import Backend
    from parity.core.ingest import ingest as run_ingest
    from parity.core.store import open_store
    from parity.core.synth import synthesize

    data = folder / "data"
    db = folder / "parity.duckdb"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    start = time.perf_counter()
    err.print(f"Synthesizing an organization at scale {scale} (seed {seed}) into {data} …")
    synthesize(data, scale=scale, seed=seed, progress=lambda msg: err.print(msg, highlight=False))
    files = sorted(data.glob("*.csv"))
    with open_store(db) as store:
        with _StepProgress() as progress:
            report = run_ingest(files, store, progress=progress)
        _report_load(report)
        table = selections_by_regional_group(Backend.from_store(store))
    print_table(
        table.select("regional_group_name", "received", "received_share", "selected",
                     "selected_share", "selection_rate"),
        title="Applications and selections by regional group, Professional and higher, 2018–2022",
    )
    out.print(f"Store: {db}  ({time.perf_counter() - start:.1f} s). Next: parity status --db {db}")


# Command groups that live in their own modules register themselves here.
# Each module defines ``register(app: typer.Typer) -> None``.
from parity.cli import _registry  # noqa: E402

_registry.register_all(app)
one_paragraph_help(app)
flags_without_type()

if __name__ == "__main__":
    app()
