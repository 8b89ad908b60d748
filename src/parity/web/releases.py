"""Published releases, read for the audiences that may see them.

Non-analyst audiences see only what :mod:`parity.core.disclosure` released: the latest
release for all staff, and the latest release made for the viewer's own audience (a
Member State's or an entity's detail). Files are read from the release folder recorded
in the release log (a relative folder from the store's folder); a table whose file does
not match the SHA-256 in its manifest is not shown. :func:`release_states` tells the
administrator which releases cannot be served and why.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from parity.core.disclosure import release_log
from parity.core.disclosure.checks import read_published_csv
from parity.core.store import Store
from parity.web.i18n import N_
from parity.web.users import User

log = logging.getLogger("parity.web")


@dataclass(frozen=True)
class PublishedTable:
    """One table of a release, as published (suppressed cells are null)."""

    release_id: str
    audience: str
    created_at: str
    meta: dict[str, Any]
    frame: pl.DataFrame

    @property
    def name(self) -> str:
        return str(self.meta["name"])


def audience_keys(user: User) -> list[str]:
    """The release audiences a user may read, widest first."""
    if user.role == "member_state" and user.nationality:
        return ["public", f"member_state:{user.nationality}"]
    if user.role == "manager" and user.entity:
        return ["public", f"manager:{user.entity}"]
    return ["public"]


def _read_release(folder: Path, release_id: str, audience: str,
                  created_at: str) -> list[PublishedTable]:
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        log.warning("release %s: %s is missing; it is not shown", release_id, manifest_path)
        return []
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    out = []
    for meta in manifest["tables"]:
        path = folder / meta["file"]
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != meta.get("sha256"):
            log.warning("release %s: %s is missing or altered; it is not shown", release_id, path)
            continue
        out.append(PublishedTable(release_id, audience, created_at, meta,
                                  read_published_csv(path, meta)))
    return out


def visible_tables(store: Store, user: User) -> dict[str, PublishedTable]:
    """Tables by name from the latest release of each audience the user may read.

    A table of the user's own audience's release replaces the all-staff table of the
    same name (both passed the same disclosure rules).
    """
    log_frame = release_log.releases(store)
    if log_frame.height == 0:
        return {}
    tables: dict[str, PublishedTable] = {}
    for key in audience_keys(user):
        rows = log_frame.filter(pl.col("audience") == key).sort("seq")
        if rows.height == 0:
            continue
        latest = rows.row(-1, named=True)
        folder = release_log.release_folder(store, str(latest["out_dir"]))
        for table in _read_release(folder, str(latest["release_id"]), key,
                                   str(latest["created_at"])):
            tables[table.name] = table
    return tables


def folder_problem(folder: Path) -> str | None:
    """Why a release folder cannot be served in full (None: every file is as published)."""
    manifest_path = folder / "manifest.json"
    if not folder.is_dir():
        return N_("The release folder is missing.")
    if not manifest_path.is_file():
        return N_("The release folder has no manifest.json.")
    altered = N_("A file of the release is missing or was altered.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = [(folder / meta["file"], meta.get("sha256")) for meta in manifest["tables"]]
    except (OSError, ValueError, KeyError, TypeError):
        return altered
    for path, digest in files:
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return altered
    return None


def release_states(store: Store, served_only: bool = False) -> list[dict[str, Any]]:
    """Every release (or only those served), newest first, with its folder, cell counts,
    whether it is the one served to its audience, and why it cannot be served
    (``problem``, or None)."""
    frame = release_log.releases(store)
    if frame.height == 0:
        return []
    counts = release_log.hidden_cells(store)
    latest = {r["audience"]: r["release_id"] for r in frame.sort("seq").iter_rows(named=True)}
    out = []
    for r in frame.sort("seq", descending=True).iter_rows(named=True):
        if served_only and latest[r["audience"]] != r["release_id"]:
            continue
        folder = release_log.release_folder(store, str(r["out_dir"]))
        hidden, published = counts.get(r["release_id"], (0, 0))
        out.append({**r, "tables": json.loads(r["tables"]), "folder": str(folder),
                    "hidden": hidden, "published": published,
                    "served": latest[r["audience"]] == r["release_id"],
                    "problem": folder_problem(folder)})
    return out
