"""From sums to values and flags: each summed unit's value (count, ratio, evolution), its coverage,
and the quality flags that say how far to trust it or why it is absent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ctg_analysis.indicators.catalogue import Indicator
from ctg_analysis.indicators.encoding import AT_COMMUNE, AT_DEPARTEMENT
from ctg_analysis.indicators.preparation import PreparedData

__all__ = [
    "DEMO_FLAG",
    "FLAGS",
    "MIN_COVERAGE",
    "NOT_COMPARED",
    "ROUNDED_FLAG",
    "derive",
    "flag_bits",
    "flag_meanings",
    "flag_texts",
    "forbids_comparison",
]


#: Flag codes of the long table and their French meaning, in the order they are listed.
FLAGS = {
    "small": "petits effectifs : valeur fragile",
    "partial": "valeur partielle : des communes manquent dans la source ou sont secrètes (voir la couverture)",
    # INSEE's Melodi statuses, as its metadata define them: M (donnée inexistante), K (comptée dans la commune
    # nouvelle, dont la ligne W l'inclut) and a confidential value (CONF_STATUS C) are all read as missing.
    "missing": "donnée manquante, secrète ou comptée dans une autre commune (statuts Insee M, C et K)",
    "not_comparable": "millésimes distants de moins de 5 ans : évolution non comparable",
    "unavailable": "non disponible : indicateur non additif, non publié pour ce regroupement",
    "perimeter": "non disponible : périmètre modifié depuis la publication (communes fusionnées ou scindées, "
    "composition de l'EPCI)",
    "estimated": "estimation : valeur d'une commune scindée répartie au prorata de la population",
    "cog_mismatch": "géographies non harmonisées (COG différent)",
    # A mark of the publisher's rounding, said in words, not a fault of the value: not greyed as fragile.
    "rounded": "effectifs arrondis à 5 par la CNAF (montants à 100 €) : à lire comme des ordres de grandeur",
    # A commune cut into IRIS whose file leaves some IRIS blank (secret): its sum misses them, however many
    # communes the value covers — said apart from the communes' coverage, never dropped as negligible.
    "secret_iris": "valeur partielle : des IRIS secrets (cases vides du fichier CNAF) ne sont pas comptés",
    "demo": "données fictives de démonstration",
}
#: The flag of the demo's fictional data: a mark of origin, not of quality.
DEMO_FLAG = "demo"
#: The flag of a value summing counts the publisher rounded: said in words, not greyed as fragile.
ROUNDED_FLAG = "rounded"
#: Flags that keep a value from being set against another as if it were whole (the guide's rule: a partial,
#: estimated or non-comparable value, or one of another geography, is given alone with its caveat).
NOT_COMPARED = frozenset({"not_comparable", "partial", "secret_iris", "estimated", "cog_mismatch"})
_NOT_COMPARED_PATTERN = r"(?:^|;)(?:" + "|".join(sorted(NOT_COMPARED)) + r")(?:;|$)"


def forbids_comparison(flags: pd.Series) -> pd.Series:
    """Whether each row's flags (``partial;demo``) keep its value from being compared.

    Examples
    --------
    >>> forbids_comparison(pd.Series(["partial;demo", "small", None, "not_comparable"])).tolist()
    [True, False, False, True]
    """
    return flags.astype("string").fillna("").str.contains(_NOT_COMPARED_PATTERN, regex=True).astype(bool)


def flag_meanings() -> list[str]:
    """What each quality flag means, as French sentences for a reader (the demo's apart).

    Examples
    --------
    >>> flag_meanings()[0]
    'Petits effectifs : valeur fragile.'
    """
    return [f"{meaning[0].upper()}{meaning[1:]}." for code, meaning in FLAGS.items() if code != DEMO_FLAG]


#: Below this share of its population (or, where populations are unknown, of its communes) covered by
#: the source, a value above the commune is withheld (missing); above it but below 1 it is ``partial``.
MIN_COVERAGE = 0.5


def derive(sums: dict[str, np.ndarray], prepared: PreparedData) -> dict[str, np.ndarray]:
    """Values and flags of every summed unit (before the join, which repeats a département, a région and
    France for each territory that has them in its ladder)."""
    indicators = prepared.indicators
    which = sums["indicator"].astype("int64")

    def per_indicator(values: list[Any]) -> np.ndarray:
        spread: np.ndarray = np.asarray(values)[which]
        return spread

    counts = per_indicator([i.is_count or not i.additive for i in indicators])  # a published value is read as is
    ratios = per_indicator([i.is_ratio for i in indicators])
    changes = per_indicator([i.is_change for i in indicators])
    numerator = sums["numerator"].astype("float64")
    denominator = sums["denominator"].astype("float64")
    years = sums["year_end"].astype("int64") - sums["year_start"].astype("int64")
    value = _values(sums, indicators, per_indicator, counts, ratios, years)
    published = sums["published"].astype(bool)
    coverage_communes, coverage_population = _coverage(sums, published)
    coverage = np.where(np.isnan(coverage_population), coverage_communes, coverage_population)
    incomplete = ~published & (coverage < 1 - 1e-9)
    withheld = incomplete & (coverage < MIN_COVERAGE) & (sums["level"] != AT_COMMUNE)
    n_missing = np.nan_to_num(sums["n_missing"])
    n_communes = np.nan_to_num(sums["n_communes"])
    all_missing = (
        (published & np.isnan(numerator)) | (~published & (n_missing >= n_communes) & (n_missing > 0)) | withheld
    )
    value[all_missing] = np.nan
    size = np.where(counts, numerator, denominator)
    unavailable = sums["unavailable"].astype(bool)
    perimeter = sums["perimeter"].astype(bool)
    with np.errstate(invalid="ignore"):
        flags = {
            "small": ~published & (size < per_indicator([i.min_denominator for i in indicators])) & ~np.isnan(value),
            "partial": ~published & ((n_missing > 0) | incomplete) & (~all_missing | withheld),
            "secret_iris": ~published & (np.nan_to_num(sums["n_partial"]) > 0) & ~np.isnan(value),
            "missing": all_missing & ~unavailable & ~perimeter,
            "not_comparable": changes & (years < per_indicator([i.min_gap or 0 for i in indicators])),
            "unavailable": unavailable,
            "perimeter": perimeter,
            # The parts of a split commune stay in their département: its sums (and above) are exact.
            "estimated": (np.nan_to_num(sums["n_estimated"]) > 0) & (sums["level"] < AT_DEPARTEMENT),
            "cog_mismatch": per_indicator([i.id in prepared.cog_mismatch for i in indicators]),
            ROUNDED_FLAG: (np.nan_to_num(sums["n_rounded"]) > 0) & ~np.isnan(value),
            DEMO_FLAG: np.full(len(which), prepared.demo),
        }
    return {
        "level": sums["level"],
        "geo": sums["geo"],
        "indicator": sums["indicator"],
        "year_start": sums["year_start"].astype("int16"),
        "year_end": sums["year_end"].astype("int16"),
        "value": value,
        "numerator": numerator,
        "denominator": np.where(ratios | changes, denominator, np.nan),
        "flags": flag_bits(len(which), **flags),
        "n_communes": n_communes.astype("int32"),
        "published": published,
        "coverage_communes": coverage_communes,
        "coverage_population": coverage_population,
    }


def _values(
    sums: dict[str, np.ndarray],
    indicators: tuple[Indicator, ...],
    per_indicator: Callable[[list[Any]], np.ndarray],
    counts: np.ndarray,
    ratios: np.ndarray,
    years: np.ndarray,
) -> np.ndarray:
    """Each unit's value from its sums: a count as summed, a ratio Σ numerators / Σ denominators (scaled),
    an evolution in per cent, an annual rate of change in per cent a year."""
    numerator = sums["numerator"].astype("float64")
    denominator = sums["denominator"].astype("float64")
    evolution = per_indicator([i.kind == "evolution" for i in indicators])
    annual = per_indicator([i.kind == "annual_rate" for i in indicators])
    value = np.where(counts, numerator, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        value[ratios] = (numerator[ratios] / denominator[ratios]) * per_indicator([i.scale for i in indicators])[ratios]
        value[evolution] = (numerator[evolution] / denominator[evolution] - 1) * 100
        value[annual] = ((numerator[annual] / denominator[annual]) ** (1 / np.maximum(years[annual], 1)) - 1) * 100
    return value


def _coverage(sums: dict[str, np.ndarray], published: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The share of the expected communes, and of their population, a summed value covers (at most 1;
    none for a published value)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        communes = np.where(published, np.nan, sums["n_covered"] / sums["n_expected"])
        population = np.where(published | (sums["w_expected"] <= 0), np.nan, sums["w_covered"] / sums["w_expected"])
    return np.minimum(communes, 1.0), np.minimum(population, 1.0)


def flag_bits(size: int, **flags: ArrayLike) -> np.ndarray:
    """The flags of each row as one bitmask, bit *n* for the *n*-th code of :data:`FLAGS` (a flag not
    given is false, a scalar holds for every row).

    Examples
    --------
    >>> flag_bits(2, missing=True, demo=[False, True]).tolist()
    [4, 1028]
    >>> flag_texts()[flag_bits(1, missing=True, demo=True)].tolist()
    ['missing;demo']
    """
    unknown = set(flags) - set(FLAGS)
    if unknown:
        raise ValueError(f"drapeaux inconnus : {', '.join(sorted(unknown))}")
    bits = np.zeros(size, dtype="int16")
    for n, name in enumerate(FLAGS):
        if name in flags:
            bits |= np.asarray(flags[name], dtype=bool).astype("int16") << n
    return bits


def flag_texts() -> np.ndarray:
    """The text of every bitmask (its codes joined by ``;``): the categories of the long table's flags."""
    return np.array(
        [";".join(name for n, name in enumerate(FLAGS) if bits >> n & 1) for bits in range(1 << len(FLAGS))],
        dtype=object,
    )
