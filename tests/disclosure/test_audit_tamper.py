"""`parity audit --verify` detects every way of tampering with the log, naming the cause,
by comparing the log with the heads recorded outside it (the head file, release manifests)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parity.cli.main import app
from parity.core import control
from parity.core.disclosure import audit_log, publish, release_audience, selfid

from .conftest import ADMIN, ANALYST


def _log(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(control.control_path(db), isolation_level=None)


def _delete_newest(db: Path) -> None:
    with _log(db) as con:
        con.execute("DELETE FROM access_log WHERE seq >= 3")


def _empty(db: Path) -> None:
    with _log(db) as con:
        con.execute("DELETE FROM access_log")


def _drop(db: Path) -> None:
    with _log(db) as con:
        con.execute("DROP TABLE access_log")


def _rewrite(db: Path) -> None:
    """Change an entry's purpose and recompute every hash after it: a valid chain."""
    con = _log(db)
    rows = con.execute("SELECT * FROM access_log ORDER BY seq").fetchall()
    cols = [d[0] for d in con.execute("SELECT * FROM access_log LIMIT 0").description]
    prev = audit_log.GENESIS
    for raw in rows:
        r = dict(zip(cols, raw, strict=True))
        if r["seq"] == 1:
            r["purpose"] = "something harmless"
        h = audit_log.entry_hash(r["seq"], r["logged_at"], r["actor"], r["role"], r["action"],
                                 r["what"], r["purpose"], prev, r["declared"], r["detail"])
        con.execute("UPDATE access_log SET purpose = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    [r["purpose"], prev, h, r["seq"]])
        prev = h
    con.close()
    assert audit_log._chain(_frame(db)).ok  # the chain itself is consistent again


def _frame(db: Path):
    from parity.core.store import open_store
    with open_store(db, read_only=True) as s:
        return audit_log._read(s)


def _rewrite_and_head(db: Path) -> None:
    """Rewrite the chain and the head file too: only the release manifest remains."""
    _rewrite(db)
    with _log(db) as con:
        seq, h = con.execute("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1"
                             ).fetchone()
    control.head_path(db).write_text(json.dumps({"seq": seq, "hash": h}))


def _remove_head(db: Path) -> None:
    control.head_path(db).unlink()


@pytest.mark.parametrize(("tamper", "cause", "words"), [
    (_delete_newest, "deleted_newest", "newest entries were deleted"),
    (_empty, "emptied", "log was emptied"),
    (_drop, "dropped", "log was dropped"),
    (_rewrite, "rewritten", "log was rewritten"),
    (_rewrite_and_head, "rewritten", "manifest of release r0001"),
    (_remove_head, "head_missing", "head file"),
])
def test_verify_names_each_tampering(org, tmp_path: Path, tamper: Callable[[Path], None],
                                     cause: str, words: str) -> None:
    store, _ = org
    for dim in ("race_ethnicity", "disability", "race_ethnicity"):
        selfid.staff_counts(store, ANALYST, dim)
    publish(store, release_audience("public"), ANALYST, tmp_path / "rel")
    selfid.staff_counts(store, ANALYST, "disability")
    db = store.path
    store.close()
    runner = CliRunner()
    res = runner.invoke(app, ["audit", "--db", str(db), "--verify"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "Audit log intact" in text and "against 2 head(s)" in text, text
    tamper(db)
    res = runner.invoke(app, ["audit", "--db", str(db), "--verify"])
    assert res.exit_code == 6, res.output
    text = " ".join(res.output.split())
    assert f"Audit log broken ({cause})" in text and words in text, text


def test_the_audit_command_is_logged_with_the_os_user(org) -> None:
    store, _ = org
    db = store.path
    store.close()
    runner = CliRunner()
    assert runner.invoke(app, ["audit", "--db", str(db), "--as", "boss"]).exit_code == 0
    res = runner.invoke(app, ["audit", "--db", str(db), "--verify", "--as", "boss"])
    assert res.exit_code == 0, res.output
    from parity.core.store import open_store
    with open_store(db, read_only=True) as ro:
        log = audit_log.entries(ro, ADMIN)
    assert log["action"].to_list() == ["audit", "audit"]
    assert log["what"].to_list() == ["audit log: read", "audit log: verified"]
    assert set(log["actor"]) == {audit_log.os_user()} and set(log["declared"]) == {"boss"}
    assert json.loads(log["detail"][1]) == {"entries": 1, "verified": True}


def test_a_log_kept_in_the_store_by_an_earlier_version_is_moved(org) -> None:
    store, _ = org
    store.con.execute("""CREATE TABLE restricted.access_log (
        seq BIGINT PRIMARY KEY, logged_at VARCHAR NOT NULL, actor VARCHAR NOT NULL,
        role VARCHAR NOT NULL, action VARCHAR NOT NULL, what VARCHAR NOT NULL, purpose VARCHAR,
        prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL)""")
    prev = audit_log.GENESIS
    for seq in (1, 2):
        at = f"2025-01-0{seq}T00:00:00+00:00"
        h = audit_log.entry_hash(seq, at, "ana", "analyst", "read", "self_identification",
                                 "report", prev)
        store.con.execute("INSERT INTO restricted.access_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          [seq, at, "ana", "analyst", "read", "self_identification", "report",
                           prev, h])
        prev = h
    selfid.staff_counts(store, ANALYST, "race_ethnicity")  # moves the log, then appends
    log = audit_log.entries(store, ADMIN)
    assert log["seq"].to_list() == [1, 2, 3] and log["prev_hash"][2] == prev
    assert log["declared"].to_list() == [None, None, "ana"]
    gone = store.con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                             "table_schema = 'restricted' AND table_name = 'access_log'"
                             ).fetchone()
    assert gone == (0,)
    check = audit_log.verify(store)
    assert check.ok and check.entries == 3 and check.heads_checked == 1
