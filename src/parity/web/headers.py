"""Security and caching headers on every response.

:class:`SecurityHeaders` is an ASGI middleware around the whole application, so pages,
JSON, downloads, static files, the health check, redirects and error answers all carry
the same policy (handlers may set their own value first; it is kept):

- ``Content-Security-Policy`` (scripts and styles from this site only; ``frame-ancestors
  'none'``) and ``X-Frame-Options: DENY``: no other site may frame the dashboard;
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``;
- ``Cache-Control: no-store`` on everything but ``/static/``: no page, JSON answer or
  download (which may hold unreleased figures) is kept by a browser or proxy cache; the
  static files (scripts, styles, fonts) that were found may be cached for an hour.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"),
}
NO_STORE = "no-store"
STATIC_PREFIX = "/static/"
STATIC_CACHE = "public, max-age=3600"


def apply(headers: MutableHeaders, path: str, status: int) -> None:
    """Add the security headers and the caching rule for a response with ``status`` to
    ``path`` (values already set win)."""
    for key, value in SECURITY_HEADERS.items():
        headers.setdefault(key, value)
    static = path.startswith(STATIC_PREFIX) and (200 <= status < 300 or status == 304)
    headers.setdefault("Cache-Control", STATIC_CACHE if static else NO_STORE)


class SecurityHeaders:
    """ASGI middleware adding :func:`apply`'s headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply(MutableHeaders(scope=message), path, int(message["status"]))
            await send(message)

        await self.app(scope, receive, send_with_headers)
