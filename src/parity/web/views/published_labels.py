"""Words for released tables: table titles, dimensions, counts, rates and audiences."""

from __future__ import annotations

import re
from typing import Any

from parity.web.formatting import Formatter
from parity.web.i18n import N_

#: Label of a margin (a total over a dimension) in released tables.
ALL = "All"

#: Titles of the disclosure catalog's tables by name (shown in the table chooser).
TABLE_TITLES: dict[str, str] = {
    "funnel_by_regional_group": N_("Recruitment funnel by regional group"),
    "funnel_by_gender": N_("Recruitment funnel by gender"),
    "entity_funnel_by_regional_group": N_("Your entity's recruitment funnel by regional group"),
    "workforce_by_regional_group_level_gender": N_("Workforce by regional group, level and gender"),
    "workforce_by_entity_gender": N_("Workforce by entity and gender"),
    "gender_parity_by_level": N_("Gender parity by level"),
    "nationals_in_geographical_posts": N_(
        "Nationals of each Member State in posts subject to geographical distribution"),
    "own_nationals_by_level_gender": N_("Your nationals by level and gender"),
    "own_entity_by_level_gender": N_("Your entity's staff by level and gender"),
    "promotions_by_regional_group": N_("Promotions by regional group"),
    "promotions_by_gender": N_("Promotions by gender"),
    "reassignments_by_regional_group": N_("Reassignments by regional group"),
    "reassignments_by_gender": N_("Reassignments by gender"),
    "separations_by_regional_group": N_("Separations by regional group"),
    "separations_by_gender": N_("Separations by gender"),
    "selection_timelines_by_regional_group": N_(
        "Selections within 120 days of posting by regional group"),
    "selection_timelines_by_gender": N_("Selections within 120 days of posting by gender"),
    # per-organization tables (parity.core.disclosure.catalog_orgs), in stores of several
    # organizations
    "workforce_by_organization_regional_group": N_(
        "Workforce by organization and regional group"),
    "gender_parity_by_organization_level": N_("Gender parity by organization and level"),
    "funnel_by_organization_regional_group": N_(
        "Recruitment funnel by organization and regional group"),
    "funnel_by_organization_gender": N_("Recruitment funnel by organization and gender"),
    # self-identification tables: one per declared dimension and grouping
    # (parity.core.disclosure.selfid.publication_spec; dimensions in model.SELF_ID_CODES)
    "self_identification_race_ethnicity_by_broad_band": N_(
        "Voluntary self-identification (race or ethnicity) by broad grade band"),
    "self_identification_race_ethnicity_by_regional_group": N_(
        "Voluntary self-identification (race or ethnicity) by regional group"),
    "self_identification_disability_by_broad_band": N_(
        "Voluntary self-identification (disability) by broad grade band"),
    "self_identification_disability_by_regional_group": N_(
        "Voluntary self-identification (disability) by regional group"),
}
#: The same titles keyed by their English text as written in release manifests (which
#: name a self-identification dimension by its code).
TITLES: dict[str, str] = {title: title for title in TABLE_TITLES.values()} | {
    f"Voluntary self-identification ({dim}) by "
    f"{'broad grade band' if by == 'broad_band' else 'regional group'}": title
    for name, title in TABLE_TITLES.items() if name.startswith("self_identification_")
    for dim, by in [name.removeprefix("self_identification_").split("_by_")]}
#: Words for the values of released dimensions that are not codes (broad grade bands,
#: self-identification answers).
VALUE_NAMES: dict[str, str] = {
    "D-1 and above": N_("D-1 and above"), "P-4 and P-5": N_("P-4 and P-5"),
    "P-1 to P-3": N_("P-1 to P-3"), "not_stated": N_("Not stated"),
    "African or Black": N_("African or Black"),
    "Arab or Middle Eastern": N_("Arab or Middle Eastern"), "Asian": N_("Asian"),
    "Hispanic or Latino": N_("Hispanic or Latino"), "Indigenous": N_("Indigenous"),
    "Mixed or multiple": N_("Mixed or multiple"), "White": N_("White"), "Other": N_("Other"),
    "Prefer not to say": N_("Prefer not to say"), "yes": N_("Yes"), "no": N_("No"),
}

DIMENSIONS: dict[str, str] = {
    "regional_group": N_("Regional group"), "gender": N_("Gender"), "level_band": N_("Level"),
    "parity_band": N_("Level"),
    "nationality": N_("Nationality"), "entity": N_("Entity"), "year": N_("Year"),
    "broad_band": N_("Grade band"), "category": N_("Category"),
    "organization": N_("Organization"),
}
#: Self-identification dimensions (model.SELF_ID_CODES), which are not registry dimensions.
SELF_ID_DIMENSIONS: dict[str, str] = {
    "race_ethnicity": N_("Race or ethnicity"), "disability": N_("Disability"),
}
COUNTS: dict[str, str] = {
    "received": N_("Received"), "screened": N_("Screened"), "assessed": N_("Assessed"),
    "interviewed": N_("Interviewed"), "recommended": N_("Recommended"), "selected": N_("Selected"),
    "rostered": N_("Rostered"), "staff": N_("Staff"), "respondents": N_("Respondents"),
    "promotions": N_("Promotions"), "reassignments": N_("Reassignments"),
    "between_entities": N_("Between entities"), "retirements": N_("Retirements"),
    "other_separations": N_("Other separations"), "selections": N_("Selections"),
    "selections_within_120_days": N_("Selections within 120 days"),
}
VALUE_KINDS: dict[str, str] = {"regional_group": "group", "gender": "gender",
                               "nationality": "country", "category": "category"}


def dim_label(fmt: Formatter, dim: str) -> str:
    label = DIMENSIONS.get(dim) or SELF_ID_DIMENSIONS.get(dim)
    return fmt._(label) if label else dim.replace("_", " ")


def dim_value(fmt: Formatter, dim: str, value: Any) -> str:
    if value is None:
        return "–"
    if value == ALL:
        return fmt._("All")
    if dim == "gender" and value == "other_or_unknown":
        return fmt._("Other or unknown")
    if dim not in VALUE_KINDS and value in VALUE_NAMES:
        return fmt._(VALUE_NAMES[value])
    return fmt.value(VALUE_KINDS.get(dim, "text"), value)


def reference_label(fmt: Formatter, reference: str) -> str:
    """A released table's reference, as parity.core.disclosure writes it in English
    (``staff on the snapshot of 2024-12-31``), in words of the page's language."""
    date = r"(\d{4}-\d{2}-\d{2})"
    match = re.fullmatch(r"staff on the snapshot of " + date, reference)
    if match:
        return fmt._("staff on the snapshot of %(date)s", date=fmt.date(match.group(1)))
    match = re.fullmatch(r"staff in posts subject to geographical distribution on " + date,
                         reference)
    if match:
        return fmt._("staff in posts subject to geographical distribution on %(date)s",
                     date=fmt.date(match.group(1)))
    match = re.fullmatch(r"openings of Professional and higher grades posted (\d{4})–(\d{4})",
                         reference)
    if match:
        return fmt._("openings of Professional and higher grades posted %(start)s–%(end)s",
                     start=match.group(1), end=match.group(2))
    match = re.fullmatch(r"events of (\d{4})–(\d{4}) \(all staff\)", reference)
    if match:
        return fmt._("events of %(start)s–%(end)s (all staff)",
                     start=match.group(1), end=match.group(2))
    match = re.fullmatch(r"selections of (\d{4})–(\d{4}) from position-specific openings",
                         reference)
    if match:
        return fmt._("selections of %(start)s–%(end)s from position-specific openings",
                     start=match.group(1), end=match.group(2))
    if reference == "no staff snapshot":
        return fmt._("no staff snapshot")
    return reference


def count_label(fmt: Formatter, name: str) -> str:
    return fmt._(COUNTS[name]) if name in COUNTS else name.replace("_", " ")


def derived_label(fmt: Formatter, spec: dict[str, Any]) -> str:
    kind, num, den = spec["kind"], spec["numerator"], spec.get("denominator")
    if kind == "row_rate" and den:
        return fmt._("%(numerator)s / %(denominator)s", numerator=count_label(fmt, num),
                     denominator=count_label(fmt, den))
    if kind == "share":
        return fmt._("Share of %(over)s total", over=dim_label(fmt, str(spec.get("over"))).lower())
    if kind == "ratio_to_rest":
        return fmt._("Rate ratio to the rest (%(stage)s)", stage=count_label(fmt, num).lower())
    if kind == "response_rate":
        return fmt._("Response rate")
    return str(spec["column"]).replace("_", " ")


def audience_label(fmt: Formatter, key: str) -> str:
    role, _sep, scope = key.partition(":")
    if role == "member_state":
        return fmt._("the delegation of %(country)s", country=fmt.country(scope))
    if role == "manager":
        return fmt._("the head of %(entity)s", entity=scope)
    return fmt._("all staff")
