"""The list of command modules of the ``parity`` command.

Each listed module defines ``register(app: typer.Typer) -> None`` that adds its commands.
"""

from __future__ import annotations

import importlib

import typer

COMMAND_MODULES: list[str] = [
    "parity.cli.release",
    # one line per command module, e.g. "parity.cli.funnel",
    "parity.cli.workforce",
    "parity.cli.web",
    "parity.cli.project",
    "parity.cli.funnel",
    "parity.cli.careers",
    "parity.cli.dimensions",
    "parity.cli.report",
]


def register_all(app: typer.Typer) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
