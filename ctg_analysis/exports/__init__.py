"""Exports: the indicator tables written as files (CSV, Excel, parquet)."""

from ctg_analysis.exports.tables import TABLE_FORMATS, write_table

__all__ = ["TABLE_FORMATS", "write_table"]
