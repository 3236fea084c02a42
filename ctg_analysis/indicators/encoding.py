"""Integer codes: a commune, an EPCI, a territory, a level, an indicator and a period are numbers.

The computation works on positions in indexes, never on strings, until the long table is built with
categorical columns: that is what makes the whole of France a matter of seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ctg_analysis.codes import FRANCE, FRANCE_METRO, departement_of, departements
from ctg_analysis.levels import TABLE_LEVELS

__all__ = [
    "AT_COMMUNE",
    "AT_DEPARTEMENT",
    "AT_EPCI",
    "AT_FRANCE",
    "AT_REGION",
    "AT_TERRITOIRE",
    "NO_YEAR",
    "Geography",
    "categorical",
    "pack",
    "pack_period",
    "period_labels",
    "unpack",
]

#: Each level's code in the long table (declared in :mod:`ctg_analysis.levels`).
AT_COMMUNE, AT_TERRITOIRE, AT_EPCI, AT_DEPARTEMENT, AT_REGION, AT_FRANCE = (
    TABLE_LEVELS.index(level) for level in ("commune", "territoire", "epci", "departement", "region", "france")
)
#: Years are packed on 8 bits from this one; an indicator without any data has this year (shown « – »).
YEAR0 = 1900
NO_YEAR = YEAR0


def pack_period(year_start: np.ndarray, year_end: np.ndarray) -> np.ndarray:
    """A period (first and last year) packed in one integer, ordered by its last year, then its first.

    Examples
    --------
    >>> pack_period(np.array([2013, 2019]), np.array([2019, 2019])).tolist()
    [30577, 30583]
    """
    packed: np.ndarray = ((np.asarray(year_end, dtype="int64") - YEAR0) << 8) | (
        np.asarray(year_start, dtype="int64") - YEAR0
    )
    return packed


def pack(indicator: np.ndarray, year_start: np.ndarray, year_end: np.ndarray) -> np.ndarray:
    """(indicator, period) packed in one integer: the sort key of slots and of the long table."""
    packed: np.ndarray = (np.asarray(indicator, dtype="int64") << 16) | pack_period(year_start, year_end)
    return packed


def unpack(keys: np.ndarray) -> pd.DataFrame:
    """The indicator, last and first years of packed keys.

    Examples
    --------
    >>> unpack(pack(np.array([3]), np.array([2013]), np.array([2019]))).to_numpy().tolist()
    [[3, 2019, 2013]]
    """
    keys = np.asarray(keys, dtype="int64")
    return pd.DataFrame(
        {
            "indicator": (keys >> 16).astype("int16"),
            "year_end": ((keys >> 8) % 256 + YEAR0).astype("int16"),
            "year_start": (keys % 256 + YEAR0).astype("int16"),
        }
    )


def period_labels(periods: np.ndarray) -> np.ndarray:
    """The French text of packed periods: « 2019 », « 2013-2019 », « – » without data.

    Examples
    --------
    >>> period_labels(pack_period(np.array([2019, 2013, NO_YEAR]), np.array([2019, 2019, NO_YEAR]))).tolist()
    ['2019', '2013-2019', '–']
    """
    ends, starts = np.asarray(periods) >> 8, np.asarray(periods) % 256
    text = [
        ("–" if end == 0 else str(end + YEAR0) if end == start else f"{start + YEAR0}-{end + YEAR0}")
        for end, start in zip(ends.tolist(), starts.tolist(), strict=True)
    ]
    return np.array(text, dtype=object)


def categorical(codes: np.ndarray, labels: np.ndarray) -> pd.Categorical:
    """Row codes into ``labels`` as a categorical (labels may repeat: they are made unique first)."""
    categories, inverse = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
    return pd.Categorical.from_codes(inverse[codes], categories=pd.Index(categories, dtype="object"))


@dataclass
class Geography:
    """Integer codes of the geography: a commune, an EPCI, a département, a région is a position.

    Attributes
    ----------
    communes
        Commune codes (the reference's communes, then any other code found in the data).
    parents
        For each level above the commune (``epci``, ``departement``, ``region``): the position of each
        commune's parent in ``codes[level]`` (−1 when unknown).
    codes, labels
        For every level: its codes and French labels (France: the data's France, then France
        métropolitaine if published apart).
    """

    communes: pd.Index
    parents: dict[str, np.ndarray]
    codes: dict[str, pd.Index]
    labels: dict[str, np.ndarray]

    @classmethod
    def build(cls, reference: pd.DataFrame, extra: np.ndarray) -> Geography:
        communes_ref = reference.loc[reference["type"] == "COM"]
        more = pd.DataFrame({"code": sorted(set(extra.tolist()) - set(communes_ref["code"]))}, dtype="string")
        if len(more):
            shipped = departements().set_index("departement")
            more["departement"] = departement_of(more["code"])
            more["region"] = more["departement"].map(shipped["region"])
            more["label"] = more["code"]
        table = pd.concat([communes_ref, more], ignore_index=True)
        # Object indexes: lookups of object arrays in pandas' string dtype take the slow path.
        communes = pd.Index(table["code"].to_numpy(dtype=object), dtype=object)
        parents, codes, labels = (
            {},
            {"commune": communes},
            {"commune": table["label"].fillna(table["code"]).astype(str).to_numpy()},
        )
        for level, label in (("epci", "epci_label"), ("departement", "departement_label"), ("region", "region_label")):
            names = table[[level, label]].dropna(subset=[level]).drop_duplicates(level)
            codes[level] = pd.Index(names[level].to_numpy(dtype=object), dtype=object)
            labels[level] = names[label].fillna(names[level]).astype(str).to_numpy()
            parents[level] = codes[level].get_indexer(pd.Index(table[level].to_numpy(dtype=object), dtype=object))
        overseas = table["departement"].astype(str).str.len().eq(3).any()
        codes["france"] = pd.Index([FRANCE, FRANCE_METRO] if overseas else [FRANCE_METRO], dtype=object)
        labels["france"] = np.array(
            ["France entière", "France métropolitaine"] if overseas else ["France métropolitaine"]
        )
        return cls(communes, parents, codes, labels)

    def units_equal_to(self, membership: pd.DataFrame, level: str) -> pd.Series:
        """The unit of ``level`` (its position) each territory is exactly, indexed by territory: its communes
        (``membership``: territory, commune) are all those of that unit and no other; territories that are no
        unit are absent."""
        units = self.parents[level]
        sizes = np.bincount(units[units >= 0], minlength=len(self.codes[level]))
        per = (
            pd.DataFrame({"territory": membership["territory"], "unit": units[membership["commune"].to_numpy()]})
            .groupby("territory")["unit"]
            .agg(["nunique", "first", "size"])
        )
        whole = (per["nunique"] == 1) & (per["first"] >= 0)
        whole &= sizes[per["first"].clip(lower=0).to_numpy()] == per["size"].to_numpy()
        unit: pd.Series = per.loc[whole, "first"]
        return unit
