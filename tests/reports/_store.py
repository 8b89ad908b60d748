"""Plain SQL over a report test's store, for the independent recomputations, and a
report rendered as a PDF and read back."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import polars as pl
from PIL import Image

from parity.core.reports.document import Document
from parity.core.store import Store
from parity.reports import render
from parity.reports.words import Words

from .test_render import pdf_text, squash


def sql(store: Store, query: str, *params: object) -> pl.DataFrame:
    """A plain SQL query on the store's DuckDB file, as polars."""
    cur = store.cursor()
    try:
        frame = pl.from_arrow(cur.execute(query, list(params)).to_arrow_table())
        assert isinstance(frame, pl.DataFrame)
        return frame
    finally:
        cur.close()


def check_pdf(document: Document, lang: str, folder: Path, figures: list[str]) -> str:
    """Render ``document`` as a PDF in ``lang``; pdftotext must find its title and each of
    ``figures`` (already formatted the language's way); page 1 must not be blank.
    Returns the PDF's text without white space."""
    pdf = folder / f"report-{lang}.pdf"
    pdf.write_bytes(render(document, lang, "pdf"))
    words = Words(lang)
    text = squash(pdf_text(pdf))
    title = words.phrase(document.title)
    assert title and (lang == "en" or title != Words("en").phrase(document.title))
    if lang == "ar":  # pdftotext reorders right-to-left lines word by word
        assert all(squash(w) in text for w in title.split() if len(w) > 2), title
    else:
        assert squash(title) in text, title
    for figure in figures:
        assert squash(figure) in text, (lang, figure)
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(folder / f"page-{lang}")], check=True)
    (page,) = folder.glob(f"page-{lang}*.png")
    assert (np.asarray(Image.open(page).convert("L")) < 200).mean() > 0.01
    return text
