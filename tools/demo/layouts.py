"""Write tables in the layouts INSEE and the CNAF publish: separators, encodings, title rows, zips.

Used by the demo generator (and the national-scale benchmark generator) so that synthetic data go
through exactly the same readers as downloaded files. Output is byte-for-byte reproducible: fixed zip
timestamps and workbook properties.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import numpy as np
import pandas as pd
from openpyxl import Workbook

__all__ = ["MOVEMENT_COLUMNS", "csv_bytes", "workbook_bytes", "zip_bytes"]

_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
#: The columns of INSEE's movements of the communes (``mvtcommune``), in the published order.
MOVEMENT_COLUMNS = [
    "MOD",
    "DATE_EFF",
    "TYPECOM_AV",
    "COM_AV",
    "TNCC_AV",
    "NCC_AV",
    "NCCENR_AV",
    "LIBELLE_AV",
    "TYPECOM_AP",
    "COM_AP",
    "TNCC_AP",
    "NCC_AP",
    "NCCENR_AP",
    "LIBELLE_AP",
]


def csv_bytes(
    frame: pd.DataFrame,
    *,
    sep: str = ";",
    decimal: str = ".",
    bom: bool = False,
    crlf: bool = False,
    thousands: str | None = None,
    final_newline: bool = True,
    quoting: bool = False,
) -> bytes:
    """A frame as published CSV bytes (missing values as empty cells).

    Parameters
    ----------
    sep, decimal
        Field separator and decimal mark (Filosofi: ``;`` and ``,``; COG: ``,``).
    bom, crlf
        UTF-8 byte-order mark and Windows line ends (Excel exports).
    thousands
        Thousands separator of integer columns (CNAF 2016–2017 use U+202F).
    final_newline
        Whether the last line ends with a line end (Filosofi's France files do not).
    quoting
        Quote the text fields (Melodi's births file; its numbers are not quoted).
    """
    if thousands:
        integers = [c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c].dtype)]
        frame = frame.assign(
            **{c: frame[c].map(lambda v: "" if pd.isna(v) else f"{v:,}".replace(",", thousands)) for c in integers}
        )
    end = "\r\n" if crlf else "\n"
    text = frame.to_csv(
        sep=sep,
        decimal=decimal,
        index=False,
        lineterminator=end,
        na_rep="",
        quoting=csv.QUOTE_NONNUMERIC if quoting else csv.QUOTE_MINIMAL,
    )
    if not final_newline:
        text = text.removesuffix(end)
    return ("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8")


def workbook_bytes(sheets: dict[str, tuple[list[str], pd.DataFrame, list[str] | None]]) -> bytes:
    """An XLSX workbook in INSEE's layout: title rows, an optional row of French labels, then the header.

    Parameters
    ----------
    sheets
        Sheet name → (title lines, frame, French labels of the columns or ``None``).
    """
    book = Workbook()
    book.remove(book.active)
    for name, (titles, frame, labels) in sheets.items():
        sheet = book.create_sheet(name)
        for title in titles:
            sheet.append([title])
        if labels is not None:
            sheet.append(labels)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False, name=None):
            sheet.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return _reproducible_zip(buffer.getvalue())


def _reproducible_zip(raw: bytes) -> bytes:
    """Rewrite a zip (an XLSX) with fixed timestamps and fixed document dates."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z", content)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip archive of named members, as INSEE distributes its bases."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()
