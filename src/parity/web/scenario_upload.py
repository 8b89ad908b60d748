"""A projection scenario written or uploaded in the dashboard, validated as the CLI's.

The YAML text goes through :func:`parity.core.projection.parse_scenario_text`, the loader of
``parity project --scenario``, so a key the CLI refuses is refused here with the same
sentence (the key, what is wrong, what to do), in the one error shape (400 invalid_input).
The projection runs as the projections view runs a shipped scenario (same runs, years and
seed); its data are kept per text, store state and audience.
"""

from __future__ import annotations

import hashlib

from parity.core import projection as pj
from parity.core.errors import SettingsError, UserInputError
from parity.web.context import Ctx
from parity.web.served import Served, audience_key, render
from parity.web.shared import FRAMES
from parity.web.users import User
from parity.web.views import registry
from parity.web.views.base import Source
from parity.web.views.projections import SCENARIOS, run

#: The largest scenario text accepted (a scenario is a few hundred bytes).
MAX_BYTES = 64_000
#: How the uploaded text is named in error messages.
WHERE = "the uploaded scenario"
#: The shipped example the editor starts from.
STARTER = "hiring_freeze"


def starter_text(name: str | None) -> str:
    """The YAML of a shipped example (the editor's starting point)."""
    shipped = pj.shipped_scenarios()
    chosen = name if name in shipped else STARTER
    return shipped[chosen].read_text(encoding="utf-8")


def parse(text: str) -> pj.Scenario:
    """The validated scenario, or one UserInputError naming the key and the fix."""
    if not text.strip():
        raise UserInputError("The scenario is empty.",
                             "Paste a scenario's YAML or choose a .yaml file, e.g. a shipped "
                             "example from the editor.")
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise UserInputError(f"The scenario is larger than {MAX_BYTES // 1000} kB.",
                             "A scenario is a short YAML file; remove what is not a scenario "
                             "key.")
    try:
        return pj.parse_scenario_text(text, WHERE)
    except SettingsError as exc:
        raise UserInputError(exc.message, exc.hint) from exc


def projected(ctx: Ctx, user: User, text: str) -> tuple[pj.Scenario, Served]:
    """Validate, run (or reuse) and present the scenario in the request's language."""
    scenario = parse(text)
    view = registry()["projections"]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    name = scenario.name if scenario.name not in SCENARIOS else f"{scenario.name} ({WHERE})"
    key = ("data", "projections-upload", digest, audience_key(user),
           ctx.runtime.state.current())
    source = Source(ctx.runtime.store, user)
    data = ctx.runtime.cache.get(key, lambda: run(source.backend(), scenario, name), FRAMES)
    return scenario, render(ctx, view, user, {"scenario": name}, data, downloads=False)
