"""The interactive pages: one per territory (``interactif.html``, beside its report) and one per département
(``apercu-<code>.html``, every commune and EPCI of it, for choosing a CTG's perimeter).

A page is a file that opens offline: its data (French texts, flags in words, the outlines in longitude and
latitude) are embedded in it as JSON, its script is the page's own, and the map library (plotly.js, shipped
with the Python package ``plotly``) is written once beside the run's folders (:func:`write_library`), not once
per page or per chart. The values are those of the static documents, formatted by the same functions
(:func:`~ctg_analysis.indicators.display.value_texts`): a partial value carries its coverage, a value INSEE does
not publish for a unit stays « – » with its reason.
"""

from __future__ import annotations

import datetime
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ctg_analysis.charts.interactive import MAP_STYLE, NO_BASEMAP
from ctg_analysis.charts.maps import OUTLINES_HINT
from ctg_analysis.codes import departement_of
from ctg_analysis.errors import CtgError
from ctg_analysis.files import write_bytes
from ctg_analysis.formatting import format_date
from ctg_analysis.geography.outlines import Outlines
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.indicators.display import (
    FRAGILE_LEGEND,
    cited_sources,
    coverage_notes,
    ladder_order,
    latest_period,
    level_column,
    partial_legend,
    territory_rows,
    value_texts,
)
from ctg_analysis.indicators.flags import DEMO_FLAG
from ctg_analysis.levels import LADDER
from ctg_analysis.resources import RESOURCES
from ctg_analysis.text import plain
from ctg_analysis.themes import THEME_IDS, get_theme

if TYPE_CHECKING:
    import geopandas

__all__ = ["PAGE", "library_name", "overview_data", "overview_name", "territory_data", "write_library", "write_page"]

#: A territory's interactive page, beside its report.
PAGE = "interactif.html"
_TEMPLATE = RESOURCES / "report" / "interactif.html"
#: What a layer of units is called in the page's picker.
_LAYER_NAMES = {"commune": "Communes", "epci": "EPCI"}
#: Outlines are simplified to this share of the map's extent (about 50 m on a territory, 150 m on a département:
#: below what a screen shows, and a page of a few hundred KB rather than megabytes).
_SIMPLIFY = 0.001


def library_name() -> str:
    """The file name of the map library the pages load, with its version (a page written by an earlier version
    of the toolkit keeps loading the library it was written for).

    Examples
    --------
    >>> library_name().startswith("plotly-") and library_name().endswith(".min.js")
    True
    """
    from plotly.offline import get_plotlyjs_version

    return f"plotly-{get_plotlyjs_version()}.min.js"


def write_library(folder: str | Path) -> Path:
    """Write the map library into ``folder`` (a run's reports folder) unless it is there already: once per
    run, however many pages the folder's territories hold."""
    path = Path(folder) / library_name()
    if not path.is_file():
        from plotly.offline import get_plotlyjs

        write_bytes(path, get_plotlyjs().encode("utf-8"))
    return path


def overview_name(departement: str) -> str:
    """The file name of a département's overview page.

    Examples
    --------
    >>> overview_name("2A")
    'apercu-2A.html'
    """
    return f"apercu-{departement}.html"


def territory_data(table: pd.DataFrame, territory: str, outlines: Outlines | None) -> dict:
    """What a territory's page shows, as JSON-ready data: its communes (a layer of the map and a table), the
    territory as a whole, its comparison levels, each indicator's latest period, and the outlines.

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> from ctg_analysis.diagnostic import Diagnostic
    >>> data = territory_data(table, "ctg-ecouen", Diagnostic.open(DEMO_DIR).outlines)
    >>> [unit["name"] for unit in data["layers"]["commune"]["units"]][:2], data["whole"]["name"][:10]
    (['Bouqueval', 'Écouen'], 'CTG Écouen')
    >>> [reference["name"] for reference in data["references"]][:2]
    ['EPCI — CA Roissy Pays de France', "Département — Val-d'Oise"]
    """
    rows = _with_texts(latest_period(territory_rows(table, territory)))
    whole = rows.loc[rows["level"] == "territoire"]
    if whole.empty:
        raise CtgError(f"territoire {territory!r} : aucune valeur pour l'ensemble du territoire")
    name = str(whole["geo_label"].iloc[0])
    communes = rows.loc[rows["level"] == "commune"]
    return _page(
        rows,
        title=f"{name} — données interactives",
        whole=_unit_values(name, whole) | {"short": "Territoire"},
        layers={"commune": _layer(communes, outlines, _departements(communes))},
        references=rows.loc[rows["level"].isin(LADDER[1:])],
    )


def overview_data(table: pd.DataFrame, outlines: Outlines | None) -> dict:
    """What a département's overview page shows: every commune and every EPCI of the département (two layers),
    the département as a whole, its région and France. ``table``: the département's long table
    (``Diagnostic.departement_table``).

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> from ctg_analysis.diagnostic import Diagnostic
    >>> diagnostic = Diagnostic.open(DEMO_DIR)
    >>> data = overview_data(diagnostic.departement_table("95"), diagnostic.outlines)
    >>> sorted(data["layers"]), data["whole"]["name"], len(data["layers"]["epci"]["units"])
    (['commune', 'epci'], "Val-d'Oise", 3)
    """
    rows = _with_texts(latest_period(table))
    whole = rows.loc[rows["level"] == "territoire"]
    if whole.empty:
        raise CtgError("aperçu : aucune valeur pour le département")
    name = str(whole["geo_label"].iloc[0])
    departements = _departements(rows.loc[rows["level"] == "commune"])
    layers = {level: _layer(rows.loc[rows["level"] == level], outlines, departements) for level in _LAYER_NAMES}
    return _page(
        rows,
        title=f"{name} — communes et EPCI",
        whole=_unit_values(name, whole) | {"short": "Département"},
        layers={level: layer for level, layer in layers.items() if layer["units"]},
        references=rows.loc[rows["level"].isin(["region", "france"])],
    )


def write_page(path: str | Path, data: dict, library: str) -> Path:
    """Write an interactive page: the template with the data embedded (no tag can close their script) and the
    map library loaded from ``library``, a path relative to the page."""
    head, tail = _TEMPLATE.read_text(encoding="utf-8").split("/*DATA*/")
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    fill = {
        "{{title}}": html.escape(data["title"]),
        "{{library}}": html.escape(library, quote=True),
        "{{basemap}}": NO_BASEMAP,
    }
    for key, value in fill.items():
        head, tail = head.replace(key, value), tail.replace(key, value)
    path = Path(path)
    write_bytes(path, (head + payload + tail).encode("utf-8"))
    return path


def _with_texts(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with their French ``text`` and ``why``, each reason given by its number in ``attrs["reasons"]``
    (a département's thousands of values share a few dozen reasons: written once, the page is a fifth the size)."""
    rows = rows.loc[rows["indicator"].notna()]
    texts = value_texts(rows)
    numbers, reasons = pd.factorize(texts["why"])
    rows = pd.concat([rows, texts.assign(why=numbers)], axis=1)
    rows.attrs["reasons"] = [str(reason) for reason in reasons]
    return rows


def _page(rows: pd.DataFrame, *, title: str, whole: dict, layers: dict, references: pd.DataFrame) -> dict:
    """The page's data: its indicators (those with a value somewhere), its units and references, its notes."""
    valued = rows.loc[rows["value"].notna(), "indicator"].astype(str).unique()
    shown = sorted(valued, key=lambda i: THEME_IDS.index(get_indicator(i).theme))  # by theme, catalogue order within
    column = level_column(references)
    order = ladder_order(references, column)
    compared = rows.loc[~rows["level"].isin(list(layers))]
    demo = rows["flags"].astype(str).str.contains(DEMO_FLAG).any()
    return {
        "title": title,
        "made": format_date(datetime.date.today()),
        "demo": bool(demo),
        "indicators": [_indicator(indicator, rows) for indicator in shown],
        "whole": whole,
        "layers": layers,
        "references": [_unit_values(name, references.loc[column == name]) for name in order],
        "reasons": rows.attrs["reasons"],
        "style": MAP_STYLE,
        "notes": [FRAGILE_LEGEND, *([partial_legend(notes)] if (notes := coverage_notes(compared)) else [])],
        "outlines": next((layer["source"] for layer in layers.values() if layer.get("source")), ""),
        "hint": "" if any(layer.get("features") for layer in layers.values()) else OUTLINES_HINT,
    }


def _indicator(indicator: str, rows: pd.DataFrame) -> dict:
    spec = get_indicator(indicator)
    own = rows.loc[rows["indicator"] == indicator]
    whole = own.loc[own["level"] == "territoire", "period"]
    return {
        "id": indicator,
        "label": spec.label,
        "theme": get_theme(spec.theme).title,
        "unit": "" if spec.unit == "nombre" else spec.unit,
        "period": str(whole.iloc[0]) if len(whole) else str(own["period"].iloc[0]),
        "source": " ; ".join(cited_sources(own)),
        "circles": not spec.compares_across_units,  # a count is drawn by circles, never by classes
    }


def _cells(rows: pd.DataFrame) -> list[list]:
    """Each row's [value, French text, number of its reason] (``None``, « – », −1 where the row is missing)."""
    values = rows["value"].astype(float).round(6)
    return [
        [None if np.isnan(v) else float(v), t if isinstance(t, str) else "–", -1 if pd.isna(w) else int(w)]
        for v, t, w in zip(values, rows["text"], rows["why"], strict=True)
    ]


def _unit_values(name: str, rows: pd.DataFrame) -> dict:
    """One unit's cells, by indicator."""
    rows = rows.drop_duplicates("indicator")
    return {"name": name, "values": dict(zip(rows["indicator"].astype(str), _cells(rows), strict=True))}


def _layer(rows: pd.DataFrame, outlines: Outlines | None, departements: list[str]) -> dict:
    """A layer of units (communes or EPCI): their codes and names in French order, each indicator's cells in the
    same order, and their outlines and a point inside each (the circles of a count)."""
    rows = rows.assign(geo=rows["geo"].astype(str))
    units = rows.drop_duplicates("geo")[["geo", "geo_label"]].sort_values(
        "geo_label", key=lambda n: n.astype(str).map(plain)
    )
    codes = units["geo"].tolist()
    values = {
        str(indicator): _cells(group.drop_duplicates("geo").set_index("geo").reindex(codes))
        for indicator, group in rows.groupby("indicator", observed=True, sort=False)
    }
    level = str(rows["level"].iloc[0]) if len(rows) else "commune"
    layer = {
        "name": _LAYER_NAMES[level],
        "units": [{"code": c, "name": str(n)} for c, n in zip(codes, units["geo_label"], strict=True)],
        "values": values,
    }
    return layer | _outlines(outlines, codes, level, departements)


def _departements(communes: pd.DataFrame) -> list[str]:
    return sorted(set(departement_of(communes["geo"].astype(str))))


def _outlines(outlines: Outlines | None, codes: list[str], level: str, departements: list[str]) -> dict:
    """The units' outlines within ``departements`` as GeoJSON in longitude and latitude (simplified, to the
    metre) and a point inside each, or nothing when the data hold no outlines (the page then says which file
    to add). An EPCI astride two départements is drawn by its part in those shown, as the static map does."""
    if not outlines or not codes:
        return {}
    communes = outlines.communes(departements)
    key = "code" if level == "commune" else "epci"
    drawn = communes.loc[communes.geometry.notna() & communes[key].astype(str).isin(codes)]
    if drawn.empty:
        return {}
    if level == "epci":
        drawn = drawn.dissolve("epci", as_index=False).assign(code=lambda f: f["epci"])
    return {"features": _geojson(drawn), "points": _points(drawn), "source": str(communes.attrs.get("source") or "")}


def _geojson(shapes: geopandas.GeoDataFrame) -> dict:
    x0, y0, x1, y1 = shapes.total_bounds
    simplified = shapes.geometry.simplify(_SIMPLIFY * max(x1 - x0, y1 - y0))
    degrees = simplified.to_crs(4326).set_precision(1e-5)
    frame = shapes[["code"]].set_geometry(degrees.to_numpy(), crs=4326)
    return json.loads(frame.to_json(drop_id=True))


def _points(shapes: geopandas.GeoDataFrame) -> dict:
    points = shapes.geometry.representative_point().to_crs(4326)
    return {
        str(code): [round(float(x), 5), round(float(y), 5)]
        for code, x, y in zip(shapes["code"], points.x, points.y, strict=True)
    }
