"""Reference data shipped with Parity (see ``data/PROVENANCE.md``).

Member States and their regional groups, the scale of assessments by year, population
by year and the desirable-range parameters, read from the packaged CSV files.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files
from typing import Any

import polars as pl
import pycountry

from parity.core.model import NON_MEMBER

REGIONAL_GROUPS: dict[str, str] = {
    "AFR": "African States",
    "APG": "Asia-Pacific States",
    "EEG": "Eastern European States",
    "GRULAC": "Latin American and Caribbean States",
    "WEOG": "Western European and other States",
}
#: Label for nationals of non-member States and stateless persons.
NON_MEMBER_GROUP = "NONMEMBER"


def _read(name: str, schema_overrides: dict[str, Any] | None = None) -> pl.DataFrame:
    path = files("parity.core.reference").joinpath("data", name)
    with path.open("rb") as fh:
        return pl.read_csv(fh, schema_overrides=schema_overrides, infer_schema_length=10000)


@lru_cache(maxsize=1)
def member_states() -> pl.DataFrame:
    """The 193 Member States: iso3, iso2, m49, un_name, regional_group, ..."""
    return _read("un_member_states.csv", {"m49": pl.Utf8})


@lru_cache(maxsize=1)
def scale_of_assessments() -> pl.DataFrame:
    """Assessment rates (percent) by Member State and year, 2019–2026."""
    return _read("un_scale_of_assessments.csv").select(
        "iso3", "year", "scale_period", "scale_resolution", "assessment_rate_percent"
    )


@lru_cache(maxsize=1)
def population() -> pl.DataFrame:
    """Total population by Member State and year (World Bank SP.POP.TOTL), 2015–2024."""
    return _read("population_worldbank.csv").select("iso3", "year", "population")


@lru_cache(maxsize=1)
def desirable_range_parameters() -> pl.DataFrame:
    """The parameter lookup with value, unit, verification and source columns."""
    return _read("desirable_range_parameters.csv", {"value": pl.Utf8})


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-3 code, plus ``XXX`` for stateless/non-member."""
    return frozenset({c.alpha_3 for c in pycountry.countries} | {NON_MEMBER})


@lru_cache(maxsize=1)
def regional_group_of() -> dict[str, str]:
    """Map ISO3 → regional group code; codes not in the membership map to NONMEMBER."""
    df = member_states()
    return dict(zip(df["iso3"].to_list(), df["regional_group"].to_list(), strict=True))


def country_regions() -> pl.DataFrame:
    """Every ISO3 code with its regional group (NONMEMBER for non-members)."""
    groups = regional_group_of()
    codes = sorted(iso3_codes())
    return pl.DataFrame(
        {"iso3": codes, "regional_group": [groups.get(c, NON_MEMBER_GROUP) for c in codes]}
    )


#: The six official languages of the United Nations, in the UN's order of their codes.
UN_LANGUAGES: tuple[str, ...] = ("ar", "zh", "en", "fr", "ru", "es")
# UNTERM's short names end in the article in brackets ("Gambia (the)", "Afghanistan (l')");
# a name in a table or a sentence drops it. Other brackets stay ("Bolivia (Plurinational
# State of)"), as the UN writes them.
_ARTICLE = re.compile(r"\s*\((?:the|l'|le|la|les|el|las|los)\)$")


@lru_cache(maxsize=1)
def _un_names() -> dict[tuple[str, str, bool], str]:
    frame = _read("un_country_names_6lang.csv", {"m49": pl.Utf8})
    names: dict[tuple[str, str, bool], str] = {}
    for row in frame.iter_rows(named=True):
        for lang in UN_LANGUAGES:
            short = row[f"short_{lang}"]
            if short:
                names[(row["iso3"], lang, False)] = _ARTICLE.sub("", short.strip())
            formal = row[f"formal_{lang}"]
            if formal:
                names[(row["iso3"], lang, True)] = formal.strip()
    return names


def country_name(iso3: str, lang: str = "en", formal: bool = False) -> str | None:
    """The UN's official name of a Member State in one of the six official languages.

    Short names by default ("Democratic Republic of the Congo", "République démocratique
    du Congo"), formal ones with ``formal=True``; from UNTERM via
    ``data/un_country_names_6lang.csv``. ``lang`` may carry a region or script
    (``zh_Hans`` reads as ``zh``). None for a code that is not a Member State (the caller
    chooses its fallback) or a formal name the file lacks (Côte d'Ivoire and Türkiye have
    formal names in English only).
    """
    base = lang.replace("-", "_").split("_")[0].lower()
    return _un_names().get((iso3, base, formal))
