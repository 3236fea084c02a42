"""Indicators on the real files of ../shared/data/real: legal populations RP2019 and RP2022 for a custom
territory against its département, Filosofi at the levels where it is published, CNAF IRIS figures
summed to communes. Expected values come from the raw files, read plainly."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import legal_populations, real_folder
from ctg_analysis.indicators import compute_indicators, prepare
from ctg_analysis.territories import load_territories

pytestmark = pytest.mark.real

# A custom territory of the Val-d'Oise: the seed's communes, plus Commeny and Gouzangrez (merged in 2024).
TERRITORY = ["95205", "95395", "95509", "95094", "95492", "95169", "95282"]


def _territories(tmp_path, reference, communes, territory_id="custom", movements=None):
    path = tmp_path / "territories.yaml"
    listed = ", ".join(f'"{c}"' for c in communes)
    path.write_text(
        f"territories:\n  - id: {territory_id}\n    label: Territoire test\n    cog_year: 2021\n    communes: "
        f"[{listed}]\n",
        encoding="utf-8",
    )
    return load_territories(path, reference, movements)


@pytest.fixture(scope="module")
def legal(real, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("legal")
    folder = real_folder(
        tmp,
        real,
        [
            "populations-legales/ensemble_RP2019_en_vigueur_2022.xlsx",
            "populations-legales/ensemble_RP2022_en_vigueur_2025.xlsx",
            "cogiter-mvt-passage/mvtcommunes.csv",
        ],
    )
    prepared = prepare(folder, indicators=["population_legale", "evol_population_legale"])
    territories = _territories(tmp, prepared.reference, TERRITORY, movements=prepared.movements)
    return prepared, compute_indicators(prepared, territories)


def test_custom_territory_legal_population_and_evolution(real, legal):
    prepared, table = legal
    assert prepared.cog_year == 2024
    rp2019, rp2022 = (
        legal_populations(real, "ensemble_RP2019_en_vigueur_2022.xlsx"),
        legal_populations(real, "ensemble_RP2022_en_vigueur_2025.xlsx"),
    )
    # In COG 2024, Gouzangrez is part of Commeny: the territory has six communes.
    members = table.query("level == 'commune' and indicator == 'population_legale' and period == '2022'")["geo"]
    assert sorted(members) == sorted(set(TERRITORY) - {"95282"})
    rows = table.set_index(["level", "geo", "indicator", "period"])
    expected_2019 = rp2019.loc[rp2019["code"].isin(TERRITORY), "pmun"].sum()
    expected_2022 = rp2022.loc[rp2022["code"].isin(TERRITORY), "pmun"].sum()
    assert rows.loc[("territoire", "custom", "population_legale", "2019"), "value"] == expected_2019
    assert rows.loc[("territoire", "custom", "population_legale", "2022"), "value"] == expected_2022
    evolution = rows.loc[("territoire", "custom", "evol_population_legale", "2019-2022")]
    assert evolution["value"] == pytest.approx((expected_2022 / expected_2019 - 1) * 100)
    # Three years apart: the five-year rule flags the evolution as not comparable.
    assert "not_comparable" in evolution["flags"]
    departement = rows.loc[("departement", "95", "evol_population_legale", "2019-2022")]
    assert departement["value"] == pytest.approx((1_270_845 / 1_249_674 - 1) * 100)
    assert rows.loc[("departement", "95", "population_legale", "2019"), "value"] == 1_249_674


def test_filosofi_published_levels_and_unavailable_custom_territory(real, tmp_path):
    folder = real_folder(
        tmp_path,
        real,
        [
            "filosofi-2014-2019/revenu_commune/FILO2019_DISP_COM.csv",
            "filosofi-2014-2019/revenu_dpt/FILO2019_DISP_DEP.csv",
            "filosofi-2014-2019/revenu_region/FILO2019_DISP_REG.csv",
            "filosofi-2014-2019/revenu_france/FILO2019_DISP_METROPOLE.csv",
            "populations-legales/ensemble_RP2019_en_vigueur_2022.xlsx",
        ],
    )
    prepared = prepare(folder, indicators=["revenu_median", "population_legale"], cog_year=2021)
    territories = _territories(tmp_path, prepared.reference, TERRITORY[:5])
    table = compute_indicators(prepared, territories).query("indicator == 'revenu_median'").set_index(["level", "geo"])
    communes = pd.read_csv(
        real / "filosofi-2014-2019/revenu_commune/FILO2019_DISP_COM.csv",
        sep=";",
        decimal=",",
        dtype={"CODGEO": str},
        encoding="utf-8-sig",
    ).set_index("CODGEO")
    departements = pd.read_csv(
        real / "filosofi-2014-2019/revenu_dpt/FILO2019_DISP_DEP.csv",
        sep=";",
        decimal=",",
        dtype={"CODGEO": str},
        encoding="utf-8-sig",
    ).set_index("CODGEO")
    assert table.loc[("commune", "95205"), "value"] == communes.loc["95205", "Q219"]
    assert table.loc[("departement", "95"), "value"] == departements.loc["95", "Q219"]
    custom = table.loc[("territoire", "custom")]
    assert math.isnan(custom["value"]) and "unavailable" in custom["flags"]
    # Le Plessis-Gassot is not in the Filosofi file (too few households): missing, never zero.
    assert "missing" in table.loc[("commune", "95492"), "flags"]


def _caf_2020(real, tmp_path, share: str):
    """The CNAF's 2020 IRIS file and the RP2019 legal populations (their communes' coverage), prepared in COG 2021."""
    folder = real_folder(
        tmp_path,
        real,
        ["caf-iris-2016-2020/data_CAF_2020_IRIS.csv", "populations-legales/ensemble_RP2019_en_vigueur_2022.xlsx"],
    )
    return prepare(folder, indicators=["allocataires", share], cog_year=2021)


def test_caf_iris_figures_summed_to_communes(real, tmp_path):
    prepared = _caf_2020(real, tmp_path, "part_monoparents_caf")
    # Sarcelles, Garges-lès-Gonesse and Villiers-le-Bel: communes of 10 000 inhabitants or more.
    communes = ["95585", "95268", "95680"]
    territories = _territories(tmp_path, prepared.reference, communes, "grand-ensemble")
    table = compute_indicators(prepared, territories).set_index(["level", "geo", "indicator"])
    raw = pd.read_csv(real / "caf-iris-2016-2020/data_CAF_2020_IRIS.csv", sep=";", dtype={"CODGEO": str})
    raw["commune"] = raw["CODGEO"].str[:5]
    sums = raw.groupby("commune")[["A", "AM"]].sum(min_count=1)
    assert table.loc[("territoire", "grand-ensemble", "allocataires"), "value"] == sums.loc[communes, "A"].sum()
    assert table.loc[("commune", "95585", "allocataires"), "value"] == sums.loc["95585", "A"]
    share = table.loc[("territoire", "grand-ensemble", "part_monoparents_caf"), "value"]
    assert share == pytest.approx(sums.loc[communes, "AM"].sum() / sums.loc[communes, "A"].sum() * 100)
    # The CNAF IRIS files cover only the communes cut into IRIS: the département's sum is partial, and
    # says how much of the département it covers (communes and population of the populations légales).
    in95 = sums.loc[sums.index.str.startswith("95"), "A"]
    legal = pd.read_excel(
        real / "populations-legales/ensemble_RP2019_en_vigueur_2022.xlsx",
        sheet_name="Communes",
        skiprows=7,
        dtype=str,
        engine="openpyxl",
    )
    legal = legal.loc[legal["Code département"] == "95"]
    people = pd.Series(
        legal["Population municipale"].astype(float).to_numpy(), index="95" + legal["Code commune"].str.zfill(3)
    )
    row = table.loc[("departement", "95", "allocataires")]
    assert row["coverage_communes"] == pytest.approx(len(in95) / len(people))
    assert row["coverage_population"] == pytest.approx(people[in95.index].sum() / people.sum())
    assert row["value"] == in95.sum() and "partial" in row["flags"]


def test_a_value_summing_secret_iris_keeps_its_flag_whatever_its_coverage(real, tmp_path):
    # Issue 33, point 2: 77067 has 4 IRIS, 3 of them blank (secret) in the 2020 file; its sum of the fourth counted
    # as a whole commune, so the display rule (all but 1 % covered) dropped the star of its RSA share (6,58 %).
    # Chelles (77108) has all 16 of its IRIS.
    from ctg_analysis.commentary import describe
    from ctg_analysis.indicators.display import is_fragile, shown_flags

    prepared = _caf_2020(real, tmp_path, "part_allocataires_rsa")
    territories = _territories(tmp_path, prepared.reference, ["77067", "77108"], "secret")
    table = compute_indicators(prepared, territories)
    raw = pd.read_csv(real / "caf-iris-2016-2020/data_CAF_2020_IRIS.csv", sep=";", dtype={"CODGEO": str})
    iris = raw.loc[raw["CODGEO"].str[:5].isin(["77067", "77108"])].assign(commune=lambda f: f["CODGEO"].str[:5])
    assert iris["A"].isna().groupby(iris["commune"]).sum().to_dict() == {"77067": 3, "77108": 0}
    shares = table.loc[table["indicator"] == "part_allocataires_rsa"]
    rows = shares.set_index(["level", "geo"])
    commune, territory = rows.loc[("commune", "77067")], rows.loc[("territoire", "secret")]
    assert territory["value"] == pytest.approx(100 * iris["ARSAS"].sum() / iris["A"].sum())
    assert "secret_iris" in commune["flags"] and "secret_iris" in territory["flags"]
    assert territory["coverage_population"] == 1  # both communes are in the file: only the flag can say it
    shown = shown_flags(shares).astype(str)
    assert shown[shares["geo"] == "77067"].str.contains("secret_iris").all() and is_fragile(shown).any()
    assert not shown[shares["geo"] == "77108"].str.contains("secret_iris").any()
    assert any(
        "IRIS couverts par le secret" in caveat for caveat in describe(table, "secret", "part_allocataires_rsa").caveats
    )
