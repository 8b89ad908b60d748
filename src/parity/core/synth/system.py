"""A UN-system-like set of organizations: ``parity synth --organizations N``.

The CEB's personnel statistics (seed 003 §29-30: staff by organization, grade, nationality
and gender for every organization of the UN system) describe a system of one large
Secretariat, several large field-based funds, programmes and agencies, mid-sized specialized
agencies and small, mostly headquarters-based ones. This module writes such a system from
the one calibrated generator (:func:`parity.core.synth.build_frames`): each organization is
the generator run at its own size and seed, then given its own profile.

The profiles below are **illustrative**: their sizes, field shares and gender mixes are
chosen to make organizations differ the way the CEB's tables show they do (a few large
organizations, a long tail of small ones; field-heavy humanitarian organizations and
headquarters-based technical ones; different women's shares), not calibrated to any
published figure. Only the first, Secretariat-like organization keeps the calibration to
seed 000's Table 1: with the same scale and seed it is exactly what ``parity synth``
writes without ``--organizations`` (plus the organization column).

For every other organization the generator's rows are changed so that the files stay
consistent: ids are prefixed with the organization's code (they must be unique across a
store); entities are renamed ``<code>-E01`` … so no two organizations share one; a share
of entities changes class (all of an entity's staff rows turn field or non-field, so the
one field-entity rule sees the change); a share of people (by id, so a person's staff
rows and applications agree) changes gender to move the women's share; and no post is
subject to geographical distribution (the desirable ranges apply to the Secretariat only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from parity.core.errors import UserInputError


@dataclass(frozen=True)
class Profile:
    """One organization of the synthetic system (illustrative, see the module docstring)."""

    code: str
    #: Staff relative to the Secretariat-like organization.
    size: float
    #: > 0: this share of the non-field entities turns field; < 0: this share of the
    #: field entities turns non-field.
    field: float
    #: Change of the share of women, in proportion points (0.05 = five points more).
    women: float


PROFILES: tuple[Profile, ...] = (
    Profile("UN", 1.0, 0.0, 0.0),
    Profile("UNICEF", 0.45, 0.5, 0.08),
    Profile("WHO", 0.25, -0.5, 0.04),
    Profile("UNHCR", 0.40, 0.7, 0.0),
    Profile("UNESCO", 0.06, -1.0, 0.10),
    Profile("ITU", 0.02, -1.0, -0.06),
    Profile("WFP", 0.50, 0.8, -0.05),
    Profile("FAO", 0.09, -0.6, 0.02),
    Profile("UNDP", 0.20, 0.4, 0.06),
    Profile("WMO", 0.01, -1.0, -0.08),
)
#: The smallest scale the generator is run at (smaller organizations are not made smaller).
MIN_SCALE = 0.002
_IDS = {"staff": ("person_id",), "events": ("person_id",), "openings": ("opening_id",),
        "applications": ("application_id", "opening_id", "applicant_id"),
        "self_identification": ("subject_id",)}
_ENTITIES = {"staff": ("entity",), "events": ("from_entity", "to_entity"),
             "openings": ("entity",)}


def profiles(n: int) -> tuple[Profile, ...]:
    """The first ``n`` profiles; a UserInputError outside 1 … len(PROFILES)."""
    if not 1 <= n <= len(PROFILES):
        raise UserInputError(
            f"--organizations {n} is not a number of organizations Parity can synthesize.",
            f"Give 1 to {len(PROFILES)}.")
    return PROFILES[:n]


def system_frames(n: int, scale: float, seed: int,
                  say: Callable[[str], None]) -> dict[str, pl.DataFrame]:
    """The five interchange tables of ``n`` organizations, with an organization column."""
    from parity.core.synth import build_frames

    parts: dict[str, list[pl.DataFrame]] = {}
    for i, profile in enumerate(profiles(n)):
        say(f"organization {profile.code} ({i + 1} of {n})")
        frames = build_frames(max(scale * profile.size, MIN_SCALE), seed + 7919 * i, say)
        if i:
            frames = _profiled(frames, profile, np.random.default_rng([seed, i]))
        for name, frame in frames.items():
            if name in ("staff", "openings", "applications"):
                frame = frame.with_columns(pl.lit(profile.code).alias("organization"))
            parts.setdefault(name, []).append(frame)
    return {name: pl.concat(frames) for name, frames in parts.items()}


def _profiled(frames: dict[str, pl.DataFrame], profile: Profile,
              rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    code = profile.code
    staff = frames["staff"]
    entities = sorted(set(staff["entity"].drop_nulls().to_list())
                      | set(frames["openings"]["entity"].drop_nulls().to_list()))
    rename = {e: f"{code}-E{k + 1:02d}" for k, e in enumerate(entities)}
    turned = _turned_entities(staff, profile.field, rng)
    flips = _gender_flips(frames, profile.women, rng)
    out: dict[str, pl.DataFrame] = {}
    for name, frame in frames.items():
        if name == "staff":
            frame = frame.with_columns(
                pl.when(pl.col("entity").is_in(list(turned))).then(
                    pl.col("entity").replace_strict(turned, default=None, return_dtype=pl.Boolean))
                .otherwise(pl.col("field")).alias("field"),
                pl.lit(False).alias("geo_subject"))
        if name in ("staff", "applications"):
            who = "person_id" if name == "staff" else "applicant_id"
            frame = frame.with_columns(
                pl.when(pl.col(who).is_in(list(flips))).then(
                    pl.col(who).replace_strict(flips, default=None, return_dtype=pl.Utf8))
                .otherwise(pl.col("gender")).alias("gender"))
        frame = frame.with_columns(
            *(pl.concat_str([pl.lit(f"{code}-"), pl.col(c)]).alias(c) for c in _IDS[name]),
            *(pl.col(c).replace(rename).alias(c) for c in _ENTITIES.get(name, ())))
        out[name] = frame
    return out


def _turned_entities(staff: pl.DataFrame, change: float,
                     rng: np.random.Generator) -> dict[str, bool]:
    """Entities that change class, with their new ``field`` flag."""
    if change == 0:
        return {}
    last = staff.filter(pl.col("snapshot_date") == pl.col("snapshot_date").max())
    cls = last.group_by("entity").agg(pl.col("field").mean() >= 0.5).sort("entity")
    pool = cls.filter(pl.col("field") == (change < 0))["entity"].to_list()
    k = round(abs(change) * len(pool))
    chosen: list[int] = rng.choice(len(pool), size=k, replace=False).tolist() if k else []
    return {pool[j]: change > 0 for j in sorted(chosen)}


def _gender_flips(frames: dict[str, pl.DataFrame], change: float,
                  rng: np.random.Generator) -> dict[str, str]:
    """People (ids) whose gender changes, with the new gender, to move the women's share
    by ``change``; the same id changes alike in staff and applications."""
    if change == 0:
        return {}
    people = pl.concat([
        frames["staff"].select(pl.col("person_id").alias("id"), "gender"),
        frames["applications"].select(pl.col("applicant_id").alias("id"), "gender"),
    ]).unique("id", keep="first").sort("id")
    source, target = ("M", "F") if change > 0 else ("F", "M")
    pool = people.filter(pl.col("gender") == source)["id"].to_list()
    if not pool:
        return {}
    p = min(1.0, abs(change) * people.height / len(pool))
    chosen = np.flatnonzero(rng.random(len(pool)) < p)
    return {pool[j]: target for j in chosen}
