"""The commune reference of a COG year: code, name, département, région and EPCI of every commune.

Built from the COG files of the data folder when present (``commune_YYYY.csv`` and friends, plus the
EPCI composition), otherwise from the official geography shipped with the package
(:mod:`ctg_analysis.geography.embedded`), with INSEE's movements to reach the year wanted.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pandas as pd

from ctg_analysis.codes import departements
from ctg_analysis.geography.embedded import (
    commune_list_years,
    communes_at,
    embedded_communes,
    embedded_epci,
    embedded_movements,
    merge_movements,
)
from ctg_analysis.sources.datasets import DATASETS
from ctg_analysis.sources.folder import DataFolder
from ctg_analysis.sources.tables import SourceTable

log = logging.getLogger(__name__)

__all__ = [
    "REFERENCE_COLUMNS",
    "commune_reference",
    "dated_by_codes",
    "dated_commune_lists",
    "epci_composition",
    "folder_movements",
    "own_world",
]

REFERENCE_COLUMNS = [
    "code",
    "label",
    "type",
    "parent",
    "departement",
    "departement_label",
    "region",
    "region_label",
    "epci",
    "epci_label",
]


def _nearest(tables: list[SourceTable], year: int | None) -> SourceTable | None:
    if not tables:
        return None
    if year is None:
        return max(tables, key=lambda t: t.cog_year or 0)
    return min(tables, key=lambda t: (abs((t.cog_year or 0) - year), -(t.cog_year or 0)))


def commune_reference(folder: DataFolder, cog_year: int | None = None) -> pd.DataFrame:
    """Every commune (and municipal arrondissement) of a COG year with its geography.

    The commune list comes from the COG file of the folder nearest to the year wanted, or from the
    geography shipped with the package when it is nearer (or the folder has none), brought to that year
    with INSEE's movements (the package's, completed by the folder's). So any data folder has a complete
    reference, whatever files it holds.

    Parameters
    ----------
    folder
        A scanned data folder.
    cog_year
        The COG year wanted; default the latest COG file of the folder, else the latest COG year of its
        tables, else the latest year shipped with the package.

    Returns
    -------
    DataFrame
        Columns :data:`REFERENCE_COLUMNS`; ``type`` is ``COM`` or ``ARM`` (``parent`` gives the commune
        of an arrondissement). ``attrs`` records ``cog_year`` and ``built_from``.

    Examples
    --------
    >>> from ctg_analysis.sources.folder import DataFolder
    >>> ref = commune_reference(DataFolder(".", [], []), 2024)  # no file at all: the shipped geography
    >>> ref.set_index("code").loc["95169", ["label", "departement", "epci"]].tolist()
    ['Commeny', '95', '200035970']
    >>> "95282" in set(ref["code"])  # Gouzangrez, merged into Commeny on 2024-01-01
    False
    """
    shipped = embedded_communes()
    movements = folder_movements(folder)
    cogs = dated_commune_lists(folder, movements).find("cog_communes")
    if cog_year is None:
        known = [t.cog_year for t in cogs if t.cog_year] or [t.cog_year for t in folder.tables if t.cog_year]
        cog_year = max(known) if known else shipped.attrs["cog_year"]
    candidates: list[tuple[int, int, SourceTable | None]] = [
        (abs(t.cog_year - cog_year), 0, t) for t in cogs if t.cog_year
    ]
    if not (own_world(folder) and candidates):
        candidates.append((abs(shipped.attrs["cog_year"] - cog_year), 1, None))
    _, _, cog = min(candidates, key=lambda c: (c[0], c[1]))
    if cog is None:
        base, origin = shipped, f"géographie officielle livrée avec ctg-analysis (COG {shipped.attrs['cog_year']})"
    else:
        base = cog.data.loc[cog.data["type"].isin(["COM", "ARM", "COMD", "COMA"])].rename(columns={"geo": "code"})
        base.attrs["cog_year"] = cog.cog_year
        origin = f"COG {cog.cog_year} ({cog.path})"
    communes = communes_at(base, movements, cog_year)
    if base.attrs["cog_year"] != cog_year:
        origin += f" et mouvements des communes jusqu'en {cog_year}"
    reference = communes.loc[communes["type"].isin(["COM", "ARM"])].reset_index(drop=True)
    if cog is not None:
        # The folder's own départements and régions (a fictional commune's included) come first.
        stated = cog.data.drop_duplicates("geo").set_index("geo")
        for name in ("departement", "region"):
            reference[name] = reference["code"].map(stated[name]).fillna(reference[name]).astype("string")
    reference.attrs.update(cog_year=cog_year, built_from=origin)
    reference = _with_names(folder, reference)
    # The composition of the year (the folder's, else the one shipped), else the nearest one.
    epci = epci_composition(folder, cog_year)
    shipped_epci = embedded_epci(cog_year)
    if epci is None and (own_world(folder) or int(shipped_epci["year"].iloc[0]) != cog_year):
        epci = epci_composition(folder, cog_year, exact=False)
    members = epci.data if epci is not None else shipped_epci
    epci_year = epci.cog_year if epci is not None else int(members["year"].iloc[0])
    if epci_year != cog_year:
        log.info("composition des EPCI de %s utilisée pour la géographie %s", epci_year, cog_year)
    members = members.drop_duplicates("geo").set_index("geo")
    reference["epci"] = reference["code"].map(members["epci"]).astype("string")
    reference["epci_label"] = reference["code"].map(members["epci_label"]).astype("string")
    reference.attrs["epci_year"] = epci_year
    return reference[REFERENCE_COLUMNS].sort_values("code", ignore_index=True)


def dated_commune_lists(folder: DataFolder, movements: pd.DataFrame | None = None) -> DataFolder:
    """The folder with its COG commune lists dated by their codes (:func:`dated_by_codes`); ``movements``:
    the folder's (:func:`folder_movements`), when already read."""
    if not folder.find("cog_communes"):
        return folder
    movements = folder_movements(folder) if movements is None else movements
    tables = [dated_by_codes(t, movements) if t.dataset == "cog_communes" else t for t in folder.tables]
    return replace(folder, tables=tables)


def dated_by_codes(table: SourceTable, movements: pd.DataFrame) -> SourceTable:
    """A COG commune list dated by its codes: the year its name says when they agree, else the year of its
    codes, with a warning (a file renamed by hand, or saved under another year's name).

    Examples
    --------
    >>> from dataclasses import replace
    >>> from ctg_analysis.geography.embedded import communes_at
    >>> c2023 = communes_at(embedded_communes(), embedded_movements(), 2023).rename(columns={"code": "geo"})
    >>> misnamed = SourceTable("cog_communes", "commune", 2019, 2019, "file", "communes_2019.csv", None, "",
    ...                        "Insee, COG 2019", False, c2023)
    >>> dated_by_codes(misnamed, embedded_movements()).cog_year
    2023
    """
    years = commune_list_years(table.data.loc[table.data["type"].eq("COM"), "geo"], movements)
    if years is None or table.cog_year in years:
        return table
    year = years.last
    if table.cog_year is not None:
        log.warning(
            "%s : communes du COG %s d'après leurs codes et les mouvements des communes, et non %d comme le dit "
            "son nom : lu comme COG %d",
            table.path,
            years,
            table.cog_year,
            year,
        )
    return replace(table, vintage=year, cog_year=year, cog_year_from="codes", source=f"Insee, COG {year}")


def own_world(folder: DataFolder) -> bool:
    """Whether a folder describes a world of its own (synthetic demo data, marked so): its geography
    files are then the whole truth, and the real geography shipped with the package does not apply."""
    return folder.demo


def folder_movements(folder: DataFolder) -> pd.DataFrame:
    """INSEE's commune movements: the package's, completed by those of the folder's COG files (only the
    folder's for a world of its own)."""
    own = [t.data for t in folder.find("cog_movements")]
    if own_world(folder) and own:
        return merge_movements(*own)
    return merge_movements(embedded_movements(), *own)


def epci_composition(folder: DataFolder, cog_year: int, *, exact: bool = True) -> SourceTable | None:
    """The folder's EPCI composition of a geography year (``exact``), or the nearest one; in a world of
    its own, the nearest one always (its compositions are all there is)."""
    tables = folder.find("epci_composition")
    if exact and not own_world(folder):
        return next((t for t in tables if t.cog_year == cog_year), None)
    return _nearest(tables, cog_year)


def _naming(level: str) -> list[str]:
    """The datasets giving the official names of a level, the most authoritative last."""
    return [d.id for d in DATASETS.values() if level in d.names]


def _named(tables: list[SourceTable]) -> list[SourceTable]:
    return [t for t in tables if "label" in t.data.columns]


def _with_names(folder: DataFolder, reference: pd.DataFrame) -> pd.DataFrame:
    """Fill région codes and département and région names: COG files, populations légales, then the package."""
    year = reference.attrs["cog_year"]
    shipped = departements()
    dep_names = shipped.set_index("departement")["departement_label"]
    reg_names = shipped.drop_duplicates("region").set_index("region")["region_label"]
    reg_of_dep = shipped.set_index("departement")["region"]
    for dataset in _naming("departement"):
        # A Melodi file gives codes without names: only the files that name them count.
        if (table := _nearest(_named(folder.find(dataset, "departement")), year)) is not None:
            dep_names = table.data.set_index("geo")["label"].combine_first(dep_names)
            reg_of_dep = table.data.set_index("geo")["region"].combine_first(reg_of_dep)
    for dataset in _naming("region"):
        if (table := _nearest(_named(folder.find(dataset, "region")), year)) is not None:
            reg_names = table.data.set_index("geo")["label"].combine_first(reg_names)
    attrs = dict(reference.attrs)
    reference = reference.assign(
        region=reference["region"].fillna(reference["departement"].map(reg_of_dep)).astype("string"),
    )
    reference = reference.assign(
        departement_label=reference["departement"].map(dep_names).astype("string"),
        region_label=reference["region"].map(reg_names).astype("string"),
        epci=pd.Series(pd.NA, index=reference.index, dtype="string"),
        epci_label=pd.Series(pd.NA, index=reference.index, dtype="string"),
    )
    reference.attrs.update(attrs)
    return reference
