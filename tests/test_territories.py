"""The territories file: the demo file loads; every kind of mistake is reported, with a suggestion."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import DEMO, real_folder
from ctg_analysis.cli import main
from ctg_analysis.errors import TerritoryError
from ctg_analysis.geography import commune_reference
from ctg_analysis.territories import load_territories, territory_entries

REFERENCE = pd.DataFrame(
    {
        "code": ["95205", "95229", "95094", "75056", "75101", "78901", "01001"],
        "label": [
            "Écouen",
            "Ézanville",
            "Bouqueval",
            "Paris",
            "Paris 1er Arrondissement",
            "Aubrelle",
            "L'Abergement-Clémenciat",
        ],
        "type": ["COM", "COM", "COM", "COM", "ARM", "COM", "COM"],
        "parent": [None, None, None, None, "75056", None, None],
        "departement": ["95", "95", "95", "75", "75", "78", "01"],
    }
)


def _load(tmp_path, text):
    path = tmp_path / "territories.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_territories(path, REFERENCE)


def _problems(tmp_path, text):
    with pytest.raises(TerritoryError) as caught:
        _load(tmp_path, text)
    return str(caught.value)


def test_demo_territories_file(demo_folder):
    territories = load_territories(DEMO / "territories.yaml", commune_reference(demo_folder))
    assert [t.id for t in territories] == ["ctg-ecouen", "ezanville", "ctg-val-fictif"]
    seed = territories.get("ctg-ecouen")
    assert seed.communes == ("95205", "95395", "95509", "95094", "95492")
    assert seed.cog_year == 2021 and seed.comparisons == (("epci", "200055655"),)
    assert territories.get("ezanville").communes == ("95229",)
    assert territories.get("ctg-val-fictif").departements == ("78", "95")
    assert territories.notes == ("ctg-val-fictif : territoire à cheval sur 2 départements (78, 95)",)
    membership = territories.membership()
    assert len(membership) == 13 and membership["commune"].dtype == "string"


def test_codes_stay_strings_and_names_resolve(tmp_path):
    territories = _load(
        tmp_path,
        """
        territories:
          - id: t
            label: Un territoire
            communes: ["01001", {name: Bouqueval, departement: "95"}, {code: "95205"}]
        """,
    )
    assert territories.get("t").communes == ("01001", "95094", "95205")


def test_unknown_code_and_name_with_suggestions(tmp_path):
    message = _problems(
        tmp_path,
        """
        territories:
          - id: t
            communes: ["95250", {name: Ecouen, departement: "95"}, {name: Bouqueval}]
        """,
    )
    assert "3 problèmes" in message
    assert "code commune '95250' inconnu (vouliez-vous dire : '95205'" in message
    assert "commune 'Ecouen' inconnue dans le département 95 (vouliez-vous dire : 'Écouen' ?)" in message
    assert "commune 'Bouqueval' : précisez son département" in message


def test_duplicates_arrondissements_and_empty_territories(tmp_path):
    message = _problems(
        tmp_path,
        """
        territories:
          - id: a
            communes: ["95205", {name: Écouen, departement: "95"}]
          - id: a
            communes: ["95229"]
          - id: paris
            communes: ["75056", "75101"]
          - id: vide
            communes: []
        """,
    )
    assert "territoire 'a' : commune 95205 (Écouen) listée deux fois" in message
    assert "territoire 'a' : identifiant déclaré plusieurs fois" in message
    assert "territoire 'paris' : arrondissement 75101 listé avec sa commune 75056 (compté deux fois)" in message
    assert "territoire 'vide' : aucune commune" in message


def test_code_that_lost_its_leading_zero(tmp_path):
    message = _problems(tmp_path, "territories:\n  - id: t\n    communes: [1001]\n")
    assert "code '1001' sur 4 chiffres : écrivez-le entre guillemets avec son zéro initial (« 01001 »)" in message


def test_malformed_files(tmp_path):
    assert "attendu une clé « territories »" in _problems(tmp_path, "communes: []\n")
    assert "YAML invalide" in _problems(tmp_path, "territories: [\n")
    assert "comparaison" in _problems(
        tmp_path, "territories:\n  - id: t\n    communes: ['95205']\n    comparisons: [{level: canton, code: '1'}]\n"
    )
    with pytest.raises(TerritoryError, match="lecture impossible"):
        load_territories(tmp_path / "absent.yaml", REFERENCE)


def test_unknown_territory_id_suggests(tmp_path):
    territories = _load(tmp_path, "territories:\n  - id: ctg-ecouen\n    communes: ['95205']\n")
    with pytest.raises(TerritoryError, match=r"territoire 'ctg-ecoen' inconnu \(vouliez-vous dire : 'ctg-ecouen' \?\)"):
        territories.get("ctg-ecoen")


def test_cli_territories_check(tmp_path):
    result = CliRunner().invoke(main, ["territories", "check", str(DEMO / "territories.yaml"), "--data", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert "3 territoires valides" in result.output and "à cheval sur 2 départements" in result.output
    # One entry per territory, its communes named under it, within a terminal's width.
    flat = " ".join(result.output.split())
    assert "- ctg-ecouen : CTG Écouen" in flat and "5 communes, 1 département (95)" in flat
    assert max(len(line) for line in result.output.splitlines()) <= 100
    bad = tmp_path / "t.yaml"
    bad.write_text("territories:\n  - id: t\n    communes: ['95250']\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["territories", "check", str(bad), "--data", str(DEMO)])
    assert result.exit_code == 2 and "inconnu" in result.output and "Traceback" not in result.output


def test_codes_of_an_older_cog_follow_the_movements(tmp_path):
    movements = pd.DataFrame(
        {
            "mod": [32, 32],
            "date_eff": pd.to_datetime(["2024-01-01", "2024-01-01"]),
            "typecom_av": ["COM", "COM"],
            "com_av": ["95282", "95169"],
            "typecom_ap": ["COM", "COM"],
            "com_ap": ["95169", "95169"],
        }
    )
    reference = pd.DataFrame(
        {"code": ["95169", "95205"], "label": ["Commeny", "Écouen"], "type": "COM", "parent": None, "departement": "95"}
    )
    reference.attrs["cog_year"] = 2024
    path = tmp_path / "t.yaml"
    path.write_text(
        "territories:\n  - id: t\n    cog_year: 2021\n    communes: ['95205', '95282', '95169']\n", encoding="utf-8"
    )
    territories = load_territories(path, reference, movements)
    assert territories.get("t").communes == ("95205", "95169")
    assert "code suivi dans les mouvements des communes : 95282 → 95169 (géographie 2024)" in territories.notes
    # Without the movements, the old code is simply unknown.
    with pytest.raises(TerritoryError, match="code commune '95282' inconnu"):
        load_territories(path, reference)


def _territories_check(tmp_path: Path, text: str):
    """``ctg territories check`` of a territories file holding ``text``, against the demo data."""
    from click.testing import CliRunner

    from ctg_analysis.cli import main
    from ctg_analysis.resources import DEMO_DIR

    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["territories", "check", str(path), "--data", str(DEMO_DIR)])


def test_a_control_character_in_an_id_or_a_label_is_refused_at_validation(tmp_path):
    result = _territories_check(
        tmp_path,
        'territories:\n  - id: "t\\0x"\n    communes: ["95229"]\n'
        '  - id: ok\n    label: "a\\x07b"\n    communes: ["95229"]\n'
        '  - id: lignes\n    label: "a\\tb\\nc"\n    communes: ["95229"]\n'
        "  - id: bon\n    communes: ['95229']\n",
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "territoire 't\\x00x' : identifiant avec un caractère de contrôle ('t\\x00x') ; retirez-le" in result.output
    assert "territoire 'ok' : libellé avec un caractère de contrôle ('a\\x07b') ; retirez-le" in result.output
    assert "lignes" not in result.output  # a tab or a line break in a label is allowed (a workbook keeps them)


def test_an_invisible_format_character_in_an_id_or_a_direction_override_in_a_label_is_refused(tmp_path):
    # A right-to-left override printed raw turns the terminal's line around; a zero-width space hides in an id.
    result = _territories_check(
        tmp_path,
        'territories:\n  - id: "\\u202eabc"\n    communes: ["95229"]\n'
        '  - id: "a\\u200bb"\n    communes: ["95229"]\n'
        '  - id: ok\n    label: "Z\\u2067def"\n    communes: ["95229"]\n'
        '  - id: tiret\n    label: "Saint\\u00adBrice"\n    communes: ["95229"]\n',
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "\u202e" not in result.output and "\u200b" not in result.output  # never printed raw
    assert "identifiant avec un caractère invisible de mise en forme (U+202E) ; retirez-le" in result.output
    assert "identifiant avec un caractère invisible de mise en forme (U+200B) ; retirez-le" in result.output
    assert (
        "territoire 'ok' : libellé avec un caractère invisible de mise en forme (U+2067) ; retirez-le" in result.output
    )
    assert "tiret" not in result.output  # a soft hyphen in a label changes no direction: allowed


def test_a_commune_merged_before_the_data_is_followed_with_its_new_commune_or_refused_with_what_to_write(
    tmp_path, real
):
    """INSEE's own movements of COG 2023 (read here with the csv module): a commune merged on 1 January
    2023 is refused alone, with the commune to write, and followed when the new commune is listed too."""
    import csv

    with open(real / "cog-2023" / "v_mvtcommune_2023.csv", encoding="utf-8") as file:
        merger = next(
            row
            for row in csv.DictReader(file)
            if row["MOD"] == "32" and row["DATE_EFF"] == "2023-01-01" and row["COM_AV"] != row["COM_AP"]
        )
    old, new = merger["COM_AV"], merger["COM_AP"]
    data = real_folder(tmp_path, real, ["cog-2023/v_commune_2023.csv", "cog-2023/v_mvtcommune_2023.csv"]).root
    path = tmp_path / "t.yaml"
    path.write_text(f"territories:\n  - id: seule\n    communes: ['{old}']\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["territories", "check", str(path), "--data", str(data)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    # No census file: the data's geography is the one shipped with the package, 2023 or later.
    year = int(re.search(r"celle du 1er janvier (\d{4})", result.output)[1])
    assert year >= 2023
    assert (
        f"territoire 'seule' : code commune '{old}' ({merger['LIBELLE_AV']}) fusionné dans '{new}' "
        f"({merger['LIBELLE_AP']}) le 01/01/2023 : la géographie des données est celle du 1er janvier {year} ; "
        f"écrivez '{new}' (la commune entière), ou déclarez « cog_year: 2022 » au territoire pour suivre ses codes"
    ) in " ".join(result.output.split())
    path.write_text(f"territories:\n  - id: les-deux\n    communes: ['{old}', '{new}']\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["territories", "check", str(path), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert f"code suivi dans les mouvements des communes : {old} → {new} (géographie {year})" in result.output


def test_territories_check_says_a_malformed_file_before_reading_the_data(tmp_path):
    """The file's layout is checked first: its error comes at once, whatever the data folder holds (here
    none, whose error would otherwise come first, after a scan of seconds on a real folder)."""
    file = tmp_path / "territoires.yaml"
    file.write_text("territoires:\n  - id: t\n", encoding="utf-8")
    absent = tmp_path / "absent"
    result = CliRunner().invoke(main, ["territories", "check", str(file), "--data", str(absent)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{file} : attendu une clé « territories » contenant une liste de territoires" in result.output
    assert str(absent) not in result.output
    missing = tmp_path / "nulle-part.yaml"
    result = CliRunner().invoke(main, ["territories", "check", str(missing), "--data", str(absent)])
    assert result.exit_code == 2 and "nulle-part.yaml : lecture impossible" in result.output


def test_a_file_too_big_or_too_long_to_be_territories_and_a_huge_label_are_refused_in_a_short_message(tmp_path):
    def check(text: str) -> tuple[int, str]:
        result = _territories_check(tmp_path, text)
        return result.exit_code, result.output

    code, output = check(f'territories:\n  - id: t\n    label: "{"x" * 5_000_000}"\n    communes: ["95229"]\n')
    assert code == 2 and "libellé de 5\u202f000\u202f000 caractères ('" in output and "300 au plus" in output
    assert len(output) < 1_000  # the label is not echoed whole
    code, output = check(f'territories:\n  - id: "{"y" * 400}"\n    communes: ["95229"]\n')
    assert code == 2 and "territoire n°1 : identifiant de 400 caractères" in output and len(output) < 1_000
    many = "territories:\n" + "".join(f'  - id: t{n}\n    communes: ["95229"]\n' for n in range(50_001))
    code, output = check(many)
    assert code == 2 and "50\u202f001 territoires, au-delà de 50\u202f000" in output
    code, output = check("territories:\n" + "# " + "z" * 20_000_000 + "\n")
    assert code == 2 and "fichier de 20,0 Mo, au-delà de 20 Mo" in output


def test_a_territories_file_is_parsed_once_per_content_and_read_back_from_the_cache(tmp_path, monkeypatch):
    """A large file is parsed by PyYAML once; the same bytes are read back from the cache, an edit parsed
    again; a file in another encoding than UTF-8 is one French line."""
    from ctg_analysis import yaml_input
    from ctg_analysis.territories import definitions

    path = tmp_path / "t.yaml"
    path.write_text("territories:\n  - id: t\n    communes: ['01001', '95205']\n", encoding="utf-8")
    parsed: list[str] = []
    real_load = yaml_input.load_yaml
    monkeypatch.setattr(definitions, "load_yaml", lambda text, **kw: parsed.append(text) or real_load(text, **kw))
    first = territory_entries(path)
    assert territory_entries(path) == first == [{"id": "t", "communes": ["01001", "95205"]}]
    assert len(parsed) == 1, "the same content is parsed once"
    path.write_text("territories:\n  - id: u\n    communes: ['95205']\n", encoding="utf-8")
    assert territory_entries(path)[0]["id"] == "u" and len(parsed) == 2
    path.write_bytes("territories:\n  - id: é\n".encode("latin-1"))
    with pytest.raises(TerritoryError, match="illisible en UTF-8 : enregistrez le fichier en UTF-8"):
        territory_entries(path)


def test_an_alias_is_refused_with_its_line_and_what_to_do_and_the_c_parser_reads():
    """The user's YAML (issue 35's mutations of ``yaml_input``): the refusal's whole French message, the place
    said only where the parser knows it, and libyaml's C loaders used where PyYAML has them (an alias bomb is
    parsed in C, cheaply, before anything is built)."""
    import yaml

    from ctg_analysis import yaml_input

    with pytest.raises(yaml_input.AliasRefused) as refused:
        yaml_input.load_yaml("a: 1\nb: &x [1, 2]\nc: *x\n")
    assert str(refused.value) == (
        "alias YAML « *x » ligne 3 : les alias ne sont pas acceptés, écrivez la valeur en entier"
    )
    assert yaml_input._line(object()) == "" and yaml_input._line(yaml.Mark("t", 0, 4, 0, None, None)) == " ligne 5"
    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML sans libyaml")
    used = []
    real_load = yaml.load

    def load(text, Loader):  # noqa: N803 - PyYAML's own keyword
        used.append(Loader)
        return real_load(text, Loader=Loader)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yaml, "load", load)
        yaml_input.load_yaml("a: 1", strings=True)
        yaml_input.load_yaml("a: 1")
    assert used == [yaml.CBaseLoader, yaml.CSafeLoader]
