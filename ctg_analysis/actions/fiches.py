"""Pre-filled fiches actions: the seed's fields, the generated "Diagnostic initial", and the evaluation
indicators with their baseline value, year, source and comparison; written as an editable workbook
(the seed's two-column layout, one sheet per fiche, plus the plan's summary) and a Word document.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from ctg_analysis.actions.plan import FIELDS, Action, EvaluationIndicator, Plan
from ctg_analysis.commentary.sentences import Phrases, diagnostic_text, load_phrases
from ctg_analysis.commentary.synthesis import synthesis, synthesis_lines
from ctg_analysis.exports.tables import save_workbook
from ctg_analysis.exports.workbook import NUMBER_FORMATS
from ctg_analysis.files import atomic_path
from ctg_analysis.formatting import MISSING, format_value, or_missing
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.indicators.comparisons import position
from ctg_analysis.indicators.display import coverage_said, latest_period, territory_rows
from ctg_analysis.indicators.flags import FLAGS, forbids_comparison

__all__ = [
    "EVALUATION_COLUMNS",
    "Fiche",
    "build_fiches",
    "default_plan",
    "plan_summary",
    "write_fiches_docx",
    "write_fiches_xlsx",
]

#: Columns of a fiche's evaluation table (and of the follow-up's baseline).
EVALUATION_COLUMNS = [
    "Indicateur",
    "Identifiant",
    "Année",
    "Valeur de référence",
    "Unité",
    "Département",
    "Position",
    "Cible",
    "Source",
    "Qualité",
]
# The seed's boxes, two per row; None is the blank half of a row.
_PAIRS = [
    ("diagnostic", "public_cible"),
    ("objectifs", "modalités"),
    (None, "échéances"),
    ("référents", "résultats"),
    ("partenaires", "indicateurs"),
    ("financements", None),
]
#: The least height of a box of a fiche, in centimetres: room to write by hand when it is left empty.
BOX_HEIGHT_CM = 2.5
_HEAD = PatternFill("solid", fgColor="1F4E79")
_LABEL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="8EA9C1")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Fiche:
    """One fiche action, ready to write.

    Attributes
    ----------
    action
        The partners' action (number, thématique, texts).
    boxes
        French label → text of every box of the seed's fiche, pre-filled where the data can.
    evaluation
        One row per evaluation indicator: :data:`EVALUATION_COLUMNS`, values as numbers.
    demo
        Whether the figures are the demo's.
    """

    action: Action
    boxes: dict[str, str]
    evaluation: pd.DataFrame
    demo: bool

    @property
    def title(self) -> str:
        """``Fiche action n° 1``."""
        return f"Fiche action n° {self.action.number}"


def default_plan(territory: str | None = None, phrases: Phrases | None = None) -> Plan:
    """A plan with one empty action per CTG thématique of ``phrases.yaml``: the fiches partners start from."""
    thematiques = (phrases or load_phrases()).thematiques
    return Plan(
        tuple(Action(n, thematique, "") for n, thematique in enumerate(thematiques, start=1)),
        territory=territory,
        source="",
    )


def _evaluation(
    table: pd.DataFrame, territory: str, chosen: list[EvaluationIndicator], phrases: Phrases
) -> pd.DataFrame:
    """Baseline value, year, département value(s), position and target of each evaluation indicator."""
    rows = territory_rows(table, territory)
    lines = []
    for item in chosen:
        indicator = get_indicator(item.id)
        # A row of period « – » says that no file of the data gives the indicator: it is absent.
        own = rows.loc[(rows["indicator"] == item.id) & (rows["level"] == "territoire") & rows["year_end"].notna()]
        if own.empty:
            lines.append(
                [
                    indicator.label,
                    item.id,
                    None,
                    None,
                    indicator.unit,
                    "",
                    "donnée absente du dossier",
                    item.target,
                    "",
                    "",
                ]
            )
            continue
        latest = latest_period(own).iloc[0]
        deps = rows.loc[
            (rows["indicator"] == item.id) & (rows["level"] == "departement") & (rows["period"] == latest["period"])
        ]
        dep_text = " ; ".join(_said_with_coverage(dep, indicator, name=True) for _, dep in deps.iterrows())
        lines.append(
            [
                indicator.label,
                item.id,
                str(latest["period"]),
                None if pd.isna(latest["value"]) else float(latest["value"]),
                indicator.unit,
                dep_text,
                _position(latest, deps, indicator, phrases),
                item.target,
                str(latest["source"]),
                _flags_said(latest),
            ]
        )
    return pd.DataFrame(lines, columns=EVALUATION_COLUMNS)


def _said_with_coverage(row: pd.Series, indicator, *, name: bool = False) -> str:
    """A value in French (« Val-d'Oise : 15,2 % »), a partial one with its coverage in words."""
    text = format_value(row["value"], indicator.unit, indicator.decimals, sign=indicator.is_change)
    if "partial" in str(row["flags"]).split(";"):
        said = coverage_said(row["coverage_communes"], row["coverage_population"])
        text += f" (valeur partielle, {said})" if said else " (valeur partielle)"
    return f"{row['geo_label']} : {text}" if name else text


def _flags_said(row: pd.Series) -> str:
    """What the flags of the territory's value mean, a partial value's coverage in words."""
    meanings = []
    for flag in (f for f in str(row["flags"]).split(";") if f in FLAGS and f != "demo"):
        said = coverage_said(row["coverage_communes"], row["coverage_population"])
        meanings.append(f"{FLAGS[flag]} ({said})" if flag == "partial" and said else FLAGS[flag])
    return " ; ".join(meanings)


def _position(own: pd.Series, deps: pd.DataFrame, indicator, phrases: Phrases) -> str:
    """Where the territory stands against its département; nothing when either value is partial, estimated
    or not comparable (never compared as if it were whole), or for a count."""
    value = own["value"]
    if pd.isna(value) or len(deps) != 1 or indicator.is_count:
        return ""
    if forbids_comparison(pd.concat([pd.Series([own["flags"]]), deps["flags"].astype(object)])).any():
        return ""
    where = position(
        float(value),
        float(deps["value"].iloc[0]),
        unit=indicator.unit,
        decimals=indicator.decimals,
        tolerance_points=phrases.tolerance_points,
        tolerance_relative=phrases.tolerance_relative,
        signed=indicator.is_change,
    )
    return {
        "supérieur": "supérieur au département",
        "inférieur": "inférieur au département",
        "comparable": "proche du département",  # « comparable » would read as the opposite of « non comparable »
    }.get(where.direction, "")


def _when(period: str | None) -> str:
    """``en 2019``, ``entre 2013 et 2019``, or nothing."""
    if period is None or pd.isna(period) or not period:
        return ""
    start, _, end = str(period).partition("-")
    return f"entre {start} et {end}" if end else f"en {start}"


def _evaluation_text(evaluation: pd.DataFrame, others: tuple[str, ...]) -> str:
    lines = []
    for row in evaluation.itertuples(index=False):
        unit, decimals = row[4], get_indicator(row[1]).decimals
        signed = get_indicator(row[1]).is_change
        value = format_value(row[3], unit, decimals, sign=signed) if row[3] is not None else MISSING
        line = f"{row[0]} : {value} {_when(row[2])}".rstrip()
        if or_missing(row[5]) != MISSING:
            line += f" ({row[5]})"
        if row[7] is not None and not pd.isna(row[7]):
            line += f" ; cible : {format_value(row[7], unit, decimals, sign=signed)}"
        if or_missing(row[8]) != MISSING:
            line += f" — {row[8]}"
        lines.append(line)
    return "\n".join([*lines, *others])


def build_fiches(
    table: pd.DataFrame, territory: str, plan: Plan | None = None, *, phrases: Phrases | None = None
) -> list[Fiche]:
    """One pre-filled fiche per action of the plan (default: one per CTG thématique).

    The "Diagnostic initial" says the counts of the action's indicators (or its thématique's default ones), then
    the synthesis « Enjeux et points d'appui » of the others (:func:`~ctg_analysis.commentary.synthesis.synthesis`),
    followed by the partners' own diagnostic; the "Indicateurs d'évaluation" list each
    indicator's baseline value, year, département value and source, then the partners' other
    indicators. The other boxes hold the plan's text, or stay empty for the partners. ``phrases`` is
    the wording (default: the shipped ``phrases.yaml``; see :func:`load_phrases`).

    Examples
    --------
    >>> from ctg_analysis.actions.plan import load_plan
    >>> from ctg_analysis.resources import RESOURCES
    >>> fiches = build_fiches(table, "ezanville", load_plan(RESOURCES / "demo" / "plan-actions.yaml"))
    >>> fiches[0].action.thematique
    'Parentalité'
    """
    phrases = phrases or load_phrases()
    plan = plan or default_plan(territory, phrases)
    table = territory_rows(table, territory)  # filtered once for every fiche
    demo = "demo" in set(";".join(territory_rows(table, territory)["flags"].dropna().astype(str)).split(";"))
    fiches = []
    for action in plan.actions:
        chosen = list(action.indicators) or [
            EvaluationIndicator(i) for i in phrases.thematique_indicators(action.thematique)
        ]
        evaluation = _evaluation(table, territory, chosen, phrases)
        # The figures the synthesis does not weigh (counts), then the synthesis of the others (« Enjeux et points
        # d'appui »), the partners' own after them; the demo warning ends the document.
        weighed = [i.id for i in chosen if get_indicator(i.id).reading]
        said = diagnostic_text(
            table,
            territory,
            indicators=[i.id for i in chosen if i.id not in weighed],
            phrases=phrases,
            demo_warning=False,
        )
        lines = synthesis_lines(synthesis(table, territory, indicators=weighed))
        generated = "\n".join([said, *lines] if said else lines)
        boxes = {
            label: action.text(key)
            for key, label in FIELDS.items()
            if key not in ("numéro", "thématique", "action", "autres_indicateurs")
        }
        boxes[FIELDS["diagnostic"]] = "\n".join(t for t in (generated, action.text("diagnostic")) if t)
        boxes[FIELDS["indicateurs"]] = _evaluation_text(evaluation, action.other_indicators)
        fiches.append(Fiche(action, boxes, evaluation, demo))
    return fiches


def _merged(sheet, row: int, text: str, *, bold: bool = False, size: int = 11, fill=None) -> None:
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    cell = sheet.cell(row, 1, text)
    cell.font = Font(bold=bold, size=size, color="FFFFFF" if fill is _HEAD else None)
    cell.alignment = _WRAP
    if fill is not None:
        cell.fill = fill


def _height(*texts: str) -> float:
    """Row height (points) for wrapped texts in a 60-character column."""
    lines = max((sum(len(part) // 60 + 1 for part in t.split("\n")) for t in texts if t), default=1)
    return max(BOX_HEIGHT_CM / 2.54 * 72, 15.0 * lines)


def _fiche_sheet(sheet, fiche: Fiche) -> None:
    sheet.column_dimensions["A"].width = sheet.column_dimensions["B"].width = 62
    _merged(sheet, 1, fiche.title, bold=True, size=14, fill=_HEAD)
    _merged(sheet, 2, f"Thématique : {fiche.action.thematique.upper()}", bold=True)
    _merged(sheet, 3, f"Action : {fiche.action.title}", bold=True)
    row = 4
    for left, right in _PAIRS:
        for column, key in ((1, left), (2, right)):
            label = sheet.cell(row, column, FIELDS[key] if key else None)
            label.font, label.fill, label.border = Font(bold=True), _LABEL, _BOX
            text = sheet.cell(row + 1, column, fiche.boxes.get(FIELDS[key], "") if key else None)
            text.alignment, text.border = _WRAP, _BOX
        sheet.row_dimensions[row + 1].height = _height(*(fiche.boxes.get(FIELDS[k], "") for k in (left, right) if k))
        row += 2
    row += 1
    sheet.cell(row, 1, "Indicateurs d'évaluation : valeurs de référence").font = Font(bold=True, size=12)
    row += 1
    for column, name in enumerate(EVALUATION_COLUMNS, start=1):
        cell = sheet.cell(row, column, name)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), _HEAD
    for line in fiche.evaluation.itertuples(index=False):
        row += 1
        for column, value in enumerate(line, start=1):
            sheet.cell(row, column, None if value is None or (isinstance(value, float) and pd.isna(value)) else value)
        for column in (4, 8):
            sheet.cell(row, column).number_format = NUMBER_FORMATS.get(line[4], "0.0")
    if fiche.demo:
        sheet.cell(
            row + 2, 1, "Données fictives de démonstration : aucun chiffre de cette fiche ne décrit un territoire réel."
        ).font = Font(italic=True, color="C00000")
    for column, width in zip("CDEFGHIJ", (10, 18, 10, 36, 26, 12, 34, 40), strict=True):
        sheet.column_dimensions[column].width = width


def plan_summary(fiches: list[Fiche]) -> pd.DataFrame:
    """The plan d'actions at a glance: one row per fiche."""
    return pd.DataFrame(
        {
            "N°": [f.action.number for f in fiches],
            "Thématique": [f.action.thematique for f in fiches],
            "Action": [f.action.title for f in fiches],
            "Public cible": [f.action.text("public_cible") for f in fiches],
            "Référents": [f.action.text("référents") for f in fiches],
            "Échéances": [f.action.text("échéances") for f in fiches],
            "Indicateurs d'évaluation": [", ".join(f.evaluation["Indicateur"]) for f in fiches],
            "Cibles": [
                ", ".join(
                    f"{i}: {format_value(t, u, get_indicator(i).decimals)}"
                    for i, t, u in zip(
                        f.evaluation["Identifiant"], f.evaluation["Cible"], f.evaluation["Unité"], strict=True
                    )
                    if pd.notna(t)
                )
                for f in fiches
            ],
        }
    )


def write_fiches_xlsx(fiches: list[Fiche], path: str | Path) -> Path:
    """The fiches as one workbook: a "Plan d'actions" summary sheet, then one sheet per fiche (the
    seed's two-column layout, editable), written through a temporary file."""
    book = Workbook()
    summary = book.active
    summary.title = "Plan d'actions"
    table = plan_summary(fiches)
    summary.append(list(table.columns))
    for line in table.itertuples(index=False):
        summary.append(list(line))
    for cell in summary[1]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), _HEAD
    for column, width in zip("ABCDEFGH", (6, 24, 60, 36, 30, 30, 60, 30), strict=True):
        summary.column_dimensions[column].width = width
    for row in summary.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP
    summary.freeze_panes = "A2"
    for fiche in fiches:
        _fiche_sheet(book.create_sheet(f"Fiche {fiche.action.number}"), fiche)
    return save_workbook(book, path)


def _keep_with_next(row) -> None:
    """Keep a table row on the page of the next one, and whole."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for cell in row.cells:
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True


def _widths(table, centimetres: tuple[float, ...]) -> None:
    """Fixed column widths, read by Word (the cells') and LibreOffice (the grid's): autofit split
    « Département » over two lines."""
    from docx.shared import Cm

    table.autofit = False
    for column, width in zip(table.columns, centimetres, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _repeat_header(row) -> None:
    """Repeat a table's first row at the top of each page it runs over."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def write_fiches_docx(fiches: list[Fiche], path: str | Path) -> Path:
    """The fiches as one Word document (python-docx), a fiche per page in the seed's two-column table,
    written through a temporary file."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.8)
    document.styles["Normal"].font.size = Pt(10)
    for n, fiche in enumerate(fiches):
        if n:
            document.add_page_break()
        document.add_heading(fiche.title, level=1)
        document.add_paragraph().add_run(f"Thématique : {fiche.action.thematique.upper()}").bold = True
        document.add_paragraph().add_run(f"Action : {fiche.action.title}").bold = True
        _boxes_table(document, fiche)
        heading = document.add_heading("Indicateurs d'évaluation : valeurs de référence", level=2)
        heading.paragraph_format.keep_with_next = True
        _evaluation_table(document, fiche)
    if any(fiche.demo for fiche in fiches):
        document.add_paragraph().add_run(
            "Données fictives de démonstration : aucun chiffre de ces fiches ne décrit un territoire réel."
        ).italic = True
    with atomic_path(path) as temporary:
        document.save(temporary)
    return Path(path)


def _boxes_table(document: Any, fiche: Fiche) -> None:
    """The seed's two-column table: each field's label over its box, the box left roomy for the partners."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Cm

    grid = document.add_table(rows=2 * len(_PAIRS), cols=2)
    grid.style = "Table Grid"
    _widths(grid, (8.7, 8.7))
    for r, (left, right) in enumerate(_PAIRS):
        _keep_with_next(grid.rows[2 * r])  # a label stays with its box
        # Room to write in a box left empty for the partners.
        box = grid.rows[2 * r + 1]
        box.height, box.height_rule = Cm(BOX_HEIGHT_CM), WD_ROW_HEIGHT_RULE.AT_LEAST
        for c, key in enumerate((left, right)):
            if key:
                grid.cell(2 * r, c).paragraphs[0].add_run(FIELDS[key]).bold = True
                grid.cell(2 * r + 1, c).text = fiche.boxes.get(FIELDS[key], "")


def _evaluation_table(document: Any, fiche: Fiche) -> None:
    """The evaluation indicators with their baseline, the département's value, the target and the source,
    on one page with its header."""

    columns = ["Indicateur", "Année", "Valeur de référence", "Département", "Cible", "Source"]
    values = document.add_table(rows=1 + len(fiche.evaluation), cols=len(columns))
    values.style = "Table Grid"
    for c, name in enumerate(columns):
        values.cell(0, c).paragraphs[0].add_run(name).bold = True
    for r, row in enumerate(fiche.evaluation.itertuples(index=False), start=1):
        indicator = get_indicator(row[1])
        signed = indicator.is_change
        texts = [
            row[0],
            or_missing(row[2]),
            format_value(row[3], row[4], indicator.decimals, sign=signed) if row[3] is not None else MISSING,
            or_missing(row[5]),
            format_value(row[7], row[4], indicator.decimals, sign=signed) if pd.notna(row[7]) else "",
            "" if or_missing(row[8]) == MISSING else row[8],
        ]
        for c, text in enumerate(texts):
            values.cell(r, c).text = str(text)
    _widths(values, (4.0, 1.8, 2.4, 3.2, 1.6, 4.4))
    _repeat_header(values.rows[0])
    for table_row in values.rows[:-1]:  # the table on one page, its header with its rows
        _keep_with_next(table_row)
