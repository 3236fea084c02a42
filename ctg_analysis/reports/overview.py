"""The département overviews (``ctg report --overview 95``): every commune and every EPCI of a département on one
interactive map and one sortable table, the indicator switchable — what an analyst looks at to choose and explain
a CTG's perimeter. Written in the reports folder beside the territories' folders, linked from the index."""

from __future__ import annotations

from pathlib import Path

from ctg_analysis import config
from ctg_analysis.diagnostic import Diagnostic
from ctg_analysis.exports.interactive import overview_data, overview_name, write_library, write_page
from ctg_analysis.reports.index import refresh_index, write_index

__all__ = ["write_overviews"]


def write_overviews(
    departements: list[str] | tuple[str, ...],
    *,
    data_dir: str | Path | None = None,
    territories_file: str | Path | None = None,
    reports_dir: str | Path | None = None,
    skip_bad_files: bool = False,
) -> list[Path]:
    """Write the overview page of each département (its code: ``95``, ``2A``, ``971``) into the reports folder,
    and list them in its index.

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> [page.name for page in write_overviews(["95"], data_dir=DEMO_DIR, reports_dir=tmp)]
    ['apercu-95.html']
    >>> 'href="apercu-95.html"' in (tmp / "index.html").read_text(encoding="utf-8")
    True
    """
    diagnostic = Diagnostic.open(data_dir, territories_file, skip_bad_files=skip_bad_files)
    reports = config.reports_folder(reports_dir)
    reports.mkdir(parents=True, exist_ok=True)
    library = write_library(reports)
    pages = [
        write_page(
            reports / overview_name(code.strip().upper()),
            overview_data(diagnostic.departement_table(code.strip().upper()), diagnostic.outlines),
            library.name,
        )
        for code in departements
    ]
    if refresh_index(reports) is None:  # no report yet: an index of the overviews alone
        write_index(reports, [], demo=diagnostic.demo)
    return pages
