"""What a view answers, computed once per store state, audience, filters and language.

A view's data (its frames) is computed once per store state, audience and filter set; its
answer in one language — the JSON twin's bytes and the HTML of the page's ``<main>`` — is
built once from that data (:class:`Served`). A repeated request then costs who-is-asking,
a few dictionary look-ups and, for a page, the page's frame: header, menu, language
switcher and the user's own CSRF token (``view_page.html``), which is all that differs
between users of the same audience. The role check (403) always happens before any of this.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from parity.web import precompute
from parity.web.context import Ctx
from parity.web.shared import FRAMES, STRINGS, Codec, pack, unpack
from parity.web.users import User
from parity.web.views.base import Data, Param, Source, View

#: The resolved filters of a request and the cache key of its view's data.
Key = tuple[Any, ...]
Params = dict[str, str | None]


@dataclass(frozen=True)
class Served:
    """A view in one language, ready to serve."""

    json_body: bytes
    html_body: str
    charts: bool


def _dump_served(s: Served) -> bytes:
    return pack({"charts": s.charts}, [s.json_body, s.html_body.encode()])


def _load_served(raw: bytes) -> Served:
    meta, (json_body, html) = unpack(raw)
    return Served(json_body, html.decode(), bool(meta["charts"]))


SERVED: Codec[Served] = Codec("served", _dump_served, _load_served)


def audience_key(user: User) -> tuple[str, ...]:
    """What the computed data depend on: the role and its scope."""
    if user.role == "member_state":
        return ("member_state", user.nationality or "")
    if user.role == "manager":
        return ("manager", user.entity or "")
    return (user.role,)


def options_of(ctx: Ctx, view: View, param: Param, user: User) -> list[str]:
    """The values a filter offers (cached per store state and audience)."""
    key = ("options", view.slug, param.name, audience_key(user), ctx.runtime.state.current())
    source = Source(ctx.runtime.store, user)
    return ctx.runtime.cache.get(key, lambda: list(param.options(source)), STRINGS)


def resolve(ctx: Ctx, view: View, user: User) -> tuple[Params, Key]:
    """Validated filter values and the cache key of the view's data."""
    params = {p.name: p.parse(ctx.request.query_params.get(p.name), options_of(ctx, view, p, user))
              for p in view.params}
    key = (view.slug, tuple(params.items()), audience_key(user), ctx.runtime.state.current())
    return params, key


def data_of(ctx: Ctx, view: View, user: User, params: Params, key: Key) -> Data:
    source = Source(ctx.runtime.store, user)
    return ctx.runtime.cache.get(("data", *key), lambda: precompute.data(ctx.runtime, view, source, params),
                                 FRAMES)


def query_of(params: Params) -> str:
    return urlencode({k: v for k, v in params.items() if v is not None})


def links(view: View, name: str, query: str) -> dict[str, str]:
    suffix = f"?{query}" if query else ""
    return {ext: f"/views/{view.slug}/download/{name}.{ext}{suffix}" for ext in ("csv", "xlsx")}


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def build(ctx: Ctx, view: View, user: User, params: Params, key: Key) -> Served:
    """The view's JSON twin and page body in the request's language (from cached data)."""
    return render(ctx, view, user, params, data_of(ctx, view, user, params, key))


def render(ctx: Ctx, view: View, user: User, params: Params, data: Data,
           downloads: bool = True) -> Served:
    """The JSON twin and page body of ``data`` (``downloads``: link the tables' files)."""
    fmt = ctx.fmt
    page = view.present(data, params, fmt)
    query = query_of(params)
    body = {
        "view": view.slug, "title": fmt._(view.title), "description": fmt._(view.description),
        "lang": fmt.lang, "params": params, "summary": page.summary,
        "tables": [{"name": t.name, "title": t.title,
                    "columns": [{"name": c.name, "label": fmt._(c.label), "kind": c.kind}
                                for c in t.columns],
                    "rows": t.frame.to_dicts(),
                    "downloads": links(view, t.name, query) if downloads else {}}
                   for t in page.tables],
        "charts": [{"table": c.table, "caption": c.caption} for c in page.charts],
        "notes": page.notes,
    }
    forms = []
    for p in view.params:
        values = options_of(ctx, view, p, user)
        forms.append({"name": p.name, "label": fmt._(p.label),
                      "all_label": fmt._(p.all_label) if p.all_label else None,
                      "options": [{"value": v, "label": p.option_label(v, fmt),
                                   "selected": v == params[p.name]} for v in values]})
    blocks = []
    for table in page.tables:
        charts = [{"id": f"{table.name}-{i}", "caption": c.caption, "spec": _script_json(c.spec)}
                  for i, c in enumerate(page.charts) if c.table == table.name]
        blocks.append({"table": table, "rows": table.rows(fmt), "charts": charts,
                       "downloads": links(view, table.name, query) if downloads else None})
    html = ctx.runtime.templates.get_template(view.template).render(
        lang=fmt.lang, view=view, page=page, forms=forms, blocks=blocks,
        json_url=(f"/api/views/{view.slug}" + (f"?{query}" if query else "")) if downloads
        else None)
    return Served(json.dumps(body, ensure_ascii=False, default=str, allow_nan=False).encode(),
                  html, bool(page.charts))


def served(ctx: Ctx, view: View, user: User) -> Served:
    """The view's answer for this request (computing what is not cached yet)."""
    params, key = resolve(ctx, view, user)
    return ctx.runtime.cache.get(("served", *key, ctx.lang),
                                 lambda: build(ctx, view, user, params, key), SERVED)


def cached(ctx: Ctx, view: View, user: User) -> Served | None:
    """The view's answer if it is in this process's memory (no computing, files or waiting)."""
    cache, state = ctx.runtime.cache, ctx.runtime.state.current()
    audience = audience_key(user)
    params: Params = {}
    for p in view.params:
        values = cache.peek(("options", view.slug, p.name, audience, state))
        if values is None:
            return None
        params[p.name] = p.parse(ctx.request.query_params.get(p.name), values)
    hit: Served | None = cache.peek(("served", view.slug, tuple(params.items()), audience, state,
                                     ctx.lang))
    return hit
