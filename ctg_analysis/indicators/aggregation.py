"""Sums over communes: Σ numerators and Σ denominators of every unit and slot (an indicator and a
period), with the counts of missing, partial, estimated and covered communes that become flags; the
evolutions between two vintages' sums; the non-additive values where they are published.

Every piece is a dictionary of equal-length arrays with the columns of :func:`sum_rows`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ctg_analysis.indicators.catalogue import Indicator
from ctg_analysis.indicators.encoding import (
    AT_COMMUNE,
    AT_EPCI,
    AT_FRANCE,
    AT_TERRITOIRE,
    Geography,
)
from ctg_analysis.levels import TABLE_LEVELS

__all__ = [
    "SUM_COLUMNS",
    "aggregate",
    "commune_arrays",
    "communes_as_sums",
    "evolutions",
    "level_sums",
    "published_rows",
    "stack_sums",
    "subset",
    "sum_rows",
]

#: The sums of a unit and slot that an evolution takes from both of its vintages.
SUM_COLUMNS = [
    "numerator",
    "denominator",
    "n_communes",
    "n_missing",
    "n_partial",
    "n_estimated",
    "n_rounded",
    "n_covered",
    "w_covered",
]
#: Every column of summed rows, with its type: the unit (level, geo), the slot, the sums and why a value is absent.
_SUM_ROW = {
    "level": "int8",
    "geo": "int32",
    "indicator": "int16",
    "year_start": "int16",
    "year_end": "int16",
    **dict.fromkeys(SUM_COLUMNS, "float64"),
    "published": "bool",
    "unavailable": "bool",
    "perimeter": "bool",
}
#: What the unit would cover with a complete source (added by the coverage, carried by evolutions).
_EXPECTED = {"n_expected": "float64", "w_expected": "float64"}


def sum_rows(size: int, **columns: ArrayLike) -> dict[str, np.ndarray]:
    """Summed rows with every column at its type; a scalar fills its column, flags default to false.

    Examples
    --------
    >>> rows = sum_rows(2, level=1, geo=[0, 1], indicator=3, year_start=2019, year_end=2019,
    ...                 numerator=[5.0, 7.0], denominator=np.nan, n_communes=1, n_missing=0, n_partial=0,
    ...                 n_estimated=0, n_rounded=0, n_covered=1, w_covered=0)
    >>> rows["geo"].dtype, rows["published"].tolist()
    (dtype('int32'), [False, False])
    """
    columns = {"published": False, "unavailable": False, "perimeter": False, **columns}
    types = {**_SUM_ROW, **{name: kind for name, kind in _EXPECTED.items() if name in columns}}
    unknown = set(columns) - set(types)
    if unknown:
        raise ValueError(f"colonnes de sommes inconnues : {', '.join(sorted(unknown))}")

    def column(value: ArrayLike, kind: str) -> np.ndarray:
        array = np.asarray(value, dtype=kind)
        return np.full(size, array, dtype=kind) if array.ndim == 0 else array

    return {name: column(columns[name], kind) for name, kind in types.items()}


def commune_arrays(values: pd.DataFrame, population: np.ndarray) -> dict[str, np.ndarray]:
    """The prepared commune values as the float arrays the sums add up (a missing term counts zero and
    its commune counts as missing); ``w_covered`` is the population of the communes with a value."""
    commune = values["commune"].to_numpy()
    missing = values["missing"].to_numpy(dtype="float64")
    people = np.nan_to_num(population)
    return {
        "slot": values["slot"].to_numpy(dtype="int64"),
        "numerator": np.nan_to_num(values["numerator"].to_numpy(dtype="float64")),
        "denominator": np.nan_to_num(values["denominator"].to_numpy(dtype="float64")),
        "missing": missing,
        "partial": values["partial"].to_numpy(dtype="float64"),
        "estimated": values["estimated"].to_numpy(dtype="float64"),
        "rounded": values["rounded"].to_numpy(dtype="float64"),
        "w_covered": people[commune] * (1.0 - missing) if len(commune) else np.zeros(0),
    }


def aggregate(
    arrays: dict[str, np.ndarray], geo: np.ndarray, level: int, n_geo: int, slots: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Σ numerators and Σ denominators by (geo, slot), counting missing, partial and covered communes.

    A slot is one (indicator, period) of the prepared data; ``geo × slot`` is a dense integer key summed
    with ``np.bincount``: no sort and no hash over the millions of commune values.
    """
    n_slots = len(slots)
    key = geo.astype("int64") * n_slots + arrays["slot"]
    size = n_geo * n_slots
    n_communes = np.bincount(key, minlength=size)
    filled = np.flatnonzero(n_communes)

    def total(name: str) -> np.ndarray:
        return np.bincount(key, weights=arrays[name], minlength=size)[filled]

    slot = filled % n_slots
    n_missing = total("missing")
    return sum_rows(
        len(filled),
        level=level,
        geo=filled // n_slots,
        indicator=slots["indicator"].to_numpy()[slot],
        year_start=slots["year_start"].to_numpy()[slot],
        year_end=slots["year_end"].to_numpy()[slot],
        numerator=total("numerator"),
        denominator=total("denominator"),
        n_communes=n_communes[filled],
        n_missing=n_missing,
        n_partial=total("partial"),
        n_estimated=total("estimated"),
        n_rounded=total("rounded"),
        n_covered=n_communes[filled] - n_missing,
        w_covered=total("w_covered"),
    )


def communes_as_sums(arrays: dict[str, np.ndarray], commune: np.ndarray, slots: pd.DataFrame) -> dict[str, np.ndarray]:
    """The commune level needs no sum: each (commune, slot) is one row of the prepared values."""
    slot = arrays["slot"]
    return sum_rows(
        len(slot),
        level=AT_COMMUNE,
        geo=commune,
        indicator=slots["indicator"].to_numpy()[slot],
        year_start=slots["year_start"].to_numpy()[slot],
        year_end=slots["year_end"].to_numpy()[slot],
        numerator=arrays["numerator"],
        denominator=arrays["denominator"],
        n_communes=1.0,
        n_missing=arrays["missing"],
        n_partial=arrays["partial"],
        n_estimated=arrays["estimated"],
        n_rounded=arrays["rounded"],
        n_covered=1.0 - arrays["missing"],
        w_covered=arrays["w_covered"],
    )


def level_sums(
    arrays: dict[str, np.ndarray], commune: np.ndarray, geography: Geography, slots: pd.DataFrame
) -> dict[str, dict[str, np.ndarray]]:
    """The sums of every EPCI, département, région and France: the same for every territory, computed once
    per data folder."""
    sums = {}
    for level in ("epci", "departement", "region"):
        code = TABLE_LEVELS.index(level)
        parent = geography.parents[level][commune]
        known = parent >= 0
        sums[level] = aggregate(subset(arrays, known), parent[known], code, len(geography.codes[level]), slots)
    sums["france"] = aggregate(arrays, np.zeros(len(commune), dtype="int64"), AT_FRANCE, 1, slots)
    return sums


def stack_sums(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Concatenate pieces of sums column by column (an empty dictionary is no piece)."""
    parts = [p for p in parts if p]
    return {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}


def subset(arrays: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    """The rows of ``mask`` (booleans or positions) of every array."""
    return {name: array[mask] for name, array in arrays.items()}


def evolutions(sums: dict[str, np.ndarray], indicators: tuple[Indicator, ...]) -> dict[str, np.ndarray]:
    """Evolutions between the latest vintage and the latest one at least ``min_gap`` years before."""
    position = {i.id: n for n, i in enumerate(indicators)}
    changes = [i for i in indicators if i.is_change]
    rows = np.isin(sums["indicator"], [position[str(i.of)] for i in changes])
    bases = pd.DataFrame(
        {column: sums[column][rows] for column in ("level", "geo", "indicator", "year_end", *SUM_COLUMNS, *_EXPECTED)}
    )
    pieces = []
    for indicator in changes:
        base = bases.loc[bases["indicator"] == position[str(indicator.of)]]
        years = sorted(base["year_end"].unique())
        if len(years) < 2:
            continue
        last = years[-1]
        eligible = [y for y in years if y <= last - indicator.min_gap]
        first = eligible[-1] if eligible else years[-2]  # flagged not comparable
        keys = ["level", "geo"]
        end = base.loc[base["year_end"] == last, [*keys, *SUM_COLUMNS, *_EXPECTED]]
        start = base.loc[
            base["year_end"] == first,
            [*keys, "numerator", "n_missing", "n_partial", "n_estimated", "n_rounded", "n_covered", "w_covered"],
        ]
        joined = end.merge(start, on=keys, suffixes=("", "_start"))
        pieces.append(
            sum_rows(
                len(joined),
                level=joined["level"],
                geo=joined["geo"],
                indicator=position[indicator.id],
                year_start=first,
                year_end=last,
                numerator=joined["numerator"],
                denominator=joined["numerator_start"],
                n_communes=joined["n_communes"],
                n_missing=joined["n_missing"] + joined["n_missing_start"],
                n_partial=joined["n_partial"] + joined["n_partial_start"],
                n_estimated=joined["n_estimated"] + joined["n_estimated_start"],
                n_rounded=joined["n_rounded"] + joined["n_rounded_start"],
                # An evolution covers what both of its vintages cover.
                n_covered=np.minimum(joined["n_covered"], joined["n_covered_start"]),
                w_covered=np.minimum(joined["w_covered"], joined["w_covered_start"]),
                n_expected=joined["n_expected"],
                w_expected=joined["w_expected"],
            )
        )
    return stack_sums(pieces) if pieces else {}


def published_rows(published: pd.DataFrame, membership: pd.DataFrame, geography: Geography) -> dict[str, np.ndarray]:
    """Non-additive values where they are published. A territory gets one only if it is exactly a
    published unit (a single commune, or the communes of one EPCI); member communes absent from the
    published file (secret) are shown as missing."""
    if published.empty:
        return {}
    kinds = published[["indicator", "year"]].drop_duplicates()
    # Territories coinciding with a published unit.
    sizes = membership.groupby("territory")["commune"].agg(["size", "first"])
    single = sizes.loc[sizes["size"] == 1, "first"]
    commune_values = published.loc[published["level"] == AT_COMMUNE]
    as_commune = commune_values.merge(pd.DataFrame({"territory": single.index, "geo": single.to_numpy()}), on="geo")
    whole = geography.units_equal_to(membership, "epci")
    epci_values = published.loc[published["level"] == AT_EPCI]
    as_epci = epci_values.merge(pd.DataFrame({"territory": whole.index, "geo": whole.to_numpy()}), on="geo")
    covered = pd.concat([as_commune, as_epci], ignore_index=True)
    covered = covered.assign(level=np.int8(AT_TERRITOIRE), geo=covered["territory"]).drop(columns="territory")
    # Per indicator and year: a one-commune territory with a commune median has no AAH of its own for all that.
    pairs = pd.DataFrame({"geo": np.unique(membership["territory"])}).merge(kinds, how="cross")
    unavailable = pairs.merge(covered[["geo", "indicator", "year"]], how="left", indicator=True)
    unavailable = unavailable.loc[unavailable["_merge"] == "left_only"].drop(columns="_merge")
    unavailable = unavailable.assign(level=np.int8(AT_TERRITOIRE), value=np.nan, unavailable=True, perimeter=False)
    members = pd.DataFrame({"geo": np.unique(membership["commune"])}).merge(kinds, how="cross")
    absent = members.merge(commune_values[["geo", "indicator", "year"]], how="left", indicator=True)
    absent = (
        absent.loc[absent["_merge"] == "left_only"]
        .drop(columns="_merge")
        .assign(level=np.int8(AT_COMMUNE), value=np.nan, perimeter=False)
    )
    rows = pd.concat([published, covered, unavailable, absent], ignore_index=True)
    return sum_rows(
        len(rows),
        level=rows["level"],
        geo=rows["geo"],
        indicator=rows["indicator"],
        year_start=rows["year"],
        year_end=rows["year"],
        numerator=rows["value"],
        denominator=np.nan,
        n_communes=np.nan,
        n_missing=rows["value"].isna(),
        n_partial=0,
        n_estimated=0,
        n_rounded=0,
        n_covered=np.nan,
        w_covered=np.nan,
        published=True,
        unavailable=rows["unavailable"].fillna(False).astype(bool),
        perimeter=rows["perimeter"].fillna(False).astype(bool),
        n_expected=np.nan,
        w_expected=np.nan,
    )
