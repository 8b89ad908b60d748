"""Per-request context: the runtime, the user, the language, and page rendering."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from parity.web import i18n
from parity.web.errors import WebError
from parity.web.formatting import Formatter
from parity.web.runtime import Runtime
from parity.web.users import User
from parity.web.views import registry
from parity.web.views.base import View

ROLE_NAMES: dict[str, str] = {
    "public": i18n.N_("All staff"),
    "member_state": i18n.N_("Member State"),
    "manager": i18n.N_("Manager"),
    "analyst": i18n.N_("Analyst"),
    "admin": i18n.N_("Administrator"),
}
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"),
}


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


@dataclass
class Ctx:
    """What a handler needs about its request."""

    request: Request
    runtime: Runtime
    lang: str
    user: User | None

    @property
    def fmt(self) -> Formatter:
        return Formatter(self.lang)

    def viewer(self) -> User:
        return self.runtime.security.viewer(self.request)

    def visible_views(self, user: User | None) -> list[View]:
        if user is None:
            return []
        return [v for v in registry().values() if user.role in v.roles]

    def url(self, path: str, **query: str | None) -> str:
        pairs = {k: v for k, v in query.items() if v not in (None, "")}
        return path + ("?" + urlencode(pairs) if pairs else "")

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        request, runtime = self.request, self.runtime
        user = context.pop("viewer", None) or self.user
        current = request.url.path
        query = {k: v for k, v in request.query_params.items() if k != "lang"}
        languages = [{"code": code, "name": name, "current": code == self.lang,
                      "url": self.url(current, **query, lang=code)}
                     for code, name in i18n.endonyms().items()]
        nav = [{"title": v.title, "url": f"/views/{v.slug}",
                "current": current.startswith(f"/views/{v.slug}")}
               for v in self.visible_views(user)]
        html = runtime.templates.get_template(template).render(
            lang=self.lang, dir=i18n.direction(self.lang), user=user, nav=nav,
            languages=languages, csrf=runtime.security.csrf_token(request),
            role_names=ROLE_NAMES, fmt=self.fmt, path=current, **context)
        response = HTMLResponse(html, status_code=status)
        self.finish(response)
        return response

    def finish(self, response: Response) -> Response:
        """Security headers, the language cookie and the CSRF cookie."""
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        response.headers.setdefault("Vary", "Cookie, Accept-Language")
        chosen = self.request.query_params.get("lang")
        if chosen in i18n.LANGUAGES and self.request.cookies.get(i18n.LANG_COOKIE) != chosen:
            response.set_cookie(i18n.LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax",
                                secure=self.runtime.settings.https, path="/")
        self.runtime.security.remember_csrf(self.request, response)
        return response

    def error(self, err: WebError) -> Response:
        """The one error shape, as JSON or as a page, with messages in the request's language."""
        message = i18n.gettext(self.lang, err.message)
        hint = i18n.gettext(self.lang, err.hint) if err.hint else None
        if wants_json(self.request):
            body = {"error": {"code": err.code, "message": message, "hint": hint}}
            return self.finish(JSONResponse(body, status_code=err.status))
        return self.render("error.html", status=err.status, code=err.code, message=message,
                           hint=hint, status_code=err.status)


def make_ctx(request: Request) -> Ctx:
    """Build the context; identifies the user (a bad API token raises 401 here)."""
    runtime: Runtime = request.app.state.runtime
    lang = i18n.negotiate(request.query_params.get("lang"), request.cookies.get(i18n.LANG_COOKIE),
                          request.headers.get("accept-language"))
    request.state.lang = lang
    user = runtime.security.identify(request)
    request.state.user = user
    return Ctx(request, runtime, lang, user)


def bare_ctx(request: Request) -> Ctx:
    """A context for error handlers: never raises."""
    runtime: Runtime = request.app.state.runtime
    lang = getattr(request.state, "lang", None) or i18n.negotiate(
        request.query_params.get("lang"), request.cookies.get(i18n.LANG_COOKIE),
        request.headers.get("accept-language"))
    return Ctx(request, runtime, lang, getattr(request.state, "user", None))
