"""Views as pages, their JSON twins, their downloads, and the list of views.

What a view answers is built and cached in :mod:`parity.web.served`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from parity.core.errors import UserInputError
from parity.core.output import Result, frame_to_csv, to_xlsx
from parity.web import access, downloads, scenario_upload
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


# ----------------------------------------------------------------- scenario editor and upload

def _scenario_text(text: str | None, upload: UploadFile | None) -> str:
    """The scenario's YAML: the chosen file's if one is chosen, else the edited text."""
    if upload is not None and upload.filename:
        raw = upload.file.read(scenario_upload.MAX_BYTES + 1)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UserInputError(f"The file {upload.filename} is not UTF-8 text.",
                                 "Save the scenario as a UTF-8 .yaml file.") from None
    return text or ""


@router.get("/views/projections/scenario", response_class=HTMLResponse)
def scenario_editor(request: Request, start: str | None = None) -> Response:
    """The scenario editor: a shipped example's YAML to edit, or a file to upload."""
    ctx = make_ctx(request)
    user = ctx.viewer()
    find_view("projections", user)
    return ctx.render("scenario.html", viewer=user, text=scenario_upload.starter_text(start),
                      examples=list(scenario_upload.pj.shipped_scenarios()), error=None,
                      body=None, charts=False,
                      page_title=ctx.fmt._("Your own scenario"))


@router.post("/views/projections/scenario", response_class=HTMLResponse)
def scenario_page(request: Request, scenario: Annotated[str | None, Form()] = None,
                  scenario_file: Annotated[UploadFile | None, File()] = None,
                  csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """Validate and run the scenario; the projection below the editor, or the error in it."""
    ctx = make_ctx(request)
    user = ctx.viewer()
    find_view("projections", user)
    ctx.runtime.security.check_csrf(request, csrf_token)
    text = _scenario_text(scenario, scenario_file)
    examples = list(scenario_upload.pj.shipped_scenarios())
    try:
        _parsed, out = scenario_upload.projected(ctx, user, text)
    except UserInputError as exc:
        return ctx.render("scenario.html", status=400, viewer=user, text=text,
                          examples=examples, error=exc, body=None, charts=False,
                          page_title=ctx.fmt._("Your own scenario"))
    access.view_seen(ctx, find_view("projections", user), user, "view", "uploaded scenario")
    return ctx.render("scenario.html", viewer=user, text=text, examples=examples, error=None,
                      body=Markup(out.html_body), charts=out.charts,
                      page_title=ctx.fmt._("Your own scenario"))


@router.post("/api/views/projections/scenario")
def scenario_json(request: Request, scenario: Annotated[str | None, Form()] = None,
                  scenario_file: Annotated[UploadFile | None, File()] = None,
                  csrf_token: Annotated[str | None, Form()] = None) -> Response:
    """The projection of the scenario as the projections view's JSON twin."""
    ctx = make_ctx(request)
    user = ctx.viewer()
    view = find_view("projections", user)
    ctx.runtime.security.check_csrf(request, csrf_token)
    _parsed, out = scenario_upload.projected(ctx, user, _scenario_text(scenario, scenario_file))
    access.view_seen(ctx, view, user, "json", "uploaded scenario")
    return ctx.finish(Response(out.json_body, media_type="application/json"))
