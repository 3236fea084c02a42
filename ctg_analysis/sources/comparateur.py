"""INSEE's *Comparateur de territoires* base (``base_cc_comparateur``): one row per commune holding, side by
side, columns of several datasets — census populations, employment, households and housing of one
vintage (``P18_POP``, ``P18_ACT1564``…), births over the inter-census period (``NAIS1318``) and of one year
(``NAISD20``), and Filosofi (``MED19``, ``TP6019``…).

The base is read as the datasets it combines: its columns are split by dataset and each part is read by
that dataset's own reader, so that ``P18_POP`` becomes the census ``P_POP`` of 2018 and ``NAISD20`` the
births of 2020, exactly as from the dataset's own file. Its establishment counts (``ET*``) and area
(``SUPERF``) feed no indicator and are not read. It has no age band, no women's activity and no
households of the complementary exploitation (``C18_MEN``): the indicators that need them stay missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from ctg_analysis.sources import births, census, filosofi
from ctg_analysis.sources._io import RawSheet
from ctg_analysis.sources._layout import Parsed, any_column, has_columns

__all__ = ["FEEDS", "matches", "read"]

#: The datasets the base feeds: the columns of each (a regular expression) and the reader of its own file.
_PARTS: tuple[tuple[str, str, Callable[[RawSheet, str], list[Parsed]]], ...] = (
    ("census_population", r"P\d\d_POP", census.read),
    ("census_employment", r"P\d\d_(POP1564|ACT1564|CHOM1564|EMPLT|EMPLT_SAL)", census.read),
    ("census_families", r"P\d\d_MEN", census.read),
    ("census_housing", r"P\d\d_(LOG|RP|RSECOCC|LOGVAC|RP_PROP)", census.read),
    ("census_history", r"P\d\d_POP|(NAIS|DECE)\d{4}", census.read),
    ("births", r"(NAISD|DECESD)\d\d", births.read),
    ("filosofi", r"(NBMENFISC|PIMP|MED|TP60)\d\d", filosofi.read),
)
#: The datasets a comparateur base feeds (it is read instead of any of them that would claim it).
FEEDS = tuple(dataset for dataset, _, _ in _PARTS)


def matches(sheet: RawSheet) -> bool:
    """Whether a sheet is a comparateur base: commune codes with census populations, yearly births and
    Filosofi medians in one table.

    Examples
    --------
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> columns = ["CODGEO", "P18_POP", "P13_POP", "NAIS1318", "NAISD20", "MED19", "TP6019"]
    >>> matches(RawSheet(Path("base_cc_comparateur.CSV"), None, pd.DataFrame(columns=columns)))
    True
    """
    return (
        has_columns(sheet, ["CODGEO"])
        and any_column(sheet, r"P\d\d_POP")
        and any_column(sheet, r"NAISD\d\d")
        and any_column(sheet, r"MED\d\d")
    )


def read(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The base as the tables of the datasets it feeds, each read by its own dataset's reader (their
    ``dataset`` says which); every table names the comparateur as its source."""
    parsed: list[Parsed] = []
    for fed, pattern, reader in _PARTS:
        columns = [c for c in sheet.columns if re.fullmatch(pattern, c)]
        if not columns:
            continue
        part = replace(sheet, frame=sheet.frame[["CODGEO", *columns]])
        parsed += [
            replace(p, dataset=fed, source=f"{p.source} (comparateur de territoires)") for p in reader(part, dataset)
        ]
    return parsed
