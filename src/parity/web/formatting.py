"""Per-language formatting: numbers, shares, dates, country and group names (Babel).

The web layer formats what the core computes; nothing here computes a statistic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from parity.core import reference
from parity.core.reference import NON_MEMBER_GROUP
from parity.web import i18n
from parity.web.i18n import N_

#: Regional group names, marked for translation (the core keeps the English names).
GROUP_NAMES: dict[str, str] = {
    "AFR": N_("African States"),
    "APG": N_("Asia-Pacific States"),
    "EEG": N_("Eastern European States"),
    "GRULAC": N_("Latin American and Caribbean States"),
    "WEOG": N_("Western European and other States"),
    NON_MEMBER_GROUP: N_("Non-member States and stateless persons"),
}
GENDER_NAMES: dict[str, str] = {"F": N_("Women"), "M": N_("Men"), "X": N_("Other gender")}
CATEGORY_NAMES: dict[str, str] = {
    "SL": N_("Senior leadership (USG/ASG)"),
    "D": N_("Director"),
    "P": N_("Professional"),
    "FS": N_("Field Service"),
    "NO": N_("National Professional Officer"),
    "GS": N_("General Service and related"),
}
BOOLEAN_NAMES: dict[bool, str] = {True: N_("Yes"), False: N_("No")}


@lru_cache(maxsize=1)
def _iso2_of() -> dict[str, str]:
    ms = reference.member_states()
    out = dict(zip(ms["iso3"].to_list(), ms["iso2"].to_list(), strict=True))
    import pycountry

    for c in pycountry.countries:
        out.setdefault(c.alpha_3, c.alpha_2)
    return out


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


@lru_cache(maxsize=32)
def _percent_pattern(lang: str, digits: int) -> str:
    """The language's percent pattern (e.g. '#,##0 %' in French) with ``digits`` decimals."""
    pattern = _locale(lang).percent_formats[None].pattern
    return pattern.replace("0", "0." + "0" * digits, 1) if digits else pattern


@dataclass(frozen=True)
class Formatter:
    """Everything a view needs to turn numbers and codes into text in one language."""

    lang: str
    dir: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dir", i18n.direction(self.lang))

    # ------------------------------------------------------------ text
    def _(self, message: str, **variables: Any) -> str:
        return i18n.gettext(self.lang, message, **variables)

    def n_(self, singular: str, plural: str, n: int, **variables: Any) -> str:
        return i18n.ngettext(self.lang, singular, plural, n, **variables)

    # ------------------------------------------------------------ numbers
    def integer(self, value: int | float | None) -> str:
        if value is None:
            return "–"
        return format_decimal(round(value), format="#,##0", locale=_locale(self.lang))

    def decimal(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return format_decimal(value, format=pattern, locale=_locale(self.lang))

    def percent(self, value: float | None, digits: int = 1) -> str:
        """A fraction (0.34) as a percentage (34.0 %) in the language's style."""
        if value is None:
            return "–"
        return format_percent(value, format=_percent_pattern(self.lang, digits),
                              locale=_locale(self.lang))

    def points(self, value: float | None, digits: int = 1) -> str:
        """A difference of two fractions in percentage points, with its sign."""
        if value is None:
            return "–"
        text = self.decimal(abs(100 * value), digits)
        sign = "+" if value > 0 else "−" if value < 0 else ""
        return sign + text

    def date(self, value: date | datetime | str | None) -> str:
        if value is None:
            return "–"
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return format_date(value, format="medium", locale=_locale(self.lang))

    def moment(self, value: datetime | str | None) -> str:
        """A moment (an ISO timestamp or a datetime) in the language's style, in UTC."""
        if value is None:
            return "–"
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return format_datetime(value.astimezone(UTC), format="medium",
                               tzinfo=UTC, locale=_locale(self.lang)) + " UTC"

    # ------------------------------------------------------------ codes
    def country(self, iso3: str | None) -> str:
        """A country's name in this language: the UN's official short name for a Member
        State (``reference.country_name``); Babel's territory name (via ISO2) only for a
        place that is not a Member State."""
        if not iso3:
            return "–"
        if iso3 == "XXX":
            return self._("Stateless or non-member")
        official = reference.country_name(iso3, self.lang)
        if official:
            return official
        iso2 = _iso2_of().get(iso3)
        name = _locale(self.lang).territories.get(iso2) if iso2 else None
        return name or iso3

    def group(self, code: str | None) -> str:
        if code is None:
            return "–"
        return self._(GROUP_NAMES[code]) if code in GROUP_NAMES else code

    def gender(self, code: str | None) -> str:
        if code is None:
            return self._("Not recorded")
        return self._(GENDER_NAMES[code]) if code in GENDER_NAMES else code

    def category(self, code: str | None) -> str:
        if code is None:
            return "–"
        return self._(CATEGORY_NAMES[code]) if code in CATEGORY_NAMES else code

    def boolean(self, value: bool | None) -> str:
        return "–" if value is None else self._(BOOLEAN_NAMES[bool(value)])

    def value(self, kind: str, value: Any) -> str:
        """Format one table cell by its column kind."""
        if kind == "int":
            return self.integer(value)
        if kind == "count":
            return self._("hidden") if value is None else self.integer(value)
        if kind == "share":
            return self.percent(value)
        if kind == "points":
            return self.points(value)
        if kind == "decimal":
            return self.decimal(value, 2)
        if kind == "date":
            return self.date(value)
        if kind == "datetime":
            return self.moment(value)
        if kind == "country":
            return self.country(value)
        if kind == "group":
            return self.group(value)
        if kind == "gender":
            return self.gender(value)
        if kind == "category":
            return self.category(value)
        if kind == "bool":
            return self.boolean(value)
        return "–" if value is None else str(value)
