"""Reports: papermill runs the diagnostic template for one or every territory (``ctg report``)."""

from ctg_analysis.reports.batch import render_reports

__all__ = ["render_reports"]
