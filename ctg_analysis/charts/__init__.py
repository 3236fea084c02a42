"""Charts: slide-ready figures of the long indicator table, in the house style, and their export."""

from ctg_analysis.charts.export import chart_plan, export_charts, save_figure
from ctg_analysis.charts.figures import (
    age_structure,
    births_chart,
    communes_small_multiples,
    comparison_bars,
    evolution_chart,
    family_composition,
    key_figures_card,
)

__all__ = [
    "age_structure",
    "births_chart",
    "chart_plan",
    "communes_small_multiples",
    "comparison_bars",
    "evolution_chart",
    "export_charts",
    "family_composition",
    "key_figures_card",
    "save_figure",
]
