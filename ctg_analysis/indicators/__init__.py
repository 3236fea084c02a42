"""Indicators: the CTG catalogue, computed for territories at every level of the comparison ladder."""

from ctg_analysis.indicators.catalogue import catalogue, get_indicator, indicators_of_theme
from ctg_analysis.indicators.compute import FLAGS, LEVELS, PreparedData, common_cog_year, compute_indicators, prepare

__all__ = [
    "FLAGS",
    "LEVELS",
    "PreparedData",
    "catalogue",
    "common_cog_year",
    "compute_indicators",
    "get_indicator",
    "indicators_of_theme",
    "prepare",
]
