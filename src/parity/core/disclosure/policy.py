"""Who may see what: roles, the caller (:class:`Actor`), audiences and the disclosure policy.

One documented policy (docs/disclosure.md, "Roles and audiences"):

========== ============================================================================
role       sees
========== ============================================================================
public     all staff: releases for the public audience (pre-computed, rule-checked)
member_state public releases plus a release with its own nationality's detail
manager    public releases plus a release with its own entity's detail
analyst    full resolution, including self-identification aggregates, only with a
           declared purpose; every self-identification read is audited
admin      the audit log and the release log; publishes releases; data as public
========== ============================================================================

Non-analyst audiences only ever receive tables that went through
:mod:`parity.core.disclosure.release`; the numbers in :class:`DisclosurePolicy` default to
METHODS §3.6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from parity.core.disclosure.optimal import EXACT_MAX_CELLS
from parity.core.errors import AccessDeniedError, UserInputError

Role = Literal["public", "member_state", "manager", "analyst", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
#: Audiences a release can be made for (non-analyst, rule-checked).
ReleaseAudience = Literal["public", "member_state", "manager"]
RELEASE_AUDIENCES: tuple[str, ...] = get_args(ReleaseAudience)

ROLE_DESCRIPTIONS: dict[str, str] = {
    "public": "All staff: published releases for the public audience only.",
    "member_state": "A Member State delegation: public releases plus its own nationality's "
                    "detail, under the same disclosure rules.",
    "manager": "A head of entity: public releases plus its own entity's detail, under the "
               "same disclosure rules.",
    "analyst": "Full-resolution statistics, including self-identification aggregates, "
               "only with a declared purpose; every self-identification read is audited.",
    "admin": "Reads the audit log and the release log and publishes releases; sees data "
             "as the public does.",
}


@dataclass(frozen=True)
class Actor:
    """The caller: a person (or service) with one role.

    ``nationality`` (ISO3) is required for a member_state actor and ``entity`` for a
    manager; ``purpose`` is the declared purpose of an analyst's work.
    """

    name: str
    role: Role
    purpose: str | None = None
    nationality: str | None = None
    entity: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise UserInputError(
                f"'{self.role}' is not a role.", f"Use one of: {', '.join(ROLES)}."
            )
        if not self.name.strip():
            raise UserInputError("An actor needs a non-empty name.", "Pass --as NAME.")
        if self.role == "member_state" and not self.nationality:
            raise UserInputError(
                f"The member_state actor '{self.name}' has no nationality.",
                "Give the ISO3 code of the Member State (e.g. --nationality FRA).",
            )
        if self.role == "manager" and not self.entity:
            raise UserInputError(
                f"The manager actor '{self.name}' has no entity.",
                "Give the entity code the manager heads (e.g. --entity DPPA).",
            )

    @property
    def audience(self) -> Audience:
        """The audience this actor's results are computed for."""
        if self.role == "member_state":
            return Audience("member_state", nationality=self.nationality)
        if self.role == "manager":
            return Audience("manager", entity=self.entity)
        if self.role == "analyst":
            return Audience("analyst")
        return Audience("public")


@dataclass(frozen=True)
class Audience:
    """Who a result is computed for: a role plus, for detail releases, its scope."""

    role: Role
    nationality: str | None = None
    entity: str | None = None

    @property
    def key(self) -> str:
        """A stable label, e.g. ``public``, ``member_state:FRA``, ``manager:DPPA``."""
        scope = self.nationality or self.entity
        return f"{self.role}:{scope}" if scope else self.role

    @property
    def rule_checked(self) -> bool:
        """True for audiences that only see suppressed, rule-checked releases."""
        return self.role in RELEASE_AUDIENCES

    def as_dict(self) -> dict[str, str | None]:
        return {"role": self.role, "nationality": self.nationality, "entity": self.entity}


def release_audience(role: str, nationality: str | None = None,
                     entity: str | None = None) -> Audience:
    """Validate a requested release audience and return it."""
    if role not in RELEASE_AUDIENCES:
        raise UserInputError(
            f"'{role}' is not an audience a release can be made for.",
            f"Use one of: {', '.join(RELEASE_AUDIENCES)} (analysts work on the store directly).",
        )
    if role == "member_state" and not nationality:
        raise UserInputError(
            "A member_state release needs the Member State it is for.",
            "Pass --nationality with its ISO3 code, e.g. --nationality KEN.",
        )
    if role == "manager" and not entity:
        raise UserInputError(
            "A manager release needs the entity it is for.",
            "Pass --entity with the entity code, e.g. --entity DPPA.",
        )
    if role == "public" and (nationality or entity):
        raise UserInputError(
            "A public release has no nationality or entity scope.",
            "Drop --nationality/--entity, or choose --audience member_state or manager.",
        )
    return Audience(role,  # type: ignore[arg-type]
                    nationality=nationality.upper() if nationality else None,
                    entity=entity if role == "manager" else None)


def shares_readers(a: Audience, b: Audience) -> bool:
    """True when someone may hold releases for both audiences (every reader of a detail
    release also reads the public releases; two detail audiences share no reader)."""
    return a == b or a.role == "public" or b.role == "public"


def may_view(actor: Actor, audience: Audience) -> bool:
    """True when ``actor`` may read a release made for ``audience``."""
    if actor.role in ("analyst", "admin") or audience.role == "public":
        return True
    if audience.role == "member_state":
        return actor.role == "member_state" and actor.nationality == audience.nationality
    if audience.role == "manager":
        return actor.role == "manager" and actor.entity == audience.entity
    return False


def require_analyst_with_purpose(actor: Actor, what: str) -> str:
    """Return the actor's purpose, or raise AccessDeniedError with the reason."""
    if actor.role != "analyst":
        raise AccessDeniedError(
            f"{actor.name} (role {actor.role}) may not read {what}: only an analyst with a "
            "declared purpose may.",
            "Self-identification data are used only for statistics; ask an analyst, or "
            "read the published release.",
        )
    if actor.purpose is None or not actor.purpose.strip():
        raise AccessDeniedError(
            f"{actor.name} declared no purpose for reading {what}.",
            "Declare the statistical purpose of the work (e.g. --purpose \"annual "
            "composition report\"); it is written to the audit log.",
        )
    return actor.purpose.strip()


def require_role(actor: Actor, roles: tuple[str, ...], what: str) -> None:
    """Raise AccessDeniedError unless the actor has one of ``roles``."""
    if actor.role not in roles:
        raise AccessDeniedError(
            f"{actor.name} (role {actor.role}) may not {what}.",
            f"Only these roles may: {', '.join(roles)}.",
        )


class DisclosurePolicy(BaseModel):
    """The disclosure rules for non-analyst audiences (defaults: METHODS §3.6)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: int = Field(
        default=10, ge=2,
        description="No displayed count from 1 to threshold-1 (zeros are allowed in stock tables).")
    min_rate_denominator: int = Field(
        default=20, ge=1, description="Rates and shares only on denominators of at least this.")
    min_ratio_group: int = Field(
        default=20, ge=1,
        description="Selection-rate ratios only when both groups have at least this many "
                    "at that stage (the denominators of both rates).")
    protection_width: int = Field(
        default=10, ge=1,
        description="Every primary-suppressed cell's feasible interval, from all published "
                    "cells of every linked table, must be at least this wide.")
    selfid_min_cell: int = Field(
        default=10, ge=1,
        description="Self-identification: at least this many in every displayed category cell "
                    "(zeros included).")
    selfid_min_denominator: int = Field(
        default=30, ge=1, description="Self-identification: at least this many respondents in "
                                      "every denominator.")
    nationality_counts_exempt: bool = Field(
        default=True,
        description="The one-dimensional table of nationals in posts subject to geographical "
                    "distribution is published in full (as in the UN composition reports); "
                    "never any cross of nationality with another dimension.")
    difference_rule: Literal["suppress", "refuse", "off"] = Field(
        default="suppress",
        description="A cell published before whose value changed by 1 to threshold-1: "
                    "suppress it (and protect it), refuse the release, or ignore.")
    funnel_all_or_none: bool = Field(
        default=True,
        description="In funnel tables hide a stage count of 0 or equal to the previous stage "
                    "when that denominator is below min_rate_denominator.")
    collapse_remainders: bool = Field(
        default=True,
        description="Categories a table declares as remainders (gender other or not "
                    "recorded) are counted in the totals only: their rows are not "
                    "published and not protected.")
    exact_max_cells: int = Field(
        default=EXACT_MAX_CELLS, ge=0,
        description="Tables with at most this many cells (margins included) get their "
                    "complementary cells from the exact minimum-loss program; larger "
                    "tables (and 0 for all) from the heuristic.")
    publish_self_identification: bool = Field(
        default=True,
        description="Include the organisation-wide self-identification tables in public "
                    "releases when the store holds such data.")

    def small(self, value: int) -> bool:
        """True for a count the threshold rule hides (1 .. threshold-1)."""
        return 0 < value < self.threshold

    def rate_allowed(self, denominator: int | None) -> bool:
        return denominator is not None and denominator >= self.min_rate_denominator

    def ratio_allowed(self, den_a: int | None, den_b: int | None) -> bool:
        return (den_a is not None and den_b is not None
                and min(den_a, den_b) >= self.min_ratio_group)
