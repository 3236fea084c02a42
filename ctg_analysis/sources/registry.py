"""Recognise a published file by its content and read it into canonical tables.

Each sheet of a file (CSV, zip member, workbook sheet) is offered to the readers in turn; the first
whose layout matches reads it. The file name is used only where the layout itself carries no year
(CNAF files) or to break a tie between levels (Filosofi).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from pathlib import Path

from ctg_analysis.errors import SourceFileError, UnreadableFileError, UnrecognisedFileError, WrongDatasetError
from ctg_analysis.sources import melodi
from ctg_analysis.sources._io import RawSheet, read_sheets
from ctg_analysis.sources._layout import Parsed, has_columns
from ctg_analysis.sources.datasets import DATASETS, Dataset, get_dataset
from ctg_analysis.sources.tables import SourceTable
from ctg_analysis.text import plain

log = logging.getLogger(__name__)

__all__ = ["file_hash", "matching_datasets", "read_file"]

# Official files that are recognised but carry nothing ctg-analysis uses: said so, not "unknown".
_KNOWN_UNUSED = (
    (["COD_VAR", "LIB_VAR"], "dictionnaire des variables INSEE (documentation, non utilisé)"),
    (["VAR_ID", "VAR_LIB"], "dictionnaire des variables INSEE (documentation, non utilisé)"),
    (["ARR", "DEP", "REG", "CHEFLIEU"], "COG – arrondissements (non utilisé)"),
    (["CAN", "DEP", "REG", "BURCENTRAL"], "COG – cantons (non utilisé)"),
    (["COM", "DATE_DEBUT", "DATE_FIN"], "COG – communes depuis 1943 (non utilisé : les mouvements suffisent)"),
    (["DEPCOM_HIST", "DEPCOM"], "table de passage COGiter (non utilisée : les mouvements INSEE font foi)"),
    (["CODE_IRIS", "LIB_IRIS", "DEPCOM"], "référentiel des IRIS (non utilisé)"),
)
# Sheets of INSEE workbooks that are documentation, beside the data sheets.
_DOCUMENTATION_SHEETS = {"variables", "documentation", "geographie des donnees", "a savoir", "epci"}


def file_hash(path: Path) -> str:
    """SHA-256 of the file's content (the cache key)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unused_reason(sheet: RawSheet) -> str | None:
    for columns, reason in _KNOWN_UNUSED:
        if has_columns(sheet, columns):
            return reason
    if melodi.is_long(sheet):
        return (
            "table Melodi d'un jeu que ctg-analysis ne lit pas (dimensions "
            + ", ".join(sorted(melodi.dimensions(sheet)))
            + ")"
        )
    return None


def _describe(sheet: RawSheet) -> str:
    """The first columns, each cut to 40 characters: a one-line file of 200 MB is one « column »."""
    names = [str(c) if len(str(c)) <= 40 else f"{str(c)[:40]}…" for c in sheet.columns[:8]]
    return "colonnes " + ", ".join(names) + (" …" if len(sheet.columns) > 8 else "")


def read_file(
    path: str | Path,
    *,
    expected: str | None = None,
    root: str | Path | None = None,
    demo: bool = False,
    sha256: str | None = None,
) -> list[SourceTable]:
    """Read a published file, unchanged, into canonical tables.

    Parameters
    ----------
    path
        The file as downloaded (CSV, zip, XLS or XLSX).
    expected
        A dataset id (key of :data:`~ctg_analysis.sources.datasets.DATASETS`): refuse any other dataset.
    root
        Folder the recorded path is made relative to.
    demo
        Mark the tables as synthetic demo data.
    sha256
        The file's hash, when the caller has it already.

    Returns
    -------
    list of SourceTable
        One table per recognised sheet and level (``ensemble.xlsx`` gives three).

    Raises
    ------
    UnrecognisedFileError
        No sheet of the file matches a known layout; the message lists the columns seen.
    WrongDatasetError
        The file is another dataset than ``expected``.
    SourceFileError
        The file is unreadable, empty, or its content breaks its layout.

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> tables = read_file(DEMO_DIR / "populations-legales" / "ensemble.xlsx")
    >>> [(t.dataset, t.level, t.vintage) for t in tables]  # doctest: +NORMALIZE_WHITESPACE
    [('legal_population', 'region', 2019), ('legal_population', 'departement', 2019),
     ('legal_population', 'commune', 2019)]
    """
    path = Path(path)
    try:
        return _read_file(path, expected, root, demo, sha256)
    except MemoryError:
        # Named, with what to do: the command's own advice (fewer territories) would not help a file.
        raise UnreadableFileError(
            path,
            "mémoire insuffisante pour lire ce fichier : fermez d'autres programmes, ou lisez-le sur une machine "
            "qui a plus de mémoire",
        ) from None


def _read_file(
    path: Path, expected: str | None, root: str | Path | None, demo: bool, sha256: str | None
) -> list[SourceTable]:
    """:func:`read_file`, its memory failures aside."""
    wanted = get_dataset(expected) if expected is not None else None
    sheets = read_sheets(path)
    sha256 = sha256 or file_hash(path)
    relative = str(path.relative_to(root)) if root else str(path)
    tables: list[SourceTable] = []
    unused: list[str] = []
    for sheet in sheets:
        if sheet.sheet is not None and plain(sheet.sheet) == "arm":
            # Old census workbooks put Paris, Lyon and Marseille arrondissements in a sheet beside the
            # communes: reading both would count those cities twice.
            log.info("%s : feuille des arrondissements municipaux ignorée", sheet.where)
            continue
        claimed = matching_datasets(sheet)
        if len(claimed) > 1:
            # A combined base (the comparateur de territoires) holds several datasets' columns in one sheet:
            # read as one of them, it would be dated and read wrongly.
            unused.append(
                "mise en page de plusieurs jeux de données à la fois ("
                + ", ".join(d.label for d in claimed)
                + ") : base combinée non lue"
            )
            continue
        dataset = claimed[0] if claimed else None
        if dataset is None:
            if (reason := _unused_reason(sheet)) is not None:
                unused.append(reason)
            elif _is_documentation(sheet):
                continue
            else:
                unused.append(f"mise en page inconnue ({_describe(sheet)})")
            continue
        if wanted is not None and dataset != wanted:
            raise WrongDatasetError(
                sheet.where, f"ce fichier est « {dataset.label} », alors que « {wanted.label} » était attendu"
            )
        read = [_table(dataset, parsed, relative, sheet.part, sha256, demo) for parsed in dataset.parse(sheet)]
        if not read:  # a Melodi export of arrondissements' medians alone, or of zonings no CTG uses
            unused.append(
                f"« {dataset.label} » reconnu, mais sans valeur d'une commune ni d'un niveau lu (EPCI, département…)"
            )
        tables += _one_geography(read) if dataset.combines else read
    if not tables:
        reason = "; ".join(dict.fromkeys(unused)) or "aucune feuille de données"
        raise UnrecognisedFileError(path, f"fichier non reconnu : {reason}")
    return tables


def matching_datasets(sheet: RawSheet) -> list[Dataset]:
    """The declared datasets whose layout a sheet has: one for a published file, none for an unknown or
    unused one; several means two readers claim one layout (or a base combining several datasets).

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> sheets = read_sheets(DEMO_DIR / "etat-civil" / "DS_ETAT_CIVIL_NAIS_COMMUNES.zip")
    >>> {sheet.part: [d.id for d in matching_datasets(sheet)] for sheet in sheets}  # doctest: +NORMALIZE_WHITESPACE
    {'DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv': ['births'], 'DS_ETAT_CIVIL_NAIS_COMMUNES_metadata.csv': []}
    """
    claimed = [dataset for dataset in DATASETS.values() if dataset.claims(sheet)]
    combined = {fed for dataset in claimed for fed in dataset.combines}
    return [dataset for dataset in claimed if dataset.id not in combined]


def _is_documentation(sheet: RawSheet) -> bool:
    return sheet.sheet is not None and plain(sheet.sheet) in _DOCUMENTATION_SHEETS


def _one_geography(tables: list[SourceTable]) -> list[SourceTable]:
    """The tables of one combined base in one geography: that of its most recent part by its dataset's
    convention (the comparateur of RP2018 and births 2020 is in the COG 2021, not the census's 2020)."""
    dated = [t.cog_year for t in tables if t.cog_year_from == "convention" and t.cog_year is not None]
    if not dated:
        return tables
    return [replace(t, cog_year=max(dated)) if t.cog_year_from == "convention" else t for t in tables]


def _table(dataset: Dataset, parsed: Parsed, path: str, part: str | None, sha256: str, demo: bool) -> SourceTable:
    """A parsed sheet with its file identity, dated by the dataset's convention when the file is silent."""
    if parsed.dataset is not None:  # a part of a combined base, read as the dataset it feeds
        dataset = get_dataset(parsed.dataset)
    if (impossible := dataset.out_of_bounds(parsed.data)) is not None:
        raise SourceFileError(path + (f" [{part}]" if part else ""), impossible)
    if parsed.level not in dataset.levels:  # a reader out of step with its declaration
        raise ValueError(
            f"{path} : niveau {parsed.level} lu, alors que « {dataset.label} » est publié aux niveaux "
            f"{', '.join(dataset.levels)}"
        )
    if parsed.cog_year is not None:
        cog_year, found = parsed.cog_year, "file"
    elif dataset.cog_lag is not None and parsed.vintage is not None:
        cog_year, found = parsed.vintage + dataset.cog_lag, "convention"
    else:
        cog_year, found = None, "unknown"
    return SourceTable(
        dataset=dataset.id,
        level=parsed.level,
        vintage=parsed.vintage,
        cog_year=cog_year,
        cog_year_from=found,
        path=path,
        part=part,
        sha256=sha256,
        source=parsed.source,
        demo=demo,
        data=parsed.data,
        notes=parsed.notes,
    )
