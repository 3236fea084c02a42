"""Compare a territory (or a commune) with its comparison levels: gap, ratio, and "above, below or close".

Each commune is compared with its own département and région; a territory spanning two départements
is compared with both. The :func:`position` helper gives what a sentence such as the seed's
"+25,7 % contre +3,1 % dans le département" needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ctg_analysis.formatting import format_value

__all__ = ["Position", "compare", "position"]

_RATE_UNITS = {"%", "‰", "% par an"}


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
        For rates and shares (%, ‰): a gap within this many points is "comparable".
    tolerance_relative
        For counts and amounts: a ratio within ``1 ± tolerance_relative`` is "comparable".
    signed
        Print the values with their sign (evolutions).
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
        return Position("indéterminé", math.nan, math.nan, "")
    gap = value - reference
    ratio = value / reference if reference else math.nan
    if unit in _RATE_UNITS:
        close = abs(gap) <= tolerance_points
    else:
        close = not math.isnan(ratio) and abs(ratio - 1) <= tolerance_relative
    direction = "comparable" if close else ("supérieur" if gap > 0 else "inférieur")
    text = f"{format_value(value, unit, decimals, sign=signed)} contre {format_value(reference, unit, decimals, sign=signed)} {where}"
    return Position(direction, gap, ratio, text)


def compare(
    table: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    levels: tuple[str, ...] = ("epci", "departement", "region", "france"),
    tolerance_points: float = 1.0,
    tolerance_relative: float = 0.05,
) -> pd.DataFrame:
    """Gap and ratio of every territory and commune value to each comparison level.

    Parameters
    ----------
    table
        The long table of :func:`~ctg_analysis.indicators.compute_indicators`.
    reference
        The commune reference (for each commune's own EPCI, département and région).
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
    >>> compare(table, prepared.reference).query("level == 'territoire' and indicator == 'evol_0_2'")  # doctest: +SKIP
    """
    keys = ["territory", "indicator", "period"]
    subjects = table.loc[table["level"].isin(["territoire", "commune"])]
    targets = table.loc[table["level"].isin(levels), [*keys, "level", "geo", "geo_label", "value"]].rename(
        columns={"level": "comparison_level", "geo": "comparison_geo", "geo_label": "comparison_label", "value": "comparison_value"}
    )
    pairs = subjects.merge(targets, on=keys, how="inner")
    # A commune is compared with its own EPCI, département and région only, not its neighbours'.
    parents = reference.set_index("code")
    is_commune = pairs["level"] == "commune"
    own = pd.Series(True, index=pairs.index)
    for level in ("epci", "departement", "region"):
        rows = is_commune & (pairs["comparison_level"] == level)
        own[rows] = pairs.loc[rows, "geo"].map(parents[level]).to_numpy() == pairs.loc[rows, "comparison_geo"].to_numpy()
    pairs = pairs.loc[own]
    gap = pairs["value"] - pairs["comparison_value"]
    ratio = pairs["value"] / pairs["comparison_value"].where(pairs["comparison_value"] != 0)
    rate = pairs["unit"].isin(_RATE_UNITS)
    close = (rate & gap.abs().le(tolerance_points)) | (~rate & (ratio - 1).abs().le(tolerance_relative))
    direction = pd.Series("inférieur", index=pairs.index).mask(gap > 0, "supérieur").mask(close, "comparable")
    direction = direction.mask(gap.isna(), "indéterminé")
    columns = [
        "territory", "level", "geo", "geo_label", "indicator", "label", "period", "unit", "value",
        "comparison_level", "comparison_geo", "comparison_label", "comparison_value",
    ]
    return pairs[columns].assign(gap=gap, ratio=ratio, direction=direction).reset_index(drop=True)
