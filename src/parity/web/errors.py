"""One error shape for every error: ``{"error": {"code", "message", "hint"}}``.

Core exceptions (``parity.core.errors``) map to HTTP statuses here; the same three fields
fill the HTML error page. Unexpected exceptions answer 500 with no internal detail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from parity.core import errors as core
from parity.web.i18n import N_

log = logging.getLogger("parity.web")


@dataclass
class WebError(Exception):
    """An error the web layer answers with, already in its public shape."""

    status: int
    code: str
    message: str
    hint: str | None = None

    def body(self) -> dict[str, dict[str, str | None]]:
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}


class NotAuthenticated(WebError):
    """No valid login: 401 for the API, a redirect to the login page for HTML."""

    def __init__(self, message: str = N_("You need to log in to see this page."),
                 hint: str | None = N_("Log in, or send an API token in the header "
                                       "'Authorization: Bearer <token>'.")) -> None:
        super().__init__(401, "unauthenticated", message, hint)


class Forbidden(WebError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(403, "forbidden", message, hint)


class NotFound(WebError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(404, "not_found", message, hint)


#: Core exception types and their HTTP answer, most specific first.
STATUS_OF: tuple[tuple[type[core.ParityError], int, str], ...] = (
    (core.AccessDeniedError, 403, "forbidden"),
    (core.StoreLockedError, 503, "store_busy"),
    (core.EmptyStoreError, 404, "no_data"),
    (core.StoreError, 503, "store_unavailable"),
    (core.SettingsError, 500, "settings"),
    (core.UserInputError, 400, "invalid_input"),
    (core.ParityError, 500, "parity_error"),
)


def from_exception(exc: BaseException) -> WebError:
    """The public form of any exception."""
    if isinstance(exc, WebError):
        return exc
    if isinstance(exc, core.ParityError):
        for cls, status, code in STATUS_OF:
            if isinstance(exc, cls):
                return WebError(status, code, exc.message, exc.hint)
    log.exception("unexpected error", exc_info=exc)
    return WebError(500, "internal", N_("Something went wrong on the server."),
                    N_("Try again; if it keeps happening, tell the administrator when it happened."))
