"""The sentences of the monthly report, written from its tables' figures (no language model).

Each function reads the very frames the report shows and returns :class:`Phrase` objects
(message ids of the six catalogs with named values), so every figure in a sentence is a
cell of the table beside it. Sentences avoid plural forms (``Selections in the month:
{count}``) so that one message id serves every count in every language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from parity.core.reports.document import N_, Label, Month, Phrase, Share, Table

#: Statuses whose States the report counts as below their range.
BELOW = ("unrepresented", "underrepresented")
#: At most this many adverse-impact findings are written out as sentences.
MAX_FINDINGS = 6


def _share(part: int, total: int) -> Share:
    return Share(part / total if total else None)


def _known(frame: pl.DataFrame, *columns: str) -> bool:
    """True when every cell of ``columns`` is shown (a protected table may hide some:
    then no sentence sums or compares them)."""
    return all(c in frame.columns and frame[c].null_count() == 0 for c in columns)


def summary(tables: Mapping[str, pl.DataFrame], month: Month) -> list[Phrase]:
    """Totals of the three periods; the range-status and gender sentences."""
    rg = tables["regional_group"]
    if not _known(rg, "month", "year_to_date", "year_earlier"):
        return [Phrase(N_("Some figures of this report are withheld under the disclosure "
                          "rules; the tables show those that may be published."))]
    total, ytd, prev = (int(rg[c].sum()) for c in ("month", "year_to_date", "year_earlier"))
    out = [Phrase(N_("Selections decided in {month}: {count}. In the year to date: {ytd}. "
                     "In {previous}: {earlier}."),
                  {"month": month, "count": total, "ytd": ytd, "previous": month.shift(-12),
                   "earlier": prev})]
    rs = tables["range_status"]
    below = rs.filter(pl.col("range_status").is_in(BELOW))
    b_month, b_prev = int(below["month"].sum()), int(below["year_earlier"].sum())
    if _known(below, "month", "year_earlier"):
        out.append(Phrase(
            N_("Nationals of unrepresented or underrepresented Member States: {count} of the "
               "month's selections ({share}); {earlier} ({earlier_share}) in the same month a "
               "year earlier."),
            {"count": b_month, "share": _share(b_month, total), "earlier": b_prev,
             "earlier_share": _share(b_prev, prev)}))
    g = tables["gender"]
    women = g.filter(pl.col("gender") == "F")
    if _known(women, "month", "year_to_date"):
        w_month, w_ytd = int(women["month"].sum()), int(women["year_to_date"].sum())
        out.append(Phrase(
            N_("Women: {count} of the month's {total} selections ({share}); {ytd} of "
               "{ytd_total} in the year to date ({ytd_share})."),
            {"count": w_month, "total": total, "share": _share(w_month, total), "ytd": w_ytd,
             "ytd_total": ytd, "ytd_share": _share(w_ytd, ytd)}))
    return out


def breakdown(dim: str, frame: pl.DataFrame, month: Month) -> list[Phrase]:
    """Which value of ``dim`` had the most selections in the month (or that none had)."""
    if not _known(frame, "month"):
        return []
    total = int(frame["month"].sum())
    if total == 0:
        return [Phrase(N_("No selection was decided in {month}."), {"month": month})]
    top = int(frame["month"].cast(pl.Int64).max() or 0)  # type: ignore[arg-type]
    leaders = frame.filter(pl.col("month") == top)[dim].to_list()
    if len(leaders) > 1:
        return [Phrase(N_("In {month}, {number} values share the most selections: {count} "
                          "each of {total}."),
                       {"month": month, "number": len(leaders), "count": top, "total": total})]
    return [Phrase(N_("In {month}, the most selections went to {value}: {count} of {total} "
                      "({share})."),
                   {"month": month, "value": Label(str(leaders[0]), dim), "count": top,
                    "total": total, "share": _share(top, total)})]


def verdicts(tables: Sequence[Table], first: int, last: int) -> list[Phrase]:
    """How many comparisons show adverse impact or call for watching, then each finding."""
    frames = [(t.frame, next(iter(t.dimensions))) for t in tables]
    n = sum(f.height for f, _ in frames)
    adverse = sum(f.filter(pl.col("verdict") == "adverse impact").height for f, _ in frames)
    watch = sum(f.filter(pl.col("verdict") == "watch").height for f, _ in frames)
    out = [Phrase(N_("Openings posted in {first}–{last}: of {number} comparisons of a group "
                     "with the others at a stage, {adverse} show adverse impact and {watch} "
                     "are to watch."),
                  {"first": str(first), "last": str(last), "number": n, "adverse": adverse,
                   "watch": watch})]
    findings = [(dim, r) for f, dim in frames
                for r in f.filter(pl.col("verdict") == "adverse impact").iter_rows(named=True)]
    for dim, r in findings[:MAX_FINDINGS]:
        if r.get("pass_rate") is None or r.get("reference_pass_rate") is None:
            out.append(Phrase(N_("Adverse impact for {group} at the stage {stage}."),
                              {"group": Label(str(r[dim]), dim),
                               "stage": Label(str(r["stage"]), "stage")}))
            continue
        out.append(Phrase(
            N_("Adverse impact for {group} at the stage {stage}: a pass rate of {rate} against "
               "{reference} for the others."),
            {"group": Label(str(r[dim]), dim), "stage": Label(str(r["stage"]), "stage"),
             "rate": Share(r["pass_rate"]), "reference": Share(r["reference_pass_rate"])}))
    return out


def timeline(frame: pl.DataFrame, month: Month) -> list[Phrase]:
    """Median days and the share within the target, per period."""
    months = {"month": month, "year_to_date": None, "year_earlier": month.shift(-12)}
    out: list[Phrase] = []
    for r in frame.iter_rows(named=True):
        when = months[r["period"]]
        if any(r.get(c) is None for c in ("openings", "median_days", "within_target")) \
                and r.get("openings") != 0:
            continue
        if r["openings"] == 0:
            out.append(Phrase(N_("No opening had its first selection in {month}."),
                              {"month": when}) if when is not None else
                       Phrase(N_("No opening had its first selection in the year to date.")))
            continue
        values = {"count": r["openings"], "days": r["median_days"],
                  "share": Share(r["within_target"]), "target": r["target_days"]}
        if when is None:
            out.append(Phrase(N_("Openings first filled in the year to date: {count}, a median "
                                 "of {days} days from posting to selection; {share} within "
                                 "{target} days."), values))
        else:
            out.append(Phrase(N_("Openings first filled in {month}: {count}, a median of {days} "
                                 "days from posting to selection; {share} within {target} "
                                 "days."), {"month": when, **values}))
    return out

