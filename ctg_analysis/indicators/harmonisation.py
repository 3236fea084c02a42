"""Bring the tables of a data folder to one geography: every vintage of a dataset at commune level,
within the France of the toolkit, in the common COG year, as one table."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd

from ctg_analysis.codes import arrondissement_parent, fold_arrondissements, in_france
from ctg_analysis.errors import GeographyError
from ctg_analysis.formatting import agreed, counted, format_count
from ctg_analysis.geography import commune_passage, convert_cog, convert_table
from ctg_analysis.geography.embedded import commune_list_years, embedded_communes
from ctg_analysis.indicators.catalogue import all_indicators
from ctg_analysis.sources.folder import DataFolder
from ctg_analysis.sources.iris import iris_to_communes
from ctg_analysis.sources.tables import SourceTable, first_per_column

log = logging.getLogger(__name__)

__all__ = ["bring_to", "common_cog_year", "commune_tables", "latest_cog_year", "stack_vintages"]


def _in_scope(table: SourceTable) -> SourceTable:
    """A commune-level table within the France of the toolkit, each of Paris, Lyon and Marseille once.

    Overseas collectivities (COM) are left out; arrondissements are summed into their commune when it
    is absent (the populations légales list only the arrondissements) and dropped when it is present.
    """
    data = table.data.loc[in_france(table.data["geo"]).to_numpy()]
    data = fold_arrondissements(data, table.variables, additive=table.definition.additive is True)
    return replace(table, data=data.reset_index(drop=True))


def commune_tables(folder: DataFolder, dataset: str) -> list[SourceTable]:
    """Every vintage of a dataset at commune level (IRIS tables summed to communes), latest first."""
    tables = [iris_to_communes(t) if t.level == "iris" else t for t in folder.commune_sources(dataset)]
    in_scope = [_in_scope(t) for t in tables]
    # A file of overseas collectivities only (outside France's scope) adds nothing.
    return sorted((t for t in in_scope if len(t.data)), key=lambda t: t.vintage or 0, reverse=True)


# How many years before its stated COG year a file may still use codes from (a CNAF file of 2016 has
# communes merged on 1 January 2016): such stale codes are followed through these years' merges.
_STALE_YEARS = 5


def bring_to(
    table: SourceTable,
    cog_year: int,
    movements: pd.DataFrame,
    weights: pd.Series | None,
    passages: dict[int | tuple[str, int], pd.DataFrame],
    communes: pd.Index,
) -> tuple[SourceTable, bool]:
    """The table in the common COG year (whose communes are ``communes``), and whether that worked."""
    try:
        if table.cog_year is not None and table.cog_year < cog_year:
            passage = _passage(table.cog_year, cog_year, movements, weights, passages)
            table = _later_geography(table, passage, movements, cog_year)
        if table.cog_year is None or table.cog_year > cog_year:
            log.warning("%s : COG %s, différent du COG commun %s, non converti", table.path, table.cog_year, cog_year)
            return table, False
        origin = table.cog_year
        if origin != cog_year:
            passage = _passage(origin, cog_year, movements, weights, passages)
            table = convert_table(table, cog_year, movements, weights=weights, passage=passage)
        return _follow_stale_codes(table, origin, movements, passages, communes), True
    except GeographyError as exc:
        log.warning("%s : %s", table.path, exc)
        return table, False


def _passage(
    origin: int,
    cog_year: int,
    movements: pd.DataFrame,
    weights: pd.Series | None,
    passages: dict[int | tuple[str, int], pd.DataFrame],
) -> pd.DataFrame:
    """The passage table from a COG year to the common one, computed once per year."""
    if origin not in passages:
        passages[origin] = commune_passage(movements, origin, cog_year, weights)
    return passages[origin]


def _later_geography(table: SourceTable, passage: pd.DataFrame, movements: pd.DataFrame, cog_year: int) -> SourceTable:
    """A table dated by INSEE's usual rule for its dataset whose codes are those of a later geography (a
    Melodi table published in the COG of its release): dated by its codes, with a warning. Only a code
    created between its year and the common one (a target of the passage that is no source of it) can say
    so: the codes are dated only then."""
    if table.cog_year_from != "convention" or table.cog_year is None:
        return table
    created = passage.loc[~passage["target"].isin(passage["source"]), "target"]
    codes = table.data["geo"]
    if not codes.isin(created).any():
        return table
    years = commune_list_years(codes.loc[arrondissement_parent(codes).isna()], movements)
    if years is None or years.first <= table.cog_year:
        return table  # its year's geography after all, or an older one (followed through the merges)
    year = cog_year if cog_year in years else years.last
    log.warning(
        "%s : communes du COG %s d'après leurs codes et les mouvements des communes, et non du COG %d que donne "
        "l'usage de l'Insee pour ce jeu : lu comme COG %d",
        table.path,
        years,
        table.cog_year,
        year,
    )
    return replace(table, cog_year=year, cog_year_from="codes")


def _follow_stale_codes(
    table: SourceTable,
    origin: int,
    movements: pd.DataFrame,
    passages: dict[int | tuple[str, int], pd.DataFrame],
    communes: pd.Index,
) -> SourceTable:
    """Codes older than the file's stated geography (``origin``), followed through the merges of the
    years before it to the table's geography."""
    codes = table.data["geo"].to_numpy(dtype=object)
    stale = pd.unique(codes[communes.get_indexer(codes) < 0])  # type: ignore[arg-type]  # pandas takes any array-like; the stubs say Index
    if not len(stale):
        return table
    since = origin - _STALE_YEARS
    assert table.cog_year is not None  # a file of stated geography (``origin``) is dated
    if ("stale", since) not in passages:
        passages[("stale", since)] = commune_passage(movements, since, table.cog_year)
    merges = passages[("stale", since)]
    merges = merges.loc[
        merges["source"].isin(stale)
        & merges["share"].eq(1.0)
        & (communes.get_indexer(merges["target"].to_numpy(dtype=object)) >= 0)  # type: ignore[arg-type]  # pandas takes any array-like; the stubs say Index
    ]
    if merges.empty:
        return table
    log.info(
        "%s : %s à la géographie %s %s dans les fusions",
        table.path,
        counted(len(merges), "code antérieur", "codes antérieurs"),
        origin,
        agreed(len(merges), "suivi", "suivis"),
    )
    data = convert_cog(
        table.data,
        table.variables,
        from_year=since,
        to_year=table.cog_year,
        movements=movements,
        passage=merges,
        flags=table.flags,
    )
    return replace(table, data=data)


def stack_vintages(tables: list[SourceTable]) -> SourceTable:
    """The vintages of a dataset as one table; a period present in two files is taken from the latest (the
    most recent publication), each variable from the latest file that has it, and where they disagree it is
    said, never averaged."""
    if len(tables) == 1:
        return tables[0]  # one file holds each (commune, period) once: its reader refuses duplicates
    _warn_disagreements(pd.concat([t.data.assign(_file=n) for n, t in enumerate(tables)], ignore_index=True), tables)
    data, origin = first_per_column([t.data for t in tables])
    source = " ; ".join(dict.fromkeys(t.source for t in tables))
    # Each period's source: the latest file it is taken from (another only where that one lacks a commune).
    first = pd.Series(origin).groupby(data["period"].to_numpy()).min()
    period_sources = {int(str(period)): tables[int(n)].source for period, n in first.to_dict().items()}
    return replace(tables[0], data=data, source=source, period_sources=period_sources)


def _warn_disagreements(stacked: pd.DataFrame, tables: list[SourceTable]) -> None:
    """A warning for each pair of files that give a commune and period different values of a variable."""
    shared = stacked.loc[stacked.duplicated(["geo", "period"], keep=False)]
    if shared.empty:
        return
    kept = shared.drop_duplicates(["geo", "period"], keep="first").set_index(["geo", "period"])
    others = shared.loc[shared.duplicated(["geo", "period"], keep="first")]
    keys = pd.MultiIndex.from_frame(others[["geo", "period"]])
    paths = np.array([t.path for t in tables], dtype=object)
    latest_file = kept["_file"].reindex(keys).to_numpy(dtype="int64")
    older_file = others["_file"].to_numpy(dtype="int64")
    for variable in dict.fromkeys(v for t in tables for v in t.variables):
        chosen, given = kept[variable].reindex(keys).to_numpy(), others[variable].to_numpy()
        # Two values given that differ beyond rounding (weighted census counts converted between geographies);
        # a value one file lacks (secret, not in its columns, a split commune not shared) is no disagreement.
        differ = ~np.isclose(chosen, given, rtol=1e-6, atol=0.5) & ~np.isnan(chosen) & ~np.isnan(given)
        found = pd.DataFrame(
            {
                "latest": paths[latest_file[differ]],
                "older": paths[older_file[differ]],
                "geo": others["geo"].to_numpy()[differ],
                "period": others["period"].to_numpy()[differ],
                "chosen": chosen[differ],
                "given": given[differ],
            }
        )
        for (latest, older), rows in found.groupby(["latest", "older"]):
            example = rows.iloc[0]
            log.warning(
                "%s et %s : %s de %s %s pour une même commune et une même année (par exemple %s "
                "en %d : %s contre %s) ; celles du plus récent, %s, sont retenues",
                latest,
                older,
                counted(len(rows), "valeur"),
                variable,
                agreed(len(rows), "différente", "différentes"),
                example["geo"],
                int(example["period"]),
                format_count(example["chosen"]),
                format_count(example["given"]),
                latest,
            )


def latest_cog_year(tables: list[SourceTable]) -> int:
    return max(t.cog_year for t in tables if t.cog_year)


def common_cog_year(folder: DataFolder) -> int:
    """The COG year :func:`prepare` brings a folder's tables to (for the whole catalogue): the most recent
    COG year of its tables; the year of the geography shipped with the package when it has none.

    Examples
    --------
    >>> from ctg_analysis.sources.folder import scan_folder
    >>> common_cog_year(scan_folder("data/demo", progress=False))
    2022
    """
    datasets = {d for i in all_indicators() for d in (i.dataset, i.denominator_dataset) if d}
    tables = [t for t in folder.tables if t.dataset in datasets]
    return latest_cog_year(tables) if any(t.cog_year for t in tables) else embedded_communes().attrs["cog_year"]
