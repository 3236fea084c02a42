"""INSEE's Melodi long format: one row per (area, period, dimension values), the value in ``OBS_VALUE``.

Since INSEE moved its dissemination to Melodi, the current vintages (births 2008–2024, the 2023 census,
Filosofi 2023…) come as ``DS_<NAME>_data.csv`` (in its zip, beside ``DS_<NAME>_metadata.csv``, or exported
from INSEE's data explorer: quoted fields, decimal comma). Every such file has the columns ``GEO`` (the
area's code), ``GEO_OBJECT`` (its level: ``COM``, ``ARM``, ``EPCI``, ``DEP``, ``REG``, ``FRANCE``…),
``TIME_PERIOD`` and ``OBS_VALUE``, attribute columns (``FREQ``, ``OBS_STATUS``…) and the dimension columns
of its dataset (``EC_MEASURE`` for births; ``SEX``, ``AGE``, ``RP_MEASURE`` for a census table).

A Melodi dataset is recognised by its dimension columns, and turned into the canonical wide table of the
dataset it feeds through a :class:`MelodiLayout` declared beside that dataset in
:data:`~ctg_analysis.sources.datasets.DATASETS`: each canonical variable is the rows of given dimension codes.

Statuses, as INSEE's metadata define them: ``M`` (value missing: the data do not exist) and ``K`` (value
counted in another commune, a commune nouvelle's ``W`` row) leave the value missing, never zero; a
confidential value (``CONF_STATUS`` ``C``) is missing too. Paris, Lyon and Marseille are published both as
communes and as arrondissements (``ARM``, with ``751XX``… for an unknown arrondissement): the commune's row
is kept, its arrondissements summed only where it is absent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ctg_analysis.codes import COMMUNE_WIDTH, fold_arrondissements
from ctg_analysis.errors import SourceFileError
from ctg_analysis.sources._io import RawSheet
from ctg_analysis.sources._layout import Parsed, check_unique, column, has_columns, numbers, year_span

__all__ = ["MelodiLayout", "MelodiSeries", "dimensions", "is_long"]

#: The columns every Melodi data file has.
_KEYS = ("GEO", "GEO_OBJECT", "TIME_PERIOD", "OBS_VALUE")
#: Attribute columns: they qualify a value, they do not select it.
_ATTRIBUTES = frozenset({"FREQ", "OBS_STATUS", "OBS_STATUS_FR", "CONF_STATUS", "UNIT_MEASURE", "UNIT_MULT", "DECIMALS"})
#: Statuses whose value is not the area's own: missing (``M``), counted in another commune (``K``).
_NOT_OWN = frozenset({"M", "K"})
#: A code as the Melodi API writes it: the geography's year, the level and the code (``2025-COM-33318``).
_DATED_CODE = re.compile(r"^(\d{4})-([A-Z0-9]+)-(.+)$")
#: The levels of Melodi's ``GEO_OBJECT`` that the commune-level computation reads.
_COMMUNE_OBJECTS = ("COM", "ARM")
#: The levels whose rows INSEE computed itself, kept as published (the toolkit's level for each); the
#: others (``ARR``, ``UU2020``, ``ZE2020``…) are zonings no CTG compares with.
_PUBLISHED_OBJECTS = {"EPCI": "epci", "DEP": "departement", "REG": "region", "FRANCE": "france"}


def is_long(sheet: RawSheet) -> bool:
    """Whether a sheet is in Melodi's long format (``GEO``, ``GEO_OBJECT``, ``TIME_PERIOD``, ``OBS_VALUE``).

    Examples
    --------
    >>> from pathlib import Path
    >>> frame = pd.DataFrame(columns=["GEO", "GEO_OBJECT", "EC_MEASURE", "TIME_PERIOD", "OBS_VALUE"])
    >>> is_long(RawSheet(Path("DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv"), None, frame))
    True
    """
    upper = {c.upper() for c in sheet.columns}
    return all(key in upper for key in _KEYS)


def dimensions(sheet: RawSheet) -> frozenset[str]:
    """The dimension columns of a long-format sheet: neither its keys nor its attributes."""
    return frozenset(c.upper() for c in sheet.columns) - set(_KEYS) - _ATTRIBUTES


@dataclass(frozen=True)
class MelodiSeries:
    """One canonical variable: the rows of a Melodi file whose dimensions have these codes."""

    variable: str
    codes: Mapping[str, str]


@dataclass(frozen=True)
class MelodiLayout:
    """How a Melodi dataset feeds a canonical dataset.

    Attributes
    ----------
    name
        INSEE's id of the Melodi dataset (``DS_ETAT_CIVIL_NAIS_COMMUNES``), for the messages.
    source
        The source line of its tables, with ``{years}`` (``2008-2024``) or ``{last}`` (``2024``) for the
        years it holds: ``Insee, état civil {years}``, ``Insee, RP{last}`` (a census's vintages are its last).
    series
        The canonical variables it gives: the codes that select each one's rows.
    totals
        Codes every series shares (the other dimensions at their total ``_T``, a measure…).
    others
        Its dimension columns no series selects on (each series takes all their rows: there must be one).
    unlisted
        For a file that lists only what an area has (the BPE: no row for an equipment a commune lacks), what
        an area's missing rows mean: given its table (missing where the area has no row) and which values
        were listed, the table with the zeros the file's own totals establish.

    The dimension columns of the dataset are those the series and ``totals`` name, and ``others``: a sheet
    with exactly these is the dataset. A variable whose codes the file does not hold (a cut file, or an
    age band a table does not give) is absent from its tables, never approximated from other bands.
    """

    name: str
    source: str
    series: tuple[MelodiSeries, ...]
    totals: Mapping[str, str] = field(default_factory=dict)
    others: frozenset[str] = frozenset()
    unlisted: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame] | None = None

    @property
    def dimensions(self) -> frozenset[str]:
        """The dimension columns of the dataset: what recognises it."""
        return frozenset({d for s in self.series for d in s.codes} | set(self.totals) | self.others)

    def matches(self, sheet: RawSheet) -> bool:
        """Whether a sheet is this Melodi dataset: the long format with exactly its dimension columns."""
        return is_long(sheet) and dimensions(sheet) == self.dimensions

    def read(self, sheet: RawSheet, dataset: str, *, additive: bool = True) -> list[Parsed]:
        """The canonical variables, one row per (area, year): the communes' table, and a table of INSEE's
        own values for each other level the file publishes (EPCI, département, région, France), kept as
        published to be checked against the communes, never summed over. Paris, Lyon and Marseille's
        arrondissements are summed where their commune is absent, if the values are ``additive`` (an
        export of arrondissements' medians alone gives no commune). A level the file does not give has no
        table: a file of none of them gives none."""
        variable = self._variables(sheet, dataset)
        kept = variable >= 0
        # Only the rows a variable needs are read further (a tenth of a national census table).
        sheet = replace(sheet, frame=sheet.frame.loc[kept].reset_index(drop=True))
        names = np.array([s.variable for s in self.series], dtype=object)
        rows = _rows(sheet, dataset).assign(variable=names[variable[kept]])
        frame = self._wide(rows.loc[rows["level"].isin(_COMMUNE_OBJECTS)], sheet)
        frame = fold_arrondissements(frame, [c for c in frame.columns if c not in ("geo", "period")], additive=additive)
        check_unique(frame, ["geo", "period"], sheet.where)
        years, last = year_span(rows["period"]), int(rows["period"].max())
        source = f"{self.source.format(years=years, last=last)} (Melodi {self.name})"
        stated = rows["cog_year"].dropna()
        cog_year = int(stated.max()) if len(stated) else None
        published = [
            Parsed(level, last, source, self._wide(rows.loc[rows["level"] == melodi], sheet), cog_year=cog_year)
            for melodi, level in _PUBLISHED_OBJECTS.items()
            if (rows["level"] == melodi).any()
        ]
        communes = [Parsed("commune", last, source, frame, cog_year=cog_year)] if len(frame) else []
        return [*communes, *published]

    def _variables(self, sheet: RawSheet, dataset: str) -> np.ndarray:
        """Per row, the position in ``series`` of the variable its dimension codes select; -1 for a row no
        variable needs."""
        codes = {d: _text(column(sheet, d, dataset=dataset, meaning=d)) for d in self.dimensions}
        variable = np.full(len(sheet.frame), -1, dtype="int16")
        for position, series in enumerate(self.series):
            chosen = variable < 0  # the rows no earlier series took
            for dimension, code in {**self.totals, **series.codes}.items():
                chosen &= codes[dimension].eq(code).to_numpy()
            variable[chosen] = position
        return variable

    def _wide(self, rows: pd.DataFrame, sheet: RawSheet) -> pd.DataFrame:
        """One column per canonical variable, one row per (code, year)."""
        duplicated = rows.duplicated(["geo", "period", "variable"], keep=False)
        if duplicated.any():
            first = rows.loc[duplicated].iloc[0]
            raise SourceFileError(
                sheet.where,
                f"{int(duplicated.sum())} lignes en double (code {first['geo']}, année {first['period']}, "
                f"{first['variable']}) : attendu une ligne par code, année et modalité",
            )
        wide = rows.pivot(index=["geo", "period"], columns="variable", values="value")
        if self.unlisted is not None:
            listed = rows.assign(listed=1.0).pivot(index=["geo", "period"], columns="variable", values="listed")
            wide = self.unlisted(wide, listed.notna())
        wide = wide.reset_index()
        wide.columns.name = None
        return wide[["geo", "period", *(s.variable for s in self.series if s.variable in wide.columns)]]


def _text(values: pd.Series) -> pd.Series:
    """Codes as stripped text; a column of categories (a large file read by pyarrow) stays one, only its
    few distinct codes stripped."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        stripped = values.cat.categories.astype("string").str.strip()
        if stripped.is_unique:
            return values.cat.rename_categories(list(stripped))
    return values.astype("string").str.strip()


def _rows(sheet: RawSheet, dataset: str) -> pd.DataFrame:
    """The sheet's rows with their level, code, year, value (missing where INSEE gives none of the area's
    own), the geography's year where the codes state it, and the dimension codes."""
    geo = _text(column(sheet, "GEO", dataset=dataset, meaning="code géographique")).astype("string")
    level = _text(column(sheet, "GEO_OBJECT", dataset=dataset, meaning="niveau géographique")).astype("string")
    # Each distinct code parsed once (a national table repeats each code a few hundred times).
    inverse, distinct = pd.factorize(geo)
    dated = pd.Series(distinct, dtype="string").str.extract(_DATED_CODE).iloc[inverse].set_axis(geo.index)
    has_date = dated[0].notna()
    rows = pd.DataFrame(
        {
            "level": level.mask(has_date, dated[1]).str.upper(),
            "geo": geo.mask(has_date, dated[2]),
            "cog_year": pd.to_numeric(dated[0], errors="coerce"),
            "period": _years(sheet, dataset),
            "value": numbers(sheet, next(c for c in sheet.columns if c.upper() == "OBS_VALUE")),
        }
    )
    own = pd.Series(True, index=rows.index)
    for status, refused in (("OBS_STATUS", _NOT_OWN), ("CONF_STATUS", frozenset({"C"}))):
        if has_columns(sheet, [status]):
            own &= ~_text(column(sheet, status, dataset=dataset, meaning=status)).isin(refused)
    rows["value"] = rows["value"].where(own)
    communes = rows["level"].isin(_COMMUNE_OBJECTS)
    rows.loc[communes, "geo"] = rows.loc[communes, "geo"].str.zfill(COMMUNE_WIDTH)
    return rows


def _years(sheet: RawSheet, dataset: str) -> pd.Series:
    """``TIME_PERIOD`` as years; anything else is a broken file, named."""
    published = column(sheet, "TIME_PERIOD", dataset=dataset, meaning="période")
    if pd.api.types.is_integer_dtype(published.dtype) and published.between(1000, 9999).all():
        return published.astype("int64")  # read as numbers by pyarrow: years already
    text = published.astype("string").str.strip()
    years = pd.to_numeric(text.where(text.str.fullmatch(r"\d{4}").fillna(False)), errors="coerce")
    if years.isna().any():
        row = int(years.isna().to_numpy().argmax())
        raise SourceFileError(
            sheet.where, f"colonne TIME_PERIOD, ligne {row + 2} : {text.iloc[row]!r} au lieu d'une année (AAAA)"
        )
    return years.astype("int64")
