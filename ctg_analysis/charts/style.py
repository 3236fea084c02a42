"""The house style of ctg-analysis figures: French number formats, titles, footnotes and hatches (the
levels' colours are declared with the levels, :mod:`ctg_analysis.levels`).

Communes are hatched besides their colour. Fragile values (small numbers, partial, not comparable) are
cross-hatched, marked with an asterisk and explained in the footnote.
"""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from functools import wraps
from importlib import resources

import matplotlib.style
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ctg_analysis.formatting import format_number

__all__ = [
    "styled",
    "FRAGILE_HATCH",
    "LEVEL_HATCHES",
    "SLIDE",
    "HALF_SLIDE",
    "french_axis",
    "house_style",
    "show_as_svg",
    "titled_figure",
]

LEVEL_HATCHES = {"commune": "//"}
FRAGILE_HATCH = "xx"
#: Figure sizes in inches: a full 16:9 slide and a half slide (side by side with text).
SLIDE = (13.333, 7.5)
HALF_SLIDE = (6.667, 7.5)


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
            return function(*args, **kwargs)

    return wrapper


def french_axis(axis, decimals: int = 0, suffix: str = "") -> None:
    """French tick labels (``12 345``, ``25,7``) on a matplotlib axis (``ax.xaxis`` or ``ax.yaxis``), at
    round steps that the shown decimals can print exactly."""
    axis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 5, 10], integer=decimals == 0))
    axis.set_major_formatter(FuncFormatter(lambda value, _: format_number(value, decimals) + suffix))


class ChartFigure(Figure):
    """A chart's figure. Not registered with pyplot, it shows once in JupyterLab, as the value a chart
    function returns (at screen resolution, its own 16:9 size), and needs no closing."""

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
        buffer = io.StringIO()
        with house_style():
            self.savefig(buffer, format="svg", metadata={"Date": None})
        # The root's size in points would overflow a page narrower than 13.3 inches: its viewBox keeps the ratio.
        return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', buffer.getvalue(), count=1)


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
    title: str, subtitle: str, footnote: str, *, size: tuple[float, float] = SLIDE, **subplots
) -> tuple[Figure, object]:
    """A figure with its French title, subtitle and footnote (source, vintage, demo); call it inside
    :func:`house_style` (chart functions are decorated with :func:`styled`).

    Returns the figure (a :class:`ChartFigure`) and its axes, as ``plt.subplots`` does.
    """
    figure = ChartFigure(figsize=size)
    axes = figure.subplots(**subplots)
    figure.subplots_adjust(left=0.08, right=0.97, top=0.84, bottom=0.16)
    figure.text(0.01, 0.965, title, fontsize=24, fontweight="bold", va="top", ha="left")
    figure.text(0.01, 0.905, subtitle, fontsize=16, color="#444444", va="top", ha="left")
    figure.text(0.01, 0.015, footnote, fontsize=11, color="#555555", va="bottom", ha="left", wrap=True)
    return figure, axes
