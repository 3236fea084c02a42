"""Write a table (the long indicator table, a comparison) as CSV, XLSX or parquet, atomically; and keep
every text a spreadsheet would evaluate as text (formula injection, OWASP's « CSV injection »)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ctg_analysis.errors import CtgError
from ctg_analysis.files import atomic_path

__all__ = ["TABLE_FORMATS", "neutralised", "save_workbook", "write_table"]

TABLE_FORMATS = (".csv", ".xlsx", ".parquet")
#: The first characters that make a spreadsheet read a text as a formula.
_FORMULA_START = r"^[=+\-@\t\r]"


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text a spreadsheet would evaluate (« =… », « +… », « -… », « @… ») prefixed
    with an apostrophe, as OWASP recommends: a territory label « =HYPERLINK(…) » stays a label.

    Examples
    --------
    >>> neutralised(pd.DataFrame({"libellé": ["=1+1", "Écouen"], "valeur": [-1.0, 2.0]}))["libellé"].tolist()
    ["'=1+1", 'Écouen']
    """
    texts = [
        c
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    changed = {}
    for column in texts:
        values = frame[column].astype("string")
        risky = values.str.contains(_FORMULA_START, regex=True).fillna(False).astype(bool)
        if risky.any():
            changed[column] = frame[column].astype(object).where(~risky, "'" + values.astype(object))
    return frame.assign(**changed) if changed else frame


def save_workbook(book, path: str | Path) -> Path:
    """Save an openpyxl workbook through a temporary file, its text cells kept as text: the toolkit writes
    no formula, so a cell openpyxl took for one (a label starting with « = ») is stored as a string."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    with atomic_path(path) as temporary:
        book.save(temporary)
    return Path(path)


def write_table(frame: pd.DataFrame, path: str | Path, *, sheet_name: str = "indicateurs") -> Path:
    """Write ``frame`` in the format its suffix names, through a temporary file.

    CSV is UTF-8 with a byte-order mark (so that Excel reads the accents) and ``,`` separators; numbers
    keep their full precision in every format (round for display only).

    Raises
    ------
    CtgError
        Unknown suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise CtgError(f"{path} : format de sortie inconnu (attendu {', '.join(TABLE_FORMATS)})")
    frame = neutralised(frame) if suffix != ".parquet" else frame  # parquet is read by programs, as data
    with atomic_path(path) as temporary:
        if suffix == ".csv":
            frame.to_csv(temporary, index=False, encoding="utf-8-sig")
        elif suffix == ".parquet":
            frame.to_parquet(temporary, index=False)
        else:
            with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
                frame.to_excel(writer, sheet_name=sheet_name, index=False, freeze_panes=(1, 0))
    return path
