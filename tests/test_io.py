"""Low-level parsing: numbers as published, codes, encodings, separators, workbook headers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ctg_analysis.errors import SourceFileError
from ctg_analysis.sources._io import normalise_codes, read_sheets, to_number


def test_numbers_as_published():
    values = pd.Series(["1\u202f919", "2\u00a0256", "542,7", "626.432620055066", "", "s", " 12 "])
    parsed = to_number(values, where="f.csv", column="A").tolist()
    assert parsed[:4] == [1919.0, 2256.0, 542.7, 626.432620055066]
    assert math.isnan(parsed[4]) and math.isnan(parsed[5])
    assert parsed[6] == 12.0


def test_garbage_number_names_column_row_and_value():
    with pytest.raises(SourceFileError, match=r"colonne P19_POP, ligne de données 2 : valeur 'abc' non numérique"):
        to_number(pd.Series(["1", "abc"]), where="f.csv", column="P19_POP")


def test_codes_repair_lost_leading_zero_only_when_unambiguous():
    codes, repaired = normalise_codes(
        pd.Series(["1001", "1001.0", "2A004", "97411"]), width=5, where="f", column="CODGEO"
    )
    assert codes.tolist() == ["01001", "01001", "2A004", "97411"]
    assert repaired == 2
    with pytest.raises(SourceFileError, match=r"colonne CODGEO, ligne de données 1 : code '101' invalide"):
        normalise_codes(pd.Series(["101"]), width=5, where="f", column="CODGEO")


@pytest.mark.parametrize(
    ("content", "separator_column"),
    [
        (b"CODGEO;P19_POP\n01001;12.5\n", "P19_POP"),
        (b"CODGEO,P19_POP\r\n01001,12.5\r\n", "P19_POP"),
        (b"\xef\xbb\xbfCODGEO\tP19_POP\n01001\t12.5\n", "P19_POP"),
    ],
)
def test_csv_separators_line_ends_and_bom(tmp_path, content, separator_column):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    (sheet,) = read_sheets(path)
    assert sheet.columns == ["CODGEO", separator_column]
    assert sheet.frame.iloc[0].tolist() == ["01001", "12.5"]


def test_windows_1252_is_read_with_a_warning(tmp_path, caplog):
    path = tmp_path / "f.csv"
    path.write_bytes("CODGEO;LIBGEO\n95205;Écouen\n".encode("cp1252"))
    (sheet,) = read_sheets(path)
    assert sheet.frame["LIBGEO"].tolist() == ["Écouen"]
    assert sheet.encoding == "cp1252"
    assert "Windows-1252" in caplog.text


def _insee_workbook(path, sheets) -> None:
    """An XLSX in INSEE's layout, written cell by cell with openpyxl (not with the demo's writer): title
    lines, a blank line, the French labels when given, the row of variable codes, then the data."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, (titles, frame, labels) in sheets.items():
        sheet = book.create_sheet(name)
        for row, title in enumerate(titles, start=1):
            sheet.cell(row=row, column=1, value=title)
        row = len(titles) + 2
        if labels is not None:
            for column, label in enumerate(labels, start=1):
                sheet.cell(row=row, column=column, value=label)
            row += 1
        for column, code in enumerate(frame.columns, start=1):
            sheet.cell(row=row, column=column, value=code)
        for offset, values in enumerate(frame.itertuples(index=False, name=None), start=1):
            for column, value in enumerate(values, start=1):
                sheet.cell(row=row + offset, column=column, value=value.item() if hasattr(value, "item") else value)
    book.save(path)


def test_insee_workbook_header_is_the_row_of_codes(tmp_path):
    frame = pd.DataFrame({"CODGEO": ["95205"], "NAISD19": [97]})
    path = tmp_path / "base_naissances_2019.xlsx"
    _insee_workbook(path, {"COM": (["Titre", "Sous-titre", "Source", "Note"], frame, ["Code", "Naissances 2019"])})
    (sheet,) = read_sheets(path)
    assert sheet.columns == ["CODGEO", "NAISD19"]
    assert sheet.titles[0] == "Titre"
    assert sheet.frame.iloc[0].tolist() == ["95205", 97]


def test_workbook_sheets_that_must_not_be_read(tmp_path):
    """Arrondissement sheets (counted twice otherwise), births by département, Filosofi breakdowns."""
    from ctg_analysis.sources.registry import read_file

    census = pd.DataFrame(
        {"CODGEO": ["75056", "95205"], "P16_POP": [2190327.0, 7300.5], "P16_POP0014": [300000.0, 1400.2]}
    )
    arm = pd.DataFrame({"CODGEO": ["75101", "75102"], "P16_POP": [16000.0, 20000.0], "P16_POP0014": [1500.0, 2100.0]})
    path = tmp_path / "base-cc-evol-struct-pop-2016.xlsx"
    _insee_workbook(path, {"COM": (["t"] * 4, census, None), "ARM": (["t"] * 4, arm, None)})
    (table,) = read_file(path)
    assert table.data.set_index("geo").loc["75056", "P_POP"] == 2190327.0 and len(table.data) == 2

    births = pd.DataFrame({"CODGEO": ["95205"], "NAISD19": [97]})
    departements = pd.DataFrame({"CODGEO": ["95"], "NAISD19": [17000]})
    path = tmp_path / "base_naissances_2019.xlsx"
    _insee_workbook(path, {"COM": (["t"] * 5, births, None), "DEP": (["t"] * 5, departements, None)})
    (table,) = read_file(path)
    assert table.data["geo"].tolist() == ["95205"]

    ensemble = pd.DataFrame({"CODGEO": ["95205"], "LIBGEO": ["Écouen"], "NBMEN19": [3000], "Q219": [25830]})
    household = pd.DataFrame({"CODGEO": ["95205"], "LIBGEO": ["Écouen"], "TYM1Q219": [21000]})
    path = tmp_path / "FILO2019_DISP_COM.xlsx"
    _insee_workbook(path, {"ENSEMBLE": (["t"] * 5, ensemble, None), "TYPMENR": (["t"] * 5, household, None)})
    (table,) = read_file(path)
    assert table.dataset == "filosofi" and table.data["Q2"].tolist() == [25830]
