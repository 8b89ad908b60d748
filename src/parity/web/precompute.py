"""What a data version needs, computed once when the server starts, not in a first request.

With the setting ``precompute`` (``parity serve --precompute``), each server process computes,
before it answers its first request:

- the count tables of every dimension that the funnel, timelines, overview and composition
  views break down by, over every posting year and snapshot (kept per data version by
  :mod:`parity.core.precompute`): a request for any period, breakdown or filter then sums a
  small table instead of scanning the applications or staff;
- the whole answer of the views whose filters take few values and whose answer costs most
  (:data:`WHOLE`: projections, careers, gender parity), for every
  combination of their filters.

Tables are keyed by the store's data version, so a load makes them stale at once; what a
new data version needs is then computed on demand (and by the next start). The numbers
are the ones computed without precomputation (tests/web/test_precompute.py compares them).
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from parity.core import precompute as core_precompute
from parity.core.backend import Backend
from parity.core.errors import ParityError
from parity.web.shared import FRAMES
from parity.web.users import User
from parity.web.views import registry
from parity.web.views.base import Data, Source, View

if TYPE_CHECKING:
    from parity.web.runtime import Runtime

log = logging.getLogger("parity.web")

#: Views whose data are computed for every combination of these filters (the others at
#: their defaults), kept per data version (their answers are the same for every audience).
#: The filters are named, not all taken: pivots, periods and population filters would
#: multiply the combinations beyond what a start can compute; those are computed on demand.
WHOLE: Mapping[str, Sequence[str]] = {"projections": ("scenario",), "careers": ("flow", "by"),
                                      "gender": ("as_of", "by", "scope")}
#: Views whose count tables are filled by computing them for every value of these filters
#: (with the other filters at their defaults).
PER_VALUE: Mapping[str, Sequence[str]] = {"overview": ("scope",), "funnel": ("by",),
                                          "timelines": ("by",), "composition": ("by", "scope")}


def data(runtime: Runtime, view: View, source: Source, params: Mapping[str, str | None]) -> Data:
    """The view's data for ``params``. For the views in :data:`WHOLE`, kept per data version
    in the server's cache (and its shared folder, so one worker's computation serves the
    others); otherwise computed (the caller caches them per store state)."""
    if view.slug not in WHOLE:
        return view.compute(source, params)
    version = core_precompute.data_version(Backend.from_store(runtime.store))
    key = ("whole", view.slug, tuple(sorted(params.items())), version)
    return runtime.cache.get(key, lambda: view.compute(source, params), FRAMES)


def warm(runtime: Runtime) -> tuple[int, float]:
    """Compute what the store's data version needs (see the module docstring): the number of
    filter sets computed and the seconds it took. Each process takes the filter sets in
    an order of its own, so that worker processes share the work through the cache folder."""
    started = time.perf_counter()
    source = Source(runtime.store, User("precompute", "analyst"))
    order = random.Random(os.getpid())
    done = 0
    for view in registry().values():
        if view.slug not in WHOLE and view.slug not in PER_VALUE:
            continue
        options = {p.name: list(p.options(source)) for p in view.params}
        defaults = {p.name: p.parse(None, options[p.name]) for p in view.params}
        names = WHOLE[view.slug] if view.slug in WHOLE else PER_VALUE[view.slug]
        combinations = list(itertools.product(*(options[n] for n in names)))
        order.shuffle(combinations)
        for values in combinations:
            params = {**defaults, **dict(zip(names, values, strict=True))}
            try:
                data(runtime, view, source, params)
            except ParityError as exc:  # e.g. no data for this combination: asked, refused
                log.debug("precompute %s %s: %s", view.slug, params, exc)
            done += 1
    took = time.perf_counter() - started
    log.info("Precomputed %d filter sets for the data version in %.1f s.", done, took)
    return done, took
