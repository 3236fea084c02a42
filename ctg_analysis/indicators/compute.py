"""Compute the catalogue for a set of territories at every level of the comparison ladder, in one pass.

Two steps, so that a batch pays for the data once:

1. :func:`prepare` reads the canonical tables of a data folder, brings them to one COG year, and computes
   every additive indicator's numerator and denominator per commune (and reads the published values of the
   non-additive ones at each level);
2. :func:`compute_indicators` aggregates them for the territories: every level above the commune is
   Σ numerators / Σ denominators over its communes (territoire, EPCI, département, région, France), each
   commune is shown with its own département and région, and the quality guards become flags.

Both are vectorised: no Python loop over communes or territories (only over the ~40 catalogue entries and
the six levels).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ctg_analysis.codes import FRANCE, FRANCE_METRO
from ctg_analysis.errors import CtgError, GeographyError
from ctg_analysis.geography import commune_reference, convert_table
from ctg_analysis.indicators.catalogue import Indicator, all_indicators, get_indicator
from ctg_analysis.sources.folder import DataFolder
from ctg_analysis.sources.iris import iris_to_communes
from ctg_analysis.sources.tables import SourceTable
from ctg_analysis.territories import Territories

log = logging.getLogger(__name__)

__all__ = ["FLAGS", "LEVELS", "LONG_COLUMNS", "PreparedData", "compute_indicators", "prepare"]

#: The comparison ladder, from the finest level.
LEVELS = ("commune", "territoire", "epci", "departement", "region", "france")
#: Flag codes of the long table and their French meaning.
FLAGS = {
    "small": "petits effectifs : valeur fragile",
    "partial": "valeur partielle : communes manquantes ou secrètes",
    "missing": "donnée manquante ou secrète",
    "not_comparable": "millésimes distants de moins de 5 ans : évolution non comparable",
    "unavailable": "non disponible : indicateur non additif, non publié pour ce regroupement",
    "cog_mismatch": "géographies non harmonisées (COG différent)",
    "demo": "données fictives de démonstration",
}
#: Columns of the long table, in order.
LONG_COLUMNS = [
    "territory", "level", "geo", "geo_label", "indicator", "label", "theme", "period", "year_start", "year_end",
    "value", "numerator", "denominator", "unit", "flags", "n_communes", "source",
]
_QUALITY_ORDER = ["small", "partial", "missing", "not_comparable", "unavailable", "cog_mismatch", "demo"]


@dataclass
class PreparedData:
    """Everything :func:`compute_indicators` needs, computed once per data folder.

    Attributes
    ----------
    values
        Additive indicators per commune: ``indicator``, ``commune``, ``year_start``, ``year_end``,
        ``numerator``, ``denominator`` (NaN numerator or denominator = missing or secret).
    published
        Non-additive indicators as published: ``level``, ``geo``, ``indicator``, ``year``, ``value``.
    reference
        The commune reference in the common COG year.
    cog_year
        The common COG year every table was brought to.
    indicators
        The catalogue entries computed.
    sources
        Indicator id → French source line.
    cog_mismatch
        Indicator ids whose table could not be brought to the common COG year.
    demo
        Whether the data are the demo set.
    """

    values: pd.DataFrame
    published: pd.DataFrame
    reference: pd.DataFrame
    cog_year: int
    indicators: tuple[Indicator, ...]
    sources: dict[str, str]
    cog_mismatch: set[str] = field(default_factory=set)
    demo: bool = False
    movements: pd.DataFrame | None = None

    @property
    def france(self) -> tuple[str, str]:
        """Code and label of the France level: the sum of all communes of the data."""
        overseas = self.reference["departement"].str.len().eq(3).any()
        return (FRANCE, "France entière") if overseas else (FRANCE_METRO, "France métropolitaine")


def _expression(frame: pd.DataFrame, variables: list[str], where: str) -> pd.Series:
    """Sum of variables; missing if any term is missing (a sum of known terms would understate it)."""
    missing = [v for v in variables if v not in frame.columns]
    if missing:
        raise CtgError(f"{where} : variable(s) {', '.join(missing)} absente(s) de la table")
    return frame[variables].sum(axis=1, min_count=len(variables)).where(frame[variables].notna().all(axis=1))


def _bring_to(table: SourceTable, cog_year: int, movements: pd.DataFrame | None, weights: pd.Series | None) -> tuple[SourceTable, bool]:
    """The table in the common COG year, and whether that worked."""
    if table.cog_year == cog_year:
        return table, True
    if movements is None or table.cog_year is None or table.cog_year > cog_year:
        log.warning("%s : COG %s, différent du COG commun %s, non converti", table.path, table.cog_year, cog_year)
        return table, False
    try:
        return convert_table(table, cog_year, movements, weights=weights), True
    except GeographyError as exc:
        log.warning("%s : %s", table.path, exc)
        return table, False


def prepare(
    folder: DataFolder, *, indicators: list[str] | None = None, cog_year: int | None = None
) -> PreparedData:
    """Read, harmonise and compute per commune everything the indicators need.

    Parameters
    ----------
    folder
        A scanned data folder.
    indicators
        Indicator ids (default: the whole catalogue); evolutions bring their base count along.
    cog_year
        The common COG year; default the most recent COG year of the tables used.

    Returns
    -------
    PreparedData

    Examples
    --------
    >>> prepared = prepare(scan_folder("data/demo"))  # doctest: +SKIP
    >>> prepared.values.query("indicator == 'pop_0_2' and commune == '95229'")  # doctest: +SKIP
    """
    wanted = [get_indicator(i) for i in indicators] if indicators else list(all_indicators())
    for indicator in list(wanted):
        if indicator.of and get_indicator(indicator.of) not in wanted:
            wanted.append(get_indicator(indicator.of))
    datasets = {d for i in wanted for d in (i.dataset, i.denominator_dataset) if d}
    vintages = {dataset: _commune_tables(folder, dataset) for dataset in sorted(datasets)}
    vintages = {dataset: tables for dataset, tables in vintages.items() if tables}
    if not vintages:
        raise CtgError(f"{folder.root} : aucune des données nécessaires aux indicateurs (recensement, naissances, CAF…)")
    target = cog_year or max(t.cog_year for tables in vintages.values() for t in tables if t.cog_year)
    movements_table = next(iter(folder.find("cog_movements")), None)
    movements = movements_table.data if movements_table is not None else None
    legal = next((t for t in folder.find("legal_population", "commune") if t.cog_year == target), None)
    weights = legal.data.set_index("geo")["PMUN"] if legal is not None else None
    harmonised: dict[str, SourceTable] = {}
    mismatched_datasets: set[str] = set()
    for dataset, tables in vintages.items():
        if dataset == "filosofi":
            harmonised[dataset] = tables[0]  # published values keep their codes; conversion would refuse them
            continue
        brought = [_bring_to(table, target, movements, weights) for table in tables]
        if not all(ok for _, ok in brought):
            mismatched_datasets.add(dataset)
        harmonised[dataset] = _stack([table for table, _ in brought])

    rows, sources, mismatch = [], {}, set()
    for indicator in wanted:
        if indicator.kind in ("evolution", "annual_rate", "published"):
            continue
        if indicator.dataset not in harmonised or (indicator.denominator_dataset and indicator.denominator_dataset not in harmonised):
            continue
        rows.append(_commune_values(indicator, harmonised))
        sources[indicator.id] = " ; ".join(
            dict.fromkeys(harmonised[d].source for d in (indicator.dataset, indicator.denominator_dataset) if d)
        )
        if {indicator.dataset, indicator.denominator_dataset} & mismatched_datasets:
            mismatch.add(indicator.id)
    columns = ["indicator", "commune", "year_start", "year_end", "numerator", "denominator", "partial"]
    values = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    published = _published(folder, [i for i in wanted if i.kind == "published"], sources)
    for indicator in wanted:
        if indicator.of and indicator.of in sources:
            sources[indicator.id] = sources[indicator.of]
            if indicator.of in mismatch:
                mismatch.add(indicator.id)
    available = tuple(i for i in wanted if i.id in sources)
    reference = commune_reference(folder, target)
    return PreparedData(
        values=values.astype({"indicator": "string", "commune": "string"}),
        published=published,
        reference=reference,
        cog_year=target,
        indicators=available,
        sources=sources,
        cog_mismatch=mismatch,
        demo=folder.demo,
        movements=movements,
    )


def _commune_tables(folder: DataFolder, dataset: str) -> list[SourceTable]:
    """Every vintage of a dataset at commune level (IRIS tables summed to communes), latest first."""
    tables = folder.find(dataset, "commune")
    covered = {t.vintage for t in tables}
    tables += [iris_to_communes(t) for t in folder.find(dataset, "iris") if t.vintage not in covered]
    return sorted(tables, key=lambda t: t.vintage or 0, reverse=True)


def _stack(tables: list[SourceTable]) -> SourceTable:
    """The vintages of a dataset as one table; a period present in two files is taken from the latest."""
    data = pd.concat([t.data for t in tables], ignore_index=True).drop_duplicates(["geo", "period"], keep="first")
    source = " ; ".join(dict.fromkeys(t.source for t in tables))
    return replace(tables[0], data=data.reset_index(drop=True), source=source)


def _commune_values(indicator: Indicator, tables: dict[str, SourceTable]) -> pd.DataFrame:
    where = f"indicateur {indicator.id}"
    data = tables[indicator.dataset].data
    numerator = _expression(data, indicator.numerator_variables, where)
    frame = pd.DataFrame({"commune": data["geo"], "year": data["period"], "numerator": numerator, "partial": _partial(data, indicator.numerator_variables)})
    if indicator.kind == "rolling_sum":
        # Consecutive years only: a missing year (or a secret value) leaves its windows missing.
        wide = frame.pivot(index="commune", columns="year", values="numerator")
        first = int(wide.columns.min())
        wide = wide.reindex(columns=range(first, int(wide.columns.max()) + 1))
        summed = wide.T.rolling(indicator.window, min_periods=indicator.window).sum().T
        frame = summed.stack(future_stack=True).rename("numerator").reset_index()
        frame = frame.loc[frame["year"] >= first + indicator.window - 1]
        frame["year_start"] = frame["year"] - indicator.window + 1
        frame["partial"] = False
    else:
        frame["year_start"] = frame["year"]
    if indicator.denominator:
        source = tables[indicator.denominator_dataset or indicator.dataset].data
        denominator = pd.DataFrame(
            {
                "commune": source["geo"],
                "year": source["period"],
                "denominator": _expression(source, indicator.denominator_variables, where),
                "partial_denominator": _partial(source, indicator.denominator_variables),
            }
        )
        frame = frame.merge(denominator, on=["commune", "year"], how="inner")
        frame["partial"] = frame["partial"] | frame["partial_denominator"]
    else:
        frame["denominator"] = np.nan
    frame = frame.dropna(subset=["numerator", "denominator"], how="all") if indicator.denominator else frame
    return pd.DataFrame(
        {
            "indicator": indicator.id,
            "commune": frame["commune"].astype("string"),
            "year_start": frame["year_start"].astype("int64"),
            "year_end": frame["year"].astype("int64"),
            "numerator": frame["numerator"].astype("float64"),
            "denominator": frame["denominator"].astype("float64"),
            "partial": frame["partial"].fillna(False).astype(bool),
        }
    )


def _partial(data: pd.DataFrame, variables: list[str]) -> pd.Series:
    """Communes whose value sums IRIS of which some are secret (see ``iris_to_communes``)."""
    flags = [data[f"{v}_partial"] for v in variables if f"{v}_partial" in data.columns]
    if not flags:
        return pd.Series(False, index=data.index)
    return pd.concat(flags, axis=1).fillna(False).astype(bool).any(axis=1)


def _published(folder: DataFolder, indicators: list[Indicator], sources: dict[str, str]) -> pd.DataFrame:
    frames = []
    for indicator in indicators:
        for level in ("commune", "epci", "departement", "region", "france"):
            found = folder.find(indicator.dataset, level)
            if not found or indicator.numerator not in found[0].data.columns:
                continue
            table = found[0]
            sources[indicator.id] = table.source
            frames.append(
                pd.DataFrame(
                    {
                        "level": level,
                        "geo": table.data["geo"].astype("string"),
                        "indicator": indicator.id,
                        "year": table.vintage,
                        "value": table.data[indicator.numerator].astype("float64"),
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=["level", "geo", "indicator", "year", "value"])
    return pd.concat(frames, ignore_index=True)


def _membership(prepared: PreparedData, territories: Territories, ids: list[str] | None) -> pd.DataFrame:
    membership = territories.membership()
    if ids is not None:
        unknown = [i for i in ids if i not in set(membership["territory"])]
        if unknown:
            territories.get(unknown[0])  # raises with a suggestion
        membership = membership.loc[membership["territory"].isin(ids)]
    unknown = sorted(set(membership["commune"]) - set(prepared.reference["code"]))
    if unknown:
        raise CtgError(
            f"communes {', '.join(unknown[:5])} absentes de la géographie {prepared.cog_year} des données : chargez les "
            "territoires avec le référentiel et les mouvements des données préparées "
            "(load_territories(fichier, prepared.reference, prepared.movements))"
        )
    return membership.reset_index(drop=True)


def _links(prepared: PreparedData, territories: Territories, membership: pd.DataFrame) -> pd.DataFrame:
    """Territory → (level, geo) for every level of its comparison ladder."""
    reference = prepared.reference.set_index("code")
    parents = membership.join(reference[["epci", "departement", "region"]], on="commune")
    parts = [
        membership.assign(level="commune", geo=membership["commune"]),
        membership.drop_duplicates("territory").assign(level="territoire", geo=lambda f: f["territory"]),
    ]
    for level in ("epci", "departement", "region"):
        part = parents.dropna(subset=[level]).drop_duplicates(["territory", level])
        parts.append(part.assign(level=level, geo=part[level]))
    # France is the sum of the communes of the data; a value published for France métropolitaine only
    # (Filosofi) stands beside it under its own code.
    territories_ = membership.drop_duplicates("territory")
    for code in {prepared.france[0], *prepared.published.loc[prepared.published["level"] == "france", "geo"]}:
        parts.append(territories_.assign(level="france", geo=code))
    extra = [(t.id, level, code) for t in territories for level, code in t.comparisons if t.id in set(membership["territory"])]
    if extra:
        parts.append(pd.DataFrame(extra, columns=["territory", "level", "geo"]))
    links = pd.concat([p[["territory", "level", "geo"]] for p in parts], ignore_index=True).drop_duplicates()
    return links.astype("string")


def _aggregate(values: pd.DataFrame, key: pd.Series, level: str) -> pd.DataFrame:
    """Σ numerators and Σ denominators by (geo, indicator, years) over the complete communes, counting
    the communes with a missing (secret) value, which make the sum partial."""
    keys = [key.rename("geo"), values["indicator"], values["year_start"], values["year_end"]]
    out = (
        values.groupby(keys, sort=False, observed=True)
        .agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            n_communes=("numerator", "size"),
            n_missing=("missing", "sum"),
            n_partial=("partial", "sum"),
        )
        .reset_index()
    )
    out["level"] = level
    return out


def compute_indicators(
    prepared: PreparedData,
    territories: Territories,
    *,
    territory_ids: list[str] | None = None,
) -> pd.DataFrame:
    """The long table of every indicator for the territories, at every level of the ladder.

    Parameters
    ----------
    prepared
        The output of :func:`prepare`.
    territories
        Validated territories (:func:`~ctg_analysis.territories.load_territories`).
    territory_ids
        Only these territories (default: all).

    Returns
    -------
    DataFrame
        Columns :data:`LONG_COLUMNS`, one row per (territory, level, geo, indicator, period).
        ``flags`` holds ``;``-separated codes of :data:`FLAGS`.

    Examples
    --------
    >>> table = compute_indicators(prepare(folder), territories, territory_ids=["ezanville"])  # doctest: +SKIP
    >>> table.query("level == 'territoire' and indicator == 'evol_0_2'")[["period", "value"]]  # doctest: +SKIP
         period  value
    0  2013-2019   25.7
    """
    membership = _membership(prepared, territories, territory_ids)
    links = _links(prepared, territories, membership)
    reference = prepared.reference.set_index("code")
    values = prepared.values
    has_denominator = values["indicator"].map({i.id: bool(i.denominator) for i in prepared.indicators}).fillna(False)
    missing = values["numerator"].isna() | (values["denominator"].isna() & has_denominator.astype(bool))
    # A commune missing either term leaves both sums: Σ numerators / Σ denominators over the same communes.
    values = values.assign(
        numerator=values["numerator"].mask(missing), denominator=values["denominator"].mask(missing), missing=missing
    )

    wanted_communes = set(membership["commune"])
    communes = values.loc[values["commune"].isin(wanted_communes)]
    pieces = [_aggregate(communes, communes["commune"], "commune")]
    inside = values.merge(membership, on="commune", how="inner")
    pieces.append(_aggregate(inside, inside["territory"], "territoire"))
    for level in ("epci", "departement", "region"):
        wanted = set(links.loc[links["level"] == level, "geo"])
        key = values["commune"].map(reference[level])
        selected = key.isin(wanted)
        pieces.append(_aggregate(values.loc[selected], key[selected], level))
    pieces.append(_aggregate(values, pd.Series(prepared.france[0], index=values.index), "france"))
    sums = pd.concat(pieces, ignore_index=True)
    sums = pd.concat([sums, _evolutions(sums, prepared.indicators)], ignore_index=True)
    sums = pd.concat([sums, _published_rows(prepared, membership)], ignore_index=True)

    table = links.merge(sums.astype({"geo": "string", "level": "string"}), on=["level", "geo"], how="inner")
    return _finish(table, prepared, territories, reference)


def _evolutions(sums: pd.DataFrame, indicators: tuple[Indicator, ...]) -> pd.DataFrame:
    """Evolutions between the latest vintage and the latest one at least ``min_gap`` years before."""
    frames = []
    for indicator in indicators:
        if indicator.kind not in ("evolution", "annual_rate"):
            continue
        base = sums.loc[sums["indicator"] == indicator.of]
        years = sorted(base["year_end"].unique())
        if len(years) < 2:
            continue
        last = years[-1]
        eligible = [y for y in years if y <= last - indicator.min_gap]
        first = eligible[-1] if eligible else years[-2]  # flagged not comparable below
        end = base.loc[base["year_end"] == last].set_index(["level", "geo"])
        start = base.loc[base["year_end"] == first].set_index(["level", "geo"])
        joined = end.join(start[["numerator", "n_missing", "n_partial"]].add_suffix("_start"), how="inner")
        frames.append(
            pd.DataFrame(
                {
                    "level": joined.index.get_level_values("level"),
                    "geo": joined.index.get_level_values("geo"),
                    "indicator": indicator.id,
                    "year_start": first,
                    "year_end": last,
                    "numerator": joined["numerator"].to_numpy(),
                    "denominator": joined["numerator_start"].to_numpy(),
                    "n_communes": joined["n_communes"].to_numpy(),
                    "n_missing": (joined["n_missing"] + joined["n_missing_start"]).to_numpy(),
                    "n_partial": (joined["n_partial"] + joined["n_partial_start"]).to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _published_rows(prepared: PreparedData, membership: pd.DataFrame) -> pd.DataFrame:
    """Non-additive values where they are published; a territory gets one only if it is exactly a
    published unit (a single commune, or the communes of one EPCI)."""
    published = prepared.published
    if published.empty:
        return pd.DataFrame()
    published = published.assign(level=published["level"].astype("string"), geo=published["geo"].astype("string"))
    # Territories: the published unit they coincide with, if any.
    sizes = membership.groupby("territory")["commune"].agg(["size", "first"])
    single = sizes.loc[sizes["size"] == 1, "first"]
    as_commune = published.loc[published["level"] == "commune"].merge(
        single.rename("geo").reset_index().astype("string"), on="geo"
    ).assign(level="territoire", geo=lambda f: f["territory"]).drop(columns="territory")
    epci_members = prepared.reference.dropna(subset=["epci"]).groupby("epci")["code"].agg(frozenset)
    territory_sets = membership.groupby("territory")["commune"].agg(frozenset)
    same = territory_sets.map({v: k for k, v in epci_members.items()}).dropna()
    as_epci = published.loc[published["level"] == "epci"].merge(
        same.rename("geo").reset_index().astype("string"), on="geo"
    ).assign(level="territoire", geo=lambda f: f["territory"]).drop(columns="territory")
    # Member communes absent from the published file (secret) are shown as missing, not left out.
    members = membership[["commune"]].drop_duplicates().rename(columns={"commune": "geo"})
    published_communes = published.loc[published["level"] == "commune"]
    expected = members.merge(published[["indicator", "year"]].drop_duplicates(), how="cross")
    absent = expected.merge(published_communes[["geo", "indicator", "year"]], how="left", indicator=True)
    absent = absent.loc[absent["_merge"] == "left_only"].drop(columns="_merge").assign(level="commune", value=np.nan)
    rows = pd.concat([published, as_commune, as_epci, absent], ignore_index=True)
    without = pd.DataFrame({"geo": sorted(set(territory_sets.index) - set(as_commune["geo"]) - set(as_epci["geo"]))})
    unavailable = without.merge(published[["indicator", "year"]].drop_duplicates(), how="cross")
    unavailable = unavailable.assign(level="territoire", value=np.nan, unavailable=True)
    rows = pd.concat([rows, unavailable], ignore_index=True)
    return pd.DataFrame(
        {
            "level": rows["level"],
            "geo": rows["geo"],
            "indicator": rows["indicator"],
            "year_start": rows["year"],
            "year_end": rows["year"],
            "numerator": rows["value"],
            "denominator": np.nan,
            "n_communes": np.nan,
            "n_missing": rows["value"].isna().astype("int64"),
            "published": True,
            "unavailable": rows.get("unavailable", False),
        }
    )


def _finish(table: pd.DataFrame, prepared: PreparedData, territories: Territories, reference: pd.DataFrame) -> pd.DataFrame:
    catalogue = pd.DataFrame(
        [
            {
                "indicator": i.id, "label": i.label, "theme": i.theme, "kind": i.kind, "unit": i.unit, "scale": i.scale,
                "min_denominator": i.min_denominator, "min_gap": i.min_gap or 0, "of_kind": get_indicator(i.of).kind if i.of else None,
            }
            for i in prepared.indicators
        ]
    )
    table = table.merge(catalogue, on="indicator", how="inner")
    kind = table["kind"]
    ratio = table["numerator"] / table["denominator"]
    value = np.select(
        [kind.isin(["count", "rolling_sum", "published"]), kind.isin(["share", "rate"]), kind == "evolution", kind == "annual_rate"],
        [
            table["numerator"],
            ratio * table["scale"],
            (ratio - 1) * 100,
            (ratio ** (1 / (table["year_end"] - table["year_start"]).clip(lower=1)) - 1) * 100,
        ],
        default=np.nan,
    )
    published = table.get("published", pd.Series(False, index=table.index)).fillna(False).astype(bool)
    unavailable = table.get("unavailable", pd.Series(False, index=table.index)).fillna(False).astype(bool)
    n_missing = table["n_missing"].fillna(0)
    all_missing = (published & table["numerator"].isna()) | (~published & n_missing.ge(table["n_communes"].fillna(0)) & n_missing.gt(0))
    value = pd.Series(value, index=table.index).mask(all_missing)
    size = np.where(kind.isin(["count", "rolling_sum"]), table["numerator"], table["denominator"])
    flags = {
        "small": (~published) & pd.Series(size, index=table.index).lt(table["min_denominator"]) & value.notna(),
        "partial": (~published) & (n_missing.gt(0) | table["n_partial"].fillna(0).gt(0)) & ~all_missing,
        "missing": all_missing & ~unavailable,
        "not_comparable": kind.isin(["evolution", "annual_rate"]) & (table["year_end"] - table["year_start"]).lt(table["min_gap"]),
        "unavailable": unavailable,
        "cog_mismatch": table["indicator"].isin(prepared.cog_mismatch),
        "demo": pd.Series(prepared.demo, index=table.index),
    }
    text = pd.Series("", index=table.index, dtype="object")
    for name in _QUALITY_ORDER:
        text = text + np.where(flags[name], name + ";", "")
    labels = _geo_labels(table, territories, reference)
    period = table["year_end"].astype("int64").astype("string")
    period = period.mask(table["year_start"] != table["year_end"], table["year_start"].astype("int64").astype("string") + "-" + period)
    out = pd.DataFrame(
        {
            "territory": table["territory"],
            "level": table["level"],
            "geo": table["geo"],
            "geo_label": labels,
            "indicator": table["indicator"],
            "label": table["label"],
            "theme": table["theme"],
            "period": period,
            "year_start": table["year_start"].astype("int64"),
            "year_end": table["year_end"].astype("int64"),
            "value": value.astype("float64"),
            "numerator": table["numerator"].astype("float64"),
            "denominator": table["denominator"].where(kind.isin(["share", "rate", "evolution", "annual_rate"])).astype("float64"),
            "unit": table["unit"],
            "flags": text.str.rstrip(";").astype("string"),
            "n_communes": table["n_communes"].astype("Int64"),
            "source": table["indicator"].map(prepared.sources).astype("string"),
        }
    )
    order = {level: i for i, level in enumerate(LEVELS)}
    indicator_order = {i.id: n for n, i in enumerate(prepared.indicators)}
    out = out.assign(_l=out["level"].map(order), _i=out["indicator"].map(indicator_order))
    out = out.sort_values(["territory", "_i", "year_end", "year_start", "_l", "geo"], kind="stable").drop(columns=["_l", "_i"])
    return out.reset_index(drop=True)


def _geo_labels(table: pd.DataFrame, territories: Territories, reference: pd.DataFrame) -> pd.Series:
    names = {
        "commune": reference["label"],
        "territoire": pd.Series({t.id: t.label for t in territories}),
        "epci": reference.dropna(subset=["epci"]).drop_duplicates("epci").set_index("epci")["epci_label"],
        "departement": reference.drop_duplicates("departement").set_index("departement")["departement_label"],
        "region": reference.drop_duplicates("region").set_index("region")["region_label"],
    }
    labels = pd.Series(pd.NA, index=table.index, dtype="string")
    for level, mapping in names.items():
        rows = table["level"] == level
        labels[rows] = table.loc[rows, "geo"].map(mapping).astype("string")
    france = table["level"] == "france"
    labels[france] = table.loc[france, "geo"].map({FRANCE: "France entière", FRANCE_METRO: "France métropolitaine"})
    return labels.fillna(table["geo"].astype("string"))
