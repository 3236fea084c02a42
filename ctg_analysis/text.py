"""The plain form of a French text, the one way the toolkit folds accents and case; and text shown as itself
in Markdown.

Sheet names and headers are recognised, thématiques and indicators matched, names sorted and file names
made from it: « Écouen » and « ECOUEN » are both ``ecouen``, « Cœuvres » is ``coeuvres``.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["in_sentence", "markdown_text", "plain"]

#: The marks of Markdown (CommonMark's ASCII punctuation that can start or end markup).
_MARKDOWN_MARKS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")

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


def in_sentence(text: str) -> str:
    """A label or a sentence set inside another one: its first letter in lower case.

    Examples
    --------
    >>> "Non disponible : " + in_sentence("Taux de natalité")
    'Non disponible : taux de natalité'
    """
    return text[:1].lower() + text[1:]


def markdown_text(text: object) -> str:
    """Text written by an analyst or read from a file, shown as itself in a Markdown cell: no tag, no link,
    no emphasis (its HTML escaped, each Markdown mark backslashed).

    Examples
    --------
    >>> print(markdown_text("<script>x</script> [lien](javascript:y) **gras**"))
    &lt;script&gt;x&lt;/script&gt; \\[lien\\]\\(javascript:y\\) \\*\\*gras\\*\\*
    """
    return _MARKDOWN_MARKS.sub(r"\\\1", html.escape(str(text), quote=False))
