"""Charts of a report as PNG images (vl-convert), with the language's own font.

WeasyPrint neither shapes nor reorders Arabic inside SVG text, so every chart is a PNG
drawn by vl-convert after the Noto font folders are registered; each label is written in
one script (the dimension values' names and the axis titles in the report's language).
The same PNG goes into the HTML (as a data URI) and through it into the PDF.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from parity.core.reports.document import Chart, Table
from parity.reports.words import Words

FONT_DIRS: tuple[str, ...] = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto",
                              "/usr/share/fonts/truetype/dejavu")
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter() -> Any:
    import vl_convert

    for folder in FONT_DIRS:
        if Path(folder).is_dir():
            vl_convert.register_font_directory(folder)
    return vl_convert


#: Bidirectional control marks (Babel writes some in Arabic dates): the chart renderer
#: draws them as missing glyphs instead of reordering, so labels go without them.
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                                     "\u2066\u2067\u2068\u2069"))


def spec(chart: Chart, table: Table, words: Words) -> dict[str, Any]:
    """The Vega-Lite specification of ``chart``: its values named in the language."""
    frame = table.frame
    x_names = [words.cell(table, chart.x, v).translate(_BIDI_MARKS)
               for v in frame[chart.x].to_list()]
    rows = [{"x": name, "y": y} for name, y in zip(x_names, frame[chart.y].to_list(), strict=True)
            if y is not None]
    share = chart.y in table.shares
    rtl = words.dir == "rtl"
    # Horizontal bars: the names of the values stay readable, one per line.
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 300, "height": {"step": 22}, "background": "white",
        "data": {"values": rows},
        "mark": {"type": "bar", "color": "#0b5ea8"},
        "encoding": {
            "y": {"field": "x", "type": "nominal", "sort": x_names,
                  "title": None, "axis": {"labelLimit": 220, "orient": "right" if rtl else "left"}},
            "x": {"field": "y", "type": "quantitative",
                  "title": words.t(table.columns[chart.y]),
                  "scale": {"reverse": rtl},
                  "axis": {"format": ".0%" if share else ",d", "tickMinStep": 1}},
        },
        "config": {"font": words.chart_font, "axis": {"labelFontSize": 11, "titleFontSize": 11},
                   "view": {"stroke": None}},
    }


def png(chart: Chart, table: Table, words: Words) -> bytes:
    """The chart as a PNG image (twice the CSS size, for print)."""
    vl = _converter()
    with _lock:
        return bytes(vl.vegalite_to_png(spec(chart, table, words), scale=2))
