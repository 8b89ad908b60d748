"""Home, login, logout, the caller's identity and the health check."""

from __future__ import annotations

import logging
import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from parity.core.errors import ParityError
from parity.web import access, headlines, sessions
from parity.web.context import Ctx, make_ctx
from parity.web.errors import NotAuthenticated
from parity.web.i18n import N_, gettext
from parity.web.releases import release_states

router = APIRouter()
log = logging.getLogger("parity.web")


def _safe_next(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/")
def home(request: Request) -> Response:
    ctx = make_ctx(request)
    user = ctx.viewer()
    views = ctx.visible_views(user)
    problems = [r for r in release_states(ctx.runtime.store, served_only=True) if r["problem"]] \
        if user.role == "admin" else []
    return ctx.render("index.html", viewer=user, views=views, release_problems=problems,
                      headlines=headlines.figures(ctx, user),
                      page_title=gettext(ctx.lang, N_("Home")))


@router.get("/api/home")
def home_json(request: Request) -> Response:
    """The home page's JSON twin: the views the caller may open and the headline figures."""
    ctx = make_ctx(request)
    user = ctx.viewer()
    views = [{"slug": v.slug, "title": gettext(ctx.lang, v.title),
              "page_url": f"/views/{v.slug}", "json_url": f"/api/views/{v.slug}"}
             for v in ctx.visible_views(user)]
    body = {"lang": ctx.lang, "user": {"name": user.name, "role": user.role},
            "headlines": headlines.figures(ctx, user), "views": views}
    return ctx.finish(JSONResponse(body))


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    ctx = make_ctx(request)
    return ctx.render("login.html", next=_safe_next(next), failed=False,
                      page_title=gettext(ctx.lang, "Log in"))


def _record(ctx: Ctx, action: str, name: str, what: str) -> None:
    """A failed or refused login: in the server log and in the audit log (the control
    database takes entries whether the store is served read-only or not)."""
    log.warning("%s: user %r, %s", action, name, what)
    try:
        access.login_refused(ctx, name, action, why=what)
    except ParityError as exc:
        log.warning("The %s entry could not be written to the audit log: %s", action, exc.message)


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          csrf_token: Annotated[str | None, Form()] = None,
          next: Annotated[str | None, Form()] = None) -> Response:
    ctx = make_ctx(request)
    security = ctx.runtime.security
    security.check_csrf(request, csrf_token)
    name = username.strip()
    address = request.client.host if request.client else "unknown"
    keys = [f"account:{name.lower()}", f"address:{address}"]
    now = sessions.now()
    wait = sessions.wait_left(security.book, keys, now)
    page = {"next": _safe_next(next), "username": username,
            "page_title": gettext(ctx.lang, "Log in")}
    if wait > 0:
        seconds = math.ceil(wait)
        _record(ctx, "login_throttled", name, f"from {address}; refused, {seconds} s to wait")
        refused = ctx.render("login.html", status=429, failed=False, wait=seconds, **page)
        refused.headers["Retry-After"] = str(seconds)
        return refused
    user = security.directory.authenticate(name, password)
    if user is None:
        counts = [security.book.fail(key, now) for key in keys]
        _record(ctx, "login_failed", name, f"from {address}; failure {counts[0]} in a row "
                f"for the account, {counts[1]} from the address")
        return ctx.render("login.html", status=401, failed=True, **page)
    security.book.reset(keys[0])
    response = RedirectResponse(_safe_next(next), status_code=303)
    security.start_session(request, response, user)
    return ctx.finish(response)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> Response:
    ctx = make_ctx(request)
    ctx.runtime.security.check_csrf(request, csrf_token)
    response = RedirectResponse("/login", status_code=303)
    ctx.runtime.security.end_session(request, response)
    return ctx.finish(response)


@router.get("/api/me")
def me(request: Request) -> Response:
    ctx = make_ctx(request)
    user = ctx.user
    if user is None:
        if not ctx.runtime.settings.public_access:
            raise NotAuthenticated()
        user = ctx.viewer()
    body = {"name": user.name, "role": user.role, "nationality": user.nationality,
            "entity": user.entity, "lang": ctx.lang,
            "views": [v.slug for v in ctx.visible_views(user)]}
    return ctx.finish(JSONResponse(body))


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> Response:
    runtime = request.app.state.runtime
    state = runtime.state.current()
    # the data version read once per store state (it fingerprints the tables' content)
    return JSONResponse({"status": "ok", "store_loads": state[1],
                         "data_version": make_ctx(request).data_as_of().version})
