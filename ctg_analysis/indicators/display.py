"""Views of the long table for people: a wide table per territory for JupyterLab, and key figures.

:func:`wide_view` turns the long table into indicators × levels for one territory; in JupyterLab it
displays with French number formats, units, and flagged values greyed out (small numbers, partial, not
comparable, unavailable), with a legend and the demo warning.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ctg_analysis.codes import FRANCE
from ctg_analysis.errors import CtgError, did_you_mean
from ctg_analysis.formatting import MISSING, format_number, format_value
from ctg_analysis.indicators.catalogue import Indicator, get_indicator, indicators_of_theme
from ctg_analysis.indicators.comparisons import RATE_UNITS
from ctg_analysis.indicators.flags import DEMO_FLAG, FLAGS, ROUNDED_FLAG
from ctg_analysis.indicators.preparation import PreparedData
from ctg_analysis.levels import LADDER, LEVEL_NAMES, LEVEL_NAMES_IN_TEXT
from ctg_analysis.sources.datasets import dataset_hint, get_dataset
from ctg_analysis.text import in_sentence, plain
from ctg_analysis.themes import get_theme

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = [
    "absence_reason",
    "coverage_notes",
    "coverage_said",
    "partial_legend",
    "KEY_FIGURES",
    "QUALITY_FLAGS",
    "FRAGILE_LEGEND",
    "ROUNDED_NOTE",
    "WideView",
    "cited_sources",
    "communes_view",
    "comparison_view",
    "is_fragile",
    "key_figure_ids",
    "key_figures",
    "key_figures_html",
    "ladder_order",
    "level_column",
    "latest_label",
    "latest_period",
    "shown_flags",
    "side_by_side",
    "territory_rows",
    "text_table_html",
    "value_texts",
    "wide_view",
]

#: The indicators of a territory's "chiffres clés", in order.
KEY_FIGURES = (
    "population",
    "evol_population",
    "naissances",
    "pop_0_2",
    "evol_0_2",
    "part_familles_monoparentales",
    "taux_activite_femmes",
    "allocataires",
    "revenu_median",
    "taux_pauvrete",
)
# A key figure that no file of the data gives makes way for one that says the same from another source.
_KEY_FALLBACKS = {"population": "population_legale", "evol_population": "evol_population_legale"}


def key_figure_ids(table: pd.DataFrame, territory: str) -> list[str]:
    """The key figures the data give (a value at some level of the territory's ladder), in order.

    Examples
    --------
    >>> table = pd.DataFrame({"territory": "t", "indicator": ["population_legale", "naissances"], "value": [1.0, None]})
    >>> key_figure_ids(table, "t")
    ['population_legale']
    """
    given = set(table.loc[(table["territory"] == territory) & table["value"].notna(), "indicator"])
    chosen = [i if i in given else _KEY_FALLBACKS.get(i, i) for i in KEY_FIGURES]
    return [i for i in chosen if i in given]


#: Flags that make a value fragile: greyed out in views (the marks of the data's origin are said in words).
QUALITY_FLAGS = tuple(code for code in FLAGS if code not in (DEMO_FLAG, ROUNDED_FLAG))
#: What a view says below its table when a value sums rounded counts.
ROUNDED_NOTE = f"{FLAGS[ROUNDED_FLAG][0].upper()}{FLAGS[ROUNDED_FLAG][1:]}."


def territory_rows(table: pd.DataFrame, territory: str) -> pd.DataFrame:
    """The rows of one territory of the long table, or a :class:`CtgError` with a suggestion."""
    territories = [str(t) for t in table["territory"].unique()]
    if territory not in territories:
        raise CtgError(f"territoire {territory!r} absent du tableau{did_you_mean(territory, territories)}")
    return table.loc[table["territory"] == territory]


def _select(table: pd.DataFrame, territory: str, theme: str | None, indicators: list[str] | None) -> pd.DataFrame:
    rows = territory_rows(table, territory)
    if theme is not None:
        rows = rows.loc[rows["indicator"].isin([i.id for i in indicators_of_theme(theme)])]
    if indicators is not None:
        for indicator in indicators:
            get_indicator(indicator)  # a misspelled id fails with a suggestion
        rows = rows.loc[rows["indicator"].isin(indicators)]
    return rows


def latest_period(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of each indicator's latest period (the longest one when several end the same year); of the
    periods the territory has a value for, when it has one (a newer edition giving only other areas does not
    hide the territory's latest figure behind a « – »)."""
    if {"level", "value"} <= set(rows.columns):
        own = rows["level"].eq("territoire") & rows["value"].notna()
        if own.any():
            known = rows["year_end"].where(own).groupby(rows["indicator"], observed=True).transform("max")
            rows = rows.loc[known.isna() | rows["year_end"].le(known).fillna(False)]
    # An indicator no file gives has no period (<NA>): its rows are its latest.
    latest = rows.groupby("indicator", observed=True)["year_end"].transform("max")
    rows = rows.loc[rows["year_end"].eq(latest).fillna(True)]
    longest = rows.groupby("indicator", observed=True)["year_start"].transform("min")
    return rows.loc[rows["year_start"].eq(longest).fillna(True)]


def latest_label(rows: pd.DataFrame) -> str:
    """The label of the rows' latest period (the longest when several end the same year), « – » without any.

    Examples
    --------
    >>> rows = pd.DataFrame({"period": ["2013", "2008-2013", "2019"], "year_start": [2013, 2008, 2019],
    ...                      "year_end": [2013, 2013, 2019]})
    >>> latest_label(rows), latest_label(rows.iloc[:2])
    ('2019', '2008-2013')
    """
    ends = rows["year_end"]
    if ends.isna().all():
        return "–"
    latest = rows.loc[ends.eq(ends.max()).fillna(False)]
    starts = latest["year_start"]
    return str(latest.loc[starts.eq(starts.min()).fillna(False), "period"].iloc[0])


#: A value missing less than this share of its population (secret or absent communes) is not shown as
#: fragile: France missing one commune's CAF figures keeps its flag in the data, not a greyed cell.
NEGLIGIBLE_GAP = 0.01


def shown_flags(rows: pd.DataFrame) -> pd.Series:
    """The flags a reader is shown: ``partial`` left out where the source covers all but a negligible
    share (:data:`NEGLIGIBLE_GAP`) of the population (of the communes, where populations are unknown).
    The long table keeps every flag.

    Examples
    --------
    >>> rows = pd.DataFrame({"flags": ["partial;demo", "partial"], "coverage_population": [0.9995, 0.9],
    ...                      "coverage_communes": [0.99, 0.8]})
    >>> shown_flags(rows).tolist()
    ['demo', 'partial']
    """
    if "coverage_population" not in rows:
        return rows["flags"]
    covered = rows["coverage_population"].fillna(rows["coverage_communes"])
    negligible = covered.ge(1 - NEGLIGIBLE_GAP).to_numpy() & rows["flags"].notna().to_numpy()
    if not negligible.any():
        return rows["flags"]
    cleaned = rows["flags"].astype(object).where(~negligible)
    kept = rows["flags"].astype(str).str.replace(r"(?:^|;)partial(?=;|$)", "", regex=True).str.strip(";")
    return cleaned.where(~negligible, kept.where(kept != "", None))


def coverage_said(coverage_communes: object, coverage_population: object) -> str:
    """A partial value's coverage in words: the share of the unit's communes the source covers, and of its
    population (secret communes count as not covered). Shares, not counts: the long table keeps the communes a
    value sums, not those its unit has.

    Examples
    --------
    >>> coverage_said(35 / 184, 0.7612)
    'sur 19\u202f% des communes, 76\u202f% de la population'
    >>> coverage_said(0.8, 0.9996), coverage_said(0.004, float("nan"))
    ('sur 80\u202f% des communes, 99,9\u202f% de la population', 'sur 0,4\u202f% des communes')
    >>> coverage_said(1 / 34_935, float("nan"))
    'sur moins de 0,1\u202f% des communes'
    """
    communes, population = _number(coverage_communes), _number(coverage_population)
    words = []
    if not np.isnan(communes):
        words.append(f"sur {_percent(communes)} des communes")
    if not np.isnan(population):
        words.append(f"{_percent(population)} de la population")
    return ", ".join(words)


def _percent(share: float) -> str:
    """A share of a whole in whole percents, but one decimal below 1 % (never « 0 % » of something) and a share
    short of the whole never « 100 % » (« 99,9 % »)."""
    percent = 100 * share
    if 0 < percent < 0.05:  # one commune of France's 35 000: « 0,0 % » would read as none
        return f"moins de {format_number(0.1, 1)}\u202f%"
    if 0 < percent < 1 or (round(percent) >= 100 > percent):
        return f"{format_number(min(percent, 99.9), 1)}\u202f%"
    return f"{format_number(percent)}\u202f%"


def _number(value: object) -> float:
    """A cell as a float, NaN when missing or not a number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return number


def coverage_notes(rows: pd.DataFrame) -> list[str]:
    """The coverage of every partial value among ``rows`` (long-table rows), in French, each once: what a table,
    a card or a slide says under the values it stars.

    Examples
    --------
    >>> rows = pd.DataFrame({"indicator": ["allocataires"], "period": ["2020"], "level": ["departement"],
    ...     "geo_label": ["Val-d'Oise"], "flags": ["partial"], "coverage_communes": [35 / 183],
    ...     "coverage_population": [0.76]})
    >>> print(coverage_notes(rows)[0])  # doctest: +NORMALIZE_WHITESPACE
    Foyers allocataires (2020), département Val-d'Oise : valeur partielle, sur 19\u202f% des communes,
    76\u202f% de la population
    """
    if "coverage_communes" not in rows or rows.empty:
        return []
    partial = rows.loc[shown_flags(rows).astype("string").fillna("").str.contains(r"(?:^|;)partial(?:;|$)")]
    notes = []
    for indicator, period, level, name, communes, population in zip(
        partial["indicator"].astype(str),
        partial["period"].astype(str),
        partial["level"].astype(str),
        partial["geo_label"].astype(str),
        partial["coverage_communes"],
        partial["coverage_population"],
        strict=True,
    ):
        where = name if level == "france" else f"{LEVEL_NAMES_IN_TEXT[level]} {name}"
        said = coverage_said(communes, population)
        notes.append(f"{get_indicator(indicator).label} ({period}), {where} : valeur partielle, {said}")
    return list(dict.fromkeys(notes))


def partial_legend(notes: list[str] | tuple[str, ...]) -> str:
    """The line under a table or a slide that says the coverage of its partial values.

    Examples
    --------
    >>> partial_legend(["Naissances (2021), EPCI CA : valeur partielle, sur 80\u202f% des communes"])
    'Valeurs partielles : naissances (2021), EPCI CA : sur 80\u202f% des communes.'
    """
    said = [note.replace(" : valeur partielle, ", " : ", 1) for note in notes]
    return "Valeurs partielles : " + " ; ".join(in_sentence(note) for note in said) + "."


def cited_sources(rows: pd.DataFrame) -> list[str]:
    """The files the rows cite, each once, in order of first appearance (a row may cite « A ; B »).

    Examples
    --------
    >>> cited_sources(pd.DataFrame({"source": ["Insee, RP2019 ; Insee, état civil", "Insee, RP2019", None]}))
    ['Insee, RP2019', 'Insee, état civil']
    """
    return list(dict.fromkeys(part for s in rows["source"].dropna().unique() for part in str(s).split(" ; ") if part))


def is_fragile(flags: pd.Series) -> pd.Series:
    """Whether each value carries a quality flag (greyed out in views, hatched in charts)."""
    categories = flags.astype("category")
    fragile = np.array(
        [any(code in QUALITY_FLAGS for code in str(c).split(";")) for c in categories.cat.categories] + [False]
    )
    return pd.Series(fragile[categories.cat.codes.to_numpy()], index=flags.index)  # code −1 (missing) → False


def value_texts(rows: pd.DataFrame) -> pd.DataFrame:
    """Each row's value as a reader gets it: ``text`` in French with its unit, starred when fragile, and
    ``why``, its flags in words (a partial value with its coverage, the publisher's rounding too), empty when
    it has none. What the interactive pages show on hover, as the static tables do.

    Examples
    --------
    >>> rows = pd.DataFrame({"indicator": ["part_0_2", "naissances"], "value": [4.26, 120.0],
    ...     "flags": ["partial", None], "coverage_communes": [0.5, None], "coverage_population": [0.6, None]})
    >>> value_texts(rows).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'text': '4,3\u00a0%*', 'why': 'valeur partielle, sur 50\u202f% des communes, 60\u202f% de la population'},
     {'text': '120', 'why': ''}]
    """
    flags = shown_flags(rows)
    fragile = is_fragile(flags).to_numpy()
    specs = [get_indicator(i) for i in rows["indicator"].astype(str)]
    texts = [
        format_value(value, spec.unit, spec.decimals, sign=spec.is_change) + ("*" if weak else "")
        for value, spec, weak in zip(rows["value"], specs, fragile, strict=True)
    ]
    communes = rows.get("coverage_communes", pd.Series(np.nan, index=rows.index))
    population = rows.get("coverage_population", pd.Series(np.nan, index=rows.index))
    whys = []
    for codes, share, people in zip(flags, communes, population, strict=True):
        said = coverage_said(share, people)
        words = [
            f"valeur partielle, {said}" if code == "partial" and said else FLAGS[code]
            for code in (codes.split(";") if isinstance(codes, str) else [])
            if code in FLAGS and code != DEMO_FLAG
        ]
        whys.append(" ; ".join(words))
    return pd.DataFrame({"text": texts, "why": whys}, index=rows.index)


@dataclass
class WideView:
    """Indicators × comparison levels for one territory (latest period of each indicator).

    Attributes
    ----------
    values
        Numbers, rows indexed by (thème, indicateur, période), one column per level and geo.
    flags
        Same shape: the flags of each value.
    units, decimals
        Per row, how to print it.
    demo
        Whether the data are the demo set.
    notes
        The coverage of each partial value, in words (:func:`coverage_notes`), said under the table.
    """

    values: pd.DataFrame
    flags: pd.DataFrame
    units: pd.Series
    decimals: pd.Series
    demo: bool
    notes: tuple[str, ...] = ()

    def formatted(self) -> pd.DataFrame:
        """The values as French text with their unit (``25,7 %``), flagged ones marked with ``*``."""
        out = self.values.copy().astype(object)
        fragile = self.flags.apply(is_fragile)
        for row in self.values.index:
            signed = get_indicator(row[1]).is_change
            texts = [
                format_value(v, self.units[row], int(self.decimals[row]), sign=signed) for v in self.values.loc[row]
            ]
            out.loc[row] = [t + ("*" if f else "") for t, f in zip(texts, fragile.loc[row], strict=True)]
        labels = out.index.levels[1].map(lambda i: get_indicator(i).label)  # type: ignore[attr-defined]
        out.index = out.index.set_levels([labels], level=[1])  # type: ignore[attr-defined]  # (label, period)
        return out

    def to_html(self) -> str:
        """The table as HTML for a report or JupyterLab: one header row (each level above its name),
        labels on the left, French numbers on the right, a heading row per theme when the view holds
        several, fragile values greyed with their reasons on hover, the legend below.

        Examples
        --------
        >>> html = wide_view(table, "ctg-ecouen", theme="accès aux droits-précarité").to_html()
        >>> '<td class="fragile" title="non disponible : indicateur non additif' in html
        True
        """
        return self._html(self.formatted())

    def _html(self, text: pd.DataFrame) -> str:
        rounded = self.flags.stack().astype(str).str.contains(ROUNDED_FLAG).any()
        caption = (
            FRAGILE_LEGEND
            + (f" {partial_legend(self.notes)}" if self.notes else "")
            + (f" {ROUNDED_NOTE}" if rounded else "")
            + (" Données fictives de démonstration." if self.demo else "")
        )
        return text_table_html(
            text.droplevel(0),
            reasons=self.flags.map(_fragile_reasons).to_numpy(),
            groups=text.index.get_level_values(0),
            caption=caption,
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        # A notebook asks for every format at once: the French text is formatted once for both.
        text = self.formatted()
        return {"text/plain": text.to_string(), "text/html": self._html(text)}

    def __repr__(self) -> str:
        return self.formatted().to_string()


#: Below every table of values.
FRAGILE_LEGEND = "* valeur fragile (petits effectifs, partielle, non comparable ou non disponible) : affichée en gris."


def text_table_html(
    text: pd.DataFrame, *, reasons: np.ndarray | None = None, groups: pd.Index | None = None, caption: str = ""
) -> str:
    """French text as an HTML table: rows indexed by (indicator label, period), one column per level and
    geo (« Département — Val-d'Oise » shows the level above its name); ``reasons``, of the same shape,
    greys a cell and explains it on hover; ``groups`` (one theme id per row) heads each theme with a row
    when there are several.

    Examples
    --------
    >>> text = pd.DataFrame({"France — France": ["1 234"]}, index=pd.MultiIndex.from_tuples([("Naissances", "2021")]))
    >>> text_table_html(text).count("<tr>")
    2
    """
    several = groups is not None and len(set(groups)) > 1
    head = "".join(f'<th scope="col">{_column_heading(c)}</th>' for c in text.columns)
    rows = []
    for n, (label, period) in enumerate(text.index):
        if groups is not None and several and (n == 0 or groups[n - 1] != groups[n]):
            title = _escape(get_theme(groups[n]).title)
            rows.append(f'<tr class="theme"><th colspan="{len(text.columns) + 2}">{title}</th></tr>')
        whys = reasons[n] if reasons is not None else [""] * len(text.columns)
        cells = "".join(
            f'<td class="fragile" title="{_escape(why)}">{_escape(value)}</td>' if why else f"<td>{_escape(value)}</td>"
            for value, why in zip(text.iloc[n], whys, strict=True)
        )
        rows.append(f'<tr><th scope="row">{_escape(label)}</th><td class="period">{_escape(period)}</td>{cells}</tr>')
    return (
        f"<style>{_TABLE_CSS}</style>"
        f'<table class="ctg-table"><caption>{_escape(caption)}</caption>'
        f'<thead><tr><th scope="col">Indicateur</th><th scope="col">Période</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


#: The look of :func:`text_table_html` (scoped to its class: a report holds several tables).
_TABLE_CSS = (
    ".ctg-table{border-collapse:collapse;font-size:0.9em;margin:0.4em 0 1.6em}"
    ".ctg-table th,.ctg-table td{padding:0.3em 0.5em;border-bottom:1px solid #e3e3e3;vertical-align:top}"
    ".ctg-table thead th{text-align:right;font-weight:normal;color:#444;vertical-align:bottom;"
    "border-bottom:2px solid #555}"
    ".ctg-table thead th:first-child,.ctg-table thead th:nth-child(2){text-align:left}"
    ".ctg-table thead th b{color:#111}"
    ".ctg-table th[scope=row]{text-align:left;font-weight:normal;min-width:11em;max-width:24em}"
    ".ctg-table td{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    ".ctg-table td.period{text-align:left;color:#555}"
    ".ctg-table td.fragile{color: #9a9a9a; font-style: italic}"
    ".ctg-table tr.theme th{text-align:left;font-weight:bold;background:#f2f5f9}"
    ".ctg-table caption{caption-side:bottom;text-align:left;font-size:0.85em;color:#555;padding-top:0.4em}"
)


def _escape(text: object) -> str:
    return html.escape(str(text))


def _column_heading(column: str) -> str:
    """« Département — Val-d'Oise » as the level in bold above its name: a line break, not only the stylesheet,
    which JupyterLab drops from a notebook it does not trust (« DépartementVal-d'Oise »)."""
    level, _, name = str(column).partition(" — ")
    return f"<b>{_escape(level)}</b><br>{_escape(name)}" if name else _escape(column)


def _fragile_reasons(flags: object) -> str:
    """The French reasons of a value's quality flags (empty when it is not fragile)."""
    codes = str(flags).split(";") if isinstance(flags, str) else []
    return " ; ".join(FLAGS[code] for code in codes if code in QUALITY_FLAGS)


def wide_view(
    table: pd.DataFrame,
    territory: str,
    *,
    theme: str | None = None,
    indicators: list[str] | None = None,
) -> WideView:
    """The territory's indicators × levels, latest period of each indicator.

    Parameters
    ----------
    table
        The long table of :func:`~ctg_analysis.indicators.compute_indicators`.
    territory
        A territory id of the table.
    theme
        Only the indicators of this CTG theme (see :data:`~ctg_analysis.themes.THEMES`).
    indicators
        Only these indicator ids.

    Examples
    --------
    >>> wide_view(table, "ezanville", theme="petite enfance").formatted().columns[:2].tolist()
    ['Territoire — Ézanville', 'EPCI — CA Plaine Vallée']
    """
    rows = latest_period(_select(table, territory, theme, indicators))
    rows = rows.loc[rows["level"] != "commune"]
    if rows.empty:
        raise CtgError(f"territoire {territory!r} : aucun indicateur à afficher")
    column = level_column(rows)
    return _pivot(rows, column, ladder_order(rows, column))


def side_by_side(
    table: pd.DataFrame,
    territories: list[str],
    *,
    theme: str | None = None,
    indicators: list[str] | None = None,
    levels: tuple[str, ...] = ("departement", "france"),
) -> WideView:
    """Several territories side by side (one column each, in the order given), then their comparison
    levels (``levels``), latest period of each indicator.

    Examples
    --------
    >>> side_by_side(table, ["ezanville", "ctg-ecouen"], theme="petite enfance").formatted().columns.tolist()[2:]
    ["Département — Val-d'Oise", 'France — France métropolitaine']
    """
    rows = latest_period(pd.concat([_select(table, territory, theme, indicators) for territory in territories]))
    own = rows.loc[rows["level"] == "territoire"]
    others = rows.loc[rows["level"].isin(levels)].drop_duplicates(["indicator", "period", "level", "geo"])
    if own.empty:
        raise CtgError("aucun indicateur à afficher pour ces territoires")
    labels = own["geo_label"].astype(str)
    names = [labels.loc[own["territory"] == t].iloc[0] for t in territories if (own["territory"] == t).any()]
    column = level_column(others)
    return _pivot(pd.concat([own, others]), pd.concat([labels, column]), names + ladder_order(others, column))


def communes_view(
    table: pd.DataFrame, territory: str, *, theme: str | None = None, indicators: list[str] | None = None
) -> WideView:
    """A territory's communes side by side (one column each, by name), then the territory as a whole.

    Examples
    --------
    >>> communes_view(table, "ctg-ecouen", theme="démographie").formatted().columns[:2].tolist()
    ['Bouqueval (95094)', 'Écouen (95205)']
    """
    rows = latest_period(_select(table, territory, theme, indicators))
    rows = rows.loc[rows["level"].isin(["commune", "territoire"])]
    if rows.empty:
        raise CtgError(f"territoire {territory!r} : aucun indicateur à afficher")
    whole = "Ensemble du territoire"
    column = (rows["geo_label"].astype(str) + " (" + rows["geo"].astype(str) + ")").where(
        rows["level"] == "commune", whole
    )
    return _pivot(rows, column, [*sorted(set(column) - {whole}, key=_collation_key), whole])


def _collation_key(name: str) -> str:
    """Sort French names as a reader expects (Écouen among the E)."""
    return plain(name)


def level_column(rows: pd.DataFrame) -> pd.Series:
    """Each row's column name: « Département — Val-d'Oise »."""
    return rows["level"].astype(str).map(LEVEL_NAMES) + " — " + rows["geo_label"].astype(str)


def ladder_order(rows: pd.DataFrame, column: pd.Series) -> list[str]:
    """The column names in the ladder's order (territoire, EPCI, département, région, France), then by code."""
    rank = rows["level"].map({level: i for i, level in enumerate(LADDER)})
    return list(dict.fromkeys(column.loc[rows.assign(rank=rank).sort_values(["rank", "geo"]).index]))


def _pivot(rows: pd.DataFrame, column: pd.Series, names: list[str]) -> WideView:
    """Indicators (catalogue order) × the named columns, in the order of ``names``."""
    index = ["theme", "indicator", "period"]
    rows = rows.assign(column=column, flags=shown_flags(rows)).drop_duplicates([*index, "column"])
    values = rows.set_index([*index, "column"])["value"].unstack("column")
    flags = rows.set_index([*index, "column"])["flags"].unstack("column")
    catalogue_order = {i: n for n, i in enumerate(rows["indicator"].drop_duplicates())}
    ordered = sorted(values.index, key=lambda key: catalogue_order[key[1]])
    values = values.reindex(index=ordered, columns=names).rename_axis(columns=None)
    flags = flags.reindex(index=ordered, columns=names).rename_axis(columns=None)
    units = pd.Series({row: get_indicator(row[1]).unit for row in values.index})
    decimals = pd.Series({row: get_indicator(row[1]).decimals for row in values.index})
    values.index.names = ["thème", "indicateur", "période"]
    flags.index.names = values.index.names
    demo = DEMO_FLAG in set(";".join(rows["flags"].dropna()).split(";"))
    units, decimals = units.set_axis(values.index), decimals.set_axis(values.index)
    return WideView(values, flags, units, decimals, demo, tuple(coverage_notes(rows)))


def key_figures(table: pd.DataFrame, territory: str) -> pd.DataFrame:
    """The territory's key figures beside its département(s), as French text (for the CLI and reports).

    Returns
    -------
    DataFrame
        Columns ``Indicateur``, ``Période``, ``Territoire``, one column per département (``Dép. …``),
        France's, named after its unit when it is one (``France métropolitaine``), else ``France``.
    """
    wanted = key_figure_ids(table, territory)
    rows = latest_period(_select(table, territory, None, wanted))
    rows = _one_france(rows.loc[rows["level"].isin(["territoire", "departement", "france"])])
    rows = rows.assign(
        text=[
            format_value(v, get_indicator(i).unit, get_indicator(i).decimals, sign=get_indicator(i).is_change)
            + ("*" if fragile else "")
            + (f" ({label})" if named else "")
            for v, i, fragile, named, label in zip(
                rows["value"],
                rows["indicator"],
                is_fragile(shown_flags(rows)),
                rows.get("named", pd.Series(False, index=rows.index)),
                rows["geo_label"].astype(str),
                strict=True,
            )
        ],
        column=rows["level"]
        .map({"territoire": "Territoire", "france": "France"})
        .fillna("Dép. " + rows["geo_label"].astype(str)),
    )
    wide = rows.pivot_table(index=["indicator", "period"], columns="column", values="text", aggfunc="first", sort=False)
    wide = wide.reindex([k for k in wanted if k in wide.index.get_level_values(0)], level=0)
    columns = ["Territoire", *sorted(c for c in wide.columns if c.startswith("Dép.")), "France"]
    wide = wide.reindex(columns=[c for c in columns if c in wide.columns]).reset_index()
    wide["indicator"] = wide["indicator"].map(lambda i: get_indicator(i).label)
    # The France of the column named when it is one unit (the demo's is France métropolitaine, not « France »).
    france = rows.loc[rows["level"] == "france", "geo_label"].astype(str).unique()
    renamed = {"indicator": "Indicateur", "period": "Période", **({"France": france[0]} if len(france) == 1 else {})}
    figures = wide.rename(columns=renamed).fillna("–")
    figures.attrs["notes"] = coverage_notes(rows)  # what the stars of partial values stand for, in words
    return figures


def key_figures_html(table: pd.DataFrame, territory: str) -> str:
    """The key figures (:func:`key_figures`) as the report's HTML table: fragile values greyed with their
    reason, the coverage of partial values said below.

    Examples
    --------
    >>> key_figures_html(table, "ctg-ecouen").count('<th scope="row">') >= 5
    True
    """
    figures = key_figures(table, territory)
    notes = figures.attrs.get("notes", [])
    figures = figures.set_index(["Indicateur", "Période"])
    fragile = figures.map(lambda text: "valeur fragile" if text.endswith("*") else "").to_numpy()
    caption = FRAGILE_LEGEND + (f" {partial_legend(notes)}" if notes else "")
    return text_table_html(figures, reasons=fragile, caption=caption)


def _one_france(rows: pd.DataFrame) -> pd.DataFrame:
    """One France value per indicator: France entière's, else the one INSEE publishes (Filosofi's is France
    métropolitaine's); a value of another France than France entière names it (« 21 930 € (France
    métropolitaine) ») rather than a « – » beside a published figure."""
    france = rows.loc[rows["level"] == "france"]
    if france["geo"].nunique() < 2 or not france["geo"].astype(str).eq(FRANCE).any():
        return rows
    order = pd.DataFrame({"missing": france["value"].isna(), "other": france["geo"].astype(str) != FRANCE})
    kept = france.loc[order.sort_values(["missing", "other"], kind="stable").index].drop_duplicates("indicator")
    rows = pd.concat([rows.loc[rows["level"] != "france"], kept])
    return rows.assign(named=(rows["level"] == "france") & (rows["geo"].astype(str) != FRANCE))


def key_figure_records(table: pd.DataFrame, territory: str) -> list[dict[str, str | float | None]]:
    """The territory's own key figures as data (JSON-ready): ``indicator``, ``label``, ``period``,
    ``value`` (``None`` when missing), ``unit``, ``text`` (French, ``*`` when fragile), in key-figure order.

    Examples
    --------
    >>> table = pd.DataFrame({"territory": "t", "level": "territoire", "indicator": ["population"], "period": ["2019"],
    ...                       "year_start": [2019], "year_end": [2019], "value": [12345.4], "flags": [""]})
    >>> [(f["indicator"], f["period"], f["value"], f["text"]) for f in key_figure_records(table, "t")]
    [('population', '2019', 12345.4, '12\u202f345')]
    """
    wanted = key_figure_ids(table, territory)
    rows = latest_period(_select(table, territory, None, wanted))
    rows = rows.loc[rows["level"] == "territoire"]
    rows = rows.assign(flags=shown_flags(rows)).set_index(rows["indicator"].astype(str))
    records = []
    for indicator_id in (i for i in wanted if i in rows.index):
        row, indicator = rows.loc[indicator_id], get_indicator(indicator_id)
        value: float | None = None if pd.isna(row["value"]) else float(row["value"])
        fragile = bool(is_fragile(pd.Series([row["flags"]])).iloc[0])
        text = format_value(value, indicator.unit, indicator.decimals, sign=indicator.is_change) + (
            "*" if fragile else ""
        )
        records.append(
            {
                "indicator": indicator_id,
                "label": indicator.label,
                "period": str(row["period"]),
                "value": value,
                "unit": indicator.unit,
                "text": text,
            }
        )
    return records


def absence_reason(indicator: Indicator, table: pd.DataFrame, territory: str, prepared: PreparedData) -> str:
    """Why an indicator has no value for a territory, in French — the true reason, not a file to add that is
    already there: the file is missing (which, and where to get it); present but without the variable; an
    evolution with a single vintage (or two too close); no commune of the territory with a value in the files.

    Examples
    --------
    >>> absence_reason(get_indicator("evol_population_legale"), table, "ezanville", prepared)
    "un seul millésime dans les données (2019) : une évolution demande deux millésimes distants d'au moins 5 ans"
    """
    missing = [d for d in indicator.datasets if d not in prepared.datasets]
    if missing:
        return " ".join(dataset_hint(d) for d in missing)
    if not prepared.sources.get(indicator.id):
        files = ", ".join(get_dataset(d).label for d in indicator.datasets)
        return f"les fichiers présents ({files}) ne donnent pas cette donnée"
    own = table.loc[(table["territory"] == territory) & (table["level"] == "territoire")]
    if indicator.is_change and indicator.of:
        years = sorted({int(y) for y in own.loc[(own["indicator"] == indicator.of) & own["value"].notna(), "year_end"]})
        gap = indicator.min_gap or 0
        if len(years) < 2 or years[-1] - years[0] < gap:
            said = ", ".join(str(y) for y in years) or "aucun"
            vintages = "un seul millésime" if len(years) < 2 else "des millésimes trop proches"
            return (
                f"{vintages} dans les données ({said}) : une évolution demande deux millésimes distants d'au moins "
                f"{gap} ans"
            )
    return "aucune commune du territoire n'a de valeur dans les fichiers présents (absente de ces fichiers, ou secrète)"


def comparison_view(pairs: pd.DataFrame) -> Styler:
    """The rows of :func:`~ctg_analysis.indicators.comparisons.compare` in French, for JupyterLab: each
    value with its unit, the gap (in points for rates and shares), the ratio and the position.

    Examples
    --------
    >>> from ctg_analysis.indicators.comparisons import compare
    >>> view = comparison_view(compare(table, prepared.reference).query("territory == 'ezanville'"))
    >>> type(view).__name__  # shown as a table in JupyterLab
    'Styler'
    """
    indicators = [get_indicator(i) for i in pairs["indicator"]]
    rate = pairs["unit"].isin(RATE_UNITS).to_numpy()
    text = pd.DataFrame(
        {
            "Indicateur": pairs["label"].astype(str).to_numpy(),
            "Période": pairs["period"].astype(str).to_numpy(),
            "Unité comparée": pairs["geo_label"].astype(str).to_numpy(),
            "Valeur": [
                format_value(v, i.unit, i.decimals, sign=i.is_change)
                for v, i in zip(pairs["value"], indicators, strict=True)
            ],
            "Comparée à": pairs["comparison_label"].astype(str).to_numpy(),
            "Valeur de comparaison": [
                format_value(v, i.unit, i.decimals, sign=i.is_change)
                for v, i in zip(pairs["comparison_value"], indicators, strict=True)
            ],
            "Écart": [_gap(g, i, bool(r)) for g, i, r in zip(pairs["gap"], indicators, rate, strict=True)],
            "Rapport": [format_number(r, 2) for r in pairs["ratio"]],
            # « proche » rather than « comparable », which a reader would take for the opposite of the
            # « non comparable » flag.
            "Position": pairs["direction"].astype(str).replace({"comparable": "proche"}).to_numpy(),
        }
    )
    return text.style.format(escape="html").hide(axis="index")


def _gap(gap: float, indicator: Indicator, rate: bool) -> str:
    """A gap in French: in points between rates and shares (``+2,6 pt``), else in the unit."""
    text = format_number(gap, indicator.decimals, sign=True)
    if text == MISSING or indicator.unit == "nombre":
        return text
    return f"{text}\u00a0{'pt' if rate else indicator.unit}"
