"""Cell-level rules every writer shares: formula neutralisation and which columns are shares."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

#: First characters that make a spreadsheet read a text cell as a formula (or DDE call).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell as a spreadsheet must show it: prefixed with ``'`` when it starts with
    ``= + - @``, a tab or a carriage return (OWASP's advice against CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def is_share(name: str) -> bool:
    """Columns holding a proportion (0 to 1), shown as percentages."""
    n = name.lower()
    if "share" in n or "pct" in n:
        return True
    for suffix in ("_low", "_high", "_lower", "_upper"):
        n = n.removesuffix(suffix)
    return n.endswith("rate") or n in _SHARES


_SHARES = frozenset({"within_target", "selections_within_target", "promoted_by", "ci",
                     "women", "men"})


def plain(value: Any) -> Any:
    """A value JSON can hold: no NaN or infinity (null), dates as ISO text."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
