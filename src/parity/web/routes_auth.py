"""Home, login, logout, the caller's identity and the health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from parity.core.disclosure import release_log
from parity.web import access
from parity.web.context import make_ctx
from parity.web.errors import NotAuthenticated
from parity.web.i18n import gettext

router = APIRouter()


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
    return ctx.render("index.html", viewer=user, views=views, page_title=gettext(ctx.lang, "Home"))


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    ctx = make_ctx(request)
    return ctx.render("login.html", next=_safe_next(next), failed=False,
                      page_title=gettext(ctx.lang, "Log in"))


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          csrf_token: Annotated[str | None, Form()] = None,
          next: Annotated[str | None, Form()] = None) -> Response:
    ctx = make_ctx(request)
    security = ctx.runtime.security
    security.check_csrf(request, csrf_token)
    user = security.directory.authenticate(username.strip(), password)
    if user is None:
        access.login_refused(ctx, username)
        return ctx.render("login.html", status=401, next=_safe_next(next), failed=True,
                          username=username, page_title=gettext(ctx.lang, "Log in"))
    response = RedirectResponse(_safe_next(next), status_code=303)
    security.start_session(response, user)
    return ctx.finish(response)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> Response:
    ctx = make_ctx(request)
    ctx.runtime.security.check_csrf(request, csrf_token)
    response = RedirectResponse("/login", status_code=303)
    ctx.runtime.security.end_session(response)
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
    return JSONResponse({"status": "ok", "store_loads": state[1],
                         "data_version": release_log.data_version(runtime.store)})
