"""Reports written out: a :class:`~parity.core.reports.Document` as HTML, PDF or XLSX in one
of the six official languages.

An edge of Parity beside the CLI and the dashboard: it translates and formats what the
report builders of :mod:`parity.core.reports` computed, and computes nothing itself.
"""

from __future__ import annotations

from typing import Literal

from parity.core.reports.document import Document

Format = Literal["html", "pdf", "xlsx"]
FORMATS: tuple[str, ...] = ("html", "pdf", "xlsx")


def render(document: Document, lang: str, fmt: str) -> bytes:
    """``document`` in language ``lang`` (ar zh en fr ru es) and format ``fmt``."""
    if fmt == "html":
        from parity.reports.html import render_html

        return render_html(document, lang).encode("utf-8")
    if fmt == "pdf":
        from parity.reports.pdf import render_pdf

        return render_pdf(document, lang)
    if fmt == "xlsx":
        from parity.reports.xlsx import render_xlsx

        return render_xlsx(document, lang)
    raise ValueError(f"Unknown report format {fmt!r}; use one of {', '.join(FORMATS)}.")


__all__ = ["FORMATS", "Format", "render"]
