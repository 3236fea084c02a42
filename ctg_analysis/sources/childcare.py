"""The CNAF's childcare supply (*accueil du jeune enfant*, ONAPE), as data.caf.fr exports it.

Two families of datasets, one file per scale ``{s}`` (``com``, ``epci``, ``dep``, ``nat``), read from the portal's
CSV export (``;``, Opendatasoft field ids) or its ``_hist`` versions:

- ``txcouv_pe_{s}``: the coverage rates, places for 100 children under 3, one decimal, global (``txcouv_{s}``)
  and by mode (``txcouv_psu_col_{s}``: EAJE financed by the PSU, ``txcouv_hors_psu_col_{s}``: other EAJE,
  ``txcouv_eaje_{s}``, ``txcouv_prescol_{s}``: pre-schooling at 2, ``txcouv_am_ind_{s}``: assistants maternels,
  ``txcouv_gad_ind_{s}``: garde à domicile, ``txcouv_ind_{s}``). A rate above 100 is legitimate (places taken
  by the children of neighbouring communes: Garches, 111,0 in 2023). Published for each area, never summed.
- ``nbpla_pe_{s}``: the places by the same modes (``pl_…_{s}``) and in all (``tot_offre_{s}``), which add up.

Communes are published only from 10 000 inhabitants, Marseille by arrondissement; the ``XX`` EPCI (communes of
no EPCI, the file's maximum) is a placeholder, left out and said. ``annee`` is a year or a date.
"""

from __future__ import annotations

import re

import pandas as pd

from ctg_analysis.codes import COMMUNE_WIDTH, fold_arrondissements
from ctg_analysis.errors import SourceFileError
from ctg_analysis.formatting import counted
from ctg_analysis.sources._io import RawSheet
from ctg_analysis.sources._layout import Parsed, area_codes, check_unique, lower_case, numbers, year_span

__all__ = ["PLACES", "matches", "read"]

#: The scale suffix of each export's field ids: its level, code column, label column and code width.
_SCALES = {
    "com": ("commune", "numcom", "nomcom", COMMUNE_WIDTH),
    "epci": ("epci", "numepci", "nomepci", 9),
    "dep": ("departement", "numdep", "nomdep", 0),
    "nat": ("france", "national", "national", 0),
}
_FIELD = re.compile(r"(txcouv(?:_\w+?)?|pl_\w+|tot_offre)_(com|epci|dep|nat)")
#: The canonical variables of places, by mode and in all: they add up over communes; the rates (``TXCOUV…``)
#: do not.
PLACES = frozenset(
    {"PL_PSU_COL", "PL_HORS_PSU_COL", "PL_EAJE", "PL_PRESCOL", "PL_AM_IND", "PL_GAD_IND", "PL_IND", "TOT_OFFRE"}
)


def matches(sheet: RawSheet) -> bool:
    """Whether a sheet is a data.caf.fr childcare export: ``annee``, the area key of its scale and the coverage
    rates (``txcouv_…``) or places (``pl_…``, ``tot_offre_…``) of that scale."""
    scale = _scale(sheet)
    return scale is not None and "annee" in {c.lower() for c in sheet.columns}


def _scale(sheet: RawSheet) -> str | None:
    found = {m.group(2) for c in sheet.columns if (m := _FIELD.fullmatch(c.lower()))}
    if len(found) != 1:
        return None
    (scale,) = found
    return scale if _SCALES[scale][1] in {c.lower() for c in sheet.columns} else None


def read(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The rates or places of one export, every year it holds, at its scale's level."""
    scale = _scale(sheet)
    if scale is None:  # claimed by matches
        raise SourceFileError(sheet.where, "aucune colonne de taux ou de places d'une seule échelle")
    level, key, label, width = _SCALES[scale]
    sheet = lower_case(sheet)
    frame = sheet.frame
    variables = {m.group(0): m.group(1).upper() for c in frame.columns if (m := _FIELD.fullmatch(c))}
    geo = area_codes(sheet, None if level == "france" else key, width=width, dataset=dataset, placeholders=("XX",))
    table = pd.DataFrame({"geo": geo, "period": _years(sheet)})
    if label in frame.columns and level != "france":
        table["label"] = frame[label].astype("string").str.strip()
    values = pd.DataFrame({name: numbers(sheet, c) for c, name in variables.items()})
    table = pd.concat([table, values], axis=1)
    placeholder = table["geo"].eq("XX")
    notes: tuple[str, ...] = ()
    if placeholder.any():
        lines = counted(int(placeholder.sum()), "ligne « XX » écartée", "lignes « XX » écartées")
        notes = (f"{lines} (communes sans EPCI, valeurs hors d'échelle)",)
        table = table.loc[~placeholder].reset_index(drop=True)
    check_unique(table, ["geo", "period"], sheet.where)
    rates = any(v not in PLACES for v in variables.values())
    if level == "commune":  # Marseille published by arrondissement: its places add up, its rates do not
        table = fold_arrondissements(table, list(variables.values()), additive=not rates)
    if level == "france":
        notes += ("valeurs nationales de la CNAF : France entière hors Mayotte",)
    # One line for every level (a chart cites it once): the national value's perimeter said in it.
    source = f"CNAF, data.caf.fr, accueil du jeune enfant {year_span(table['period'])} (valeur nationale hors Mayotte)"
    return [Parsed(level, int(table["period"].max()), source, table, notes=notes)]


def _years(sheet: RawSheet) -> pd.Series:
    """``annee`` as a year (``2023``) or a date (``2023-01-01``, ``2023``-prefixed): its year."""
    text = sheet.frame["annee"].astype("string").str.strip()
    years = text.str.extract(r"^(\d{4})(?:$|-)")[0]
    if years.isna().any():
        wrong = years.isna().to_numpy().nonzero()[0][0]
        raise SourceFileError(
            sheet.where,
            f"colonne annee, ligne {wrong + 2} : « {text.iloc[wrong]} » ; attendu une année (AAAA) ou une date",
        )
    return years.astype("int64")
