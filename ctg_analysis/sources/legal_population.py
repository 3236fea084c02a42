"""INSEE *populations légales* (``ensemble.xlsx``): sheets ``Communes``, ``Départements``, ``Régions``.

The ``Communes`` sheet gives ``Code commune`` as the 3-character part within the département; the INSEE
code is ``Code département + Code commune`` (``95`` + ``205``; overseas ``971`` + ``01``).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ctg_analysis.codes import COMMUNE_WIDTH
from ctg_analysis.errors import MissingColumnError, SourceFileError
from ctg_analysis.sources._io import RawSheet, normalise_codes
from ctg_analysis.sources._layout import Parsed, check_unique, column, numbers, year_in_titles
from ctg_analysis.text import plain

__all__ = ["matches", "read"]

_LEVELS = {"communes": "commune", "departements": "departement", "regions": "region"}
_VALUES = {"Population municipale": "PMUN", "Population comptée à part": "PCAP", "Population totale": "PTOT"}
_NULL = {"null", ""}


def matches(sheet: RawSheet) -> bool:
    """Whether a sheet is a level of INSEE's legal populations workbook (``ensemble.xlsx``: its communes',
    départements' or régions' sheet, with a « Code région » column)."""
    return plain(sheet.sheet or "") in _LEVELS and "Code région" in sheet.columns


def _text(sheet: RawSheet, name: str, dataset: str, meaning: str) -> pd.Series:
    values = column(sheet, name, dataset=dataset, meaning=meaning).astype("string").str.strip()
    return values.str.replace(r"\.0$", "", regex=True)


def read(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The legal populations (municipal, counted apart, total) of one level, overseas collectivities left out."""
    level = _LEVELS[plain(sheet.sheet or "")]
    region = _text(sheet, "Code région", dataset, "code région")
    # Overseas collectivities appear with "null" codes in some editions: they are not communes of a
    # département and are left out.
    keep = (~region.str.lower().isin(_NULL)).fillna(False).to_numpy()
    sheet = replace(sheet, frame=sheet.frame.loc[keep].reset_index(drop=True))
    region = region[keep].reset_index(drop=True)
    if level == "region":
        geo, label, attributes = region, _text(sheet, "Nom de la région", dataset, "nom de la région"), {}
    else:
        departement = _text(sheet, "Code département", dataset, "code département")
        if level == "departement":
            geo, attributes = departement, {"region": region}
            label = _text(sheet, "Nom du département", dataset, "nom du département")
        else:
            commune = _text(sheet, "Code commune", dataset, "code commune dans le département")
            # Overseas, "Code commune" holds the département's third digit too (971 + 101 = 97101).
            geo, _ = normalise_codes(
                departement.str[:2] + commune.str.zfill(3),
                width=COMMUNE_WIDTH,
                where=sheet.where,
                column="Code département + Code commune",
            )
            attributes = {"departement": departement, "region": region}
            label = _text(sheet, "Nom de la commune", dataset, "nom de la commune")
    vintage = year_in_titles(
        sheet, [r"r[ée]f[ée]rence statistique\s*:\s*1er janvier (\d{4})", r"recensement de la population (\d{4})"]
    )
    if vintage is None:
        raise SourceFileError(
            sheet.where,
            "millésime introuvable : attendu « Date de référence statistique : 1er janvier AAAA » "
            "dans les lignes de titre",
        )
    if "Population municipale" not in sheet.columns:
        raise MissingColumnError(sheet.where, "colonne « Population municipale » absente")
    values = {name: numbers(sheet, published) for published, name in _VALUES.items() if published in sheet.columns}
    frame = pd.DataFrame({"geo": geo, "period": vintage, "label": label, **attributes, **values})
    check_unique(frame, ["geo"], sheet.where)
    stated = year_in_titles(sheet, [r"limites territoriales en vigueur au 1er janvier (\d{4})"])
    source = f"Insee, populations légales RP{vintage}"
    return [Parsed(level, vintage, source, frame, cog_year=stated)]
