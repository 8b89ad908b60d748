"""Tables from a simulation: medians and 90 % bands by year, targets, States, flows.

Bands are the 5th and 95th percentiles over the Monte Carlo runs (10th–90th are kept
for the back-test's 80 % coverage). Women's shares are of staff with a recorded gender
(women, men, another gender), as in ``parity gender``. A level is *in the parity band*
when its share lies within centre ± half width (47–53 % by default), both ends included.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import polars as pl

from parity.core.params import load_gender_parameters
from parity.core.projection.parity_year import first_likely_year, in_band, p_in_band
from parity.core.projection.recruitment import (
    GROUPS,
    NO_RANGE,
    STATUS_NAMES,
    UNDERREPRESENTED,
    UNREPRESENTED,
    WITHIN,
)
from parity.core.projection.simulate import SimulationOutput

FloatArray = npt.NDArray[np.float64]
ALL_LEVELS = "All levels"


def band(out: SimulationOutput) -> tuple[float, float]:
    """The parity band (lower, upper) of the scenario, else of the gender parameters."""
    spec = out.inputs.scenario.targets.parity_band
    if spec is not None:
        return spec.centre - spec.half_width, spec.centre + spec.half_width
    p = load_gender_parameters().parity_band
    return p.lower, p.upper


def gender_target_year(out: SimulationOutput, level: str | None) -> int:
    """The scenario's gender target year, else the next target of the gender parameters."""
    sc = out.inputs.scenario.targets
    if sc.gender_year is not None:
        return sc.gender_year
    target = load_gender_parameters().targets_for(level, out.inputs.base_year)
    return target.year if target is not None else out.inputs.base_year + out.inputs.horizon


def ranges_target_year(out: SimulationOutput) -> int:
    sc = out.inputs.scenario.targets
    if sc.ranges_year is not None:
        return sc.ranges_year
    return min(out.inputs.base_year + 5, out.inputs.base_year + out.inputs.horizon)


def _clip_year(out: SimulationOutput, year: int) -> int:
    return min(max(year, out.inputs.base_year), out.inputs.base_year + out.inputs.horizon)


def level_counts(out: SimulationOutput) -> tuple[list[str], FloatArray, FloatArray, FloatArray]:
    """Levels (plus all levels) and runs × years × levels staff, women and known-gender."""
    m = out.inputs.structure.level_matrix()
    by_sex = out.stock.sum(-1).astype(np.float64)
    per_level = np.einsum("rtgs,gl->rtls", by_sex, m)
    per_level = np.concatenate([per_level, per_level.sum(2, keepdims=True)], axis=2)
    levels = [*out.inputs.structure.levels, ALL_LEVELS]
    return levels, per_level.sum(-1), per_level[..., 0], per_level[..., :3].sum(-1)


def shares(women: FloatArray, known: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(known > 0, women / np.where(known > 0, known, 1.0), np.nan)


def _q(a: FloatArray, q: float) -> FloatArray:
    """Quantile over runs, ignoring NaN (a level with no staff); NaN where all are NaN."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanquantile(a, q, axis=0))


def levels_table(out: SimulationOutput) -> pl.DataFrame:
    """Per year and level: staff and women's share (median, 5–95 %, 10–90 %), P(in band)."""
    levels, staff, women, known = level_counts(out)
    share = shares(women, known)
    lo, hi = band(out)
    inband = p_in_band(share, lo, hi)
    q = {p: _q(share, p) for p in (0.05, 0.10, 0.5, 0.90, 0.95)}
    rows = []
    for t, year in enumerate(out.inputs.years):
        for li, level in enumerate(levels):
            rows.append({
                "year": year, "level": level, "staff": float(np.median(staff[:, t, li])),
                "women_share": _f(q[0.5][t, li]), "women_share_p05": _f(q[0.05][t, li]),
                "women_share_p95": _f(q[0.95][t, li]), "women_share_p10": _f(q[0.10][t, li]),
                "women_share_p90": _f(q[0.90][t, li]), "p_in_band": float(inband[t, li]),
            })
    return pl.DataFrame(rows)


def field_table(out: SimulationOutput) -> pl.DataFrame:
    """Per year and entity type (field / non-field): staff and women's share."""
    s = out.stock.sum(2).astype(np.float64)
    rows = []
    for f, name in enumerate(("non-field", "field")):
        share = shares(s[..., 0, f], s[..., :3, f].sum(-1))
        lo, hi = _q(share, 0.05), _q(share, 0.95)
        med = _q(share, 0.5)
        for t, year in enumerate(out.inputs.years):
            rows.append({"year": year, "entity_type": name,
                         "staff": float(np.median(s[:, t, :, f].sum(-1))),
                         "women_share": _f(med[t]), "women_share_p05": _f(lo[t]),
                         "women_share_p95": _f(hi[t])})
    return pl.DataFrame(rows)


def _f(x: object) -> float | None:
    v = float(x)  # type: ignore[arg-type]
    return None if np.isnan(v) else v


def _first_year(mask: npt.NDArray[np.bool_], years: list[int]) -> list[int | None]:
    """Per run, the first year whose mask is true (None if never)."""
    hit: list[bool] = np.asarray(mask.any(1)).tolist()
    first: list[int] = np.asarray(mask.argmax(1)).tolist()
    return [years[i] if h else None for i, h in zip(first, hit, strict=True)]


def targets_table(out: SimulationOutput) -> pl.DataFrame:
    """Per level: the target year, P(in band) then, when the band is likely reached."""
    levels, _, women, known = level_counts(out)
    share = shares(women, known)
    lo, hi = band(out)
    inside = in_band(share, lo, hi)
    years = out.inputs.years
    rows = []
    for li, level in enumerate(levels):
        target = gender_target_year(out, None if level == ALL_LEVELS else level)
        ty = _clip_year(out, target)
        t = ty - out.inputs.base_year
        p_year = inside[:, :, li].mean(0)
        firsts = [y for y in _first_year(inside[:, :, li], years) if y is not None]
        rows.append({
            "level": level, "target_year": target, "evaluated_year": ty,
            "share_base": _f(_q(share[:, 0, li], 0.5)),
            "share_at_target": _f(_q(share[:, t, li], 0.5)),
            "share_p05": _f(_q(share[:, t, li], 0.05)), "share_p95": _f(_q(share[:, t, li], 0.95)),
            "p_in_band_at_target": float(p_year[t]),
            "p_reached_by_target": float(inside[:, : t + 1, li].any(1).mean()),
            "first_likely_year": first_likely_year(list(years), p_year),
            "max_p_in_band": float(p_year.max()),
            "median_first_year": int(np.median(firsts)) if len(firsts) > out.runs / 2 else None,
        })
    return pl.DataFrame(rows, schema_overrides={"first_likely_year": pl.Int64,
                                                "median_first_year": pl.Int64})


def flows_table(out: SimulationOutput) -> pl.DataFrame:
    """Per projection year: medians of retirements, other separations, promotions, external
    recruits and the women's share of recruits."""
    rows = []
    rec = out.recruited.astype(np.float64)
    for t, year in enumerate(out.inputs.years[1:]):
        w = shares(rec[:, t, :, 0].sum(-1), rec[:, t, :, :3].sum((-1, -2)))
        rows.append({
            "year": year,
            "retirements": float(np.median(out.retired[:, t].sum((-1, -2)))),
            "other_separations": float(np.median(out.separated[:, t].sum((-1, -2)))),
            "promotions": float(np.median(out.promoted[:, t].sum((-1, -2)))),
            "external_recruits": float(np.median(rec[:, t].sum((-1, -2)))),
            "recruits_women_share": _f(_q(w[:, None], 0.5)[0]),
            "geographical_appointments": float(np.median(out.appointed[:, t].sum(-1))),
        })
    return pl.DataFrame(rows)


def ranges_table(out: SimulationOutput) -> pl.DataFrame:
    """Per year: number of Member States in each status (median and 5–95 %)."""
    rows = []
    if np.isnan(out.inputs.lower).all():
        return pl.DataFrame()
    for t, year in enumerate(out.inputs.years):
        row: dict[str, object] = {"year": year}
        for code in (WITHIN, UNDERREPRESENTED, UNREPRESENTED, 3):
            n = (out.status[:, t] == code).sum(-1)
            name = STATUS_NAMES[code]
            row[name] = float(np.median(n))
            row[f"{name}_p05"] = float(np.quantile(n, 0.05))
            row[f"{name}_p95"] = float(np.quantile(n, 0.95))
        rows.append(row)
    return pl.DataFrame(rows)


def states_table(out: SimulationOutput) -> pl.DataFrame:
    """Per Member State: base count and status; at the ranges target year the median count,
    P(within range), P(un- or under-represented); the first year from which P(within) ≥ 0.5
    to the end of the horizon (:func:`first_likely_year`); expected
    separations of nationals and the appointments needed by then to reach the first count
    within range (at least one national): that count − base staff + expected separations."""
    inp = out.inputs
    if inp.limits is None or np.isnan(inp.lower).all():
        return pl.DataFrame()
    ty = _clip_year(out, ranges_target_year(out))
    t = ty - inp.base_year
    names = {r[0]: r[1:] for r in inp.limits.states.iter_rows()}
    within = (out.status == WITHIN).mean(0)
    under = np.isin(out.status[:, t], (UNREPRESENTED, UNDERREPRESENTED)).mean(0)
    exp_sep = out.nat_separated[:, :t].sum(1).mean(0)
    exp_app = out.appointed[:, :t].sum(1).mean(0)
    n = out.nationals.astype(np.float64)
    lower_incl = inp.limits.lower_inclusive
    rows = []
    for i, iso3 in enumerate(inp.nationalities):
        if np.isnan(inp.lower[0, i]) or out.status[0, 0, i] == NO_RANGE:
            continue
        likely = first_likely_year(list(inp.years), within[:, i])
        info = names.get(iso3, (iso3, None))
        rows.append({
            "iso3": iso3, "name": info[0], "regional_group": info[1] if len(info) > 1 else None,
            "lower": float(inp.lower[0, i]), "upper": float(inp.upper[0, i]),
            "staff_base": float(n[0, 0, i]), "status_base": STATUS_NAMES[out.status[0, 0, i]],
            "target_year": ty, "staff_at_target": float(np.median(n[:, t, i])),
            "staff_p05": float(np.quantile(n[:, t, i], 0.05)),
            "staff_p95": float(np.quantile(n[:, t, i], 0.95)),
            "p_within_at_target": float(within[t, i]), "p_under_or_unrepresented": float(under[i]),
            "first_likely_year_within": likely,
            "expected_separations": float(exp_sep[i]), "expected_appointments": float(exp_app[i]),
            "appointments_needed": max(0.0, float(_first_within(inp.lower[t, i], lower_incl)
                                                  - n[0, 0, i] + exp_sep[i])),
        })
    return pl.DataFrame(rows, schema_overrides={"first_likely_year_within": pl.Int64})


def _first_within(lower: float, inclusive: bool) -> float:
    """The smallest number of nationals within range (at least one: zero is unrepresented)."""
    first = np.ceil(lower - 1e-9) if inclusive else np.floor(lower + 1e-9) + 1
    return max(float(first), 1.0)


def groups_table(out: SimulationOutput) -> pl.DataFrame:
    """Per year and regional group: share of geographical staff (median and 5–95 %)."""
    group_of = out.inputs.recruitment.group_of
    n = out.nationals.astype(np.float64)
    g = np.stack([n[..., group_of == k].sum(-1) for k in range(len(GROUPS))], axis=-1)
    share = shares(g, np.broadcast_to(g.sum(-1, keepdims=True), g.shape))
    rows = []
    for t, year in enumerate(out.inputs.years):
        for k, name in enumerate(GROUPS):
            rows.append({"year": year, "regional_group": name,
                         "staff": float(np.median(g[:, t, k])),
                         "share": _f(_q(share[:, t, k], 0.5)),
                         "share_p05": _f(_q(share[:, t, k], 0.05)),
                         "share_p95": _f(_q(share[:, t, k], 0.95))})
    return pl.DataFrame(rows)


def parameters_table(out: SimulationOutput) -> pl.DataFrame:
    """Per grade: the estimated rates (posterior means) and recruitment mix used (that of
    the first projection year when the women's share follows a trend)."""
    inp = out.inputs
    mean = inp.rates.mean()
    mix = inp.recruitment.sex_mix_path(None, None, 1, [inp.base_year + 1])[0, 0]
    rows = []
    for g, grade in enumerate(inp.structure.grades):
        rows.append({
            "grade": grade, "person_years": float(inp.rates.exposure[g].sum()),
            "separation_rate_women": float(mean.separation[0, g, 0]),
            "separation_rate_men": float(mean.separation[0, g, 1]),
            "promotion_rate_women": float(mean.promotion[0, g, 0]),
            "promotion_rate_men": float(mean.promotion[0, g, 1]),
            "internal_fill_share": float(mean.fill[0, g]),
            "recruits_women_share": float(mix[g, 0] / max(mix[g, :3].sum(), 1e-12)),
            "posts_base": float(inp.establishment[0, g].sum()),
            "posts_final": float(inp.establishment[-1, g].sum()),
        })
    return pl.DataFrame(rows)
