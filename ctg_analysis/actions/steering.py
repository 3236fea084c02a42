"""The steering committee's documents of the yearly follow-up: the workbook, one chart per indicator and
the slides, from the table of :func:`~ctg_analysis.actions.followup.follow_up`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from ctg_analysis.actions.followup import FOLLOW_UP_COLUMNS, Baseline
from ctg_analysis.charts.style import FRAGILE_HATCH, french_axis, styled, titled_figure
from ctg_analysis.exports.tables import save_workbook
from ctg_analysis.exports.workbook import NUMBER_FORMATS
from ctg_analysis.formatting import format_value, or_missing
from ctg_analysis.indicators.catalogue import Indicator, get_indicator
from ctg_analysis.indicators.comparisons import RATE_UNITS
from ctg_analysis.levels import LEVEL_COLOURS

if TYPE_CHECKING:
    from ctg_analysis.exports.deck import Deck

__all__ = ["charted", "follow_up_chart", "write_follow_up_deck", "write_follow_up_xlsx"]

#: How many names of indicators without any value a slide lists.
_LISTED = 24


def charted(follow: pd.DataFrame) -> pd.DataFrame:
    """The rows of the follow-up worth a chart: a valid comparison (two values, the current one more recent,
    the same communes). The others are said in the table, with why; a bar beside a « non valide » would
    show an evolution the data do not support."""
    return follow.loc[follow["Comparaison valide"] == "oui"]


def _valued(follow: pd.DataFrame) -> pd.Series:
    """Whether a row has a baseline or a current value (the others are listed, not tabulated)."""
    return follow["Valeur de référence"].notna() | follow["Valeur actuelle"].notna()


def _method_lines(baseline: Baseline, label: str, geography: tuple[bool, str], demo: bool) -> list[str]:
    lines = [
        f"Territoire : {label}",
        f"Référence : {baseline.path.name}" + (f" (COG {baseline.cog_year})" if baseline.cog_year else ""),
        "Une comparaison est valide quand la valeur actuelle est d'un millésime plus récent que la référence, quand "
        "deux "
        "recensements sont distants d'au moins cinq ans (chaque millésime rassemble cinq enquêtes annuelles) et quand "
        "le "
        "territoire couvre les mêmes communes, ramenées au même COG.",
        "Évolution : en points pour les taux et les parts, dans l'unité de l'indicateur sinon ; évolution relative "
        "pour les effectifs et montants.",
    ]
    if geography[1]:
        lines.append(f"Géographie : {geography[1]}")
    if demo:
        lines.append("Données fictives de démonstration : aucun chiffre ne décrit un territoire réel.")
    return lines


def write_follow_up_xlsx(
    follow: pd.DataFrame,
    path: str | Path,
    *,
    baseline: Baseline,
    label: str,
    geography: tuple[bool, str] = (True, ""),
    demo: bool = False,
) -> Path:
    """The follow-up table as a workbook ("Suivi annuel" and "Méthode" sheets), through a temporary file."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Suivi annuel"
    sheet.append(FOLLOW_UP_COLUMNS)
    for line in follow.itertuples(index=False):
        sheet.append([None if isinstance(v, float) and math.isnan(v) else v for v in line])
        row, unit = sheet.max_row, line[2]
        for column in (5, 7, 10, 15, 16):  # values, target and the département's, in the unit
            sheet.cell(row, column).number_format = NUMBER_FORMATS.get(unit, "0.0")
        for column in (8, 11):
            sheet.cell(row, column).number_format = "+0.0;-0.0;0.0" if unit in RATE_UNITS else "+#,##0;-#,##0;0"
        sheet.cell(row, 9).number_format = "+0.0;-0.0;0.0"
        if line[11] == "non":
            for column in (8, 12, 13):
                sheet.cell(row, column).fill = PatternFill("solid", fgColor="FCE4D6")
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    widths = (44, 26, 9, 12, 14, 12, 14, 12, 12, 10, 12, 11, 60, 50, 14, 14)
    for column, width in zip("ABCDEFGHIJKLMNOP", widths, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    method = book.create_sheet("Méthode")
    for text in _method_lines(baseline, label, geography, demo):
        method.append([text])
    method.column_dimensions["A"].width = 140
    return save_workbook(book, path)


@styled
def follow_up_chart(row: pd.Series, label: str, *, demo: bool = False) -> Figure:
    """Baseline against current value (and the target) of one indicator; an invalid comparison is hatched.

    Parameters
    ----------
    row
        One row of :func:`follow_up`.
    label
        The territory's name.
    """
    indicator = get_indicator(row["Identifiant"])
    valid = row["Comparaison valide"] == "oui"
    subtitle = (
        f"{label} : référence {or_missing(row['Année de référence'])}, valeur actuelle "
        f"{or_missing(row['Année actuelle'])}"
    )
    if not valid and row["Motif"]:
        subtitle += f"\nComparaison non valide : {row['Motif']}"
    footnote = f"Source : {row['Source']}." + (" Données fictives de démonstration." if demo else "")
    figure, axis = titled_figure(indicator.label, subtitle, footnote)
    values = [row["Valeur de référence"], row["Valeur actuelle"]]
    _valued_bars(axis, row, indicator, values, valid)
    if not pd.isna(row["Cible"]):
        axis.axhline(row["Cible"], color=LEVEL_COLOURS["epci"], linestyle="--", linewidth=2)
        axis.annotate(
            f"Cible : {format_value(row['Cible'], indicator.unit, indicator.decimals, sign=indicator.is_change)}",
            (1.3, row["Cible"]),
            color=LEVEL_COLOURS["epci"],
            va="bottom",
            fontsize=14,
        )
    departement = _departement_marks(axis, row, indicator)
    axis.set_xlim(-0.6, 1.9)
    highest = max((v for v in (*values, *departement, row["Cible"]) if not pd.isna(v)), default=0)
    if highest > 0:
        axis.set_ylim(0, highest * 1.15)  # room for the value labels and the target's
    french_axis(axis.yaxis, 0 if indicator.unit in ("nombre", "€") else 1)
    axis.set_ylabel(indicator.unit if indicator.unit != "nombre" else "")
    return figure


def _valued_bars(axis: Axes, row: pd.Series, indicator: Indicator, values: list[float], valid: bool) -> None:
    """The baseline's and the current value's bars, each with its value; the current one hatched when the
    comparison is not valid."""
    names = [f"Référence\n{or_missing(row['Année de référence'])}", f"Actuel\n{or_missing(row['Année actuelle'])}"]
    bars = axis.bar(
        names,
        [0 if pd.isna(v) else v for v in values],
        color=[LEVEL_COLOURS["region"], LEVEL_COLOURS["territoire"]],
        width=0.5,
    )
    if not valid:
        bars[1].set_hatch(FRAGILE_HATCH)
        bars[1].set_edgecolor("white")
    for bar, value in zip(bars, values, strict=True):
        axis.annotate(
            format_value(value, indicator.unit, indicator.decimals, sign=indicator.is_change),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=16,
            xytext=(0, 4),
            textcoords="offset points",
        )


def _departement_marks(axis: Axes, row: pd.Series, indicator: Indicator) -> list[float]:
    """The département beside each bar, for rates and shares (its counts are on another scale); its values."""
    departement = [row.get("Département (référence)", math.nan), row.get("Département (actuel)", math.nan)]
    if indicator.unit == "nombre":
        departement = [math.nan, math.nan]
    if not all(pd.isna(v) for v in departement):
        axis.plot(
            [0.36, 1.36],
            [math.nan if pd.isna(v) else v for v in departement],
            linestyle="none",
            marker="D",
            markersize=13,
            color=LEVEL_COLOURS["departement"],
            label="Département",
            zorder=3,
        )
        axis.legend(loc="upper left")
    return departement


def write_follow_up_deck(
    follow: pd.DataFrame,
    pictures: list[Path],
    path: str | Path,
    *,
    baseline: Baseline,
    label: str,
    geography: tuple[bool, str] = (True, ""),
    demo: bool = False,
) -> Path:
    """The steering committee's slides: title, the follow-up table (10 indicators a slide), one chart per
    indicator, and the method; through a temporary file."""
    from ctg_analysis.exports.deck import Deck

    deck = Deck()
    deck.cover(
        f"Suivi annuel — {label}",
        "Comité de pilotage de la Convention Territoriale Globale"
        + ("\nDonnées fictives de démonstration" if demo else ""),
    )
    texts = []
    for row in follow.loc[_valued(follow)].itertuples(index=False):
        indicator = get_indicator(row[1])
        signed = indicator.is_change
        unit, decimals = row[2], indicator.decimals
        texts.append(
            [
                row[0],
                f"{format_value(row[4], unit, decimals, sign=signed)} ({or_missing(row[3])})",
                f"{format_value(row[6], unit, decimals, sign=signed)} ({or_missing(row[5])})",
                format_value(row[7], "points" if unit in RATE_UNITS else unit, decimals, sign=True),
                "" if pd.isna(row[9]) else format_value(row[9], unit, decimals, sign=signed),
                row[11] + (f" : {row[12]}" if row[12] and row[11] == "non" else ""),
            ]
        )
    columns = ["Indicateur", "Référence", "Actuel", "Évolution", "Cible", "Valide"]
    deck.tables(
        "Indicateurs d'évaluation : suivi",
        pd.DataFrame(texts, columns=columns),
        widths=[3.6, 1.9, 1.9, 1.4, 1.4, 1.9],
        size=11,
    )
    _list_without_values(deck, follow.loc[~_valued(follow), "Indicateur"].tolist())
    for picture in pictures:
        deck.picture(None, picture)  # the chart's own title names the indicator
    slide = deck.titled("Méthode")
    deck.text(slide, "\n".join(_method_lines(baseline, label, geography, demo)), size=14)
    return deck.save(path)


def _list_without_values(deck: Deck, names: list[str]) -> None:
    """The indicators with neither a baseline nor a current value, named in two columns: an empty chart or
    row each would say nothing."""
    parts = [names[start : start + _LISTED] for start in range(0, len(names), _LISTED)]
    for n, part in enumerate(parts, start=1):
        title = "Indicateurs sans valeur, ni à la référence ni aujourd'hui"
        slide = deck.titled(f"{title} ({n}/{len(parts)})" if len(parts) > 1 else title)
        half, width = (len(part) + 1) // 2, (deck.size[0] - 1.6) / 2
        for column, names_of in enumerate((part[:half], part[half:])):
            lines = "\n".join(f"• {name}" for name in names_of)
            deck.text(slide, lines, size=13, left=0.6 + column * (width + 0.4), width=width)
