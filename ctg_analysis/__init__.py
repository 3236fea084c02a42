"""ctg-analysis: the *diagnostic partagé* of a Convention Territoriale Globale, from the official files.

The package follows the data flow: ``sources`` (published files → canonical tables, each dataset
declared once in ``sources.datasets``) → ``geography`` (commune reference, COG conversion) and
``territories`` (groupings of communes) → ``indicators`` → ``diagnostic`` (a data folder, its
territories and figures, loaded once) → ``charts`` and ``exports`` → ``reports`` and ``actions``
(fiches actions, yearly follow-up) → ``cli``. ``levels`` and ``themes`` are declared once each.

Examples
--------
>>> import ctg_analysis as ctg
>>> diagnostic = ctg.Diagnostic.open()  # the project's data and territories  # doctest: +SKIP
>>> table = diagnostic.table()  # doctest: +SKIP
>>> ctg.wide_view(table, "ezanville", theme="petite enfance")  # doctest: +SKIP
>>> ctg.diagnostic_text(table, "ezanville", theme="parentalité")  # doctest: +SKIP
>>> ctg.build_fiches(table, "ezanville", ctg.load_plan("data/plan-actions.yaml"))  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from ctg_analysis.actions.fiches import build_fiches
from ctg_analysis.actions.plan import load_plan
from ctg_analysis.actions.sentences import diagnostic_text, load_phrases
from ctg_analysis.config import current_project
from ctg_analysis.diagnostic import Diagnostic
from ctg_analysis.errors import CtgError
from ctg_analysis.geography import commune_reference, convert_table
from ctg_analysis.indicators import catalogue, compute_indicators, indicators_of_theme, prepare
from ctg_analysis.indicators.comparisons import compare, position
from ctg_analysis.indicators.display import communes_view, comparison_view, key_figures, side_by_side, wide_view
from ctg_analysis.sources import DataFolder, SourceTable, read_file, scan_folder
from ctg_analysis.territories import Territories, load_territories

try:
    __version__ = version("ctg-analysis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "CtgError",
    "DataFolder",
    "Diagnostic",
    "SourceTable",
    "Territories",
    "build_fiches",
    "catalogue",
    "commune_reference",
    "communes_view",
    "compare",
    "comparison_view",
    "compute_indicators",
    "convert_table",
    "current_project",
    "diagnostic_text",
    "indicators_of_theme",
    "key_figures",
    "load_phrases",
    "load_plan",
    "load_territories",
    "position",
    "prepare",
    "read_file",
    "scan_folder",
    "side_by_side",
    "wide_view",
]
