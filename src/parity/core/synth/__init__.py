"""The calibrated synthetic organization.

:func:`synthesize` writes the five interchange files (INTERCHANGE.md) of a Secretariat-like
organization, 2015–2024, calibrated so that seed 000's Table 1 (2018–2022) holds at scale 1:
see :mod:`parity.core.synth.calibration` for the targets and :func:`table1` to check them.

Modules, in the order the generator uses them:

* ``calibration``: the Table 1 targets, row definitions and :func:`table1`;
* ``organization``, ``countries``: entities, duty stations, posts; nationality weights;
* ``quotas``: exact allocation of counts to groups (what makes calibration hold);
* ``dates``, ``ordering``: day arithmetic and fast multi-key sorting;
* ``population``, ``careers``, ``ledger``, ``hiring``, ``workforce``: the staff, simulated
  year by year, with their events and snapshots;
* ``timing``, ``recruitment``: job openings, their dates and funnel sizes;
* ``applications``, ``applicants``: every application, its applicant and its stage dates;
* ``selfid``: voluntary self-identification;
* ``writer``: the CSV files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from parity.core.synth.applications import build_applications
from parity.core.synth.calibration import TARGETS, format_table1, table1
from parity.core.synth.organization import organization
from parity.core.synth.quotas import funnel_shares
from parity.core.synth.recruitment import build_openings, plan_applications
from parity.core.synth.selfid import self_identification
from parity.core.synth.workforce import simulate
from parity.core.synth.writer import (
    applications_frame,
    events_frame,
    opening_ids,
    opening_order,
    openings_frame,
    self_identification_frame,
    staff_frame,
    write,
)

__all__ = ["TARGETS", "format_table1", "synthesize", "table1"]


def synthesize(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    organizations: int | None = None,
) -> dict[str, int]:
    """Write staff, openings, applications, events and self-identification CSV files.

    ``scale`` multiplies the size of the organization and of its recruitment (1.0: about
    36,700 staff and 1.6 million Professional applications in 2018–2022). The same seed and
    scale give byte-identical files. Returns the number of rows written per file name.
    With ``organizations``, a UN-system-like set of that many organizations with an
    ``organization`` column (see :mod:`parity.core.synth.system`); without it, one
    organization and the interchange columns only.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}.")
    say = progress or (lambda _msg: None)
    out = Path(out_dir)
    if organizations is not None:
        from parity.core.synth.system import system_frames

        frames = system_frames(organizations, scale, seed, say)
    else:
        frames = build_frames(scale, seed, say)
    say("writing the interchange files")
    counts: dict[str, int] = {}
    for name, frame in frames.items():
        counts |= write(out, {name: frame})
    say("done")
    return counts


def build_frames(scale: float, seed: int,
                 say: Callable[[str], None]) -> dict[str, pl.DataFrame]:
    """The five interchange tables of one calibrated organization, by file stem, in the
    order they are written."""
    rng = np.random.Generator(np.random.PCG64(seed))
    org = organization(scale)

    say("simulating the workforce, 2015-2024")
    wf = simulate(rng, scale)
    say("opening posts and sizing the recruitment funnel")
    op = build_openings(rng, org, wf.fills)
    plan_applications(rng, op, scale)
    say(f"generating {int(op.depth.sum()):,} applications")
    apps = build_applications(rng, op, wf, funnel_shares())
    say("collecting voluntary self-identification")
    si = self_identification(rng, wf, apps)

    order, rank = opening_order(op)
    ids = opening_ids(op, rank)
    return {"staff": staff_frame(wf, org), "events": events_frame(wf, org),
            "openings": openings_frame(op, org, ids, order),
            "applications": applications_frame(apps, ids, rank),
            "self_identification": self_identification_frame(si)}
