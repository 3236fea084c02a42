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
>>> ctg.diagnostic_text(table, "ezanville", thematique="parentalité")  # doctest: +SKIP
>>> ctg.build_fiches(table, "ezanville", ctg.load_plan("data/plan-actions.yaml"))  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ctg-analysis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

#: The public names, by the module that defines them. They are imported on first use: a report worker or
#: ``ctg --help`` needs neither pandas nor matplotlib, a second of start-up each.
_PUBLIC = {
    "ctg_analysis.actions.fiches": ("build_fiches",),
    "ctg_analysis.actions.plan": ("load_plan",),
    "ctg_analysis.commentary.sentences": ("diagnostic_text", "load_phrases"),
    "ctg_analysis.config": ("current_project",),
    "ctg_analysis.diagnostic": ("Diagnostic",),
    "ctg_analysis.errors": ("CtgError",),
    "ctg_analysis.geography": ("commune_reference", "convert_table"),
    "ctg_analysis.indicators": ("catalogue", "compute_indicators", "indicators_of_theme", "prepare"),
    "ctg_analysis.indicators.comparisons": ("compare", "position"),
    "ctg_analysis.indicators.display": ("communes_view", "comparison_view", "key_figures", "side_by_side", "wide_view"),
    "ctg_analysis.sources": ("DataFolder", "SourceTable", "read_file", "scan_folder"),
    "ctg_analysis.territories": ("Territories", "load_territories"),
}
_MODULE_OF = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'ctg_analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name]), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
