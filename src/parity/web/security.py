"""Who is asking: sessions, API tokens, trusted proxy headers, CSRF, roles.

- A login creates a server-side session (:mod:`parity.web.sessions`) and sets a signed,
  HttpOnly, SameSite=Lax cookie carrying its token (Secure behind https); logging out or
  an administrator's revocation deletes the session, so a copied cookie stops working.
- ``Authorization: Bearer parity_…`` authenticates API clients; such requests carry no
  cookies, so they need no CSRF token.
- Every POST made with cookies must carry ``csrf_token`` equal to the signed
  ``parity_csrf`` cookie (double submit), and a cross-site Origin is refused.
- An authenticating reverse proxy (OIDC/SAML) may name the user in a header, honoured only
  from trusted addresses; other single-sign-on schemes plug in as *authenticators*.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from parity.web.config import WebSettings
from parity.web.errors import Forbidden, NotAuthenticated, WebError
from parity.web.i18n import N_
from parity.web.sessions import Book, SessionRecord, token_hash
from parity.web.users import Directory, User

SESSION_COOKIE = "parity_session"
CSRF_COOKIE = "parity_csrf"
CSRF_FIELD = "csrf_token"
ANONYMOUS = User(name="anonymous", role="public")

#: A pluggable way to know the user (e.g. an Authlib OIDC callback that stored a name).
Authenticator = Callable[[Request, Directory], User | None]


#: Seconds a session found in the book is trusted before it is looked up again (a session
#: revoked by another worker process ends within this time; in this process, at once).
SESSION_RECHECK = 2.0


@dataclass
class Security:
    """Signing keys, the session book and the ways of knowing a user, shared by every request."""

    settings: WebSettings
    directory: Directory
    secret_key: str
    book: Book
    authenticators: Sequence[Authenticator] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        self._sessions = URLSafeTimedSerializer(self.secret_key, salt="parity-session")
        self._csrf = URLSafeTimedSerializer(self.secret_key, salt="parity-csrf")
        #: Cookies whose signature was checked: session cookie -> (session hash, user name,
        #: time of the last look-up in the book), CSRF cookie -> token. A browser sends the
        #: same cookie with every request, so each signature is verified once; a forged or
        #: expired cookie is never remembered.
        self._verified_sessions: dict[str, tuple[str, str, float]] = {}
        self._verified_csrf: dict[str, str] = {}

    # -------------------------------------------------------------- identity
    def identify(self, request: Request) -> User | None:
        """The user behind a request, or None (anonymous)."""
        auth = request.headers.get("authorization", "")
        if auth:
            scheme, _, token = auth.partition(" ")
            user = self.directory.by_token(token.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                raise NotAuthenticated(N_("The API token is not valid."),
                                       N_("Ask an administrator for a new token."))
            return user
        header = self.settings.trusted_user_header
        if header and request.headers.get(header):
            host = request.client.host if request.client else ""
            if host in self.settings.trusted_proxies:
                user = self.directory.get(request.headers[header])
                if user is None:
                    raise Forbidden(N_("Your account is not registered in Parity."),
                                    N_("Ask an administrator to create it with your role."))
                return user
        for authenticate in self.authenticators:
            user = authenticate(request, self.directory)
            if user is not None:
                return user
        return self.session_user(request)

    def _session_hash(self, raw: str) -> str | None:
        """The hash of the session a cookie names, if its signature and age are valid."""
        try:
            data = self._sessions.loads(raw, max_age=int(self.settings.session_hours * 3600))
        except BadSignature:
            return None
        token = data.get("s") if isinstance(data, dict) else None
        return token_hash(token) if isinstance(token, str) else None

    def session_user(self, request: Request) -> User | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        now = time.monotonic()
        known = self._verified_sessions.get(raw)
        if known is not None and now - known[2] < SESSION_RECHECK:
            return self.directory.get(known[1])
        digest = known[0] if known is not None else self._session_hash(raw)
        record = self.book.get(digest) if digest else None
        if record is None:
            self._verified_sessions.pop(raw, None)
            return None
        _remember(self._verified_sessions, raw, (record.session_hash, record.name, now))
        return self.directory.get(record.name)

    def viewer(self, request: Request) -> User:
        """The user, or the public audience when public access is on; else 401."""
        user: User | None = getattr(request.state, "user", None)
        if user is not None:
            return user
        if self.settings.public_access:
            return ANONYMOUS
        raise NotAuthenticated()

    # -------------------------------------------------------------- cookies
    def _cookie(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                            secure=self.settings.https, path="/")

    def start_session(self, request: Request, response: Response, user: User) -> None:
        """Record a new session for ``user`` and set its cookie (and a new CSRF token)."""
        token = secrets.token_urlsafe(32)
        seconds = int(self.settings.session_hours * 3600)
        now = time.time()
        agent = request.headers.get("user-agent", "")[:200] or None
        self.book.add(SessionRecord(token_hash(token), user.name, now, now + seconds,
                                    request.client.host if request.client else None, agent))
        self._cookie(response, SESSION_COOKIE, self._sessions.dumps({"s": token}), seconds)
        self.new_csrf(response)

    def end_session(self, request: Request, response: Response) -> None:
        """Delete the request's session on the server and its cookie in the browser."""
        raw = request.cookies.get(SESSION_COOKIE)
        digest = self._session_hash(raw) if raw else None
        if digest:
            self.book.revoke(digest)
        self._verified_sessions.pop(raw or "", None)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=self.settings.https,
                               httponly=True, samesite="lax")
        self.new_csrf(response)

    def current_session(self, request: Request) -> str | None:
        """The hash of the request's session (None without a valid session cookie)."""
        raw = request.cookies.get(SESSION_COOKIE)
        return self._session_hash(raw) if raw else None

    def revoke(self, session_id: str) -> int:
        """End a session by its public id (an administrator's action); how many ended."""
        ended = self.book.revoke(session_id)
        self._verified_sessions.clear()
        return ended

    def revoke_user(self, name: str) -> int:
        """End every session of an account (after it is removed)."""
        ended = self.book.revoke_user(name)
        self._verified_sessions.clear()
        return ended

    # -------------------------------------------------------------- CSRF
    def csrf_token(self, request: Request) -> str:
        """The request's CSRF token (a new one when the cookie is missing or invalid)."""
        current = getattr(request.state, "csrf", None)
        if isinstance(current, str):
            return current
        token = self._read_csrf(request)
        if token is None:
            token = secrets.token_urlsafe(24)
            request.state.csrf_new = True
        request.state.csrf = token
        return token

    def _read_csrf(self, request: Request) -> str | None:
        raw = request.cookies.get(CSRF_COOKIE)
        if not raw:
            return None
        known = self._verified_csrf.get(raw)
        if known is not None:
            return known
        try:
            value = self._csrf.loads(raw)
        except BadSignature:
            return None
        if not isinstance(value, str):
            return None
        _remember(self._verified_csrf, raw, value)
        return value

    def remember_csrf(self, request: Request, response: Response) -> None:
        """Set the CSRF cookie if this request created a token."""
        token = getattr(request.state, "csrf", None)
        if not isinstance(token, str) or not getattr(request.state, "csrf_new", False):
            return
        prefix = f"{CSRF_COOKIE}=".encode()
        if any(k == b"set-cookie" and v.startswith(prefix) for k, v in response.raw_headers):
            return
        self._cookie(response, CSRF_COOKIE, self._csrf.dumps(token), None)

    def new_csrf(self, response: Response) -> None:
        self._cookie(response, CSRF_COOKIE, self._csrf.dumps(secrets.token_urlsafe(24)), None)

    def check_csrf(self, request: Request, submitted: str | None) -> None:
        """Refuse a cookie-authenticated POST without the matching token or from another site."""
        if request.headers.get("authorization"):
            return
        origin = request.headers.get("origin")
        if origin and origin != "null":
            host = request.headers.get("host", "")
            if urlsplit(origin).netloc != host:
                raise WebError(403, "csrf", N_("The form was sent from another site."),
                               N_("Reload the page and send the form again."))
        expected = self._read_csrf(request)
        if not expected or not submitted or not hmac.compare_digest(expected, submitted):
            raise WebError(403, "csrf", N_("The form has expired or was not sent from this site."),
                           N_("Reload the page and send the form again."))


#: Verified cookies remembered per process (each is a few hundred bytes).
VERIFIED_COOKIES = 10_000


def _remember(memo: dict[str, Any], raw: str, value: Any) -> None:
    if len(memo) >= VERIFIED_COOKIES:
        memo.clear()
    memo[raw] = value


def require_role(user: User, roles: frozenset[str]) -> None:
    if user.role not in roles:
        raise Forbidden(N_("Your role does not give access to this page."),
                        N_("Ask an administrator if you need it."))
