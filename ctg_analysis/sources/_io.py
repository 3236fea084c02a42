"""Low-level reading of published files: bytes → text → raw grids, whatever the container.

Nothing here knows about datasets; it turns a CSV (any usual encoding and separator), a CSV or workbook
inside a zip, or an XLS/XLSX workbook with title rows into :class:`RawSheet` objects whose cells are kept
as published. Number parsing and code repair live here too, because every reader needs them.
"""

from __future__ import annotations

import io
import logging
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv

from ctg_analysis.config import MAX_FILE_ENV
from ctg_analysis.errors import SourceFileError, UnreadableFileError
from ctg_analysis.formatting import agreed, counted, format_number, format_size

log = logging.getLogger(__name__)

DATA_SUFFIXES = {".csv", ".txt", ".zip", ".xls", ".xlsx", ".xlsm"}
_SEPARATORS = (";", ",", "\t", "|")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Cells that mean "secret" or "not available" in INSEE and CNAF files: never zero.
_MISSING_MARKERS = {"", "s", "nd", "n.d.", "nc", "na", "nan", "null", "-", "///", "x"}
#: Thousands separators and stray spaces inside a published number.
_SPACE_CHARACTERS = (" ", "\t", "\u00a0", "\u202f", "\u2009")
#: Limits that refuse a hostile or mistaken file before reading it. INSEE's largest files (the census bases
#: of all communes, about 100 MB as CSV) are far below them.
DEFAULT_MAX_FILE_MB = 2048
MAX_HEADER_BYTES = 1 << 20
MAX_COLUMNS = 10_000
# A formula cell of an XLSX sheet saved without its computed value (written by a script, never opened).
_FORMULA_WITHOUT_VALUE = re.compile(rb"<c\b([^>]*)>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")
_CELL_REFERENCE = re.compile(rb'\br="([A-Z]+[0-9]+)"')


@dataclass
class RawSheet:
    """One grid of cells as published: a CSV, a zip member or a workbook sheet.

    Attributes
    ----------
    path
        The file on disk.
    part
        The zip member or the sheet name, ``None`` for a plain CSV.
    frame
        The cells under the header row, one column per header cell, values as published (``str`` for
        text files; ``str`` or ``float`` for workbooks; for a file in INSEE's Melodi long format, its
        codes as categories and its years and values as numbers).
    titles
        Text of the title rows above the header (for the vintage, the source, the geography).
    encoding
        The text encoding used, for text files.
    sheet
        The workbook sheet name, for workbooks.
    """

    path: Path
    part: str | None
    frame: pd.DataFrame
    titles: list[str] = field(default_factory=list)
    encoding: str | None = None
    sheet: str | None = None

    @property
    def where(self) -> str:
        """The file, and the part in it, for messages."""
        return f"{self.path}" + (f" [{self.part}]" if self.part else "")

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


def read_sheets(path: Path) -> list[RawSheet]:
    """Read every grid of a published file.

    Parameters
    ----------
    path
        A ``.csv``/``.txt``, ``.zip`` (each data member read) or ``.xls``/``.xlsx`` file.

    Raises
    ------
    SourceFileError
        The file is empty, cannot be opened, or is not text in a known encoding.
    """
    path = Path(path)
    try:
        _within_limit(path, path.stat().st_size, "le fichier")
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableFileError(path, f"lecture impossible ({exc.strerror or exc})") from exc
    if raw.isspace() or not raw:
        raise UnreadableFileError(path, "le fichier est vide")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _read_zip(path, raw)
    if suffix in {".xls", ".xlsx", ".xlsm"}:
        return _read_workbook(path, raw, part_prefix=None)
    return [_read_text(path, raw, part=None)]


def max_file_bytes() -> int:
    """The largest file, or uncompressed zip member, read: ``CTG_MAX_FILE_MB`` megabytes (2 048 by default)."""
    value = os.environ.get(MAX_FILE_ENV, "")
    try:
        megabytes = float(value) if value.strip() else DEFAULT_MAX_FILE_MB
    except ValueError:
        raise SourceFileError(
            MAX_FILE_ENV, f"valeur {value[:20]!r} invalide : attendu un nombre de mégaoctets (ex. 4096)"
        ) from None
    return int(megabytes * 1_000_000)


def _within_limit(where: Path | str, size: int, what: str) -> None:
    """Refuse, before reading it, content larger than :func:`max_file_bytes`, or than the memory free to read it
    (a 10 MB download can hold a 1 950 MB member: read whole, it would take 6 GB)."""
    if size > (limit := max_file_bytes()):
        raise UnreadableFileError(
            where,
            f"{what} ferait {format_number(size / 1e6)} Mo une fois lu, au-delà de la limite de "
            f"{format_number(limit / 1e6)} Mo : vérifiez qu'il s'agit bien d'un fichier officiel, ou relevez la "
            f"limite ({MAX_FILE_ENV}=…)",
        )
    needed, free = size * MEMORY_PER_BYTE, free_memory()
    if free is not None and needed > free:
        raise UnreadableFileError(
            where,
            f"{what} ferait {format_size(size)} une fois lu : sa lecture demanderait environ "
            f"{format_size(needed)} de mémoire, et {format_size(free)} sont libres ; fermez d'autres programmes, ou "
            "lisez-le sur une machine qui a plus de mémoire",
        )


#: The memory a file takes to read, per byte of its text: the text, its parsed columns and their copies (a
#: national Melodi table of 404 MB peaks at 1,5 GB).
MEMORY_PER_BYTE = 3


def free_memory() -> int | None:
    """The memory the system can give now (psutil's « available »), ``None`` when it cannot tell."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - installed with JupyterLab's kernel
        return None
    return int(psutil.virtual_memory().available)


def _read_zip(path: Path, raw: bytes) -> list[RawSheet]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise UnreadableFileError(path, "archive zip illisible ou tronquée") from exc
    sheets: list[RawSheet] = []
    with archive:
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir() and Path(m.filename).suffix.lower() in DATA_SUFFIXES - {".zip"}
        ]
        if not members:
            raise UnreadableFileError(path, "l'archive zip ne contient aucun fichier CSV, XLS ou XLSX")
        # The sizes the archive declares; reading stops there even if they lie.
        for member in members:
            _within_limit(f"{path} [{member.filename}]", member.file_size, f"le fichier {member.filename} de l'archive")
        _within_limit(path, sum(m.file_size for m in members), "le contenu de l'archive")
        for member in members:
            content = archive.read(member)
            if content.isspace() or not content:
                raise UnreadableFileError(path, f"le fichier {member.filename} de l'archive est vide")
            if Path(member.filename).suffix.lower() in {".xls", ".xlsx", ".xlsm"}:
                sheets += _read_workbook(path, content, part_prefix=member.filename)
            else:
                sheets.append(_read_text(path, content, part=member.filename))
    return sheets


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        raise UnreadableFileError(
            path, "encodage non pris en charge (UTF-16 ou fichier binaire) : attendu UTF-8 ou Windows-1252"
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Excel's "CSV (séparateur : point-virgule)" export on French Windows writes cp1252.
    text = raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else None
    if text is None:
        raise UnreadableFileError(path, "encodage non reconnu : attendu UTF-8 ou Windows-1252")
    log.warning("%s : encodage Windows-1252 (et non UTF-8), lu comme tel", path)
    return text, "cp1252"


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _read_text(path: Path, raw: bytes, part: str | None) -> RawSheet:
    where = f"{path}" + (f" [{part}]" if part else "")
    # The header first: a file that is not a table is refused before the whole of it is parsed.
    if raw.find(b"\n", 0, MAX_HEADER_BYTES) < 0 and len(raw) > MAX_HEADER_BYTES:
        raise UnreadableFileError(
            where, f"première ligne de plus de {MAX_HEADER_BYTES // 1_000_000} Mo : ce n'est pas un tableau de données"
        )
    if (long := _read_long(path, raw, part, where)) is not None:
        return long
    text, encoding = _decode(path, raw)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    sep = max(_SEPARATORS, key=first_line.count)
    if first_line.count(sep) == 0:
        raise UnreadableFileError(
            where,
            "une seule colonne dans l'en-tête : séparateur non reconnu (attendu « ; », « , » ou tabulation)",
        )
    if (width := first_line.count(sep) + 1) > MAX_COLUMNS:
        raise UnreadableFileError(
            where,
            f"{format_number(width)} colonnes dans l'en-tête, au-delà de {format_number(MAX_COLUMNS)} : ce n'est pas "
            "un fichier officiel",
        )
    _refuse_duplicates([c.strip().strip('"').lstrip("\ufeff") for c in first_line.rstrip("\r").split(sep)], where)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False, quotechar='"'
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise UnreadableFileError(where, f"CSV mal formé : {_parser_error(exc, sep)}") from exc
    _refuse_short_rows(raw, sep, len(frame.columns), where)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    # Trailing separators (Excel exports) produce unnamed empty columns.
    empty = [c for c in frame.columns if c.startswith("Unnamed:") or c == ""]
    frame = frame.drop(columns=empty)
    return RawSheet(path, part, frame, encoding=encoding)


def _parser_error(exc: Exception, sep: str) -> str:
    """pandas' message about a broken CSV, in French: the line and its fields when pandas names them.

    Examples
    --------
    >>> print(_parser_error(ValueError("Error tokenizing data. C error: Expected 3 fields in line 3, saw 4\\n"), ";"))
    ligne 3 : 4 champs au lieu de 3 (un « ; » dans une valeur sans guillemets, ou un fichier ré-enregistré ?)
    """
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if found is None:
        return "guillemets ou séparateurs incohérents (" + " ".join(str(exc).split())[:120] + ")"
    expected, line, seen = found.groups()
    shown = "tabulation" if sep == "\t" else f"« {sep} »"
    return (
        f"ligne {line} : {seen} champs au lieu de {expected} (un {shown} dans une valeur sans guillemets, ou un "
        "fichier ré-enregistré ?)"
    )


#: The columns of INSEE's Melodi long format (a national census table: 10 million rows, 400 MB).
_LONG_KEYS = ("GEO", "GEO_OBJECT", "TIME_PERIOD", "OBS_VALUE")


def _read_long(path: Path, raw: bytes, part: str | None, where: str) -> RawSheet | None:
    """A file in INSEE's Melodi long format read by pyarrow's multi-threaded CSV reader: its text columns
    as categories (a few thousand codes over millions of rows), its values as numbers, without decoding
    the whole file to Python text. ``None`` for any other file, and for a Melodi file pyarrow cannot read
    as such (a decimal comma, a broken row): the general reader then reads it and names what is wrong."""
    end = raw.find(b"\n")
    try:
        header = raw[: end if end >= 0 else len(raw)].decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        return None
    sep = max(_SEPARATORS, key=header.count)
    names = [c.strip().strip('"') for c in header.split(sep)]
    if not set(_LONG_KEYS) <= set(names) or len(set(names)) < len(names):
        return None
    text = pa.dictionary(pa.int32(), pa.string())
    types = {name: text for name in names} | {"TIME_PERIOD": pa.int32(), "OBS_VALUE": pa.float64()}
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(raw),
            parse_options=pa_csv.ParseOptions(delimiter=sep, quote_char='"'),
            convert_options=pa_csv.ConvertOptions(
                column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:
        return None
    frame = table.to_pandas()
    frame.columns = [str(c).strip() for c in frame.columns]
    return RawSheet(path, part, frame, encoding="utf-8")


def _refuse_short_rows(raw: bytes, sep: str, width: int, where: str) -> None:
    """A row with fewer fields than the header is a download cut short (or a file read while being written):
    pandas would read its missing fields as empty cells. Refused, named with its line and content.

    pyarrow's parser counts the fields of every row (quotes understood, on every core); the cells themselves
    are not converted, so the file's encoding does not matter here.
    """
    short: list[tuple[int, str]] = []

    def keep(row: pa_csv.InvalidRow) -> str:
        if not short:
            short.append((row.actual_columns, row.text))
        return "skip"

    pa_csv.read_csv(
        pa.py_buffer(raw),
        read_options=pa_csv.ReadOptions(column_names=[f"c{i}" for i in range(width)], skip_rows=1),
        parse_options=pa_csv.ParseOptions(
            delimiter=sep, quote_char='"', newlines_in_values=True, invalid_row_handler=keep
        ),
        convert_options=pa_csv.ConvertOptions(include_columns=["c0"], column_types={"c0": pa.binary()}),
    )
    if not short:
        return
    fields, line = short[0]
    lines = [x.rstrip("\r") for x in raw.decode("utf-8", errors="replace").split("\n")]
    number = next((i + 1 for i, x in enumerate(lines) if x == line), None)
    at = "une ligne" if number is None else f"ligne {number}"
    if number is not None and not any(lines[number:]):
        at = f"dernière ligne ({at})"
    raise UnreadableFileError(
        where,
        f"{at} incomplète : {counted(fields, 'champ')} au lieu de {width} (« {line[:60]} ») : fichier tronqué ou "
        "en cours d'écriture ; téléchargez-le à nouveau",
    )


def _refuse_duplicates(header: list[str], where: str) -> None:
    """A column named twice would be read as one (pandas renames the second « X.1 »): refused, named."""
    names = pd.Series([h for h in header if h])
    if names.duplicated().any():
        twice = ", ".join(f"« {n[:40]} »" for n in names[names.duplicated()].unique()[:5])
        said = agreed(names[names.duplicated()].nunique(), "colonne en double", "colonnes en double")
        raise UnreadableFileError(where, f"{said} dans l'en-tête : {twice} ; gardez-en une seule")


def _read_workbook(path: Path, raw: bytes, part_prefix: str | None) -> list[RawSheet]:
    unsaved = _formulas_without_values(path, raw) if raw[:2] == b"PK" else {}
    try:
        # calamine reads .xls and .xlsx alike, and does not trust the (often wrong) sheet dimensions
        # that make openpyxl's read-only mode see a single row in INSEE workbooks.
        book = pd.read_excel(io.BytesIO(raw), sheet_name=None, header=None, engine="calamine", dtype=object)
    except Exception as exc:  # calamine raises its own types for corrupt workbooks
        raise UnreadableFileError(path, f"classeur Excel illisible ({type(exc).__name__}: {exc})") from exc
    sheets = []
    for name, grid in book.items():
        part = f"{part_prefix}:{name}" if part_prefix else str(name)
        sheet = _split_header(path, part, str(name), grid)
        if sheet is not None and str(name) in unsaved:
            count, first = unsaved[str(name)]
            raise UnreadableFileError(
                f"{path} [{part}]",
                f"{counted(count, 'cellule de formule', 'cellules de formule')} sans valeur enregistrée (la première "
                f"en {first}) : le classeur a été "
                "écrit par un programme sans être recalculé ; ouvrez-le dans Excel ou LibreOffice et "
                "enregistrez-le, pour que les valeurs y soient",
            )
        if sheet is not None:
            sheets.append(sheet)
    return sheets


def _formulas_without_values(path: Path, raw: bytes) -> dict[str, tuple[int, str]]:
    """The sheets of an XLSX workbook holding formulas saved without their value: name → (count, first cell).

    Such cells read as empty, so a whole column would silently be missing. The workbook's uncompressed
    size is checked against the limit on the way.
    """
    try:
        book = zipfile.ZipFile(io.BytesIO(raw))
        with book:
            _within_limit(path, sum(m.file_size for m in book.infolist()), "le contenu du classeur")
            relations = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id", ""): r.get("Target", "").lstrip("/") for r in relations}
            workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
            names = {
                sheet.get("name", ""): targets.get(next((v for k, v in sheet.attrib.items() if k.endswith("}id")), ""))
                for sheet in workbook.iter()
                if sheet.tag.endswith("}sheet")
            }
            found = {}
            for name, target in names.items():
                member = target if target and target.startswith("xl/") else f"xl/{target}"
                if member not in book.namelist():
                    continue
                cells = _FORMULA_WITHOUT_VALUE.findall(book.read(member))
                if cells:
                    first = _CELL_REFERENCE.search(cells[0])
                    found[name] = (len(cells), first.group(1).decode() if first else "?")
            return found
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return {}  # not an Office Open XML workbook: calamine says what is wrong with it


def _split_header(path: Path, part: str, name: str, grid: pd.DataFrame) -> RawSheet | None:
    """Find the header row under the title rows of an INSEE-style sheet."""
    grid = grid.dropna(how="all", axis=1)
    if grid.empty or len(grid) < 2:
        return None
    head = grid.head(25)
    filled = head.notna().sum(axis=1)
    wide = filled >= max(2, int(0.6 * filled.max()))
    candidates = [i for i in range(len(head)) if wide.iloc[i]]
    header_at = None
    for i in candidates:
        cells = [str(v).strip() for v in head.iloc[i].dropna()]
        if sum(bool(_IDENTIFIER.match(c)) for c in cells) >= 0.8 * len(cells):
            header_at = i
            break
    if header_at is None:
        for i in candidates:
            below = head.iloc[i + 1] if i + 1 < len(head) else pd.Series(dtype=object)
            if any(isinstance(v, (int, float, np.number)) and v == v for v in below.tolist()):  # v == v: not NaN
                header_at = i
                break
    if header_at is None:
        return None
    header = [str(v).strip() if not pd.isna(v) else f"_col{j}" for j, v in enumerate(grid.iloc[header_at])]
    if header_at and len(set(header)) < len(header):
        # A two-level header (« Hommes » over « 0 à 19 ans »…, merged cells): each name under its group's.
        groups = grid.iloc[header_at - 1].ffill()
        header = [f"{g} {h}".strip() if not pd.isna(g) else h for g, h in zip(groups, header, strict=True)]
    _refuse_duplicates(header, f"{path} [{part}]")
    titles = [" ".join(str(v) for v in grid.iloc[i].dropna()) for i in range(header_at)]
    frame = grid.iloc[header_at + 1 :].dropna(how="all")
    frame.columns = header
    frame = frame.reset_index(drop=True)
    return RawSheet(path, part, frame, titles=titles, sheet=name)


def to_number(values: pd.Series, *, where: str, column: str, negative: bool = False) -> pd.Series:
    """Parse published numbers into floats; secret or missing markers become NaN, never zero.

    Handles the decimal comma (Filosofi), spaces, no-break and narrow no-break spaces as thousands
    separators (CNAF 2016–2017), and blanks or ``s`` for secret values.

    Raises
    ------
    SourceFileError
        A cell is neither a number nor a missing marker, is infinite (``1e400``), or is negative where
        ``negative`` is false (counts); the message gives the column, row and value.

    Examples
    --------
    >>> to_number(pd.Series(["1\u202f919", "542,7", "", "s"]), where="f.csv", column="A").tolist()
    [1919.0, 542.7, nan, nan]
    """
    if pd.api.types.is_numeric_dtype(values.dtype):
        return _possible(values.astype("float64"), values, where, column, negative)
    text = values.astype("str")
    # Most cells are plain numbers: parsed at once; only the others (decimal comma, thousands spaces, secret
    # markers, text) are cleaned, which is the costly part of reading a large file.
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    other = numbers.isna().to_numpy() & text.notna().to_numpy()
    if other.any():
        cleaned = text[other].str.strip()
        for space in _SPACE_CHARACTERS:  # plain replacements: pyarrow's, not a Python loop over the cells
            cleaned = cleaned.str.replace(space, "", regex=False)
        cleaned = cleaned.str.replace(",", ".", regex=False)
        missing = cleaned.str.lower().isin(_MISSING_MARKERS)
        parsed = pd.to_numeric(cleaned.mask(missing), errors="coerce")
        _refuse(
            pd.Series(False, index=values.index).mask(other, parsed.isna() & ~missing).astype(bool),
            values,
            where,
            column,
            "valeur",
            "non numérique (attendu un nombre, vide ou « s » pour le secret statistique)",
        )
        numbers[other] = parsed.to_numpy(dtype="float64")
    return _possible(numbers, values, where, column, negative)


def _possible(numbers: pd.Series, values: pd.Series, where: str, column: str, negative: bool) -> pd.Series:
    """The numbers, or an error on the first impossible one: finite always, and not negative unless the
    variable may be (Filosofi's share of taxes is; a count never is)."""
    _refuse(numbers.isin([np.inf, -np.inf]), values, where, column, "valeur", "infinie (attendu un nombre fini)")
    if not negative:
        _refuse(numbers < 0, values, where, column, "valeur", "négative (attendu un effectif ou un taux ≥ 0)")
    return numbers


def _refuse(bad: pd.Series, values: pd.Series, where: str, column: str, what: str, expected: str) -> None:
    """Raise on the first bad cell, naming its column, its data row and its value."""
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise SourceFileError(
            where, f"colonne {column}, ligne de données {row + 1} : {what} {values.iloc[row]!r} {expected}"
        )


def normalise_codes(values: pd.Series, *, width: int, where: str, column: str) -> tuple[pd.Series, int]:
    """Return geographic codes as strings of ``width`` characters, and how many were repaired.

    Codes that lost their leading zero (stored as numbers: ``1001`` or ``1001.0``) are padded when that is
    unambiguous, i.e. when exactly one character is missing and the code is all digits.

    Raises
    ------
    SourceFileError
        A code is empty or cannot be repaired.

    Examples
    --------
    >>> normalise_codes(pd.Series(["1001", "2A004", "95205"]), width=5, where="f", column="CODGEO")[0].tolist()
    ['01001', '2A004', '95205']
    """
    codes = values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True).str.upper()
    short = codes.str.len().eq(width - 1) & codes.str.fullmatch(r"\d+")
    repaired = int(short.sum())
    codes = codes.mask(short, "0" + codes)
    bad = codes.isna() | codes.str.len().ne(width)
    _refuse(
        bad,
        values,
        where,
        column,
        "code",
        f"invalide (attendu un code de {width} caractères, par exemple « 01001 » ou « 2A004 »)",
    )
    return codes.astype("string"), repaired
