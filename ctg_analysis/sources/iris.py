"""Aggregate IRIS-level tables to communes (census bases ``base-ic``, CNAF IRIS files).

Only additive tables aggregate: Filosofi's IRIS medians cannot. A commune some of whose IRIS have a
secret (blank) value gets the sum of the known IRIS and a ``<VAR>_partial`` flag column, since the sum
understates it; a commune none of whose IRIS is known stays missing. Arrondissements of Paris, Lyon and
Marseille (the ``COM`` of their IRIS) are summed into their commune.
"""

from __future__ import annotations

from dataclasses import replace

from ctg_analysis.codes import fold_arrondissements
from ctg_analysis.errors import CtgError
from ctg_analysis.sources.tables import PARTIAL_SUFFIX, SourceTable

__all__ = ["iris_to_communes"]


def iris_to_communes(table: SourceTable) -> SourceTable:
    """Sum an IRIS-level table to communes.

    Parameters
    ----------
    table
        An IRIS-level table of an additive dataset.

    Returns
    -------
    SourceTable
        The commune-level table; ``<VAR>_partial`` boolean columns mark the communes whose sum misses
        secret IRIS values (only for variables where that happens).

    Raises
    ------
    CtgError
        The table is not at IRIS level, or its values are not additive.

    Examples
    --------
    >>> communes = iris_to_communes(folder.table("caf", level="iris"))
    >>> communes.level, set(communes.data["geo"].str.len().tolist())
    ('commune', {5})
    """
    if table.level != "iris":
        raise CtgError(f"{table.path} : table de niveau {table.level}, attendu une table IRIS")
    if table.definition.additive is not True:
        raise CtgError(f"{table.path} : « {table.label} » n'est pas additif, ses valeurs IRIS ne se somment pas")
    variables = table.variables
    data = table.data
    groups = data.groupby([data["commune"].rename("geo"), "period"], sort=True)
    sums = groups[variables].sum(min_count=1)
    missing = data[variables].isna().groupby([data["commune"].rename("geo"), data["period"]]).any()
    partial = missing & sums.notna()
    flags = partial.loc[:, partial.any()].add_suffix(PARTIAL_SUFFIX)
    frame = sums.join(flags).reset_index()
    frame = fold_arrondissements(frame, variables, additive=True)
    return replace(table, level="commune", data=frame)
