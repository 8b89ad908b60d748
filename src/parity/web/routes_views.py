"""Views as pages, their JSON twins, their downloads, and the list of views."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import polars as pl
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from parity.web.context import Ctx, make_ctx
from parity.web.errors import Forbidden, NotFound
from parity.web.i18n import N_
from parity.web.users import User
from parity.web.views import registry
from parity.web.views.base import Data, Page, Param, Source, View

router = APIRouter()


@dataclass
class Rendered:
    """A view in one language, ready to serve: the page, its formatted rows and its JSON."""

    page: Page
    rows: dict[str, list[list[str]]]
    specs: dict[str, str]
    json_body: bytes


def audience_key(user: User) -> tuple[str, ...]:
    """What the computed data depend on: the role and its scope."""
    if user.role == "member_state":
        return ("member_state", user.nationality or "")
    if user.role == "manager":
        return ("manager", user.entity or "")
    return (user.role,)


def find_view(slug: str, user: User) -> View:
    view = registry().get(slug)
    if view is None:
        raise NotFound(N_("There is no such view."), N_("The list of views is at /api/views."))
    if user.role not in view.roles:
        raise Forbidden(N_("Your role does not give access to this view."),
                        N_("Ask an administrator if you need it."))
    return view


def options_of(ctx: Ctx, view: View, param: Param, user: User) -> list[str]:
    """The values a filter offers (cached per store state and audience)."""
    key = ("options", view.slug, param.name, audience_key(user), ctx.runtime.state.current())
    source = Source(ctx.runtime.store, user)
    return ctx.runtime.cache.get(key, lambda: list(param.options(source)))


def resolve(ctx: Ctx, view: View, user: User) -> tuple[dict[str, str | None], tuple[Any, ...]]:
    """Validated filter values and the cache key of the view's data."""
    params = {p.name: p.parse(ctx.request.query_params.get(p.name), options_of(ctx, view, p, user))
              for p in view.params}
    key = (view.slug, tuple(params.items()), audience_key(user), ctx.runtime.state.current())
    return params, key


def data_of(ctx: Ctx, view: View, user: User, params: dict[str, str | None],
            key: tuple[Any, ...]) -> Data:
    source = Source(ctx.runtime.store, user)
    return ctx.runtime.cache.get(("data", *key), lambda: view.compute(source, params))


def _links(view: View, name: str, query: str) -> dict[str, str]:
    suffix = f"?{query}" if query else ""
    return {ext: f"/views/{view.slug}/download/{name}.{ext}{suffix}" for ext in ("csv", "xlsx")}


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _query(params: dict[str, str | None]) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v is not None})


def rendered(ctx: Ctx, view: View, user: User) -> tuple[dict[str, str | None], Rendered]:
    params, key = resolve(ctx, view, user)
    fmt = ctx.fmt

    def build() -> Rendered:
        data = data_of(ctx, view, user, params, key)
        page = view.present(data, params, fmt)
        query = _query(params)
        body = {
            "view": view.slug, "title": fmt._(view.title), "description": fmt._(view.description),
            "lang": fmt.lang, "params": params, "summary": page.summary,
            "tables": [{"name": t.name, "title": t.title,
                        "columns": [{"name": c.name, "label": fmt._(c.label), "kind": c.kind}
                                    for c in t.columns],
                        "rows": t.frame.to_dicts(), "downloads": _links(view, t.name, query)}
                       for t in page.tables],
            "charts": [{"table": c.table, "caption": c.caption} for c in page.charts],
            "notes": page.notes,
        }
        return Rendered(
            page=page, rows={t.name: t.rows(fmt) for t in page.tables},
            specs={f"{c.table}-{i}": _script_json(c.spec) for i, c in enumerate(page.charts)},
            json_body=json.dumps(body, ensure_ascii=False, default=str, allow_nan=False).encode(),
        )

    return params, ctx.runtime.cache.get(("page", *key, fmt.lang), build)


def cached(ctx: Ctx, view: View, user: User) -> tuple[dict[str, str | None], Rendered] | None:
    """The rendered view if everything it needs is already cached (no computing, no waiting)."""
    state = ctx.runtime.state.current()
    params: dict[str, str | None] = {}
    for p in view.params:
        values = ctx.runtime.cache.peek(("options", view.slug, p.name, audience_key(user), state))
        if values is None:
            return None
        params[p.name] = p.parse(ctx.request.query_params.get(p.name), values)
    key = (view.slug, tuple(params.items()), audience_key(user), state)
    out = ctx.runtime.cache.peek(("page", *key, ctx.lang))
    return None if out is None else (params, out)


@router.get("/views/{slug}", response_class=HTMLResponse)
async def view_page(slug: str, request: Request) -> Response:
    """Served on the event loop when cached; computed in a worker thread otherwise."""
    ctx = make_ctx(request)
    user = ctx.viewer()
    view = find_view(slug, user)
    hit = cached(ctx, view, user)
    if hit is None:
        return await run_in_threadpool(_view_page, ctx, view, user, None)
    return _view_page(ctx, view, user, hit)


def _view_page(ctx: Ctx, view: View, user: User,
               hit: tuple[dict[str, str | None], Rendered] | None) -> Response:
    params, out = hit or rendered(ctx, view, user)
    fmt = ctx.fmt
    forms = []
    for p in view.params:
        values = options_of(ctx, view, p, user)
        forms.append({"name": p.name, "label": fmt._(p.label),
                      "all_label": fmt._(p.all_label) if p.all_label else None,
                      "options": [{"value": v, "label": p.option_label(v, fmt),
                                   "selected": v == params[p.name]} for v in values]})
    query = _query(params)
    blocks = []
    for table in out.page.tables:
        charts = [{"id": f"{table.name}-{i}", "caption": c.caption, "spec": out.specs[f"{c.table}-{i}"]}
                  for i, c in enumerate(out.page.charts) if c.table == table.name]
        blocks.append({"table": table, "rows": out.rows[table.name], "charts": charts,
                       "downloads": _links(view, table.name, query)})
    return ctx.render(view.template, viewer=user, view=view, page=out.page, forms=forms,
                      blocks=blocks, page_title=fmt._(view.title),
                      json_url=f"/api/views/{view.slug}" + (f"?{query}" if query else ""),
                      charts=bool(out.page.charts))


@router.get("/api/views/{slug}")
async def view_json(slug: str, request: Request) -> Response:
    """Served on the event loop when cached; computed in a worker thread otherwise."""
    ctx = make_ctx(request)
    user = ctx.viewer()
    view = find_view(slug, user)
    hit = cached(ctx, view, user)
    _params, out = hit if hit is not None else await run_in_threadpool(rendered, ctx, view, user)
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
    filename = f"parity-{view.slug}-{name}.{ext}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if ext == "csv":
        return ctx.finish(Response(frame.write_csv().encode("utf-8"), headers=headers,
                                   media_type="text/csv; charset=utf-8"))
    buf = io.BytesIO()
    _excel_safe(frame).write_excel(buf, worksheet=name[:31])
    return ctx.finish(Response(
        buf.getvalue(), headers=headers,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


def _excel_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists and structs as text (Excel cells hold scalars)."""
    nested = [n for n, t in frame.schema.items() if t.is_nested()]
    return frame.with_columns(pl.col(n).cast(pl.Utf8) for n in nested) if nested else frame


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
