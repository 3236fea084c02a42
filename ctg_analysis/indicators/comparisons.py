"""Compare a territory (or a commune) with its comparison levels: gap, ratio, and "above, below or close".

Each commune is compared with its own département and région; a territory spanning two départements
is compared with both. The :func:`position` helper gives what a sentence such as the seed's
"+25,7 % contre +3,1 % dans le département" needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ctg_analysis.formatting import FrenchText, format_value
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.indicators.flags import forbids_comparison

__all__ = ["NOT_COMPARED_DIRECTION", "RATE_UNITS", "Position", "compare", "position"]

#: Units of rates and shares: gaps between them are in points.
RATE_UNITS = {"%", "‰", "% par an"}
#: The position of a pair whose value (or comparison value) is partial, estimated or not comparable.
NOT_COMPARED_DIRECTION = "non comparé (valeur partielle, estimée ou non comparable)"


@dataclass(frozen=True)
class Position:
    """Where a value stands against a reference value.

    Attributes
    ----------
    direction
        ``"supérieur"``, ``"inférieur"``, ``"comparable"``, or ``"indéterminé"`` when a value is missing.
    gap
        ``value − reference``: in points for rates and shares, in the unit otherwise.
    ratio
        ``value / reference``.
    text
        A French phrase: ``+25,7 % contre +3,1 % dans le département``.
    """

    direction: str
    gap: float
    ratio: float
    text: str


def _close(gap: Any, ratio: Any, rate: Any, evolution: Any, tolerance_points: float, tolerance_relative: float) -> Any:
    """Whether values are "comparable" (scalars or Series): an evolution within the points; a rate or
    share within the points *and* the relative tolerance (3,7 % against 4,8 % is not close, though
    within a point); a count or amount within the relative tolerance."""
    within_points = abs(gap) <= tolerance_points
    within_ratio = abs(ratio - 1) <= tolerance_relative  # False when the ratio is NaN
    return (
        (rate & evolution & within_points) | (rate & ~evolution & within_points & within_ratio) | (~rate & within_ratio)
    )


def position(
    value: float,
    reference: float,
    *,
    unit: str = "%",
    decimals: int = 1,
    tolerance_points: float = 1.0,
    tolerance_relative: float = 0.05,
    signed: bool = False,
    where: str = "dans le département",
) -> Position:
    """Above, below or close to a reference value, and by how much.

    Parameters
    ----------
    value, reference
        The territory's value and the comparison level's.
    unit, decimals
        How to print them.
    tolerance_points
        For rates, shares and evolutions (%, ‰): a gap within this many points may be "comparable".
    tolerance_relative
        A ratio within ``1 ± tolerance_relative`` may be "comparable": enough for counts and amounts,
        required as well for rates and shares (not for evolutions, whose ratio means little).
    signed
        The values are evolutions: print their sign, compare them in points only.
    where
        The comparison level in the sentence (``dans le département``, ``en France``…).

    Examples
    --------
    >>> p = position(25.7, 3.1, signed=True)
    >>> p.direction, round(p.gap, 1)
    ('supérieur', 22.6)
    >>> p.text
    '+25,7\u00a0% contre +3,1\u00a0% dans le département'
    """
    if value is None or reference is None or math.isnan(value) or math.isnan(reference):
        return Position("indéterminé", math.nan, math.nan, FrenchText(""))
    gap = value - reference
    ratio = value / reference if reference else math.nan
    close = bool(
        _close(gap, ratio, np.bool_(unit in RATE_UNITS), np.bool_(signed), tolerance_points, tolerance_relative)
    )
    direction = "comparable" if close else ("supérieur" if gap > 0 else "inférieur")
    text = (
        f"{format_value(value, unit, decimals, sign=signed)} contre "
        f"{format_value(reference, unit, decimals, sign=signed)} {where}"
    )
    return Position(direction, gap, ratio, FrenchText(text))


def compare(
    table: pd.DataFrame,
    reference: pd.DataFrame | None,
    *,
    levels: tuple[str, ...] = ("epci", "departement", "region", "france"),
    tolerance_points: float = 1.0,
    tolerance_relative: float = 0.05,
) -> pd.DataFrame:
    """Gap and ratio of every territory and commune value to each comparison level, for the indicators that
    compare across units of different sizes (rates, shares, changes, medians: never counts). A pair whose
    value or comparison value is partial, estimated or not comparable has no gap, no ratio, and the position
    :data:`NOT_COMPARED_DIRECTION`.

    Parameters
    ----------
    table
        The long table of :func:`~ctg_analysis.indicators.compute_indicators`.
    reference
        The commune reference (for each commune's own EPCI, département and région); ``None``: the territories
        only, not their communes.
    levels
        Comparison levels.
    tolerance_points, tolerance_relative
        See :func:`position`.

    Returns
    -------
    DataFrame
        One row per (territory, level, geo, indicator, period, comparison level and geo) with ``value``,
        ``comparison_value``, ``gap``, ``ratio`` and ``direction``.

    Examples
    --------
    >>> pairs = compare(table, prepared.reference)
    >>> ezanville = pairs.query("territory == 'ezanville' and level == 'territoire' and indicator == 'evol_0_2'")
    >>> columns = ["value", "comparison_label", "comparison_value"]
    >>> ezanville.query("comparison_level == 'departement'")[columns].round(1).to_numpy().tolist()
    [[25.7, "Val-d'Oise", 6.0]]
    """
    keys = ["territory", "indicator", "period"]
    comparable = table["indicator"].map(lambda i: get_indicator(i).compares_across_units).astype(bool)
    subjects = table.loc[table["level"].isin(["territoire", "commune"] if reference is not None else ["territoire"])]
    subjects = subjects.loc[comparable]
    targets = table.loc[table["level"].isin(levels), [*keys, "level", "geo", "geo_label", "value", "flags"]].rename(
        columns={
            "level": "comparison_level",
            "geo": "comparison_geo",
            "geo_label": "comparison_label",
            "value": "comparison_value",
            "flags": "comparison_flags",
        }
    )
    pairs = subjects.merge(targets, on=keys, how="inner")
    if reference is not None:
        pairs = _own_levels(pairs, reference)
    # A partial, estimated or non-comparable value (on either side) is given alone, never compared.
    flagged = forbids_comparison(pairs["flags"]) | forbids_comparison(pairs["comparison_flags"])
    gap = (pairs["value"] - pairs["comparison_value"]).mask(flagged)
    ratio = (pairs["value"] / pairs["comparison_value"].where(pairs["comparison_value"] != 0)).mask(flagged)
    rate = pairs["unit"].isin(RATE_UNITS)
    evolution = pairs["indicator"].map(lambda i: get_indicator(i).is_change).astype(bool)
    close = _close(gap, ratio, rate, evolution, tolerance_points, tolerance_relative)
    direction = pd.Series("inférieur", index=pairs.index).mask(gap > 0, "supérieur").mask(close, "comparable")
    direction = direction.mask(gap.isna(), "indéterminé").mask(flagged, NOT_COMPARED_DIRECTION)
    columns = [
        "territory",
        "level",
        "geo",
        "geo_label",
        "indicator",
        "label",
        "period",
        "unit",
        "value",
        "comparison_level",
        "comparison_geo",
        "comparison_label",
        "comparison_value",
    ]
    return pairs[columns].assign(gap=gap, ratio=ratio, direction=direction).reset_index(drop=True)


def _own_levels(pairs: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """The pairs of a commune with its own EPCI, département and région only, not its neighbours'."""
    parents = reference.set_index("code")
    is_commune = pairs["level"] == "commune"
    own = pd.Series(True, index=pairs.index)
    for level in ("epci", "departement", "region"):
        rows = is_commune & (pairs["comparison_level"] == level)
        own[rows] = (
            pairs.loc[rows, "geo"].map(parents[level]).to_numpy() == pairs.loc[rows, "comparison_geo"].to_numpy()
        )
    return pairs.loc[own]
