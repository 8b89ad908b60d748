"""The tables Parity keeps besides the data tables: their one declaration.

:mod:`parity.core.model` declares the data tables (one per interchange file); this module
declares every other table — the load log, the quarantine, the store's metadata, the
release log, the dashboard's accounts, and the access (audit) log — with its columns and
key. The store, the release log, the accounts and the audit log create their tables from
:meth:`SystemTable.ddl`, and ``docs/data-model.md`` is generated from the same
declarations, so no table exists that the documentation does not describe.

Two databases hold them: the **store** (a DuckDB file: data, reference data, load log,
release log, accounts) and the **control database** beside it (an SQLite file holding the
dashboard's sessions and failed-login counts and the access log), which every process may
append to while others read or serve the store (see
docs/architecture.md, "Reading while served").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Database = Literal["store", "control"]


@dataclass(frozen=True)
class Field:
    """One column: its name, SQL type (valid in DuckDB and SQLite) and meaning."""

    name: str
    sql_type: str
    description: str
    required: bool = False


@dataclass(frozen=True)
class SystemTable:
    """A table that no interchange file maps onto."""

    name: str
    schema: str
    database: Database
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def qualified_name(self) -> str:
        """How SQL names it: ``schema.name`` in the store, the bare name in the control
        database (SQLite has no schemas)."""
        return self.name if self.database == "control" else f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def ddl(self) -> str:
        """``CREATE TABLE IF NOT EXISTS`` for this table."""
        cols = [f"{f.name} {f.sql_type}{' NOT NULL' if f.required else ''}" for f in self.fields]
        if self.key:
            cols.append(f"PRIMARY KEY ({', '.join(self.key)})")
        body = ",\n  ".join(cols)
        return f"CREATE TABLE IF NOT EXISTS {self.qualified_name} (\n  {body}\n)"


def _f(name: str, sql_type: str, description: str, required: bool = False) -> Field:
    return Field(name, sql_type, description, required)


LOADS = SystemTable(
    "loads", "main", "store", "One row per file per load: the load log.",
    (_f("load_id", "INTEGER", "Number of the load (one `parity ingest`)."),
     _f("file", "VARCHAR", "The file loaded."),
     _f("sha256", "VARCHAR", "SHA-256 of the file's bytes (a file loaded before is skipped)."),
     _f("table_name", "VARCHAR", "The table it was loaded into."),
     _f("rows_read", "BIGINT", "Rows in the file."),
     _f("rows_loaded", "BIGINT", "Rows accepted."),
     _f("rows_new", "BIGINT", "Accepted rows not already stored."),
     _f("rows_quarantined", "BIGINT", "Rows rejected (see quarantine)."),
     _f("loaded_at", "TIMESTAMP", "When.")))

QUARANTINE = SystemTable(
    "quarantine", "main", "store",
    "One row per problem of a rejected row; also written as a CSV report beside the store.",
    (_f("load_id", "INTEGER", "The load."),
     _f("file", "VARCHAR", "The file."),
     _f("table_name", "VARCHAR", "The table the file was for."),
     _f("row_number", "BIGINT", "Row a person sees (header = row 1)."),
     _f("column_name", "VARCHAR", "The column at fault."),
     _f("value", "VARCHAR", "The value found."),
     _f("reason", "VARCHAR", "Why it was rejected.")))

META = SystemTable(
    "meta", "main", "store", "Facts about the store itself, e.g. `schema_version`.",
    (_f("key", "VARCHAR", "Name."), _f("value", "VARCHAR", "Value.")), key=("key",))

RELEASES = SystemTable(
    "disclosure_releases", "main", "store",
    "One row per statistical release made with `parity release`.",
    (_f("release_id", "VARCHAR", "e.g. `r0001`."),
     _f("seq", "INTEGER", "Order of the release.", True),
     _f("created_at", "VARCHAR", "UTC time (ISO 8601).", True),
     _f("actor", "VARCHAR", "Who made it.", True),
     _f("role", "VARCHAR", "Their role.", True),
     _f("audience", "VARCHAR", "Audience key, e.g. `member_state:KEN`.", True),
     _f("audience_role", "VARCHAR", "Audience role.", True),
     _f("nationality", "VARCHAR", "A member_state audience's State."),
     _f("entity", "VARCHAR", "A manager audience's entity."),
     _f("data_version", "VARCHAR", "Fingerprint of the loads the release was computed on.", True),
     _f("policy", "VARCHAR", "The disclosure policy (JSON).", True),
     _f("tables", "VARCHAR", "The tables published (JSON list).", True),
     _f("out_dir", "VARCHAR", "Folder written (holds manifest.json with the audit head).", True),
     _f("manifest_sha256", "VARCHAR", "SHA-256 of manifest.json.", True)),
    key=("release_id",))

RELEASE_CELLS = SystemTable(
    "disclosure_release_cells", "main", "store",
    "One row per cell of every release: published with its value, or hidden.",
    (_f("release_id", "VARCHAR", "The release.", True),
     _f("table_name", "VARCHAR", "The table.", True),
     _f("cell", "VARCHAR", "The cell's id.", True),
     _f("status", "VARCHAR", "`published`, `primary` or `secondary`.", True),
     _f("value", "BIGINT", "The count, only when published."),
     _f("held", "BIGINT", "The cell's true value, published or not (for the audit of later "
                          "releases; no more than the store's own data).")))

WEB_USERS = SystemTable(
    "web_users", "main", "store", "Dashboard accounts (`parity users`, the accounts page).",
    (_f("name", "VARCHAR", "User name."),
     _f("role", "VARCHAR", "public, member_state, manager, analyst or admin.", True),
     _f("nationality", "VARCHAR", "A member_state account's State (ISO3)."),
     _f("entity", "VARCHAR", "A manager account's entity."),
     _f("password_hash", "VARCHAR", "Argon2id hash of the password."),
     _f("created_at", "TIMESTAMP", "When.")),
    key=("name",))

WEB_TOKENS = SystemTable(
    "web_tokens", "main", "store", "API tokens; only their SHA-256 is kept.",
    (_f("token_hash", "VARCHAR", "SHA-256 of the token."),
     _f("name", "VARCHAR", "The account.", True),
     _f("label", "VARCHAR", "What it is for."),
     _f("created_at", "TIMESTAMP", "When.")),
    key=("token_hash",))

WEB_SESSIONS = SystemTable(
    "web_sessions", "main", "control",
    "Dashboard sessions: a login creates one, logging out or an administrator's revocation "
    "deletes it; the cookie carries a random token of which only the SHA-256 is kept.",
    (_f("session_hash", "VARCHAR", "SHA-256 of the session token (its first 16 characters "
                                   "are the session's public id)."),
     _f("name", "VARCHAR", "The account.", True),
     _f("created_at", "DOUBLE", "When (Unix seconds).", True),
     _f("expires_at", "DOUBLE", "When it ends at the latest (Unix seconds).", True),
     _f("address", "VARCHAR", "The client's address at login."),
     _f("agent", "VARCHAR", "The browser's User-Agent at login.")),
    key=("session_hash",))

WEB_LOGIN_FAILURES = SystemTable(
    "web_login_failures", "main", "control",
    "Failed logins in a row, per account (`account:<name>`) and per client address "
    "(`address:<ip>`), for the throttle; forgotten an hour after the last failure.",
    (_f("key", "VARCHAR", "`account:<name>` or `address:<ip>`."),
     _f("failures", "INTEGER", "Failures in a row.", True),
     _f("last_failure_at", "DOUBLE", "When the last one happened (Unix seconds).", True)),
    key=("key",))

ACCESS_LOG = SystemTable(
    "access_log", "restricted", "control",
    "The append-only, hash-chained audit log: every read of self-identification data, "
    "every release, every read of the log, and (dashboard) every view, JSON answer and "
    "download by a signed-in user, every failed or refused login and every account change.",
    (_f("seq", "BIGINT", "1, 2, 3, … without gaps."),
     _f("logged_at", "VARCHAR", "UTC time (ISO 8601, microseconds).", True),
     _f("actor", "VARCHAR", "Who: the operating-system user for a command or the Python API; "
                            "the account for the dashboard.", True),
     _f("role", "VARCHAR", "The role acted in.", True),
     _f("action", "VARCHAR", "read, release, audit, view, json, download, login_failed, "
                             "login_throttled, account_added, account_removed, token_issued.",
        True),
     _f("what", "VARCHAR", "What was read, published or changed.", True),
     _f("purpose", "VARCHAR", "The declared purpose (self-identification reads)."),
     _f("declared", "VARCHAR", "The name given with `--as` (commands; beside the actor)."),
     _f("detail", "VARCHAR", "JSON: view, filters, audience, channel."),
     _f("prev_hash", "VARCHAR", "Hash of the previous entry (64 zeros for the first).", True),
     _f("hash", "VARCHAR", "SHA-256 of this entry's fields and prev_hash.", True)),
    key=("seq",),
    notes=("Deleting, emptying, dropping or rewriting the log is detected by "
           "`parity audit --verify`, against heads kept outside the log: the head file "
           "`<stem>.audit-head`, e.g. `parity.audit-head` (updated on every entry), and "
           "the `audit_head` of every release's manifest.json.",))

SYSTEM_TABLES: tuple[SystemTable, ...] = (
    LOADS, QUARANTINE, META, RELEASES, RELEASE_CELLS, WEB_USERS, WEB_TOKENS, WEB_SESSIONS,
    WEB_LOGIN_FAILURES, ACCESS_LOG)
