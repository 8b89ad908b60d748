"""Typed, documented parameter files with the source and confirmation of every value.

``data/ranges.yaml`` holds the parameters of the system of desirable ranges and
``data/gender.yaml`` those of the gender parity analysis, ``data/compact.yaml`` the
compact targets of the entity scorecards. All ship as defaults; a user
file given with ``--params`` is merged on top (see docs/ranges-parameters.md).
"""

from parity.core.params._loading import Confirmation, Sourced
from parity.core.params.compact import CompactParameters, load_compact_parameters
from parity.core.params.gender import GenderParameters, Target, load_gender_parameters
from parity.core.params.ranges import RangeParameters, StateInput, load_range_parameters

__all__ = [
    "CompactParameters",
    "Confirmation",
    "GenderParameters",
    "RangeParameters",
    "Sourced",
    "StateInput",
    "Target",
    "load_compact_parameters",
    "load_gender_parameters",
    "load_range_parameters",
]
