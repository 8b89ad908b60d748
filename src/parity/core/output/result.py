"""What a command answers (:class:`Result`) and the data it was computed from (:class:`DataAsOf`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

from parity.core.backend import Backend
from parity.core.disclosure.release_log import data_version
from parity.core.store import Store


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
    """Read the load log and the staff snapshots of ``store`` through a Backend on a cursor
    of its own (safe in any thread)."""
    backend = Backend.from_store(store)
    loads = backend.con.table("loads")
    last = loads.aggregate(last=loads.loaded_at.max()).to_polars()["last"][0]
    staff = backend.table("staff")
    snapshot = staff.aggregate(d=staff.snapshot_date.max()).to_polars()["d"][0]
    return DataAsOf(data_version(backend.con.con), last, snapshot)


@dataclass
class Result:
    """A command's answer: its parameters, named sections and notes, ready for any writer."""

    title: str
    parameters: dict[str, Any]
    sections: dict[str, pl.DataFrame]
    notes: list[str] = field(default_factory=list)
    data_as_of: DataAsOf | None = None

    def section(self, name: str | None) -> pl.DataFrame:
        """One section by name (the first when ``name`` is None)."""
        if name is None:
            return next(iter(self.sections.values()))
        return self.sections[name]

