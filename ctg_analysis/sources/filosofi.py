"""INSEE Filosofi: disposable income per consumption unit (``FILOYYYY_DISP_COM/EPCI/DEP/REG/METROPOLE``
and the IRIS base ``BASE_TD_FILO_DISP_IRIS_YYYY``).

Medians, deciles and rates are **not additive**: they are read at every published level and never
rebuilt by summing communes. Secret cells (blank) stay missing.
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from ctg_analysis.codes import COMMUNE_WIDTH, FRANCE_METRO, IRIS_WIDTH, REGION_CODES, fold_arrondissements
from ctg_analysis.errors import SourceFileError
from ctg_analysis.sources._io import RawSheet
from ctg_analysis.sources._layout import (
    Parsed,
    any_column,
    check_unique,
    codes,
    column,
    full_year,
    has_columns,
    numbers,
)
from ctg_analysis.text import plain

__all__ = ["matches", "read"]

_SUFFIXED = re.compile(r"^(?:DISP_)?([A-Z][A-Z0-9_]*?)(\d{2})$")
_FILE_LEVEL = {"COM": "commune", "EPCI": "epci", "DEP": "departement", "REG": "region", "METROPOLE": "france"}
# The IRIS base names the median MED where the other levels say Q2.
_RENAMED = {"MED": "Q2"}


def matches(sheet: RawSheet) -> bool:
    # INSEE's workbooks carry one sheet per household breakdown; the whole population is ENSEMBLE.
    """Whether a sheet is a Filosofi disposable income base (medians, deciles, rates) of one published level,
    for the whole population (the ``ENSEMBLE`` sheet of a workbook)."""
    if sheet.sheet is not None and plain(sheet.sheet) != "ensemble":
        return False
    return any_column(sheet, r"(DISP_)?(Q2|MED)\d\d") and (
        has_columns(sheet, ["CODGEO"]) or has_columns(sheet, ["IRIS"])
    )


def _level(sheet: RawSheet, codes_: pd.Series) -> str:
    if has_columns(sheet, ["IRIS"]):
        return "iris"
    name = sheet.path.stem.upper()
    for suffix, level in _FILE_LEVEL.items():
        if name.endswith(f"_{suffix}") or f"_{suffix}_" in name:
            return level
    width = int(codes_.str.len().max())
    if width == COMMUNE_WIDTH:
        return "commune"
    if width == 9:
        return "epci"
    if len(codes_) == 1:
        return "france"
    # Départements and régions both have 2-character codes: a code no région ever had (95, 2A, 971) or more
    # codes than France has régions says départements.
    return "departement" if len(codes_) > 20 or not set(codes_).issubset(REGION_CODES) else "region"


def read(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The Filosofi values of one level as published (never summed: medians and rates are not additive),
    secret cells left missing."""
    key = "IRIS" if has_columns(sheet, ["IRIS"]) else "CODGEO"
    raw = column(sheet, key, dataset=dataset, meaning="code géographique").astype("string").str.strip()
    level = _level(sheet, raw)
    width = {"iris": IRIS_WIDTH, "commune": COMMUNE_WIDTH, "epci": 9}.get(level)
    if width:
        geo = codes(sheet, key, width=width, dataset=dataset, meaning="code géographique")
    elif level == "france":
        geo = pd.Series(FRANCE_METRO, index=raw.index, dtype="string")
    else:
        geo = raw
    suffixes = Counter(m.group(2) for c in sheet.columns if (m := _SUFFIXED.fullmatch(c)))
    if not suffixes:
        raise SourceFileError(sheet.where, "aucune colonne suffixée par l'année (attendu Q2AA ou MEDAA)")
    yy = suffixes.most_common(1)[0][0]
    vintage = full_year(yy)
    frame = pd.DataFrame({"geo": geo, "period": vintage})
    label_column = next((c for c in ("LIBGEO", "LIBIRIS") if c in sheet.columns), None)
    if label_column:
        frame["label"] = sheet.frame[label_column].astype("string")
    if level == "iris":
        frame["commune"] = codes(sheet, "COM", width=COMMUNE_WIDTH, dataset=dataset, meaning="code commune")
    values = {}
    for c in sheet.columns:
        m = _SUFFIXED.fullmatch(c)
        if m and m.group(2) == yy:
            values[_RENAMED.get(m.group(1), m.group(1))] = numbers(sheet, c, negative=True)  # shares of taxes < 0
        elif c in ("Q3_Q1", "RD"):
            values[c] = numbers(sheet, c, negative=True)
    frame = pd.concat([frame, pd.DataFrame(values)], axis=1)
    check_unique(frame, ["geo"], sheet.where)
    if level == "commune":
        frame = fold_arrondissements(frame, list(values), additive=False)
    return [Parsed(level, vintage, f"Insee, Filosofi {vintage}", frame)]
