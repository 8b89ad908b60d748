"""Shared fixtures: real DuckDB stores in temporary folders."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from parity.core import model
from parity.core.store import Store, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty store in a fresh DuckDB file."""
    s = open_store(tmp_path / "parity.duckdb")
    yield s
    s.close()


WriteRows = Callable[[str, Sequence[dict[str, object]]], Path]


@pytest.fixture
def write_rows(tmp_path: Path) -> WriteRows:
    """Write interchange rows (dicts; missing keys = empty cells) to TABLE.csv; return the path."""

    def write(table: str, rows: Sequence[dict[str, object]], name: str | None = None) -> Path:
        spec = model.TABLES_BY_NAME[table]
        path = tmp_path / (name or f"{spec.file_stem}.csv")
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(spec.column_names)
            for row in rows:
                cells = []
                for c in spec.column_names:
                    v = row.get(c)
                    cells.append("" if v is None else ("true" if v is True else "false" if v is False else str(v)))
                w.writerow(cells)
        return path

    return write  # type: ignore[return-value]
