"""Every reader on the real published files of ../shared/data/real, against values worked out from the
raw files by hand or with independent tools (the csv module, plain pandas calls), not with the readers
under test."""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest

from ctg_analysis.sources.iris import iris_to_communes
from ctg_analysis.sources.registry import read_file

pytestmark = pytest.mark.real


def _raw_rows(path, sep=";", encoding="utf-8-sig"):
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=sep))


def _by_level(tables):
    return {t.level: t for t in tables}


@pytest.mark.parametrize(
    ("file", "vintage", "cog_year", "dep95", "communes95"),
    [
        ("ensemble_RP2019_en_vigueur_2022.xlsx", 2019, 2021, 1_249_674, 184),
        ("ensemble_RP2022_en_vigueur_2025.xlsx", 2022, 2024, 1_270_845, 183),
    ],
)
def test_legal_population(real, file, vintage, cog_year, dep95, communes95):
    path = real / "populations-legales" / file
    tables = _by_level(read_file(path, expected="legal_population"))
    assert set(tables) == {"commune", "departement", "region"}
    communes = tables["commune"].data
    assert tables["commune"].vintage == vintage and tables["commune"].cog_year == cog_year
    # dep95 and communes95 were read by hand in the workbooks (see their SOURCE.md); the commune sheet
    # must add up to the département sheet.
    in95 = communes.loc[communes["departement"] == "95"]
    assert len(in95) == communes95
    assert in95["PMUN"].sum() == dep95
    deps = tables["departement"].data.set_index("geo")
    assert deps.loc["95", "PMUN"] == dep95
    assert deps.loc["95", "label"] == "Val-d'Oise"
    assert communes.set_index("geo").loc["95205", "label"] == "Écouen"
    # Overseas: département 971 + commune 101 is 97101; Corsica keeps its letter.
    assert {"97101", "2A004"} <= set(communes["geo"])
    assert communes["geo"].str.len().eq(5).all()


def test_rp2016_iris_overseas_population_0_2_summed_per_commune(real):
    path = real / "insee-rp2016-iris-com-format-samples" / "base-ic-evol-struct-pop-2016-com.xls"
    (table,) = read_file(path, expected="census_population")
    assert (table.level, table.vintage, table.cog_year, table.cog_year_from) == ("iris", 2016, 2018, "file")
    raw = pd.read_excel(path, sheet_name=0, skiprows=5, dtype={"IRIS": str, "COM": str})
    expected = raw.groupby("COM")["P16_POP0002"].sum()
    communes = iris_to_communes(table).data.set_index("geo")
    assert communes["P_POP0002"].to_dict() == pytest.approx(expected.to_dict())
    assert communes.loc["97502", "P_POP"] == pytest.approx(raw.loc[raw["COM"] == "97502", "P16_POP"].sum())


def test_rp2016_iris_overseas_families(real):
    path = real / "insee-rp2016-iris-com-format-samples" / "base-ic-couples-familles-menages-2016-com.xls"
    (table,) = read_file(path, expected="census_families")
    raw = pd.read_excel(path, sheet_name=0, skiprows=5, dtype={"IRIS": str})
    assert table.data["C_FAMMONO"].sum() == pytest.approx(raw["C16_FAMMONO"].sum())
    assert table.data["C_NE24F4P"].sum() == pytest.approx(raw["C16_NE24F4P"].sum())
    assert table.data["geo"].str.len().eq(9).all()


def test_caf_2016_thousands_separator_and_secret_cells(real):
    path = real / "caf-iris-2016-2020" / "data_CAF_2016_IRIS.csv"
    raw = _raw_rows(path)
    row = next(r for r in raw if r["CODGEO"] == "010040102")
    assert row["PERCOU"] == "2\u202f256" and row["A_ETUD"] == ""
    (table,) = read_file(path, expected="caf")
    data = table.data.set_index("geo")
    assert data.loc["010040102", "PERCOU"] == 2256
    assert math.isnan(data.loc["010040102", "A_ETUD"])
    assert len(table.data) == len(raw)
    # Every narrow-no-break-space number of the raw file is parsed, none is lost.
    spaced = sum(1 for r in raw for v in r.values() if v and "\u202f" in v)
    assert spaced > 100
    assert table.data["PERCOU"].sum() == sum(float(r["PERCOU"].replace("\u202f", "")) for r in raw if r["PERCOU"])


@pytest.mark.parametrize("year", [2016, 2017, 2018, 2019, 2020])
def test_caf_every_layout_aggregates_to_communes(real, year):
    path = real / "caf-iris-2016-2020" / f"data_CAF_{year}_IRIS.csv"
    raw = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig")
    (table,) = read_file(path)
    assert table.vintage == year
    communes = iris_to_communes(table).data.set_index("geo")
    a = pd.to_numeric(raw["A"].str.replace("\u202f", ""), errors="coerce")
    sarcelles = a[raw["CODGEO"].str[:5] == "95585"].sum()
    assert communes.loc["95585", "A"] == sarcelles
    # Paris IRIS belong to arrondissements: they are summed into Paris, never kept beside it.
    assert "75056" in communes.index and not communes.index.str.startswith("751").any()
    assert communes.loc["75056", "A"] == a[raw["CODGEO"].str[:3] == "751"].sum()


def test_filosofi_decimal_comma_and_missing_values(real):
    path = real / "filosofi-2014-2019" / "revenu_commune" / "FILO2019_DISP_COM.csv"
    (table,) = read_file(path, expected="filosofi")
    assert (table.level, table.vintage) == ("commune", 2019)
    data = table.data.set_index("geo")
    assert data.loc["01001", "NBUC"] == 542.7
    assert data.loc["01001", "Q2"] == 23970
    assert math.isnan(data.loc["01001", "Q1"])
    # Small communes: only counts and the median are published; Le Plessis-Gassot not at all.
    raw = {r["CODGEO"]: r for r in _raw_rows(path)}
    assert data.loc["95094", "Q2"] == float(raw["95094"]["Q219"].replace(",", "."))
    assert math.isnan(data.loc["95094", "D1"])
    assert "95492" not in data.index


@pytest.mark.parametrize(
    ("folder", "name", "level", "code"),
    [
        ("revenu_dpt", "FILO2019_DISP_DEP.csv", "departement", "95"),
        ("revenu_region", "FILO2019_DISP_REG.csv", "region", "11"),
        ("revenu_epci", "FILO2019_DISP_EPCI.csv", "epci", "200055655"),
        ("revenu_france", "FILO2019_DISP_METROPOLE.csv", "france", "1"),
        ("revenu_dpt", "FILO2017_DISP_DEP.csv", "departement", "95"),
        ("revenu_dpt", "FILO2014_DISP_DEP.csv", "departement", "95"),
    ],
)
def test_filosofi_every_level(real, folder, name, level, code):
    path = real / "filosofi-2014-2019" / folder / name
    (table,) = read_file(path)
    assert table.level == level
    yy = name[6:8]
    raw = {r["CODGEO"]: r for r in _raw_rows(path)}
    expected = float(raw[code][f"Q2{yy}"].replace(",", "."))
    geo = "FRM" if level == "france" else code
    assert table.data.set_index("geo").loc[geo, "Q2"] == expected


def test_filosofi_iris_median_is_named_q2(real):
    path = real / "filosofi-2014-2019" / "revenu_iris" / "BASE_TD_FILO_DISP_IRIS_2019.csv"
    (table,) = read_file(path)
    raw = _raw_rows(path)
    assert table.level == "iris" and len(table.data) == len(raw)
    first = raw[0]
    row = table.data.set_index("geo").loc[first["IRIS"]]
    assert row["Q2"] == float(first["DISP_MED19"].replace(",", "."))
    assert row["TP60"] == float(first["DISP_TP6019"].replace(",", "."))
    assert row["commune"] == first["COM"]


def test_serie_historique_births_between_census_dates(real):
    path = real / "serie-historique-2020-meta" / "base-cc-serie-historique-2020-COM.CSV"
    (table,) = read_file(path, expected="census_history")
    raw = {r["CODGEO"]: r for r in _raw_rows(path)}
    data = table.data.set_index(["geo", "period"])
    assert table.vintage == 2020
    assert data.loc[("97502", 2020), "NAIS"] == float(raw["97502"]["NAIS1420"])
    assert data.loc[("97502", 2020), "flow_start"] == 2014
    assert data.loc[("97502", 2014), "P_POP"] == float(raw["97502"]["P14_POP"])
    assert data.loc[("97502", 1968), "D_POP"] == float(raw["97502"]["D68_POP"])


@pytest.mark.parametrize(
    ("file", "year", "com_rows", "dep95"),
    [
        ("cog-2019/commune2019.csv", 2019, 34970, 184),
        ("cog-2021/commune_2021.csv", 2021, 34965, 184),
        ("cog-2023/v_commune_2023.csv", 2023, 34945, 184),
    ],
)
def test_cog_communes(real, file, year, com_rows, dep95):
    (table,) = read_file(real / file, expected="cog_communes")
    data = table.data
    assert table.cog_year == year
    raw = _raw_rows(real / file, sep=",")
    type_key = "TYPECOM" if "TYPECOM" in raw[0] else "typecom"
    assert sum(r[type_key] == "COM" for r in raw) == (data["type"] == "COM").sum()
    assert ((data["type"] == "COM") & (data["departement"] == "95")).sum() == dep95
    assert set(data["type"]) >= {"COM", "ARM", "COMD"}


def test_cog_departements_and_regions(real):
    (deps,) = read_file(real / "cog-2019" / "departement2019.csv")
    (regs,) = read_file(real / "cog-2023" / "v_region_2023.csv")
    assert deps.dataset == "cog_departements" and regs.dataset == "cog_regions"
    assert deps.data.set_index("geo").loc["2A", "region"] == "94"
    assert regs.data.set_index("geo").loc["11", "label"] == "Île-de-France"


def test_cog_movements(real):
    (table,) = read_file(real / "cogiter-mvt-passage" / "mvtcommunes.csv", expected="cog_movements")
    data = table.data
    assert len(data) == len(_raw_rows(real / "cogiter-mvt-passage" / "mvtcommunes.csv", sep=","))
    assert table.cog_year == 2025
    gadancourt = data.loc[(data["com_av"] == "95259") & (data["date_eff"] == pd.Timestamp("2018-01-01"))]
    assert gadancourt["com_ap"].tolist() == ["95040"]
    assert data["com_av"].isna().sum() == 3  # creations ex nihilo


@pytest.mark.parametrize(
    ("file", "year"),
    [
        ("epci-2020/EPCI_2020.csv", 2020),
        ("epci-composition/Intercommunalite-Metropole_au_01-01-2021.xlsx", 2021),
        ("epci-composition/EPCI_au_01-01-2024.xlsx", 2024),
    ],
)
def test_epci_composition(real, file, year):
    (table,) = read_file(real / file, expected="epci_composition")
    assert table.cog_year == year
    epci = table.data.set_index("geo")["epci"]
    assert {epci[c] for c in ("95205", "95395", "95509", "95094", "95492")} == {"200055655"}
    assert epci["95229"] == "200056380"


def test_unused_official_files_say_why(real):
    from ctg_analysis.errors import UnrecognisedFileError

    with pytest.raises(UnrecognisedFileError, match="dictionnaire des variables INSEE"):
        read_file(real / "serie-historique-2020-meta" / "meta_base-cc-serie-historique-2020-COM.CSV")
    with pytest.raises(UnrecognisedFileError, match="COG – cantons"):
        read_file(real / "cog-2023" / "v_canton_2023.csv")


def test_cli_data_check_on_real_folders(real, tmp_path):
    from click.testing import CliRunner

    from ctg_analysis.cli import main

    for folder in ("populations-legales", "filosofi-2014-2019/revenu_dpt", "caf-iris-2016-2020"):
        result = CliRunner().invoke(main, ["data", "check", str(real / folder)])
        assert result.exit_code == 0, result.output
        assert "tables reconnues" in result.output
    result = CliRunner().invoke(main, ["data", "check", str(real / "questionr-rp2012-rp2018")])
    assert (
        result.exit_code == 2 and "mise en page inconnue" in result.output and "format non lu (.rdata)" in result.output
    )
