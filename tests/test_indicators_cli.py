"""``ctg indicators``: French summary, long table files, clear errors."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import DEMO
from ctg_analysis.cli import main
from ctg_analysis.errors import CtgError
from ctg_analysis.exports import write_table
from ctg_analysis.indicators import catalogue, get_indicator, indicators_of_theme

ARGS = ["indicators", "--data", str(DEMO), "--territories", str(DEMO / "territories.yaml")]


def test_summary_in_french():
    result = CliRunner().invoke(main, [*ARGS, "--territory", "ezanville"])
    assert result.exit_code == 0, result.output
    assert "Ézanville (ezanville) — chiffres clés" in result.output
    assert "+25,7\u00a0%" in result.output
    assert "Données fictives de démonstration." in result.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_long_table_files(tmp_path, suffix):
    out = tmp_path / "sortie" / f"indicateurs{suffix}"
    result = CliRunner().invoke(main, [*ARGS, "--territory", "ctg-ecouen", "--out", str(out)])
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        table = pd.read_csv(out, dtype={"geo": str})
    elif suffix == ".xlsx":
        table = pd.read_excel(out, dtype={"geo": str}, engine="openpyxl")
    else:
        table = pd.read_parquet(out)
    assert set(table["territory"]) == {"ctg-ecouen"}
    assert "95205" in set(table["geo"].astype(str))
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left


def test_errors_exit_2_without_traceback(tmp_path):
    unknown = CliRunner().invoke(main, [*ARGS, "--territory", "ezanvile"])
    assert unknown.exit_code == 2 and "vouliez-vous dire : 'ezanville'" in unknown.output
    bad_format = CliRunner().invoke(main, [*ARGS, "--out", str(tmp_path / "x.txt")])
    assert bad_format.exit_code == 2 and "format de sortie inconnu" in bad_format.output
    assert "Traceback" not in unknown.output + bad_format.output
    assert not (tmp_path / "x.txt").exists()


def test_write_table_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    out = tmp_path / "sortie" / "indicateurs.csv"
    out.parent.mkdir()
    out.write_text("ancien contenu", encoding="utf-8")

    def crash(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    with pytest.raises(OSError):
        write_table(pd.DataFrame({"a": [1]}), out)
    assert out.read_text(encoding="utf-8") == "ancien contenu"
    assert [p.name for p in out.parent.iterdir()] == ["indicateurs.csv"]


def test_catalogue_is_complete_and_helpful():
    table = catalogue()
    assert table["id"].is_unique and len(table) >= 40
    assert set(table["theme"]) >= {
        "démographie",
        "petite enfance",
        "enfance-jeunesse",
        "parentalité-familles",
        "accès aux droits-précarité",
        "logement",
        "handicap",
    }
    assert not table.loc[table["id"].isin(["revenu_median", "taux_pauvrete"]), "additive"].any()
    assert get_indicator("evol_0_2").min_gap == 5
    assert [i.id for i in indicators_of_theme("handicap")] == [
        "allocataires_aah",
        "beneficiaires_aah",
        "allocataires_aeeh",
        "beneficiaires_aeeh",
    ]
    with pytest.raises(CtgError, match="vouliez-vous dire : 'evol_0_2'"):
        get_indicator("evol_02")


def test_ctg_indicators_list_prints_the_catalogue_in_french_theme_by_theme():
    from ctg_analysis.indicators.catalogue import all_indicators
    from ctg_analysis.themes import get_theme

    result = CliRunner().invoke(main, ["indicators", "--list"])
    assert result.exit_code == 0, result.output
    listed = re.findall(r"^  - ([a-z0-9_]+) : ", result.output, flags=re.MULTILINE)
    catalogue = all_indicators()
    assert sorted(listed) == sorted(i.id for i in catalogue), "every indicator once"
    lines = result.output.splitlines()
    for indicator in catalogue:  # under its own theme's title
        at = next(n for n, line in enumerate(lines) if line.startswith(f"  - {indicator.id} : "))
        heading = next(line for line in reversed(lines[:at]) if line and not line.startswith(" "))
        assert heading.startswith(get_theme(indicator.theme).title), indicator.id
    assert "  - naissances : Naissances domiciliées" in result.output
    assert "Petite enfance (" in result.output
