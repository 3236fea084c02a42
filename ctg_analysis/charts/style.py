"""The house style of ctg-analysis figures: French number formats, titles, footnotes and hatches (the
levels' colours are declared with the levels, :mod:`ctg_analysis.levels`).

Communes are hatched besides their colour. Fragile values (small numbers, partial, not comparable) are
cross-hatched, marked with an asterisk and explained in the footnote.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache, wraps
from importlib import resources

import matplotlib.style
import numpy as np
from matplotlib import cbook
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox

from ctg_analysis.formatting import format_number

__all__ = [
    "styled",
    "FRAGILE_HATCH",
    "LEVEL_HATCHES",
    "SLIDE",
    "HALF_SLIDE",
    "SIZES",
    "french_axis",
    "house_style",
    "show_as_svg",
    "stable_clip_ids",
    "svg_text",
    "titled_figure",
]

LEVEL_HATCHES = {"commune": "//"}
FRAGILE_HATCH = "xx"
#: Figure sizes in inches: a full 16:9 slide and a half slide (side by side with text).
SLIDE = (13.333, 7.5)
HALF_SLIDE = (6.667, 7.5)
SIZES = {"slide": SLIDE, "half": HALF_SLIDE}
#: Space around the figure's texts and between them and the axes, in inches.
_MARGIN = 0.12
#: Narrower and narrower widths (in characters) and font sizes for x tick labels that collide.
_TICK_WRAPS = ((22, None), (16, None), (12, None), (10, 11))


@contextmanager
def house_style():
    """Apply the shipped matplotlib style inside a ``with`` block."""
    with resources.as_file(resources.files("ctg_analysis.resources").joinpath("ctg.mplstyle")) as path:
        with matplotlib.style.context(str(path)):
            yield


def styled(function):
    """Run a chart function entirely inside the house style (fonts, grid, spines)."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with house_style():
            figure = function(*args, **kwargs)
            if isinstance(figure, ChartFigure):
                figure.fit()
            return figure

    return wrapper


def french_axis(axis, decimals: int = 0, suffix: str = "", *, ticks: int = 7) -> None:
    """French tick labels (``12 345``, ``25,7``) on a matplotlib axis (``ax.xaxis`` or ``ax.yaxis``), at
    most ``ticks`` intervals, at round steps that the shown decimals can print exactly."""
    axis.set_major_locator(MaxNLocator(nbins=ticks, steps=[1, 2, 5, 10], integer=decimals == 0))
    axis.set_major_formatter(FuncFormatter(lambda value, _: format_number(value, decimals) + suffix))


class _Canvas(FigureCanvasAgg):
    """A chart's canvas: drawn when the figure is saved or shown, never on request while it is built
    (GeoPandas asks for a drawing after each layer of a map)."""

    def draw_idle(self, *args, **kwargs) -> None:
        pass


class ChartFigure(Figure):
    """A chart's figure. Not registered with pyplot, it shows once in JupyterLab, as the value a chart
    function returns (at screen resolution, its own 16:9 size), and needs no closing.

    Its title, subtitle and footnote are laid out by :meth:`fit` for the figure's size: call it again
    after changing the size or adding to the figure.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _Canvas(self)  # a renderer to measure text with
        self.header: tuple[Text, ...] = ()
        self.footnote: Text | None = None
        #: The share of the height above the subtitle: a slide whose own title names the chart crops it.
        self.title_band = 0.0
        #: Labels that give way (a map's names), in order of priority: hidden where they would cover an
        #: earlier one or leave their axes.
        self.yielding: list[Text] = []
        self._written: dict[Text, str] = {}

    def fit(self) -> None:
        """Lay the figure out for its current size, nothing cut and no two texts over each other.

        Title, subtitle and footnote are wrapped to the figure's width; the axes, their labels and
        legends fill the space between; x tick labels that collide are wrapped narrower. An axis label
        empty when the figure is fitted stays empty: give an axis its label before.

        Examples
        --------
        >>> figure, _ = titled_figure("Titre", "Un sous-titre " * 20, "Source")
        >>> figure.set_size_inches(*HALF_SLIDE)
        >>> figure.fit()
        >>> figure.header[1].get_text().count("\\n") > 0  # the subtitle wraps at half a slide
        True
        """
        renderer = _measuring_renderer(self.dpi)
        for axis in (axis for ax in self.axes for axis in (ax.xaxis, ax.yaxis)):
            if not axis.label.get_text():
                # matplotlib places an axis label beside the tick labels, measuring them all again at every
                # measure and drawing, even for an empty label (a twentieth of a chart's time): not to move.
                axis.set_label_coords(0.5, 0.5)
        width, height = self.bbox.width, self.bbox.height
        margin = _MARGIN * self.dpi
        for text in (*self.header, self.footnote):
            if text is not None:
                # 3 % to spare: glyphs are a little wider, relatively, at 200 dpi than when measured here.
                _wrap(text, self._written.setdefault(text, text.get_text()), 0.97 * (width - 2 * margin), renderer)
        top = height - margin
        for n, text in enumerate(self.header):
            text.set_position((margin / width, top / height))
            top -= text.get_window_extent(renderer).height + margin / 2
            if n == 0:
                self.title_band = (height - top - margin / 4) / height
        bottom = margin
        if self.footnote is not None:
            self.footnote.set_position((margin / width, margin / height))
            bottom += self.footnote.get_window_extent(renderer).height + margin / 2
        for legend in self.legends:  # a figure's legend sits above the footnote, at the right
            legend.set_loc("lower right")
            legend.set_bbox_to_anchor((1 - margin / width, bottom / height), transform=self.transFigure)
            bottom += legend.get_window_extent(renderer).height + margin / 2
        rect = (margin / width, bottom / height, 1 - margin / width, max(top, bottom + margin) / height)
        for wrap, fontsize in (*_TICK_WRAPS, (None, None)):
            _place_axes(self, rect, renderer)
            crowded = [ax for ax in self.axes if ax.get_visible() and _collide(ax.get_xticklabels(), renderer)]
            if not crowded or wrap is None:
                break
            for ax in crowded:
                ax.set_xticks(ax.get_xticks(), [_rewrapped(t.get_text(), wrap) for t in ax.get_xticklabels()])
                if fontsize:
                    ax.tick_params(axis="x", labelsize=fontsize)
        _give_way(self.yielding, renderer)

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=72)
        return buffer.getvalue()

    def svg(self) -> str:
        """The figure as SVG in the house style, its text kept as text, without a date (the same figure
        gives the same SVG), as wide as the page that shows it.

        Examples
        --------
        >>> figure, _ = titled_figure("Titre", "Sous-titre", "Source")
        >>> figure.svg().count('width="100%"'), "<text" in figure.svg()
        (1, True)
        """
        # The root's size in points would overflow a page narrower than 13.3 inches: its viewBox keeps the ratio.
        return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', svg_text(self), count=1)


def svg_text(figure: Figure) -> str:
    """A figure as SVG in the house style, its text kept as text: the same figure gives the same SVG (no date,
    clip paths named after what they draw)."""
    buffer = io.StringIO()
    canvas = figure.canvas
    _SVGCanvas(figure)
    try:
        with house_style():
            figure.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        figure.set_canvas(canvas)
    return stable_clip_ids(buffer.getvalue())


class _SVGCanvas(FigureCanvasSVG):
    """matplotlib's SVG canvas, drawing with :class:`_SVGRenderer`."""

    def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None, **_) -> None:
        # FigureCanvasSVG.print_svg (matplotlib 3.11) with another renderer; the colours and resolution that
        # matplotlib passes a canvas outside it are set on the figure already.
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as file:
            if not cbook.file_requires_unicode(file):
                file = codecs.getwriter("utf-8")(file)
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            renderer = MixedModeRenderer(
                self.figure,
                width,
                height,
                dpi,
                _SVGRenderer(width * 72, height * 72, file, image_dpi=dpi, metadata=metadata),
                bbox_inches_restore=bbox_inches_restore,
            )
            self.figure.draw(renderer)
            renderer.finalize()


class _SVGRenderer(RendererSVG):
    """matplotlib's SVG renderer, its text measured once in the process: matplotlib keeps text measures per
    renderer, that is per figure saved, while a chart's labels recur from chart to chart."""

    def get_text_width_height_descent(self, s, prop, ismath):
        return _svg_text_metrics(s, prop.copy(), ismath)  # a copy: a font's hash follows its changes


@lru_cache(maxsize=16384)
def _svg_text_metrics(text: str, prop, ismath) -> tuple[float, float, float]:
    # An SVG renderer measures in points, whatever its size: any one measures as the figure's own would.
    return RendererSVG.get_text_width_height_descent(_svg_measurer(), text, prop, ismath)


@cache
def _svg_measurer() -> RendererSVG:
    return RendererSVG(1, 1, io.StringIO())


_CLIP_PATH = re.compile(r'<clipPath id="(p[0-9a-f]{10})">(.*?)</clipPath>', re.DOTALL)


def stable_clip_ids(svg: str) -> str:
    """``svg`` with each clip path named after what it draws.

    matplotlib names a clip path after its exact coordinates, which differ in their last digits from one
    process to another (the text is measured in another order): the same chart would give another SVG.

    Examples
    --------
    >>> one = '<clipPath id="p0123456789"><rect x="1"/></clipPath><path clip-path="url(#p0123456789)"/>'
    >>> stable_clip_ids(one) == stable_clip_ids(one.replace("p0123456789", "pabcdefabcd"))
    True
    """
    named = {old: "p" + hashlib.sha256(body.encode()).hexdigest()[:10] for old, body in _CLIP_PATH.findall(svg)}
    if not named:
        return svg
    return re.sub(r"(?<![0-9A-Za-z])p[0-9a-f]{10}(?![0-9a-f])", lambda m: named.get(m[0], m[0]), svg)


def show_as_svg() -> None:
    """Show chart figures as SVG in this notebook rather than PNG (the report template calls it).

    Vector charts stay sharp on screen, when printed and in a PDF, and take about half the time of a PNG
    to write, the text not being rasterised. Other figures keep IPython's settings.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    formatters["image/png"].for_type(ChartFigure, lambda figure: None)  # a type's printer wins over Figure's
    formatters["image/svg+xml"].for_type(ChartFigure, ChartFigure.svg)


def titled_figure(
    title: str, subtitle: str, footnote: str, *, size: str = "slide", **subplots
) -> tuple[Figure, object]:
    """A figure with its French title, subtitle and footnote (source, vintage, demo); call it inside
    :func:`house_style` (chart functions are decorated with :func:`styled`).

    Returns the figure (a :class:`ChartFigure`) and its axes, as ``plt.subplots`` does.
    """
    figure = ChartFigure(figsize=SIZES[size])
    axes = figure.subplots(**subplots)
    figure.header = (
        figure.text(0, 1, title, fontsize=24, fontweight="bold", va="top", ha="left"),
        figure.text(0, 1, subtitle, fontsize=16, color="#444444", va="top", ha="left"),
    )
    figure.footnote = figure.text(0, 0, footnote, fontsize=11, color="#555555", va="bottom", ha="left")
    return figure, axes


@cache
def _measuring_renderer(dpi: float) -> RendererAgg:
    """The renderer every chart of this process measures its text with, at ``dpi``.

    matplotlib keeps text metrics per renderer: with one for all charts, the labels that recur from
    chart to chart (levels, communes, tick values) are measured once, not once per figure. It never
    draws, so its size does not matter.
    """
    return RendererAgg(1, 1, dpi)


def _wrap(text: Text, written: str, width: float, renderer) -> None:
    """Set ``text`` to ``written`` broken into lines at most ``width`` pixels wide (between words).

    Measuring costs milliseconds a string: the whole text first (most fit on one line), then lines of as
    many characters as its average width allows, a little narrower until they fit.
    """
    text.set_text(written)
    measured = text.get_window_extent(renderer).width
    if measured <= width:
        return
    characters = int(len(written) * width / measured)
    while characters > 8:
        text.set_text("\n".join(_rewrapped(part, characters) for part in written.split("\n")))
        if text.get_window_extent(renderer).width <= width:
            return
        characters = int(characters * 0.92)


def _place_axes(figure: Figure, rect: tuple[float, float, float, float], renderer) -> None:
    """Put the axes and their decorations (tick labels, titles, legends) inside ``rect`` (left, bottom,
    right, top in figure coordinates).

    One axes is placed so that its decorations end at the rectangle's edges; a grid of panels goes to
    :func:`_place_grid` (a chart's text is drawn once more when saved: every measure counts).
    """
    shown = [ax for ax in figure.axes if ax.get_visible()]
    width, height = figure.bbox.width, figure.bbox.height
    target = Bbox.from_extents(rect[0] * width, rect[1] * height, rect[2] * width, rect[3] * height)
    if len(shown) != 1:
        _place_grid(figure, shown, target, renderer)
        return
    (ax,) = shown
    inner = target
    # Measured again after a move: labels placed in data coordinates move with the axes, their size does not.
    for _ in range(3):
        ax.set_position(figure.transFigure.inverted().transform_bbox(inner))
        tight = ax.get_tightbbox(renderer)
        over = [
            max(v, 0) for v in (target.x0 - tight.x0, target.y0 - tight.y0, tight.x1 - target.x1, tight.y1 - target.y1)
        ]
        if not any(over):
            return
        inner = Bbox.from_extents(inner.x0 + over[0], inner.y0 + over[1], inner.x1 - over[2], inner.y1 - over[3])
    ax.set_position(figure.transFigure.inverted().transform_bbox(inner))


def _place_grid(figure: Figure, panels: list, target: Bbox, renderer) -> None:
    """Put a grid of panels (subplots of one grid) inside ``target`` (in pixels), all of one size, each
    column as wide as its widest decorations need and each row as high as its highest, a margin between.

    Each panel is measured once, on the plain grid: its tick labels and title keep their size and their
    place beside it whatever its size (a title's width is left out, as matplotlib's constrained layout
    does: a long one may pass over the next panel's space, above it).
    """
    if any(ax.get_subplotspec() is None for ax in panels):
        raise ValueError("une figure de plusieurs axes doit les disposer en grille (figure.subplots)")
    rows, columns = panels[0].get_subplotspec().get_gridspec().get_geometry()
    row = np.array([ax.get_subplotspec().rowspan.start for ax in panels])
    column = np.array([ax.get_subplotspec().colspan.start for ax in panels])
    cell = np.array([target.width / columns, target.height / rows])
    to_figure = figure.transFigure.inverted()
    # How far each panel's decorations reach beyond it: left, bottom, right, top.
    reach = np.zeros((len(panels), 4))
    for n, ax in enumerate(panels):
        x0, y0 = target.x0 + column[n] * cell[0], target.y1 - (row[n] + 1) * cell[1]
        ax.set_position(to_figure.transform_bbox(Bbox.from_bounds(x0, y0, *cell)))
        tight, box = ax.get_tightbbox(renderer, for_layout_only=True), ax.bbox
        reach[n] = (box.x0 - tight.x0, box.y0 - tight.y0, tight.x1 - box.x1, tight.y1 - box.y1)
    reach = np.maximum(reach, 0)
    left, right, bottom, top = (np.zeros(columns), np.zeros(columns), np.zeros(rows), np.zeros(rows))
    np.maximum.at(left, column, reach[:, 0])
    np.maximum.at(right, column, reach[:, 2])
    np.maximum.at(bottom, row, reach[:, 1])
    np.maximum.at(top, row, reach[:, 3])
    gap = _MARGIN * figure.dpi
    panel_width = (target.width - left.sum() - right.sum() - gap * (columns - 1)) / columns
    panel_height = (target.height - top.sum() - bottom.sum() - gap * (rows - 1)) / rows
    # Where each column's panels start (from the left) and each row's end (from the top).
    starts = target.x0 + np.cumsum(left + panel_width + right + gap) - right - gap - panel_width
    ends = target.y1 - np.cumsum(top + panel_height + bottom + gap) + bottom + gap + panel_height
    for ax, r, c in zip(panels, row, column, strict=True):
        box = Bbox.from_bounds(starts[c], ends[r] - panel_height, panel_width, panel_height)
        ax.set_position(to_figure.transform_bbox(box))


def _give_way(labels: list[Text], renderer) -> None:
    """Show each label unless it covers one shown before it or leaves its axes (measured as placed now); one
    that would, written smaller first (a small commune keeps its name where it fits at a smaller size)."""
    for ax in {label.axes for label in labels}:
        ax.apply_aspect()  # a map's equal scales move its labels
    shown: list[Bbox] = []
    for label in labels:
        label.set_visible(True)
        size, where = float(label.get_fontsize()), label.xyann if isinstance(label, Annotation) else None
        for _ in _placements(label, renderer):
            box = label.get_window_extent(renderer)
            inside = label.axes.bbox.contains(box.x0, box.y0) and label.axes.bbox.contains(box.x1, box.y1)
            if inside and not any(box.overlaps(other) for other in shown):
                shown.append(box)
                break
        else:
            label.set_fontsize(size)
            if isinstance(label, Annotation) and where is not None:
                label.xyann = where
            label.set_visible(False)


#: The sizes a label that gives way is tried at, as a share of its own, before it is hidden.
_SMALLER = (1.0, 0.85, 0.7, 0.6)


def _placements(label: Text, renderer) -> Iterator[None]:
    """Place ``label`` at each size of :data:`_SMALLER` and, a map's name (an annotation), on its point, then a
    line above, below, half its width right and left: the caller keeps the first place where it covers nothing."""
    size, axes = float(label.get_fontsize()), label.axes
    assert axes is not None  # a label that gives way is in its map's axes
    to_display, to_data = axes.transData, axes.transData.inverted()
    origin = label.xyann if isinstance(label, Annotation) else None  # its point, before any move
    for scale in _SMALLER:
        label.set_fontsize(size * scale)
        if not isinstance(label, Annotation) or origin is None:
            yield
            continue
        x, y = to_display.transform(origin)
        box = label.get_window_extent(renderer)
        width, height = box.width / 2, box.height
        for dx, dy in ((0, 0), (0, height), (0, -height), (width, 0), (-width, 0)):
            label.xyann = tuple(to_data.transform((x + dx, y + dy)))
            yield


def _rewrapped(label: str, width: int) -> str:
    """``label`` (its line breaks undone) in lines of at most ``width`` characters, between words."""
    return textwrap.fill(label.replace("\n", " "), width, break_long_words=False)


def _collide(labels: list[Text], renderer) -> bool:
    """Whether two neighbouring tick labels overlap (those drawn: inside the axis' view)."""
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()]
    return any(a.x1 > b.x0 + 1 for a, b in zip(boxes, boxes[1:], strict=False))
