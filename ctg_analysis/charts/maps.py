"""Maps in the house style: where the territory is, and how its communes differ.

Each function returns a figure, like the charts: a locator map (:func:`locator_map`), a choropleth of a
commune-level indicator over the territory's communes (:func:`commune_map`) and over a whole département,
by commune or by EPCI (:func:`departement_map`). Outlines come from the data folder's outline files,
brought to the data's geography (:class:`~ctg_analysis.geography.outlines.Outlines`); values come from the
long table, classes from mapclassify (quantiles, Fisher-Jenks, equal intervals), with a French legend.
Fragile values are hatched, missing ones drawn apart, and the footnote names the sources, their vintage
and the outline files.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import shapely
from matplotlib import colormaps
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.patheffects import withStroke

from ctg_analysis.charts.style import FRAGILE_HATCH, styled, titled_figure
from ctg_analysis.codes import departement_of
from ctg_analysis.errors import CtgError
from ctg_analysis.formatting import agreed, counted, format_value
from ctg_analysis.geography.outlines import Outlines
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.indicators.display import cited_sources, is_fragile, latest_label, shown_flags, territory_rows
from ctg_analysis.levels import LEVEL_COLOURS

__all__ = ["MAP_SCHEMES", "OUTLINES_HINT", "commune_map", "departement_map", "locator_map"]

#: Classification schemes, by their French name (mapclassify's classifiers).
MAP_SCHEMES = {"quantiles": "Quantiles", "jenks": "FisherJenks", "intervalles": "EqualInterval"}
#: What to download for maps, said when the data folder has no outline file.
OUTLINES_HINT = (
    "Pour les cartes, ajoutez aux données les contours des communes : IGN, Admin Express COG (GeoPackage ou "
    "Shapefile, géoservices.ign.fr/adminexpress), ou un GeoJSON des communes aux propriétés « code » et « nom »."
)
_CONTEXT = "#EEEEEE"
_NEIGHBOURS = "#D9D9D9"
_MISSING = "#FFFFFF"
_EDGE = "#FFFFFF"
_NAMED_AT_MOST = 30


def _require(outlines: Outlines | None) -> Outlines:
    if not outlines:
        raise CtgError("carte non disponible : aucun fichier de contours dans les données. " + OUTLINES_HINT)
    return outlines


def _communes_of(rows: pd.DataFrame) -> list[str]:
    return rows.loc[rows["level"] == "commune", "geo"].astype(str).unique().tolist()


def _territory_outlines(outlines: Outlines, rows: pd.DataFrame, territory: str):
    """The territory's commune codes, its départements, their communes' outlines (all, and those drawn), and
    the territory's own drawn communes."""
    codes = _communes_of(rows)
    if not codes:
        raise CtgError(f"territoire {territory!r} absent du tableau")
    departements = sorted(set(departement_of(pd.Series(codes))))
    communes = outlines.communes(departements)
    drawn = communes.loc[communes.geometry.notna()]
    own = drawn.loc[drawn["code"].isin(codes)]
    if own.empty:
        raise CtgError(f"carte non disponible : aucune commune du territoire {territory!r} dans les contours")
    return codes, departements, communes, drawn, own


def _fill_as_one(ax, shapes, **style) -> None:
    """Draw ``shapes`` (polygons of one style, each filled and outlined) as one compound path.

    GeoPandas makes a matplotlib patch of each polygon, about a millisecond each to build and draw: for
    the hundreds of communes of a département drawn as a backdrop, most of a map's time. One path of all
    their rings draws the same fills and outlines.
    """
    rings = shapely.get_rings(shapely.get_parts(shapes.geometry.to_numpy()))
    vertices, ring = shapely.get_coordinates(rings, return_index=True)
    if not len(vertices):  # no neighbouring département (an overseas one), nothing to draw
        return
    first = np.r_[True, ring[1:] != ring[:-1]]
    codes = np.where(first, Path.MOVETO, Path.LINETO).astype(Path.code_type)
    codes[np.r_[first[1:], True]] = Path.CLOSEPOLY  # a ring's last point repeats its first
    # A collection, as GeoPandas draws: its extent is computed at once (a patch's, segment by segment).
    ax.add_collection(PatchCollection([PathPatch(Path(vertices, codes))], **style))


def _frame_map(ax, shapes, margin: float = 0.04) -> None:
    """Equal scales, no axes, the view on ``shapes`` with a margin."""
    x0, y0, x1, y1 = shapes.total_bounds
    pad = margin * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal", anchor="C")
    ax.set_axis_off()
    ax.set(xlabel="", ylabel="")  # GeoPandas names the coordinates (« Easting [metre] »): not for readers
    for axis in (ax.xaxis, ax.yaxis):
        axis.get_offset_text().set_visible(False)


def _outline_note(communes) -> str:
    """The outline files and what they cannot draw, for the footnote."""
    note = f"contours : {communes.attrs.get('source') or 'fichiers de contours'}"
    undrawn = communes.attrs.get("undrawn") or {}
    if undrawn:
        names = (
            communes.set_index("code")["label"].reindex(list(undrawn)).fillna(pd.Series(list(undrawn), list(undrawn)))
        )
        note += f" ; {agreed(len(undrawn), 'non dessinée', 'non dessinées')} : " + ", ".join(
            f"{n} ({why})" for n, why in zip(names, undrawn.values(), strict=True)
        )
    return note


def _footnote(values: pd.DataFrame, communes, *, demo: bool) -> str:
    """Sources of the values shown and of the outlines, the hatching when some value is fragile, the demo."""
    sources = " ; ".join([*cited_sources(values), _outline_note(communes)])
    parts = [f"Source : {sources}"]
    if "fragile" in values and (values["fragile"] & values["value"].notna()).any():
        parts.append("valeur fragile hachurée (petits effectifs, partielle ou non comparable)")
    if demo:
        parts.append("Données fictives de démonstration")
    return " — ".join(parts)


def _demo(rows: pd.DataFrame) -> bool:
    return bool(rows["flags"].astype(str).str.contains("demo").any())


def _label_communes(ax, shapes, size: str) -> None:
    """Each commune's name at a point inside it, with a white halo, the largest communes first: a name
    that would cover another gives way (:attr:`~ctg_analysis.charts.style.ChartFigure.yielding`)."""
    if len(shapes) > _NAMED_AT_MOST:
        return
    fontsize = (12 if len(shapes) <= 12 else 10) - (1 if size == "half" else 0)
    shapes = shapes.assign(_area=shapes.geometry.area).sort_values("_area", ascending=False)
    points = shapes.geometry.representative_point()
    ax.figure.yielding += [
        ax.annotate(
            str(name),
            (point.x, point.y),
            ha="center",
            va="center",
            fontsize=fontsize,
            color="#222222",
            path_effects=[withStroke(linewidth=2.5, foreground="white")],
        )
        for name, point in zip(shapes["label"], points, strict=True)
    ]


@styled
def locator_map(outlines: Outlines | None, table: pd.DataFrame, territory: str, *, size: str = "slide") -> Figure:
    """Where the territory is: its communes named and outlined within its département(s) and EPCI, the
    neighbouring départements in grey.

    Parameters
    ----------
    outlines
        The data folder's outlines (``Diagnostic.outlines``).
    table
        The long table (the territory's communes are its commune rows).
    territory
        A territory id of the table.

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> from ctg_analysis.diagnostic import Diagnostic
    >>> figure = locator_map(Diagnostic.open(DEMO_DIR).outlines, table, "ctg-ecouen")
    >>> figure.header[0].get_text()
    'Situation du territoire'
    """
    outlines = _require(outlines)
    rows = territory_rows(table, territory)
    codes, departements, communes, drawn, own = _territory_outlines(outlines, rows, territory)
    label = str(rows.loc[rows["level"] == "territoire", "geo_label"].iloc[0])
    epci = rows.loc[rows["level"] == "epci"].drop_duplicates("geo")
    names = rows.loc[rows["level"] == "departement", "geo_label"].drop_duplicates().astype(str).tolist()
    where = ", ".join(names) or ", ".join(departements)
    departement_word = agreed(len(names) or len(departements), "département", "départements")
    subtitle = f"{label} — {counted(len(codes), 'commune')}, {departement_word} : {where}"
    if len(epci):
        subtitle += " ; EPCI : " + ", ".join(epci["geo_label"].astype(str))
    figure, ax = titled_figure(
        "Situation du territoire", subtitle, _footnote(rows.iloc[0:0], communes, demo=_demo(rows)), size=size
    )
    if (frame := outlines.departements()) is not None:
        shape = drawn.dissolve().geometry.iloc[0]
        frame = frame.to_crs(drawn.crs)
        neighbours = frame.loc[frame.intersects(shape.buffer(3000)) & ~frame["code"].isin(departements)]
        _fill_as_one(ax, neighbours, facecolor=_NEIGHBOURS, edgecolor="white", linewidth=1.5)
        shown_neighbours = not neighbours.empty
    else:
        shown_neighbours = False
    _fill_as_one(ax, drawn, facecolor=_CONTEXT, edgecolor="#BBBBBB", linewidth=0.4)
    in_epci = drawn.loc[drawn["epci"].isin(epci["geo"].astype(str))]
    if len(in_epci):
        _fill_as_one(ax, in_epci, facecolor="#FDE0C5", edgecolor="#BBBBBB", linewidth=0.4)
        in_epci.dissolve("epci").boundary.plot(ax=ax, color=LEVEL_COLOURS["epci"], linewidth=1.6)
    own.plot(ax=ax, color=LEVEL_COLOURS["commune"], edgecolor="white", linewidth=0.8)
    own.dissolve().boundary.plot(ax=ax, color=LEVEL_COLOURS["territoire"], linewidth=2.2)
    drawn.dissolve("departement").boundary.plot(ax=ax, color=LEVEL_COLOURS["departement"], linewidth=1.2)
    _label_communes(ax, own, size)
    _frame_map(ax, drawn)
    handles = [
        Patch(
            facecolor=LEVEL_COLOURS["commune"], edgecolor=LEVEL_COLOURS["territoire"], linewidth=2, label="Territoire"
        ),
        *(
            [Patch(facecolor="#FDE0C5", edgecolor=LEVEL_COLOURS["epci"], linewidth=1.6, label="EPCI")]
            if len(in_epci)
            else []
        ),
        Patch(facecolor=_CONTEXT, edgecolor=LEVEL_COLOURS["departement"], label="Département"),
        *([Patch(facecolor=_NEIGHBOURS, edgecolor="white", label="Départements voisins")] if shown_neighbours else []),
    ]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=12)
    return figure


def _classes(values: np.ndarray, scheme: str, classes: int) -> np.ndarray:
    """Upper bounds of the classes of ``values`` (mapclassify), at most ``classes`` of them."""
    import mapclassify

    if scheme not in MAP_SCHEMES:
        raise CtgError(f"méthode de classes {scheme!r} inconnue (attendu {', '.join(MAP_SCHEMES)})")
    k = min(classes, len(np.unique(values)))
    if k < 2:
        return np.array([values.max()])
    with warnings.catch_warnings():
        # Fewer distinct quantiles than classes, or Fisher-Jenks without numba (fast enough for communes).
        warnings.simplefilter("ignore", UserWarning)
        classifier = getattr(mapclassify, MAP_SCHEMES[scheme])(values, k=k)
    return np.unique(classifier.bins)


def _merged(shapes, values: pd.DataFrame, label: str):
    """The communes' shapes with their values (``geo``, ``value``, ``fragile``), and which have one; an error
    when none has."""
    merged = shapes.merge(values, left_on="code", right_on="geo", how="left")
    known = merged["value"].notna()
    if not known.any():
        raise CtgError(f"carte non disponible : aucune valeur de « {label} » pour ces communes")
    return merged, known


def _unknown(ax, merged, known: pd.Series) -> list:
    """The communes without a value, dotted; the legend's handle for them, if any."""
    missing = merged.loc[~known]
    if not len(missing):
        return []
    missing.plot(ax=ax, facecolor=_MISSING, edgecolor="#999999", hatch="..", linewidth=0.6)
    return [Patch(facecolor=_MISSING, edgecolor="#999999", hatch="..", label="non disponible")]


def _choropleth(ax, shapes, values: pd.DataFrame, indicator: str, scheme: str, classes: int) -> list:
    """Fill ``shapes`` (``code``) by class of ``values`` (``geo``, ``value``, ``fragile``); the legend's handles."""
    spec = get_indicator(indicator)
    merged, known = _merged(shapes, values, spec.label)
    bins = _classes(merged.loc[known, "value"].to_numpy(dtype=float), scheme, classes)
    palette = colormaps["Blues"](np.linspace(0.25, 0.95, len(bins)))
    rank = np.searchsorted(bins, merged["value"].to_numpy(dtype=float), side="left").clip(0, len(bins) - 1)
    colours = np.where(known.to_numpy()[:, None], palette[rank], colormaps["Greys"](0.0))
    merged.plot(ax=ax, color=colours, edgecolor=_EDGE, linewidth=0.6)
    fragile = merged["fragile"].fillna(False).astype(bool) & known
    if fragile.any():
        merged.loc[fragile].plot(ax=ax, facecolor="none", edgecolor="#333333", hatch=FRAGILE_HATCH, linewidth=0)
    unknown = _unknown(ax, merged, known)
    shown = [
        format_value(b, spec.unit, spec.decimals, sign=spec.is_change)
        for b in (merged.loc[known, "value"].min(), *bins)
    ]
    labels = (
        [shown[0]]
        if len(bins) == 1
        else [f"{'de' if n == 0 else 'plus de'} {shown[n]} à {shown[n + 1]}" for n in range(len(bins))]
    )
    handles = [Patch(facecolor=c, edgecolor="#999999", label=label) for c, label in zip(palette, labels, strict=True)]
    if fragile.any():
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch=FRAGILE_HATCH, label="valeur fragile"))
    return handles + unknown


#: The area of the largest symbol of a map of counts, in points².
_LARGEST_SYMBOL = 1800.0


def _symbols(ax, shapes, values: pd.DataFrame, indicator: str) -> list:
    """A count over communes as circles whose area is proportional to it, at each commune's inner point (a
    colour by class would say the larger communes have « more »); the legend's handles."""
    from matplotlib.lines import Line2D

    spec = get_indicator(indicator)
    merged, known = _merged(shapes, values, spec.label)
    merged.loc[known].plot(ax=ax, color="#F2F2F2", edgecolor="#BBBBBB", linewidth=0.6)
    unknown = _unknown(ax, merged, known)
    largest = float(merged.loc[known, "value"].max()) or 1.0
    points = merged.loc[known].representative_point()
    counts = merged.loc[known, "value"].to_numpy(dtype=float)
    fragile = merged.loc[known, "fragile"].fillna(False).astype(bool).to_numpy()
    colour = LEVEL_COLOURS["territoire"]
    ax.scatter(
        points.x,
        points.y,
        s=_LARGEST_SYMBOL * counts / largest,
        color=np.where(fragile, "#9DB3CC", colour),
        edgecolor="white",
        linewidth=1,
        alpha=0.85,
        zorder=2.5,  # under the communes' names
    )
    positive = counts[counts > 0]
    # Two reference circles, of counts the map shows: the largest and the smallest.
    references = sorted({largest, float(positive.min())}, reverse=True) if positive.size else []
    handles: list = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color=colour,
            markeredgecolor="white",
            markersize=float(np.sqrt(_LARGEST_SYMBOL * value / largest)),
            label=format_value(value, spec.unit, spec.decimals),
        )
        for value in references
        if value > 0
    ]
    if (counts == 0).any():
        handles.append(Patch(facecolor="#F2F2F2", edgecolor="#BBBBBB", label=format_value(0, spec.unit, spec.decimals)))
    if fragile.any():
        handles.append(Patch(facecolor="#9DB3CC", edgecolor="white", label="valeur fragile"))
    return handles + unknown


def _unit_title(unit: str) -> str | None:
    return None if unit == "nombre" else unit


def _values(rows: pd.DataFrame, level: str, indicator: str, period: str | None) -> tuple[pd.DataFrame, str]:
    """One indicator's rows of a level at one period (default: the latest), with a ``fragile`` column."""
    rows = rows.loc[(rows["indicator"] == indicator) & (rows["level"] == level)]
    if rows.empty:
        raise CtgError(f"carte non disponible : indicateur {indicator!r} absent des données ({level})")
    if period is None:
        period = latest_label(rows)
    rows = rows.loc[rows["period"] == period].drop_duplicates("geo")
    return rows.assign(fragile=is_fragile(shown_flags(rows)).to_numpy(), geo=rows["geo"].astype(str)), period


@styled
def commune_map(
    outlines: Outlines | None,
    table: pd.DataFrame,
    territory: str,
    indicator: str,
    *,
    period: str | None = None,
    context: bool = True,
    scheme: str = "quantiles",
    classes: int = 5,
    size: str = "slide",
) -> Figure:
    """A commune-level indicator over the territory's communes: a rate or a share by class, a count by
    proportional circles.

    Parameters
    ----------
    outlines
        The data folder's outlines (``Diagnostic.outlines``).
    table
        The long table.
    territory, indicator
        A territory id and an indicator id of the table.
    period
        The period (default: the latest).
    context
        Draw the rest of the département(s) in grey around the territory.
    scheme, classes
        ``quantiles``, ``jenks`` (Fisher-Jenks natural breaks) or ``intervalles`` (equal intervals), and
        how many classes at most.

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> from ctg_analysis.diagnostic import Diagnostic
    >>> figure = commune_map(Diagnostic.open(DEMO_DIR).outlines, table, "ctg-ecouen", "part_0_2")
    >>> figure.header[0].get_text()
    'Part des enfants de 0 à 2 ans'
    """
    outlines = _require(outlines)
    spec = get_indicator(indicator)
    rows = territory_rows(table, territory)
    values, period = _values(rows, "commune", indicator, period)
    codes, departements, communes, drawn, own = _territory_outlines(outlines, rows, territory)
    label = str(rows.loc[rows["level"] == "territoire", "geo_label"].iloc[0])
    figure, ax = titled_figure(
        spec.label, f"{label} — communes, {period}", _footnote(values, communes, demo=_demo(rows)), size=size
    )
    if context:
        _fill_as_one(ax, drawn, facecolor=_CONTEXT, edgecolor="white", linewidth=0.4)
    if spec.is_count:
        handles = _symbols(ax, own, values, indicator)
    else:
        handles = _choropleth(ax, own, values, indicator, scheme, classes)
    own.dissolve().boundary.plot(ax=ax, color=LEVEL_COLOURS["territoire"], linewidth=2)
    _label_communes(ax, own, size)
    _frame_map(ax, drawn if context else own)
    ax.legend(
        handles=handles,
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        fontsize=12,
        title=_unit_title(spec.unit),
        labelspacing=2.2 if spec.is_count else 0.5,  # room for the circles of a count
        borderpad=1.0 if spec.is_count else 0.4,
    )
    return figure


@styled
def departement_map(
    outlines: Outlines | None,
    table: pd.DataFrame,
    indicator: str,
    *,
    level: str = "commune",
    period: str | None = None,
    scheme: str = "quantiles",
    classes: int = 5,
    size: str = "slide",
) -> Figure:
    """An indicator over every commune, or every EPCI, of a département (for choosing territories).

    ``table`` is the long table of the département's communes taken together
    (``Diagnostic.departement_table``): its commune rows, or its EPCI rows (each EPCI's value, drawn over
    its communes in the département).

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> from ctg_analysis.diagnostic import Diagnostic
    >>> diagnostic = Diagnostic.open(DEMO_DIR)
    >>> figure = departement_map(diagnostic.outlines, diagnostic.departement_table("95"), "part_0_2", level="epci")
    >>> figure.header[1].get_text()
    "Val-d'Oise — EPCI, 2019"
    """
    outlines = _require(outlines)
    if level not in ("commune", "epci"):
        raise CtgError(f"niveau de carte {level!r} inconnu (attendu commune ou epci)")
    spec = get_indicator(indicator)
    values, period = _values(table, level, indicator, period)
    # The département's own row is not in its table (a territory is never set beside itself): its communes say it.
    departements = sorted(set(departement_of(table.loc[table["level"] == "commune", "geo"].astype(str))))
    communes = outlines.communes(departements)
    drawn = communes.loc[communes.geometry.notna()]
    shapes = drawn if level == "commune" else drawn.dissolve("epci", as_index=False).assign(code=lambda f: f["epci"])
    name = ", ".join(table.loc[table["level"] == "territoire", "geo_label"].astype(str).unique())
    what = "communes" if level == "commune" else "EPCI"
    footnote = _footnote(values, communes, demo=_demo(table))
    figure, ax = titled_figure(spec.label, f"{name} — {what}, {period}", footnote, size=size)
    handles = _choropleth(ax, shapes, values, indicator, scheme, classes)
    drawn.dissolve("departement").boundary.plot(ax=ax, color=LEVEL_COLOURS["departement"], linewidth=1.2)
    _frame_map(ax, drawn)
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=12, title=_unit_title(spec.unit))
    return figure
