"""The PowerPoint deck of a territory (16:9): a title slide, the key figures (over as many slides as they
need), a section slide per theme followed by its charts, and a sources-and-methods slide; the generated
commentary of each chart in its speaker notes. Optionally built on the user's own ``.pptx`` template.

Titles are sized to fit their box on one line, measured with the font metrics matplotlib ships (DejaVu
Sans, wider than the Calibri of PowerPoint's default theme: a title measured to fit fits).
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import pandas as pd

from ctg_analysis.charts.export import ExportedChart
from ctg_analysis.commentary.sentences import describe, diagnostic_text, theme_sentences
from ctg_analysis.commentary.synthesis import MARKED_RULE, SYNTHESIS_TITLE, synthesis
from ctg_analysis.config import DEFAULT_COLOUR
from ctg_analysis.errors import CtgError
from ctg_analysis.files import atomic_path
from ctg_analysis.formatting import format_date
from ctg_analysis.indicators.display import (
    FRAGILE_LEGEND,
    cited_sources,
    key_figure_ids,
    key_figures,
    partial_legend,
    territory_rows,
)
from ctg_analysis.indicators.flags import flag_meanings
from ctg_analysis.themes import THEMES

__all__ = ["WIDE", "Deck", "fitted_size", "text_width", "write_deck"]

WIDE = (12_192_000, 6_858_000)  # 13.333 × 7.5 in, in EMU
#: Boxes of the deck's own layouts, in inches (left, top, width, height), for a 16:9 slide.
_BOXES = {
    "title": (0.6, 0.3, 12.13, 0.9),
    "cover title": (0.9, 1.7, 11.53, 1.3),
    "cover subtitle": (0.9, 3.2, 11.53, 3.0),
    "section title": (0.9, 2.5, 11.53, 1.3),
    "section text": (0.9, 3.9, 11.53, 1.2),
}
#: Title font sizes, largest first: a title takes the largest at which it holds on one line.
TITLE_SIZES = (32, 30, 28, 26, 24, 22, 20)
#: Rows of a table slide, its header apart.
TABLE_ROWS = 8
#: The most lines of a headed block on one slide (:meth:`Deck.blocks`).
_BLOCK_LINES = 12
#: Inches kept for the logo at the right of a title.
_LOGO_WIDTH = 1.6
_INSET = 7.2  # points: PowerPoint's default inner margin of a text box, each side
_EMU_PER_POINT = 12_700


def text_width(text: str, size: float) -> float:
    """The width of one line of ``text`` in points at ``size`` points, in DejaVu Sans.

    Examples
    --------
    >>> round(text_width("Chiffres clés", 32))
    195
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent(
        text, FontProperties(family="DejaVu Sans", size=size), ismath=False
    )
    return width


def _lines(text: str, size: float, width: float) -> int:
    """How many lines ``text`` takes wrapped between words in ``width`` points."""
    count = 0
    for paragraph in text.split("\n"):
        current = ""
        count += 1
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and text_width(candidate, size) > width:
                count += 1
                current = word
            else:
                current = candidate
    return count


def fitted_size(text: str, width: float, height: float | None = None, sizes=TITLE_SIZES) -> int | None:
    """The largest of ``sizes`` at which ``text`` fits a box ``width`` points wide: on one line, or, given
    a ``height``, in as many lines as the box holds (1.2 × the size each); ``None`` when none does.

    Examples
    --------
    >>> fitted_size("Chiffres clés", 400)
    32
    >>> fitted_size("Part des allocataires d'une aide au logement", 600)
    26
    """
    for size in sizes:
        if height is None and text_width(text, size) <= width:
            return size
        if height is not None and _lines(text, size, width) * size * 1.2 <= height:
            return size
    return None


def _shortened(text: str, width: float, size: int) -> str:
    """``text`` cut between words, an ellipsis after, to hold on one line."""
    words = text.split(" ")
    while len(words) > 1 and text_width(" ".join(words) + " …", size) > width:
        words.pop()
    return " ".join(words) + " …"


class Deck:
    """A 16:9 presentation under construction: slides with titles that fit, tables split over slides,
    pictures, notes. On a user's template its layouts, theme and slides are kept, and its placeholders
    where they are.

    Examples
    --------
    >>> deck = Deck()
    >>> slide = deck.titled("Chiffres clés")
    >>> deck.save(tmp / "d.pptx").name
    'd.pptx'
    """

    def __init__(
        self, template: str | Path | None = None, *, colour: str = DEFAULT_COLOUR, logo: str | Path | None = None
    ) -> None:
        import pptx

        if template is not None and not Path(template).is_file():
            raise CtgError(f"{template} : modèle PowerPoint introuvable")
        if logo is not None and not Path(logo).is_file():
            raise CtgError(f"{logo} : logo introuvable")
        #: The house style of our own design: a band of ``colour`` above the title, titles in it, the logo at
        #: the top right (a user's template keeps its own design).
        self.colour, self.logo = colour.lstrip("#"), Path(logo) if logo else None
        self.own = template is None
        self.presentation = pptx.Presentation(str(template)) if template else pptx.Presentation()
        if self.own:
            self.presentation.slide_width, self.presentation.slide_height = WIDE
        #: The width and height of the slides in inches (a user's template may be 4:3).
        self.size = (self.presentation.slide_width / 914_400, self.presentation.slide_height / 914_400)

    def _layout(self, *names: str, fallback: int):
        """A slide layout by name (a user template may order them differently), else by position."""
        for candidate in self.presentation.slide_layouts:
            if candidate.name in names:
                return candidate
        layouts = self.presentation.slide_layouts
        return layouts[min(fallback, len(layouts) - 1)]

    def _place(self, shape, box: str) -> None:
        from pptx.util import Inches

        if self.own:
            left, top, width, height = _BOXES[box]
            if self.logo and box == "title":
                width -= _LOGO_WIDTH  # the logo's room at the top right
            shape.left, shape.top, shape.width, shape.height = (Inches(v) for v in (left, top, width, height))

    def _dress(self, slide) -> None:
        """Our design on a slide: the band of the house colour at the top, the logo at the top right."""
        from pptx.dml.color import RGBColor
        from pptx.enum.shapes import MSO_SHAPE
        from pptx.util import Inches

        if not self.own:
            return
        band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, self.presentation.slide_width, Inches(0.12))
        band.fill.solid()
        band.fill.fore_color.rgb = RGBColor.from_string(self.colour)
        band.line.fill.background()
        band.name = "Bandeau"
        if self.logo:
            picture = slide.shapes.add_picture(str(self.logo), 0, Inches(0.3), height=Inches(0.75))
            if picture.width > Inches(_LOGO_WIDTH - 0.2):  # a wide logo: bound by its width
                picture.height = int(picture.height * Inches(_LOGO_WIDTH - 0.2) / picture.width)
                picture.width = Inches(_LOGO_WIDTH - 0.2)
            picture.left = self.presentation.slide_width - Inches(0.5) - picture.width
            picture.name = "Logo"

    def _set(self, shape, text: str, *, box: str, sizes=TITLE_SIZES, lines: bool = False) -> None:
        """Put ``text`` in a shape at the largest size that fits it (one line, or its height when
        ``lines``), shortened with an ellipsis when even the smallest does not."""
        from pptx.dml.color import RGBColor
        from pptx.util import Pt

        self._place(shape, box)
        frame = shape.text_frame
        frame.word_wrap = True
        width = shape.width / _EMU_PER_POINT - 2 * _INSET
        height = shape.height / _EMU_PER_POINT - 2 * _INSET / 2 if lines else None
        size = fitted_size(text, width, height, sizes)
        if size is None:
            size = sizes[-1]
            text = "\n".join(_shortened(line, width, size) for line in text.split("\n")) if not lines else text
        for n, line in enumerate(text.split("\n")):
            paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
            paragraph.text = line
            for run in paragraph.runs:
                run.font.size = Pt(size)
                if self.own and box.endswith("title"):
                    run.font.color.rgb = RGBColor.from_string(self.colour)

    def _title(self, slide, text: str, box: str = "title") -> None:
        from pptx.util import Inches

        shape = slide.shapes.title
        if shape is None:  # a layout without a title placeholder
            shape = slide.shapes.add_textbox(Inches(0.6), Inches(0.3), Inches(self.size[0] - 1.2), Inches(0.9))
        self._set(shape, text, box=box)

    @staticmethod
    def _drop_empty_placeholders(slide) -> None:
        """Placeholders left empty show « Cliquez pour ajouter du texte » in the editor: removed."""
        for shape in list(slide.placeholders):
            if shape.has_text_frame and not shape.text_frame.text.strip():
                shape.element.getparent().remove(shape.element)

    def cover(self, title: str, subtitle: str) -> object:
        """The title slide."""
        slide = self.presentation.slides.add_slide(self._layout("Title Slide", "Diapositive de titre", fallback=0))
        self._dress(slide)
        self._title(slide, title, "cover title")
        if len(slide.placeholders) > 1:
            self._set(slide.placeholders[1], subtitle, box="cover subtitle", sizes=(24, 22, 20, 18, 16), lines=True)
        return slide

    def section(self, title: str, text: str = "") -> object:
        """A slide opening a section."""
        slide = self.presentation.slides.add_slide(self._layout("Section Header", "En-tête de section", fallback=2))
        self._dress(slide)
        self._title(slide, title, "section title")
        if text and len(slide.placeholders) > 1:
            self._set(slide.placeholders[1], text, box="section text", sizes=(20, 18, 16, 14), lines=True)
        self._drop_empty_placeholders(slide)
        return slide

    def titled(self, title: str) -> object:
        """A slide with a title only, for the caller's content under it."""
        slide = self.presentation.slides.add_slide(self._layout("Title Only", "Titre seul", fallback=5))
        self._dress(slide)
        self._title(slide, title)
        return slide

    def text(
        self,
        slide,
        text: str,
        *,
        size: int = 14,
        top: float = 1.4,
        height: float = 5.5,
        left: float = 0.6,
        width: float | None = None,
    ) -> None:
        """A wrapped text box under the title, one paragraph per line of ``text``; the slide's width less its
        margins unless ``width`` (inches) is given."""
        from pptx.util import Inches, Pt

        width = self.size[0] - 1.2 if width is None else width
        box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
        frame = box.text_frame
        frame.word_wrap = True
        for n, line in enumerate(text.split("\n")):
            paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
            paragraph.text = line
            for run in paragraph.runs:
                run.font.size = Pt(size)

    def blocks(self, title: str, blocks: list[tuple[str, list[str]]], *, size: int = 14, height: float = 5.6) -> list:
        """Headed blocks of lines (a heading in bold, its lines under it) on as many slides as they need, a block
        kept whole on one slide when it fits one, ``(1/2)`` in the titles when they take more than one."""
        width = (self.size[0] - 1.2) * 72
        pages: list[list[tuple[str, list[str]]]] = [[]]
        used = 0.0
        for heading, lines in blocks:
            for start in range(0, len(lines) or 1, _BLOCK_LINES):  # a long block is cut between lines
                part = lines[start : start + _BLOCK_LINES]
                needed = sum(_lines(text, size, width) for text in (heading, *part)) * size * 1.25 / 72 + 0.15
                if pages[-1] and used + needed > height:
                    pages.append([])
                    used = 0.0
                pages[-1].append((heading, part))
                used += needed
        slides = []
        for n, page in enumerate(pages, start=1):
            slide = self.titled(f"{title} ({n}/{len(pages)})" if len(pages) > 1 else title)
            self._write_blocks(slide, page, size, height)
            slides.append(slide)
        return slides

    def _write_blocks(self, slide, page: list[tuple[str, list[str]]], size: int, height: float) -> None:
        from pptx.util import Inches, Pt

        box = slide.shapes.add_textbox(Inches(0.6), Inches(1.4), Inches(self.size[0] - 1.2), Inches(height))
        frame = box.text_frame
        frame.word_wrap = True
        first = True
        for heading, lines in page:
            for n, text in enumerate((heading, *lines)):
                paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
                first = False
                run = paragraph.add_run()
                run.text, run.font.size, run.font.bold = text, Pt(size), n == 0
                if n == 0:
                    paragraph.space_before = Pt(6)

    def tables(self, title: str, frame: pd.DataFrame, *, widths: list[float], note: str = "", size: int = 14) -> list:
        """``frame`` as tables of :data:`TABLE_ROWS` rows a slide, its header repeated, ``(1/2)`` in the
        titles when it takes more than one; ``widths`` in inches, one per column, for a 16:9 slide (scaled
        down to a narrower one)."""
        from pptx.dml.color import RGBColor
        from pptx.enum.text import PP_ALIGN
        from pptx.util import Inches, Pt

        widths = [w * min(1.0, (self.size[0] - 1.2) / sum(widths)) for w in widths]
        parts = [frame.iloc[start : start + TABLE_ROWS] for start in range(0, max(len(frame), 1), TABLE_ROWS)]
        slides = []
        for n, part in enumerate(parts, start=1):
            slide = self.titled(f"{title} ({n}/{len(parts)})" if len(parts) > 1 else title)
            shape = slide.shapes.add_table(
                len(part) + 1, len(frame.columns), Inches(0.6), Inches(1.4), Inches(sum(widths)), Inches(0.5)
            )
            for c, width in enumerate(widths):
                shape.table.columns[c].width = Inches(width)
            for c, column in enumerate(frame.columns):
                cells = [(0, str(column))] + [(r, str(v)) for r, v in enumerate(part[column], start=1)]
                # Numbers to the right (a year, a period stay with the words on the left).
                numbers = _holds_numbers(frame[column]) and not str(column).startswith(("Période", "Année"))
                for r, value in cells:
                    cell = shape.table.cell(r, c)
                    cell.text = value
                    paragraph = cell.text_frame.paragraphs[0]
                    if numbers:  # their units and decimals under each other, as a table of figures reads
                        paragraph.alignment = PP_ALIGN.RIGHT
                    for run in paragraph.runs:
                        run.font.size = Pt(size)
                    if r == 0 and self.own:  # the header in the house colour
                        cell.fill.solid()
                        cell.fill.fore_color.rgb = RGBColor.from_string(self.colour)
            for row in shape.table.rows:
                row.height = Inches(0.5)
            if note:
                self.text(slide, note, size=11, top=self.size[1] - 0.75, height=0.45)
            slides.append(slide)
        return slides

    def picture(
        self, title: str | None, path: Path, *, crop_top: float = 0.0, notes: str = "", message: str = ""
    ) -> object:
        """A slide with a picture filling the space under its title (the whole slide without one), its
        top ``crop_top`` share cut (a chart's own title, said by the slide's), and ``message`` (the chart's key
        sentence) in a band under it."""
        from PIL import Image
        from pptx.util import Inches

        if title is None:
            slide = self.presentation.slides.add_slide(self._layout("Blank", "Vide", fallback=6))
            self._dress(slide)
        else:
            slide = self.titled(title)
        top = Inches(1.3 if title else 0.25)
        with Image.open(path) as image:
            ratio = image.width / (image.height * (1 - crop_top))
        band = 0.35 + 0.3 * math.ceil(len(message) / 120) if message else 0.0  # inches: a line per 120 characters
        width = self.presentation.slide_width - Inches(1.0)
        height = self.presentation.slide_height - top - Inches(0.2 + band)
        width, height = min(width, int(height * ratio)), min(height, int(width / ratio))
        left = int((self.presentation.slide_width - width) / 2)
        picture = slide.shapes.add_picture(str(path), left, top, width, height)
        picture.crop_top = crop_top
        if message:
            self.text(slide, message, size=13, top=self.size[1] - 0.15 - band, height=band)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        return slide

    def save(self, path: str | Path) -> Path:
        """Write the deck through a temporary file."""
        with atomic_path(path) as temporary:
            self.presentation.save(str(temporary))
        return Path(path)


def write_deck(
    table: pd.DataFrame,
    territory: str,
    charts: list[ExportedChart],
    path: str | Path,
    *,
    template: str | Path | None = None,
    byline: str = "",
    colour: str = DEFAULT_COLOUR,
    logo: str | Path | None = None,
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
    byline
        The CAF and the author, under the title (:func:`~ctg_analysis.config.byline`).
    colour, logo
        The house colour (``#RRGGBB``) of the band above each title and of the titles, and the logo at the top
        right of each slide (``ctg.toml``); a ``template`` keeps its own design.

    Examples
    --------
    >>> from ctg_analysis.charts import export_charts
    >>> charts = export_charts(table, "ezanville", tmp / "graphiques", formats=("png",))
    >>> write_deck(table, "ezanville", charts, tmp / "diagnostic.pptx").name
    'diagnostic.pptx'
    """
    rows = territory_rows(table, territory)
    deck = Deck(template, colour=colour, logo=logo)
    label = str(rows.loc[rows["level"] == "territoire", "geo_label"].iloc[0])
    demo = rows["flags"].astype(str).str.contains("demo").any()
    deck.cover(
        "Diagnostic partagé",
        f"{label}\n"
        + (f"{byline}\n" if byline else "")
        + f"Convention Territoriale Globale — {format_date(datetime.date.today())}"
        + ("\nDonnées fictives de démonstration" if demo else ""),
    )
    figures = key_figures(table, territory)
    widths = [4.4, 1.7] + [(12.13 - 6.1) / (len(figures.columns) - 2)] * (len(figures.columns) - 2)
    notes = figures.attrs.get("notes", [])
    legend = FRAGILE_LEGEND + (f" {partial_legend(notes)}" if notes else "")
    deck.tables("Chiffres clés", figures, widths=widths, note=legend)
    parts = synthesis(table, territory)
    deck.blocks(SYNTHESIS_TITLE, [(part.title, part.said()) for part in parts] + [("", [f"{MARKED_RULE}."])], size=13)

    pictures = [(chart, p) for chart in charts for p in chart.files if p.suffix == ".png"]
    for chart, picture in (pair for pair in pictures if pair[0].spec.theme is None):  # the synthesis first
        _chart_slide(deck, table, territory, chart, picture)
    for theme in THEMES:
        drawn = [pair for pair in pictures if pair[0].spec.theme == theme.id]
        # A theme without any chart (the AAH and AEEH, published by département only) still says its figures.
        sentences = [] if drawn else theme_sentences(table, territory, theme.id)
        if not (drawn or sentences):
            continue
        deck.section(theme.title, label)
        for chart, picture in drawn:
            _chart_slide(deck, table, territory, chart, picture)
        if sentences:
            deck.text(deck.titled(f"{theme.title} : ce que disent les données"), "\n".join(map(str, sentences)))

    slide = deck.titled("Sources et méthodes")
    sources = " ; ".join(cited_sources(rows))
    methods = (
        f"Sources : {sources}.\n"
        "Toute valeur au-dessus de la commune est la somme des numérateurs divisée par la somme des dénominateurs.\n"
        "Les évolutions comparent des recensements distants d'au moins 5 ans, dans une même géographie.\n"
        "Médianes et taux de pauvreté : valeurs publiées par l'Insee, non recalculées pour un regroupement.\n"
        "Une valeur suivie d'un astérisque (*) est à lire avec prudence :\n"
        + "\n".join(f"– {meaning}" for meaning in flag_meanings())
        + ("\nDonnées fictives de démonstration : aucun chiffre ne décrit un territoire réel." if demo else "")
    )
    deck.text(slide, methods, size=13)
    return deck.save(path)


def _chart_slide(deck: Deck, table: pd.DataFrame, territory: str, chart: ExportedChart, picture: Path) -> None:
    """A chart on its slide, its key sentence under it (the first of its indicators said), the sentences of its
    indicators in the speaker notes."""
    indicators = list(chart.spec.needs) or key_figure_ids(table, territory)
    said = [s for s in (describe(table, territory, i) for i in chart.spec.needs) if s is not None and s.informative]
    deck.picture(
        chart.spec.title,
        picture,
        crop_top=chart.title_band,
        notes=str(diagnostic_text(table, territory, indicators=indicators)),
        message=str(said[0]) if said else "",
    )


def _holds_numbers(values: pd.Series) -> bool:
    """Whether a column of texts holds numbers (« 12 345 », « +7,1 % », « – » where missing), not words.

    Examples
    --------
    >>> _holds_numbers(pd.Series(["12\u202f345", "+7,1\u00a0%", "–", "9,6\u00a0%*", "+1,15\u00a0% par an"]))
    True
    >>> _holds_numbers(pd.Series(["Population", "12"]))
    False
    """
    texts = values.astype(str).str.strip()
    return bool(len(texts)) and bool(texts.str.fullmatch(r"(?:[+−-]?\d[\d\s\u202f\u00a0.,]*\D{0,12}|–)\*?").all())
