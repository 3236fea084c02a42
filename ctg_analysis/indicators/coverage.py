"""What a complete source would cover: the communes and the population of every summed unit, against
which a sum's coverage is measured (France leaving Mayotte out for a source that does not cover it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctg_analysis.codes import departement_of
from ctg_analysis.indicators.encoding import AT_FRANCE, pack
from ctg_analysis.indicators.preparation import PreparedData
from ctg_analysis.levels import TABLE_LEVELS

__all__ = ["with_expected"]


def _per_unit(
    prepared: PreparedData, membership: pd.DataFrame, n_territories: int, weights: np.ndarray
) -> list[np.ndarray]:
    """Σ ``weights`` of the communes of every unit, level by level in the order of their codes
    (:data:`~ctg_analysis.levels.TABLE_LEVELS`: commune, territory, EPCI, département, région, France)."""
    geography = prepared.geography
    commune = membership["commune"].to_numpy()
    sums = [weights, np.bincount(membership["territory"].to_numpy(), weights=weights[commune], minlength=n_territories)]
    for level in ("epci", "departement", "region"):
        parent = geography.parents[level]
        known = parent >= 0
        sums.append(np.bincount(parent[known], weights=weights[known], minlength=len(geography.codes[level])))
    sums.append(np.full(len(geography.codes["france"]), weights.sum()))
    return sums


def _expected(
    prepared: PreparedData, membership: pd.DataFrame, n_territories: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """For each level, the number of communes of each unit and their population: what full coverage is."""
    counts = _per_unit(prepared, membership, n_territories, np.ones(len(prepared.geography.communes)))
    people = _per_unit(prepared, membership, n_territories, np.nan_to_num(prepared.population))
    # A unit with a commune of unknown population has no population coverage (NaN): its commune
    # coverage is used instead.
    unknown = _per_unit(prepared, membership, n_territories, np.isnan(prepared.population).astype("float64"))
    people = [np.where(u > 0, np.nan, p) for p, u in zip(people, unknown, strict=True)]
    return counts, people


def _mayotte(prepared: PreparedData) -> np.ndarray:
    return departement_of(pd.Series(prepared.geography.communes, dtype="string")).eq("976").to_numpy(dtype=bool)


def _mayotte_less(prepared: PreparedData) -> tuple[np.ndarray, float, float]:
    """Slots of a source that does not cover Mayotte, and Mayotte's communes and population (France's
    scope then leaves Mayotte out rather than flagging France partial)."""
    mayotte = _mayotte(prepared)
    values = prepared.values
    rows = mayotte[values["commune"].to_numpy()] if len(values) else np.zeros(0, dtype=bool)
    covers = (
        np.bincount(values["slot"].to_numpy()[rows], minlength=len(prepared.slots)) > 0
        if len(values)
        else np.zeros(len(prepared.slots), dtype=bool)
    )
    return ~covers, float(mayotte.sum()), float(np.nan_to_num(prepared.population[mayotte]).sum())


def with_expected(
    sums: dict[str, np.ndarray], prepared: PreparedData, membership: pd.DataFrame, n_territories: int
) -> dict[str, np.ndarray]:
    """Add the communes and population each summed unit would have with a complete source."""
    counts, people = _expected(prepared, membership, n_territories)
    level, geo = sums["level"].astype("int64"), sums["geo"].astype("int64")
    n_expected = np.zeros(len(level))
    w_expected = np.zeros(len(level))
    for code in range(len(TABLE_LEVELS)):
        rows = level == code
        n_expected[rows] = counts[code][geo[rows]]
        w_expected[rows] = people[code][geo[rows]]
    # France's scope leaves Mayotte out for a source that does not cover it.
    no_mayotte, mayotte_communes, mayotte_people = _mayotte_less(prepared)
    slot_of = pd.Index(
        pack(
            prepared.slots["indicator"].to_numpy(),
            prepared.slots["year_start"].to_numpy(),
            prepared.slots["year_end"].to_numpy(),
        )
    )
    slot = slot_of.get_indexer(pack(sums["indicator"], sums["year_start"], sums["year_end"]))
    france = (level == AT_FRANCE) & (slot >= 0)
    without = np.zeros(len(level), dtype=bool)
    without[france] = no_mayotte[slot[france]]
    n_expected[without] -= mayotte_communes
    w_expected[without] -= mayotte_people
    if without.any() and np.isnan(w_expected[without]).any():
        # Mayotte's own unknown populations do not count against a France that leaves it out.
        mayotte_unknown = np.isnan(prepared.population[_mayotte(prepared)])
        others_unknown = np.isnan(prepared.population).sum() - mayotte_unknown.sum()
        if others_unknown == 0:
            w_expected[without] = np.nansum(prepared.population) - mayotte_people
    return {**sums, "n_expected": n_expected, "w_expected": w_expected}
