"""The embedded demo dataset: official layouts, reproducible bytes, the seed's figures, fictional codes."""

from __future__ import annotations

import hashlib

import openpyxl
import pandas as pd
import pytest

from conftest import DEMO
from ctg_analysis.sources.iris import iris_to_communes
from ctg_analysis.sources.registry import read_file
from demo import write_demo, write_earlier_demo

SEED_TERRITORY = ["95205", "95395", "95509", "95094", "95492"]


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cells(path):
    book = openpyxl.load_workbook(path, read_only=False)
    return {name: [tuple(row) for row in book[name].iter_rows(values_only=True)] for name in book.sheetnames}


@pytest.mark.parametrize(
    ("writer", "folder"),
    [(write_demo, DEMO), (write_earlier_demo, DEMO.with_name("demo-2019"))],
    ids=["demo", "demo-2019"],
)
def test_generator_writes_the_committed_files(tmp_path, writer, folder):
    written = writer(tmp_path)
    committed = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    assert sorted(p.relative_to(tmp_path) for p in written) == committed
    for relative in committed:
        if relative.suffix == ".xlsx":
            # openpyxl writes the same cells with lxml or without, but not the same XML bytes.
            assert _cells(tmp_path / relative) == _cells(folder / relative), f"{relative} : régénérez {folder.name}"
        else:
            assert _digest(tmp_path / relative) == _digest(folder / relative), f"{relative} : régénérez {folder.name}"


def test_generator_is_deterministic(tmp_path):
    first = write_demo(tmp_path / "a")
    second = write_demo(tmp_path / "b")
    assert [_digest(p) for p in first] == [_digest(p) for p in second]


def test_every_dataset_is_recognised_and_marked_demo(demo_folder):
    assert demo_folder.problems == []
    assert demo_folder.demo
    found = {(t.dataset, t.level) for t in demo_folder.tables}
    assert found >= {
        ("census_population", "commune"),
        ("census_population", "iris"),
        ("census_families", "commune"),
        ("census_employment", "commune"),
        ("census_history", "commune"),
        ("births", "commune"),
        ("legal_population", "commune"),
        ("legal_population", "departement"),
        ("legal_population", "region"),
        ("filosofi", "commune"),
        ("filosofi", "epci"),
        ("filosofi", "departement"),
        ("filosofi", "region"),
        ("filosofi", "france"),
        ("caf", "iris"),
        ("cog_communes", "commune"),
        ("cog_departements", "departement"),
        ("cog_regions", "region"),
        ("cog_movements", "commune"),
        ("epci_composition", "commune"),
    }


def test_two_census_vintages_six_years_apart(demo_folder):
    census = demo_folder.table("census_population")
    assert sorted(census.data["period"].unique()) == [2013, 2019]
    assert census.vintage == 2019 and census.cog_year == 2021


def test_the_seed_fiche_action_figures(demo_folder):
    # "128 naissances en 2019 sur la commune" and "0/2 ans … + 25,7 %" (Ézanville, see ../shared/seed).
    births = demo_folder.table("births").data.set_index(["geo", "period"])["NAISD"]
    assert births[("95229", 2019)] == 128
    census = demo_folder.table("census_population").data.set_index(["geo", "period"])["P_POP0002"]
    assert round(100 * (census[("95229", 2019)] / census[("95229", 2013)] - 1), 1) == 25.7
    assert sorted(births.index.get_level_values("period").unique()) == list(range(2008, 2022))


def test_iris_file_adds_up_to_the_commune_file(demo_folder):
    iris = iris_to_communes(demo_folder.table("census_population", level="iris")).data.set_index("geo")
    communes = demo_folder.table("census_population").data.query("period == 2019").set_index("geo")
    for variable in ("P_POP", "P_POP0002", "P_POP80P", "P_F75P"):
        pd.testing.assert_series_equal(
            iris[variable].sort_index(), communes[variable].sort_index(), rtol=1e-6, check_names=False
        )
    assert demo_folder.table("caf", level="commune", from_iris=True).data["geo"].nunique() == len(communes)


def test_bands_are_consistent(demo_folder):
    data = demo_folder.table("census_population").data
    caf_bands = [
        "P_POP0002",
        "P_POP0305",
        "P_POP0610",
        "P_POP1117",
        "P_POP1824",
        "P_POP2539",
        "P_POP4054",
        "P_POP5564",
        "P_POP6579",
        "P_POP80P",
    ]
    pd.testing.assert_series_equal(data[caf_bands].sum(axis=1), data["P_POP"], rtol=1e-6, check_names=False)
    pd.testing.assert_series_equal(data["P_POPH"] + data["P_POPF"], data["P_POP"], rtol=1e-6, check_names=False)
    families = demo_folder.table("census_families").data
    children = families[["C_NE24F0", "C_NE24F1", "C_NE24F2", "C_NE24F3", "C_NE24F4P"]].sum(axis=1)
    pd.testing.assert_series_equal(children, families["C_FAM"], rtol=1e-6, check_names=False)


def test_legal_population_levels_add_up(demo_folder):
    communes = demo_folder.table("legal_population").data
    deps = demo_folder.table("legal_population", level="departement").data.set_index("geo")["PMUN"]
    assert communes.groupby("departement")["PMUN"].sum().to_dict() == deps.to_dict()
    assert set(communes["departement"]) == {"95", "78", "91", "60", "01", "2A"}
    assert communes["region"].nunique() == 4


def test_seed_territory_and_ezanville_are_there_with_their_names(demo_folder):
    cog = demo_folder.table("cog_communes").data.set_index("geo")["label"]
    assert cog[SEED_TERRITORY].tolist() == [
        "Écouen",
        "Le Mesnil-Aubry",
        "Puiseux-en-France",
        "Bouqueval",
        "Le Plessis-Gassot",
    ]
    assert cog["95229"] == "Ézanville"


def test_demo_files_use_the_official_quirks():
    caf2016 = (DEMO / "caf" / "data_CAF_2016_IRIS.csv").read_bytes()
    assert caf2016.startswith(b"\xef\xbb\xbf") and "\u202f".encode() in caf2016 and b"\r\n" in caf2016
    filosofi = (DEMO / "filosofi" / "FILO2019_DISP_COM.csv").read_text(encoding="utf-8-sig")
    assert filosofi.splitlines()[1].count(",") >= 1  # decimal comma
    # As INSEE's Filosofi files, none ends with a line end (a rule compares a file with its siblings).
    assert not any(path.read_bytes().endswith(b"\n") for path in (DEMO / "filosofi").iterdir())


@pytest.mark.real
def test_fictional_codes_do_not_exist_in_the_real_cog(real):
    (cog,) = read_file(real / "cog-2023" / "v_commune_2023.csv")
    (demo_cog,) = read_file(DEMO / "cog" / "commune_2021.csv")
    fictional = set(demo_cog.data["geo"]) - {*SEED_TERRITORY, "95229"}
    assert len(fictional) > 50
    assert fictional.isdisjoint(set(cog.data["geo"]))
    real_names = cog.data.set_index("geo")["label"]
    assert (
        demo_cog.data.set_index("geo").loc[[*SEED_TERRITORY, "95229"], "label"].tolist()
        == real_names[[*SEED_TERRITORY, "95229"]].tolist()
    )
