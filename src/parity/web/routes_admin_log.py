"""The administrator's view of publishing: the release log (with each release's folder
state), making a release, and the audit log with its verification (pages and JSON twins).

A release made here goes through the same :func:`parity.core.disclosure.publish` as
``parity release``, with the administrator as the actor (so without the
self-identification tables, which only an analyst with a declared purpose may read).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from parity.core.disclosure import Actor, audit_log, publish, release_audience
from parity.core.disclosure.policy import RELEASE_AUDIENCES
from parity.web.config import WebSettings
from parity.web.context import Ctx, wants_json
from parity.web.errors import WebError
from parity.web.i18n import N_, gettext
from parity.web.releases import release_states
from parity.web.routes_admin import _admin
from parity.web.users import User

router = APIRouter()
_FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Audit log entries shown on the page (newest first; the JSON twin has them all).
AUDIT_SHOWN = 500


def releases_dir(settings: WebSettings) -> Path:
    """Where dashboard releases are written: ``releases_dir``, else 'releases' beside the store."""
    if settings.releases_dir is not None:
        return settings.releases_dir.resolve()
    return settings.db.resolve().parent / "releases"


def _releases_answer(ctx: Ctx, user: User, status: int = 200, **extra: Any) -> Response:
    rows = release_states(ctx.runtime.store)
    if wants_json(ctx.request):
        problems = [{**r, "problem": gettext(ctx.lang, r["problem"]) if r["problem"] else None}
                    for r in rows]
        return ctx.finish(JSONResponse({"releases": problems, **extra}, status_code=status))
    return ctx.render("admin_releases.html", status=status, viewer=user, releases=rows,
                      audiences=RELEASE_AUDIENCES, writable=ctx.runtime.writable,
                      folder=str(releases_dir(ctx.runtime.settings)),
                      page_title=gettext(ctx.lang, "Releases"), **extra)


@router.get("/admin/releases")
@router.get("/api/admin/releases")
def list_releases(request: Request) -> Response:
    ctx, user = _admin(request)
    return _releases_answer(ctx, user)


@router.post("/admin/releases")
def make_release(request: Request, audience: Annotated[str, Form()],
                 nationality: Annotated[str | None, Form()] = None,
                 entity: Annotated[str | None, Form()] = None,
                 folder: Annotated[str | None, Form()] = None,
                 purpose: Annotated[str | None, Form()] = None,
                 csrf_token: Annotated[str | None, Form()] = None) -> Response:
    ctx, user = _admin(request)
    runtime = ctx.runtime
    runtime.security.check_csrf(request, csrf_token)
    if not runtime.writable:
        raise WebError(409, "read_only", N_("The store is open read-only, so no release can be made."),
                       N_("Use 'parity release', or serve the store read-write."))
    target = release_audience(audience, (nationality or "").strip() or None,
                              (entity or "").strip() or None)
    name = (folder or "").strip() or (datetime.now(UTC).strftime("%Y%m%d-%H%M%S-")
                                      + re.sub(r"[^A-Za-z0-9_-]", "-", target.key))
    if not _FOLDER.match(name):
        raise WebError(400, "invalid_input", N_("The folder name is not valid."),
                       N_("Use letters, digits, '.', '_' or '-' (no '/'), or leave it empty."))
    out_dir = releases_dir(runtime.settings) / name
    actor = Actor(user.name, "admin", purpose=(purpose or "").strip() or None)
    # The lease lets go of the read-only store, publishes through a writable one and
    # reopens it (the release log is in the store).
    made = runtime.write(lambda store: publish(store, target, actor, out_dir))
    runtime.state.bump()
    done = {"release_id": made.release_id, "audience": target.key, "folder": str(out_dir),
            "tables": [t.name for t in made.tables], "notes": list(made.notes)}
    return _releases_answer(ctx, user, made=done)


@router.get("/admin/audit")
@router.get("/api/admin/audit")
def audit(request: Request) -> Response:
    ctx, user = _admin(request)
    store = ctx.runtime.store
    with ctx.runtime.write_lock:  # the audit log is read through the store's main connection
        frame = audit_log.entries(store, Actor(user.name, "admin"))
        check = audit_log.verify(store)
    verification = {"ok": check.ok, "entries": check.entries, "head": check.head,
                    "first_bad": check.first_bad, "reason": check.reason,
                    "cause": check.cause, "heads_checked": check.heads_checked}
    entries = frame.reverse().to_dicts()
    if wants_json(request):
        return ctx.finish(JSONResponse({"verification": verification, "entries": entries}))
    return ctx.render("admin_audit.html", viewer=user, verification=verification,
                      entries=entries[:AUDIT_SHOWN], total=len(entries),
                      page_title=gettext(ctx.lang, "Audit log"))
