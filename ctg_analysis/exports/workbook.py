"""The Excel baseline workbook of a territory: the reference values the fiches actions are followed
against every year.

First a comparison sheet per CTG theme (indicators as rows; the territory, its EPCI, département, région
and France as columns; the period beside), then each theme's values in long form (indicators × levels
with value, numerator, denominator, unit, period, flags and source), a commune-detail sheet and a
"Sources et méthodes" sheet. Numbers are real numbers with Excel number formats (never pre-formatted
text): rates and shares are Excel percentages (the fraction 0.057 shown « 5,7 % »), single-year periods
are numbers; headers are frozen, widths set, fragile values highlighted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ctg_analysis.exports.tables import save_workbook
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.indicators.display import (
    coverage_said,
    is_fragile,
    partial_legend,
    shown_flags,
    territory_rows,
    wide_view,
)
from ctg_analysis.indicators.flags import FLAGS
from ctg_analysis.levels import LEVEL_NAMES
from ctg_analysis.sources.datasets import dataset_hint
from ctg_analysis.themes import THEMES

__all__ = [
    "COG_LINE",
    "FRACTIONS_LINE",
    "IDENTIFIER_LINE",
    "NUMBER_FORMATS",
    "PERCENT_UNITS",
    "write_workbook",
]

#: Excel number format of a value, by unit (French display comes from Excel's own locale).
NUMBER_FORMATS = {
    "nombre": "#,##0",
    "%": '0.0" %"',
    "‰": '0.0" ‰"',
    "€": '#,##0" €"',
    "% par an": '0.00" %"',
}
#: The units a workbook stores as Excel percentages (the value divided by 100), and their formats.
PERCENT_UNITS = {"%": "0.0%", "% par an": "0.00%"}
#: Lines of the "Sources et méthodes" sheet the follow-up reads back.
IDENTIFIER_LINE = "Identifiant du territoire"
COG_LINE = "Géographie communale (COG au 1er janvier)"
#: Says the percentages are fractions (a workbook of an earlier version stored 5.7 for 5,7 %).
FRACTIONS_LINE = "Pourcentages"
_FRACTIONS = "fractions (format pourcentage d'Excel)"
_HEADER = [
    "Indicateur",
    "Identifiant",
    "Période",
    "Niveau",
    "Code",
    "Libellé",
    "Valeur",
    "Numérateur",
    "Dénominateur",
    "Unité",
    "Qualité",
    "Source",
    "Couverture",
]
_WIDTHS = [46, 28, 11, 13, 11, 40, 14, 14, 14, 10, 48, 46, 40]
_FRAGILE = PatternFill("solid", fgColor="FCE4D6")
_HEAD = PatternFill("solid", fgColor="1F4E79")


def _quality(row: pd.Series) -> str:
    """A row's flags in words; for an indicator no file of the data gives (no period), which file to add:
    « donnée manquante ou secrète » would blame the source for a file never supplied."""
    if pd.isna(row["year_end"]):
        datasets = get_indicator(str(row["indicator"])).datasets
        return "aucun fichier des données ne donne cet indicateur. " + " ".join(dataset_hint(d) for d in datasets)
    return " ; ".join(FLAGS[code] for code in str(row["flags"]).split(";") if code in FLAGS)


def _stored(value: float, unit: str) -> float | None:
    """A value as the workbook stores it: ``None`` when missing, a fraction for a percentage."""
    if pd.isna(value):
        return None
    return float(value) / 100 if unit in PERCENT_UNITS else float(value)


def _number_format(unit: str) -> str:
    return PERCENT_UNITS.get(unit) or NUMBER_FORMATS.get(unit, "0.0")


def _period(period: str) -> int | str:
    """A single year as a number (« 2019 » → 2019), a span as it is written (« 2013-2019 »)."""
    return int(period) if period.isdigit() else period


def _write_comparison(sheet, table: pd.DataFrame, territory: str, theme: str) -> None:
    """Indicators as rows, the territory and its comparison levels as columns, the period beside."""
    view = wide_view(table, territory, theme=theme)
    sheet.append(["Indicateur", "Période", *view.values.columns])
    fragile = view.flags.apply(is_fragile).to_numpy()
    for (_, indicator, period), values, weak in zip(view.values.index, view.values.to_numpy(), fragile, strict=True):
        unit = str(view.units[(_, indicator, period)])
        sheet.append([get_indicator(indicator).label, _period(str(period)), *(_stored(v, unit) for v in values)])
        for column, is_weak in enumerate(weak, start=3):
            cell = sheet.cell(sheet.max_row, column)
            cell.number_format = _number_format(unit)
            if is_weak:
                cell.fill = _FRAGILE
    if view.notes:  # under the table, what the starred partial values cover
        sheet.append([])
        sheet.append([partial_legend(view.notes)])
    _dress(sheet, [46, 11] + [24] * len(view.values.columns), period_column=2)


def _write_rows(sheet, rows: pd.DataFrame) -> None:
    sheet.append(_HEADER)
    shown = shown_flags(rows)
    fragile = is_fragile(shown).to_numpy()
    partial = shown.astype("string").fillna("").str.contains(r"(?:^|;)partial(?:;|$)").to_numpy()
    for (_, row), weak, part in zip(rows.iterrows(), fragile, partial, strict=True):
        sheet.append(
            [
                row["label"],
                row["indicator"],
                _period(row["period"]),
                LEVEL_NAMES[row["level"]],
                row["geo"],
                row["geo_label"],
                _stored(row["value"], row["unit"]),
                None if pd.isna(row["numerator"]) else float(row["numerator"]),
                None if pd.isna(row["denominator"]) else float(row["denominator"]),
                row["unit"],
                _quality(row),
                row["source"],
                # A partial value's coverage in words (secret communes count as not covered).
                coverage_said(row["coverage_communes"], row["coverage_population"]) if part else "",
            ]
        )
        line = sheet.max_row
        sheet.cell(line, 7).number_format = _number_format(row["unit"])
        for column in (8, 9):
            sheet.cell(line, column).number_format = "#,##0.0"
        if weak:
            for column in (7, 11):
                sheet.cell(line, column).fill = _FRAGILE
    _dress(sheet, period_column=3)


def _dress(sheet, widths: list[int] | None = None, *, period_column: int) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEAD
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    for n, width in enumerate(widths or _WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.auto_filter.ref = sheet.dimensions
    # A year (a number) and a span (« 2013-2019 », text) would align right and left in one column.
    for (cell,) in sheet.iter_rows(min_row=2, min_col=period_column, max_col=period_column):
        cell.alignment = Alignment(horizontal="left")
    _printable(sheet)


def _printable(sheet) -> None:
    """Printed as a reader expects: A4 landscape, every column on the page's width, the header on each page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def write_workbook(table: pd.DataFrame, territory: str, path: str | Path, *, cog_year: int | None = None) -> Path:
    """Write the baseline workbook of a territory (through a temporary file).

    Parameters
    ----------
    table
        The long table of :func:`~ctg_analysis.indicators.compute_indicators`.
    territory
        A territory id of the table.
    path
        The ``.xlsx`` file.
    cog_year
        The COG year of the table's communes, recorded for the yearly follow-up (same geography).

    Examples
    --------
    >>> write_workbook(table, "ctg-ecouen", tmp / "diagnostic.xlsx").name
    'diagnostic.xlsx'
    """
    rows = territory_rows(table, territory).copy()
    for column in ("level", "indicator", "label", "period", "geo", "geo_label", "unit", "flags", "source", "theme"):
        rows[column] = rows[column].astype(str)
    book = Workbook()
    book.remove(book.active)
    summary = rows.loc[rows["level"] != "commune"]
    themes = [theme for theme in THEMES if (summary["theme"] == theme.id).any()]
    for theme in themes:
        _write_comparison(book.create_sheet(theme.sheet), table, territory, theme.id)
    for theme in themes:
        _write_rows(book.create_sheet(theme.data_sheet), summary.loc[summary["theme"] == theme.id])
    _write_rows(book.create_sheet("Détail communal"), rows.loc[rows["level"] == "commune"])
    _methods(book.create_sheet("Sources et méthodes"), rows, territory, cog_year)
    return save_workbook(book, path)


def _methods(sheet, rows: pd.DataFrame, territory: str, cog_year: int | None) -> None:
    demo = rows["flags"].str.contains("demo").any()
    lines = [
        ["Sources et méthodes", ""],
        [
            "Territoire",
            rows.loc[rows["level"] == "territoire", "geo_label"].iloc[0]
            if (rows["level"] == "territoire").any()
            else "",
        ],
        [IDENTIFIER_LINE, territory],
    ]
    if cog_year is not None:
        lines.append([COG_LINE, cog_year])
    lines.append([FRACTIONS_LINE, _FRACTIONS])
    if demo:
        lines.append(
            [
                "Avertissement",
                "Données fictives de démonstration : aucun chiffre de ce classeur ne décrit un territoire réel.",
            ]
        )
    lines += [
        [
            "Méthode",
            "Toute valeur au-dessus de la commune est la somme des numérateurs divisée par la somme des dénominateurs "
            "de ses communes (jamais une moyenne de taux).",
        ],
        [
            "Méthode",
            "Les évolutions comparent des millésimes du recensement distants d'au moins 5 ans, dans une même "
            "géographie (COG).",
        ],
        [
            "Méthode",
            "Les médianes et taux de pauvreté (Filosofi) ne s'additionnent pas : ils viennent du niveau où l'Insee "
            "les publie.",
        ],
        [
            "Méthode",
            "Les comptes du recensement sont pondérés : les totaux affichés, arrondis, peuvent ne pas tomber juste.",
        ],
        ["", ""],
        ["Source", "Indicateurs"],
    ]
    for source, group in rows.groupby("source", sort=True):
        lines.append([source, ", ".join(sorted(get_indicator(i).label for i in group["indicator"].unique()))])
    lines += [["", ""], ["Indicateur qualité", "Signification"]]
    lines += [[code, meaning] for code, meaning in FLAGS.items()]
    for line in lines:
        sheet.append(line)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 110
    for row in sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    _printable(sheet)
