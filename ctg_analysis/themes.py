"""The themes of a CTG diagnostic, declared once: their order, ids, French titles and file names.

An indicator of the catalogue belongs to one theme (``theme: petite enfance``); the report has one
section per theme, the workbook one sheet, the chart exports one folder, the deck one section, in this
order.

Examples
--------
>>> [theme.id for theme in THEMES][:2]
['démographie', 'petite enfance']
>>> get_theme("accès aux droits-précarité").folder
'acces-aux-droits-precarite'
"""

from __future__ import annotations

from dataclasses import dataclass

from ctg_analysis.errors import CtgError, did_you_mean
from ctg_analysis.files import slugify

__all__ = ["MAPS_FOLDER", "SYNTHESIS_FOLDER", "THEMES", "THEME_IDS", "Theme", "get_theme"]


@dataclass(frozen=True)
class Theme:
    """A theme: its id (as the catalogue writes it), the title of its report section and deck slides,
    and the name of its workbook sheet (20 characters at most: its data sheet adds « (données) » within
    Excel's 31)."""

    id: str
    title: str
    sheet: str

    @property
    def data_sheet(self) -> str:
        """The name of the workbook sheet of its values in long form."""
        return f"{self.sheet} (données)"

    @property
    def folder(self) -> str:
        """The folder of its chart exports (the id without accents or spaces)."""
        return slugify(self.id)


#: The themes, in the order of the report, the workbook and the deck.
THEMES = (
    Theme("démographie", "Contexte démographique", "Démographie"),
    Theme("petite enfance", "Petite enfance", "Petite enfance"),
    Theme("enfance-jeunesse", "Enfance et jeunesse", "Enfance-jeunesse"),
    Theme("parentalité-familles", "Parentalité et familles", "Parentalité-familles"),
    Theme("accès aux droits-précarité", "Accès aux droits et précarité", "Accès aux droits"),
    Theme("logement", "Logement", "Logement"),
    Theme("handicap", "Handicap", "Handicap"),
)
THEME_IDS = tuple(theme.id for theme in THEMES)
#: The folder of the charts that sum up every theme (the key figures).
SYNTHESIS_FOLDER = "synthese"
#: The folder of the maps, whatever their theme.
MAPS_FOLDER = "cartes"


def get_theme(theme: str) -> Theme:
    """The theme of an id, or a French error with a suggestion.

    Examples
    --------
    >>> get_theme("logement").title
    'Logement'
    """
    for candidate in THEMES:
        if candidate.id == theme:
            return candidate
    raise CtgError(f"thème {theme!r} inconnu{did_you_mean(theme, THEME_IDS)}")
