"""The monthly report written out: PDF in six languages (title and figures found by
pdftotext, page 1 not blank, tagged, fonts embedded), self-contained accessible HTML, an
XLSX that reads back equal, and the command's files and errors."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from PIL import Image

from parity.core.output.xlsx_out import sheet_names
from parity.core.reports.document import Document
from parity.reports import render
from parity.reports.words import Words
from parity.web.i18n import LANGUAGES

from .conftest import MONTH

BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def squash(text: str) -> str:
    """Text without bidi marks or white space, in one normal form (pdftotext output)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text.translate(BIDI)))


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pdf_in_every_language(monthly: Document, tmp_path: Path, lang: str) -> None:
    pdf = tmp_path / f"report-{lang}.pdf"
    pdf.write_bytes(render(monthly, lang, "pdf"))
    words = Words(lang)
    text = squash(pdf_text(pdf))
    title = words.phrase(monthly.title)
    assert title != "" and (lang == "en" or title != monthly.title.msgid)
    if lang == "ar":  # pdftotext reorders right-to-left lines word by word: look for the words
        assert all(squash(w) in text for w in title.split() if len(w) > 2), title
    else:
        assert squash(title) in text
    # a figure: the regional-group table's first count of the year to date, formatted
    rg = monthly.tables()["selections_by_regional_group"].frame
    figure = words.fmt.integer(int(rg["year_to_date"].sum()))
    assert figure in text
    share = words.fmt.percent(rg["year_to_date_share"][0], 1)
    assert squash(share) in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"Tagged:\s+yes", info)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # emb column
    wanted = {"ar": "Naskh-Arabic", "zh": "CJK", "ru": "Noto-Sans"}.get(lang, "Noto-Sans")
    assert any(wanted in line for line in fonts), fonts
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    (page,) = tmp_path.glob("page*.png")
    pixels = np.asarray(Image.open(page).convert("L"))
    assert (pixels < 200).mean() > 0.02  # text, tables and the chart: not a blank page


def test_html_is_self_contained_and_accessible(monthly: Document) -> None:
    html = render(monthly, "ar", "html").decode("utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="ar" dir="rtl">' in html
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", html, re.I)
    assert not re.search(r"""(?:src|href)=["'](?!data:|#)""", html)
    assert "<link" not in html and "<script" not in html
    tables = [t for s in monthly.sections for t in s.tables]
    assert html.count("<caption>") == len(tables)
    assert html.count("<h1>") == 1 and html.count("<h2") >= len(monthly.sections)
    assert 'scope="col"' in html and 'scope="row"' in html
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == sum(len(s.charts) for s in monthly.sections) > 0
    for img in images:
        assert 'src="data:image/png;base64,' in img and re.search(r'alt="[^"]{10,}"', img)
    assert Words("ar").phrase(monthly.title) in html


def test_xlsx_reads_back_equal(monthly: Document) -> None:
    book = openpyxl.load_workbook(io.BytesIO(render(monthly, "fr", "xlsx")))
    words = Words("fr")
    about = book.worksheets[0]
    assert about.title == words.t("About")
    about_text = [str(c.value) for row in about.iter_rows() for c in row if c.value is not None]
    assert about_text[0].startswith(words.phrase(monthly.title))
    for s in monthly.sections:
        for p in s.paragraphs:
            assert words.phrase(p) in about_text
    assert "month" in about_text and MONTH in about_text
    tables = monthly.tables()
    sheets = sheet_names(list(tables), reserved=(about.title,))
    assert book.sheetnames[1:] == list(sheets.values())
    for key, t in tables.items():
        ws = book[sheets[key]]
        rows = list(ws.iter_rows(values_only=True))
        codes = list(rows[1])
        shown = [c for c in t.columns]
        assert [c for c in codes if not str(c).endswith("_label")] == shown
        for c in shown:  # readable headers in French in row 1 (names before codes)
            head = words.t(t.columns[c])
            coded = c in t.dimensions or c in t.labels
            assert rows[0][codes.index(f"{c}_label" if coded else c)] == head
        for i, record in enumerate(t.frame.select(shown).iter_rows(named=True)):
            cells = dict(zip(codes, rows[2 + i], strict=True))
            for c, v in record.items():
                if isinstance(v, float):
                    assert cells[c] == pytest.approx(v)
                else:
                    assert cells[c] == v, (key, c)
                if c in t.dimensions:
                    assert cells[f"{c}_label"] == words.cell(t, c, v)
        assert len(rows) == 2 + t.frame.height


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "parity.cli.main", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def test_command_writes_each_format_and_refuses_bad_options(report_db: Path,
                                                            tmp_path: Path) -> None:
    res = run("report", "monthly", "--db", str(report_db), "--month", MONTH, "--format", "xlsx",
              "--lang", "zh", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    written = tmp_path / f"report-monthly-{MONTH}-zh.xlsx"
    assert written.stat().st_size > 5000 and list(tmp_path.iterdir()) == [written]
    out = tmp_path / "m.html"
    res = run("report", "monthly", "--db", str(report_db), "--month", MONTH, "--out", str(out),
              "--audience", "public", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "For the public" in out.read_text(encoding="utf-8")
    for bad, message in ((["--month", "2024-13"], "is not a month"),
                         (["--month", MONTH, "--audience", "everyone"], "is not an audience"),
                         ([], "needs --month"),
                         (["--month", "1990-01"], "No selection was decided"),
                         (["--month", MONTH, "--out", str(tmp_path / "no" / "x.pdf")],
                          "does not exist")):
        res = run("report", "monthly", "--db", str(report_db), *bad, cwd=tmp_path)
        assert res.returncode != 0
        assert message in res.stderr and "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([written.name, "m.html"])
