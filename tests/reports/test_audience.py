"""A public report shows nothing the disclosure rules hide, checked by an attacker written
apart from the protecting code: it reads only what the public report shows."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy.optimize import linprog

from parity.core.disclosure.policy import DisclosurePolicy
from parity.core.reports.document import Document
from parity.reports import render

POLICY = DisclosurePolicy()
PERIODS = ("month", "year_to_date", "year_earlier")


def shown_tables(doc: Document) -> dict[str, pl.DataFrame]:
    return {k: t.frame for k, t in doc.tables().items() if k.startswith("selections_by_")}


class Attacker:
    """Reads the count tables of a report (hidden cells null) and bounds each hidden cell by
    linear programming: counts are non-negative; in each period every table partitions the
    same selections (their columns have one total, unknown unless every cell is shown).
    It also holds last month's report, taken as published in full: for every group,
    January to May, so a group's year to date minus its month is known to it."""

    def __init__(self, tables: dict[str, pl.DataFrame],
                 before: dict[tuple[str, str], int] | None = None) -> None:
        self.cells: list[tuple[str, str, str]] = []
        self.known: dict[int, float] = {}
        self.before = before or {}
        for key, f in tables.items():
            dim = f.columns[0]
            for r in f.iter_rows(named=True):
                for p in PERIODS:
                    self.known_or_var((key, str(r[dim]), p), r[p])

    def known_or_var(self, cell: tuple[str, str, str], value: int | None) -> None:
        self.cells.append(cell)
        if value is not None:
            self.known[len(self.cells) - 1] = float(value)

    def bounds(self) -> dict[tuple[str, str, str], tuple[float, float]]:
        n = len(self.cells) + len(PERIODS)  # one unknown total per period
        eq_rows, eq_rhs, ub_rows = [], [], []
        index = {c: i for i, c in enumerate(self.cells)}
        for p_i, p in enumerate(PERIODS):
            for key in {c[0] for c in self.cells}:
                row = np.zeros(n)
                for i, c in enumerate(self.cells):
                    if c[0] == key and c[2] == p:
                        row[i] = 1
                row[len(self.cells) + p_i] = -1
                eq_rows.append(row)
                eq_rhs.append(0.0)
        for c, i in index.items():
            if c[2] == "month":
                row = np.zeros(n)
                row[i], row[index[(c[0], c[1], "year_to_date")]] = 1, -1
                if (c[0], c[1]) in self.before:  # month = year to date - January to May
                    eq_rows.append(row)
                    eq_rhs.append(-float(self.before[(c[0], c[1])]))
                else:
                    ub_rows.append(row)
        for i, v in self.known.items():
            row = np.zeros(n)
            row[i] = 1
            eq_rows.append(row)
            eq_rhs.append(v)
        out = {}
        for i, c in enumerate(self.cells):
            if i in self.known:
                continue
            ends = []
            for sign in (1, -1):
                goal = np.zeros(n)
                goal[i] = sign
                res = linprog(goal, A_ub=np.array(ub_rows) if ub_rows else None,
                              b_ub=np.zeros(len(ub_rows)) if ub_rows else None,
                              A_eq=np.array(eq_rows), b_eq=np.array(eq_rhs),
                              bounds=[(0, None)] * n, method="highs")
                ends.append(sign * res.fun if res.status == 0 else (np.inf if sign < 0 else 0))
            out[c] = (ends[0], ends[1])
        return out


def test_public_report_hides_small_counts_and_protects_them(monthly: Document,
                                                            monthly_public: Document) -> None:
    truth = shown_tables(monthly)
    public = shown_tables(monthly_public)
    hidden_small = 0
    for key, f in public.items():
        for p in PERIODS:
            for shown, true in zip(f[p].to_list(), truth[key][p].to_list(), strict=True):
                assert shown is None or shown == true
                assert shown is None or not POLICY.small(shown), (key, p, shown)
                hidden_small += shown is None and POLICY.small(true)
    assert hidden_small > 0  # the test organization has small cells to protect
    before = {(key, str(r[f.columns[0]])): r["year_to_date"] - r["month"]
              for key, f in truth.items() for r in f.iter_rows(named=True)}
    bounds = Attacker(public, before).bounds()
    for (key, value, p), (low, high) in bounds.items():
        true = truth[key].filter(pl.col(truth[key].columns[0]) == value)[p].item()
        assert low - 1e-6 <= true <= high + 1e-6
        if POLICY.small(true):
            assert high - low >= POLICY.protection_width - 1e-6, (key, value, p, low, high)


def test_public_shares_only_on_published_counts(monthly_public: Document) -> None:
    for f in shown_tables(monthly_public).values():
        for p in PERIODS:
            total_known = f[p].null_count() == 0
            for count, share in zip(f[p].to_list(), f[f"{p}_share"].to_list(), strict=True):
                if share is not None:
                    assert count is not None
                    if total_known:
                        assert share == pytest.approx(count / f[p].sum())
                        assert f[p].sum() >= POLICY.min_rate_denominator


def test_public_funnel_shows_verdicts_only_where_the_ratio_rule_allows(
        monthly: Document, monthly_public: Document) -> None:
    for dim in ("regional_group", "gender"):
        full = monthly.tables()[f"funnel_verdicts_by_{dim}"].frame
        shown = monthly_public.tables()[f"funnel_verdicts_by_{dim}"].frame
        assert shown.columns == [dim, "stage", "verdict"]
        allowed = full.filter((pl.col("previous_count") >= POLICY.min_ratio_group)
                              & (pl.col("reference_previous_count") >= POLICY.min_ratio_group))
        assert shown.equals(allowed.select(dim, "stage", "verdict"))
    timeline = monthly_public.tables()["timeline"].frame
    for r in timeline.iter_rows(named=True):
        assert r["openings"] is None or not POLICY.small(r["openings"])
        if r["median_days"] is not None:
            assert r["openings"] >= POLICY.min_rate_denominator


def test_public_sentences_state_no_hidden_figure(monthly_public: Document) -> None:
    """Every count in a sentence of the selection sections is a shown cell, the sum of a
    column shown in full, or the sum of two shown cells of one column; every share is the
    ratio of two such figures."""
    allowed: set[int] = set()
    for f in shown_tables(monthly_public).values():
        for p in PERIODS:
            cells = [v for v in f[p].to_list() if v is not None]
            allowed.update(cells)
            allowed.update(a + b for i, a in enumerate(cells) for b in cells[i + 1:])
            if f[p].null_count() == 0:
                allowed.add(int(f[p].sum()))
    allowed.update(v for v in monthly_public.tables()["timeline"].frame["openings"].to_list()
                   if v is not None)
    checked = 0
    for s in monthly_public.sections:
        if s.key == "funnel":  # counts of comparisons, not of persons
            continue
        for phrase in s.paragraphs:
            for name, v in phrase.values.items():
                if isinstance(v, int) and name not in ("number", "target"):
                    assert v in allowed, (s.key, phrase.msgid, name, v)
                    checked += 1
    html = render(monthly_public, "en", "html").decode("utf-8")
    assert "For the public" in html and "every figure, unprotected" not in html
    withheld = any(p.msgid.startswith("Some figures") for p in monthly_public.sections[0].paragraphs)
    assert checked > 0 or withheld
