"""Labels and helpers shared by the analytic views (funnel, timelines, careers, projections).

Nothing here computes a statistic: it parses filters, names codes in the reader's language
and makes frames safe for JSON (no infinite or NaN numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import polars as pl

from parity.core.errors import UserInputError
from parity.web.formatting import Formatter
from parity.web.i18n import N_
from parity.web.views import options
from parity.web.views.base import Param, Params

#: Verdicts of parity.core.stats.classify_verdict.
VERDICTS: dict[str, str] = {"adverse impact": N_("Adverse impact"), "watch": N_("Watch"),
                            "no evidence": N_("No evidence"),
                            "insufficient data": N_("Insufficient data")}
#: One colour per verdict on every page (WCAG 1.4.11: at least 3:1 against white).
VERDICT_COLORS: dict[str, str] = {"adverse impact": "#b0174f", "watch": "#a8480b",
                                  "no evidence": "#0b5ea8", "insufficient data": "#4d4d4d"}
#: Stages of the recruitment funnel.
STAGES: dict[str, str] = {"received": N_("Received"), "screened": N_("Screened"),
                          "assessed": N_("Assessed"), "interviewed": N_("Interviewed"),
                          "recommended": N_("Recommended"), "selected": N_("Selected"),
                          "overall": N_("Overall")}
#: Values that stand for a missing code, whatever the dimension.
UNKNOWN = ("unknown", "")
#: How group values are shown: the Formatter kind of each dimension.
KINDS: dict[str, str] = {"regional_group": "group", "education_region": "group",
                         "gender": "gender", "nationality": "country"}
OTHER_LABELS: dict[str, str] = {"field": N_("Field"), "non-field": N_("Non-field"),
                                "all": N_("All"), "All levels": N_("All levels")}

_latest = cast(Callable[[Sequence[str]], str | None], options.latest)
_fifth = cast(Callable[[Sequence[str]], str | None], options.oldest_of_last(5))


def period_params() -> tuple[Param, Param]:
    """The 'From year' and 'To year' filters over posting years (the last five by default)."""
    return (Param("year_from", N_("From year"), options.posting_years, default=_fifth),
            Param("year_to", N_("To year"), options.posting_years, default=_latest))


def years(params: Params) -> tuple[int | None, int | None]:
    """The period of the filters, refused when it starts after it ends."""
    raw_from, raw_to = params.get("year_from"), params.get("year_to")
    y_from = int(raw_from) if raw_from else None
    y_to = int(raw_to) if raw_to else None
    if y_from is not None and y_to is not None and y_from > y_to:
        raise UserInputError(f"The period starts ({y_from}) after it ends ({y_to}).",
                             "Choose a first year on or before the last year.")
    return y_from, y_to


def finite(frame: pl.DataFrame) -> pl.DataFrame:
    """Infinite and NaN numbers as nulls (an unbounded interval limit has no JSON number)."""
    floats = [c for c, t in frame.schema.items() if t in (pl.Float32, pl.Float64)]
    return frame.with_columns(pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None)
                              .alias(c) for c in floats)


def label(fmt: Formatter, dim: str, value: Any) -> str:
    """A group value of dimension ``dim`` in the reader's language."""
    kind = KINDS.get(dim, "text")
    if value is None or (isinstance(value, str) and value in UNKNOWN):
        return fmt.gender(None) if kind == "gender" else fmt._("Unknown")
    if isinstance(value, str) and value in OTHER_LABELS:
        return fmt._(OTHER_LABELS[value])
    return fmt.value(kind, value)


def coded(fmt: Formatter, names: Mapping[str, str], value: Any) -> str:
    """A code named by ``names`` (msgids), or the code itself."""
    if value is None:
        return "–"
    return fmt._(names[value]) if value in names else str(value)


def with_labels(frame: pl.DataFrame, fmt: Formatter,
                columns: Mapping[str, Callable[[Any], str]]) -> pl.DataFrame:
    """Add ``<column>_label`` columns (text for the page) made by each function."""
    return frame.with_columns(
        pl.Series(f"{name}_label", [fn(v) for v in frame[name].to_list()], dtype=pl.Utf8)
        for name, fn in columns.items())


def color_verdicts(spec: dict[str, Any], fmt: Formatter) -> dict[str, Any]:
    """Give each verdict the same colour whatever verdicts a chart holds (the last layer)."""
    color = spec["layer"][-1]["encoding"]["color"]
    color["scale"] = {"domain": [fmt._(v) for v in VERDICTS.values()],
                      "range": [VERDICT_COLORS[k] for k in VERDICTS]}
    return spec
