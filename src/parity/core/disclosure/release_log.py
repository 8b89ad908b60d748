"""The release log: every release made, and every cell it published or hid.

``main.disclosure_releases`` holds one row per release (who, when, for which audience,
on which data version, under which policy); ``main.disclosure_release_cells`` one row
per cell with its status and, only when published, its value; ``held`` keeps every
cell's true value, published or not, for the auditor of later releases (it is no more
than the store's own data). Both are created on first use. The release builder reads
them to keep releases on the same data consistent (a cell published once stays known,
a cell hidden once stays hidden), to audit a new release together with the earlier
ones its readers hold (:mod:`parity.core.disclosure.history`) and to hide a cell whose
value moved by 1–9 since it was last published.

A release's folder is recorded relative to the store's folder when it lies inside it
(else as an absolute path), and a relative path read from the log is taken from the
store's folder (:func:`release_folder`): the log means the same folder whatever the
working directory of the program that reads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from parity.core import schema
from parity.core.disclosure.policy import Audience
from parity.core.disclosure.tables import CellId, decode_id, encode_id
from parity.core.store import Store
from parity.core.version import CONTENT_TABLES as CONTENT_TABLES
from parity.core.version import data_version as data_version

DDL = (schema.RELEASES.ddl(), schema.RELEASE_CELLS.ddl(),
       # a log written before the ``held`` column
       "ALTER TABLE main.disclosure_release_cells ADD COLUMN IF NOT EXISTS held BIGINT")



def ensure_tables(store: Store) -> None:
    if not store.read_only:
        for stmt in DDL:
            store.con.execute(stmt)


def _exists(store: Store) -> bool:
    with store.cursor() as cur:
        row = cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_name = 'disclosure_releases'").fetchone()
    return bool(row and row[0])


def _store_folder(store: Store) -> Path:
    return Path(store.path).resolve().parent


def recorded_folder(store: Store, out_dir: Path | str) -> str:
    """How a release folder (relative to the working directory, or absolute) is recorded:
    relative to the store's folder when inside it, else absolute."""
    target = Path(out_dir).resolve()
    try:
        return target.relative_to(_store_folder(store)).as_posix()
    except ValueError:
        return str(target)


def release_folder(store: Store, out_dir: str) -> Path:
    """The folder of a release as recorded in the log (relative paths: from the store's folder)."""
    path = Path(out_dir)
    return path if path.is_absolute() else _store_folder(store) / path


def hidden_cells(store: Store) -> dict[str, tuple[int, int]]:
    """Per release: (cells hidden, cells published)."""
    if not _exists(store):
        return {}
    rows = store.frame(
        "SELECT release_id, count(*) FILTER (WHERE status <> 'published') AS hidden, "
        "count(*) FILTER (WHERE status = 'published') AS published "
        "FROM main.disclosure_release_cells GROUP BY release_id")
    return {r["release_id"]: (int(r["hidden"]), int(r["published"]))
            for r in rows.iter_rows(named=True)}


def next_seq(store: Store) -> int:
    if not _exists(store):
        return 1
    row = store.con.execute("SELECT coalesce(max(seq), 0) + 1 FROM main.disclosure_releases"
                            ).fetchone()
    return int(row[0]) if row else 1


def releases(store: Store) -> pl.DataFrame:
    """Every release, oldest first."""
    if not _exists(store):
        return pl.DataFrame(schema={"release_id": pl.Utf8, "seq": pl.Int32,
                                    "created_at": pl.Utf8, "audience": pl.Utf8})
    return store.frame(
        "SELECT release_id, seq, created_at, actor, role, audience, data_version, tables, "
        "out_dir FROM main.disclosure_releases ORDER BY seq")


def previous_release(store: Store, audience: Audience) -> str | None:
    if not _exists(store):
        return None
    row = store.con.execute(
        "SELECT release_id FROM main.disclosure_releases WHERE audience = ? "
        "ORDER BY seq DESC LIMIT 1", [audience.key]).fetchone()
    return str(row[0]) if row else None


@dataclass
class Prior:
    """What earlier releases on the same data already fixed."""

    audiences: list[Audience] = field(default_factory=list)
    known: dict[CellId, int] = field(default_factory=dict)
    hidden: set[CellId] = field(default_factory=set)


def prior_same_data(store: Store, version: str) -> Prior:
    prior = Prior()
    if not _exists(store):
        return prior
    rel = store.frame(
        "SELECT DISTINCT audience_role, nationality, entity FROM main.disclosure_releases "
        "WHERE data_version = ?", [version])
    prior.audiences = [Audience(r["audience_role"], nationality=r["nationality"],
                                entity=r["entity"]) for r in rel.iter_rows(named=True)]
    cells = store.frame(
        "SELECT c.cell, c.status, c.value FROM main.disclosure_release_cells c "
        "JOIN main.disclosure_releases r USING (release_id) WHERE r.data_version = ?",
        [version])
    for r in cells.iter_rows(named=True):
        cid = decode_id(r["cell"])
        if r["status"] == "published":
            prior.known[cid] = int(r["value"])
        else:
            prior.hidden.add(cid)
    return prior


def history_other_data(store: Store, version: str) -> dict[CellId, set[int]]:
    """Every value each cell was published with, by releases on other data versions."""
    if not _exists(store):
        return {}
    cells = store.frame(
        "SELECT DISTINCT c.cell, c.value FROM main.disclosure_release_cells c "
        "JOIN main.disclosure_releases r USING (release_id) "
        "WHERE r.data_version <> ? AND c.status = 'published'", [version])
    out: dict[CellId, set[int]] = {}
    for r in cells.iter_rows(named=True):
        out.setdefault(decode_id(r["cell"]), set()).add(int(r["value"]))
    return out


@dataclass
class Earlier:
    """One earlier release: its audience and every cell's status and true value."""

    release_id: str
    seq: int
    audience: Audience
    data_version: str
    cells: dict[str, dict[CellId, tuple[str, int]]]
    """table name -> cell -> (status, true value)"""


def earlier_releases(store: Store, version: str) -> list[Earlier]:
    """Every release on other data, oldest first, whose cells all kept their true value."""
    if not _exists(store):
        return []
    rel = store.frame(
        "SELECT release_id, seq, audience_role, nationality, entity, data_version "
        "FROM main.disclosure_releases WHERE data_version <> ? ORDER BY seq", [version])
    cells = store.frame(
        "SELECT c.release_id, c.table_name, c.cell, c.status, c.held "
        "FROM main.disclosure_release_cells c JOIN main.disclosure_releases r "
        "USING (release_id) WHERE r.data_version <> ?", [version])
    by_release: dict[str, dict[str, dict[CellId, tuple[str, int]]]] = {}
    incomplete: set[str] = set()
    for r in cells.iter_rows(named=True):
        if r["held"] is None:
            incomplete.add(r["release_id"])
            continue
        by_release.setdefault(r["release_id"], {}).setdefault(r["table_name"], {})[
            decode_id(r["cell"])] = (r["status"], int(r["held"]))
    return [Earlier(r["release_id"], int(r["seq"]),
                    Audience(r["audience_role"], nationality=r["nationality"],
                             entity=r["entity"]), r["data_version"],
                    by_release.get(r["release_id"], {}))
            for r in rel.iter_rows(named=True) if r["release_id"] not in incomplete]


def loss(store: Store, release_id: str) -> pl.DataFrame:
    """What a release hid, per table: cells (remainder rows left out), cells hidden,
    and the total of the hidden cells' values (kept here, not in the published
    manifest: a published total of hidden cells would be one more equation for an
    attacker); and how the complements were chosen (``complements``: exact or
    heuristic, read from the release's manifest; empty when its folder is gone)."""
    if not _exists(store):
        return pl.DataFrame()
    frame = store.frame(
        "SELECT table_name, count(*) FILTER (WHERE status <> 'collapsed') AS cells, "
        "count(*) FILTER (WHERE status NOT IN ('published', 'collapsed')) AS hidden, "
        "coalesce(sum(held) FILTER (WHERE status NOT IN ('published', 'collapsed')), 0) "
        "AS hidden_value FROM main.disclosure_release_cells WHERE release_id = ? "
        "GROUP BY table_name ORDER BY table_name", [release_id])
    methods: dict[str, str] = {}
    folder = store.frame("SELECT out_dir FROM main.disclosure_releases WHERE release_id = ?",
                         [release_id])
    if folder.height:
        manifest = release_folder(store, str(folder["out_dir"][0])) / "manifest.json"
        try:
            tables = json.loads(manifest.read_text(encoding="utf-8")).get("tables", [])
            methods = {str(t["name"]): str(t.get("complements", "heuristic")) for t in tables}
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            methods = {}
    return frame.with_columns(pl.col("table_name").replace_strict(
        methods, default=None, return_dtype=pl.Utf8).alias("complements"))


def record(store: Store, row: dict[str, object],
           cells: Iterable[tuple[str, CellId, str, int]]) -> None:
    """Write one release and its cells (table, cell, status, true value), atomically
    (``out_dir`` as :func:`recorded_folder`)."""
    ensure_tables(store)
    row = {**row, "out_dir": recorded_folder(store, str(row["out_dir"]))}
    frame = pl.DataFrame(
        [{"release_id": row["release_id"], "table_name": t, "cell": encode_id(c),
          "status": s, "value": v if s == "published" else None, "held": v}
         for t, c, s, v in cells],
        schema={"release_id": pl.Utf8, "table_name": pl.Utf8, "cell": pl.Utf8,
                "status": pl.Utf8, "value": pl.Int64, "held": pl.Int64})
    cols = ["release_id", "seq", "created_at", "actor", "role", "audience", "audience_role",
            "nationality", "entity", "data_version", "policy", "tables", "out_dir",
            "manifest_sha256"]
    with store.transaction() as con:
        con.execute(f"INSERT INTO main.disclosure_releases ({', '.join(cols)}) VALUES "
                    f"({', '.join('?' for _ in cols)})",
                    [row[c] if not isinstance(row[c], list | dict) else json.dumps(row[c])
                     for c in cols])
        con.register("_cells", frame.to_arrow())
        con.execute("INSERT INTO main.disclosure_release_cells (release_id, table_name, "
                    "cell, status, value, held) SELECT * FROM _cells")
        con.unregister("_cells")
