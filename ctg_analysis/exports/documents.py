"""A territory's documents for partner meetings, written together: the charts (PNG, SVG), the baseline
workbook, the deck and the interactive page. The ``ctg export`` command and the report template both write
them here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ctg_analysis.charts import export_charts
from ctg_analysis.config import DEFAULT_COLOUR
from ctg_analysis.errors import CtgError
from ctg_analysis.exports.deck import write_deck
from ctg_analysis.exports.interactive import PAGE, territory_data, write_library, write_page
from ctg_analysis.exports.workbook import write_workbook
from ctg_analysis.formatting import agreed

__all__ = ["DOCUMENT_FORMATS", "check_formats", "write_documents"]

#: The formats of a territory's documents (``html``: the interactive page, :mod:`~ctg_analysis.exports.interactive`).
DOCUMENT_FORMATS = ("png", "svg", "pptx", "xlsx", "html")


def check_formats(formats: str | list[str] | tuple[str, ...], allowed: tuple[str, ...] = DOCUMENT_FORMATS) -> list[str]:
    """The formats asked for (a comma-separated text or a list), or a French error naming the unknown ones.

    Examples
    --------
    >>> check_formats("PNG, xlsx")
    ['png', 'xlsx']
    >>> check_formats("png,odt")
    Traceback (most recent call last):
    ...
    ctg_analysis.errors.CtgError: format inconnu : 'odt' (attendu png, svg, pptx, xlsx, html)
    """
    given = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = [f.strip().lower() for f in given if f.strip()]
    unknown = [f for f in wanted if f not in allowed]
    if unknown or (isinstance(formats, str) and not wanted):
        said = agreed(len(unknown), "format inconnu", "formats inconnus")
        raise CtgError(f"{said} : {', '.join(unknown) or formats!r} (attendu {', '.join(allowed)})")
    return wanted


def write_documents(
    table: pd.DataFrame,
    territory: str,
    folder: str | Path,
    formats: list[str] | tuple[str, ...] = DOCUMENT_FORMATS,
    *,
    cog_year: int | None = None,
    byline: str = "",
    size: str = "slide",
    template: str | Path | None = None,
    drawn: dict | None = None,
    outlines=None,
    colour: str = DEFAULT_COLOUR,
    logo: str | Path | None = None,
) -> list[Path]:
    """Write a territory's documents into ``folder``: ``graphiques/<theme>/<chart>.png|svg``,
    ``diagnostic.xlsx``, ``diagnostic.pptx`` (the deck shows the PNG charts, drawn for it if need be) and
    ``interactif.html`` (its map library written once beside the folder, :func:`~.interactive.write_library`).
    ``drawn``: figures already drawn, by chart name; ``outlines``: the data folder's outlines, for the maps
    (``graphiques/cartes/``; see :func:`~ctg_analysis.charts.export_charts`); ``byline``: the CAF and the
    author, under the deck's title (:func:`~ctg_analysis.config.byline`); ``colour`` and ``logo``: the deck's
    house style (``ctg.toml``).

    Examples
    --------
    >>> written = write_documents(table, "ezanville", tmp / "ezanville", ["png", "pptx"])
    >>> [path.relative_to(tmp).as_posix() for path in written][-2:]
    ['ezanville/graphiques/logement/part_allocataires_aide_logement.png', 'ezanville/diagnostic.pptx']
    """
    wanted = check_formats(formats)
    folder = Path(folder)
    images = tuple(f for f in ("png", "svg") if f in wanted or (f == "png" and "pptx" in wanted))
    charts = (
        export_charts(
            table, territory, folder / "graphiques", formats=images, size=size, drawn=drawn, outlines=outlines
        )
        if images
        else []
    )
    written = [path for chart in charts for path in chart.files]
    if "xlsx" in wanted:
        written.append(write_workbook(table, territory, folder / "diagnostic.xlsx", cog_year=cog_year))
    if "pptx" in wanted:
        deck = write_deck(
            table,
            territory,
            charts,
            folder / "diagnostic.pptx",
            template=template,
            byline=byline,
            colour=colour,
            logo=logo,
        )
        written.append(deck)
    if "html" in wanted:
        library = write_library(folder.parent)
        data = territory_data(table, territory, outlines)
        written.append(write_page(folder / PAGE, data, f"../{library.name}"))
    return written
