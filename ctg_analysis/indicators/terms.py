"""The terms of the indicators per commune: each additive indicator's numerator and denominator per
commune and period, the published values of the non-additive ones where their perimeter holds, and
each commune's population (the weight of the coverage)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctg_analysis.codes import fold_arrondissements, in_france
from ctg_analysis.errors import CtgError
from ctg_analysis.formatting import agreed
from ctg_analysis.geography import commune_passage
from ctg_analysis.geography.embedded import embedded_epci
from ctg_analysis.geography.reference import epci_composition
from ctg_analysis.indicators.catalogue import Indicator
from ctg_analysis.indicators.encoding import Geography
from ctg_analysis.levels import TABLE_LEVELS
from ctg_analysis.sources.datasets import DATASETS
from ctg_analysis.sources.folder import DataFolder
from ctg_analysis.sources.tables import ESTIMATED, PARTIAL_SUFFIX, ROUNDED, SourceTable

__all__ = ["POPULATION_DATASETS", "commune_population", "commune_values", "published_values"]


def _expression(frame: pd.DataFrame, variables: list[str], where: str) -> np.ndarray:
    """Sum of variables; missing if any term is missing (a sum of known terms would understate it)."""
    absent = [v for v in variables if v not in frame.columns]
    if absent:
        said = agreed(len(absent), "variable absente", "variables absentes")
        raise CtgError(f"{where} : {said} de la table : {', '.join(absent)}")
    if len(variables) == 1:
        return frame[variables[0]].to_numpy(dtype="float64")
    total: np.ndarray = frame[variables].to_numpy(dtype="float64").sum(axis=1)  # NaN in any term gives NaN
    return total


def _flag_column(data: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Rows where any of the boolean columns present is true."""
    flags = [data[c].fillna(False).to_numpy(dtype=bool) for c in columns if c in data.columns]
    return np.logical_or.reduce(flags) if flags else np.zeros(len(data), dtype=bool)


def _partial(data: pd.DataFrame, variables: list[str]) -> np.ndarray:
    """Communes whose value sums IRIS of which some are secret (see ``iris_to_communes``)."""
    return _flag_column(data, [f"{v}{PARTIAL_SUFFIX}" for v in variables])


def commune_values(indicator: Indicator, tables: dict[str, SourceTable]) -> dict[str, np.ndarray]:
    """Numerator and denominator of an additive indicator per commune and year."""
    where = f"indicateur {indicator.id}"
    assert indicator.dataset is not None  # an additive indicator names its dataset (catalogue check)
    data = tables[indicator.dataset].data
    terms = {
        "commune": data["commune_id"].to_numpy(),
        "year": data["period"].to_numpy(dtype="int64"),
        "numerator": _expression(data, indicator.numerator_variables, where),
        "partial": _partial(data, indicator.numerator_variables),
        "estimated": _flag_column(data, [ESTIMATED]),
        "rounded": _flag_column(data, [ROUNDED]),
    }
    terms["start"] = terms["year"]
    if indicator.kind == "rolling_sum":
        terms = _rolling_windows(terms, indicator)
    terms = _with_denominator(terms, indicator, tables, where)
    missing = (
        np.isnan(terms["numerator"]) | np.isnan(terms["denominator"])
        if indicator.denominator
        else np.isnan(terms["numerator"])
    )
    # A year no commune has a value of is a year the source does not give the variable (the CNAF's commune
    # file has no children by age, its IRIS files did): no row, rather than a year of missing values.
    years = np.asarray(terms["year"])
    given = np.isin(years, np.unique(years[~missing]))
    terms = {name: np.asarray(values)[given] for name, values in terms.items()}
    missing = missing[given]
    # A commune missing either term leaves both sums: Σ numerators / Σ denominators over the same communes.
    return {
        "commune": terms["commune"].astype("int32"),
        "year_start": np.asarray(terms["start"]).astype("int16"),
        "year_end": np.asarray(terms["year"]).astype("int16"),
        "numerator": np.where(missing, np.nan, terms["numerator"]),
        "denominator": np.where(missing, np.nan, terms["denominator"]),
        "missing": missing,
        "partial": terms["partial"].astype(bool),
        "estimated": np.asarray(terms["estimated"], dtype=bool),
        "rounded": np.asarray(terms["rounded"], dtype=bool),
    }


def _rolling_windows(terms: dict[str, np.ndarray], indicator: Indicator) -> dict[str, np.ndarray]:
    """Sums over ``window`` consecutive years: a missing year (or a secret value) leaves its windows missing."""
    assert indicator.window is not None  # a rolling sum has its window (catalogue check)
    wide = pd.DataFrame({"commune": terms["commune"], "year": terms["year"], "numerator": terms["numerator"]}).pivot(
        index="commune", columns="year", values="numerator"
    )
    first = int(wide.columns.min())
    wide = wide.reindex(columns=range(first, int(wide.columns.max()) + 1))
    windows = np.lib.stride_tricks.sliding_window_view(wide.to_numpy(), indicator.window, axis=1).sum(axis=-1)
    ends = np.arange(first + indicator.window - 1, first + wide.shape[1])
    flagged = (
        pd.DataFrame({"commune": terms["commune"], "estimated": terms["estimated"], "rounded": terms["rounded"]})
        .groupby("commune")[["estimated", "rounded"]]
        .any()
        .reindex(wide.index, fill_value=False)
    )
    year = np.tile(ends, len(wide))
    return {
        "commune": np.repeat(wide.index.to_numpy(), len(ends)),
        "year": year,
        "start": year - indicator.window + 1,
        "numerator": windows.ravel(),
        "partial": np.zeros(windows.size, dtype=bool),
        "estimated": np.repeat(flagged["estimated"].to_numpy(dtype=bool), len(ends)),
        "rounded": np.repeat(flagged["rounded"].to_numpy(dtype=bool), len(ends)),
    }


def _with_denominator(
    terms: dict[str, np.ndarray], indicator: Indicator, tables: dict[str, SourceTable], where: str
) -> dict[str, np.ndarray]:
    """The terms with their denominator: none (a count), from the same rows, or from another dataset's rows
    of the same commune and year (the rows of either alone are left out)."""
    if not indicator.denominator:
        return {**terms, "denominator": np.full(len(terms["numerator"]), np.nan)}
    assert indicator.dataset is not None  # an additive indicator names its dataset (catalogue check)
    if indicator.denominator_dataset in (None, indicator.dataset):
        data = tables[indicator.dataset].data  # the numerator's rows
        return {
            **terms,
            "denominator": _expression(data, indicator.denominator_variables, where),
            "partial": terms["partial"] | _partial(data, indicator.denominator_variables),
        }
    source = tables[indicator.denominator_dataset].data
    other = pd.DataFrame(
        {
            "commune": source["commune_id"].to_numpy(),
            "year": source["period"].to_numpy(dtype="int64"),
            "denominator": _expression(source, indicator.denominator_variables, where),
            "partial_denominator": _partial(source, indicator.denominator_variables),
            "estimated_denominator": _flag_column(source, [ESTIMATED]),
            "rounded_denominator": _flag_column(source, [ROUNDED]),
        }
    )
    frame = pd.DataFrame(terms).merge(other, on=["commune", "year"], how="inner")
    return {
        "commune": frame["commune"].to_numpy(),
        "year": frame["year"].to_numpy(),
        "start": frame["start"].to_numpy(),
        "numerator": frame["numerator"].to_numpy(),
        "denominator": frame["denominator"].to_numpy(),
        "partial": frame["partial"].to_numpy() | frame["partial_denominator"].to_numpy(),
        "estimated": frame["estimated"].to_numpy() | frame["estimated_denominator"].to_numpy(),
        "rounded": frame["rounded"].to_numpy() | frame["rounded_denominator"].to_numpy(),
    }


#: The datasets giving each commune's population, the weight of the coverage (the last one found wins).
POPULATION_DATASETS = {d.id: d.population for d in DATASETS.values() if d.population}


def commune_population(harmonised: dict[str, SourceTable], geography: Geography) -> np.ndarray:
    """Population of each commune (legal population, else the census), NaN where unknown."""
    population = np.full(len(geography.communes), np.nan)
    for dataset, variable in POPULATION_DATASETS.items():
        if dataset not in harmonised or variable not in harmonised[dataset].data.columns:
            continue
        data = harmonised[dataset].data
        latest = data.loc[data["period"] == data["period"].max()]
        positions = geography.communes.get_indexer(latest["geo"].to_numpy(dtype=object))
        known = positions >= 0
        population[positions[known]] = latest[variable].to_numpy(dtype="float64")[known]
    return population


def published_values(
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
            # A Melodi file may hold several years: each brought to today's perimeters on its own.
            years = data["period"].to_numpy() if "period" in data.columns else np.full(len(data), table.vintage or 0)
            for year in np.unique(years).tolist():
                rows = data.loc[years == year]
                geo, value, changed = perimeters.bring(
                    table.level, table.cog_year, rows["geo"], rows[indicator.numerator].to_numpy(dtype="float64")
                )
                known = geo >= 0
                frames.append(
                    pd.DataFrame(
                        {
                            "level": np.int8(TABLE_LEVELS.index(table.level)),
                            "geo": geo[known].astype("int32"),
                            "indicator": np.int16(position[indicator.id]),
                            "year": np.int16(year),
                            "value": np.where(changed, np.nan, value)[known],
                            "perimeter": changed[known],
                        }
                    )
                )
    empty = pd.DataFrame(
        {
            "level": pd.Series(dtype="int8"),
            "geo": pd.Series(dtype="int32"),
            "indicator": pd.Series(dtype="int16"),
            "year": pd.Series(dtype="int16"),
            "value": pd.Series(dtype="float64"),
            "perimeter": pd.Series(dtype=bool),
        }
    )
    if not frames:
        return empty
    # A unit published twice for the same year (two files of one vintage): the first is kept.
    return pd.concat(frames, ignore_index=True).drop_duplicates(
        ["level", "geo", "indicator", "year"], ignore_index=True
    )


class _Perimeters:
    """Whether a unit published in the geography of one COG year still has the same perimeter."""

    def __init__(
        self, geography: Geography, reference: pd.DataFrame, movements: pd.DataFrame, cog_year: int, folder: DataFolder
    ):
        self.geography, self.reference, self.movements, self.cog_year, self.folder = (
            geography,
            reference,
            movements,
            cog_year,
            folder,
        )
        self._passages: dict[int, pd.DataFrame] = {}
        self._absorbers: dict[int, set[str]] = {}

    def passage(self, year: int) -> pd.DataFrame:
        if year not in self._passages:
            found = (
                commune_passage(self.movements, year, self.cog_year)
                if year < self.cog_year
                else pd.DataFrame(columns=["source", "target", "share"])
            )
            moves = self._moves(year)
            kept = moves["com_av"].eq(moves["com_ap"])
            found = found.loc[~found["source"].isin(_created(moves.loc[~kept]))]
            self._passages[year] = found.astype({"source": object, "target": object})  # object: fast lookups
            # The communes whose code a merger kept have a row of their own in INSEE's movements, the same code
            # before and after, which the passage leaves out.
            self._absorbers[year] = set(moves.loc[kept, "com_ap"])
        return self._passages[year]

    def absorbers(self, year: int) -> set[str]:
        """The communes of ``year`` whose code a merger up to the common geography kept for the new commune."""
        self.passage(year)
        return self._absorbers[year]

    def _moves(self, year: int) -> pd.DataFrame:
        """INSEE's commune-to-commune movements from the geography of ``year`` to the common one."""
        moves = self.movements
        within = moves["date_eff"].gt(pd.Timestamp(year, 1, 1)) & moves["date_eff"].le(
            pd.Timestamp(self.cog_year, 1, 1)
        )
        moves = moves.loc[within & moves["typecom_av"].eq("COM") & moves["typecom_ap"].eq("COM")]
        return moves.astype({"com_av": str, "com_ap": str})

    def bring(
        self, level: str, year: int | None, codes: pd.Series, values: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions of the units in the common geography, their values, and whether the perimeter changed."""
        codes = pd.Series(codes.astype(str).to_numpy(dtype=object))  # object: fast lookups
        if level == "commune" and year and year != self.cog_year:
            return self._communes(year, codes, values)
        changed = np.zeros(len(codes), dtype=bool)
        if level == "epci" and year and year != self.cog_year:
            changed = self._epci_changed(year, codes)
        return self.geography.codes[level].get_indexer(codes.to_numpy(dtype=object)), values, changed  # type: ignore[arg-type]  # pandas takes any array-like; the stubs say Index

    def _communes(self, year: int, codes: pd.Series, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        passage = self.passage(year)
        if year > self.cog_year:
            # Published in a more recent geography than the data: only unchanged codes are comparable.
            later = commune_passage(self.movements, self.cog_year, year)
            touched = set(later["source"]) | set(later["target"])
            changed = codes.isin(touched).to_numpy()
            return self.geography.communes.get_indexer(codes.to_numpy(dtype=object)), values, changed  # type: ignore[arg-type]  # pandas takes any array-like; the stubs say Index
        sources_per_target = passage.groupby("target")["source"].nunique()
        targets_per_source = passage.groupby("source")["target"].nunique()
        # A plain code change (one source, one target, nothing else merged in) keeps the perimeter. The passage
        # leaves out the commune whose code a merger kept: a file without it (too few households) would pass its
        # partner's value for the merged commune's (Val-Mont 21327 given Ivry-en-Montagne's 2014 median).
        renamed = passage.loc[
            passage["source"].map(targets_per_source).eq(1)
            & passage["target"].map(sources_per_target).eq(1)
            & ~passage["target"].isin(codes)
            & ~passage["target"].isin(self.absorbers(year))
        ].set_index("source")["target"]
        absorbing = set(passage["target"])
        moved = codes.map(renamed).astype(object)
        target = moved.where(moved.notna(), codes)
        reached = (codes.isin(passage["source"]) & moved.isna()) | (codes.isin(absorbing) & moved.isna())
        # Communes that exist only since (merged or re-established) get a row without value too.
        new = sorted(absorbing - set(target))
        target = pd.concat([target, pd.Series(new, dtype=object)], ignore_index=True)
        values = np.concatenate([values, np.full(len(new), np.nan)])
        changed = np.concatenate([reached.to_numpy(dtype=bool), np.ones(len(new), dtype=bool)])
        return self.geography.communes.get_indexer(target.to_numpy(dtype=object)), values, changed  # type: ignore[arg-type]  # pandas takes any array-like; the stubs say Index

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


def _created(moves: pd.DataFrame) -> set[str]:
    """Codes a movement gives before another takes them away: codes no commune had before those movements
    (27058, Les Trois Lacs' code from 2021 to 2023; Bernières-sur-Seine's until 2017 is another story, told by the
    passage from 2016)."""
    arrival = moves.groupby("com_ap")["date_eff"].min()
    departure = moves.groupby("com_av")["date_eff"].min()
    both = arrival.index.intersection(departure.index)
    return set(both[arrival[both].to_numpy() < departure[both].to_numpy()])
