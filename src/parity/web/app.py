"""The dashboard's application factory.

``create_app()`` reads :class:`WebSettings` (``PARITY_WEB_*``, ``[web]`` in parity.toml),
opens the store and returns a FastAPI application; ``parity serve`` runs it with uvicorn,
and a production server runs ``uvicorn --factory parity.web.app:create_app`` (see
docs/dashboard.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from parity.core.errors import ParityError, StoreLockedError
from parity.core.store import Store
from parity.web import precompute, routes_admin, routes_admin_log, routes_auth, routes_views
from parity.web.config import WebSettings
from parity.web.context import bare_ctx, wants_json
from parity.web.errors import NotAuthenticated, WebError, from_exception
from parity.web.headers import SecurityHeaders
from parity.web.i18n import N_
from parity.web.lease import HoldStore
from parity.web.runtime import STATIC_DIR, Runtime
from parity.web.security import Authenticator
from parity.web.views import registry


def _answer(request: Request, err: WebError) -> Response:
    ctx = bare_ctx(request)
    if isinstance(err, NotAuthenticated) and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return ctx.finish(RedirectResponse(ctx.url("/login", next=target), status_code=303))
    return ctx.error(err)


def _refuse(scope: Scope, exc: StoreLockedError) -> Response:
    return _answer(Request(scope), from_exception(exc))


def create_app(settings: WebSettings | None = None, *, store: Store | None = None,
               authenticators: Sequence[Authenticator] = ()) -> FastAPI:
    """A dashboard application on the store of ``settings`` (or on an open ``store``).

    ``authenticators`` are extra ways to know a user (the single-sign-on seam): each is
    called with the request and the account directory and returns a user or None.
    """
    settings = settings or WebSettings.load()
    runtime = Runtime.open(settings, store, authenticators)
    # Import every view and compile the per-request templates now, not in a first request
    # (a worker must not keep its first users waiting for a second of imports).
    registry()
    for name in ("view_page.html", "error.html", "login.html", "index.html", "admin_users.html",
                 "admin_sessions.html", "admin_releases.html", "admin_audit.html"):
        runtime.templates.get_template(name)
    if settings.precompute:
        precompute.warm(runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        runtime.close()

    app = FastAPI(title="Parity", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.runtime = runtime
    if runtime.lease is not None:
        app.add_middleware(HoldStore, lease=runtime.lease, refuse=_refuse)
    # Added last, so outermost: the headers are on every answer, the lease's 503 included.
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(routes_auth.router)
    app.include_router(routes_views.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_admin_log.router)

    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError) -> Response:
        return _answer(request, exc)

    @app.exception_handler(ParityError)
    async def parity_error(request: Request, exc: ParityError) -> Response:
        return _answer(request, from_exception(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            err = WebError(404, "not_found", N_("There is no page at this address."),
                           N_("Go to the home page to find the views."))
        elif exc.status_code == 405:
            err = WebError(405, "method_not_allowed", N_("This address does not accept that method."))
        else:
            err = WebError(exc.status_code, "http_error", str(exc.detail))
        return _answer(request, err)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return _answer(request, WebError(400, "invalid_input", N_("The request is incomplete or invalid."),
                                         N_("Send the form again from the page.")))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return _answer(request, from_exception(exc))

    return app
