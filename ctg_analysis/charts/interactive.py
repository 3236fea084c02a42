"""Interactive charts (plotly) for JupyterLab: the map of an interactive page's data
(:mod:`~ctg_analysis.exports.interactive`, drawn by the page's own script offline with the same
:data:`MAP_STYLE`) and a ranking of territories on one indicator.

Hover says the unit, its value in French with its unit, why it is fragile in words, the reference's value, the
source and the period; a count is drawn by circles (a count never compares across units), a fragile value faded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ctg_analysis.levels import LEVEL_COLOURS

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["MAP_STYLE", "NO_BASEMAP", "hover_text", "map_figure", "ranking_figure"]

#: The look of the interactive maps, the page's script's and the notebook's: grey where there is no value,
#: blues from light (low) to dark (high) as the static maps, circles for counts, fragile values faded.
MAP_STYLE = {
    "missing": "#eeeeee",
    "edge": "#ffffff",
    "colours": [[0, "#deebf7"], [0.5, "#6baed6"], [1, "#08306b"]],
    "circles": "#2b6a9f",
    "faded": 0.45,
    "separators": ", ",
}

#: The maps draw their own outlines over no world basemap: the script that gives plotly.js an empty one, which
#: it would otherwise fetch from its CDN (and, offline, draw nothing but the colour bar).
NO_BASEMAP = (
    "window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};"
    'window.PlotlyGeoAssets.topojson.world_110m = {type: "Topology", objects: {}, arcs: []};'
)

_GREY = [[0, MAP_STYLE["missing"]], [1, MAP_STYLE["missing"]]]
_FADED = float(MAP_STYLE["faded"])  # type: ignore[arg-type]
_EDGE = {"color": MAP_STYLE["edge"], "width": 0.8}
#: Numbers as French readers write them: 28 000, not 28k.
_NUMBERS = {"exponentformat": "none", "separatethousands": True}
_HOVER = "%{text}<extra></extra>"


def _reason(data: dict, cell: list) -> str:
    return data["reasons"][cell[2]] if cell[2] >= 0 else ""


def _fragile(cell: list) -> bool:
    return str(cell[1]).endswith("*")


def hover_text(data: dict, unit: dict, cell: list, indicator: dict, reference: dict | None) -> str:
    """What hovering a unit of the map says (the page's script says the same).

    Examples
    --------
    >>> data = {"reasons": ["", "petits effectifs : valeur fragile"]}
    >>> indicator = {"id": "part_0_2", "label": "Part des 0-2 ans", "source": "Insee, RP2019", "period": "2019"}
    >>> reference = {"name": "Département — Val-d'Oise", "values": {"part_0_2": [3.8, "3,8 %", 0]}}
    >>> hover_text(data, {"name": "Écouen", "code": "95205"}, [4.2, "4,2 %*", 1], indicator, reference).split("<br>")
    ... # doctest: +NORMALIZE_WHITESPACE
    ['Écouen (95205)', 'Part des 0-2 ans : 4,2 %*', 'Valeur fragile : petits effectifs : valeur fragile',
     "Département — Val-d'Oise : 3,8 %", 'Source : Insee, RP2019, 2019']
    """
    lines = [f"{unit['name']} ({unit['code']})", f"{indicator['label']} : {cell[1]}"]
    if why := _reason(data, cell):
        lines.append(("Valeur fragile : " if _fragile(cell) else "À noter : ") + why)
    if reference is not None:
        lines.append(f"{reference['name']} : {reference['values'].get(indicator['id'], [None, '–', -1])[1]}")
    lines.append(f"Source : {indicator['source']}, {indicator['period']}")
    return "<br>".join(lines)


def map_figure(data: dict, indicator: str, *, layer: str = "commune", reference: int = 0) -> go.Figure:
    """The map of one indicator over a layer of a page's data (communes or EPCI): classes of colour for a rate,
    circles for a count, grey where there is no value.

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> from ctg_analysis.diagnostic import Diagnostic
    >>> from ctg_analysis.exports.interactive import territory_data
    >>> data = territory_data(table, "ctg-ecouen", Diagnostic.open(DEMO_DIR).outlines)
    >>> figure = map_figure(data, "part_0_2")
    >>> [trace.type for trace in figure.data], len(figure.data[1].locations)
    (['choropleth', 'choropleth'], 5)
    """
    import plotly.graph_objects as go

    units, spec = data["layers"][layer], next(i for i in data["indicators"] if i["id"] == indicator)
    compared = data["references"][reference] if data["references"] else None
    cells = units["values"].get(indicator) or [[None, "–", -1]] * len(units["units"])
    codes = [unit["code"] for unit in units["units"]]
    hover = [hover_text(data, u, c, spec, compared) for u, c in zip(units["units"], cells, strict=True)]
    known = np.array([cell[0] is not None for cell in cells], dtype=bool)
    shown = {
        "codes": np.array(codes, dtype=object)[known].tolist(),
        "texts": np.array(hover, dtype=object)[known].tolist(),
        "values": np.array([c[0] for c in cells], dtype=object)[known].astype(float),
        "opacity": np.where(np.array([_fragile(cell) for cell in cells], dtype=bool), _FADED, 1.0)[known],
    }
    traces = [_outlines_trace(units, codes, hover, [0] * len(codes), {"showscale": False, "colorscale": _GREY})]
    if spec["circles"]:
        traces.append(_circles(units, shown))
    else:
        colours = {
            "colorscale": MAP_STYLE["colours"],
            "marker": {"line": _EDGE, "opacity": shown["opacity"]},
            "colorbar": {"title": {"text": spec["unit"]}, "thickness": 14, **_NUMBERS},
        }
        traces.append(_outlines_trace(units, shown["codes"], shown["texts"], shown["values"], colours))
    figure = go.Figure(traces)
    figure.update_layout(
        geo={"fitbounds": "locations", "visible": False, "projection": {"type": "mercator"}},
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        separators=MAP_STYLE["separators"],
        showlegend=False,
        hoverlabel={"align": "left"},
        height=480,
    )
    return figure


def _outlines_trace(units: dict, codes: list, texts: list, values, style: dict):
    import plotly.graph_objects as go

    style = {"marker": {"line": _EDGE}, **style}
    return go.Choropleth(
        geojson=units.get("features"),
        featureidkey="properties.code",
        locations=codes,
        z=values,
        text=texts,
        hovertemplate=_HOVER,
        **style,
    )


def _circles(units: dict, shown: dict):
    """A count's circles, their area proportional to the value, at a point inside each unit."""
    import plotly.graph_objects as go

    points = np.array([units["points"][code] for code in shown["codes"]], dtype=float).reshape(-1, 2)
    largest = max(float(np.abs(shown["values"]).max(initial=0)), 1.0)
    marker = {
        "size": 6 + 44 * np.sqrt(np.abs(shown["values"]) / largest),
        "color": MAP_STYLE["circles"],
        "opacity": shown["opacity"] * 0.7,
        "line": {"color": MAP_STYLE["edge"], "width": 1},
    }
    return go.Scattergeo(
        lon=points[:, 0],
        lat=points[:, 1],
        customdata=shown["codes"],
        text=shown["texts"],
        mode="markers",
        hovertemplate=_HOVER,
        marker=marker,
    )


def ranking_figure(
    names: list[str], values: list[float], texts: list[str], reasons: list[str], highlighted: object, title: str
):
    """Units ranked on one indicator (a horizontal bar each, the highest at the top), the highlighted ones (the
    territory, its département) in their level's colour, each bar labelled with its French text and its
    reason in words on hover (a partial value's coverage).

    Examples
    --------
    >>> figure = ranking_figure(["A", "B"], [2.0, 5.0], ["2,0 %*", "5,0 %"], ["partielle", ""], [True, False], "")
    >>> list(figure.data[0].y), list(figure.data[0].text), list(figure.data[0].customdata)
    (['A', 'B'], ['2,0 %*', '5,0 %'], ['<br>partielle', ''])
    """
    import plotly.graph_objects as go

    order = np.argsort(np.asarray(values, dtype=float))
    colours = [LEVEL_COLOURS["territoire"] if h else "#9ecae1" for h in np.asarray(highlighted)[order]]
    bars = go.Bar(
        y=np.asarray(names, dtype=object)[order],
        x=np.asarray(values, dtype=float)[order],
        orientation="h",
        text=np.asarray(texts, dtype=object)[order],
        textposition="outside",
        marker_color=colours,
        customdata=np.array([f"<br>{why}" if why else "" for why in reasons], dtype=object)[order],
        hovertemplate="%{y} : %{text}%{customdata}<extra></extra>",
    )
    figure = go.Figure(bars)
    figure.update_layout(
        title={"text": title},
        separators=MAP_STYLE["separators"],
        height=max(260, 26 * len(names) + 90),
        margin={"l": 10, "r": 40, "t": 50, "b": 30},
        xaxis=_NUMBERS,
    )
    return figure
