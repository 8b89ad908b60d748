"""Who saw what: the dashboard's entries in the audit log.

Every view page, JSON answer and download served to a signed-in user is one entry (account,
role, view, filters, audience, language, time), as is every failed or refused login and
every account change. Views that show restricted data — analyst-only views (unreleased,
full-resolution tables) and released self-identification tables — are always logged;
other views unless the ``audit_views`` setting is off. Anonymous visitors of a public
dashboard are not logged (there is no one to name). The entries go to the audit log in
the control database beside the store (:mod:`parity.core.disclosure.audit_log`), which
every worker may append to even when it serves the store read-only.
"""

from __future__ import annotations

from typing import Literal

from starlette.concurrency import run_in_threadpool

from parity.core.disclosure import Actor, audit_log
from parity.web.context import Ctx
from parity.web.served import audience_key
from parity.web.users import ANALYST_ROLES, User
from parity.web.views.base import View

Kind = Literal["view", "json", "download"]
#: Released tables whose name starts with this hold self-identification data.
RESTRICTED_TABLE_PREFIX = "self_identification"


def is_restricted(view: View, filters: dict[str, str | None]) -> bool:
    """True when the view shows restricted data: an analyst-only view, or a released
    self-identification table."""
    if view.roles <= ANALYST_ROLES:
        return True
    return any(isinstance(v, str) and v.startswith(RESTRICTED_TABLE_PREFIX)
               for v in filters.values())


def actor_of(user: User) -> Actor:
    return Actor(user.name, user.role,  # type: ignore[arg-type]
                 nationality=user.nationality, entity=user.entity)


def record(ctx: Ctx, actor: Actor, action: str, what: str, durable: bool = True,
           **detail: object) -> None:
    """Append one entry for this request (raises if it cannot be written). Entries of
    views without restricted data are not synced to disk one by one (see audit_log.append)."""
    detail = {"channel": "web", "client": ctx.request.client.host if ctx.request.client else None,
              **detail}
    audit_log.append(ctx.runtime.store, actor, action, what, channel="web", detail=detail,
                     durable=durable)


def _view_entry(ctx: Ctx, view: View, user: User, kind: Kind,
                table: str | None) -> tuple[str, dict[str, object]] | None:
    if ctx.user is None:
        return None  # an anonymous visitor of a public dashboard
    filters = {p.name: ctx.request.query_params.get(p.name) for p in view.params}
    if not ctx.runtime.settings.audit_views and not is_restricted(view, filters):
        return None
    what = f"{kind} {view.slug}" + (f": {table}" if table else "")
    return what, {"view": view.slug, "filters": filters, "audience": list(audience_key(user)),
                  "lang": ctx.lang, "table": table, "restricted": is_restricted(view, filters)}


def view_seen(ctx: Ctx, view: View, user: User, kind: Kind, table: str | None = None) -> None:
    """Log a view, JSON answer or download (from a worker thread or a sync handler)."""
    entry = _view_entry(ctx, view, user, kind, table)
    if entry is not None:
        record(ctx, actor_of(user), kind, entry[0], bool(entry[1]["restricted"]), **entry[1])


async def view_seen_async(ctx: Ctx, view: View, user: User, kind: Kind) -> None:
    """:func:`view_seen` from the event loop: the write runs in a worker thread."""
    entry = _view_entry(ctx, view, user, kind, None)
    if entry is not None:
        await run_in_threadpool(record, ctx, actor_of(user), kind, entry[0],
                                bool(entry[1]["restricted"]), **entry[1])


def login_refused(ctx: Ctx, username: str, action: str = "login_failed",
                  why: str | None = None) -> None:
    """Log a failed login (``login_failed``) or one refused by throttling
    (``login_throttled``); the actor is the name that was tried, ``why`` the circumstances
    (address, failures in a row, the wait left)."""
    tried = username.strip()[:64] or "(empty)"
    record(ctx, Actor(tried, "public"), action, f"login as '{tried}'" + (f": {why}" if why else ""))


def account_changed(ctx: Ctx, admin: User, action: str, account: str) -> None:
    """Log an account change made on the accounts page (``account_added``,
    ``account_removed``, ``token_issued``)."""
    record(ctx, actor_of(admin), action, f"account '{account}'", account=account)
