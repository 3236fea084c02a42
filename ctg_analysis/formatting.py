"""French number formats for everything a user reads: ``12 345,6``, ``25,7 %``, ``+25,7 %``, ``12,3 ‰``.

Numbers are formatted through babel's ``fr_FR`` locale (narrow no-break space U+202F as thousands
separator, decimal comma); a missing value prints as an en dash.
"""

from __future__ import annotations

import datetime
import math
from functools import lru_cache

import babel.dates
from babel.numbers import format_decimal

__all__ = [
    "MISSING",
    "agreed",
    "counted",
    "format_count",
    "format_date",
    "format_number",
    "format_size",
    "format_value",
    "joined",
    "or_missing",
]

MISSING = "–"
_LOCALE = "fr_FR"
_SPACE_BEFORE = {"%", "‰", "€", "% par an"}


def format_number(value: float | None, decimals: int = 0, *, sign: bool = False) -> str:
    """A number in French notation.

    Parameters
    ----------
    value
        The number (NaN or None print as an en dash).
    decimals
        Decimals shown (the value is rounded for display only).
    sign
        Show ``+`` before positive numbers (evolutions).

    Examples
    --------
    >>> format_number(12345.6, 1)
    '12\u202f345,6'
    >>> format_number(25.7, 1, sign=True)
    '+25,7'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    rounded = round(float(value), decimals)
    return _formatted(rounded or 0.0, decimals, sign)  # 0.0, not -0.0: no "-0,0"


@lru_cache(maxsize=4096)
def _formatted(rounded: float, decimals: int, sign: bool) -> str:
    # babel takes a tenth of a millisecond a number; a chart's axes format the same ticks at every measure.
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if sign:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(rounded, format=pattern, locale=_LOCALE)


def format_value(value: float | None, unit: str, decimals: int = 1, *, sign: bool = False) -> str:
    """A number with its unit, in French (``25,7 %``, ``+3,1 %``, ``12 345``, ``21 930 €``).

    Examples
    --------
    >>> format_value(25.66, "%", 1, sign=True)
    '+25,7\u00a0%'
    >>> format_value(1234, "nombre", 0)
    '1\u202f234'
    """
    text = format_number(value, decimals, sign=sign)
    if text == MISSING or unit == "nombre":
        return text
    return f"{text}\u00a0{unit}" if unit in _SPACE_BEFORE else f"{text} {unit}"


class FrenchText(str):
    """A French sentence that JupyterLab shows as text: real spaces, no quotes, not a ``repr`` full of
    ``\\xa0`` and ``\\u202f``. It is a ``str`` in every other respect.

    Examples
    --------
    >>> text = FrenchText(format_value(25.7, "%", 1))
    >>> text == "25,7\\u00a0%", isinstance(text, str)
    (True, True)
    """

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def format_date(day: datetime.date) -> str:
    """A date in French words.

    >>> format_date(datetime.date(2026, 11, 26)), format_date(datetime.date(2025, 3, 1))
    ('26 novembre 2026', '1er mars 2025')
    """
    said = babel.dates.format_date(day, format="long", locale=_LOCALE)
    return f"1er{said[1:]}" if day.day == 1 else said  # « le 1er mars », as French writes the first of a month


def format_size(size: int) -> str:
    """A file's size in French units (decimal, as publishers announce them).

    Examples
    --------
    >>> format_size(3_794_244), format_size(13_591), format_size(512)
    ('3,8 Mo', '13,6 ko', '512 octets')
    """
    for unit, scale in (("Go", 1e9), ("Mo", 1e6), ("ko", 1e3)):
        if size >= scale:
            return f"{format_number(size / scale, 1)} {unit}"
    return f"{format_number(size)} octets"


def format_count(value: float) -> str:
    """A count as a whole number, a weighted count (census, conversions) with one decimal.

    Examples
    --------
    >>> format_count(1214.0), format_count(3911.01124)
    ('1\u202f214', '3\u202f911,0')
    """
    return format_number(value, 0 if float(value).is_integer() else 1)


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """A number with what it counts, agreed (French: 0 and 1 take the singular), never « fichier(s) ».

    Examples
    --------
    >>> counted(1, "fichier non utilisé", "fichiers non utilisés"), counted(1250, "territoire")
    ('1 fichier non utilisé', '1\u202f250 territoires')
    """
    return f"{format_number(number)} {agreed(number, singular, plural)}"


def agreed(number: int, singular: str, plural: str | None = None) -> str:
    """Words agreed with a number not written (« colonnes manquantes : A, B »), never « colonne(s) ».

    Examples
    --------
    >>> agreed(1, "format inconnu", "formats inconnus"), agreed(2, "variable absente")
    ('format inconnu', 'variables absentes')
    """
    if number < 2:
        return singular
    return plural or " ".join(f"{word}s" for word in singular.split())


def joined(words: list[str]) -> str:
    """Words as a French list: « a », « a et b », « a, b et c ».

    Examples
    --------
    >>> joined(["l'Oise"]), joined(["l'Oise", "le Val-d'Oise", "la Somme"])
    ("l'Oise", "l'Oise, le Val-d'Oise et la Somme")
    """
    return words[0] if len(words) < 2 else ", ".join(words[:-1]) + " et " + words[-1]


def or_missing(value: object) -> str:
    """A text cell as its reader sees it: the value, or an en dash where there is none (``None``, NaN, empty),
    never « nan ».

    Examples
    --------
    >>> or_missing(float("nan")), or_missing("2019"), or_missing(None), or_missing(2019)
    ('–', '2019', '–', '2019')
    """
    text = "" if value is None else str(value)
    return MISSING if text in ("", "nan", "NaN", "<NA>", "NaT", "None") else text
