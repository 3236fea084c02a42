"""INSEE état civil: births by the mother's commune of residence (*naissances domiciliées*).

Published as ``base_naissances_YYYY`` (xlsx, sheet ``COM`` under title rows) or ``base-naissances-YYYY``
(CSV): one ``NAISDyy`` column per year (and ``DECESDyy`` for deaths). Births registered at the
maternity's commune are a different figure and are not read here.
"""

from __future__ import annotations

import re

import pandas as pd

from ctg_analysis.codes import COMMUNE_WIDTH, fold_arrondissements
from ctg_analysis.sources._io import RawSheet
from ctg_analysis.sources._layout import Parsed, any_column, by_period, check_unique, codes, full_year

__all__ = ["matches", "read"]

_YEARLY = re.compile(r"^(NAISD|DECESD)(\d{2})$")


def matches(sheet: RawSheet) -> bool:
    # Workbooks also hold département and région sheets: the communes are in sheet COM.
    """Whether a sheet is INSEE's *base_naissances*: domiciled births per year (``NAISD21``) in the communes' sheet."""
    return any_column(sheet, r"NAISD\d\d") and sheet.sheet in (None, "COM")


def read(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The births as one row per (commune, year), arrondissements folded into their commune."""
    ids = pd.DataFrame({"geo": codes(sheet, "CODGEO", width=COMMUNE_WIDTH, dataset=dataset, meaning="code commune")})
    if "LIBGEO" in sheet.columns:
        ids["label"] = sheet.frame["LIBGEO"].astype("string")
    variables: dict[str, tuple[str, int, int | None]] = {
        c: (m.group(1), full_year(m.group(2)), None) for c in sheet.columns if (m := _YEARLY.fullmatch(c))
    }
    frame = by_period(sheet, ids, variables)
    check_unique(frame, ["geo", "period"], sheet.where)
    numeric = [c for c in frame.columns if c in ("NAISD", "DECESD")]
    frame = fold_arrondissements(frame, numeric, additive=True)
    first, vintage = int(frame["period"].min()), int(frame["period"].max())
    source = f"Insee, état civil {first}-{vintage}" if first != vintage else f"Insee, état civil {vintage}"
    return [Parsed("commune", vintage, source, frame)]
