"""Reports: builders that turn the core's results into a :class:`Document` (untranslated,
unformatted), one module per report; renderers outside the core write it as HTML, PDF or
XLSX in one of six languages."""

from __future__ import annotations

from parity.core.reports.document import (
    Chart,
    Country,
    Document,
    Label,
    Month,
    Phrase,
    Section,
    Share,
    Table,
    Value,
)

__all__ = ["Chart", "Country", "Document", "Label", "Month", "Phrase", "Section", "Share", "Table", "Value"]
