"""Bad input gets a clear error naming the file, the column or row and what was expected; nothing is
written (no cache entry, no temporary file); the CLI exits with code 2 and no traceback."""

from __future__ import annotations

import io
import zipfile

import pytest
from click.testing import CliRunner

from ctg_analysis.cli import main
from ctg_analysis.errors import MissingColumnError, SourceFileError, UnrecognisedFileError, WrongDatasetError
from ctg_analysis.sources.folder import scan_folder
from ctg_analysis.sources.registry import read_file

CENSUS = "CODGEO;P19_POP;P19_POP0002\n95205;7300.5;250.25\n95229;9960.7;372.5\n"


def _write(tmp_path, name, content: str | bytes):
    path = tmp_path / "raw" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _assert_nothing_written(cache):
    assert not cache.exists() or not any(cache.iterdir()), f"écrit dans le cache : {list(cache.iterdir())}"


def _scan_problem(tmp_path, path):
    cache = tmp_path / "cache"
    found = scan_folder(path.parent, cache_dir=cache, progress=False)
    assert found.tables == []
    _assert_nothing_written(cache)
    (problem,) = found.problems
    assert problem.path == path.name
    return problem.reason


def test_empty_file(tmp_path):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", "")
    with pytest.raises(SourceFileError, match=r"base-cc-evol-struct-pop-2019.csv : le fichier est vide"):
        read_file(path)
    assert _scan_problem(tmp_path, path) == "le fichier est vide"


def test_truncated_zip(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("base-cc-evol-struct-pop-2019.CSV", CENSUS)
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019_csv.zip", buffer.getvalue()[:40])
    with pytest.raises(SourceFileError, match=r"_csv.zip : archive zip illisible ou tronquée"):
        read_file(path)
    assert "illisible" in _scan_problem(tmp_path, path)


def test_a_download_cut_mid_row_is_refused_not_read_with_empty_cells(tmp_path):
    # Issue 35's probe: the demo's Filosofi commune file cut at 2 000 bytes was read as 38 rows, the last one's
    # missing columns as missing values.
    from conftest import DEMO

    path = _write(tmp_path, "FILO2019_DISP_COM.csv", (DEMO / "filosofi" / "FILO2019_DISP_COM.csv").read_bytes()[:2000])
    expected = r"dernière ligne \(ligne 39\) incomplète : 3 champs au lieu de 9 \(« 78909;Doncelles-le-Bois;72 »\)"
    with pytest.raises(SourceFileError, match=expected):
        read_file(path)
    assert "fichier tronqué" in _scan_problem(tmp_path, path)
    result = CliRunner().invoke(main, ["data", "check", str(path.parent)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    # A last row whose final cell is published empty is whole: it keeps its separator.
    whole = _write(tmp_path / "whole", "FILO2019_DISP_COM.csv", CENSUS.replace("372.5\n", "\n"))
    assert read_file(whole)


def test_a_download_cut_at_a_row_s_end_is_refused_where_its_siblings_end_with_a_line_end(tmp_path):
    # A release whose files end with a line end (as the demo's would after a re-save), the commune file cut
    # within its last value: every row whole, but « 2219 » lost its last digits. Only the siblings tell.
    import shutil

    from conftest import DEMO

    folder = shutil.copytree(DEMO / "filosofi", tmp_path / "filosofi")
    for path in folder.iterdir():
        path.write_bytes(path.read_bytes() + b"\r\n")
    commune = folder / "FILO2019_DISP_COM.csv"
    commune.write_bytes(commune.read_bytes()[:-5])
    scanned = scan_folder(folder, cache_dir=False, progress=False)
    assert [(p.path, p.blocking) for p in scanned.problems] == [("FILO2019_DISP_COM.csv", True)]
    assert "ne se termine pas par un saut de ligne" in scanned.problems[0].reason
    assert {t.level for t in scanned.tables} == {"departement", "epci", "region", "france"}
    result = CliRunner().invoke(main, ["data", "check", str(folder)])
    assert result.exit_code == 2 and "FILO2019_DISP_COM.csv" in result.output and "Traceback" not in result.output
    # Whole again, or a release none of whose files ends a line (INSEE's own): nothing to say.
    commune.write_bytes((DEMO / "filosofi" / "FILO2019_DISP_COM.csv").read_bytes() + b"\r\n")
    assert scan_folder(folder, cache_dir=False, progress=False).problems == []
    assert scan_folder(DEMO / "filosofi", cache_dir=False, progress=False).problems == []


def test_a_short_row_inside_a_file_being_rewritten_is_refused_by_its_line(tmp_path):
    # A file read while another program rewrites it: a row cut short in the middle, the rest whole. A quoted
    # cell holding the separator is one field, not two (« Saint-Brice; sous-Forêt » below).
    from conftest import DEMO

    lines = (DEMO / "filosofi" / "FILO2019_DISP_COM.csv").read_text(encoding="utf-8").splitlines()
    cut = lines[5].rsplit(";", 4)[0]
    lines[3] = lines[3].replace(lines[3].split(";")[1], '"Saint-Brice; sous-Forêt"', 1)
    path = _write(tmp_path, "FILO2019_DISP_COM.csv", "\n".join([*lines[:5], cut, *lines[6:]]) + "\n")
    with pytest.raises(SourceFileError, match=rf"ligne 6 incomplète : 5 champs au lieu de 9 \(« {cut[:60]} »\)"):
        read_file(path)
    # The same file whole is read, the quoted name as one cell.
    (table,) = read_file(_write(tmp_path / "whole", "FILO2019_DISP_COM.csv", "\n".join(lines) + "\n"))
    assert len(table.data) == len(lines) - 1 and table.data["label"].str.contains("; sous-").sum() == 1


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("TP6019", "-12", "colonne TP60, code 95205, année 2019 : -12 hors des valeurs possibles (de 0 à 100)"),
        ("Q219", "-5000", "colonne Q2, code 95205, année 2019 : -5\u202f000 hors des valeurs possibles (au moins 0)"),
        ("TP6019", "112,5", "colonne TP60, code 95205, année 2019 : 112,5 hors des valeurs possibles (de 0 à 100)"),
    ],
)
def test_an_impossible_published_value_is_refused_by_name(tmp_path, column, value, said):
    # Issue 35's probe: a poverty rate of -12 % or a median of -5 000 € was read and published.
    import pandas as pd

    from conftest import DEMO

    frame = pd.read_csv(
        DEMO / "filosofi" / "FILO2019_DISP_COM.csv", sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False
    )
    frame.loc[frame["CODGEO"] == "95205", column] = value
    path = tmp_path / "raw" / "FILO2019_DISP_COM.csv"
    path.parent.mkdir()
    frame.to_csv(path, sep=";", index=False)
    with pytest.raises(SourceFileError) as refused:
        read_file(path)
    assert str(refused.value).endswith(said)
    result = CliRunner().invoke(main, ["data", "check", str(path.parent), "--no-cache"])
    assert result.exit_code == 2 and said in result.output and "Traceback" not in result.output


def test_corrupt_workbook(tmp_path):
    path = _write(tmp_path, "ensemble.xlsx", b"PK\x03\x04 not really a workbook")
    with pytest.raises(SourceFileError, match=r"ensemble.xlsx : classeur Excel illisible"):
        read_file(path)


def test_wrong_separator(tmp_path):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", CENSUS.replace(";", "|").replace("|", " "))
    with pytest.raises(SourceFileError, match=r"une seule colonne dans l'en-tête : séparateur non reconnu"):
        read_file(path)


def test_wrong_encoding(tmp_path):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", CENSUS.encode("utf-16"))
    with pytest.raises(SourceFileError, match=r"encodage non pris en charge \(UTF-16"):
        read_file(path)
    assert "UTF-16" in _scan_problem(tmp_path, path)


def test_missing_expected_column(tmp_path):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", CENSUS.replace("CODGEO", "CODE"))
    with pytest.raises(MissingColumnError, match=r"colonne CODGEO \(code commune\) absente"):
        read_file(path)
    assert "CODGEO" in _scan_problem(tmp_path, path)


def test_codes_stored_as_integers_are_repaired_with_a_warning(tmp_path, caplog):
    path = _write(
        tmp_path,
        "base-cc-evol-struct-pop-2019.csv",
        "CODGEO;P19_POP;P19_POP0002\n1001;779.2;20.5\n95205;7300.5;250.25\n",
    )
    (table,) = read_file(path)
    assert table.data["geo"].tolist() == ["01001", "95205"]
    assert "1 codes de la colonne CODGEO avaient perdu leur zéro initial" in caplog.text


def test_codes_that_cannot_be_repaired(tmp_path):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", "CODGEO;P19_POP;P19_POP0002\n101;779.2;20.5\n")
    with pytest.raises(SourceFileError, match=r"colonne CODGEO, ligne de données 1 : code '101' invalide"):
        read_file(path)


def test_duplicated_commune_rows(tmp_path):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", CENSUS + "95205;7300.5;250.25\n")
    with pytest.raises(
        SourceFileError,
        match=r"2 lignes en double \(code 95205, année 2019 apparaît plusieurs fois\) : attendu une ligne par code",
    ):
        read_file(path)
    assert "en double" in _scan_problem(tmp_path, path)


def test_non_numeric_value(tmp_path):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", CENSUS.replace("250.25", "n/a?"))
    with pytest.raises(
        SourceFileError, match=r"colonne P19_POP0002, ligne de données 1 : valeur 'n/a\?' non numérique"
    ):
        read_file(path)


def test_one_dataset_where_another_was_expected(tmp_path):
    path = _write(tmp_path, "data_CAF_2020_IRIS.csv", "CODGEO;NOTE;A;PERCOU\n952050101;0;442;1067\n")
    with pytest.raises(
        WrongDatasetError,
        match=r"ce fichier est « CNAF – données allocataires », alors que « Recensement – évolution et structure de "
        r"la population » était attendu",
    ):
        read_file(path, expected="census_population")


def test_unknown_layout_lists_its_columns(tmp_path):
    path = _write(tmp_path, "mystery.csv", "code;valeur\n95205;3\n")
    with pytest.raises(
        UnrecognisedFileError,
        match=r"mystery.csv : fichier non reconnu : mise en page inconnue \(colonnes code, valeur\)",
    ):
        read_file(path)


def test_caf_file_without_year_in_its_name(tmp_path):
    path = _write(tmp_path, "caf.csv", "CODGEO;NOTE;A;PERCOU\n952050101;0;442;1067\n")
    with pytest.raises(SourceFileError, match=r"année introuvable"):
        read_file(path)


def test_cli_exits_2_without_traceback(tmp_path):
    _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", CENSUS + "95205;7300.5;250.25\n")
    result = CliRunner().invoke(main, ["data", "check", str(tmp_path / "raw"), "--no-cache"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "en double" in result.output
    missing = CliRunner().invoke(main, ["data", "check", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2
    assert "dossier introuvable" in missing.output
    assert missing.exception is None or isinstance(missing.exception, SystemExit)


def test_interrupted_cache_write_leaves_nothing(tmp_path, monkeypatch):
    import pandas as pd

    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", CENSUS)

    def crash(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash)
    cache = tmp_path / "cache"
    found = scan_folder(path.parent, cache_dir=cache, progress=False)
    assert len(found.tables) == 1  # the data are still read
    assert list(cache.iterdir()) == []  # no entry, no staging folder left behind


#: Four levels of nine aliases: 6,561 values from five lines (ten levels would be billions).
ALIAS_BOMB = (
    'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n'
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
)


def test_yaml_aliases_are_refused_in_territories_and_plans(tmp_path):
    from ctg_analysis.resources import DEMO_DIR

    territories = tmp_path / "territoires.yaml"
    territories.write_text(ALIAS_BOMB + "territories:\n  - id: t\n    label: *d\n    communes: ['95229']\n", "utf-8")
    result = CliRunner().invoke(main, ["territories", "check", str(territories), "--data", str(DEMO_DIR)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "alias YAML « *a » ligne 2 : les alias ne sont pas acceptés" in result.output
    plan = tmp_path / "plan.yaml"
    plan.write_text(ALIAS_BOMB + "actions:\n  - thématique: Parentalité\n    action: *d\n", "utf-8")
    result = CliRunner().invoke(main, ["fiches", "--plan", str(plan), "--data", str(DEMO_DIR), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "plan.yaml : fichier YAML illisible (alias YAML « *a »" in result.output
    assert not (tmp_path / "fiches-actions.xlsx").exists()


@pytest.mark.parametrize(
    ("error", "code", "said"),
    [
        (OSError(28, "No space left on device", "/sortie/diagnostic.xlsx"), 1, "disque plein : libérez de la place"),
        (PermissionError(13, "Permission denied", "/sortie"), 2, "permission refusée : choisissez un dossier"),
        (OSError(30, "Read-only file system", "/sortie"), 2, "dossier en lecture seule"),
        (MemoryError(), 1, "mémoire insuffisante"),
    ],
)
def test_a_system_error_is_one_french_line_with_what_to_do(error, code, said, tmp_path, monkeypatch):
    from ctg_analysis.exports import documents
    from ctg_analysis.resources import DEMO_DIR

    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(documents, "write_documents", failing)
    args = ["export", "--data", str(DEMO_DIR), "--territory", "ezanville", "--out", str(tmp_path / "sortie")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code and "Traceback" not in result.output
    assert said in result.output and "ctg --debug" in result.output
    if getattr(error, "filename", None):
        assert f"erreur : {error.filename} : " in result.output
    debug = CliRunner().invoke(main, ["--debug", *args])
    assert debug.exit_code == 1 and isinstance(debug.exception, type(error))  # the traceback, for a developer


def test_an_absurd_header_is_quoted_short(tmp_path):
    path = _write(tmp_path, "une-ligne.csv", "x" * 100_000 + ";y\n1;2\n")
    with pytest.raises(UnrecognisedFileError) as refused:
        read_file(path)
    assert len(str(refused.value)) < 300 and f"colonnes {'x' * 40}…" in str(refused.value)


def test_a_column_named_twice_is_refused_not_read_as_one(tmp_path):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", CENSUS.replace("P19_POP0002", "P19_POP"))
    with pytest.raises(SourceFileError, match=r"colonne en double dans l'en-tête : « P19_POP » ; gardez-en"):
        read_file(path)


@pytest.mark.parametrize(("value", "said"), [("-500", "négative"), ("inf", "infinie"), ("1e400", "infinie")])
def test_an_impossible_value_is_named(value, said, tmp_path):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", CENSUS.replace("372.5", value))
    with pytest.raises(SourceFileError, match=rf"colonne P19_POP0002, ligne de données 2 : valeur '{value}' {said}"):
        read_file(path)


def test_a_zip_bomb_is_refused_from_its_declared_size_before_reading(tmp_path, monkeypatch):
    """A 10 MB archive holding 2.3 GB of zeros (never written uncompressed, never decompressed)."""
    buffer = io.BytesIO()
    zeros = bytes(64 << 20)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("base-cc-evol-struct-pop-2019.csv", "w", force_zip64=True) as member:
            member.write(CENSUS.encode())
            for _ in range(34):
                member.write(zeros)
    assert buffer.tell() < 20_000_000
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019_csv.zip", buffer.getvalue())

    def never(*_):
        raise AssertionError("membre décompressé avant d'être refusé")

    monkeypatch.setattr(zipfile.ZipFile, "read", never)  # refused from what the archive declares
    with pytest.raises(SourceFileError) as refused:
        read_file(path)
    said = (
        "[base-cc-evol-struct-pop-2019.csv] : le fichier base-cc-evol-struct-pop-2019.csv de l'archive ferait "
        "2\u202f282 Mo une fois lu, au-delà"
    )
    assert said in str(refused.value)
    assert "limite de 2\u202f048 Mo" in str(refused.value) and "CTG_MAX_FILE_MB" in str(refused.value)


def test_a_file_over_the_size_limit_is_refused_and_the_limit_can_be_set(tmp_path, monkeypatch):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2019.csv", CENSUS)
    monkeypatch.setenv("CTG_MAX_FILE_MB", "0.00005")  # 50 bytes
    assert "le fichier ferait 0 Mo une fois lu, au-delà de la limite" in _scan_problem(tmp_path, path)
    monkeypatch.setenv("CTG_MAX_FILE_MB", "beaucoup")
    with pytest.raises(SourceFileError, match=r"CTG_MAX_FILE_MB : valeur 'beaucoup' invalide : attendu un nombre"):
        read_file(path)
    monkeypatch.setenv("CTG_MAX_FILE_MB", "1")
    assert read_file(path)


def test_a_header_line_too_long_or_too_wide_is_refused_before_parsing(tmp_path):
    long_line = _write(tmp_path, "une-ligne.csv", "x;" * 600_000 + "\n")
    with pytest.raises(SourceFileError) as refused:
        read_file(long_line)
    assert str(refused.value).endswith("première ligne de plus de 1 Mo : ce n'est pas un tableau de données")
    wide = _write(tmp_path, "large.csv", ";".join(f"c{i}" for i in range(10_001)) + "\n" + "1;" * 10_000 + "1\n")
    with pytest.raises(SourceFileError, match="10\u202f001 colonnes dans l'en-tête, au-delà de 10\u202f000 : ce n'est"):
        read_file(wide)


def _census_workbook(path, *, saved_values: bool):
    """A census commune sheet whose P19_POP0002 cells are formulas, written with openpyxl (no values saved),
    or with their values saved as Excel and LibreOffice do."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "COM"
    sheet.append(["CODGEO", "P19_POP", "P19_POP0002"])
    sheet.append(["95205", 7300.5, "=125*2"])
    sheet.append(["95229", 9960.7, "=186.25*2"])
    book.save(path)
    if saved_values:
        with zipfile.ZipFile(path) as source:
            members = {name: source.read(name) for name in source.namelist()}
        xml = members["xl/worksheets/sheet1.xml"].decode()
        xml = xml.replace("<f>125*2</f><v></v>", "<f>125*2</f><v>250</v>")
        xml = xml.replace("<f>186.25*2</f><v></v>", "<f>186.25*2</f><v>372.5</v>")
        members["xl/worksheets/sheet1.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w") as target:
            for name, content in members.items():
                target.writestr(name, content)
    return path


def test_formula_cells_saved_without_their_values_are_a_named_error(tmp_path):
    path = _census_workbook(tmp_path / "base-cc-evol-struct-pop-2019.xlsx", saved_values=False)
    with pytest.raises(SourceFileError) as refused:
        read_file(path)
    assert str(refused.value) == (
        f"{path} [COM] : 2 cellules de formule sans valeur enregistrée (la première en C2) : le classeur a été "
        "écrit par un programme sans être recalculé ; ouvrez-le dans Excel ou LibreOffice et enregistrez-le, pour "
        "que les valeurs y soient"
    )
    (tmp_path / "saved").mkdir()
    saved = _census_workbook(tmp_path / "saved" / "base-cc-evol-struct-pop-2019.xlsx", saved_values=True)
    (table,) = read_file(saved)
    assert table.data.set_index("geo")["P_POP0002"].to_dict() == {"95205": 250.0, "95229": 372.5}


def test_a_two_level_header_is_read_under_its_groups_not_refused_as_duplicated(tmp_path, real):
    """INSEE's population estimates: « 0 à 19 ans » under « Ensemble », « Hommes » and « Femmes »."""
    from conftest import real_folder

    folder = real_folder(tmp_path, real, ["estim-pop-dep-gca-1975-2020/estim-pop-dep-sexe-gca-1975-2020.xls"])
    (problem,) = folder.problems
    assert problem.reason.startswith("fichier non reconnu") and "Ensemble 0 à 19 ans" in problem.reason


def test_a_misleading_year_in_a_file_name_is_said_and_the_content_wins(tmp_path, caplog):
    path = _write(tmp_path, "base-cc-evol-struct-pop-2016.csv", CENSUS)  # P19_ columns: the 2019 census
    for _ in range(2):  # read, then found in the cache: said both times
        caplog.clear()
        (table,) = scan_folder(path.parent, cache_dir=tmp_path / "cache", progress=False).tables
        assert table.vintage == 2019
        assert (
            "base-cc-evol-struct-pop-2016.csv : millésime 2019 d'après son contenu, et non 2016 comme le dit son nom "
            "; le contenu fait foi"
        ) in caplog.messages
    path.rename(path.with_name("base-cc-evol-struct-pop-2019.csv"))
    caplog.clear()
    scan_folder(path.parent, cache_dir=tmp_path / "cache", progress=False)
    assert not [m for m in caplog.messages if "fait foi" in m]


def test_the_command_line_s_help_and_usage_mistakes_are_in_french():
    runner = CliRunner()
    page = runner.invoke(main, ["-h"], prog_name="ctg")
    assert page.exit_code == 0
    assert page.output.startswith("Utilisation : ctg") and "Commandes :" in page.output and "Options :" in page.output
    assert "Affiche cette aide et quitte." in page.output and "Affiche la version et quitte." in page.output
    assert "Show this" not in page.output and "Usage:" not in page.output
    unknown = runner.invoke(main, ["report", "--terrirtory", "x"], prog_name="ctg")
    assert unknown.exit_code == 2 and "Traceback" not in unknown.output
    assert unknown.output.strip() == (
        "erreur : option inconnue « --terrirtory » ; vouliez-vous dire « --territory » ou « --territories » ? ; "
        "« ctg report -h » pour l'aide"
    )
    command = runner.invoke(main, ["rapport"], prog_name="ctg")
    assert (command.exit_code, command.output.strip()) == (
        2,
        "erreur : commande inconnue « rapport » ; « ctg -h » pour l'aide",
    )
    nested = runner.invoke(main, ["data", "check", "-h"], prog_name="ctg")
    assert nested.output.startswith("Utilisation : ctg data check") and "Error" not in nested.output


def test_a_csv_with_a_row_too_long_is_named_by_its_line_in_french(tmp_path):
    path = tmp_path / "base.csv"
    path.write_text("CODGEO;LIBGEO;P19_POP\n95229;Ezanville;9000\n95230;Trop;de;champs\n95231;X;12\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["data", "check", str(tmp_path), "--no-cache"])
    flat = " ".join(result.output.split())
    assert "CSV mal formé : ligne 3 : 4 champs au lieu de 3 (un « ; » dans une valeur sans guillemets" in flat
    assert "Error tokenizing" not in result.output and "\\n" not in result.output and "Traceback" not in result.output


def test_a_zip_member_too_large_for_the_free_memory_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """Issue 35: a member just under the size limit (1 950 MB from a 10 MB download) took 6 GB and ended with the
    batch's advice (« traitez moins de territoires »), the file unnamed. Refused from its declared size and the
    memory free, named, with what to do; nothing decompressed."""
    from ctg_analysis.sources import _io

    path = tmp_path / "DS_RP_POPULATION_PRINC_CSV_FR.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("DS_RP_POPULATION_PRINC_data.csv", "GEO;GEO_OBJECT;TIME_PERIOD;OBS_VALUE\n" + "0" * 40_000_000)
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(_io, "free_memory", lambda: 100_000_000)  # 0,1 Go free: the member needs 0,12
    read: list[str] = []
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda self, name, pwd=None: read.append(name))
    result = CliRunner().invoke(main, ["data", "check", "--no-cache", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    said = " ".join(result.output.split()).replace("\u202f", " ")
    assert "DS_RP_POPULATION_PRINC_CSV_FR.zip le fichier DS_RP_POPULATION_PRINC_data.csv de l'archive" in said
    assert "ferait 40,0 Mo une fois lu : sa lecture demanderait environ 120,0 Mo de mémoire, et 100,0 Mo" in said
    assert "fermez d'autres programmes" in said and "territoires" not in said
    assert read == [], "refused before any member was decompressed"


def test_a_file_that_exhausts_the_memory_is_named_with_what_to_do(tmp_path, monkeypatch):
    from ctg_analysis.sources import registry

    (tmp_path / "base_naissances.csv").write_text("CODGEO;NAISD19\n95229;135\n", encoding="utf-8")

    def exhausted(path):
        raise MemoryError

    monkeypatch.setattr(registry, "read_sheets", exhausted)
    result = CliRunner().invoke(main, ["data", "check", "--no-cache", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    said = " ".join(result.output.split())
    assert "base_naissances.csv" in said and "mémoire insuffisante pour lire ce fichier" in said
    assert "territoires" not in said
