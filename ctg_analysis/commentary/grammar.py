"""The bits of French grammar generated sentences need: "de" with elision and contraction, agreement in
gender and number, singular or plural after a number, and place names with their article.

>>> de("Ézanville"), de("Le Mesnil-Aubry"), de("la région"), de("l'EPCI"), de("les familles")
("d'Ézanville", 'du Mesnil-Aubry', 'de la région', "de l'EPCI", 'des familles')
"""

from __future__ import annotations

import unicodedata

__all__ = ["ARTICLES", "agree", "capitalise", "de", "is_plural", "with_article"]

#: INSEE's "type de nom en clair" (TNCC) → the article of a name (COG files, ``tncc`` column).
ARTICLES = {"0": "", "1": "", "2": "le ", "3": "la ", "4": "les ", "5": "l'", "6": "aux ", "7": "las ", "8": "los "}

# Adjectives and pronouns by (gender, plural); gender "m" or "f".
_FORMS = {
    "supérieur": {
        ("m", False): "supérieur",
        ("f", False): "supérieure",
        ("m", True): "supérieurs",
        ("f", True): "supérieures",
    },
    "inférieur": {
        ("m", False): "inférieur",
        ("f", False): "inférieure",
        ("m", True): "inférieurs",
        ("f", True): "inférieures",
    },
    "comparable": {
        ("m", False): "comparable",
        ("f", False): "comparable",
        ("m", True): "comparables",
        ("f", True): "comparables",
    },
    "celui": {("m", False): "celui", ("f", False): "celle", ("m", True): "ceux", ("f", True): "celles"},
    "aucun": {("m", False): "aucun", ("f", False): "aucune", ("m", True): "aucun", ("f", True): "aucune"},
}
_CONTRACTED = {"le ": "du ", "les ": "des ", "aux ": "des "}


def _starts_with_vowel(word: str) -> bool:
    # "h" is left out: mute in "d'Herblay" but aspirated in "de Houilles"; "de" is the safer default.
    base = unicodedata.normalize("NFD", word[:1])[:1].lower()
    return base in "aeiouy" and base != ""


def de(phrase: str) -> str:
    """``de`` before a noun phrase or a name, with elision (``d'Écouen``) and contraction (``du``, ``des``).

    An article at the start of the phrase is contracted whatever its case: ``Le Mesnil-Aubry`` gives
    ``du Mesnil-Aubry``, ``les familles`` gives ``des familles``; ``la`` and ``l'`` are kept (``de la``,
    ``de l'``).
    """
    lowered = phrase.lower()
    for article, contracted in _CONTRACTED.items():
        if lowered.startswith(article):
            return contracted + phrase[len(article) :]
    # « la » and « l' » start with a consonant: « de » before them, kept (« de la », « de l' »).
    return ("d'" if _starts_with_vowel(phrase) else "de ") + phrase


def with_article(name: str, tncc: str | int | None) -> str:
    """A name with the article INSEE's TNCC gives it: ``with_article("Val-d'Oise", 2)`` → ``le Val-d'Oise``."""
    return ARTICLES.get(str(tncc), "") + name


def agree(word: str, gender: str, plural: bool = False) -> str:
    """An adjective or pronoun agreed with its noun: ``agree("supérieur", "f")`` → ``supérieure``."""
    return _FORMS[word][(gender, plural)]


def is_plural(displayed: float) -> bool:
    """French number agreement: plural from 2 on (``1,5 enfant``, ``2 enfants``); pass the value as shown."""
    return abs(displayed) >= 2


def capitalise(text: str) -> str:
    """The first letter in upper case, the rest untouched (``l'évolution`` → ``L'évolution``)."""
    return text[:1].upper() + text[1:]
