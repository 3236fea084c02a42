"""Shared machinery of the dataset readers: what a reader returns and the layout helpers."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ctg_analysis.codes import FRANCE
from ctg_analysis.errors import MissingColumnError, SourceFileError
from ctg_analysis.sources._io import RawSheet, normalise_codes, to_number

log = logging.getLogger(__name__)

#: The flag column of a row whose counts the publisher rounded (the CNAF's data.caf.fr files: to 5).
ROUNDED = "rounded"


@dataclass(frozen=True)
class Parsed:
    """What a reader makes of one sheet: a canonical frame and what the sheet itself says of it (the
    dataset's conventions and the file's identity are added by :func:`~ctg_analysis.sources.registry.read_file`)."""

    level: str
    vintage: int | None
    source: str
    data: pd.DataFrame
    #: The COG year stated in the file (title rows, file name), if any.
    cog_year: int | None = None
    #: The dataset the table feeds, when the sheet is a base combining several (the comparateur).
    dataset: str | None = None
    #: What the sheet says that no row carries (:attr:`SourceTable.notes`).
    notes: tuple[str, ...] = ()


def full_year(two_digits: str | int) -> int:
    """Four-digit year of a two-digit census or file suffix (``68`` → 1968, ``22`` → 2022)."""
    yy = int(two_digits)
    return 1900 + yy if yy >= 60 else 2000 + yy


def any_column(sheet: RawSheet, pattern: str) -> bool:
    """Whether a column name matches ``pattern`` entirely."""
    regex = re.compile(pattern)
    return any(regex.fullmatch(c) for c in sheet.columns)


def has_columns(sheet: RawSheet, names: Iterable[str]) -> bool:
    """Whether all ``names`` are columns (case-insensitive)."""
    upper = {c.upper() for c in sheet.columns}
    return all(n.upper() in upper for n in names)


def column(sheet: RawSheet, name: str, *, dataset: str, meaning: str) -> pd.Series:
    """The column ``name`` (case-insensitive), or a :class:`MissingColumnError` naming it."""
    for c in sheet.frame.columns:
        if str(c).upper() == name.upper():
            return sheet.frame[c]
    raise MissingColumnError(
        sheet.where, f"colonne {name} ({meaning}) absente : attendue dans un fichier « {dataset} »"
    )


def codes(sheet: RawSheet, name: str, *, width: int, dataset: str, meaning: str) -> pd.Series:
    """Codes of column ``name`` as ``width``-character strings, repairing lost leading zeros with a warning."""
    values, repaired = normalise_codes(
        column(sheet, name, dataset=dataset, meaning=meaning), width=width, where=sheet.where, column=name
    )
    if repaired:
        log.warning(
            "%s : %d codes de la colonne %s avaient perdu leur zéro initial (stockés comme nombres) ; réparés",
            sheet.where,
            repaired,
            name,
        )
    return values


def numbers(sheet: RawSheet, name: str, *, negative: bool = False) -> pd.Series:
    """Parsed numbers of column ``name`` (NaN for secret or missing cells); negative values refused
    unless ``negative`` (counts never are)."""
    return to_number(sheet.frame[name], where=sheet.where, column=name, negative=negative)


def area_codes(
    sheet: RawSheet, name: str | None, *, width: int, dataset: str, placeholders: tuple[str, ...]
) -> pd.Series:
    """The area codes of column ``name`` of a data.caf.fr export, as the toolkit writes them: communes and EPCIs
    through :func:`codes` (``width`` characters), départements (``width`` 0) as 2 or 3 characters (« 2A »,
    « 973 »), France for a national file (``name`` ``None``: it has no area column); the ``placeholders`` (no
    code, ``XX``) kept as written, for the reader to leave out and say."""
    if name is None:
        return pd.Series(FRANCE, index=sheet.frame.index, dtype="string")
    raw = sheet.frame[name].astype("string").str.strip().fillna("")
    if not width:
        return raw.where(raw.isin(placeholders), raw.str.zfill(2))
    placed = ~raw.isin(placeholders)
    real = dataclasses.replace(sheet, frame=sheet.frame.loc[placed.to_numpy(), [name]])
    fixed = raw.copy()
    fixed.loc[placed] = codes(real, name, width=width, dataset=dataset, meaning="code géographique").to_numpy()
    return fixed


def year_span(years: pd.Series) -> str:
    """The years a table holds, as its source line says them (``2008-2024``, or ``2024``).

    Examples
    --------
    >>> year_span(pd.Series([2022, 2020, 2024])), year_span(pd.Series([2023, 2023]))
    ('2020-2024', '2023')
    """
    first, last = int(years.min()), int(years.max())
    return f"{first}-{last}" if first != last else str(last)


def lower_case(sheet: RawSheet) -> RawSheet:
    """The sheet with its column names in lower case (the Opendatasoft field ids of data.caf.fr's exports)."""
    return dataclasses.replace(sheet, frame=sheet.frame.rename(columns=lambda c: str(c).lower()))


def check_unique(frame: pd.DataFrame, keys: list[str], where: str) -> None:
    """Refuse duplicated rows (the same code and period twice)."""
    duplicated = frame.duplicated(keys, keep=False)
    if duplicated.any():
        first = frame.loc[duplicated, keys].iloc[0]
        names = {"geo": "code", "period": "année"}
        described = ", ".join(f"{names.get(k, k)} {first[k]}" for k in keys)
        raise SourceFileError(
            where,
            f"{int(duplicated.sum())} lignes en double ({described} apparaît plusieurs fois) : "
            "attendu une ligne par code",
        )


def by_period(sheet: RawSheet, ids: pd.DataFrame, variables: dict[str, tuple[str, int, int | None]]) -> pd.DataFrame:
    """Turn vintage-prefixed columns into one row per unit and period.

    Parameters
    ----------
    sheet
        The sheet the columns come from.
    ids
        Identifier and attribute columns, aligned with the sheet's rows.
    variables
        Original column → (canonical name, period, start year of a flow or None).
    """
    periods = sorted({period for _, period, _ in variables.values()}, reverse=True)
    parts = []
    for period in periods:
        columns = {name: numbers(sheet, original) for original, (name, p, _) in variables.items() if p == period}
        starts = {start for _, p, start in variables.values() if p == period and start is not None}
        part = pd.DataFrame({**{c: ids[c] for c in ids.columns}, "period": period, **columns})
        if starts:
            part["flow_start"] = float(min(starts))
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame["period"] = frame["period"].astype("int64")
    return frame


def year_in_titles(sheet: RawSheet, patterns: Iterable[str]) -> int | None:
    """The first year captured by one of ``patterns`` in the sheet's title rows."""
    text = " ".join(sheet.titles)
    for pattern in patterns:
        if found := re.search(pattern, text, flags=re.IGNORECASE):
            return int(found.group(1))
    return None


def years_in_name(name: str) -> list[int]:
    """The four-digit years (1990–2099) a file name says.

    Examples
    --------
    >>> years_in_name("ensemble_RP2019_en_vigueur_2022.xlsx")
    [2019, 2022]
    """
    return [int(y) for y in re.findall(r"(?<!\d)(19[9]\d|20\d\d)(?!\d)", name)]


def year_in_name(sheet: RawSheet) -> int | None:
    """The last year in the file or member name."""
    found = years_in_name(f"{sheet.path.name} {sheet.part or ''}")
    return found[-1] if found else None
