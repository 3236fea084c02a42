"""The commune reference of a COG year: code, name, département, région and EPCI of every commune.

Built from the COG files of the data folder when present (``commune_YYYY.csv`` and friends, plus the
EPCI composition), otherwise from the data themselves (populations légales, then any table that names
its communes), with département and région names from a reference shipped with the package.
"""

from __future__ import annotations

import logging
from importlib import resources

import pandas as pd

from ctg_analysis.codes import arrondissement_parent, departement_of
from ctg_analysis.errors import GeographyError
from ctg_analysis.sources.folder import DataFolder
from ctg_analysis.sources.tables import SourceTable

log = logging.getLogger(__name__)

__all__ = ["REFERENCE_COLUMNS", "commune_reference", "departements"]

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


def departements() -> pd.DataFrame:
    """Départements with their région and French names (COG 2023, shipped with the package)."""
    with resources.files("ctg_analysis.resources").joinpath("departements.csv").open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, comment="#")


def _nearest(tables: list[SourceTable], year: int | None) -> SourceTable | None:
    if not tables:
        return None
    if year is None:
        return max(tables, key=lambda t: t.cog_year or 0)
    return min(tables, key=lambda t: (abs((t.cog_year or 0) - year), -(t.cog_year or 0)))


def commune_reference(folder: DataFolder, cog_year: int | None = None) -> pd.DataFrame:
    """Every commune (and municipal arrondissement) of a COG year with its geography.

    Parameters
    ----------
    folder
        A scanned data folder.
    cog_year
        The COG year wanted; default the latest COG file of the folder, or the latest COG year of the
        data when the folder has no COG file.

    Returns
    -------
    DataFrame
        Columns :data:`REFERENCE_COLUMNS`; ``type`` is ``COM`` or ``ARM`` (``parent`` gives the commune
        of an arrondissement). ``attrs`` records ``cog_year`` and ``built_from``.

    Raises
    ------
    GeographyError
        The folder holds neither a COG file nor any commune-level table.

    Examples
    --------
    >>> ref = commune_reference(scan_folder("data/demo"))  # doctest: +SKIP
    >>> ref.set_index("code").loc["95205", ["label", "departement", "epci"]]  # doctest: +SKIP
    """
    cog = _nearest(folder.find("cog_communes"), cog_year)
    movements = _nearest(folder.find("cog_movements"), cog_year)
    if cog is not None and (cog_year is None or cog.cog_year == cog_year):
        reference = _from_cog(folder, cog)
    elif cog is not None and cog.cog_year < cog_year and movements is not None and movements.cog_year >= cog_year:
        reference = _moved(_from_cog(folder, cog), movements.data, cog_year)
    else:
        reference = _from_data(folder, cog_year)
    reference = _with_names(folder, reference)
    epci = _nearest(folder.find("epci_composition"), reference.attrs["cog_year"])
    if epci is not None:
        if epci.cog_year != reference.attrs["cog_year"]:
            log.info(
                "composition des EPCI de %s utilisée pour la géographie %s", epci.cog_year, reference.attrs["cog_year"]
            )
        members = epci.data.set_index("geo")
        reference["epci"] = reference["code"].map(members["epci"]).astype("string")
        reference["epci_label"] = reference["code"].map(members["epci_label"]).astype("string")
    return reference[REFERENCE_COLUMNS].sort_values("code", ignore_index=True)


def _from_cog(folder: DataFolder, cog: SourceTable) -> pd.DataFrame:
    data = cog.data.loc[cog.data["type"].isin(["COM", "ARM"])]
    reference = pd.DataFrame(
        {
            "code": data["geo"],
            "label": data["label"],
            "type": data["type"],
            "parent": data["parent"] if "parent" in data else arrondissement_parent(data["geo"]),
            "departement": data["departement"],
            "region": data["region"],
        }
    ).reset_index(drop=True)
    reference.attrs.update(cog_year=cog.cog_year, built_from=f"COG {cog.cog_year} ({cog.path})")
    return reference


def _moved(reference: pd.DataFrame, movements: pd.DataFrame, cog_year: int) -> pd.DataFrame:
    """A COG reference brought forward to a later year with the movements (merged communes leave,
    re-established or renamed ones take the name the movements give them)."""
    from ctg_analysis.geography.conversion import commune_passage

    passage = commune_passage(movements, reference.attrs["cog_year"], cog_year)
    window = movements.loc[movements["date_eff"].le(pd.Timestamp(cog_year, 1, 1)) & movements["typecom_ap"].eq("COM")]
    names = window.sort_values("date_eff").drop_duplicates("com_ap", keep="last").set_index("com_ap")["libelle_ap"]
    gone = set(passage["source"]) - set(passage["target"])
    communes = reference.loc[~reference["code"].isin(gone)]
    new_codes = sorted(set(passage["target"]) - set(communes["code"]))
    added = pd.DataFrame({"code": pd.array(new_codes, dtype="string"), "type": "COM"})
    added["departement"] = departement_of(added["code"])
    moved = pd.concat([communes, added], ignore_index=True)
    renamed = moved["code"].map(names)
    moved["label"] = renamed.where(renamed.notna() & moved["type"].eq("COM"), moved["label"]).astype("string")
    moved.attrs.update(cog_year=cog_year, built_from=f"{reference.attrs['built_from']} et mouvements jusqu'en {cog_year}")
    return moved


def _from_data(folder: DataFolder, cog_year: int | None) -> pd.DataFrame:
    # Tables that name their communes first, the populations légales (which give département and région) best.
    priority = ["legal_population", "epci_composition", "filosofi", "census_population", "births", "census_families"]
    tables = [t for t in folder.tables if t.level == "commune" and t.dataset not in ("cog_communes", "cog_movements")]
    if cog_year is not None:
        tables = [t for t in tables if t.cog_year == cog_year]
    if not tables:
        detail = f" en géographie {cog_year}" if cog_year else ""
        raise GeographyError(f"{folder.root} : ni fichier COG ni table communale{detail} pour construire le référentiel des communes")
    tables.sort(key=lambda t: (priority.index(t.dataset) if t.dataset in priority else len(priority), -(t.vintage or 0)))
    wanted = ["geo", "label", "departement", "region"]
    stacked = pd.concat([t.data[[c for c in wanted if c in t.data.columns]] for t in tables], ignore_index=True)
    stacked = stacked.drop_duplicates("geo").rename(columns={"geo": "code"})
    for name in ("label", "departement", "region"):
        if name not in stacked.columns:
            stacked[name] = pd.NA
    stacked["departement"] = stacked["departement"].fillna(departement_of(stacked["code"]))
    reference = stacked.assign(type="COM", parent=pd.NA).astype({"parent": "string"}).reset_index(drop=True)
    year = cog_year or max(t.cog_year or 0 for t in tables)
    reference.attrs.update(cog_year=year, built_from="données (pas de fichier COG de cette année)")
    log.info("référentiel des communes %s construit à partir des données", year)
    return reference


def _with_names(folder: DataFolder, reference: pd.DataFrame) -> pd.DataFrame:
    """Fill région codes and département and région names: COG files, populations légales, then the package."""
    year = reference.attrs["cog_year"]
    shipped = departements()
    dep_names = shipped.set_index("departement")["departement_label"]
    reg_names = shipped.drop_duplicates("region").set_index("region")["region_label"]
    reg_of_dep = shipped.set_index("departement")["region"]
    for dataset, level in (("legal_population", "departement"), ("cog_departements", "departement")):
        if (table := _nearest(folder.find(dataset, level), year)) is not None:
            dep_names = table.data.set_index("geo")["label"].combine_first(dep_names)
            reg_of_dep = table.data.set_index("geo")["region"].combine_first(reg_of_dep)
    for dataset in ("legal_population", "cog_regions"):
        if (table := _nearest(folder.find(dataset, "region"), year)) is not None:
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
