"""The long table: every indicator of every territory at every level of its comparison ladder, one row
per (territory, level, unit, indicator, period), never a silent absence.

:func:`compute_indicators` sums the prepared commune terms for the territories (the sums of the EPCI,
département, région and France were made once by :func:`~ctg_analysis.indicators.preparation.prepare`),
adds the evolutions and the published values, derives values and flags, joins them to each territory's
ladder, completes what no source has with missing rows, and builds categorical text columns at the very
end. No Python loop runs over communes or territories (only over the catalogue entries and the levels).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ctg_analysis.indicators.aggregation import (
    aggregate,
    commune_arrays,
    communes_as_sums,
    evolutions,
    published_rows,
    stack_sums,
    subset,
)
from ctg_analysis.indicators.catalogue import Indicator
from ctg_analysis.indicators.coverage import with_expected
from ctg_analysis.indicators.encoding import (
    AT_COMMUNE,
    AT_FRANCE,
    AT_TERRITOIRE,
    NO_YEAR,
    categorical,
    pack,
    pack_period,
    period_labels,
)
from ctg_analysis.indicators.flags import derive, flag_bits, flag_texts
from ctg_analysis.indicators.membership import comparison_links, membership_of
from ctg_analysis.indicators.preparation import PreparedData
from ctg_analysis.levels import REFERENCE_LEVELS, TABLE_LEVELS
from ctg_analysis.territories import Territories

__all__ = ["LONG_COLUMNS", "compute_indicators"]


#: Columns of the long table, in order.
LONG_COLUMNS = [
    "territory",
    "level",
    "geo",
    "geo_label",
    "indicator",
    "label",
    "theme",
    "period",
    "year_start",
    "year_end",
    "value",
    "numerator",
    "denominator",
    "unit",
    "flags",
    "n_communes",
    "source",
    "coverage_communes",
    "coverage_population",
]


def _period_sources(
    prepared: PreparedData, indicators: tuple[Indicator, ...], which: np.ndarray, start: np.ndarray, end: np.ndarray
) -> pd.Categorical:
    """Each row's source line: the files of the years its period reads (both ends of an evolution), else
    every file of its indicator."""
    packed = (np.asarray(which, dtype="int64") << 32) | (np.asarray(start, dtype="int64") << 16) | np.asarray(end)
    combos, codes = np.unique(packed, return_inverse=True)
    lines = []
    for key in combos.tolist():  # one per (indicator, period): a few hundred at most
        indicator, first, last = indicators[key >> 32], (key >> 16) & 0xFFFF, key & 0xFFFF
        base = indicator.of or indicator.id
        found = [prepared.period_sources.get((base, year)) for year in dict.fromkeys((first, last))]
        lines.append(" ; ".join(dict.fromkeys(f for f in found if f)) or prepared.sources.get(indicator.id, ""))
    return categorical(codes.reshape(-1), np.array(lines, dtype=object))


def compute_indicators(
    prepared: PreparedData,
    territories: Territories,
    *,
    territory_ids: list[str] | None = None,
) -> pd.DataFrame:
    """The long table of every indicator for the territories, at every level of the ladder.

    Every indicator asked for has a row for every unit of each territory's ladder: its value, or a
    missing value with the flag that says why (no commune of the unit in the source, secret values,
    perimeter changed, not published for a grouping…). Units that a source covers in part are flagged
    ``partial``; ``coverage_communes`` and ``coverage_population`` say how much is covered, and below
    :data:`MIN_COVERAGE` the value is withheld.

    Parameters
    ----------
    prepared
        The output of :func:`prepare`.
    territories
        Validated territories, in the COG year of the prepared data:
        ``load_territories(file, prepared.reference, prepared.movements)``.
    territory_ids
        Only these territories (default: all).

    Returns
    -------
    DataFrame
        Columns :data:`LONG_COLUMNS` (text columns are categorical), one row per (territory, level, geo,
        indicator, period). ``flags`` holds ``;``-separated codes of :data:`~ctg_analysis.indicators.flags.FLAGS`.

    Raises
    ------
    CtgError
        An unknown territory id, or a territory commune absent from the prepared geography.

    Examples
    --------
    >>> table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    >>> own = table.query("level == 'territoire' and indicator == 'evol_0_2'")
    >>> own[["period", "value"]].round(1).to_numpy().tolist()
    [['2013-2019', 25.7]]
    """
    membership, order = membership_of(prepared, territories, territory_ids)
    links = comparison_links(prepared, territories, membership, order)
    geography = prepared.geography

    def wanted(level: int, size: int) -> np.ndarray:
        mask = np.zeros(size + 1, dtype=bool)  # the last slot stands for "unknown parent" (−1)
        mask[links.loc[links["level"] == level, "geo"].to_numpy()] = True
        return mask

    shown = wanted(AT_COMMUNE, len(geography.communes))
    summed = np.zeros(len(shown), dtype=bool)
    summed[membership["commune"].to_numpy()] = True
    # The rows of the communes shown or summed only: a territory's, not the whole of France's.
    rows = np.flatnonzero((shown | summed)[prepared.values["commune"].to_numpy()])
    values = prepared.values.iloc[rows]
    commune = values["commune"].to_numpy()
    slots = prepared.slots
    # Missing terms were masked in prepare: their sums count zero and their communes count as missing.
    arrays = commune_arrays(values, prepared.population)
    pieces = []
    selected = shown[commune]
    pieces.append(communes_as_sums(subset(arrays, selected), commune[selected], slots))
    if not membership["commune"].duplicated().any():
        # Territories that do not overlap (the usual case): each commune's territory is a lookup.
        territory_of = np.full(len(geography.communes) + 1, -1, dtype="int64")
        territory_of[membership["commune"].to_numpy()] = membership["territory"].to_numpy()
        territory = territory_of[commune]
        inside = territory >= 0
        pieces.append(aggregate(subset(arrays, inside), territory[inside], AT_TERRITOIRE, len(order), slots))
    else:
        # A commune in several territories counts in each of them.
        pairs = pd.DataFrame({"row": np.arange(len(values)), "commune": commune}).merge(membership, on="commune")
        pieces.append(
            aggregate(
                subset(arrays, pairs["row"].to_numpy()), pairs["territory"].to_numpy(), AT_TERRITOIRE, len(order), slots
            )
        )
    for level in REFERENCE_LEVELS:
        code = TABLE_LEVELS.index(level)
        sums = prepared.level_sums[level]
        keep = wanted(code, len(geography.codes.get(level, [0])))[sums["geo"]]
        pieces.append(subset(sums, keep))
    sums = stack_sums(pieces)
    sums = with_expected(sums, prepared, membership, len(order))
    sums = stack_sums(
        [sums, evolutions(sums, prepared.indicators), published_rows(prepared.published, membership, geography)]
    )
    joined = _join(links, derive(sums, prepared))
    return _frame(_complete(joined, links, prepared), prepared, territories, order)


def _complete(table: dict[str, np.ndarray], links: pd.DataFrame, prepared: PreparedData) -> dict[str, np.ndarray]:
    """Add a missing row for every (link, indicator) without any row: never a silent absence.

    The missing row takes the indicator's latest period in the data, or « – » when no file has it.
    """
    links = links.sort_values(["territory", "level", "geo"], ignore_index=True)
    row_link = np.searchsorted(
        _unit_keys(links["territory"], links["level"], links["geo"]),
        _unit_keys(table["territory"], table["level"], table["geo"]),
    )
    link, indicator = _absent(table, links, row_link, prepared)
    if not len(link):
        return table
    start, end = _latest_periods(table, prepared.slots, indicator)
    count = len(link)
    extra = {
        "territory": links["territory"].to_numpy()[link],
        "level": links["level"].to_numpy()[link],
        "geo": links["geo"].to_numpy()[link],
        "indicator": indicator.astype(table["indicator"].dtype),
        "year_start": start,
        "year_end": end,
        "value": np.full(count, np.nan),
        "numerator": np.full(count, np.nan),
        "denominator": np.full(count, np.nan),
        "flags": flag_bits(count, missing=True, demo=prepared.demo),
        "n_communes": np.zeros(count, dtype="int32"),
        "published": np.zeros(count, dtype=bool),
        "coverage_communes": np.zeros(count),
        "coverage_population": np.zeros(count),
    }

    # The table is ordered by (territory, level, geo, indicator, period): the new rows are inserted at
    # their place (a search in the packed keys), not sorted in with the millions of others.
    def key(link_position: np.ndarray, columns: dict[str, np.ndarray]) -> np.ndarray:
        keys: np.ndarray = (link_position.astype("int64") << 24) | pack(
            columns["indicator"], columns["year_start"], columns["year_end"]
        )
        return keys

    extra_key = key(link, extra)
    order = np.argsort(extra_key, kind="stable")
    at = np.searchsorted(key(row_link, table), extra_key[order])
    return {column: np.insert(table[column], at, extra[column][order]) for column in table}


def _unit_keys(territory: ArrayLike, level: ArrayLike, geo: ArrayLike) -> np.ndarray:
    """(territory, level, geo) packed in one integer, in their sort order."""
    keys: np.ndarray = (
        (np.asarray(territory, dtype="int64") << 40)
        | (np.asarray(level, dtype="int64") << 32)
        | np.asarray(geo, dtype="int64")
    )
    return keys


def _absent(
    table: dict[str, np.ndarray], links: pd.DataFrame, row_link: np.ndarray, prepared: PreparedData
) -> tuple[np.ndarray, np.ndarray]:
    """The (link, indicator) pairs without any row; France métropolitaine stands beside France only for the
    values published for it."""
    n_indicators = len(prepared.indicators)
    present = np.zeros(len(links) * n_indicators, dtype=bool)
    present[row_link * n_indicators + table["indicator"].astype("int64")] = True
    absent = np.flatnonzero(~present)
    link, indicator = absent // n_indicators, absent % n_indicators
    published = np.array([not i.additive for i in prepared.indicators])
    keep = ~(
        (links["level"].to_numpy()[link] == AT_FRANCE) & (links["geo"].to_numpy()[link] > 0) & ~published[indicator]
    )
    return link[keep], indicator[keep]


def _latest_periods(
    table: dict[str, np.ndarray], slots: pd.DataFrame, indicator: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The latest period of each indicator in the data (its slots, or an evolution's rows), « – » without."""
    latest = (
        slots.sort_values(["year_end", "year_start"]).drop_duplicates("indicator", keep="last").set_index("indicator")
    )
    evolutions = pd.DataFrame(
        {"indicator": table["indicator"], "year_start": table["year_start"], "year_end": table["year_end"]}
    )
    latest = pd.concat([latest.reset_index(), evolutions.loc[~evolutions["indicator"].isin(latest.index)]])
    latest = (
        latest.sort_values(["year_end", "year_start"]).drop_duplicates("indicator", keep="last").set_index("indicator")
    )
    start = latest["year_start"].reindex(indicator).fillna(NO_YEAR).to_numpy(dtype="int16")
    end = latest["year_end"].reindex(indicator).fillna(NO_YEAR).to_numpy(dtype="int16")
    return start, end


def _join(links: pd.DataFrame, sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every sum row of each link's (level, geo), in the order territory, level, geo, indicator, period.

    A sort-and-slice join: the sums are sorted once by a packed key; each link takes the slice of its
    (level, geo), so the output comes out ordered without sorting its millions of rows.
    """
    links = links.sort_values(["territory", "level", "geo"], ignore_index=True)
    level = sums["level"].astype("int64")
    geo = sums["geo"].astype("int64")
    place = level << 32 | geo
    detail = pack(sums["indicator"], sums["year_start"], sums["year_end"])
    order = np.argsort((level << 56) | (geo << 26) | detail, kind="stable")
    sorted_place = place[order]
    wanted = links["level"].to_numpy(dtype="int64") << 32 | links["geo"].to_numpy(dtype="int64")
    first = np.searchsorted(sorted_place, wanted, side="left")
    counts = np.searchsorted(sorted_place, wanted, side="right") - first
    left = np.repeat(np.arange(len(links)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    right = order[np.repeat(first, counts) + within]
    joined = {column: array[right] for column, array in sums.items()}
    joined["territory"] = links["territory"].to_numpy()[left]
    return joined


def _frame(
    table: dict[str, np.ndarray], prepared: PreparedData, territories: Territories, order: list[str]
) -> pd.DataFrame:
    """The long table, text columns as categoricals built from integer codes."""
    indicators = prepared.indicators
    geography = prepared.geography
    labels_by_id = {t.id: t.label for t in territories}
    codes = {**geography.codes, "territoire": pd.Index(order)}
    labels = {**geography.labels, "territoire": np.array([labels_by_id[t] for t in order], dtype=object)}
    level_codes = [codes[level] for level in TABLE_LEVELS]
    level_labels = [labels[level] for level in TABLE_LEVELS]
    offsets = np.cumsum([0, *[len(c) for c in level_codes]])[:-1]
    place = offsets[table["level"]] + table["geo"]
    start = table["year_start"].astype("int64")
    end = table["year_end"].astype("int64")
    period_keys = pack_period(start, end)
    pairs = np.unique(period_keys)
    # Every combination of flags is a category: the bitmask is the categorical code itself.
    which = table["indicator"]
    return pd.DataFrame(
        {
            "territory": pd.Categorical.from_codes(table["territory"], categories=pd.Index(order, dtype="object")),
            "level": pd.Categorical.from_codes(table["level"], categories=pd.Index(TABLE_LEVELS, dtype="object")),
            "geo": categorical(place, np.concatenate([np.asarray(c, dtype=object) for c in level_codes])),
            "geo_label": categorical(place, np.concatenate([np.asarray(c, dtype=object) for c in level_labels])),
            "indicator": pd.Categorical.from_codes(
                which, categories=pd.Index([i.id for i in indicators], dtype="object")
            ),
            "label": categorical(which, np.array([i.label for i in indicators], dtype=object)),
            "theme": categorical(which, np.array([i.theme for i in indicators], dtype=object)),
            "period": pd.Categorical.from_codes(
                np.searchsorted(pairs, period_keys), categories=pd.Index(period_labels(pairs), dtype="object")
            ),
            # An indicator no file has has no period: <NA>, not the packing's origin year.
            "year_start": pd.arrays.IntegerArray(start, end == NO_YEAR),
            "year_end": pd.arrays.IntegerArray(end, end == NO_YEAR),
            "value": table["value"],
            "numerator": table["numerator"],
            "denominator": table["denominator"],
            "unit": categorical(which, np.array([i.unit for i in indicators], dtype=object)),
            "flags": pd.Categorical.from_codes(table["flags"], categories=pd.Index(flag_texts(), dtype="object")),
            "n_communes": pd.arrays.IntegerArray(table["n_communes"], table["published"].copy()),
            "source": _period_sources(prepared, indicators, which, start, end),
            "coverage_communes": table["coverage_communes"],
            "coverage_population": table["coverage_population"],
        },
        copy=False,
    )
