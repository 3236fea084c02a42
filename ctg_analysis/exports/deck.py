"""The PowerPoint deck of a territory (16:9): title, key figures, one slide per chart with its title and
source, and a sources-and-methods slide; optionally built on the user's own ``.pptx`` template."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ctg_analysis.charts.export import ExportedChart
from ctg_analysis.errors import CtgError
from ctg_analysis.files import atomic_path
from ctg_analysis.indicators.display import key_figures, territory_rows
from ctg_analysis.indicators.flags import FLAGS

__all__ = ["WIDE", "layout", "slide_text", "slide_title", "write_deck"]

WIDE = (12_192_000, 6_858_000)  # 13.333 × 7.5 in, in EMU


def layout(presentation, *names: str, fallback: int):
    """A slide layout by name (a user template may order them differently), else by position."""
    for candidate in presentation.slide_layouts:
        if candidate.name in names:
            return candidate
    layouts = presentation.slide_layouts
    return layouts[min(fallback, len(layouts) - 1)]


def slide_title(slide, text: str) -> None:
    """Set a slide's title (a text box when its layout has no title placeholder)."""
    if slide.shapes.title is not None:
        slide.shapes.title.text = text
    else:
        from pptx.util import Inches, Pt

        box = slide.shapes.add_textbox(Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.9))
        box.text_frame.text = text
        box.text_frame.paragraphs[0].runs[0].font.size = Pt(28)


def slide_text(slide, text: str, *, left: float, top: float, width: float, height: float, size: int = 12) -> None:
    """A wrapped text box (position and size in inches), one paragraph per line of ``text``."""
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    for n, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
        paragraph.text = line
        for run in paragraph.runs:
            run.font.size = Pt(size)


def write_deck(
    table: pd.DataFrame,
    territory: str,
    charts: list[ExportedChart],
    path: str | Path,
    *,
    template: str | Path | None = None,
) -> Path:
    """Write the deck of a territory (through a temporary file).

    Parameters
    ----------
    table
        The long indicator table.
    territory
        A territory id of the table.
    charts
        The exported charts (PNG) to put one per slide (:func:`~ctg_analysis.charts.export_charts`).
    path
        The ``.pptx`` file.
    template
        A ``.pptx`` whose layouts and theme the deck uses (its own slides are kept before ours).

    Examples
    --------
    >>> from ctg_analysis.charts import export_charts
    >>> charts = export_charts(table, "ezanville", tmp / "graphiques", formats=("png",))
    >>> write_deck(table, "ezanville", charts, tmp / "diagnostic.pptx").name
    'diagnostic.pptx'
    """
    import pptx
    from pptx.util import Inches

    rows = territory_rows(table, territory)
    if template is not None and not Path(template).is_file():
        raise CtgError(f"{template} : modèle PowerPoint introuvable")
    presentation = pptx.Presentation(str(template)) if template else pptx.Presentation()
    if template is None:
        presentation.slide_width, presentation.slide_height = WIDE
    label = str(rows.loc[rows["level"] == "territoire", "geo_label"].iloc[0])
    demo = rows["flags"].astype(str).str.contains("demo").any()

    slide = presentation.slides.add_slide(layout(presentation, "Title Slide", "Diapositive de titre", fallback=0))
    slide_title(slide, f"Diagnostic partagé — {label}")
    if len(slide.placeholders) > 1:
        slide.placeholders[1].text = "Convention Territoriale Globale" + (
            "\nDonnées fictives de démonstration" if demo else ""
        )

    slide = presentation.slides.add_slide(layout(presentation, "Title Only", "Titre seul", fallback=5))
    slide_title(slide, "Chiffres clés")
    figures = key_figures(table, territory)
    shape = slide.shapes.add_table(
        len(figures) + 1, len(figures.columns), Inches(0.5), Inches(1.4), Inches(12.3), Inches(0.4) * (len(figures) + 1)
    )
    for c, column in enumerate(figures.columns):
        shape.table.cell(0, c).text = str(column)
        for r, value in enumerate(figures[column], start=1):
            shape.table.cell(r, c).text = str(value)
    slide_text(
        slide,
        "* valeur fragile (petits effectifs, partielle ou non disponible pour un regroupement de communes)",
        left=0.5,
        top=6.9,
        width=12,
        height=0.4,
        size=10,
    )

    width = presentation.slide_width
    for chart in charts:
        picture = next((p for p in chart.files if p.suffix == ".png"), None)
        if picture is None:
            continue
        slide = presentation.slides.add_slide(layout(presentation, "Title Only", "Titre seul", fallback=5))
        slide_title(slide, chart.spec.title)
        # The chart carries its own source footnote; it fills the slide under the title.
        height = Inches(5.9)
        slide.shapes.add_picture(str(picture), int((width - height * 16 / 9) / 2), Inches(1.35), height=height)

    slide = presentation.slides.add_slide(layout(presentation, "Title Only", "Titre seul", fallback=5))
    slide_title(slide, "Sources et méthodes")
    sources = " ; ".join(dict.fromkeys(str(s) for s in rows["source"].dropna().unique() if str(s)))
    methods = (
        f"Sources : {sources}.\n"
        "Toute valeur au-dessus de la commune est la somme des numérateurs divisée par la somme des dénominateurs.\n"
        "Les évolutions comparent des recensements distants d'au moins 5 ans, dans une même géographie.\n"
        "Médianes et taux de pauvreté : valeurs publiées par l'Insee, non recalculées pour un regroupement.\n"
        + "\n".join(f"{code} : {meaning}" for code, meaning in FLAGS.items() if code != "demo")
        + ("\nDonnées fictives de démonstration : aucun chiffre ne décrit un territoire réel." if demo else "")
    )
    slide_text(slide, methods, left=0.6, top=1.4, width=12, height=5.5, size=13)
    with atomic_path(path) as temporary:
        presentation.save(str(temporary))
    return Path(path)
