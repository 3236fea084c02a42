"""Exports: the indicator tables as files (CSV, Excel, parquet), the baseline workbook, the deck, and a
territory's documents written together."""

from ctg_analysis.exports.deck import write_deck
from ctg_analysis.exports.documents import DOCUMENT_FORMATS, write_documents
from ctg_analysis.exports.tables import TABLE_FORMATS, write_table
from ctg_analysis.exports.workbook import write_workbook

__all__ = ["DOCUMENT_FORMATS", "TABLE_FORMATS", "write_deck", "write_documents", "write_table", "write_workbook"]
