"""Self-identification: purpose-bound, aggregate-only, audited; the audit log's hash chain;
no person-level value or id in any artefact of the package."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import parity
from parity.cli.main import app
from parity.core import control
from parity.core.disclosure import Actor, audit_log, publish, release_audience, selfid, verify
from parity.core.errors import AccessDeniedError, StoreError
from parity.core.store import open_store

from .conftest import ANALYST

IDS = re.compile(r"\b(S\d{5}|A\d{6}|AP\d{5}|N\d{5}|L\d{6})\b")


def test_only_an_analyst_with_a_purpose_reads(org) -> None:
    store, _ = org
    for actor, text in [
        (Actor("pat", "public"), "only an analyst with a declared purpose may"),
        (Actor("ada", "admin"), "only an analyst with a declared purpose may"),
        (Actor("mo", "manager", entity="DPPA"), "only an analyst with a declared purpose may"),
        (Actor("ana", "analyst"), "declared no purpose"),
        (Actor("ana", "analyst", purpose="  "), "declared no purpose"),
    ]:
        with pytest.raises(AccessDeniedError, match=text) as exc:
            selfid.staff_counts(store, actor, "race_ethnicity")
        assert exc.value.hint and exc.value.message.endswith(".")
    assert verify(store).entries == 0  # refused reads read nothing


def test_analyst_reads_aggregates_and_every_read_is_logged(org) -> None:
    store, rows = org
    got = selfid.staff_counts(store, ANALYST, "race_ethnicity", by=("broad_band", "gender"))
    assert got.audience == "analyst"
    assert set(got.frame.columns) == {"broad_band", "gender", "race_ethnicity", "staff"}
    assert got.frame["staff"].sum() == len(rows["staff"])
    answered = sum(1 for r in rows["self_identification"] if r["dimension"] == "race_ethnicity")
    stated = got.frame.filter(got.frame["race_ethnicity"] != selfid.NOT_STATED)
    assert stated["staff"].sum() == answered
    apps = selfid.application_counts(store, ANALYST, "disability", by=("year",))
    assert "applicant_id" not in apps.frame.columns
    assert apps.frame["received"].sum() > 0
    with pytest.raises(Exception, match="cannot be grouped"):
        selfid.staff_counts(store, ANALYST, "race_ethnicity", by=("person_id",))
    log = audit_log.entries(store, Actor("ada", "admin"))
    assert log.height == 2
    first = log.row(0, named=True)
    # The actor is the operating-system user; the name the caller declared is beside it.
    assert (first["actor"], first["declared"], first["role"], first["purpose"]) == (
        audit_log.os_user(), "ana", "analyst", "annual composition report")
    assert "race_ethnicity" in first["what"] and first["logged_at"]
    with pytest.raises(AccessDeniedError):
        audit_log.entries(store, Actor("pat", "public"))


def test_hash_chain_detects_tampering(org) -> None:
    store, _ = org
    for dim in ("race_ethnicity", "disability", "race_ethnicity"):
        selfid.staff_counts(store, ANALYST, dim)
    ok = verify(store)
    assert ok.ok and ok.entries == 3 and ok.head == audit_log.head(store)
    log = sqlite3.connect(control.control_path(store.path), isolation_level=None)
    log.execute("UPDATE access_log SET purpose = 'other' WHERE seq = 2")
    bad = verify(store)
    assert not bad.ok and bad.first_bad == 2 and "changed" in bad.reason
    log.execute("UPDATE access_log SET purpose = 'annual composition report' WHERE seq = 2")
    assert verify(store).ok
    log.execute("DELETE FROM access_log WHERE seq = 2")
    assert verify(store).first_bad == 2
    log.close()


def test_read_only_store_reads_are_audited_in_the_control_database(org) -> None:
    store, _ = org
    path = store.path
    store.close()
    with open_store(path, read_only=True) as ro:
        selfid.staff_counts(ro, ANALYST, "race_ethnicity")
        assert audit_log.entries(ro, ANALYST)["action"].to_list() == ["read"]


def test_no_read_without_a_log_entry(org) -> None:
    store, _ = org
    control.control_path(store.path).mkdir()  # the log cannot be created
    with pytest.raises(StoreError, match="audited"):
        selfid.staff_counts(store, ANALYST, "race_ethnicity")


def test_only_selfid_module_reads_the_restricted_table() -> None:
    src = Path(parity.__file__).parent
    allowed = {"core/model.py", "core/store.py", "core/disclosure/selfid.py", "core/docgen.py"}
    pattern = re.compile(r"table\(\s*[\"']self_identification[\"']|restricted\.self_identification")
    offenders = [str(p.relative_to(src)) for p in src.rglob("*.py")
                 if str(p.relative_to(src)) not in allowed
                 and not str(p.relative_to(src)).startswith("core/ingest/")
                 and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_person_level_value_in_any_artefact(org, tmp_path: Path) -> None:
    store, rows = org
    rel = publish(store, release_audience("public"), ANALYST, tmp_path / "rel")
    texts = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "rel").iterdir()}
    runner = CliRunner()
    db = str(store.path)
    store.close()
    res = runner.invoke(app, ["audit", "--db", db, "--verify"])
    assert res.exit_code == 0, res.output
    assert "Audit log intact" in res.output
    texts["audit output"] = res.output
    with open_store(db) as s2:
        texts["analyst api"] = selfid.staff_counts(
            s2, ANALYST, "race_ethnicity", by=("entity", "gender")).frame.write_csv()
        texts["release log"] = s2.frame("SELECT * FROM main.disclosure_release_cells").write_csv()
    # the data do hold ids: make sure the scan would find them
    assert IDS.search(",".join(str(r["subject_id"]) for r in rows["self_identification"][:3]))
    for name, text in texts.items():
        assert not IDS.search(text), (name, IDS.search(text))
        for col in ("person_id", "applicant_id", "subject_id", "application_id"):
            assert col not in text, (name, col)
    # no published table has a row per person: every self-identification cell >= 10 or empty
    for t in rel.tables:
        if t.expanded.spec.rule == "selfid":
            assert "staff" in t.frame.columns and "value" not in t.frame.columns
