"""Vega-Lite specifications, built as plain dictionaries from already-formatted rows.

Charts are drawn as SVG by the vendored vega-embed. In a right-to-left page the chart
container keeps ``dir="ltr"`` (the template does it) and the chart is mirrored on purpose:
the value axis runs right to left and the category axis sits on the right.
"""

from __future__ import annotations

from typing import Any

#: Series colours with at least 3:1 contrast against white (WCAG 1.4.11).
PALETTE: tuple[str, ...] = ("#0b5ea8", "#a8480b", "#2e7d32", "#7b3fa0", "#b0174f", "#4d4d4d",
                            "#00707a", "#806000")
FONT = "Noto Sans, Noto Sans Arabic, Noto Sans CJK SC, Noto Sans SC, sans-serif"


def _config() -> dict[str, Any]:
    return {
        "font": FONT,
        "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 260,
                 "labelColor": "#1a1a1a", "titleColor": "#1a1a1a"},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom",
                   "labelColor": "#1a1a1a", "titleColor": "#1a1a1a", "labelLimit": 300},
        "view": {"stroke": None},
        "autosize": {"type": "fit-x", "contains": "padding"},
        "range": {"category": list(PALETTE)},
    }


def bar(rows: list[dict[str, Any]], *, category: str, value: str, value_title: str,
        category_title: str, series: str | None = None, series_title: str | None = None,
        percent: bool = False, rtl: bool = False, tooltip: str = "tooltip",
        rule: float | None = None) -> dict[str, Any]:
    """Horizontal bars, one per category (grouped by ``series`` when given)."""
    order = list(dict.fromkeys(r[category] for r in rows))
    x: dict[str, Any] = {"field": value, "type": "quantitative", "title": value_title,
                         "scale": {"reverse": rtl}}
    x["axis"] = {"format": ".0%", "tickCount": 8} if percent else {"tickCount": 8}
    y: dict[str, Any] = {"field": category, "type": "nominal", "title": category_title,
                         "sort": order, "axis": {"orient": "right" if rtl else "left"}}
    encoding: dict[str, Any] = {"x": x, "y": y,
                                "tooltip": [{"field": tooltip, "type": "nominal", "title": None}]}
    if series:
        series_order = list(dict.fromkeys(r[series] for r in rows))
        encoding["color"] = {"field": series, "type": "nominal", "title": series_title,
                             "sort": series_order}
        encoding["yOffset"] = {"field": series, "sort": series_order}
    else:
        encoding["color"] = {"value": PALETTE[0]}
    layers: list[dict[str, Any]] = [{"mark": {"type": "bar"}, "encoding": encoding}]
    if rule is not None:
        layers.append({"mark": {"type": "rule", "color": "#1a1a1a", "strokeDash": [4, 3]},
                       "encoding": {"x": {"datum": rule, "type": "quantitative"}}})
    steps = max(len(order), 1) * (len({r[series] for r in rows}) if series else 1)
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": rows},
        "width": "container",
        "height": {"step": 22 if steps > 8 else 28},
        "layer": layers,
        "config": _config(),
    }


def line(rows: list[dict[str, Any]], *, x: str, y: str, x_title: str, y_title: str,
         series: str | None = None, series_title: str | None = None, percent: bool = False,
         rtl: bool = False, tooltip: str = "tooltip") -> dict[str, Any]:
    """Lines over time (``x`` holds ISO dates or years)."""
    enc: dict[str, Any] = {
        "x": {"field": x, "type": "ordinal", "title": x_title, "scale": {"reverse": rtl},
              "axis": {"labelAngle": 0}},
        "y": {"field": y, "type": "quantitative", "title": y_title,
              "axis": {"orient": "right" if rtl else "left", **({"format": ".0%"} if percent else {})}},
        "tooltip": [{"field": tooltip, "type": "nominal", "title": None}],
    }
    if series:
        enc["color"] = {"field": series, "type": "nominal", "title": series_title,
                        "sort": list(dict.fromkeys(r[series] for r in rows))}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": rows},
        "width": "container",
        "height": 280,
        "mark": {"type": "line", "point": True},
        "encoding": enc,
        "config": _config(),
    }


def interval_dots(rows: list[dict[str, Any]], *, category: str, value: str, low: str, high: str,
                  value_title: str, category_title: str, color: str | None = None,
                  color_title: str | None = None, color_order: list[str] | None = None,
                  percent: bool = False, rtl: bool = False, band: tuple[float, float] | None = None,
                  tooltip: str = "tooltip") -> dict[str, Any]:
    """A ranked dot per category with an interval (a range or a confidence interval).

    The order of ``rows`` is kept. ``band`` draws a shaded reference band (e.g. parity).
    """
    order = [r[category] for r in rows]
    fmt = {"format": ".0%", "tickCount": 8} if percent else {"tickCount": 8}
    x = {"field": value, "type": "quantitative", "title": value_title,
         "scale": {"reverse": rtl, "zero": False}, "axis": fmt}
    y = {"field": category, "type": "nominal", "title": category_title, "sort": order,
         "axis": {"orient": "right" if rtl else "left"}}
    dot: dict[str, Any] = {"x": x, "y": y,
                           "tooltip": [{"field": tooltip, "type": "nominal", "title": None}]}
    if color:
        dot["color"] = {"field": color, "type": "nominal", "title": color_title,
                        "sort": color_order or sorted({r[color] for r in rows})}
    else:
        dot["color"] = {"value": PALETTE[0]}
    layers: list[dict[str, Any]] = []
    if band is not None:
        layers.append({"data": {"values": [{"lo": band[0], "hi": band[1]}]},
                       "mark": {"type": "rect", "color": "#dde7f0"},
                       "encoding": {"x": {"field": "lo", "type": "quantitative"},
                                    "x2": {"field": "hi"}}})
    layers.append({"mark": {"type": "rule", "color": "#6b6b6b", "strokeWidth": 2},
                   "encoding": {"x": {"field": low, "type": "quantitative"}, "x2": {"field": high},
                                "y": y}})
    layers.append({"mark": {"type": "point", "filled": True, "size": 60, "opacity": 1},
                   "encoding": dot})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": rows},
        "width": "container",
        "height": {"step": 14 if len(order) > 40 else 24},
        "layer": layers,
        "config": _config(),
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
             "axis": {"labelAngle": 0}}
    axis: dict[str, Any] = {"orient": "right" if rtl else "left"}
    if percent:
        axis["format"] = ".0%"
    color = {"field": series, "type": "nominal", "title": series_title, "sort": order,
             "legend": {"symbolOpacity": 1, "symbolType": "circle"}}
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
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": rows},
        "width": "container",
        "height": 300,
        "layer": layers,
        "config": _config(),
    }
