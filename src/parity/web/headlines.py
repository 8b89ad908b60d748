"""The home page's headline figures and their change, in the reader's language.

The figures come from :func:`parity.core.analytics.headlines.headlines`, computed once per
store state (analysts read the store). Roles that see only released tables get no figure
computed from the store: their home page shows none until a release carries them.
"""

from __future__ import annotations

from typing import Any

from parity.core.analytics.headlines import headlines
from parity.web.context import Ctx
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.served import audience_key
from parity.web.shared import FRAMES
from parity.web.users import ANALYST_ROLES, User

LABELS: dict[str, str] = {
    "staff": N_("Staff in post"),
    "women_share_professional": N_("Women's share, Professional and higher"),
    "selections_under_represented": N_("Selections going to nationals of unrepresented or "
                                       "underrepresented States"),
}


def _period(fmt: Formatter, start: Any, end: Any) -> str:
    if start is None:
        return "–"
    if start == end:
        return fmt.date(end)
    return f"{fmt.date(start)} – {fmt.date(end)}"


def _value(fmt: Formatter, unit: str, value: float | None) -> str:
    return fmt.integer(value) if unit == "count" else fmt.percent(value)


def _change(fmt: Formatter, unit: str, change: float | None) -> str:
    if change is None:
        return "–"
    if unit == "count":
        sign = "+" if change > 0 else "−" if change < 0 else ""
        return sign + fmt.integer(abs(change))
    return fmt._("%(points)s points", points=fmt.points(change))


def figures(ctx: Ctx, user: User) -> list[dict[str, Any]]:
    """The headline figures the user may see, each with its period and change."""
    if user.role not in ANALYST_ROLES:
        return []
    key = ("headlines", audience_key(user), ctx.runtime.state.current())
    store = ctx.runtime.store
    frame = ctx.runtime.cache.get(key, lambda: {"headlines": headlines(store)},
                                  FRAMES)["headlines"]
    fmt = ctx.fmt
    out = []
    for r in frame.iter_rows(named=True):
        unit = r["unit"]
        period = _period(fmt, r["period_start"], r["period_end"])
        previous = _period(fmt, r["previous_start"], r["previous_end"])
        label = fmt._(LABELS[r["figure"]])
        value_text = _value(fmt, unit, r["value"])
        if r["change"] is None:
            sentence = fmt._("%(label)s: %(value)s (%(period)s); no figure a year earlier to "
                             "compare with.", label=label, value=value_text, period=period)
        else:
            sentence = fmt._("%(label)s: %(value)s (%(period)s), %(change)s since %(previous)s "
                             "(%(before)s).", label=label, value=value_text, period=period,
                             change=_change(fmt, unit, r["change"]), previous=previous,
                             before=_value(fmt, unit, r["previous_value"]))
        out.append({
            "figure": r["figure"], "label": label, "unit": unit, "value": r["value"],
            "value_text": value_text, "period_start": _iso(r["period_start"]),
            "period_end": _iso(r["period_end"]), "period": period,
            "previous_value": r["previous_value"], "previous_start": _iso(r["previous_start"]),
            "previous_end": _iso(r["previous_end"]), "previous_period": previous,
            "change": r["change"], "change_text": _change(fmt, unit, r["change"]),
            "sentence": sentence})
    return out


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
