"""Exports: the indicator tables as files (CSV, Excel, parquet), the baseline workbook and the deck."""

from ctg_analysis.exports.deck import write_deck
from ctg_analysis.exports.tables import TABLE_FORMATS, write_table
from ctg_analysis.exports.workbook import write_workbook

__all__ = ["TABLE_FORMATS", "write_deck", "write_table", "write_workbook"]
