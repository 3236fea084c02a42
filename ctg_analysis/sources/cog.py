"""INSEE *Code officiel géographique* (COG) files and the EPCI composition.

- communes (``commune_YYYY.csv``, ``v_commune_YYYY.csv``; types COM, ARM, COMA, COMD);
- départements and régions;
- commune movements since 1943 (``mvtcommune_YYYY.csv``): merges, splits, code changes;
- EPCI composition (``Intercommunalite-Metropole_au_01-01-YYYY.xlsx``, sheet ``Composition_communale``,
  or its CSV export).

Column names are upper-case since COG 2021 and lower-case in COG 2019: both are read.
"""

from __future__ import annotations

import pandas as pd

from ctg_analysis.codes import COMMUNE_WIDTH
from ctg_analysis.errors import SourceFileError
from ctg_analysis.sources._io import RawSheet, normalise_codes
from ctg_analysis.sources._layout import Parsed, check_unique, codes, column, has_columns, year_in_name, year_in_titles

__all__ = [
    "is_communes",
    "is_departements",
    "is_epci",
    "is_movements",
    "is_regions",
    "read_communes",
    "read_departements",
    "read_epci",
    "read_movements",
    "read_regions",
]

_MOVEMENT_COLUMNS = ["MOD", "DATE_EFF", "TYPECOM_AV", "COM_AV", "LIBELLE_AV", "TYPECOM_AP", "COM_AP", "LIBELLE_AP"]


def _text(sheet: RawSheet, name: str, dataset: str, meaning: str) -> pd.Series:
    values = column(sheet, name, dataset=dataset, meaning=meaning).astype("string").str.strip()
    return values.mask(values.eq(""))


def _parsed(level: str, frame: pd.DataFrame, year: int | None) -> list[Parsed]:
    """A COG table: its vintage is its geography year, when the file states it."""
    return [Parsed(level, year, f"Insee, COG {year}" if year else "Insee, COG", frame, cog_year=year)]


def is_communes(sheet: RawSheet) -> bool:
    """Whether a sheet is a COG list of communes (``TYPECOM``, ``COM``, ``DEP``, ``REG``, ``LIBELLE``)."""
    return has_columns(sheet, ["TYPECOM", "COM", "DEP", "REG", "LIBELLE"])


def read_communes(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The communes (and arrondissements, delegated and associated communes) of a COG year."""
    frame = pd.DataFrame(
        {
            "geo": codes(sheet, "COM", width=COMMUNE_WIDTH, dataset=dataset, meaning="code commune"),
            "type": _text(sheet, "TYPECOM", dataset, "type de commune"),
            "label": _text(sheet, "LIBELLE", dataset, "nom de la commune"),
            "departement": _text(sheet, "DEP", dataset, "code département"),
            "region": _text(sheet, "REG", dataset, "code région"),
        }
    )
    if has_columns(sheet, ["COMPARENT"]):
        frame["parent"] = _text(sheet, "COMPARENT", dataset, "commune parente")
    # Associated/delegated communes share their code with their parent: only COM and ARM rows are unique.
    check_unique(frame.loc[frame["type"].isin(["COM", "ARM"])], ["geo"], sheet.where)
    return _parsed("commune", frame, year_in_name(sheet))


def is_departements(sheet: RawSheet) -> bool:
    """Whether a sheet is a COG list of départements."""
    return (
        has_columns(sheet, ["DEP", "REG", "CHEFLIEU", "LIBELLE"])
        and not has_columns(sheet, ["COM"])
        and not (has_columns(sheet, ["ARR"]) or has_columns(sheet, ["CAN"]))
    )


def read_departements(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The départements of a COG year with their région and name."""
    frame = pd.DataFrame(
        {
            "geo": _text(sheet, "DEP", dataset, "code département"),
            "label": _text(sheet, "LIBELLE", dataset, "nom du département"),
            "region": _text(sheet, "REG", dataset, "code région"),
        }
    )
    check_unique(frame, ["geo"], sheet.where)
    return _parsed("departement", frame, year_in_name(sheet))


def is_regions(sheet: RawSheet) -> bool:
    """Whether a sheet is a COG list of régions (a chef-lieu, no département column)."""
    return has_columns(sheet, ["REG", "CHEFLIEU", "LIBELLE"]) and not has_columns(sheet, ["DEP"])


def read_regions(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The régions of a COG year with their name."""
    frame = pd.DataFrame(
        {
            "geo": _text(sheet, "REG", dataset, "code région"),
            "label": _text(sheet, "LIBELLE", dataset, "nom de la région"),
        }
    )
    check_unique(frame, ["geo"], sheet.where)
    return _parsed("region", frame, year_in_name(sheet))


def is_movements(sheet: RawSheet) -> bool:
    """Whether a sheet is INSEE's list of commune movements (``MOD``, ``DATE_EFF``, ``COM_AV``, ``COM_AP``)."""
    return has_columns(sheet, ["MOD", "DATE_EFF", "COM_AV", "COM_AP"])


def read_movements(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """The movements of the communes (merges, splits, code changes) with their effective dates."""
    frame = pd.DataFrame({name.lower(): _text(sheet, name, dataset, name) for name in _MOVEMENT_COLUMNS})
    for side in ("com_av", "com_ap"):
        # Creations ex nihilo (a new commune out of territory of no commune) have no "before" side.
        known = frame[side].notna()
        repaired, _ = normalise_codes(
            frame.loc[known, side], width=COMMUNE_WIDTH, where=sheet.where, column=side.upper()
        )
        frame[side] = repaired.reindex(frame.index)
    frame["mod"] = pd.to_numeric(frame["mod"], errors="raise").astype("int64")
    dates = pd.to_datetime(frame["date_eff"], format="ISO8601", errors="coerce")
    if dates.isna().any():
        row = int(dates.isna().to_numpy().nonzero()[0][0])
        raise SourceFileError(
            sheet.where,
            f"colonne DATE_EFF, ligne de données {row + 1} : date {frame['date_eff'].iloc[row]!r} illisible (attendu "
            f"AAAA-MM-JJ)",
        )
    frame["date_eff"] = dates
    # The movement file of COG year Y lists the events up to 1 January Y.
    year = int(dates.max().year) if dates.max().month == 1 and dates.max().day == 1 else int(dates.max().year) + 1
    return _parsed("commune", frame, year)


def is_epci(sheet: RawSheet) -> bool:
    """Whether a sheet is INSEE's EPCI composition (``CODGEO``, ``EPCI``, ``LIBEPCI``)."""
    return has_columns(sheet, ["CODGEO", "EPCI", "LIBEPCI"])


def read_epci(sheet: RawSheet, dataset: str) -> list[Parsed]:
    """Each commune's EPCI (code and name) at the date the file gives."""
    frame = pd.DataFrame(
        {
            "geo": codes(sheet, "CODGEO", width=COMMUNE_WIDTH, dataset=dataset, meaning="code commune"),
            "epci": _text(sheet, "EPCI", dataset, "code EPCI"),
            "epci_label": _text(sheet, "LIBEPCI", dataset, "nom de l'EPCI"),
        }
    )
    if has_columns(sheet, ["LIBGEO"]):
        frame["label"] = _text(sheet, "LIBGEO", dataset, "nom de la commune")
    for name, attribute in (("DEP", "departement"), ("REG", "region")):
        if has_columns(sheet, [name]):
            frame[attribute] = _text(sheet, name, dataset, name)
    check_unique(frame, ["geo"], sheet.where)
    year = year_in_titles(sheet, [r"au (?:01[-/]01[-/]|1er janvier )(\d{4})"]) or year_in_name(sheet)
    return _parsed("commune", frame, year)
