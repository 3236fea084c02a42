"""The geographic levels, declared once: their order, French names, chart colours and codes in the long table.

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
>>> TABLE_LEVELS.index("departement"), REFERENCE_LEVELS
(3, ('epci', 'departement', 'region', 'france'))
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CHART_LEVELS",
    "LADDER",
    "LEVELS",
    "LEVEL_CODES",
    "LEVEL_COLOURS",
    "LEVEL_NAMES",
    "LEVEL_NAMES_IN_TEXT",
    "REFERENCE_LEVELS",
    "SOURCE_LEVELS",
    "TABLE_LEVELS",
    "Level",
]


@dataclass(frozen=True)
class Level:
    """A geographic level: its id, its French name (as a table column or a chart tag reads it), the
    colour of its bars and lines, and its code in the long table of indicators (``None``: a level of the
    source files only)."""

    id: str
    name: str
    colour: str
    code: int | None


#: Every level, the territory first, then from the smallest to France.
LEVELS = (
    Level("territoire", "Territoire", "#08306B", 1),
    Level("iris", "IRIS", "#C6DBEF", None),
    Level("commune", "Commune", "#6BAED6", 0),
    Level("epci", "EPCI", "#D95F02", 2),
    Level("departement", "Département", "#525252", 3),
    Level("region", "Région", "#969696", 4),
    Level("france", "France", "#D9D9D9", 5),
)
LEVEL_NAMES = {level.id: level.name for level in LEVELS}
#: The names inside a sentence or a label: « (département) », but « (EPCI) », an acronym, and « France », a name.
LEVEL_NAMES_IN_TEXT = {
    level.id: level.name if level.name.isupper() or level.id == "france" else level.name.lower() for level in LEVELS
}
LEVEL_COLOURS = {level.id: level.colour for level in LEVELS}
LEVEL_CODES = {level.id: level.code for level in LEVELS if level.code is not None}
#: The levels official files publish at, the smallest first.
SOURCE_LEVELS = tuple(level.id for level in LEVELS if level.id != "territoire")
#: The territory and the levels above it it is compared with, in the order of the comparison tables.
LADDER = tuple(level.id for level in LEVELS if level.id not in ("iris", "commune"))
#: The levels a territory's figures are set beside in the reports (by default all; ``ctg.toml`` may choose).
REFERENCE_LEVELS = LADDER[1:]
#: The levels of the long table of indicators, each at the position of its code (the table's sort order).
TABLE_LEVELS = tuple(sorted((lv.id for lv in LEVELS if lv.code is not None), key=lambda id: LEVEL_CODES[id]))
#: The levels a chart draws, in the order of :data:`LEVELS`: the territory, its communes, then upward.
CHART_LEVELS = tuple(level.id for level in LEVELS if level.code is not None)
