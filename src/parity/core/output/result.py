"""What a command answers (:class:`Result`) and the data it was computed from (:class:`DataAsOf`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

from parity.core.store import Store
from parity.core.version import data_version


@dataclass(frozen=True)
class DataAsOf:
    """The store's data version (changes with every load that adds rows), the time of the
    last load and the latest staff snapshot date."""

    version: str
    last_load: datetime | None
    latest_snapshot: date | None

    def as_dict(self) -> dict[str, str | None]:
        return {"data_version": self.version,
                "last_load": self.last_load.isoformat(timespec="seconds")
                if self.last_load else None,
                "latest_snapshot": self.latest_snapshot.isoformat()
                if self.latest_snapshot else None}

    def sentence(self) -> str:
        """One line for the head of a table: 'Data as of ...'."""
        load = self.last_load.strftime("%Y-%m-%d %H:%M") if self.last_load else "never"
        snap = self.latest_snapshot.isoformat() if self.latest_snapshot else "none"
        return f"Data as of: version {self.version}, last load {load}, latest staff snapshot {snap}."


def data_as_of(store: Store) -> DataAsOf:
    """Read the load log and the staff snapshots of ``store`` on a cursor of its own (safe
    in any thread): metadata of the store itself, not an analysis, so plain SQL (building
    an Ibis backend for two maxima would cost more than both)."""
    with store.cursor() as cur:
        last_row = cur.execute("SELECT max(loaded_at) FROM main.loads").fetchone()
        snap_row = cur.execute("SELECT max(snapshot_date) FROM main.staff").fetchone()
        version = data_version(cur)
    return DataAsOf(version, last_row[0] if last_row else None,
                    snap_row[0] if snap_row else None)


@dataclass
class Result:
    """A command's answer: its parameters, named sections and notes, ready for any writer."""

    title: str
    parameters: dict[str, Any]
    sections: dict[str, pl.DataFrame]
    notes: list[str] = field(default_factory=list)
    data_as_of: DataAsOf | None = None
    #: Readable column headers by section and column, in the reader's language (the XLSX
    #: writer's row 1; row 2 keeps the field names). Columns left out get ``label(name)``.
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def section(self, name: str | None) -> pl.DataFrame:
        """One section by name (the first when ``name`` is None)."""
        if name is None:
            return next(iter(self.sections.values()))
        return self.sections[name]

