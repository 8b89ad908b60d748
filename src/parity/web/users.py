"""Local accounts and API tokens, kept in the store (tables this package creates).

Passwords are hashed with Argon2id (argon2-cffi). API tokens are 256-bit random strings;
only their SHA-256 is stored (a fast hash is enough for a secret of that entropy, and
lets a token be looked up by its hash). The session-signing key is never kept in the
store (see :mod:`parity.web.keys`): a key left there by an older version is deleted.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from parity.core import reference, schema
from parity.core.disclosure.policy import ROLES as POLICY_ROLES
from parity.core.errors import UserInputError
from parity.core.store import Store

#: The roles of the dashboard, from the widest audience to the most trusted.
ROLES: tuple[str, ...] = POLICY_ROLES
#: Roles that see unreleased (full-resolution) analyst tables. As in the disclosure policy,
#: an admin manages accounts and releases but sees data as all staff do.
ANALYST_ROLES: frozenset[str] = frozenset({"analyst"})
TOKEN_PREFIX = "parity_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")

DDL = (*(t.ddl() for t in (schema.WEB_USERS, schema.WEB_TOKENS)),
       # Older versions kept the session-signing key in the store: remove it.
       "DROP TABLE IF EXISTS main.web_secrets")

_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    """An account: who it is and what it may see."""

    name: str
    role: str
    nationality: str | None = None
    entity: str | None = None

    @property
    def is_analyst(self) -> bool:
        return self.role in ANALYST_ROLES


def ensure_tables(store: Store) -> None:
    """Create the account tables if they are missing (a read-write store only)."""
    with store.cursor() as cur:
        for stmt in DDL:
            cur.execute(stmt)


def has_tables(cur: duckdb.DuckDBPyConnection) -> bool:
    row = cur.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = 'web_users'").fetchone()
    return bool(row and row[0])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_password() -> str:
    """A random password that is easy to type: four groups of five characters."""
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def validate(name: str, role: str, nationality: str | None, entity: str | None) -> None:
    """Check an account's fields; a UserInputError names the problem and the fix."""
    if not _NAME.match(name):
        raise UserInputError(
            f"'{name}' is not a valid user name.",
            "Use 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.")
    if role not in ROLES:
        raise UserInputError(f"'{role}' is not a role.", f"Use one of: {', '.join(ROLES)}.")
    if role == "member_state":
        members = set(reference.member_states()["iso3"].to_list())
        if nationality is None or nationality.upper() not in members:
            raise UserInputError(
                "A member_state account needs --nationality with the ISO3 code of a Member State.",
                "For example: --nationality KEN.")
    if role == "manager" and not entity:
        raise UserInputError("A manager account needs --entity with the code of its entity.",
                             "For example: --entity DPPA.")


def add_user(store: Store, name: str, role: str, password: str | None = None,
             nationality: str | None = None, entity: str | None = None) -> str:
    """Create an account and return its password (a new random one unless given)."""
    validate(name, role, nationality, entity)
    if password is not None and len(password) < 10:
        raise UserInputError("The password is too short.", "Use at least 10 characters.")
    ensure_tables(store)
    password = password or new_password()
    with store.cursor() as cur:
        if cur.execute("SELECT 1 FROM main.web_users WHERE name = ?", [name]).fetchone():
            raise UserInputError(f"A user named '{name}' already exists.",
                                 "Choose another name, or remove it first with 'parity users remove'.")
        cur.execute(
            "INSERT INTO main.web_users VALUES (?, ?, ?, ?, ?, ?)",
            [name, role, nationality.upper() if nationality else None, entity,
             hash_password(password), datetime.now(UTC).replace(tzinfo=None)])
    return password


def remove_user(store: Store, name: str) -> None:
    ensure_tables(store)
    with store.cursor() as cur:
        if not cur.execute("SELECT 1 FROM main.web_users WHERE name = ?", [name]).fetchone():
            raise UserInputError(f"There is no user named '{name}'.",
                                 "See the accounts with 'parity users list'.")
        cur.execute("DELETE FROM main.web_tokens WHERE name = ?", [name])
        cur.execute("DELETE FROM main.web_users WHERE name = ?", [name])


def issue_token(store: Store, name: str, label: str | None = None) -> str:
    """Create an API token for ``name``; the token is shown once and only its hash is kept."""
    ensure_tables(store)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.cursor() as cur:
        if not cur.execute("SELECT 1 FROM main.web_users WHERE name = ?", [name]).fetchone():
            raise UserInputError(f"There is no user named '{name}'.",
                                 "Create it first with 'parity users add'.")
        cur.execute("INSERT INTO main.web_tokens VALUES (?, ?, ?, ?)",
                    [hash_token(token), name, label, datetime.now(UTC).replace(tzinfo=None)])
    return token


def list_users(store: Store) -> list[dict[str, object]]:
    """Every account with its number of tokens (never a hash)."""
    with store.cursor() as cur:
        if not has_tables(cur):
            return []
        rows = cur.execute(
            "SELECT u.name, u.role, u.nationality, u.entity, u.created_at, "
            "count(t.token_hash) AS tokens FROM main.web_users u "
            "LEFT JOIN main.web_tokens t ON t.name = u.name "
            "GROUP BY ALL ORDER BY u.name").fetchall()
    keys = ("name", "role", "nationality", "entity", "created_at", "tokens")
    return [dict(zip(keys, row, strict=True)) for row in rows]


class Directory:
    """Read access to the accounts for the running server (one cursor per call).

    Accounts found by name are kept for ``ttl`` seconds, so a page view costs no query;
    :meth:`forget` drops them at once (after a change made through the server).
    """

    def __init__(self, store: Store, ttl: float = 5.0) -> None:
        self.store = store
        self.ttl = ttl
        self._cache: dict[str, tuple[float, User | None]] = {}

    def forget(self) -> None:
        self._cache.clear()

    def _row_to_user(self, row: tuple[object, ...] | None) -> User | None:
        if row is None:
            return None
        name, role, nationality, entity = row[:4]
        return User(str(name), str(role), None if nationality is None else str(nationality),
                    None if entity is None else str(entity))

    def get(self, name: str) -> User | None:
        now = time.monotonic()
        hit = self._cache.get(name)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        with self.store.cursor() as cur:
            row = cur.execute("SELECT name, role, nationality, entity FROM main.web_users "
                              "WHERE name = ?", [name]).fetchone() if has_tables(cur) else None
        user = self._row_to_user(row)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[name] = (now, user)
        return user

    def authenticate(self, name: str, password: str) -> User | None:
        with self.store.cursor() as cur:
            if not has_tables(cur):
                return None
            row = cur.execute("SELECT name, role, nationality, entity, password_hash "
                              "FROM main.web_users WHERE name = ?", [name]).fetchone()
        if row is None:
            verify_password(_DUMMY_HASH, password)  # same time whether or not the user exists
            return None
        return self._row_to_user(row) if verify_password(str(row[4]), password) else None

    def by_token(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self.store.cursor() as cur:
            if not has_tables(cur):
                return None
            row = cur.execute(
                "SELECT u.name, u.role, u.nationality, u.entity FROM main.web_tokens t "
                "JOIN main.web_users u ON u.name = t.name WHERE t.token_hash = ?",
                [hash_token(token)]).fetchone()
        return self._row_to_user(row)


_DUMMY_HASH = _hasher.hash("parity-dummy-password")
