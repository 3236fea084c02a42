"""The geography shipped with the package, checked against INSEE's own files: the commune lists of the
COG 2019, 2021 and 2023, the movements 1943–2025, and a peer's passage table (COGiter) on every
historical code. Skipped when ../shared/data/real is absent."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from conftest import ROOT
from ctg_analysis.codes import arrondissement_parent
from ctg_analysis.geography import commune_passage
from ctg_analysis.geography.embedded import communes_at, embedded_communes, embedded_epci, embedded_movements

pytestmark = pytest.mark.real

# Spellings INSEE corrected after 2019 without a movement (hyphens): the COG 2019 file has the old ones.
SPELLING_CORRECTED_SINCE_2019 = {
    "14406": ("Moulins en Bessin", "Moulins-en-Bessin"),
    "39378": ("Les Trois Châteaux", "Les Trois-Châteaux"),
    "60054": ("Les Hauts Talican", "Les Hauts-Talican"),
    "60209": ("La Corne en Vexin", "La Corne-en-Vexin"),
    "60682": ("Villers Saint Frambourg-Ognon", "Villers-Saint-Frambourg-Ognon"),
    "72128": ("Val d'Étangson", "Val-d'Étangson"),
}


def _official(real, path):
    frame = pd.read_csv(real / path, dtype=str)
    frame.columns = frame.columns.str.upper()
    return frame.loc[frame["TYPECOM"].isin(["COM", "ARM"])].set_index(["TYPECOM", "COM"])["LIBELLE"].sort_index()


@pytest.mark.parametrize(
    ("year", "path"),
    [(2023, "cog-2023/v_commune_2023.csv"), (2021, "cog-2021/commune_2021.csv"), (2019, "cog-2019/commune2019.csv")],
)
def test_commune_list_of_each_cog_year_is_insee_s(real, year, path):
    official = _official(real, path)
    derived = communes_at(embedded_communes(), embedded_movements(), year)
    derived = derived.loc[derived["type"].isin(["COM", "ARM"])].set_index(["type", "code"])["label"].sort_index()
    assert derived.index.equals(official.index)  # the same communes and arrondissements, code for code
    differ = derived[derived != official]
    expected = SPELLING_CORRECTED_SINCE_2019 if year == 2019 else {}
    assert {code: (official[(t, code)], name) for (t, code), name in differ.items()} == expected


def test_latest_year_counts(real):
    communes = embedded_communes()
    official_2023 = _official(real, "cog-2023/v_commune_2023.csv")
    movements = pd.read_csv(real / "cogiter-mvt-passage/mvtcommunes.csv", dtype=str)
    # Communes gone and created in 2024 and 2025, counted on INSEE's movements alone.
    later = movements.loc[movements["DATE_EFF"] > "2023-01-01"]
    gone = set(later.loc[later["TYPECOM_AV"].eq("COM"), "COM_AV"]) - set(
        later.loc[later["TYPECOM_AP"].eq("COM"), "COM_AP"]
    )
    new = set(later.loc[later["TYPECOM_AP"].eq("COM"), "COM_AP"]) - set(official_2023.loc["COM"].index)
    assert communes.attrs["cog_year"] == 2025
    assert (communes["type"] == "COM").sum() == len(official_2023.loc["COM"]) - len(gone) + len(new) == 34875


def test_epci_compositions_are_insee_s(real):
    official = pd.read_excel(
        real / "epci-composition/EPCI_au_01-01-2024.xlsx",
        sheet_name="Composition_communale",
        skiprows=5,
        dtype=str,
        engine="openpyxl",
    )
    shipped = embedded_epci(2024)
    assert dict(zip(shipped["geo"], shipped["epci"], strict=True)) == dict(
        zip(official["CODGEO"], official["EPCI"], strict=True)
    )


def test_the_build_script_makes_the_shipped_files(real, tmp_path):
    spec = importlib.util.spec_from_file_location("build_geography", ROOT / "tools" / "build_geography.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.build(real, tmp_path)
    for name in ("communes.parquet", "movements.parquet", "epci.parquet"):
        built, shipped = pd.read_parquet(tmp_path / name), pd.read_parquet(script.TARGET / name)
        pd.testing.assert_frame_equal(built, shipped, obj=name)


def test_same_day_chains_are_followed():
    # Pont-Farcy (14513) became 50649 in the Manche and merged into Tessy-Bocage (50592) on 2018-01-01.
    passage = commune_passage(embedded_movements(), 2017, 2019).set_index("source")
    assert passage.loc["14513", "target"] == "50592"


def test_passage_1943_2025_against_cogiter_on_every_historical_code(real):
    """Every historical code goes where COGiter's table sends it, but for three listed reasons."""
    cogiter = pd.read_csv(real / "cogiter-mvt-passage/table_passage_com_historique.csv", dtype=str)
    movements = pd.read_csv(real / "cogiter-mvt-passage/mvtcommunes.csv", dtype=str)
    passage = commune_passage(embedded_movements(), 1943, 2025)
    targets = passage.groupby("source")["target"].agg(frozenset)
    ours = cogiter["DEPCOM_HIST"].map(targets)
    ours = [
        found if isinstance(found, frozenset) else frozenset([code])
        for found, code in zip(ours, cogiter["DEPCOM_HIST"], strict=True)
    ]
    cogiter["ours"] = ours
    differ = cogiter.loc[
        [hist not in ours_ or len(ours_) > 1 for hist, ours_ in zip(cogiter["DEPCOM"], cogiter["ours"], strict=True)]
    ]
    assert len(cogiter) == 39161 and len(differ) < 700
    # 1. A commune re-established later (its territory split): we share it between every commune it
    #    became, COGiter names one of them.
    split = differ.loc[[len(o) > 1 and d in o for d, o in zip(differ["DEPCOM"], differ["ours"], strict=True)]]
    rest = differ.drop(split.index)
    # 2. Municipal arrondissements: COGiter folds them into Paris, Lyon and Marseille; the toolkit keeps
    #    them as such in the passage and folds them into their commune when it reads a table.
    arrondissements = rest.loc[arrondissement_parent(rest["DEPCOM_HIST"]).notna()]
    assert (arrondissements["DEPCOM"] == arrondissement_parent(arrondissements["DEPCOM_HIST"])).all() and len(
        arrondissements
    ) == 45
    rest = rest.drop(arrondissements.index)
    # 3. Codes that no commune-to-commune movement of INSEE's file ever moves: COGiter maps them from
    #    other sources; INSEE's movements, the toolkit's truth, leave them where they are.
    moved = movements.loc[movements["TYPECOM_AV"].eq("COM") & movements["TYPECOM_AP"].eq("COM"), "COM_AV"]
    assert not rest["DEPCOM_HIST"].isin(set(moved)).any()
    assert sorted(rest["DEPCOM_HIST"]) == [
        "01220",
        "2A237",
        "2A294",
        "2A325",
        "2B044",
        "2B076",
        "2B151",
        "54448",
        "54454",
        "66131",
        "91221",
        "95025",
        "95065",
    ]


def test_a_commune_list_is_dated_by_its_codes_and_a_misleading_name_is_said(tmp_path, real):
    """INSEE's lists of 2019, 2021 and 2023 date to their own year; the 2023 list saved as « 2019 » is read
    as the COG 2023, with a warning, in `ctg data check`."""
    from click.testing import CliRunner

    from ctg_analysis.cli import main
    from ctg_analysis.geography.embedded import commune_list_years

    for year, path in ((2019, "cog-2019/commune2019.csv"), (2021, "cog-2021/commune_2021.csv")):
        published = _official(real, path).loc["COM"].index.to_series()
        dated = commune_list_years(published, embedded_movements())
        assert (dated.first, dated.last, dated.later) == (year, year, False)
    data = tmp_path / "data"
    data.mkdir()
    (data / "commune_2019.csv").symlink_to(real / "cog-2023" / "v_commune_2023.csv")
    (data / "commune2019.csv").symlink_to(real / "cog-2019" / "commune2019.csv")
    result = CliRunner().invoke(main, ["data", "check", str(data)])
    assert result.exit_code == 0, result.output
    assert (
        "commune_2019.csv : communes du COG 2023 d'après leurs codes et les mouvements des communes, et non 2019 "
        "comme le dit son nom : lu comme COG 2023"
    ) in result.output
    # Listed under their dataset, each file with its vintage and geography.
    listed = result.output[result.output.index("COG – communes") :]
    assert "- commune_2019.csv\n        millésime 2023 (COG 2023) : commune" in listed
    assert "- commune2019.csv\n        millésime 2019 (COG 2019) : commune" in listed
