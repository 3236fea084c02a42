"""CNAF open data by IRIS or commune (``data_CAF_YYYY_IRIS.csv`` and the commune files of the same layout).

The layout changes from year to year (2016–2018 carry label and geography columns, 2019–2020 only
``CODGEO``); values may use a narrow no-break space as thousands separator (2016–2017); blank cells are
blurred or secret small values and stay missing. The year is only in the file name.
"""

from __future__ import annotations

import pandas as pd

from ctg_analysis.codes import COMMUNE_WIDTH, IRIS_WIDTH, fold_arrondissements
from ctg_analysis.errors import SourceFileError
from ctg_analysis.sources._io import RawSheet
from ctg_analysis.sources._layout import Parsed, check_unique, codes, has_columns, numbers, year_in_name

__all__ = ["matches", "read"]

_IDENTIFIERS = {"CODGEO", "LIBGEO", "DEPCOM", "LIBCOM", "EPCI", "UU", "REG", "DEP"}


def matches(sheet: RawSheet) -> bool:
    """Whether a sheet is a CNAF allocataires file by IRIS (``data_CAF_AAAA_IRIS.csv``: ``CODGEO``, ``A``,
    ``PERCOU``…)."""
    return has_columns(sheet, ["CODGEO", "A", "PERCOU"])


def read(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The CNAF counts by IRIS for the year its name gives (the file holds none), secret cells left missing."""
    vintage = year_in_name(sheet)
    if vintage is None:
        raise SourceFileError(
            sheet.where, "année introuvable : les fichiers CNAF portent l'année dans leur nom (data_CAF_AAAA_IRIS.csv)"
        )
    width = int(sheet.frame["CODGEO"].astype("string").str.strip().str.len().max())
    level = "iris" if width >= IRIS_WIDTH - 1 else "commune"
    geo = codes(
        sheet,
        "CODGEO",
        width=IRIS_WIDTH if level == "iris" else COMMUNE_WIDTH,
        dataset=dataset,
        meaning="code géographique",
    )
    frame = pd.DataFrame({"geo": geo, "period": vintage})
    if level == "iris":
        frame["commune"] = geo.str[:COMMUNE_WIDTH]
    if "LIBGEO" in sheet.columns:
        frame["label"] = sheet.frame["LIBGEO"].astype("string")
    variables = [c for c in sheet.columns if c.upper() not in _IDENTIFIERS]
    frame = pd.concat([frame, pd.DataFrame({v: numbers(sheet, v) for v in variables})], axis=1)
    check_unique(frame, ["geo"], sheet.where)
    if level == "commune":
        frame = fold_arrondissements(frame, variables, additive=True)
    return [Parsed(level, vintage, f"CNAF, données allocataires au 31/12/{vintage}", frame)]
