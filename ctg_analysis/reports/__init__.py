"""Reports: papermill runs the diagnostic template for one or every territory (``ctg report``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["render_reports"]


def __getattr__(name: str):
    # Imported on first use: a report worker imports its modules of this package without the batch's.
    if name == "render_reports":
        from ctg_analysis.reports.batch import render_reports

        return render_reports
    raise AttributeError(f"module 'ctg_analysis.reports' has no attribute {name!r}")


if TYPE_CHECKING:
    from ctg_analysis.reports.batch import render_reports
