"""A report as one self-contained, accessible HTML file (also the source of the PDF).

The page declares its language and direction (Arabic right to left), has one ``h1`` and
an ``h2`` per section, captions on every table, ``th`` cells with ``scope``, each chart
as an inline PNG with a text alternative followed by the table of its figures, and
inline CSS only: it makes no request to anything outside itself.
"""

from __future__ import annotations

import base64
from html import escape

from parity.core.reports.document import N_, Chart, Document, Phrase, Section, Table
from parity.reports import charts
from parity.reports.words import LATIN_FONT, Words

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8.5pt; color: #444;
    width: 30mm; } }
html { font-family: FONT, "Noto Sans", sans-serif; font-size: 10pt; color: #1a1a1a;
  line-height: 1.4; }
body { max-width: 60rem; margin: 0 auto; padding: 0 0.5rem; }
h1 { font-size: 18pt; margin: 0 0 0.2rem; color: #0b3d6b; }
h2 { font-size: 13pt; margin: 1.4rem 0 0.4rem; color: #0b3d6b; break-after: avoid; }
.subtitle { font-size: 11pt; margin: 0; }
.asof { font-size: 8.5pt; color: #444; margin: 0.2rem 0 0.8rem; }
.audience { font-size: 9pt; margin: 0; }
p { margin: 0.3rem 0; }
figure { margin: 0.6rem 0; break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 9pt; color: #333; }
table { border-collapse: collapse; margin: 0.5rem 0 0.8rem; font-size: 8.5pt; width: 100%; }
caption { text-align: start; font-weight: bold; font-size: 9.5pt; padding-bottom: 0.2rem;
  caption-side: top; }
th, td { border-bottom: 1px solid #c8c8c8; padding: 0.15rem 0.35rem; text-align: start;
  vertical-align: top; }
thead th { border-bottom: 2px solid #555; font-weight: bold; }
thead th.n { text-align: end; }
td.n { text-align: end; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody th { font-weight: normal; }
tr { break-inside: avoid; }
footer { margin-top: 1.5rem; font-size: 8.5pt; color: #333; border-top: 1px solid #999; }
"""


def _table(table: Table, words: Words, ident: str) -> str:
    cols = list(table.columns)
    numeric = {c for c in cols if c not in table.dimensions and c not in table.labels
               and table.frame.schema[c].is_numeric()}
    number_class = ' class="n"'
    head = "".join(f'<th scope="col"{number_class if c in numeric else ""}>'
                   f"{escape(words.t(table.columns[c]))}</th>" for c in cols)
    body: list[str] = []
    for row in table.frame.select(cols).iter_rows(named=True):
        cells = []
        for j, c in enumerate(cols):
            text = escape(words.cell(table, c, row[c]))
            is_number = not (c in table.dimensions or c in table.labels) and isinstance(
                row[c], int | float)
            if j == 0:
                cells.append(f'<th scope="row">{text}</th>')
            else:
                cells.append(f'<td class="n">{text}</td>' if is_number else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = f"<p>{escape(words.phrase(table.note))}</p>" if table.note else ""
    return (f'<table id="{ident}"><caption>{escape(words.phrase(table.title))}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}")


def _figure(chart: Chart, table: Table, words: Words, table_id: str) -> str:
    image = charts.png(chart, table, words)
    width, height = (int.from_bytes(image[16:20], "big") // 2,
                     int.from_bytes(image[20:24], "big") // 2)  # PNG IHDR; drawn at scale 2
    data = base64.b64encode(image).decode("ascii")
    title = words.phrase(chart.title)
    alt = words.phrase(Phrase(N_("Bar chart: {title}. The table that follows gives its "
                                 "figures."), {"title": title}))
    return (f'<figure><img src="data:image/png;base64,{data}" width="{width}" '
            f'height="{height}" alt="{escape(alt, quote=True)}" aria-describedby="{table_id}">'
            f"<figcaption>{escape(title)}</figcaption></figure>")


def _section(section: Section, words: Words) -> str:
    parts = [f'<section aria-labelledby="h-{section.key}">',
             f'<h2 id="h-{section.key}">{escape(words.phrase(section.title))}</h2>']
    parts.extend(f"<p>{escape(words.phrase(p))}</p>" for p in section.paragraphs)
    # A chart needs every value of its table: a protected table with hidden cells has none.
    charted = {c.table: c for c in section.charts
               if section.table(c.table).frame[c.y].null_count() == 0}
    for table in section.tables:
        ident = f"t-{table.key}"
        if table.key in charted:
            parts.append(_figure(charted[table.key], table, words, ident))
        parts.append(_table(table, words, ident))
    parts.append("</section>")
    return "".join(parts)


def audience_line(document: Document, words: Words) -> str:
    names = {"analyst": N_("For analysts: every figure, unprotected."),
             "public": N_("For the public: figures protected by the disclosure rules.")}
    msgid = names.get(document.audience.partition(":")[0],
                      N_("For a restricted audience: figures protected by the disclosure rules."))
    return words.t(msgid)


def render_html(document: Document, lang: str) -> str:
    """The report as a complete HTML page in ``lang``."""
    words = Words(lang)
    title = words.phrase(document.title)
    css = CSS.replace("FONT", f'"{words.font}"' if words.font != LATIN_FONT else '"Noto Sans"')
    head = (f'<!DOCTYPE html><html lang="{lang}" dir="{words.dir}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{css}</style></head><body>")
    header = [f"<header><h1>{escape(title)}</h1>"]
    if document.subtitle is not None:
        header.append(f'<p class="subtitle">{escape(words.phrase(document.subtitle))}</p>')
    header.append(f'<p class="audience">{escape(audience_line(document, words))}</p>')
    header.append(f'<p class="asof">{escape(words.data_as_of(document.data_as_of))}</p></header>')
    main = "<main>" + "".join(_section(s, words) for s in document.sections) + "</main>"
    notes = "".join(f"<p>{escape(words.phrase(n))}</p>" for n in document.notes)
    footer = f'<footer><h2 id="h-notes">{escape(words.t(N_("Notes")))}</h2>{notes}</footer>'
    return head + "".join(header) + main + footer + "</body></html>"
