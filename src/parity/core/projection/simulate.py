"""Run the projection: Monte Carlo over runs (vectorised), or the expected-value recursion.

Randomness: one numpy Generator per purpose and year, seeded from
SeedSequence([seed, purpose, year]). Parameter draws (rates, recruitment mixes, selection
rates; the trend of the women's share of recruits on a stream of its own) therefore do
not depend on how many process draws an earlier year used, and two
scenarios run with the same seed share their parameter draws and most process draws
(common random numbers), which is what the inverse mode's bisection relies on.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from parity.core.projection import career, nationality
from parity.core.projection.inputs import ProjectionInputs
from parity.core.projection.rates import RateDraw
from parity.core.projection.sampler import Array, ExpectedSampler, RandomSampler, Sampler
from parity.core.projection.structure import FIELDS, SEXES

FloatArray = npt.NDArray[np.float64]
_PARAMS, _INIT, _CAREER, _NATIONALITY, _TREND = range(5)


@dataclass(frozen=True)
class SimulationOutput:
    """Raw results: a leading axis of runs (1 in expected-value mode), then years.

    stock: staff by year (base year first) × grade × sex × entity type; retired, separated,
    promoted, recruited: flows by projection year × grade × sex; nationals: geographical
    staff by year × nationality; status: their status codes; appointed and
    nat_separated: geographical appointments and separations by year × nationality.
    """

    inputs: ProjectionInputs
    runs: int
    seed: int
    expected: bool
    stock: Array
    retired: Array
    separated: Array
    promoted: Array
    recruited: Array
    nationals: Array
    status: npt.NDArray[np.int8]
    appointed: Array
    nat_separated: Array


#: Runs are simulated in chunks of this many, each with its own random streams, so
#: results do not depend on how many threads run the chunks.
CHUNK = 500


def _rng(seed: int, purpose: int, year: int = 0, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, purpose, year, chunk]))


def _threads(chunks: int) -> int:
    return max(1, min(chunks, os.cpu_count() or 1))


def simulate(inputs: ProjectionInputs, runs: int = 1000, seed: int = 0,
             expected: bool = False, nationalities: bool = True) -> SimulationOutput:
    """Project ``inputs.horizon`` years; ``expected`` gives the deterministic recursion.
    ``nationalities=False`` skips the nationality layer (its outputs stay at zero).

    Runs are split in chunks of :data:`CHUNK` simulated on a thread each (numpy releases
    the GIL in its loops); the parameters are drawn for all runs at once.
    """
    if expected:
        runs = 1
    if runs < 1:
        raise ValueError("runs must be at least 1")
    years = inputs.years[1:]
    if expected:
        draw = inputs.rates.mean()
        base_mix = inputs.recruitment.sex_mix_path(None, None, 1, years)
        sel_rates = inputs.recruitment.selection_rates(None, 1)
    else:
        prng = _rng(seed, _PARAMS)
        draw = inputs.rates.draw(prng, runs)
        base_mix = inputs.recruitment.sex_mix_path(prng, _rng(seed, _TREND), runs, years)
        sel_rates = inputs.recruitment.selection_rates(prng, runs)
    bounds = [(a, min(a + CHUNK, runs)) for a in range(0, runs, CHUNK)]

    def chunk(i: int) -> dict[str, Array]:
        a, b = bounds[i]
        part = RateDraw(draw.separation[a:b], draw.promotion[a:b], draw.fill[a:b], draw.early[a:b])
        return _simulate_chunk(inputs, part, base_mix[a:b], sel_rates[a:b], seed, i, expected,
                               nationalities)

    if len(bounds) == 1:
        parts = [chunk(0)]
    else:
        with ThreadPoolExecutor(max_workers=_threads(len(bounds))) as pool:
            parts = list(pool.map(chunk, range(len(bounds))))
    arrays = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return SimulationOutput(inputs, runs, seed, expected, **arrays)


def _simulate_chunk(inputs: ProjectionInputs, draw: RateDraw, base_mix: FloatArray,
                    sel_rates: FloatArray, seed: int, chunk: int, expected: bool,
                    nationalities: bool) -> dict[str, Array]:
    runs = draw.separation.shape[0]
    sampler: Sampler = ExpectedSampler() if expected else RandomSampler(_rng(seed, _INIT, 0, chunk))
    H = inputs.horizon
    st = inputs.structure
    G, S, nf, n_nat = st.n_grades, len(SEXES), len(FIELDS), len(inputs.nationalities)
    dtype = np.float64 if expected else np.int64
    X = career.initial_state(inputs, sampler, draw.early)
    Q = nationality.initial_state(inputs, sampler, draw.early)
    comp = nationality.composition(inputs)
    out: dict[str, Array] = {"stock": np.zeros((runs, H + 1, G, S, nf), dtype=dtype)}
    for name in ("retired", "separated", "promoted", "recruited"):
        out[name] = np.zeros((runs, H, G, S), dtype=dtype)
    out["nationals"] = np.zeros((runs, H + 1, n_nat), dtype=dtype)
    out["status"] = np.zeros((runs, H + 1, n_nat), dtype=np.int8)
    out["appointed"] = np.zeros((runs, H, n_nat), dtype=dtype)
    out["nat_separated"] = np.zeros((runs, H, n_nat), dtype=dtype)
    incl = _inclusive(inputs)
    out["stock"][:, 0] = X.sum(-1)
    out["nationals"][:, 0] = Q.counts()
    out["status"][:, 0] = nationality.classify(out["nationals"][:, 0], inputs.lower[0],
                                               inputs.upper[0], *incl)
    for t in range(1, H + 1):
        year = inputs.base_year + t
        if not expected:
            sampler = RandomSampler(_rng(seed, _CAREER, t, chunk))
        mix = career.recruitment_mix(inputs, base_mix[:, t - 1], year)
        res = career.career_year(X, t, inputs, draw, mix, sampler)
        out["stock"][:, t] = X.sum(-1)
        for name in ("retired", "separated", "promoted", "recruited"):
            out[name][:, t - 1] = getattr(res, name)
        if not nationalities:
            continue
        if not expected:
            sampler = RandomSampler(_rng(seed, _NATIONALITY, t, chunk))
        p_sep = career.effective_separation(inputs, draw, year)
        sep, app = nationality.nationality_year(Q, t, inputs, p_sep, comp, res.recruited, sel_rates,
                                                out["status"][:, t - 1], sampler)
        out["nat_separated"][:, t - 1] = sep
        out["appointed"][:, t - 1] = app
        out["nationals"][:, t] = Q.counts()
        out["status"][:, t] = nationality.classify(out["nationals"][:, t], inputs.lower[t],
                                                   inputs.upper[t], *incl)
    return out


def _inclusive(inputs: ProjectionInputs) -> tuple[bool, bool]:
    lim = inputs.limits
    return (lim.lower_inclusive, lim.upper_inclusive) if lim is not None else (True, True)
