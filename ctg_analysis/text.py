"""The plain form of a French text, the one way the toolkit folds accents and case.

Sheet names and headers are recognised, thématiques and indicators matched, names sorted and file names
made from it: « Écouen » and « ECOUEN » are both ``ecouen``, « Cœuvres » is ``coeuvres``.
"""

from __future__ import annotations

import unicodedata

__all__ = ["plain"]

#: Letters that Unicode does not decompose but a French reader reads as two.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})


def plain(text: str) -> str:
    """Lower-case text without accents or ligatures, its ends stripped.

    Examples
    --------
    >>> plain("  Écouen ")
    'ecouen'
    >>> plain("Cœuvres-et-Valsery")
    'coeuvres-et-valsery'
    """
    decomposed = unicodedata.normalize("NFKD", str(text).translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
