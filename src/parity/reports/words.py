"""A report's words in one language: phrases translated, then filled with formatted values.

Numbers, shares, dates and months are formatted with Babel through the dashboard's
:class:`~parity.web.formatting.Formatter`; dimension values are named as the dashboard
names them (:func:`parity.web.views.analytic.label`, the range statuses of the ranges
view, the stages and verdicts of the analytic views). A phrase is translated first and
its ``{name}`` placeholders are filled afterwards, so a translation may move them.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cached_property
from typing import Any

from babel.dates import format_skeleton

import parity.web.i18n as i18n
import parity.web.views.analytic as analytic
from parity.core.output import DataAsOf
from parity.core.reports.document import N_, Country, Label, Month, Phrase, Share, Table
from parity.web.formatting import Formatter
from parity.web.views.ranges import STATUS_NAMES

#: Names of the values of dimensions the dashboard does not show, by dimension.
EXTRA_NAMES: dict[str, dict[str, str]] = {
    "range_status": {**STATUS_NAMES,
                     "no_range": N_("No desirable range (non-member or stateless)")},
    "posting_type": {"position_specific": N_("Position-specific job opening"),
                     "generic": N_("Generic job opening"),
                     "recruit_from_roster": N_("Recruitment from a roster")},
    "stage": analytic.STAGES,
    "verdict": analytic.VERDICTS,
}
#: Fonts of the six languages (Noto; Arabic and Chinese need their own).
FONTS: dict[str, str] = {"ar": "Noto Naskh Arabic", "zh": "Noto Sans CJK SC"}
#: Chart labels are drawn without font fallback, so each language needs one font holding
#: its script and the digits and punctuation of dates, shares and codes: Noto Sans Arabic
#: lacks "/", "(", ")" and "%", DejaVu Sans has them with Arabic.
CHART_FONTS: dict[str, str] = {"ar": "DejaVu Sans", "zh": "Noto Sans CJK SC"}
LATIN_FONT = "Noto Sans"


class Words:
    """Everything a renderer needs to write a report in ``lang``."""

    def __init__(self, lang: str) -> None:
        if lang not in i18n.LANGUAGES:
            raise ValueError(lang)
        self.lang = lang
        self.fmt = Formatter(lang)
        self.dir = self.fmt.dir

    @cached_property
    def _catalog(self) -> Any:
        return i18n.translations(self.lang)

    @property
    def font(self) -> str:
        return FONTS.get(self.lang, LATIN_FONT)

    @property
    def chart_font(self) -> str:
        return CHART_FONTS.get(self.lang, LATIN_FONT)

    def t(self, msgid: str) -> str:
        """``msgid`` translated (no placeholders filled)."""
        return str(self._catalog.gettext(msgid))

    def phrase(self, phrase: Phrase) -> str:
        """The phrase translated, its placeholders filled with formatted values."""
        values = {k: self.value(v) for k, v in phrase.values.items()}
        return self.t(phrase.msgid).format_map(values)

    # ------------------------------------------------------------------ values
    def month(self, m: Month) -> str:
        return str(format_skeleton("yMMMM", date(m.year, m.month, 1), locale=self.lang))

    def number(self, value: float) -> str:
        """A number: whole numbers without decimals, others with one."""
        if not math.isfinite(value):
            return "–"
        return self.fmt.decimal(value, 0 if float(value).is_integer() else 1)

    def value(self, v: Any) -> str:
        if v is None:
            return "–"
        if isinstance(v, bool):
            return self.fmt.boolean(v)
        if isinstance(v, int):
            return self.fmt.integer(v)
        if isinstance(v, float):
            return self.number(v)
        if isinstance(v, Share):
            return "–" if v.value is None else self.fmt.percent(v.value, v.digits)
        if isinstance(v, Month):
            return self.month(v)
        if isinstance(v, date):
            return self.fmt.date(v)
        if isinstance(v, Label):
            return self.label(v.dimension, v.value)
        if isinstance(v, Country):
            return self.fmt.country(v.iso3)
        return str(v)

    def label(self, dimension: str | None, value: Any) -> str:
        """A dimension's value as the dashboard names it (a message id without dimension)."""
        if dimension is None:
            return self.t(str(value))
        names = EXTRA_NAMES.get(dimension)
        if names is not None:
            return analytic.coded(self.fmt, names, value)
        return analytic.label(self.fmt, dimension, value)

    def p_value(self, value: float) -> str:
        if value < 0.001:
            return "<" + self.fmt.decimal(0.001, 3)
        return self.fmt.decimal(value, 3)

    def cell(self, table: Table, column: str, value: Any) -> str:
        """One cell of a report table as text."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if column in table.dimensions:
            return self.label(table.dimensions[column], value)
        if column in table.labels:
            names = table.labels[column]
            return self.t(names[value]) if value in names else str(value)
        if column in table.shares:
            return self.fmt.percent(float(value), 1)
        if isinstance(value, float) and column in ("p_value", "q_value"):
            return self.p_value(value)
        if isinstance(value, float) and column.endswith("days"):
            return self.number(value)
        if isinstance(value, float):
            return self.fmt.decimal(value, 2)
        return self.value(value)

    def data_as_of(self, d: DataAsOf | None) -> str:
        """The data line of every format."""
        if d is None:
            return ""
        return self.phrase(Phrase(
            N_("Data version {version}; last load {load}; latest staff snapshot {snapshot}."),
            {"version": d.version, "load": d.last_load.date() if d.last_load else None,
             "snapshot": d.latest_snapshot}))
