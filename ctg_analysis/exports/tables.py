"""Write a table (the long indicator table, a comparison) as CSV, XLSX or parquet, atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ctg_analysis.errors import CtgError
from ctg_analysis.files import atomic_path

__all__ = ["TABLE_FORMATS", "write_table"]

TABLE_FORMATS = (".csv", ".xlsx", ".parquet")


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
    with atomic_path(path) as temporary:
        if suffix == ".csv":
            frame.to_csv(temporary, index=False, encoding="utf-8-sig")
        elif suffix == ".parquet":
            frame.to_parquet(temporary, index=False)
        else:
            with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
                frame.to_excel(writer, sheet_name=sheet_name, index=False, freeze_panes=(1, 0))
    return path
