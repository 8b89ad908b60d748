"""Disclosure control: roles, purpose-bound self-identification data, releases and audit.

Everything shown to all staff, Member States or managers goes through
:func:`publish` (or :func:`build_release`): pre-computed catalog tables, threshold rule,
complementary suppression audited by linear programming, rates only on large enough
denominators, differencing between releases blocked. Self-identification data are read
only through :mod:`parity.core.disclosure.selfid`, by an analyst with a declared purpose,
and every read is written to the hash-chained audit log. See docs/disclosure.md.
"""

from parity.core.disclosure.audit_log import Verification, verify
from parity.core.disclosure.auditor import Interval, LinkedSystem, feasible_intervals, link
from parity.core.disclosure.catalog import CATALOG, Provider, register
from parity.core.disclosure.checks import check_release_dir, check_table
from parity.core.disclosure.policy import (
    Actor,
    Audience,
    DisclosurePolicy,
    may_view,
    release_audience,
)
from parity.core.disclosure.release import Release, build_release, publish
from parity.core.disclosure.suppression import DisclosureRefusedError, primary_cells, protect
from parity.core.disclosure.tables import ALL, CountTable, Derived, Released, TableSpec, expand

__all__ = [
    "ALL",
    "CATALOG",
    "Actor",
    "Audience",
    "CountTable",
    "Derived",
    "DisclosurePolicy",
    "DisclosureRefusedError",
    "Interval",
    "LinkedSystem",
    "Provider",
    "Release",
    "Released",
    "TableSpec",
    "Verification",
    "build_release",
    "check_release_dir",
    "check_table",
    "expand",
    "feasible_intervals",
    "link",
    "may_view",
    "primary_cells",
    "protect",
    "publish",
    "register",
    "release_audience",
    "verify",
]
