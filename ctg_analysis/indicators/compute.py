"""Compute the catalogue for a set of territories at every level of the comparison ladder, in one pass.

Two steps, so that a batch pays for the data once:

1. :func:`prepare` reads the canonical tables of a data folder, brings them to one COG year, and computes
   every additive indicator's numerator and denominator per commune (and reads the published values of the
   non-additive ones at each level);
2. :func:`compute_indicators` aggregates them for the territories: every level above the commune is
   Σ numerators / Σ denominators over its communes (territoire, EPCI, département, région, France), each
   commune is shown with its own département and région, and the quality guards become flags.

Both are vectorised, and work on integer codes (a commune, a territory, an indicator is a position in an
index) until the very end, where the long table is built with categorical columns: the whole of France
(35,000 communes, 1,250 territories) takes seconds. No Python loop runs over communes or territories
(only over the ~45 catalogue entries and the six levels).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ctg_analysis.codes import FRANCE, FRANCE_METRO, departement_of, fold_arrondissements, in_france
from ctg_analysis.errors import CtgError, GeographyError
from ctg_analysis.feedback import progress_bar
from ctg_analysis.geography import commune_passage, commune_reference, convert_cog, convert_table
from ctg_analysis.geography.embedded import embedded_communes, embedded_epci
from ctg_analysis.geography.reference import departements, epci_composition, folder_movements
from ctg_analysis.indicators.catalogue import Indicator, all_indicators, get_indicator
from ctg_analysis.sources.folder import DataFolder, Problem
from ctg_analysis.sources.iris import iris_to_communes
from ctg_analysis.sources.datasets import DATASETS
from ctg_analysis.sources.tables import SourceTable
from ctg_analysis.territories import Territories

log = logging.getLogger(__name__)

__all__ = ["FLAGS", "LEVELS", "LONG_COLUMNS", "MIN_COVERAGE", "PreparedData", "common_cog_year", "compute_indicators", "prepare"]

#: The comparison ladder, from the finest level.
LEVELS = ("commune", "territoire", "epci", "departement", "region", "france")
#: Flag codes of the long table and their French meaning, in the order they are listed.
FLAGS = {
    "small": "petits effectifs : valeur fragile",
    "partial": "valeur partielle : des communes manquent dans la source ou sont secrètes (voir la couverture)",
    "missing": "donnée manquante ou secrète",
    "not_comparable": "millésimes distants de moins de 5 ans : évolution non comparable",
    "unavailable": "non disponible : indicateur non additif, non publié pour ce regroupement",
    "perimeter": "non disponible : périmètre modifié depuis la publication (communes fusionnées ou scindées, composition de l'EPCI)",
    "estimated": "estimation : valeur d'une commune scindée répartie au prorata de la population",
    "cog_mismatch": "géographies non harmonisées (COG différent)",
    "demo": "données fictives de démonstration",
}
#: Columns of the long table, in order.
LONG_COLUMNS = [
    "territory", "level", "geo", "geo_label", "indicator", "label", "theme", "period", "year_start", "year_end",
    "value", "numerator", "denominator", "unit", "flags", "n_communes", "source", "coverage_communes", "coverage_population",
]
#: Below this share of its population (or, where populations are unknown, of its communes) covered by
#: the source, a value above the commune is withheld (missing); above it but below 1 it is ``partial``.
MIN_COVERAGE = 0.5
_COMMUNE, _TERRITOIRE, _EPCI, _DEPARTEMENT, _REGION, _FRANCE = range(len(LEVELS))
_SUM_COLUMNS = ["numerator", "denominator", "n_communes", "n_missing", "n_partial", "n_estimated", "n_covered", "w_covered"]
# Years are packed on 8 bits from this one in the aggregation keys; an indicator without any data has
# this year (shown « – »).
_YEAR0 = 1900
NO_YEAR = _YEAR0


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
        parents, codes, labels = {}, {"commune": communes}, {"commune": table["label"].fillna(table["code"]).astype(str).to_numpy()}
        for level, label in (("epci", "epci_label"), ("departement", "departement_label"), ("region", "region_label")):
            names = table[[level, label]].dropna(subset=[level]).drop_duplicates(level)
            codes[level] = pd.Index(names[level].to_numpy(dtype=object), dtype=object)
            labels[level] = names[label].fillna(names[level]).astype(str).to_numpy()
            parents[level] = codes[level].get_indexer(table[level].to_numpy(dtype=object, na_value=None))
        overseas = table["departement"].astype(str).str.len().eq(3).any()
        codes["france"] = pd.Index([FRANCE, FRANCE_METRO] if overseas else [FRANCE_METRO], dtype=object)
        labels["france"] = np.array(["France entière", "France métropolitaine"] if overseas else ["France métropolitaine"])
        return cls(communes, parents, codes, labels)


@dataclass
class PreparedData:
    """Everything :func:`compute_indicators` needs, computed once per data folder.

    Attributes
    ----------
    values
        Additive indicators per commune: ``indicator`` (position in ``indicators``), ``commune``
        (position in ``geography.communes``), ``year_start``, ``year_end``, ``numerator``,
        ``denominator``, ``missing`` (a secret or missing term), ``partial`` (summed over IRIS of which
        some are secret), ``estimated`` (shared out of a split commune).
    published
        Non-additive indicators as published: ``level`` (position in :data:`LEVELS`), ``geo`` (position
        in ``geography.codes[level]``), ``indicator``, ``year``, ``value``, ``perimeter`` (the unit's
        perimeter changed since the publication: no value).
    reference
        The commune reference in the common COG year.
    geography
        Integer codes of communes and their parents.
    cog_year
        The common COG year every table was brought to.
    indicators
        The catalogue entries asked for, in catalogue order (those without data included: they get
        missing rows).
    sources
        Indicator id → French source line (empty when no file of the folder carries it).
    cog_mismatch
        Indicator ids whose table could not be brought to the common COG year.
    demo
        Whether the data are the demo set.
    movements
        INSEE's commune movements (the package's, completed by the folder's).
    population
        Population of each commune (position in ``geography.communes``), NaN where unknown: the weight
        of the population coverage.
    left_out
        Official files of the folder that could not be read and were left out (``skip_bad_files``).
    """

    values: pd.DataFrame
    published: pd.DataFrame
    reference: pd.DataFrame
    geography: Geography
    cog_year: int
    indicators: tuple[Indicator, ...]
    sources: dict[str, str]
    cog_mismatch: set[str] = field(default_factory=set)
    demo: bool = False
    movements: pd.DataFrame | None = None
    slots: pd.DataFrame = field(default_factory=pd.DataFrame)
    population: np.ndarray = field(default_factory=lambda: np.array([]))
    left_out: tuple[Problem, ...] = ()
    # Sums of every EPCI, département, région and France, computed on first use: a batch that renders
    # territory after territory aggregates them once.
    level_sums: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)


def _expression(frame: pd.DataFrame, variables: list[str], where: str) -> np.ndarray:
    """Sum of variables; missing if any term is missing (a sum of known terms would understate it)."""
    absent = [v for v in variables if v not in frame.columns]
    if absent:
        raise CtgError(f"{where} : variable(s) {', '.join(absent)} absente(s) de la table")
    if len(variables) == 1:
        return frame[variables[0]].to_numpy(dtype="float64")
    return frame[variables].to_numpy(dtype="float64").sum(axis=1)  # NaN in any term gives NaN


def _flag_column(data: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Rows where any of the boolean columns present is true."""
    flags = [data[c].fillna(False).to_numpy(dtype=bool) for c in columns if c in data.columns]
    return np.logical_or.reduce(flags) if flags else np.zeros(len(data), dtype=bool)


def _partial(data: pd.DataFrame, variables: list[str]) -> np.ndarray:
    """Communes whose value sums IRIS of which some are secret (see ``iris_to_communes``)."""
    return _flag_column(data, [f"{v}_partial" for v in variables])


def _in_scope(table: SourceTable) -> SourceTable:
    """A commune-level table within the France of the toolkit, each of Paris, Lyon and Marseille once.

    Overseas collectivities (COM) are left out; arrondissements are summed into their commune when it
    is absent (the populations légales list only the arrondissements) and dropped when it is present.
    """
    data = table.data.loc[in_france(table.data["geo"]).to_numpy()]
    data = fold_arrondissements(data, table.variables, additive=table.definition.additive is True)
    return replace(table, data=data.reset_index(drop=True))


def _commune_tables(folder: DataFolder, dataset: str) -> list[SourceTable]:
    """Every vintage of a dataset at commune level (IRIS tables summed to communes), latest first."""
    tables = folder.find(dataset, "commune")
    covered = {t.vintage for t in tables}
    tables += [iris_to_communes(t) for t in folder.find(dataset, "iris") if t.vintage not in covered]
    in_scope = [_in_scope(t) for t in tables]
    # A file of overseas collectivities only (outside France's scope) adds nothing.
    return sorted((t for t in in_scope if len(t.data)), key=lambda t: t.vintage or 0, reverse=True)


# How many years before its stated COG year a file may still use codes from (a CNAF file of 2016 has
# communes merged on 1 January 2016): such stale codes are followed through these years' merges.
_STALE_YEARS = 5


def _bring_to(
    table: SourceTable, cog_year: int, movements: pd.DataFrame, weights: pd.Series | None, passages: dict, communes: pd.Index
) -> tuple[SourceTable, bool]:
    """The table in the common COG year (whose communes are ``communes``), and whether that worked."""
    if table.cog_year is None or table.cog_year > cog_year:
        log.warning("%s : COG %s, différent du COG commun %s, non converti", table.path, table.cog_year, cog_year)
        return table, False
    origin = table.cog_year
    try:
        if origin != cog_year:
            if origin not in passages:
                passages[origin] = commune_passage(movements, origin, cog_year, weights)
            table = convert_table(table, cog_year, movements, weights=weights, passage=passages[origin])
        return _follow_stale_codes(table, origin, movements, passages, communes), True
    except GeographyError as exc:
        log.warning("%s : %s", table.path, exc)
        return table, False


def _follow_stale_codes(
    table: SourceTable, origin: int, movements: pd.DataFrame, passages: dict, communes: pd.Index
) -> SourceTable:
    """Codes older than the file's stated geography (``origin``), followed through the merges of the
    years before it to the table's geography."""
    codes = table.data["geo"].to_numpy(dtype=object)
    stale = pd.unique(codes[communes.get_indexer(codes) < 0])
    if not len(stale):
        return table
    since = origin - _STALE_YEARS
    if ("stale", since) not in passages:
        passages[("stale", since)] = commune_passage(movements, since, table.cog_year)
    merges = passages[("stale", since)]
    merges = merges.loc[merges["source"].isin(stale) & merges["share"].eq(1.0) & (communes.get_indexer(merges["target"].to_numpy(dtype=object)) >= 0)]
    if merges.empty:
        return table
    log.info("%s : %d code(s) antérieur(s) à la géographie %s suivis dans les fusions", table.path, len(merges), origin)
    flags = [c for c in table.data.columns if c.endswith("_partial") or c == "estimated"]
    data = convert_cog(table.data, table.variables, from_year=since, to_year=table.cog_year, movements=movements, passage=merges, flags=flags)
    return replace(table, data=data)


def _stack(tables: list[SourceTable]) -> SourceTable:
    """The vintages of a dataset as one table; a period present in two files is taken from the latest."""
    data = pd.concat([t.data for t in tables], ignore_index=True).drop_duplicates(["geo", "period"], keep="first")
    source = " ; ".join(dict.fromkeys(t.source for t in tables))
    return replace(tables[0], data=data.reset_index(drop=True), source=source)


#: The datasets giving each commune's population, the weight of the coverage (the last one found wins).
_POPULATION_DATASETS = {d.id: d.population for d in DATASETS.values() if d.population}


def _population(harmonised: dict[str, SourceTable], geography: Geography) -> np.ndarray:
    """Population of each commune (legal population, else the census), NaN where unknown."""
    population = np.full(len(geography.communes), np.nan)
    for dataset, variable in _POPULATION_DATASETS.items():
        if dataset not in harmonised or variable not in harmonised[dataset].data.columns:
            continue
        data = harmonised[dataset].data
        latest = data.loc[data["period"] == data["period"].max()]
        positions = geography.communes.get_indexer(latest["geo"].to_numpy(dtype=object))
        known = positions >= 0
        population[positions[known]] = latest[variable].to_numpy(dtype="float64")[known]
    return population


def prepare(
    folder: DataFolder,
    *,
    indicators: list[str] | None = None,
    cog_year: int | None = None,
    skip_bad_files: bool = False,
    progress: bool | None = None,
) -> PreparedData:
    """Read, harmonise and compute per commune everything the indicators need.

    Parameters
    ----------
    folder
        A scanned data folder (any subset of the official files: what is absent gives missing rows).
    indicators
        Indicator ids (default: the whole catalogue); evolutions bring their base count along.
    cog_year
        The common COG year; default the most recent COG year of the tables used.
    skip_bad_files
        Go on without the official files of the folder that could not be read (they are listed in
        ``left_out``); by default they stop the preparation.
    progress
        Show a progress bar (default: when the output is a terminal).

    Returns
    -------
    PreparedData

    Raises
    ------
    CtgError
        An official file of the folder could not be read (and ``skip_bad_files`` is false), or the folder
        holds none of the data the indicators need.

    Examples
    --------
    >>> prepared = prepare(scan_folder("data/demo"))  # doctest: +SKIP
    >>> prepared.cog_year  # doctest: +SKIP
    2022
    """
    left_out = tuple(folder.require_readable(skip_bad_files=skip_bad_files))
    wanted = [get_indicator(i) for i in indicators] if indicators else list(all_indicators())
    for indicator in list(wanted):
        if indicator.of and get_indicator(indicator.of) not in wanted:
            wanted.append(get_indicator(indicator.of))
    datasets = {d for i in wanted for d in (i.dataset, i.denominator_dataset) if d}
    # The populations weigh the coverage of every source, whatever indicators are asked for.
    published = {d for d in datasets if DATASETS[d].published}
    vintages = {dataset: _commune_tables(folder, dataset) for dataset in sorted((datasets | set(_POPULATION_DATASETS)) - published)}
    vintages = {dataset: tables for dataset, tables in vintages.items() if tables}
    published_tables = [t for d in sorted(published) for t in folder.find(d) if t.level != "iris"]
    if not vintages and not published_tables:
        outside = any(t.dataset in datasets and t.level in ("commune", "iris") for t in folder.tables)
        detail = (
            " : ses fichiers ne couvrent que des collectivités d'outre-mer (975, 977, 978, 98x), hors du champ "
            "France (métropole et DROM) de ctg-analysis" if outside else " (recensement, naissances, CAF…)"
        )
        raise CtgError(f"{folder.root} : aucune des données nécessaires aux indicateurs{detail}")
    target = cog_year or _latest_cog_year([*published_tables, *(t for ts in vintages.values() for t in ts)])
    movements = folder_movements(folder)
    legal = next((t for t in vintages.get("legal_population", []) if t.cog_year == target), None)
    weights = legal.data.set_index("geo")["PMUN"] if legal is not None else None
    reference = commune_reference(folder, target)
    communes = pd.Index(reference.loc[reference["type"].eq("COM"), "code"].to_numpy(dtype=object))
    harmonised: dict[str, SourceTable] = {}
    mismatched: set[str] = set()
    passages: dict = {}  # one passage table per source COG year
    for dataset, tables in progress_bar(vintages.items(), desc="Préparation", unit="jeu de données", total=len(vintages), show=progress):
        brought = [_bring_to(table, target, movements, weights, passages, communes) for table in tables]
        if not all(ok for _, ok in brought):
            mismatched.add(dataset)
        harmonised[dataset] = _stack([table for table, _ in brought])

    codes = {dataset: table.data["geo"].to_numpy(dtype=object) for dataset, table in harmonised.items()}
    geography = Geography.build(reference, np.array([], dtype=object))
    positions = {dataset: geography.communes.get_indexer(c) for dataset, c in codes.items()}
    extra = [c[positions[dataset] < 0] for dataset, c in codes.items()]
    if sum(len(e) for e in extra):
        # Communes of the data missing from the reference still count in their département and France.
        geography = Geography.build(reference, pd.unique(np.concatenate(extra)))
        positions = {dataset: geography.communes.get_indexer(c) for dataset, c in codes.items()}
    for dataset, table in harmonised.items():
        # From here on a commune is its position in the geography.
        harmonised[dataset] = replace(table, data=table.data.assign(commune_id=positions[dataset]))

    order = {i.id: n for n, i in enumerate(all_indicators())}
    available = tuple(sorted(wanted, key=lambda i: order[i.id]))
    position = {i.id: n for n, i in enumerate(available)}
    computable = {
        i.id for i in available
        if not i.is_change and i.kind != "published" and i.dataset in harmonised
        and (i.denominator_dataset is None or i.denominator_dataset in harmonised)
    }
    sources, mismatch = {}, set()
    frames = []
    for indicator in available:
        if indicator.of:
            continue
        if indicator.id in computable:
            sources[indicator.id] = " ; ".join(
                dict.fromkeys(harmonised[d].source for d in (indicator.dataset, indicator.denominator_dataset) if d)
            )
            if {indicator.dataset, indicator.denominator_dataset} & mismatched:
                mismatch.add(indicator.id)
            computed = _commune_values(indicator, harmonised)
            computed["indicator"] = np.full(len(computed["commune"]), position[indicator.id], dtype="int16")
            frames.append(computed)
    for indicator in available:
        if indicator.of:
            sources[indicator.id] = sources.get(indicator.of, "")
            if indicator.of in mismatch:
                mismatch.add(indicator.id)
    columns = ["indicator", "commune", "year_start", "year_end", "numerator", "denominator", "missing", "partial", "estimated"]
    values = pd.DataFrame({c: np.concatenate([f[c] for f in frames]) if frames else np.array([]) for c in columns})
    values = values.astype({"indicator": "int16", "commune": "int32", "year_start": "int16", "year_end": "int16", "missing": bool, "partial": bool, "estimated": bool})
    published = _published(
        published_tables, [i for i in available if i.kind == "published"], position, geography, reference, movements, target, folder
    )
    for indicator in available:
        if indicator.kind == "published":
            used = published.loc[published["indicator"] == position[indicator.id], "year"].unique()
            lines = [t.source for t in published_tables if t.dataset == indicator.dataset and t.vintage in set(used.tolist())]
            sources[indicator.id] = " ; ".join(dict.fromkeys(lines))
    # A slot is one (indicator, period): the dense key of every aggregation.
    packed = _pack(values["indicator"].to_numpy(dtype="int64"), values["year_start"].to_numpy(dtype="int64"), values["year_end"].to_numpy(dtype="int64"))
    slot, slot_keys = pd.factorize(packed, sort=True)
    values["slot"] = slot.astype("int32")
    slots = _unpack(slot_keys)
    return PreparedData(
        values=values,
        published=published,
        reference=reference,
        geography=geography,
        cog_year=target,
        indicators=available,
        sources=sources,
        cog_mismatch=mismatch,
        demo=folder.demo,
        movements=movements,
        slots=slots,
        population=_population(harmonised, geography),
        left_out=left_out,
    )


def _latest_cog_year(tables: list[SourceTable]) -> int:
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
    return _latest_cog_year(tables) if any(t.cog_year for t in tables) else embedded_communes().attrs["cog_year"]


def _pack(indicator: np.ndarray, year_start: np.ndarray, year_end: np.ndarray) -> np.ndarray:
    """(indicator, period) packed in one integer: the sort key of slots and of the long table."""
    return (indicator.astype("int64") << 16) | ((year_end.astype("int64") - _YEAR0) << 8) | (year_start.astype("int64") - _YEAR0)


def _unpack(keys: np.ndarray) -> pd.DataFrame:
    keys = np.asarray(keys, dtype="int64")
    return pd.DataFrame(
        {
            "indicator": (keys >> 16).astype("int16"),
            "year_end": ((keys >> 8) % 256 + _YEAR0).astype("int16"),
            "year_start": (keys % 256 + _YEAR0).astype("int16"),
        }
    )


def _commune_values(indicator: Indicator, tables: dict[str, SourceTable]) -> dict[str, np.ndarray]:
    """Numerator and denominator of an additive indicator per commune and year."""
    where = f"indicateur {indicator.id}"
    data = tables[indicator.dataset].data
    commune = data["commune_id"].to_numpy()
    year = data["period"].to_numpy(dtype="int64")
    numerator = _expression(data, indicator.numerator_variables, where)
    partial = _partial(data, indicator.numerator_variables)
    estimated = _flag_column(data, ["estimated"])
    start = year
    if indicator.kind == "rolling_sum":
        # Consecutive years only: a missing year (or a secret value) leaves its windows missing.
        wide = pd.DataFrame({"commune": commune, "year": year, "numerator": numerator}).pivot(index="commune", columns="year", values="numerator")
        first = int(wide.columns.min())
        wide = wide.reindex(columns=range(first, int(wide.columns.max()) + 1))
        windows = np.lib.stride_tricks.sliding_window_view(wide.to_numpy(), indicator.window, axis=1).sum(axis=-1)
        ends = np.arange(first + indicator.window - 1, first + wide.shape[1])
        flagged = pd.DataFrame({"commune": commune, "flag": estimated}).groupby("commune")["flag"].any().reindex(wide.index, fill_value=False)
        commune = np.repeat(wide.index.to_numpy(), len(ends))
        year = np.tile(ends, len(wide))
        numerator = windows.ravel()
        partial = np.zeros(len(numerator), dtype=bool)
        estimated = np.repeat(flagged.to_numpy(dtype=bool), len(ends))
        start = year - indicator.window + 1
    if not indicator.denominator:
        denominator = np.full(len(numerator), np.nan)
        missing = np.isnan(numerator)
    elif indicator.denominator_dataset in (None, indicator.dataset):
        denominator = _expression(data, indicator.denominator_variables, where)  # same rows
        partial = partial | _partial(data, indicator.denominator_variables)
        missing = np.isnan(numerator) | np.isnan(denominator)
    else:
        source = tables[indicator.denominator_dataset].data
        other = pd.DataFrame(
            {
                "commune": source["commune_id"].to_numpy(),
                "year": source["period"].to_numpy(dtype="int64"),
                "denominator": _expression(source, indicator.denominator_variables, where),
                "partial_denominator": _partial(source, indicator.denominator_variables),
                "estimated_denominator": _flag_column(source, ["estimated"]),
            }
        )
        frame = pd.DataFrame({"commune": commune, "year": year, "start": start, "numerator": numerator, "partial": partial, "estimated": estimated})
        frame = frame.merge(other, on=["commune", "year"], how="inner")
        commune, year, start = frame["commune"].to_numpy(), frame["year"].to_numpy(), frame["start"].to_numpy()
        numerator, denominator = frame["numerator"].to_numpy(), frame["denominator"].to_numpy()
        partial = frame["partial"].to_numpy() | frame["partial_denominator"].to_numpy()
        estimated = frame["estimated"].to_numpy() | frame["estimated_denominator"].to_numpy()
        missing = np.isnan(numerator) | np.isnan(denominator)
    # A commune missing either term leaves both sums: Σ numerators / Σ denominators over the same communes.
    return {
        "commune": commune.astype("int32"),
        "year_start": np.asarray(start).astype("int16"),
        "year_end": np.asarray(year).astype("int16"),
        "numerator": np.where(missing, np.nan, numerator),
        "denominator": np.where(missing, np.nan, denominator),
        "missing": missing,
        "partial": partial.astype(bool),
        "estimated": np.asarray(estimated, dtype=bool),
    }


def _published(
    tables: list[SourceTable],
    indicators: list[Indicator],
    position: dict[str, int],
    geography: Geography,
    reference: pd.DataFrame,
    movements: pd.DataFrame,
    cog_year: int,
    folder: DataFolder,
) -> pd.DataFrame:
    """Every vintage of the non-additive values, where their perimeter is still the one shown.

    A commune merged or split since the file's geography, or an EPCI whose composition changed (or is
    unknown for that year), keeps its row with no value and ``perimeter`` set: a median belongs to the
    perimeter it was published for.
    """
    frames = []
    perimeters = _Perimeters(geography, reference, movements, cog_year, folder)
    for indicator in indicators:
        for table in tables:
            if table.dataset != indicator.dataset or indicator.numerator not in table.data.columns:
                continue
            data = table.data.loc[in_france(table.data["geo"]).to_numpy()] if table.level == "commune" else table.data
            if table.level == "commune":
                data = fold_arrondissements(data, table.variables, additive=False)
            geo, value, changed = perimeters.bring(table.level, table.cog_year, data["geo"], data[indicator.numerator].to_numpy(dtype="float64"))
            known = geo >= 0
            frames.append(
                pd.DataFrame(
                    {
                        "level": np.int8(LEVELS.index(table.level)),
                        "geo": geo[known].astype("int32"),
                        "indicator": np.int16(position[indicator.id]),
                        "year": np.int16(table.vintage),
                        "value": np.where(changed, np.nan, value)[known],
                        "perimeter": changed[known],
                    }
                )
            )
    empty = pd.DataFrame(
        {
            "level": pd.Series(dtype="int8"), "geo": pd.Series(dtype="int32"), "indicator": pd.Series(dtype="int16"),
            "year": pd.Series(dtype="int16"), "value": pd.Series(dtype="float64"), "perimeter": pd.Series(dtype=bool),
        }
    )
    if not frames:
        return empty
    # A unit published twice for the same year (two files of one vintage): the first is kept.
    return pd.concat(frames, ignore_index=True).drop_duplicates(["level", "geo", "indicator", "year"], ignore_index=True)


class _Perimeters:
    """Whether a unit published in the geography of one COG year still has the same perimeter."""

    def __init__(self, geography: Geography, reference: pd.DataFrame, movements: pd.DataFrame, cog_year: int, folder: DataFolder):
        self.geography, self.reference, self.movements, self.cog_year, self.folder = geography, reference, movements, cog_year, folder
        self._passages: dict[int, pd.DataFrame] = {}

    def passage(self, year: int) -> pd.DataFrame:
        if year not in self._passages:
            found = commune_passage(self.movements, year, self.cog_year) if year < self.cog_year else pd.DataFrame(columns=["source", "target", "share"])
            self._passages[year] = found.astype({"source": object, "target": object})  # object: fast lookups
        return self._passages[year]

    def bring(self, level: str, year: int | None, codes: pd.Series, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions of the units in the common geography, their values, and whether the perimeter changed."""
        codes = pd.Series(codes.astype(str).to_numpy(dtype=object))  # object: fast lookups
        if level == "commune" and year and year != self.cog_year:
            return self._communes(year, codes, values)
        changed = np.zeros(len(codes), dtype=bool)
        if level == "epci" and year and year != self.cog_year:
            changed = self._epci_changed(year, codes)
        return self.geography.codes[level].get_indexer(codes.to_numpy(dtype=object)), values, changed

    def _communes(self, year: int, codes: pd.Series, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        passage = self.passage(year)
        if year > self.cog_year:
            # Published in a more recent geography than the data: only unchanged codes are comparable.
            later = commune_passage(self.movements, self.cog_year, year)
            touched = set(later["source"]) | set(later["target"])
            changed = codes.isin(touched).to_numpy()
            return self.geography.communes.get_indexer(codes.to_numpy(dtype=object)), values, changed
        sources_per_target = passage.groupby("target")["source"].nunique()
        targets_per_source = passage.groupby("source")["target"].nunique()
        # A plain code change (one source, one target, nothing else merged in) keeps the perimeter.
        renamed = passage.loc[
            passage["source"].map(targets_per_source).eq(1)
            & passage["target"].map(sources_per_target).eq(1)
            & ~passage["target"].isin(codes)
        ].set_index("source")["target"]
        absorbing = set(passage["target"])
        moved = codes.map(renamed).astype(object)
        target = moved.where(moved.notna(), codes)
        changed = (codes.isin(passage["source"]) & moved.isna()) | (codes.isin(absorbing) & moved.isna())
        # Communes that exist only since (merged or re-established) get a row without value too.
        new = sorted(absorbing - set(target))
        target = pd.concat([target, pd.Series(new, dtype=object)], ignore_index=True)
        values = np.concatenate([values, np.full(len(new), np.nan)])
        changed = np.concatenate([changed.to_numpy(dtype=bool), np.ones(len(new), dtype=bool)])
        return self.geography.communes.get_indexer(target.to_numpy(dtype=object)), values, changed

    def _epci_changed(self, year: int, codes: pd.Series) -> np.ndarray:
        """EPCIs whose communes at ``year`` (brought to the common geography) are not their communes now."""
        found = epci_composition(self.folder, year)
        then = found.data if found is not None else embedded_epci(year)
        if found is None and int(then["year"].iloc[0]) != year:
            return np.ones(len(codes), dtype=bool)  # composition of that year unknown: perimeter not proved
        members = then[["geo", "epci"]].dropna()
        passage = self.passage(year) if year < self.cog_year else pd.DataFrame(columns=["source", "target"])
        moved = members.merge(passage[["source", "target"]], left_on="geo", right_on="source", how="left")
        moved["geo"] = moved["target"].fillna(moved["geo"])
        before = moved[["epci", "geo"]].drop_duplicates()
        now = self.reference.loc[self.reference["type"].eq("COM") & self.reference["epci"].notna(), ["epci", "code"]]
        pairs = before.merge(now.rename(columns={"code": "geo"}), on=["epci", "geo"], how="outer", indicator=True)
        # Stable: every commune then is there now, and every commune now was there then.
        changed = set(pairs.loc[pairs["_merge"] != "both", "epci"])
        stable = set(before["epci"]) & set(now["epci"]) - changed
        return ~codes.isin(stable).to_numpy()


def _membership(prepared: PreparedData, territories: Territories, ids: list[str] | None) -> tuple[pd.DataFrame, list[str]]:
    """(territory position, commune position) pairs, and the territory ids in position order."""
    membership = territories.membership()
    order = [t.id for t in territories]
    if ids is not None:
        for territory_id in ids:
            territories.get(territory_id)  # an unknown id fails with a suggestion
        membership = membership.loc[membership["territory"].isin(ids)]
        order = [i for i in order if i in set(ids)]
    communes = prepared.geography.communes.get_indexer(membership["commune"].astype(str))
    if (communes < 0).any():
        unknown = sorted(set(membership["commune"][communes < 0]))
        raise CtgError(
            f"communes {', '.join(unknown[:5])} absentes de la géographie {prepared.cog_year} des données : chargez les "
            "territoires avec le référentiel et les mouvements des données préparées "
            "(load_territories(fichier, prepared.reference, prepared.movements))"
        )
    territory = pd.Index(order).get_indexer(membership["territory"].astype(str))
    return pd.DataFrame({"territory": territory.astype("int32"), "commune": communes.astype("int32")}), order


def _links(prepared: PreparedData, territories: Territories, membership: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """(territory, level, geo) for every level of each territory's comparison ladder."""
    geography = prepared.geography
    territory = membership["territory"].to_numpy()
    commune = membership["commune"].to_numpy()
    distinct = np.unique(territory)
    parts = [
        (territory, _COMMUNE, commune),
        (distinct, _TERRITOIRE, distinct),
    ]
    for level, code in (("epci", _EPCI), ("departement", _DEPARTEMENT), ("region", _REGION)):
        parent = geography.parents[level][commune]
        known = parent >= 0
        parts.append((territory[known], code, parent[known]))
    # France is the sum of the communes of the data; a value published for France métropolitaine only
    # (Filosofi) stands beside it under its own code when the data go beyond it.
    published = prepared.published
    french = published.loc[published["level"] == _FRANCE, "geo"].unique() if len(published) else []
    for france in sorted({0, *french}):
        parts.append((distinct, _FRANCE, np.full(len(distinct), france)))
    positions = {territory_id: n for n, territory_id in enumerate(order)}
    extra = [
        (positions[t.id], LEVELS.index(level), geography.codes[level].get_indexer([code])[0])
        for t in territories if t.id in positions for level, code in t.comparisons
    ]
    frames = [pd.DataFrame({"territory": t, "level": np.int8(level), "geo": g}) for t, level, g in parts]
    if extra:
        frames.append(pd.DataFrame(extra, columns=["territory", "level", "geo"]).query("geo >= 0"))
    links = pd.concat(frames, ignore_index=True).astype({"territory": "int32", "level": "int8", "geo": "int32"})
    return links.drop_duplicates(ignore_index=True)


def _aggregate(arrays: dict[str, np.ndarray], geo: np.ndarray, level: int, n_geo: int, slots: pd.DataFrame) -> dict[str, np.ndarray]:
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
    return {
        "level": np.full(len(filled), level, dtype="int8"),
        "geo": (filled // n_slots).astype("int32"),
        "indicator": slots["indicator"].to_numpy()[slot],
        "year_start": slots["year_start"].to_numpy()[slot],
        "year_end": slots["year_end"].to_numpy()[slot],
        **{name: total(name) for name in ("numerator", "denominator")},
        "n_communes": n_communes[filled].astype("float64"),
        "n_missing": (n_missing := total("missing")),
        "n_partial": total("partial"),
        "n_estimated": total("estimated"),
        "n_covered": n_communes[filled] - n_missing,
        "w_covered": total("w_covered"),
        "published": np.zeros(len(filled), dtype=bool),
        "unavailable": np.zeros(len(filled), dtype=bool),
        "perimeter": np.zeros(len(filled), dtype=bool),
    }


def _communes_as_sums(arrays: dict[str, np.ndarray], commune: np.ndarray, slots: pd.DataFrame) -> dict[str, np.ndarray]:
    """The commune level needs no sum: each (commune, slot) is one row of the prepared values."""
    slot = arrays["slot"]
    return {
        "level": np.full(len(slot), _COMMUNE, dtype="int8"),
        "geo": commune.astype("int32"),
        "indicator": slots["indicator"].to_numpy()[slot],
        "year_start": slots["year_start"].to_numpy()[slot],
        "year_end": slots["year_end"].to_numpy()[slot],
        "numerator": arrays["numerator"],
        "denominator": arrays["denominator"],
        "n_communes": np.ones(len(slot)),
        "n_missing": arrays["missing"],
        "n_partial": arrays["partial"],
        "n_estimated": arrays["estimated"],
        "n_covered": 1.0 - arrays["missing"],
        "w_covered": arrays["w_covered"],
        "published": np.zeros(len(slot), dtype=bool),
        "unavailable": np.zeros(len(slot), dtype=bool),
        "perimeter": np.zeros(len(slot), dtype=bool),
    }


def _stack_sums(parts: list[dict[str, np.ndarray] | pd.DataFrame]) -> dict[str, np.ndarray]:
    """Concatenate sums given as dictionaries of arrays or frames, column by column."""
    parts = [p for p in parts if len(p)]
    columns = list(parts[0])
    return {c: np.concatenate([np.asarray(p[c]) for p in parts]) for c in columns}


def _subset(arrays: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {name: array[mask] for name, array in arrays.items()}


def _expected(prepared: PreparedData, membership: pd.DataFrame, n_territories: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """For each level, the number of communes of each unit and their population: what full coverage is."""
    geography = prepared.geography
    n_all = len(geography.communes)
    population = np.nan_to_num(prepared.population)
    commune = membership["commune"].to_numpy()
    counts = [np.ones(n_all), np.bincount(membership["territory"].to_numpy(), minlength=n_territories).astype("float64")]
    people = [population, np.bincount(membership["territory"].to_numpy(), weights=population[commune], minlength=n_territories)]
    for level in ("epci", "departement", "region"):
        parent = geography.parents[level]
        known = parent >= 0
        size = len(geography.codes[level])
        counts.append(np.bincount(parent[known], minlength=size).astype("float64"))
        people.append(np.bincount(parent[known], weights=population[known], minlength=size))
    counts.append(np.full(len(geography.codes["france"]), float(n_all)))
    people.append(np.full(len(geography.codes["france"]), population.sum()))
    # A unit with a commune of unknown population has no population coverage (NaN): its commune
    # coverage is used instead.
    unknown = np.isnan(prepared.population).astype("float64")
    unknown_counts = [unknown, np.bincount(membership["territory"].to_numpy(), weights=unknown[commune], minlength=n_territories)]
    for level in ("epci", "departement", "region"):
        parent = geography.parents[level]
        known = parent >= 0
        unknown_counts.append(np.bincount(parent[known], weights=unknown[known], minlength=len(geography.codes[level])))
    unknown_counts.append(np.full(len(geography.codes["france"]), unknown.sum()))
    people = [np.where(u > 0, np.nan, p) for p, u in zip(people, unknown_counts, strict=True)]
    return counts, people


def _mayotte(prepared: PreparedData) -> np.ndarray:
    return departement_of(pd.Series(prepared.geography.communes, dtype="string")).eq("976").to_numpy(dtype=bool)


def _mayotte_less(prepared: PreparedData) -> tuple[np.ndarray, float, float]:
    """Slots of a source that does not cover Mayotte, and Mayotte's communes and population (France's
    scope then leaves Mayotte out rather than flagging France partial)."""
    mayotte = _mayotte(prepared)
    values = prepared.values
    rows = mayotte[values["commune"].to_numpy()] if len(values) else np.zeros(0, dtype=bool)
    covers = np.bincount(values["slot"].to_numpy()[rows], minlength=len(prepared.slots)) > 0 if len(values) else np.zeros(len(prepared.slots), dtype=bool)
    return ~covers, float(mayotte.sum()), float(np.nan_to_num(prepared.population[mayotte]).sum())


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
        indicator, period). ``flags`` holds ``;``-separated codes of :data:`FLAGS`.

    Raises
    ------
    CtgError
        An unknown territory id, or a territory commune absent from the prepared geography.

    Examples
    --------
    >>> table = compute_indicators(prepare(folder), territories, territory_ids=["ezanville"])  # doctest: +SKIP
    >>> table.query("level == 'territoire' and indicator == 'evol_0_2'")[["period", "value"]]  # doctest: +SKIP
          period  value
    0  2013-2019   25.7
    """
    membership, order = _membership(prepared, territories, territory_ids)
    links = _links(prepared, territories, membership, order)
    geography = prepared.geography
    values = prepared.values
    commune = values["commune"].to_numpy()

    def wanted(level: int, size: int) -> np.ndarray:
        mask = np.zeros(size + 1, dtype=bool)  # the last slot stands for "unknown parent" (−1)
        mask[links.loc[links["level"] == level, "geo"].to_numpy()] = True
        return mask

    slots = prepared.slots
    # Missing terms were masked in prepare: their sums count zero and their communes count as missing.
    missing = values["missing"].to_numpy(dtype="float64")
    population = np.nan_to_num(prepared.population)
    arrays = {
        "slot": values["slot"].to_numpy(dtype="int64"),
        "numerator": np.nan_to_num(values["numerator"].to_numpy(dtype="float64")),
        "denominator": np.nan_to_num(values["denominator"].to_numpy(dtype="float64")),
        "missing": missing,
        "partial": values["partial"].to_numpy(dtype="float64"),
        "estimated": values["estimated"].to_numpy(dtype="float64"),
        "w_covered": population[commune] * (1.0 - missing) if len(commune) else np.zeros(0),
    }
    pieces = []
    selected = wanted(_COMMUNE, len(geography.communes))[commune]
    pieces.append(_communes_as_sums(_subset(arrays, selected), commune[selected], slots))
    if not membership["commune"].duplicated().any():
        # Territories that do not overlap (the usual case): each commune's territory is a lookup.
        territory_of = np.full(len(geography.communes) + 1, -1, dtype="int64")
        territory_of[membership["commune"].to_numpy()] = membership["territory"].to_numpy()
        territory = territory_of[commune]
        inside = territory >= 0
        pieces.append(_aggregate(_subset(arrays, inside), territory[inside], _TERRITOIRE, len(order), slots))
    else:
        # A commune in several territories counts in each of them.
        pairs = pd.DataFrame({"row": np.arange(len(values)), "commune": commune}).merge(membership, on="commune")
        pieces.append(_aggregate(_subset(arrays, pairs["row"].to_numpy()), pairs["territory"].to_numpy(), _TERRITOIRE, len(order), slots))
    if not prepared.level_sums:
        for level, code in (("epci", _EPCI), ("departement", _DEPARTEMENT), ("region", _REGION)):
            parent = geography.parents[level][commune]
            known = parent >= 0
            prepared.level_sums[level] = _aggregate(_subset(arrays, known), parent[known], code, len(geography.codes[level]), slots)
        prepared.level_sums["france"] = _aggregate(arrays, np.zeros(len(values), dtype="int64"), _FRANCE, 1, slots)
    for level, code in (("epci", _EPCI), ("departement", _DEPARTEMENT), ("region", _REGION), ("france", _FRANCE)):
        sums = prepared.level_sums[level]
        keep = wanted(code, len(geography.codes.get(level, [0])))[sums["geo"]]
        pieces.append(_subset(sums, keep))
    sums = _stack_sums(pieces)
    sums = _with_expected(sums, prepared, membership, len(order))
    sums = _stack_sums([sums, _evolutions(sums, prepared.indicators), _published_rows(prepared, membership)])
    joined = _join(links, _derive(sums, prepared))
    return _frame(_complete(joined, links, prepared), prepared, territories, order)


def _with_expected(sums: dict[str, np.ndarray], prepared: PreparedData, membership: pd.DataFrame, n_territories: int) -> dict[str, np.ndarray]:
    """Add the communes and population each summed unit would have with a complete source."""
    counts, people = _expected(prepared, membership, n_territories)
    level, geo = sums["level"].astype("int64"), sums["geo"].astype("int64")
    n_expected = np.zeros(len(level))
    w_expected = np.zeros(len(level))
    for code in range(len(LEVELS)):
        rows = level == code
        n_expected[rows] = counts[code][geo[rows]]
        w_expected[rows] = people[code][geo[rows]]
    # France's scope leaves Mayotte out for a source that does not cover it.
    no_mayotte, mayotte_communes, mayotte_people = _mayotte_less(prepared)
    slot_of = pd.Index(_pack(prepared.slots["indicator"].to_numpy(), prepared.slots["year_start"].to_numpy(), prepared.slots["year_end"].to_numpy()))
    slot = slot_of.get_indexer(_pack(sums["indicator"], sums["year_start"], sums["year_end"]))
    france = (level == _FRANCE) & (slot >= 0)
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


def _complete(table: dict[str, np.ndarray], links: pd.DataFrame, prepared: PreparedData) -> dict[str, np.ndarray]:
    """Add a missing row for every (link, indicator) without any row: never a silent absence.

    The missing row takes the indicator's latest period in the data, or « – » when no file has it.
    """
    n_indicators = len(prepared.indicators)
    links = links.sort_values(["territory", "level", "geo"], ignore_index=True)
    link_key = (links["territory"].to_numpy(dtype="int64") << 40) | (links["level"].to_numpy(dtype="int64") << 32) | links["geo"].to_numpy(dtype="int64")
    row_key = (table["territory"].astype("int64") << 40) | (table["level"].astype("int64") << 32) | table["geo"].astype("int64")
    row_link = np.searchsorted(link_key, row_key)
    present = np.zeros(len(links) * n_indicators, dtype=bool)
    present[row_link * n_indicators + table["indicator"].astype("int64")] = True
    absent = np.flatnonzero(~present)
    link, indicator = absent // n_indicators, absent % n_indicators
    # France métropolitaine stands beside France only for the values published for it.
    published = np.array([i.kind == "published" for i in prepared.indicators])
    keep = ~((links["level"].to_numpy()[link] == _FRANCE) & (links["geo"].to_numpy()[link] > 0) & ~published[indicator])
    absent, link, indicator = absent[keep], link[keep], indicator[keep]
    if not len(absent):
        return table
    slots = prepared.slots
    latest = slots.sort_values(["year_end", "year_start"]).drop_duplicates("indicator", keep="last").set_index("indicator")
    evolutions = pd.DataFrame({"indicator": table["indicator"], "year_start": table["year_start"], "year_end": table["year_end"]})
    latest = pd.concat([latest.reset_index(), evolutions.loc[~evolutions["indicator"].isin(latest.index)]])
    latest = latest.sort_values(["year_end", "year_start"]).drop_duplicates("indicator", keep="last").set_index("indicator")
    start = latest["year_start"].reindex(indicator).fillna(NO_YEAR).to_numpy(dtype="int16")
    end = latest["year_end"].reindex(indicator).fillna(NO_YEAR).to_numpy(dtype="int16")
    flags = np.int16(1 << list(FLAGS).index("missing")) | (np.int16(prepared.demo) << list(FLAGS).index("demo"))
    count = len(absent)
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
        "flags": np.full(count, flags, dtype="int16"),
        "n_communes": np.zeros(count, dtype="int32"),
        "published": np.zeros(count, dtype=bool),
        "coverage_communes": np.zeros(count),
        "coverage_population": np.zeros(count),
    }
    # The table is ordered by (territory, level, geo, indicator, period): the new rows are inserted at
    # their place (a search in the packed keys), not sorted in with the millions of others.
    def key(link_position: np.ndarray, columns: dict[str, np.ndarray]) -> np.ndarray:
        return (link_position.astype("int64") << 24) | _pack(columns["indicator"], columns["year_start"], columns["year_end"])

    extra_key = key(link, extra)
    order = np.argsort(extra_key, kind="stable")
    at = np.searchsorted(key(row_link, table), extra_key[order])
    return {column: np.insert(table[column], at, extra[column][order]) for column in table}


def _join(links: pd.DataFrame, sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every sum row of each link's (level, geo), in the order territory, level, geo, indicator, period.

    A sort-and-slice join: the sums are sorted once by a packed key; each link takes the slice of its
    (level, geo), so the output comes out ordered without sorting its millions of rows.
    """
    links = links.sort_values(["territory", "level", "geo"], ignore_index=True)
    level = sums["level"].astype("int64")
    geo = sums["geo"].astype("int64")
    place = level << 32 | geo
    detail = (sums["indicator"].astype("int64") << 16) | ((sums["year_end"].astype("int64") - _YEAR0) << 8) | (sums["year_start"].astype("int64") - _YEAR0)
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


def _evolutions(sums: dict[str, np.ndarray], indicators: tuple[Indicator, ...]) -> pd.DataFrame:
    """Evolutions between the latest vintage and the latest one at least ``min_gap`` years before."""
    position = {i.id: n for n, i in enumerate(indicators)}
    changes = [i for i in indicators if i.is_change]
    rows = np.isin(sums["indicator"], [position[i.of] for i in changes])
    bases = pd.DataFrame({column: sums[column][rows] for column in ("level", "geo", "indicator", "year_end", *_SUM_COLUMNS, "n_expected", "w_expected")})
    frames = []
    for indicator in changes:
        base = bases.loc[bases["indicator"] == position[indicator.of]]
        years = sorted(base["year_end"].unique())
        if len(years) < 2:
            continue
        last = years[-1]
        eligible = [y for y in years if y <= last - indicator.min_gap]
        first = eligible[-1] if eligible else years[-2]  # flagged not comparable in _finish
        keys = ["level", "geo"]
        end = base.loc[base["year_end"] == last, [*keys, *_SUM_COLUMNS, "n_expected", "w_expected"]]
        start = base.loc[base["year_end"] == first, [*keys, "numerator", "n_missing", "n_partial", "n_estimated", "n_covered", "w_covered"]]
        joined = end.merge(start, on=keys, suffixes=("", "_start"))
        frames.append(
            pd.DataFrame(
                {
                    "level": joined["level"],
                    "geo": joined["geo"],
                    "indicator": np.int16(position[indicator.id]),
                    "year_start": np.int16(first),
                    "year_end": np.int16(last),
                    "numerator": joined["numerator"],
                    "denominator": joined["numerator_start"],
                    "n_communes": joined["n_communes"],
                    "n_missing": joined["n_missing"] + joined["n_missing_start"],
                    "n_partial": joined["n_partial"] + joined["n_partial_start"],
                    "n_estimated": joined["n_estimated"] + joined["n_estimated_start"],
                    # An evolution covers what both of its vintages cover.
                    "n_covered": np.minimum(joined["n_covered"], joined["n_covered_start"]),
                    "w_covered": np.minimum(joined["w_covered"], joined["w_covered_start"]),
                    "published": False,
                    "unavailable": False,
                    "perimeter": False,
                    "n_expected": joined["n_expected"],
                    "w_expected": joined["w_expected"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _published_rows(prepared: PreparedData, membership: pd.DataFrame) -> pd.DataFrame:
    """Non-additive values where they are published. A territory gets one only if it is exactly a
    published unit (a single commune, or the communes of one EPCI); member communes absent from the
    published file (secret) are shown as missing."""
    published = prepared.published
    if published.empty:
        return pd.DataFrame()
    geography = prepared.geography
    kinds = published[["indicator", "year"]].drop_duplicates()
    # Territories coinciding with a published unit.
    sizes = membership.groupby("territory")["commune"].agg(["size", "first"])
    single = sizes.loc[sizes["size"] == 1, "first"]
    commune_values = published.loc[published["level"] == _COMMUNE]
    as_commune = commune_values.merge(pd.DataFrame({"territory": single.index, "geo": single.to_numpy()}), on="geo")
    epci = geography.parents["epci"][membership["commune"].to_numpy()]
    epci_sizes = np.bincount(geography.parents["epci"][geography.parents["epci"] >= 0], minlength=len(geography.codes["epci"]))
    per_territory = pd.DataFrame({"territory": membership["territory"], "epci": epci}).groupby("territory")["epci"].agg(["nunique", "first", "size"])
    whole = per_territory.loc[(per_territory["nunique"] == 1) & (per_territory["first"] >= 0)]
    whole = whole.loc[epci_sizes[whole["first"].to_numpy()] == whole["size"].to_numpy()]
    epci_values = published.loc[published["level"] == _EPCI]
    as_epci = epci_values.merge(pd.DataFrame({"territory": whole.index, "geo": whole["first"].to_numpy()}), on="geo")
    covered = pd.concat([as_commune, as_epci], ignore_index=True)
    covered = covered.assign(level=np.int8(_TERRITOIRE), geo=covered["territory"]).drop(columns="territory")
    territories_ = pd.DataFrame({"geo": np.unique(membership["territory"])})
    unavailable = territories_.loc[~territories_["geo"].isin(covered["geo"])].merge(kinds, how="cross")
    unavailable = unavailable.assign(level=np.int8(_TERRITOIRE), value=np.nan, unavailable=True, perimeter=False)
    members = pd.DataFrame({"geo": np.unique(membership["commune"])}).merge(kinds, how="cross")
    absent = members.merge(commune_values[["geo", "indicator", "year"]], how="left", indicator=True)
    absent = absent.loc[absent["_merge"] == "left_only"].drop(columns="_merge").assign(level=np.int8(_COMMUNE), value=np.nan, perimeter=False)
    rows = pd.concat([published, covered, unavailable, absent], ignore_index=True)
    return pd.DataFrame(
        {
            "level": rows["level"].astype("int8"),
            "geo": rows["geo"].astype("int32"),
            "indicator": rows["indicator"].astype("int16"),
            "year_start": rows["year"].astype("int16"),
            "year_end": rows["year"].astype("int16"),
            "numerator": rows["value"],
            "denominator": np.nan,
            "n_communes": np.nan,
            "n_missing": rows["value"].isna().astype("int64"),
            "n_partial": 0,
            "n_estimated": 0,
            "n_covered": np.nan,
            "w_covered": np.nan,
            "published": True,
            "unavailable": rows["unavailable"].fillna(False).astype(bool),
            "perimeter": rows["perimeter"].fillna(False).astype(bool),
            "n_expected": np.nan,
            "w_expected": np.nan,
        }
    )


def _derive(sums: dict[str, np.ndarray], prepared: PreparedData) -> dict[str, np.ndarray]:
    """Values and flags of every summed unit (before the join, which repeats a département, a région and
    France for each territory that has them in its ladder)."""
    indicators = prepared.indicators
    which = sums["indicator"].astype("int64")

    def per_indicator(values: list) -> np.ndarray:
        return np.asarray(values)[which]

    kinds = [i.kind for i in indicators]
    counts = per_indicator([k in ("count", "rolling_sum", "published") for k in kinds])
    ratios = per_indicator([k in ("share", "rate") for k in kinds])
    evolution = per_indicator([k == "evolution" for k in kinds])
    annual = per_indicator([k == "annual_rate" for k in kinds])
    changes = evolution | annual
    numerator = sums["numerator"].astype("float64")
    denominator = sums["denominator"].astype("float64")
    years = sums["year_end"].astype("int64") - sums["year_start"].astype("int64")
    value = np.where(counts, numerator, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        value[ratios] = (numerator[ratios] / denominator[ratios]) * per_indicator([i.scale for i in indicators])[ratios]
        value[evolution] = (numerator[evolution] / denominator[evolution] - 1) * 100
        value[annual] = ((numerator[annual] / denominator[annual]) ** (1 / np.maximum(years[annual], 1)) - 1) * 100
    published = sums["published"].astype(bool)
    unavailable = sums["unavailable"].astype(bool)
    perimeter = sums["perimeter"].astype(bool)
    n_missing = np.nan_to_num(sums["n_missing"])
    n_communes = np.nan_to_num(sums["n_communes"])
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage_communes = np.where(published, np.nan, sums["n_covered"] / sums["n_expected"])
        coverage_population = np.where(published | (sums["w_expected"] <= 0), np.nan, sums["w_covered"] / sums["w_expected"])
    coverage_communes = np.minimum(coverage_communes, 1.0)
    coverage_population = np.minimum(coverage_population, 1.0)
    coverage = np.where(np.isnan(coverage_population), coverage_communes, coverage_population)
    incomplete = ~published & (coverage < 1 - 1e-9)
    withheld = incomplete & (coverage < MIN_COVERAGE) & (sums["level"] != _COMMUNE)
    all_missing = (published & np.isnan(numerator)) | (~published & (n_missing >= n_communes) & (n_missing > 0)) | withheld
    value[all_missing] = np.nan
    size = np.where(counts, numerator, denominator)
    with np.errstate(invalid="ignore"):
        flags = {
            "small": ~published & (size < per_indicator([i.min_denominator for i in indicators])) & ~np.isnan(value),
            "partial": ~published & ((n_missing > 0) | (np.nan_to_num(sums["n_partial"]) > 0) | incomplete) & (~all_missing | withheld),
            "missing": all_missing & ~unavailable & ~perimeter,
            "not_comparable": changes & (years < per_indicator([i.min_gap or 0 for i in indicators])),
            "unavailable": unavailable,
            "perimeter": perimeter,
            # The parts of a split commune stay in their département: its sums (and above) are exact.
            "estimated": (np.nan_to_num(sums["n_estimated"]) > 0) & (sums["level"] < _DEPARTEMENT),
            "cog_mismatch": per_indicator([i.id in prepared.cog_mismatch for i in indicators]),
            "demo": np.full(len(which), prepared.demo),
        }
    bits = np.zeros(len(which), dtype="int16")
    for n, name in enumerate(FLAGS):
        bits |= flags[name].astype("int16") << n
    return {
        "level": sums["level"],
        "geo": sums["geo"],
        "indicator": sums["indicator"],
        "year_start": sums["year_start"].astype("int16"),
        "year_end": sums["year_end"].astype("int16"),
        "value": value,
        "numerator": numerator,
        "denominator": np.where(ratios | changes, denominator, np.nan),
        "flags": bits,
        "n_communes": n_communes.astype("int32"),
        "published": published,
        "coverage_communes": coverage_communes,
        "coverage_population": coverage_population,
    }


def _categorical(codes: np.ndarray, labels: np.ndarray) -> pd.Categorical:
    """Row codes into ``labels`` as a categorical (labels may repeat: they are made unique first)."""
    categories, inverse = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
    return pd.Categorical.from_codes(inverse[codes], categories=pd.Index(categories, dtype="object"))


def _frame(table: dict[str, np.ndarray], prepared: PreparedData, territories: Territories, order: list[str]) -> pd.DataFrame:
    """The long table, text columns as categoricals built from integer codes."""
    indicators = prepared.indicators
    geography = prepared.geography
    labels_by_id = {t.id: t.label for t in territories}
    level_codes = [geography.codes["commune"], pd.Index(order), geography.codes["epci"], geography.codes["departement"], geography.codes["region"], geography.codes["france"]]
    level_labels = [geography.labels["commune"], np.array([labels_by_id[t] for t in order], dtype=object), geography.labels["epci"], geography.labels["departement"], geography.labels["region"], geography.labels["france"]]
    offsets = np.cumsum([0, *[len(c) for c in level_codes]])[:-1]
    place = offsets[table["level"]] + table["geo"]
    start = table["year_start"].astype("int64")
    end = table["year_end"].astype("int64")
    period_keys = (end - _YEAR0) << 8 | (start - _YEAR0)
    pairs = np.unique(period_keys)
    period_text = np.array(
        ["–" if p == 0 else str((p >> 8) + _YEAR0) if p >> 8 == p % 256 else f"{p % 256 + _YEAR0}-{(p >> 8) + _YEAR0}" for p in pairs], dtype=object
    )
    # Every combination of flags is a category: the bitmask is the categorical code itself.
    flag_text = np.array([";".join(name for n, name in enumerate(FLAGS) if b >> n & 1) for b in range(1 << len(FLAGS))], dtype=object)
    which = table["indicator"]
    return pd.DataFrame(
        {
            "territory": pd.Categorical.from_codes(table["territory"], categories=pd.Index(order, dtype="object")),
            "level": pd.Categorical.from_codes(table["level"], categories=pd.Index(LEVELS, dtype="object")),
            "geo": _categorical(place, np.concatenate([np.asarray(c, dtype=object) for c in level_codes])),
            "geo_label": _categorical(place, np.concatenate([np.asarray(c, dtype=object) for c in level_labels])),
            "indicator": pd.Categorical.from_codes(which, categories=pd.Index([i.id for i in indicators], dtype="object")),
            "label": _categorical(which, np.array([i.label for i in indicators], dtype=object)),
            "theme": _categorical(which, np.array([i.theme for i in indicators], dtype=object)),
            "period": pd.Categorical.from_codes(np.searchsorted(pairs, period_keys), categories=pd.Index(period_text, dtype="object")),
            "year_start": start,
            "year_end": end,
            "value": table["value"],
            "numerator": table["numerator"],
            "denominator": table["denominator"],
            "unit": _categorical(which, np.array([i.unit for i in indicators], dtype=object)),
            "flags": pd.Categorical.from_codes(table["flags"], categories=pd.Index(flag_text, dtype="object")),
            "n_communes": pd.arrays.IntegerArray(table["n_communes"], table["published"].copy()),
            "source": _categorical(which, np.array([prepared.sources.get(i.id, "") for i in indicators], dtype=object)),
            "coverage_communes": table["coverage_communes"],
            "coverage_population": table["coverage_population"],
        },
        copy=False,
    )
