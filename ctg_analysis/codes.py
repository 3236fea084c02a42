"""Conventions of French geographic codes, shared by every layer.

Commune codes are 5-character strings (``01001``, ``2A004``, ``97411``). Paris, Lyon and Marseille are
also published as municipal arrondissements (``ARM``: 75101–75120, 69381–69389, 13201–13216), which
census files list beside the commune itself: a table must never count both.
"""

from __future__ import annotations

import logging
from importlib import resources

import pandas as pd

log = logging.getLogger(__name__)

__all__ = [
    "COMMUNE_WIDTH",
    "IRIS_WIDTH",
    "FRANCE_METRO",
    "FRANCE",
    "OVERSEAS_COLLECTIVITIES",
    "arrondissement_parent",
    "departement_of",
    "departements",
    "fold_arrondissements",
    "in_france",
]

COMMUNE_WIDTH = 5
IRIS_WIDTH = 9
#: Codes used for the France level.
FRANCE_METRO = "FRM"
FRANCE = "FR"

#: Overseas collectivities (COM) and New Caledonia: outside the France of the toolkit, which is
#: metropolitan France and the DROM (Mayotte included where a source covers it).
OVERSEAS_COLLECTIVITIES = ("975", "977", "978", "984", "986", "987", "988", "989")

#: Every région code INSEE has used: the 27 régions before 2016 and the 18 since (DROM included).
#: A list of 2-character codes holding another one is a list of départements.
REGION_CODES = frozenset(
    (
        "01",
        "02",
        "03",
        "04",
        "06",
        "11",
        "21",
        "22",
        "23",
        "24",
        "25",
        "26",
        "27",
        "28",
        "31",
        "32",
        "41",
        "42",
        "43",
        "44",
        "52",
        "53",
        "54",
        "72",
        "73",
        "74",
        "75",
        "76",
        "82",
        "83",
        "84",
        "91",
        "93",
        "94",
    )
)
_ARM_RANGES = (("75101", "75120", "75056"), ("69381", "69389", "69123"), ("13201", "13216", "13055"))


def arrondissement_parent(codes: pd.Series) -> pd.Series:
    """Return the parent commune of each municipal arrondissement code, NA for other codes.

    INSEE's Melodi files add an arrondissement « non connu » to each city (``751XX``, ``693XX``, ``132XX``):
    part of the city too.

    Examples
    --------
    >>> arrondissement_parent(pd.Series(["75104", "69381", "95205", "751XX"])).tolist()
    ['75056', '69123', <NA>, '75056']
    """
    codes = codes.astype("string")
    parent = pd.Series(pd.NA, index=codes.index, dtype="string")
    for first, last, commune in _ARM_RANGES:
        unknown = codes.eq(first[:3] + "XX")
        parent = parent.mask((codes.between(first, last) & codes.str.len().eq(5)) | unknown, commune)
    return parent


def departement_of(codes: pd.Series) -> pd.Series:
    """Return the département code of commune codes (3 characters overseas).

    Examples
    --------
    >>> departement_of(pd.Series(["95205", "2A004", "97411"])).tolist()
    ['95', '2A', '974']
    """
    codes = codes.astype("string")
    return codes.str[:2].mask(codes.str.startswith("97"), codes.str[:3])


def in_france(codes: pd.Series) -> pd.Series:
    """Whether commune codes are in France as the toolkit counts it (not an overseas collectivity).

    Examples
    --------
    >>> in_france(pd.Series(["95205", "97101", "97502", "98818"])).tolist()
    [True, True, False, False]
    """
    # departement_of gives 3 characters for 97x only: the collectivities' codes are read on 3 here.
    return ~codes.astype("string").str[:3].isin(OVERSEAS_COLLECTIVITIES).fillna(False).astype(bool)


def fold_arrondissements(frame: pd.DataFrame, variables: list[str], *, additive: bool) -> pd.DataFrame:
    """Keep each of Paris, Lyon and Marseille once in a commune-level table.

    Arrondissement rows are dropped where their commune is present. Where it is absent, an additive table
    gets the commune as the sum of its arrondissements; a non-additive one (medians, rates) cannot, and
    its arrondissement rows are dropped.

    Parameters
    ----------
    frame
        Canonical commune-level frame with ``geo`` (and ``period``) columns.
    variables
        Numeric columns.
    additive
        Whether the variables may be summed.
    """
    parent = arrondissement_parent(frame["geo"])
    is_arm = parent.notna()
    if not is_arm.any():
        return frame
    keys = ["geo", "period"] if "period" in frame.columns else ["geo"]
    present = frame.loc[~is_arm, keys]
    arm = frame.loc[is_arm].assign(geo=parent[is_arm])
    covered = arm.merge(present.drop_duplicates(), on=keys, how="left", indicator=True)["_merge"].eq("both").to_numpy()
    orphans = arm.loc[~covered]
    log.info("%d lignes d'arrondissements municipaux écartées (commune déjà présente)", int(covered.sum()))
    kept = frame.loc[~is_arm]
    if orphans.empty or not additive:
        return kept.reset_index(drop=True)
    others = [c for c in orphans.columns if c not in keys and c not in variables]
    groups = orphans.groupby(keys, sort=False)
    summed = groups[others].first().join(groups[variables].sum(min_count=1)).reset_index()
    if "label" in summed.columns:
        summed["label"] = summed["geo"].map({"75056": "Paris", "69123": "Lyon", "13055": "Marseille"})
    return pd.concat([kept, summed[frame.columns]], ignore_index=True)


def departements() -> pd.DataFrame:
    """Départements with their région, French names and type of name (COG 2023, shipped with the package).

    Examples
    --------
    >>> departements().set_index("departement").loc["2A", ["region", "departement_label"]].tolist()
    ['94', 'Corse-du-Sud']
    """
    with resources.files("ctg_analysis.resources").joinpath("departements.csv").open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, comment="#")
