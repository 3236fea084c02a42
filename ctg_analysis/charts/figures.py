"""The charts of a CTG diagnostic, each a function of the long indicator table.

Every function takes the long table of :func:`~ctg_analysis.indicators.compute_indicators`, a territory
id and (where it applies) an indicator, draws nothing to disk, and returns the matplotlib ``Figure`` so
that analysts can adjust it in JupyterLab before exporting it.

Examples
--------
>>> figure = comparison_bars(table, "ezanville", "part_familles_monoparentales")
>>> figure.savefig(tmp / "familles.png")
"""

from __future__ import annotations

import math
import re
import textwrap

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch

from ctg_analysis.charts.style import FRAGILE_HATCH, LEVEL_HATCHES, french_axis, styled, titled_figure
from ctg_analysis.errors import CtgError
from ctg_analysis.formatting import format_number, format_value
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.indicators.display import (
    ROUNDED_NOTE,
    cited_sources,
    coverage_notes,
    is_fragile,
    key_figure_ids,
    latest_label,
    latest_period,
    partial_legend,
    shown_flags,
    territory_rows,
)
from ctg_analysis.indicators.flags import ROUNDED_FLAG
from ctg_analysis.levels import CHART_LEVELS, LEVEL_COLOURS, LEVEL_NAMES_IN_TEXT
from ctg_analysis.sources.datasets import get_dataset

__all__ = [
    "AGE_BANDS",
    "age_structure",
    "births_chart",
    "communes_small_multiples",
    "comparison_bars",
    "evolution_chart",
    "family_composition",
    "key_figures_card",
]

#: CAF age bands: indicator id → short French label.
AGE_BANDS = {
    "pop_0_2": "0-2 ans",
    "pop_3_5": "3-5 ans",
    "pop_6_10": "6-10 ans",
    "pop_11_17": "11-17 ans",
    "pop_18_24": "18-24 ans",
    "pop_25_39": "25-39 ans",
    "pop_40_54": "40-54 ans",
    "pop_55_64": "55-64 ans",
    "pop_65_79": "65-79 ans",
    "pop_80p": "80 ans ou plus",
}
#: Panels of the communes' small multiples, at most, by figure size: four rows of four on a slide, four rows
#: of two on half a slide (more rows would leave each panel too low for its scale).
MAX_PANELS = {"slide": 16, "half": 8}
_FRAGILE_NOTE = "* valeur fragile (petits effectifs, partielle ou non comparable)"
_DEMO_NOTE = "Données fictives de démonstration"


def _rows(table: pd.DataFrame, territory: str, indicator: str, period: str | None = None) -> pd.DataFrame:
    """The rows of one indicator for a territory's ladder, at one period (default: the latest)."""
    get_indicator(indicator)  # a misspelled id fails with a suggestion
    rows = territory_rows(table, territory)
    rows = rows.loc[rows["indicator"] == indicator]
    if rows.empty:
        raise CtgError(f"indicateur {indicator!r} non calculé pour le territoire {territory!r} (données absentes)")
    if period is None:
        period = latest_label(rows)
    rows = rows.loc[rows["period"] == period]
    if rows.empty:
        raise CtgError(f"indicateur {indicator!r} : période {period!r} absente")
    return rows


def _footnote(rows: pd.DataFrame, fragile: bool | None = None, notes: tuple[str, ...] = ()) -> str:
    sources = " ; ".join(cited_sources(rows))
    parts = [f"Source : {sources}" if sources else "Source : non renseignée"]
    if fragile if fragile is not None else is_fragile(shown_flags(rows)).any():
        parts.append(_FRAGILE_NOTE)
    parts += notes
    if coverage := coverage_notes(rows):  # a starred partial value says its coverage in words
        parts.append(partial_legend(coverage).rstrip("."))
    if rows["flags"].astype(str).str.contains(ROUNDED_FLAG).any():
        parts.append(ROUNDED_NOTE.rstrip("."))
    if rows["flags"].astype(str).str.contains("demo").any():
        parts.append(_DEMO_NOTE)
    return " — ".join(parts)


def _label(row, width: int = 30) -> str:
    """The bar label: the territory's own row is named in the subtitle already; an EPCI by its short name
    (« CA Roissy Pays de France »: three lines of « Communauté d'agglomération … » covered the bars beside)."""
    if row.level == "territoire":
        return "Ensemble du territoire"
    name = str(row.geo_label)
    if row.level == "epci":
        for nature, short in _EPCI_NATURES:
            name = nature.sub(short, name)
    name = name if row.level in ("commune", "france") else f"{name} ({LEVEL_NAMES_IN_TEXT[row.level]})"
    return textwrap.fill(name, width)


#: The natures of EPCI as their names spell them out, and their usual short forms (INSEE's and the DGCL's).
_EPCI_NATURES = (
    (re.compile(r"^communauté de communes\b", re.IGNORECASE), "CC"),
    (re.compile(r"^communauté d['’]agglomération\b", re.IGNORECASE), "CA"),
    (re.compile(r"^communauté urbaine\b", re.IGNORECASE), "CU"),
)


def _ordered(rows: pd.DataFrame) -> pd.DataFrame:
    rank = rows["level"].astype(str).map({level: i for i, level in enumerate(CHART_LEVELS)})
    return rows.assign(_rank=rank.to_numpy()).sort_values(["_rank", "geo"], kind="stable").drop(columns="_rank")


def _signed(indicator: str) -> bool:
    return get_indicator(indicator).is_change


def _bars(ax, positions, values, levels, fragile, *, horizontal: bool, **kwargs) -> None:
    draw = ax.barh if horizontal else ax.bar
    bars = draw(
        positions,
        np.nan_to_num(values),
        color=[LEVEL_COLOURS[level] for level in levels],
        edgecolor="#333333",
        linewidth=0.6,
        **kwargs,
    )
    for bar, level, weak in zip(bars, levels, fragile, strict=True):
        bar.set_hatch(FRAGILE_HATCH if weak else LEVEL_HATCHES.get(level, ""))
        if weak:
            bar.set_alpha(0.6)


@styled
def comparison_bars(
    table: pd.DataFrame, territory: str, indicator: str, *, period: str | None = None, size: str = "slide"
) -> Figure:
    """Horizontal bars of an indicator for the territory, its communes, EPCI, département, région, France.

    Examples
    --------
    >>> comparison_bars(table, "ctg-ecouen", "part_familles_monoparentales").get_size_inches().round(2).tolist()
    [13.33, 7.5]
    """
    rows = _ordered(_rows(table, territory, indicator, period))
    spec = get_indicator(indicator)
    if spec.kind == "published":  # only where published: the territory's own bar says why it has none
        rows = rows.loc[rows["value"].notna() | rows["level"].eq("territoire")]
    fragile = (is_fragile(shown_flags(rows)) & rows["value"].notna()).to_numpy()
    labels = [_label(r) + (" *" if weak else "") for r, weak in zip(rows.itertuples(), fragile, strict=True)]
    subtitle = f"{_territory_label(rows)} — {rows['period'].iloc[0]}"
    unpublished = rows["flags"].astype(str).str.contains("unavailable").any()
    departemental = get_dataset(spec.datasets[0]).departemental
    where = "par département seulement" if departemental else "pour une commune ou un EPCI"
    notes = (f"non publié : valeur publiée {where}, jamais sommée",) if unpublished else ()
    figure, ax = titled_figure(spec.label, subtitle, _footnote(rows, bool(fragile.any()), notes), size=size)
    positions = np.arange(len(rows))[::-1]
    values = rows["value"].to_numpy(dtype=float)
    _bars(ax, positions, values, rows["level"].astype(str).tolist(), fragile, horizontal=True, height=0.7)
    ax.set_yticks(positions, labels)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    french_axis(
        ax.xaxis,
        1 if 0 < np.nanmax(np.abs(values), initial=0) < 5 else 0,
        "" if spec.unit == "nombre" else f"\u00a0{spec.unit}",
        ticks=7 if size == "slide" else 4,
    )
    span = np.nanmax(np.abs(values), initial=0) or 1
    for position, value, flags in zip(positions, values, rows["flags"].astype(str), strict=True):
        text = (
            _missing(flags)
            if math.isnan(value)
            else format_value(value, spec.unit, spec.decimals, sign=_signed(indicator))
        )
        ax.text(
            (0 if math.isnan(value) else value) + span * 0.01 * (1 if (math.isnan(value) or value >= 0) else -1),
            position,
            text,
            va="center",
            ha="left" if math.isnan(value) or value >= 0 else "right",
            fontsize=13,
        )
    if (values < 0).any():
        ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlim(min(0, np.nanmin(values, initial=0) * 1.2), max(0, np.nanmax(values, initial=0)) * 1.18 or 1)
    return figure


def _missing(flags: str) -> str:
    """Why a bar has no value, in a word (the footnote says more)."""
    return "non publié" if "unavailable" in flags else "non disponible"


def _territory_label(rows: pd.DataFrame) -> str:
    own = rows.loc[rows["level"] == "territoire", "geo_label"]
    return str(own.iloc[0]) if len(own) else str(rows["territory"].iloc[0])


@styled
def evolution_chart(table: pd.DataFrame, territory: str, indicator: str = "evol_0_2", *, size: str = "slide") -> Figure:
    """The evolution of an indicator for the territory against its EPCI, département, région and France.

    Examples
    --------
    >>> evolution_chart(table, "ezanville", "evol_0_2").get_size_inches().round(2).tolist()  # 16:9, the slide's size
    [13.33, 7.5]
    """
    spec = get_indicator(indicator)
    if not spec.is_change:
        raise CtgError(f"indicateur {indicator!r} : attendu une évolution (par exemple evol_0_2)")
    rows = _ordered(_rows(table, territory, indicator))
    rows = rows.loc[rows["level"] != "commune"]
    fragile = is_fragile(shown_flags(rows)).to_numpy()
    subtitle = f"{_territory_label(rows)} — entre {rows['year_start'].iloc[0]} et {rows['year_end'].iloc[0]}"
    figure, ax = titled_figure(spec.label, subtitle, _footnote(rows), size=size)
    positions = np.arange(len(rows))
    values = rows["value"].to_numpy(dtype=float)
    _bars(ax, positions, values, rows["level"].astype(str).tolist(), fragile, horizontal=False, width=0.65)
    ax.set_xticks(
        positions,
        [
            _label(r).replace(" (", "\n(") + (" *" if weak else "")
            for r, weak in zip(rows.itertuples(), fragile, strict=True)
        ],
    )
    ax.axhline(0, color="#333333", linewidth=0.8)
    french_axis(ax.yaxis, 0, "\u00a0%")
    span = np.nanmax(np.abs(values), initial=0) or 1
    for position, value in zip(positions, values, strict=True):
        if not math.isnan(value):
            ax.text(
                position,
                value + span * (0.03 if value >= 0 else -0.03),
                format_value(value, spec.unit, spec.decimals, sign=True),
                ha="center",
                va="bottom" if value >= 0 else "top",
                fontsize=14,
                fontweight="bold",
            )
    low, high = np.nanmin(values, initial=0), np.nanmax(values, initial=0)
    ax.set_ylim(min(0, low) - span * 0.15, max(0, high) + span * 0.15)
    return figure


@styled
def age_structure(table: pd.DataFrame, territory: str, *, period: str | None = None, size: str = "slide") -> Figure:
    """Population by CAF age band (share of the population), territory against its département.

    The census commune files give the CAF bands for both sexes only: no split by sex here.

    Examples
    --------
    >>> age_structure(table, "ctg-ecouen").get_size_inches().round(2).tolist()  # 16:9, the slide's size
    [13.33, 7.5]
    """
    shares, rows = _band_shares(territory_rows(table, territory), period)
    levels = [level for level in ("territoire", "departement") if level in shares.columns.get_level_values(0)]
    columns = [c for c in shares.columns if c[0] in levels][:2]
    subtitle = f"{_territory_label(rows)} — {rows['period'].iloc[0]}"
    plotted = rows.loc[rows["level"].isin(["territoire", "departement"])]
    figure, ax = titled_figure(
        "Part de chaque tranche d'âge dans la population", subtitle, _footnote(plotted), size=size
    )
    positions = np.arange(len(AGE_BANDS))[::-1]
    height = 0.38
    for n, column in enumerate(columns):
        level = column[0]
        name = "Ensemble du territoire" if level == "territoire" else f"{column[1]} ({LEVEL_NAMES_IN_TEXT[level]})"
        ax.barh(
            positions + (0.2 if n == 0 else -0.2),
            shares[column].to_numpy(),
            height=height,
            color=LEVEL_COLOURS[level],
            edgecolor="#333333",
            linewidth=0.6,
            label=name,
        )
    ax.set_yticks(positions, list(AGE_BANDS.values()))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    french_axis(ax.xaxis, 0, "\u00a0%")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 0.02))
    return figure


def _band_shares(rows: pd.DataFrame, period: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Share of each CAF band in the population, by (level, geo label), at one census vintage."""
    bands = rows.loc[rows["indicator"].isin([*AGE_BANDS, "population"])]
    if bands.empty:
        raise CtgError(
            "tranches d'âge CAF absentes : le recensement (évolution et structure de la population) est nécessaire"
        )
    period = period or latest_label(bands)
    bands = bands.loc[bands["period"] == period]
    wide = bands.pivot_table(
        index=["level", "geo", "geo_label"], columns="indicator", values="value", observed=True, aggfunc="first"
    )
    shares = wide[list(AGE_BANDS)].div(wide["population"], axis=0) * 100
    shares = shares.reset_index()
    shares["key"] = list(zip(shares["level"].astype(str), shares["geo_label"].astype(str), strict=True))
    order = {level: i for i, level in enumerate(CHART_LEVELS)}
    shares = shares.sort_values(by="level", key=lambda s: s.astype(str).map(order), kind="stable")
    table = shares.set_index("key")[list(AGE_BANDS)].T
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table, bands


@styled
def communes_small_multiples(
    table: pd.DataFrame, territory: str, *, period: str | None = None, size: str = "slide"
) -> Figure:
    """One small age-structure panel per commune of the territory, with its département's profile.

    Examples
    --------
    >>> communes_small_multiples(table, "ctg-ecouen").get_size_inches().round(2).tolist()  # 16:9, the slide's size
    [13.33, 7.5]
    """
    shares, rows = _band_shares(territory_rows(table, territory), period)
    communes, total = _panel_communes(shares, rows, territory, MAX_PANELS[size])
    departement = next((c for c in shares.columns if c[0] == "departement"), None)
    columns = min(4 if size == "slide" else 2, len(communes))
    shown = f", les {MAX_PANELS[size]} plus peuplées sur {total}" if total > len(communes) else ""
    subtitle = f"{_territory_label(rows)} — part de chaque tranche d'âge, {rows['period'].iloc[0]}{shown}"
    figure, axes = titled_figure(
        "Structure par âge de chaque commune",
        subtitle,
        _footnote(rows),
        size=size,
        nrows=math.ceil(len(communes) / columns),
        ncols=columns,
        squeeze=False,
    )
    # One scale for every panel, set on each: axes shared by matplotlib cost a second per figure.
    top = 1.08 * np.nanmax(shares[communes + ([departement] if departement is not None else [])].to_numpy())
    for index, (ax, commune) in enumerate(zip(axes.ravel(), communes, strict=False)):
        _age_panel(ax, shares, commune, departement, top)
        # Bands named under the last panel of each column only (ticks cost a millisecond each to draw).
        if index + columns >= len(communes):
            ax.set_xticks(np.arange(len(AGE_BANDS)), list(AGE_BANDS.values()), rotation=90, fontsize=9)
        else:
            ax.set_xticks([])
        french_axis(ax.yaxis, 0, "\u00a0%", ticks=3)
        ax.tick_params(axis="y", labelsize=10, labelleft=index % columns == 0)
    for ax in axes.ravel()[len(communes) :]:
        ax.set_visible(False)
    figure.legend(handles=_panels_legend(departement), ncol=2)  # placed by the layout, above the footnote
    return figure


def _panel_communes(
    shares: pd.DataFrame, rows: pd.DataFrame, territory: str, most: int
) -> tuple[list[tuple[str, str]], int]:
    """The communes given a panel (beyond a readable grid, the most populous), and how many there are."""
    communes = [c for c in shares.columns if c[0] == "commune"]
    if len(communes) < 2:
        raise CtgError(f"territoire {territory!r} d'une seule commune : pas de comparaison entre communes")
    if len(communes) > most:
        population = rows.loc[(rows["level"] == "commune") & (rows["indicator"] == "population")].set_index(
            "geo_label"
        )["value"]
        return sorted(communes, key=lambda c: -population.get(c[1], 0))[:most], len(communes)
    return communes, len(communes)


def _age_panel(
    ax: Axes, shares: pd.DataFrame, commune: tuple[str, str], departement: tuple[str, str] | None, top: float
) -> None:
    """A commune's age bars, with its département's profile as a line, on the scale shared by every panel."""
    positions = np.arange(len(AGE_BANDS))
    ax.bar(
        positions,
        shares[commune].to_numpy(),
        color=LEVEL_COLOURS["commune"],
        edgecolor="#333333",
        linewidth=0.4,
        hatch=LEVEL_HATCHES["commune"],
    )
    if departement is not None:
        ax.plot(
            positions,
            shares[departement].to_numpy(),
            color=LEVEL_COLOURS["departement"],
            marker="o",
            markersize=3,
            linewidth=1.5,
        )
    ax.set_title(commune[1], fontsize=13, loc="left", pad=6)
    ax.set_ylim(0, top)
    ax.grid(axis="x", visible=False)


def _panels_legend(departement: tuple[str, str] | None) -> list[Artist]:
    """The legend of the small multiples: the communes' bars, the département's line as drawn."""
    handles: list[Artist] = [
        Patch(facecolor=LEVEL_COLOURS["commune"], hatch=LEVEL_HATCHES["commune"], edgecolor="#333333", label="Commune")
    ]
    if departement is not None:
        handles.append(
            Line2D(
                [],
                [],
                color=LEVEL_COLOURS["departement"],
                marker="o",
                markersize=3,
                linewidth=1.5,
                label=f"{departement[1]} ({LEVEL_NAMES_IN_TEXT['departement']})",
            )
        )
    return handles


@styled
def births_chart(table: pd.DataFrame, territory: str, *, size: str = "slide") -> Figure:
    """Domiciled births of every year of the data on the territory, with the 3-year moving average.

    Examples
    --------
    >>> births_chart(table, "ezanville").get_size_inches().round(2).tolist()  # 16:9, the slide's size
    [13.33, 7.5]
    """
    rows = territory_rows(table, territory)
    yearly = rows.loc[(rows["indicator"] == "naissances") & (rows["level"] == "territoire")].sort_values("year_end")
    if yearly.empty:
        raise CtgError(f"naissances domiciliées absentes pour le territoire {territory!r}")
    rolling = rows.loc[(rows["indicator"] == "naissances_3ans") & (rows["level"] == "territoire")].sort_values(
        "year_end"
    )
    fragile = is_fragile(shown_flags(yearly)).to_numpy()
    subtitle = (
        f"{_territory_label(yearly)} — naissances selon le domicile de la mère, "
        f"{yearly['year_end'].min()}-{yearly['year_end'].max()}"
    )
    figure, ax = titled_figure(
        "Naissances domiciliées par an", subtitle, _footnote(pd.concat([yearly, rolling])), size=size
    )
    years = yearly["year_end"].to_numpy()
    values = yearly["value"].to_numpy(dtype=float)
    _bars(
        ax,
        years,
        values,
        ["territoire"] * len(years),
        fragile,
        horizontal=False,
        width=0.7,
        label="Naissances de l'année",
    )
    # Counts inside the bars, at their foot: the three-year average runs along their tops.
    highest = np.nanmax(values, initial=1)
    for year, value in zip(years, values, strict=True):
        if math.isnan(value):
            continue
        inside = value >= 0.2 * highest
        ax.text(
            year,
            0.03 * highest if inside else value,
            format_number(value),
            ha="center",
            va="bottom",
            fontsize=13,
            color="white" if inside else "black",
        )
    if not rolling.empty:
        ax.plot(
            rolling["year_end"],
            rolling["value"] / 3,
            color=LEVEL_COLOURS["epci"],
            marker="o",
            linewidth=2.5,
            label="Moyenne sur 3 ans",
        )
    ax.set_xticks(years, [str(y) for y in years])
    french_axis(ax.yaxis)
    ax.set_ylim(0, np.nanmax(values, initial=1) * 1.25)
    ax.legend(loc="upper center", ncol=2)
    return figure


FAMILIES = {
    "part_couples_avec_enfants": ("Couples avec enfant(s)", "#08306B"),
    "part_couples_sans_enfant": ("Couples sans enfant", "#6BAED6"),
    "part_familles_monoparentales": ("Familles monoparentales", "#D95F02"),
}


@styled
def family_composition(
    table: pd.DataFrame, territory: str, *, period: str | None = None, size: str = "slide"
) -> Figure:
    """Families by type (couples with and without children, single parents), territory against its
    département, région and France, as stacked shares.

    Examples
    --------
    >>> family_composition(table, "ctg-ecouen").get_size_inches().round(2).tolist()  # 16:9, the slide's size
    [13.33, 7.5]
    """
    rows = territory_rows(table, territory)
    rows = rows.loc[
        rows["indicator"].isin(FAMILIES) & rows["level"].isin(["territoire", "departement", "region", "france"])
    ]
    if rows.empty:
        raise CtgError("familles absentes : le recensement (couples, familles, ménages) est nécessaire")
    period = period or latest_label(rows)
    rows = _ordered(rows.loc[rows["period"] == period])
    wide = rows.pivot_table(
        index=["level", "geo", "geo_label"],
        columns="indicator",
        values="value",
        observed=True,
        aggfunc="first",
        sort=False,
    )
    wide = wide.reindex(columns=list(FAMILIES))
    subtitle = f"{_territory_label(rows)} — répartition des familles, {period}"
    figure, ax = titled_figure("Composition des familles", subtitle, _footnote(rows), size=size)
    positions = np.arange(len(wide))[::-1]
    left = np.zeros(len(wide))
    for indicator, (label, colour) in FAMILIES.items():
        values = np.nan_to_num(wide[indicator].to_numpy(dtype=float))
        ax.barh(positions, values, left=left, color=colour, edgecolor="white", height=0.6, label=label)
        for position, start, value in zip(positions, left, values, strict=True):
            if value >= (6 if size == "slide" else 12):  # room for its label
                ax.text(
                    start + value / 2,
                    position,
                    format_value(value, "%", 1),
                    ha="center",
                    va="center",
                    color="white" if colour != "#6BAED6" else "black",
                    fontsize=13,
                )
        left = left + values
    names = [
        textwrap.fill(
            "Ensemble du territoire"
            if level == "territoire"
            else label
            if level == "france"
            else f"{label} ({LEVEL_NAMES_IN_TEXT[level]})",
            30,
        )
        for level, _, label in wide.index
    ]
    ax.set_yticks(positions, names)
    ax.set_xlim(0, 100)
    ax.grid(axis="y", visible=False)
    french_axis(ax.xaxis, 0, "\u00a0%")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3 if size == "slide" else 1)
    return figure


@styled
def key_figures_card(table: pd.DataFrame, territory: str, *, size: str = "slide") -> Figure:
    """The "chiffres clés" card: the territory's big numbers, each with its département's.

    Examples
    --------
    >>> key_figures_card(table, "ezanville").get_size_inches().round(2).tolist()  # 16:9, the slide's size
    [13.33, 7.5]
    """
    rows = territory_rows(table, territory)
    cards = _key_cards(rows, key_figure_ids(table, territory))
    # At most five cards by two at slide size, two by three at half a slide; fewer cards fill the space (two by
    # two for four, not four of ten places with the lower half blank).
    most_columns, most_lines = (5, 2) if size == "slide" else (2, 3)
    shown = cards[: most_columns * most_lines]
    if size == "slide":
        lines = 1 if len(shown) <= 3 else most_lines
        columns = max(1, -(-len(shown) // lines))
    else:
        columns = 1 if len(shown) <= 1 else most_columns
        lines = max(1, -(-len(shown) // columns))
    subtitle = _territory_label(rows)
    if len(shown) < len(cards):
        subtitle += f" — {len(shown)} chiffres sur {len(cards)}"
    figure, ax = titled_figure(
        "Chiffres clés",
        subtitle,
        _footnote(pd.DataFrame([own for _, own, _ in shown])),  # the sources of the values shown only
        size=size,
    )
    # An axis switched off rather than removed: notebooks do not show figures without any axes. The cards
    # are drawn in it, so that the layout places them between the title and the footnote.
    ax.set_axis_off()
    width, height = 1 / columns - 0.012, 1 / lines - 0.04
    for n, card in enumerate(shown):
        x, y = (n % columns) / columns, 1 - (n // columns + 1) / lines + 0.02
        _draw_card(ax, card, (x, y, width, height), pad=0.05 / columns)
    return figure


def _key_cards(rows: pd.DataFrame, indicators: list[str]) -> list[tuple[str, pd.Series, pd.Series | None]]:
    """Each key figure's card: the territory's row at its latest period, and its département's if single."""
    cards = []
    for indicator in indicators:
        found = rows.loc[rows["indicator"] == indicator]
        if found.empty:
            continue
        latest = latest_period(found)
        own = latest.loc[latest["level"] == "territoire"]
        departement = latest.loc[latest["level"] == "departement"]
        if own.empty:
            continue
        cards.append((indicator, own.iloc[0], departement.iloc[0] if len(departement) else None))
    return cards


def _draw_card(
    ax: Axes, card: tuple[str, pd.Series, pd.Series | None], box: tuple[float, float, float, float], pad: float
) -> None:
    """One card: the value in big (starred when fragile), its label and period, the département's value."""
    indicator, own, departement = card
    x, y, width, height = box
    spec = get_indicator(indicator)
    weak = bool(is_fragile(shown_flags(own.to_frame().T)).iloc[0])
    ax.add_patch(_card_background(ax, x, y, width, height))
    ax.text(
        x + pad,
        y + 0.8 * height,
        format_value(own["value"], spec.unit, spec.decimals, sign=_signed(indicator)) + (" *" if weak else ""),
        fontsize=26,
        fontweight="bold",
        color=LEVEL_COLOURS["territoire"],
        va="center",
        transform=ax.transAxes,
    )
    ax.text(
        x + pad,
        y + 0.62 * height,
        textwrap.fill(f"{spec.label} ({own['period']})", 26),
        fontsize=11,
        va="top",
        linespacing=1.3,
        transform=ax.transAxes,
    )
    if departement is not None and not math.isnan(departement["value"]):
        reference = (
            f"{departement['geo_label']} : "
            f"{format_value(departement['value'], spec.unit, spec.decimals, sign=_signed(indicator))}"
        )
        ax.text(
            x + pad,
            y + 0.08 * height,
            textwrap.fill(reference, 30),
            fontsize=10.5,
            color="#555555",
            va="bottom",
            transform=ax.transAxes,
        )


def _card_background(ax, x: float, y: float, width: float, height: float) -> FancyBboxPatch:
    return FancyBboxPatch(
        (x, y),
        width,
        height,
        boxstyle="round,pad=0.005,rounding_size=0.01",
        transform=ax.transAxes,
        facecolor="#F2F5F9",
        edgecolor="#C8D3E0",
        linewidth=1,
        clip_on=False,  # its rounded corners overhang the axes
    )
