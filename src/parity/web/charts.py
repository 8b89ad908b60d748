"""Vega-Lite specifications, built as plain dictionaries from already-formatted rows.

Charts are drawn as SVG by the vendored vega-embed. In a right-to-left page the chart
container keeps ``dir="ltr"`` (the template does it) and the chart is mirrored on purpose:
the value axis runs right to left and the category axis sits on the right.

Charts fit a 390 px phone as well as a desktop: category labels are wrapped onto up to
three lines here (the full name stays in the tooltip and the table), legends lay out in as
many columns as the width holds, counts spanning orders of magnitude are drawn on a log
scale, and small multiples (:func:`small_multiples`) take their column count from the
page's width when drawn (``usermeta.cell`` read by ``static/js/parity.js``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

#: Series colours with at least 3:1 contrast against white (WCAG 1.4.11).
PALETTE: tuple[str, ...] = ("#0b5ea8", "#a8480b", "#2e7d32", "#7b3fa0", "#b0174f", "#4d4d4d",
                            "#00707a", "#806000")
FONT = "Noto Sans, Noto Sans Arabic, Noto Sans CJK SC, Noto Sans SC, sans-serif"
#: Width of a category label's line, in units of a Latin letter (a CJK character counts 2).
LINE_UNITS = 22
#: Lines a category label may take; the last one ends with "…" when the name is longer.
MAX_LINES = 3
#: Largest-to-smallest ratio of positive counts from which a bar chart uses a log scale.
LOG_RATIO = 50.0
#: Vega expression turning a wrapped label ("line\nline") into the lines Vega draws.
SPLIT_LINES = "split(datum.label, '\\n')"
#: Width of a Latin letter and of a legend entry's symbol and gap, in pixels (estimates that
#: err on the wide side, to choose how many legend columns the chart's width holds).
LETTER_PX, ENTRY_PX = 7.5, 44
#: Categories from which a chart of dots repeats its value axis at its top.
TOP_AXIS_ROWS = 20
#: A value axis's title is cut to the plot's width (the full title heads the table column).
TITLE_LIMIT = {"expr": "width"}


def _units(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _words(text: str) -> list[str]:
    """Breakable pieces: words (with their trailing space), or single wide characters."""
    pieces: list[str] = []
    for word in text.split(" "):
        if _units(word) > len(word):  # CJK text breaks between any two characters
            pieces.extend(word)
        else:
            pieces.append(word)
    return [p for p in pieces if p]


def wrap(text: str, units: int = LINE_UNITS, lines: int = MAX_LINES) -> str:
    """``text`` on lines of at most ``units`` (joined by "\n"), ending with "…" if cut.

    A " – " separator (group – stage) always starts a new line.
    """
    out: list[str] = []
    for part in text.split(" – "):
        line = ""
        for piece in _words(part):
            wide = _units(piece[:1]) > 1 or (line and _units(line[-1]) > 1)
            sep = "" if not line or wide else " "
            if line and _units(line + sep + piece) > units:
                out.append(line)
                line = piece
            else:
                line = line + sep + piece if line else piece
            while _units(line) > units:  # one word longer than a line
                cut = len(line)
                while _units(line[:cut]) > units - 1:
                    cut -= 1
                out.append(line[:cut] + "-")
                line = line[cut:]
        out.append(line)
    if len(out) > lines:
        last = out[lines - 1]
        while last and _units(last) > units - 1:
            last = last[:-1]
        out = [*out[:lines - 1], last.rstrip() + "…"]
    return "\n".join(out)


def _wrapped(rows: list[dict[str, Any]], field: str) -> tuple[str, list[str], int]:
    """Add ``<field>__axis`` (the wrapped label) to ``rows``: its name, order and lines."""
    name = f"{field}__axis"
    for r in rows:
        r[name] = wrap(str(r[field]))
    order = list(dict.fromkeys(r[name] for r in rows))
    return name, order, max((o.count("\n") + 1 for o in order), default=1)


def _log_scale(rows: list[dict[str, Any]], value: str) -> bool:
    positive = [r[value] for r in rows if isinstance(r[value], (int, float)) and r[value] > 0]
    return len(positive) > 1 and max(positive) / min(positive) >= LOG_RATIO


def _config() -> dict[str, Any]:
    return {
        "font": FONT,
        "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 180, "titleLimit": 300,
                 "titlePadding": 8,
                 "labelColor": "#1a1a1a", "titleColor": "#1a1a1a"},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom", "rowPadding": 4,
                   "direction": "horizontal", "labelColor": "#1a1a1a", "titleColor": "#1a1a1a",
                   "labelLimit": 170, "titleLimit": 300},
        "view": {"stroke": None},
        "autosize": {"type": "fit-x", "contains": "padding"},
        "range": {"category": list(PALETTE)},
    }


def _category_axis(rows: list[dict[str, Any]], category: str, title: str,
                   rtl: bool) -> tuple[dict[str, Any], int]:
    """The y encoding of wrapped category labels, and the lines of the longest label."""
    name, order, lines = _wrapped(rows, category)
    return ({"field": name, "type": "nominal", "title": title, "sort": order,
             "axis": {"orient": "right" if rtl else "left", "labelExpr": SPLIT_LINES,
                      "labelLineHeight": 13}}, lines)


def _legend(rtl: bool, labels: list[str]) -> dict[str, Any]:
    """A legend under the chart that starts at the chart's edge, not the plot's: on a phone
    the category labels take much of the width and a legend under the plot alone is cut.
    It takes as many columns as its longest label allows in the chart's width. Vega leaves
    such a legend out of the layout, so :func:`_spec` pads the chart for it."""
    column = round(max((_units(str(label)) for label in labels), default=8) * LETTER_PX) + ENTRY_PX
    columns = {"expr": f"max(1, floor(containerSize()[0] / {column}))"}
    return {"orient": "none", "columns": columns, "legendY": {"expr": "height + 48"},
            "legendX": {"expr": "0" if rtl else "width - containerSize()[0] + 10"},
            "labelLimit": {"expr": "max(120, containerSize()[0] - 60)"}}


def _color(field: str, title: str | None, order: list[str], rtl: bool = False) -> dict[str, Any]:
    return {"field": field, "type": "nominal", "title": title, "sort": order,
            "legend": _legend(rtl, order)}


def _spec(rows: list[dict[str, Any]], height: Any, color: dict[str, Any] | None = None,
          **body: Any) -> dict[str, Any]:
    """A chart of ``rows``, padded below for the legend of its ``color`` encoding if any."""
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "data": {"values": rows}, "width": "container", "height": height, **body,
            "config": _config()}
    if color and "legend" in color:
        rows_expr = f"ceil({len(color['sort'])} / {color['legend']['columns']['expr']})"
        spec["padding"] = {"expr": f"{{left: 5, right: 5, top: 5, bottom: 60 + 19 * {rows_expr}}}"}
    return spec


def bar(rows: list[dict[str, Any]], *, category: str, value: str, value_title: str,
        category_title: str, series: str | None = None, series_title: str | None = None,
        percent: bool = False, rtl: bool = False, tooltip: str = "tooltip",
        rule: float | None = None, log_title: str | None = None) -> dict[str, Any]:
    """Horizontal bars, one per category (grouped by ``series`` when given).

    When ``log_title`` is given and the positive values span :data:`LOG_RATIO` or more (a
    funnel's stages), the values are drawn on a log scale titled ``log_title`` (zeros,
    which a log scale cannot place, are left to the table).
    """
    log = log_title is not None and not percent and _log_scale(rows, value)
    if log:
        rows = [r for r in rows if isinstance(r[value], (int, float)) and r[value] > 0]
        value_title = str(log_title)
    x: dict[str, Any] = {"field": value, "type": "quantitative", "title": value_title,
                         "scale": {"reverse": rtl, **({"type": "log"} if log else {})},
                         **({"stack": None} if log else {})}
    x["axis"] = {"format": ".0%", "tickCount": 8} if percent else {"tickCount": 8}
    if log:
        x["axis"] = {"tickCount": 6, "format": "~s"}
    x["axis"]["titleLimit"] = TITLE_LIMIT
    y, lines = _category_axis(rows, category, category_title, rtl)
    encoding: dict[str, Any] = {"x": x, "y": y,
                                "tooltip": [{"field": tooltip, "type": "nominal", "title": None}]}
    per_category = 1
    if series:
        series_order = list(dict.fromkeys(r[series] for r in rows))
        per_category = len(series_order)
        encoding["color"] = _color(series, series_title, series_order, rtl)
        encoding["yOffset"] = {"field": series, "sort": series_order}
    else:
        encoding["color"] = {"value": PALETTE[0]}
    layers: list[dict[str, Any]] = [{"mark": {"type": "bar"}, "encoding": encoding}]
    if rule is not None:
        layers.append({"mark": {"type": "rule", "color": "#1a1a1a", "strokeDash": [4, 3]},
                       "encoding": {"x": {"datum": rule, "type": "quantitative"}}})
    # the step is per bar; a category's bars together must hold its label's lines
    step = max(22 if len(y["sort"]) * per_category > 8 else 28,
               -(-(13 * lines + 5) // per_category))
    return _spec(rows, {"step": step}, encoding["color"], layer=layers)


def line(rows: list[dict[str, Any]], *, x: str, y: str, x_title: str, y_title: str,
         series: str | None = None, series_title: str | None = None, percent: bool = False,
         rtl: bool = False, tooltip: str = "tooltip") -> dict[str, Any]:
    """Lines over time (``x`` holds ISO dates or years)."""
    enc: dict[str, Any] = {
        "x": {"field": x, "type": "ordinal", "title": x_title, "scale": {"reverse": rtl},
              "axis": {"labelAngle": 0, "labelOverlap": True, "labelSeparation": 6}},
        "y": {"field": y, "type": "quantitative", "title": y_title,
              "axis": {"orient": "right" if rtl else "left", **({"format": ".0%"} if percent else {})}},
        "tooltip": [{"field": tooltip, "type": "nominal", "title": None}],
    }
    if series:
        order = list(dict.fromkeys(r[series] for r in rows))
        enc["color"] = _color(series, series_title, order, rtl)
    return _spec(rows, 280, enc.get("color"), mark={"type": "line", "point": True}, encoding=enc)


def interval_dots(rows: list[dict[str, Any]], *, category: str, value: str, low: str, high: str,
                  value_title: str, category_title: str, color: str | None = None,
                  color_title: str | None = None, color_order: list[str] | None = None,
                  percent: bool = False, rtl: bool = False, band: tuple[float, float] | None = None,
                  tooltip: str = "tooltip", rules: tuple[float, ...] = ()) -> dict[str, Any]:
    """A ranked dot per category with an interval (a range or a confidence interval).

    The order of ``rows`` is kept. ``band`` draws a shaded reference band (e.g. parity),
    ``rules`` dashed reference lines (e.g. 0.8 and 1).
    """
    fmt = {"format": ".0%", "tickCount": 8} if percent else {"tickCount": 8}
    x_axis: dict[str, Any] = {**fmt, "titleLimit": TITLE_LIMIT}
    x = {"field": value, "type": "quantitative", "title": value_title,
         "scale": {"reverse": rtl, "zero": False}, "axis": x_axis}
    y, lines = _category_axis(rows, category, category_title, rtl)
    dot: dict[str, Any] = {"x": x, "y": y,
                           "tooltip": [{"field": tooltip, "type": "nominal", "title": None}]}
    if color:
        dot["color"] = _color(color, color_title, color_order or sorted({r[color] for r in rows}),
                              rtl)
    else:
        dot["color"] = {"value": PALETTE[0]}
    layers: list[dict[str, Any]] = []
    if band is not None:
        layers.append({"data": {"values": [{"lo": band[0], "hi": band[1]}]},
                       "mark": {"type": "rect", "color": "#dde7f0"},
                       "encoding": {"x": {"field": "lo", "type": "quantitative"},
                                    "x2": {"field": "hi"}}})
    if rules:
        layers.append({"data": {"values": [{"x": v} for v in rules]},
                       "mark": {"type": "rule", "color": "#1a1a1a", "strokeDash": [4, 3]},
                       "encoding": {"x": {"field": "x", "type": "quantitative"}}})
    layers.append({"mark": {"type": "rule", "color": "#6b6b6b", "strokeWidth": 2},
                   "encoding": {"x": {"field": low, "type": "quantitative"}, "x2": {"field": high},
                                "y": y}})
    layers.append({"mark": {"type": "point", "filled": True, "size": 60, "opacity": 1},
                   "encoding": dot})
    step = max(14 if len(y["sort"]) > 40 else 24, 13 * lines + 5)
    spec = _spec(rows, {"step": step}, dot["color"], layer=layers)
    if len(y["sort"]) > TOP_AXIS_ROWS:  # a long chart repeats its value axis at the top
        layers[-2]["encoding"]["x"]["axis"] = {**x_axis, "orient": "top", "title": None}
        for layer in layers[:-2]:
            layer["encoding"]["x"]["axis"] = None
        spec["resolve"] = {"axis": {"x": "independent"}}
    return spec


def small_multiples(rows: list[dict[str, Any]], *, x: str, y: str, low: str, high: str,
                    x_title: str, y_title: str, panel: str, percent: bool = False,
                    rtl: bool = False, band: tuple[float, float] | None = None,
                    tooltip: str = "tooltip") -> dict[str, Any]:
    """One small chart per ``panel`` value: a line over years with its shaded interval.

    ``band`` shades a reference band (e.g. parity) in every panel. The page's script sets
    the columns and each panel's width from the width it has (``usermeta.cell``).
    """
    order = list(dict.fromkeys(r[panel] for r in rows))
    axis: dict[str, Any] = {"orient": "right" if rtl else "left", "tickCount": 5}
    if percent:
        axis["format"] = ".0%"
    x_enc = {"field": x, "type": "ordinal", "title": x_title, "scale": {"reverse": rtl},
             "axis": {"labelAngle": 0, "labelOverlap": True, "labelSeparation": 6}}
    layers: list[dict[str, Any]] = []
    if band is not None:
        layers.append({"mark": {"type": "rect", "color": "#dde7f0"},
                       "encoding": {"y": {"datum": band[0], "type": "quantitative"},
                                    "y2": {"datum": band[1]}}})
    layers.append({"mark": {"type": "area", "opacity": 0.2, "color": PALETTE[0]},
                   "encoding": {"x": x_enc,
                                "y": {"field": low, "type": "quantitative", "title": y_title,
                                      "axis": axis, "scale": {"zero": False}},
                                "y2": {"field": high}}})
    layers.append({"mark": {"type": "line", "point": True, "color": PALETTE[0]},
                   "encoding": {"x": x_enc, "y": {"field": y, "type": "quantitative"},
                                "tooltip": [{"field": tooltip, "type": "nominal",
                                             "title": None}]}})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": rows},
        "facet": {"field": panel, "type": "nominal", "sort": order, "title": None,
                  "header": {"labelFontSize": 13, "labelFontWeight": "bold",
                             "labelColor": "#1a1a1a", "labelLimit": 200}},
        "columns": 3,
        "spec": {"width": 300, "height": 170, "layer": layers},
        "usermeta": {"cell": {"min": 230, "gap": 70}},
        "config": {**_config(), "autosize": {"type": "pad"}},
    }


def line_band(rows: list[dict[str, Any]], *, x: str, y: str, low: str, high: str, x_title: str,
              y_title: str, series: str, series_title: str, percent: bool = False,
              rtl: bool = False, band: tuple[float, float] | None = None,
              tooltip: str = "tooltip") -> dict[str, Any]:
    """Lines over years with a shaded interval (``low``–``high``) per series.

    ``band`` shades a reference band across the chart (e.g. parity).
    """
    order = list(dict.fromkeys(r[series] for r in rows))
    x_enc = {"field": x, "type": "ordinal", "title": x_title, "scale": {"reverse": rtl},
             "axis": {"labelAngle": 0, "labelOverlap": True, "labelSeparation": 6}}
    axis: dict[str, Any] = {"orient": "right" if rtl else "left"}
    if percent:
        axis["format"] = ".0%"
    color = _color(series, series_title, order, rtl)
    color["legend"].update(symbolOpacity=1, symbolType="circle")
    layers: list[dict[str, Any]] = []
    if band is not None:
        layers.append({"data": {"values": [{"lo": band[0], "hi": band[1]}]},
                       "mark": {"type": "rect", "color": "#dde7f0"},
                       "encoding": {"y": {"field": "lo", "type": "quantitative"},
                                    "y2": {"field": "hi"}}})
    layers.append({"mark": {"type": "area", "opacity": 0.15},
                   "encoding": {"x": x_enc, "color": color,
                                "y": {"field": low, "type": "quantitative", "title": y_title,
                                      "axis": axis, "scale": {"zero": False}},
                                "y2": {"field": high}}})
    layers.append({"mark": {"type": "line", "point": True},
                   "encoding": {"x": x_enc, "color": color,
                                "y": {"field": y, "type": "quantitative"},
                                "tooltip": [{"field": tooltip, "type": "nominal", "title": None}]}})
    return _spec(rows, 300, color, layer=layers)
