"""INSEE census (RP) bases: évolution et structure de la population, couples-familles-ménages,
emploi-population active, logement, séries historiques; commune (``base-cc``) and IRIS (``base-ic``) levels.

Every vintage present in a file is kept: a 2022 commune base also carries ``P16_`` and ``P11_`` columns,
which become rows with ``period`` 2016 and 2011. Nothing assumes the gap between vintages.
"""

from __future__ import annotations

import re

import pandas as pd

from ctg_analysis.codes import COMMUNE_WIDTH, IRIS_WIDTH, fold_arrondissements
from ctg_analysis.sources._io import RawSheet
from ctg_analysis.sources._layout import (
    Parsed,
    any_column,
    by_period,
    check_unique,
    codes,
    full_year,
    has_columns,
    year_in_titles,
)

__all__ = ["is_employment", "is_families", "is_history", "is_housing", "is_population", "read"]

_PREFIXED = re.compile(r"^([PCD])(\d{2})_(\w+)$")
_FLOW = re.compile(r"^(NAIS|DECE)(\d{2})(\d{2})$")
_GEOGRAPHY = (r"g[ée]ographie au (?:\d{2}/\d{2}/)?(\d{4})", r"en vigueur au 1er janvier (\d{4})")
_ATTRIBUTES = {"LIBGEO": "label", "LIBCOM": "label", "LIBIRIS": "label", "TYP_IRIS": "iris_type"}


def is_history(sheet: RawSheet) -> bool:
    """Whether a sheet is a census *séries historiques* base: births and deaths between censuses (``NAIS1319``) or
    densities (``D19_POP``)."""
    return any_column(sheet, r"(NAIS|DECE)\d{4}") or any_column(sheet, r"D\d\d_POP")


def is_families(sheet: RawSheet) -> bool:
    """Whether a sheet is a census couples-families-households base (``C19_FAM``, ``C19_MEN``…), not a historical
    series."""
    return any_column(sheet, r"C\d\d_(FAM|MEN|COUPAENF|FAMMONO)") and not is_history(sheet)


def is_employment(sheet: RawSheet) -> bool:
    """Whether a sheet is a census employment and working population base (``P19_ACT1564``, ``P19_F1564``…), not
    another census base."""
    return (
        any_column(sheet, r"P\d\d_[FH]?ACT(OCC)?1564|P\d\d_ACT15P|P\d\d_F1564")
        and not is_history(sheet)
        and not is_families(sheet)
    )


def is_population(sheet: RawSheet) -> bool:
    """Whether a sheet is a census population structure base (``P19_POP0002``, ``P19_POPF``…), not another census
    base."""
    return (
        any_column(sheet, r"P\d\d_POP(\d{4}|\d\dP|H|F)")
        and not is_history(sheet)
        and not is_families(sheet)
        and not is_employment(sheet)
    )


def is_housing(sheet: RawSheet) -> bool:
    """Whether a sheet is a census housing base (``P19_LOG``, ``P19_RP``, ``P19_LOGVAC``…), not another census
    base."""
    return (
        any_column(sheet, r"P\d\d_(LOG|RSECOCC|LOGVAC)")
        and not is_history(sheet)
        and not is_families(sheet)
        and not is_employment(sheet)
        and not is_population(sheet)
    )


def read(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """A census base (commune or IRIS level) as one row per (area, vintage): each variable without its vintage
    (``P19_POP0002`` → ``P_POP0002``), flows between censuses (``NAIS1319``) on the period they end; Paris, Lyon and
    Marseille arrondissements folded into their commune; the geography stated in the titles when it is."""
    iris_level = has_columns(sheet, ["IRIS"])
    if iris_level:
        ids = pd.DataFrame(
            {
                "geo": codes(sheet, "IRIS", width=IRIS_WIDTH, dataset=dataset, meaning="code IRIS"),
                "commune": codes(sheet, "COM", width=COMMUNE_WIDTH, dataset=dataset, meaning="code commune"),
            }
        )
    else:
        ids = pd.DataFrame(
            {"geo": codes(sheet, "CODGEO", width=COMMUNE_WIDTH, dataset=dataset, meaning="code commune")}
        )
    for original, name in _ATTRIBUTES.items():
        if original in sheet.columns and name not in ids.columns:
            ids[name] = sheet.frame[original].astype("string")

    variables: dict[str, tuple[str, int, int | None]] = {}
    for c in sheet.columns:
        if m := _PREFIXED.fullmatch(c):
            letter, yy, stem = m.groups()
            variables[c] = (f"{letter}_{stem}", full_year(yy), None)
        elif m := _FLOW.fullmatch(c):
            stem, start, end = m.groups()
            variables[c] = (stem, full_year(end), full_year(start))
    frame = by_period(sheet, ids, variables)
    check_unique(frame, ["geo", "period"], sheet.where)

    level = "iris" if iris_level else "commune"
    numeric = [c for c in frame.columns if c not in ids.columns and c not in ("period", "flow_start")]
    if level == "commune":
        frame = fold_arrondissements(frame, numeric, additive=True)
    vintage = max(p for name, p, start in variables.values() if start is None and not name.startswith("D_"))
    stated = year_in_titles(sheet, _GEOGRAPHY)
    return [Parsed(level, vintage, f"Insee, RP{vintage}", frame, cog_year=stated)]
