"""The geographic levels, declared once: their order, French names and chart colours.

Official files publish at the *source* levels, from the IRIS to France; the long table of indicators
holds, for each territory, the territory itself (``territoire``), its communes and the levels it is
compared with.

The palette tells the territory from its comparison levels at a glance: the territory in a deep blue,
its communes in a light blue, the EPCI in orange, then département, région and France in greys of
decreasing darkness. The luminances differ (0.17, 0.64, 0.45, 0.32, 0.59, 0.85), so the levels stay
apart in greyscale and for colour-blind viewers.

Examples
--------
>>> LEVEL_NAMES["departement"]
'Département'
>>> [level for level in LADDER]
['territoire', 'epci', 'departement', 'region', 'france']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LADDER", "LEVELS", "LEVEL_COLOURS", "LEVEL_NAMES", "LEVEL_NAMES_IN_TEXT", "SOURCE_LEVELS", "Level"]


@dataclass(frozen=True)
class Level:
    """A geographic level: its id, its French name (as a table column or a chart tag reads it) and the
    colour of its bars and lines."""

    id: str
    name: str
    colour: str


#: Every level, the territory first, then from the smallest to France.
LEVELS = (
    Level("territoire", "Territoire", "#08306B"),
    Level("iris", "IRIS", "#C6DBEF"),
    Level("commune", "Commune", "#6BAED6"),
    Level("epci", "EPCI", "#D95F02"),
    Level("departement", "Département", "#525252"),
    Level("region", "Région", "#969696"),
    Level("france", "France", "#D9D9D9"),
)
LEVEL_NAMES = {level.id: level.name for level in LEVELS}
#: The names inside a sentence or a label: « (département) », but « (EPCI) », an acronym.
LEVEL_NAMES_IN_TEXT = {level.id: level.name if level.name.isupper() else level.name.lower() for level in LEVELS}
LEVEL_COLOURS = {level.id: level.colour for level in LEVELS}
#: The levels official files publish at, the smallest first.
SOURCE_LEVELS = tuple(level.id for level in LEVELS if level.id != "territoire")
#: The territory and the levels above it it is compared with, in the order of the comparison tables.
LADDER = tuple(level.id for level in LEVELS if level.id not in ("iris", "commune"))
