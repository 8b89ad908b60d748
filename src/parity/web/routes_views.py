"""Views as pages, their JSON twins, their downloads, and the list of views.

What a view answers is built and cached in :mod:`parity.web.served`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from parity.core.output import Result, frame_to_csv, to_xlsx
from parity.web import access, downloads
from parity.web.context import Ctx, make_ctx
from parity.web.errors import Forbidden, NotFound
from parity.web.i18n import N_
from parity.web.served import Served, cached, data_of, options_of, resolve, served
from parity.web.users import User
from parity.web.views import registry
from parity.web.views.base import View

router = APIRouter()


def find_view(slug: str, user: User) -> View:
    view = registry().get(slug)
    if view is None:
        raise NotFound(N_("There is no such view."), N_("The list of views is at /api/views."))
    if user.role not in view.roles:
        raise Forbidden(N_("Your role does not give access to this view."),
                        N_("Ask an administrator if you need it."))
    return view


async def answer(ctx: Ctx, view: View, user: User) -> Served:
    """From memory on the event loop; otherwise (files, computing) in a worker thread."""
    hit = cached(ctx, view, user)
    return hit if hit is not None else await run_in_threadpool(served, ctx, view, user)


@router.get("/views/{slug}", response_class=HTMLResponse)
async def view_page(slug: str, request: Request) -> Response:
    ctx = make_ctx(request)
    user = ctx.viewer()
    view = find_view(slug, user)
    out = await answer(ctx, view, user)
    await access.view_seen_async(ctx, view, user, "view")
    return ctx.render_view(user, out.html_body, out.charts, ctx.fmt._(view.title))


@router.get("/api/views/{slug}")
async def view_json(slug: str, request: Request) -> Response:
    ctx = make_ctx(request)
    user = ctx.viewer()
    view = find_view(slug, user)
    out = await answer(ctx, view, user)
    await access.view_seen_async(ctx, view, user, "json")
    return ctx.finish(Response(out.json_body, media_type="application/json"))


@router.get("/views/{slug}/download/{name}.{ext}")
def download(slug: str, name: str, ext: str, request: Request) -> Response:
    ctx = make_ctx(request)
    user = ctx.viewer()
    view = find_view(slug, user)
    params, key = resolve(ctx, view, user)
    data = data_of(ctx, view, user, params, key)
    if name not in data or ext not in ("csv", "xlsx"):
        raise NotFound(N_("There is no such table to download."),
                       N_("Use the download links on the view's page."))
    frame = data[name]
    access.view_seen(ctx, view, user, "download", f"{name}.{ext}")
    filename = f"parity-{view.slug}-{name}.{ext}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if ext == "csv":
        return ctx.finish(Response(frame_to_csv(frame).encode("utf-8"), headers=headers,
                                   media_type="text/csv; charset=utf-8"))
    sheet, sheet_headers = downloads.labelled(view, data, params, ctx.fmt, name)
    result = Result(ctx.fmt._(view.title), dict(params), {name: sheet},
                    data_as_of=ctx.data_as_of(), headers={name: sheet_headers})
    return ctx.finish(Response(
        to_xlsx(result), headers=headers,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


@router.get("/api/views")
def list_views(request: Request) -> Response:
    ctx = make_ctx(request)
    user = ctx.viewer()
    fmt = ctx.fmt
    items = []
    for view in registry().values():
        allowed = user.role in view.roles
        params = []
        for p in view.params:
            entry: dict[str, Any] = {"name": p.name, "label": fmt._(p.label),
                                     "optional": p.all_label is not None}
            if allowed:
                values = options_of(ctx, view, p, user)
                entry["default"] = p.default(values) if p.all_label is None else None
                entry["values"] = [{"value": v, "label": p.option_label(v, fmt)} for v in values]
            params.append(entry)
        items.append({"slug": view.slug, "title": fmt._(view.title),
                      "description": fmt._(view.description), "allowed": allowed,
                      "page_url": f"/views/{view.slug}", "json_url": f"/api/views/{view.slug}",
                      "parameters": params})
    body = {"lang": ctx.lang, "user": {"name": user.name, "role": user.role}, "views": items}
    return ctx.finish(Response(json.dumps(body, ensure_ascii=False).encode(),
                               media_type="application/json"))
