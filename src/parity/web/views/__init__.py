"""The dashboard's views. Each listed module defines ``VIEW`` (a :class:`View`).

To add a view for a new analytic: write a module here with ``VIEW = View(...)``, a
template ``templates/views/<slug>.html`` that extends ``view.html``, and add the module
to :data:`VIEW_MODULES`.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from parity.web.views.base import View

VIEW_MODULES: tuple[str, ...] = (
    "parity.web.views.overview",
    "parity.web.views.published",
    "parity.web.views.composition",
    "parity.web.views.ranges",
    "parity.web.views.member_state",
    "parity.web.views.gender",
    "parity.web.views.funnel",
    "parity.web.views.timelines",
    "parity.web.views.careers",
    "parity.web.views.projections",
)


@lru_cache(maxsize=1)
def registry() -> dict[str, View]:
    """Every view by slug, in menu order."""
    views = [importlib.import_module(name).VIEW for name in VIEW_MODULES]
    return {v.slug: v for v in sorted(views, key=lambda v: (v.order, v.slug))}
