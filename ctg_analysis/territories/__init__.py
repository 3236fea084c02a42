"""Territories: the groupings of communes a CTG covers, declared in ``data/territories.yaml``."""

from ctg_analysis.territories.definitions import Territories, Territory, load_territories, territory_entries

__all__ = ["Territories", "Territory", "load_territories", "territory_entries"]
