"""A report as a tagged PDF (PDF/UA-1): its HTML page through WeasyPrint.

WeasyPrint shapes Arabic and reorders it right to left, embeds the Noto fonts it uses as
subsets (Noto Sans for Latin and Cyrillic, Noto Naskh Arabic, Noto Sans CJK SC) and
writes the structure tree, so the PDF is tagged; the page CSS numbers every page and
repeats the data line at its foot.
"""

from __future__ import annotations

from parity.core.reports.document import Document
from parity.reports.html import render_html


def render_pdf(document: Document, lang: str) -> bytes:
    """The report as PDF bytes in ``lang``."""
    from weasyprint import HTML

    pdf = HTML(string=render_html(document, lang)).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return bytes(pdf)
