"""Geography: the commune reference of a COG year and conversions between COG years."""

from ctg_analysis.geography.conversion import commune_passage, convert_cog, convert_table
from ctg_analysis.geography.reference import commune_reference

__all__ = ["commune_passage", "commune_reference", "convert_cog", "convert_table"]
