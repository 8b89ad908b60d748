"""Per-request context: the runtime, the user, the language, and page rendering."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from parity.core.output import DataAsOf, data_as_of
from parity.web import headers, i18n
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


@lru_cache(maxsize=len(i18n.LANGUAGES))
def formatter(lang: str) -> Formatter:
    """One formatter per language (it holds no per-request state)."""
    return Formatter(lang)


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
        return formatter(self.lang)

    def viewer(self) -> User:
        return self.runtime.security.viewer(self.request)

    def visible_views(self, user: User | None) -> list[View]:
        if user is None:
            return []
        return [v for v in registry().values() if user.role in v.roles]

    def url(self, path: str, **query: str | None) -> str:
        pairs = {k: v for k, v in query.items() if v not in (None, "")}
        return path + ("?" + urlencode(pairs) if pairs else "")

    def _frame(self, role: str | None) -> dict[str, Any]:
        """What base.html needs besides the user's account block and the main content."""
        current = self.request.url.path
        query = {k: v for k, v in self.request.query_params.items() if k != "lang"}
        languages = [{"code": code, "name": name, "current": code == self.lang,
                      "url": self.url(current, **query, lang=code)}
                     for code, name in i18n.endonyms().items()]
        views = [v for v in registry().values() if role in v.roles] if role else []
        nav = [{"title": v.title, "url": f"/views/{v.slug}",
                "current": current.startswith(f"/views/{v.slug}")} for v in views]
        return {"lang": self.lang, "dir": i18n.direction(self.lang), "role": role, "nav": nav,
                "languages": languages, "role_names": ROLE_NAMES, "fmt": self.fmt,
                "path": current, "data_as_of": self.data_as_of() if role else None}

    def data_as_of(self) -> DataAsOf:
        """The store's data version, last load and latest snapshot (read again after a load)."""
        state = self.runtime.state.current()
        kept = _AS_OF.get(id(self.runtime))
        if kept is None or kept[0] != state:
            kept = (state, data_as_of(self.runtime.store))
            _AS_OF[id(self.runtime)] = kept
        return kept[1]

    def _account(self, user: User | None, csrf: str) -> Markup:
        if user is None:
            return Markup("")
        return Markup(self.runtime.templates.get_template("account.html").render(
            lang=self.lang, user=user, csrf=csrf, role_names=ROLE_NAMES))

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        user = context.pop("viewer", None) or self.user
        csrf = self.runtime.security.csrf_token(self.request)
        html = self.runtime.templates.get_template(template).render(
            **self._frame(user.role if user else None), user=user, csrf=csrf,
            account=self._account(user, csrf), **context)
        response = HTMLResponse(html, status_code=status)
        self.finish(response)
        return response

    def render_view(self, user: User, body: str, charts: bool, title: str) -> HTMLResponse:
        """A view's page: the account block and the view's (cached) body in a frame that is
        rendered once per language, role, address and title, then kept."""
        csrf = self.runtime.security.csrf_token(self.request)
        query = tuple((k, v) for k, v in self.request.query_params.items() if k != "lang")
        key = (self.lang, user.role, self.request.url.path, query, title, charts,
               self.runtime.state.current())
        frames = self.runtime.frames
        parts = frames.get(key)
        if parts is None:
            html = self.runtime.templates.get_template("view_page.html").render(
                **self._frame(user.role), user=None, csrf="", account=ACCOUNT_MARK,
                body=BODY_MARK, charts=charts, page_title=title)
            parts = _split_frame(html)
            if parts is None:  # a template changed the marks: render the whole page instead
                return self.render("view_page.html", viewer=user, body=Markup(body),
                                   charts=charts, page_title=title)
            if len(frames) >= FRAMES_KEPT:
                frames.clear()
            frames[key] = parts
        head, middle, tail = parts
        # plain str joined (a Markup operand would escape the others)
        html = "".join((head, str(self._account(user, csrf)), middle, body, tail))
        response = HTMLResponse(html)
        self.finish(response)
        return response

    def finish(self, response: Response) -> Response:
        """Security headers, the language cookie and the CSRF cookie."""
        headers.apply(response.headers, self.request.url.path, response.status_code)
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
                           hint=hint, status_code=err.status, page_title=message)


#: The data as of, per runtime, with the store state it was read at.
_AS_OF: dict[int, tuple[tuple[int, int, int], DataAsOf]] = {}

#: Where the account block and the main content go in a kept frame (never in real text).
ACCOUNT_MARK = Markup("\x00parity:account\x00")
BODY_MARK = Markup("\x00parity:body\x00")
#: Frames kept per process (a few kB each).
FRAMES_KEPT = 4096


def _split_frame(html: str) -> tuple[str, str, str] | None:
    """(before the account, between account and body, after the body), or None unless each
    mark occurs exactly once and nothing else looks like a mark."""
    if html.count(ACCOUNT_MARK) != 1 or html.count(BODY_MARK) != 1 or html.count("\x00") != 4:
        return None
    head, rest = html.split(ACCOUNT_MARK)
    if BODY_MARK not in rest:
        return None
    middle, tail = rest.split(BODY_MARK)
    return head, middle, tail


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
