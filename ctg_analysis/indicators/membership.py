"""Which communes make each territory, and which units make its comparison ladder (its EPCI,
département, région, France and any comparison it declares)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctg_analysis.errors import CtgError
from ctg_analysis.indicators.encoding import (
    AT_COMMUNE,
    AT_FRANCE,
    AT_TERRITOIRE,
)
from ctg_analysis.indicators.preparation import PreparedData
from ctg_analysis.levels import TABLE_LEVELS
from ctg_analysis.territories import Territories

__all__ = ["comparison_links", "membership_of"]


def membership_of(
    prepared: PreparedData, territories: Territories, ids: list[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """(territory position, commune position) pairs, and the territory ids in position order."""
    membership = territories.membership()
    order = [t.id for t in territories]
    if ids is not None:
        for territory_id in ids:
            territories.get(territory_id)  # an unknown id fails with a suggestion
        membership = membership.loc[membership["territory"].isin(ids)]
        order = [i for i in order if i in set(ids)]
    communes = prepared.geography.communes.get_indexer(membership["commune"].astype(str))  # type: ignore[arg-type]  # pandas takes any array-like; the stubs say Index
    if (communes < 0).any():
        unknown = sorted(set(membership["commune"][communes < 0]))
        raise CtgError(
            f"communes {', '.join(unknown[:5])} absentes de la géographie {prepared.cog_year} des données : chargez "
            f"les "
            "territoires avec le référentiel et les mouvements des données préparées "
            "(load_territories(fichier, prepared.reference, prepared.movements))"
        )
    territory = pd.Index(order).get_indexer(membership["territory"].astype(str))
    return pd.DataFrame({"territory": territory.astype("int32"), "commune": communes.astype("int32")}), order


def comparison_links(
    prepared: PreparedData, territories: Territories, membership: pd.DataFrame, order: list[str]
) -> pd.DataFrame:
    """(territory, level, geo) for every level of each territory's comparison ladder."""
    geography = prepared.geography
    territory = membership["territory"].to_numpy()
    commune = membership["commune"].to_numpy()
    distinct = np.unique(territory)
    parts = [
        (territory, AT_COMMUNE, commune),
        (distinct, AT_TERRITOIRE, distinct),
    ]
    for level in ("epci", "departement", "region"):
        code = TABLE_LEVELS.index(level)
        parent = geography.parents[level][commune]
        # A unit that is the territory itself (an EPCI declared as a territory, Paris and its département) would
        # be set beside it as a second, identical column, bar and comparison: it is left out of the ladder.
        kept = (parent >= 0) & ~np.isin(territory, geography.units_equal_to(membership, level).index)
        parts.append((territory[kept], code, parent[kept]))
    # France is the sum of the communes of the data; a value published for France métropolitaine only
    # (Filosofi) stands beside it under its own code when the data go beyond it.
    published = prepared.published
    french = published.loc[published["level"] == AT_FRANCE, "geo"].unique() if len(published) else np.array([], int)
    for france in sorted({0, *french}):
        parts.append((distinct, AT_FRANCE, np.full(len(distinct), france)))
    positions = {territory_id: n for n, territory_id in enumerate(order)}
    extra = [
        (positions[t.id], TABLE_LEVELS.index(level), geography.codes[level].get_indexer([code])[0])  # type: ignore[arg-type]  # pandas takes any array-like; the stubs say Index
        for t in territories
        if t.id in positions
        for level, code in t.comparisons
    ]
    frames = [pd.DataFrame({"territory": t, "level": np.int8(level), "geo": g}) for t, level, g in parts]
    if extra:
        frames.append(pd.DataFrame(extra, columns=["territory", "level", "geo"]).query("geo >= 0"))
    links = pd.concat(frames, ignore_index=True).astype({"territory": "int32", "level": "int8", "geo": "int32"})
    return links.drop_duplicates(ignore_index=True)
