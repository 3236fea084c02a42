"""Indicators: the CTG catalogue, computed for territories at every level of the comparison ladder.

The modules follow the computation: ``catalogue`` (what an indicator is), ``harmonisation`` (the tables
brought to one geography), ``terms`` (each indicator's terms per commune), ``preparation`` (all of it,
once per data folder), ``membership`` and ``coverage`` (the territories' communes and what a complete
source would cover), ``aggregation`` (sums over communes), ``flags`` (values and quality flags) and
``long_table`` (the table every output reads); ``encoding`` holds the integer codes they share, and
``display`` and ``comparisons`` read the long table.
"""

from ctg_analysis.indicators.catalogue import catalogue, get_indicator, indicators_of_theme
from ctg_analysis.indicators.flags import FLAGS
from ctg_analysis.indicators.harmonisation import common_cog_year
from ctg_analysis.indicators.long_table import compute_indicators
from ctg_analysis.indicators.preparation import PreparedData, prepare

__all__ = [
    "FLAGS",
    "PreparedData",
    "catalogue",
    "common_cog_year",
    "compute_indicators",
    "get_indicator",
    "indicators_of_theme",
    "prepare",
]
