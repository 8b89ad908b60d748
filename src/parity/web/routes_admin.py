"""Account administration for the admin role: list, add, remove, issue API tokens; list
and revoke sessions (page and JSON twin).

The server serves the store read-only; for each change it lets go of the store, writes
through a short-lived writable connection and reopens it (``parity users`` also works while
the server runs: it waits for the server to let go). With ``read_only`` set, accounts
cannot change here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from parity.web import access, users
from parity.web.context import Ctx, make_ctx, wants_json
from parity.web.errors import WebError
from parity.web.i18n import N_, gettext
from parity.web.security import require_role
from parity.web.sessions import SessionRecord
from parity.web.users import User

router = APIRouter()
ADMINS = frozenset({"admin"})


def _admin(request: Request) -> tuple[Ctx, User]:
    ctx = make_ctx(request)
    user = ctx.viewer()
    require_role(user, ADMINS)
    return ctx, user


def _writable(ctx: Ctx) -> None:
    if not ctx.runtime.writable:
        raise WebError(409, "read_only", N_("The store is open read-only, so accounts cannot change."),
                       N_("Stop the server and use 'parity users', or serve the store read-write."))


def _page(ctx: Ctx, user: User, status: int = 200, **extra: object) -> Response:
    return ctx.render("admin_users.html", status=status, viewer=user,
                      accounts=users.list_users(ctx.runtime.store), roles=users.ROLES,
                      page_title=gettext(ctx.lang, "Accounts"), **extra)


@router.get("/admin/users")
def accounts(request: Request) -> Response:
    ctx, user = _admin(request)
    return _page(ctx, user)


@router.post("/admin/users")
def add_account(request: Request, username: Annotated[str, Form()], role: Annotated[str, Form()],
                nationality: Annotated[str | None, Form()] = None,
                entity: Annotated[str | None, Form()] = None,
                csrf_token: Annotated[str | None, Form()] = None) -> Response:
    ctx, user = _admin(request)
    ctx.runtime.security.check_csrf(request, csrf_token)
    _writable(ctx)
    password = ctx.runtime.write(lambda store: users.add_user(
        store, username.strip(), role, nationality=(nationality or "").strip() or None,
        entity=(entity or "").strip() or None))
    ctx.runtime.security.directory.forget()
    access.account_changed(ctx, user, "account_added", username.strip())
    return _page(ctx, user, created={"name": username.strip(), "password": password})


@router.post("/admin/users/{name}/remove")
def remove_account(name: str, request: Request,
                   csrf_token: Annotated[str | None, Form()] = None) -> Response:
    ctx, user = _admin(request)
    ctx.runtime.security.check_csrf(request, csrf_token)
    _writable(ctx)
    if name == user.name:
        raise WebError(400, "invalid_input", N_("You cannot remove your own account."),
                       N_("Ask another administrator to do it."))
    ctx.runtime.write(lambda store: users.remove_user(store, name))
    ctx.runtime.security.revoke_user(name)
    ctx.runtime.security.directory.forget()
    access.account_changed(ctx, user, "account_removed", name)
    return _page(ctx, user, removed=name)


@router.post("/admin/users/{name}/token")
def new_token(name: str, request: Request,
              csrf_token: Annotated[str | None, Form()] = None) -> Response:
    ctx, user = _admin(request)
    ctx.runtime.security.check_csrf(request, csrf_token)
    _writable(ctx)
    token = ctx.runtime.write(
        lambda store: users.issue_token(store, name, label="issued on the accounts page"))
    access.account_changed(ctx, user, "token_issued", name)
    return _page(ctx, user, token={"name": name, "token": token})


def utc(seconds: float) -> str:
    """A Unix time as UTC, to the second."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _session(record: SessionRecord, current: str | None) -> dict[str, object]:
    return {"id": record.id, "name": record.name, "created_at": utc(record.created_at),
            "expires_at": utc(record.expires_at), "address": record.address,
            "agent": record.agent, "current": record.session_hash == current}


def _sessions_answer(ctx: Ctx, user: User, **extra: Any) -> Response:
    security = ctx.runtime.security
    current = security.current_session(ctx.request)
    rows = [_session(r, current) for r in security.book.active()]
    if wants_json(ctx.request):
        return ctx.finish(JSONResponse({"sessions": rows, **extra}))
    return ctx.render("admin_sessions.html", viewer=user, sessions=rows,
                      page_title=gettext(ctx.lang, "Sessions"), **extra)


@router.get("/admin/sessions")
@router.get("/api/admin/sessions")
def list_sessions(request: Request) -> Response:
    ctx, user = _admin(request)
    return _sessions_answer(ctx, user)


@router.post("/admin/sessions/{session_id}/revoke")
def revoke_session(session_id: str, request: Request,
                   csrf_token: Annotated[str | None, Form()] = None) -> Response:
    ctx, user = _admin(request)
    ctx.runtime.security.check_csrf(request, csrf_token)
    if not ctx.runtime.security.revoke(session_id):
        raise WebError(404, "not_found", N_("There is no such session (it may have ended)."),
                       N_("Reload the sessions page."))
    return _sessions_answer(ctx, user, revoked=session_id)
