"""Prepare a data folder once for every territory: its tables read, brought to one COG year, and turned
into each indicator's terms per commune (and the published values of the non-additive ones), with the
sums of every EPCI, département, région and France."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ctg_analysis.errors import CtgError
from ctg_analysis.feedback import progress_bar
from ctg_analysis.formatting import agreed
from ctg_analysis.geography import commune_reference
from ctg_analysis.geography.reference import folder_movements
from ctg_analysis.indicators.aggregation import commune_arrays, level_sums
from ctg_analysis.indicators.catalogue import Indicator, all_indicators, get_indicator
from ctg_analysis.indicators.encoding import Geography, pack, unpack
from ctg_analysis.indicators.harmonisation import bring_to, commune_tables, latest_cog_year, stack_vintages
from ctg_analysis.indicators.terms import POPULATION_DATASETS, commune_population, commune_values, published_values
from ctg_analysis.sources.datasets import DATASETS
from ctg_analysis.sources.folder import DataFolder, Problem
from ctg_analysis.sources.tables import SourceTable

log = logging.getLogger(__name__)

__all__ = ["PreparedData", "prepare"]


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
        Non-additive indicators as published: ``level`` (its code, see
        :data:`~ctg_analysis.levels.TABLE_LEVELS`), ``geo`` (position in ``geography.codes[level]``),
        ``indicator``, ``year``, ``value``, ``perimeter`` (the unit's perimeter changed since the
        publication: no value).
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
    period_sources
        (indicator id, year) → the source line of that year's values (the file of its vintage), for the
        indicators computed or published from the folder's files (an evolution reads its base's).
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
    fetched
        The folder's files downloaded by ``ctg fetch``, cited from its lock file (:meth:`DataFolder.fetched`).
    datasets
        The datasets the folder holds a table of (whatever its levels and vintages).
    slots
        The (indicator, period) pairs of ``values``: ``indicator``, ``year_start``, ``year_end``; a row
        of ``values`` refers to its slot by position.
    level_sums
        The sums of every EPCI, département, région and France
        (:func:`~ctg_analysis.indicators.aggregation.level_sums`): the same for every territory, so a batch
        computes them once.
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
    fetched: tuple[str, ...] = ()
    datasets: frozenset[str] = frozenset()
    level_sums: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)
    period_sources: dict[tuple[str, int], str] = field(default_factory=dict, repr=False)


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
    >>> prepared = prepare(folder, indicators=["naissances"])
    >>> prepared.cog_year, [i.id for i in prepared.indicators]
    (2022, ['naissances'])
    """
    left_out = tuple(folder.require_readable(skip_bad_files=skip_bad_files))
    wanted = _with_bases(indicators)
    vintages, published_tables = _source_tables(folder, wanted)
    target = cog_year or latest_cog_year([*published_tables, *(t for ts in vintages.values() for t in ts)])
    movements = folder_movements(folder)
    reference = commune_reference(folder, target)
    harmonised, mismatched = _harmonised(vintages, target, movements, reference, progress)
    geography, harmonised = _positioned(harmonised, reference)
    order = {i.id: n for n, i in enumerate(all_indicators())}
    available = tuple(sorted(wanted, key=lambda i: order[i.id]))
    position = {i.id: n for n, i in enumerate(available)}
    values, provenance = _commune_values(available, position, harmonised, mismatched)
    published = published_values(
        published_tables,
        [i for i in available if not i.additive],
        position,
        geography,
        reference,
        movements,
        target,
        folder,
    )
    _cite_published(provenance, available, position, published, published_tables)
    values, slots = _slotted(values)
    population = commune_population(harmonised, geography)
    return PreparedData(
        values=values,
        published=published,
        reference=reference,
        geography=geography,
        cog_year=target,
        indicators=available,
        sources=provenance.sources,
        period_sources=provenance.period_sources,
        cog_mismatch=provenance.mismatch,
        demo=folder.demo,
        movements=movements,
        slots=slots,
        population=population,
        left_out=left_out,
        fetched=tuple(folder.fetched()),
        datasets=frozenset(t.dataset for t in folder.tables),
        level_sums=level_sums(commune_arrays(values, population), values["commune"].to_numpy(), geography, slots),
    )


def _with_bases(indicators: list[str] | None) -> list[Indicator]:
    """The indicators asked for (default: the whole catalogue), each evolution with its base count."""
    wanted = [get_indicator(i) for i in indicators] if indicators else list(all_indicators())
    for indicator in list(wanted):
        if indicator.of and get_indicator(indicator.of) not in wanted:
            wanted.append(get_indicator(indicator.of))
    return wanted


def _source_tables(
    folder: DataFolder, wanted: list[Indicator]
) -> tuple[dict[str, list[SourceTable]], list[SourceTable]]:
    """The commune tables of each additive dataset the indicators read (by vintage), and the tables of the
    values published per level; a folder with none of them is an error that says why."""
    datasets = {d for i in wanted for d in (i.dataset, i.denominator_dataset) if d}
    # The populations weigh the coverage of every source, whatever indicators are asked for.
    published_datasets = {d for d in datasets if DATASETS[d].published}
    vintages = {
        dataset: commune_tables(folder, dataset)
        for dataset in sorted((datasets | set(POPULATION_DATASETS)) - published_datasets)
    }
    vintages = {dataset: tables for dataset, tables in vintages.items() if tables}
    published_tables = [t for d in sorted(published_datasets) for t in folder.find(d) if t.level != "iris"]
    if not vintages and not published_tables:
        outside = any(t.dataset in datasets and t.level in ("commune", "iris") for t in folder.tables)
        detail = (
            " : ses fichiers ne couvrent que des collectivités d'outre-mer (975, 977, 978, 98x), hors du champ "
            "France (métropole et DROM) de ctg-analysis"
            if outside
            else " (recensement, naissances, CAF…)"
        )
        raise CtgError(f"{folder.root} : aucune des données nécessaires aux indicateurs{detail}")
    return vintages, published_tables


def _harmonised(
    vintages: dict[str, list[SourceTable]],
    target: int,
    movements: pd.DataFrame,
    reference: pd.DataFrame,
    progress: bool | None,
) -> tuple[dict[str, SourceTable], set[str]]:
    """Each dataset's vintages brought to the common COG year and stacked, and the datasets some of whose
    files could not be brought there."""
    legal = next((t for t in vintages.get("legal_population", []) if t.cog_year == target), None)
    weights = legal.data.set_index("geo")["PMUN"] if legal is not None else None
    communes = pd.Index(reference.loc[reference["type"].eq("COM"), "code"].to_numpy(dtype=object))
    harmonised: dict[str, SourceTable] = {}
    mismatched: set[str] = set()
    passages: dict[int | tuple[str, int], pd.DataFrame] = {}  # one passage table per source COG year
    for dataset, tables in progress_bar(
        vintages.items(), desc="Préparation", unit="jeu de données", total=len(vintages), show=progress
    ):
        brought = [bring_to(table, target, movements, weights, passages, communes) for table in tables]
        if not all(ok for _, ok in brought):
            mismatched.add(dataset)
        harmonised[dataset] = stack_vintages([table for table, _ in brought])
    return harmonised, mismatched


def _positioned(
    harmonised: dict[str, SourceTable], reference: pd.DataFrame
) -> tuple[Geography, dict[str, SourceTable]]:
    """The geography of the data, and each table with its communes' positions in it (``commune_id``)."""
    codes = {dataset: table.data["geo"].to_numpy(dtype=object) for dataset, table in harmonised.items()}
    geography = Geography.build(reference, np.array([], dtype=object))
    positions = {dataset: geography.communes.get_indexer(c) for dataset, c in codes.items()}  # type: ignore[arg-type]  # pandas takes any array-like; the stubs say Index
    extra = [c[positions[dataset] < 0] for dataset, c in codes.items()]
    if sum(len(e) for e in extra):
        # Communes of the data missing from the reference still count in their département and France.
        geography = Geography.build(reference, pd.unique(np.concatenate(extra)))
        positions = {dataset: geography.communes.get_indexer(c) for dataset, c in codes.items()}  # type: ignore[arg-type]  # pandas takes any array-like; the stubs say Index
    # From here on a commune is its position in the geography.
    return geography, {
        dataset: replace(table, data=table.data.assign(commune_id=positions[dataset]))
        for dataset, table in harmonised.items()
    }


@dataclass
class _Provenance:
    """Where each indicator's figures come from: its source lines, those of each of its years, and whether
    its files were in different geographies."""

    sources: dict[str, str] = field(default_factory=dict)
    period_sources: dict[tuple[str, int], str] = field(default_factory=dict)
    mismatch: set[str] = field(default_factory=set)


_VALUE_COLUMNS = {
    "indicator": "int16",
    "commune": "int32",
    "year_start": "int16",
    "year_end": "int16",
    "numerator": None,
    "denominator": None,
    "missing": bool,
    "partial": bool,
    "estimated": bool,
    "rounded": bool,
}


def _commune_values(
    available: tuple[Indicator, ...],
    position: dict[str, int],
    harmonised: dict[str, SourceTable],
    mismatched: set[str],
) -> tuple[pd.DataFrame, _Provenance]:
    """The terms of every additive indicator per commune and period, and where they come from."""
    computable = {
        i.id
        for i in available
        if not i.is_change
        and i.additive
        and i.dataset in harmonised
        and (i.denominator_dataset is None or i.denominator_dataset in harmonised)
        and _has_terms(i, harmonised)
    }
    provenance = _Provenance()
    frames = []
    for indicator in available:
        if indicator.of or indicator.id not in computable:
            continue
        tables = [harmonised[d] for d in (indicator.dataset, indicator.denominator_dataset) if d]
        provenance.sources[indicator.id] = " ; ".join(dict.fromkeys(t.source for t in tables))
        if {indicator.dataset, indicator.denominator_dataset} & mismatched:
            provenance.mismatch.add(indicator.id)
        computed = commune_values(indicator, harmonised)
        computed["indicator"] = np.full(len(computed["commune"]), position[indicator.id], dtype="int16")
        for year in np.unique(np.concatenate([computed["year_start"], computed["year_end"]])).tolist():
            provenance.period_sources[indicator.id, year] = " ; ".join(dict.fromkeys(t.source_of(year) for t in tables))
        frames.append(computed)
    for indicator in available:
        if indicator.of:
            provenance.sources[indicator.id] = provenance.sources.get(indicator.of, "")
            if indicator.of in provenance.mismatch:
                provenance.mismatch.add(indicator.id)
    values = pd.DataFrame(
        {c: np.concatenate([f[c] for f in frames]) if frames else np.array([]) for c in _VALUE_COLUMNS}
    )
    return values.astype({c: kind for c, kind in _VALUE_COLUMNS.items() if kind is not None}), provenance


def _has_terms(indicator: Indicator, harmonised: dict[str, SourceTable]) -> bool:
    """Whether the files read give every variable of the indicator; a file of the dataset may not (the
    comparateur has the census populations but no age band): the indicator is then missing, and said so."""
    assert indicator.dataset is not None  # an additive indicator names its dataset (catalogue check)
    needed = {indicator.dataset: indicator.numerator_variables}
    if indicator.denominator:
        needed.setdefault(indicator.denominator_dataset or indicator.dataset, [])
        needed[indicator.denominator_dataset or indicator.dataset] += indicator.denominator_variables
    absent = {
        dataset: [v for v in variables if v not in harmonised[dataset].data.columns]
        for dataset, variables in needed.items()
    }
    for dataset, variables in absent.items():
        if variables:
            log.info(
                "indicateur %s non calculé : %s %s des fichiers « %s » lus (%s)",
                indicator.id,
                ", ".join(variables),
                agreed(len(variables), "absente", "absentes"),
                harmonised[dataset].label,
                harmonised[dataset].source,
            )
    return not any(absent.values())


def _cite_published(
    provenance: _Provenance,
    available: tuple[Indicator, ...],
    position: dict[str, int],
    published: pd.DataFrame,
    published_tables: list[SourceTable],
) -> None:
    """Each published (non-additive) indicator's source lines: the files of the years it is given for."""
    for indicator in available:
        if indicator.additive:
            continue
        used = published.loc[published["indicator"] == position[indicator.id], "year"].unique()
        lines = {
            int(t.vintage or 0): t.source
            for t in published_tables
            if t.dataset == indicator.dataset and t.vintage in set(used.tolist())
        }
        provenance.sources[indicator.id] = " ; ".join(dict.fromkeys(lines.values()))
        provenance.period_sources.update({(indicator.id, year): line for year, line in lines.items()})


def _slotted(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The values with their slot, and the slots: a slot is one (indicator, period), the dense key of
    every aggregation."""
    packed = pack(
        values["indicator"].to_numpy(dtype="int64"),
        values["year_start"].to_numpy(dtype="int64"),
        values["year_end"].to_numpy(dtype="int64"),
    )
    slot, slot_keys = pd.factorize(packed, sort=True)
    values["slot"] = slot.astype("int32")
    return values, unpack(slot_keys)
