"""INSEE's *Comparateur de territoires* base, read as downloaded into the datasets it combines; every value
checked against the raw file read with plain pandas."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ctg_analysis.sources.registry import matching_datasets, read_file, read_sheets

COMPARATEUR = Path("insee-comparateur-territoires-rp2018") / "base_cc_comparateur_csv.zip"
BIRTHS = Path("insee-melodi-naissances-2008-2024") / "DS_ETAT_CIVIL_NAIS_COMMUNES.zip"
# Écouen, Ézanville, Le Plessis-Gassot (no Filosofi median: secret), Paris (a commune and its arrondissements).
COMMUNES = ["95205", "95229", "95492", "75056"]


def _raw(path: Path) -> pd.DataFrame:
    with zipfile.ZipFile(path) as archive:
        return pd.read_csv(archive.open("base_cc_comparateur.CSV"), sep=";", dtype={"CODGEO": str}).set_index("CODGEO")


@pytest.fixture(scope="module")
def comparateur(real):
    return _raw(real / COMPARATEUR), {t.dataset: t for t in read_file(real / COMPARATEUR)}


@pytest.mark.real
def test_the_base_is_read_as_the_datasets_it_combines_in_the_geography_of_its_codes(real, comparateur):
    raw, tables = comparateur
    assert set(tables) == {
        "census_population",
        "census_employment",
        "census_families",
        "census_housing",
        "census_history",
        "births",
        "filosofi",
    }
    assert {d.id for s in read_sheets(real / COMPARATEUR) for d in matching_datasets(s)} == {"comparateur"}
    # Its codes are those of the COG 2021 (not the 2020 the census of 2018 would be by INSEE's usual rule).
    assert {(t.cog_year, t.cog_year_from) for t in tables.values()} == {(2021, "convention")}
    cog = pd.read_csv(real / "cog-2021" / "commune_2021.csv", dtype=str)
    assert set(raw.index) == set(cog.loc[cog["TYPECOM"].isin(["COM", "ARM"]), "COM"])
    assert {t: tables[t].vintage for t in ("census_population", "births", "filosofi")} == {
        "census_population": 2018,
        "births": 2020,
        "filosofi": 2019,
    }


@pytest.mark.real
def test_populations_births_and_activity_of_both_vintages(comparateur):
    raw, tables = comparateur

    def values(dataset: str, variable: str, period: int) -> dict[str, float]:
        data = tables[dataset].data
        chosen = data.loc[data["geo"].isin(COMMUNES) & data["period"].eq(period)]
        return chosen.set_index("geo")[variable].dropna().to_dict()

    def expected(column: str) -> dict[str, float]:
        return raw.loc[COMMUNES, column].dropna().astype(float).to_dict()

    assert values("census_population", "P_POP", 2018) == expected("P18_POP")
    assert values("census_population", "P_POP", 2013) == expected("P13_POP")
    assert values("births", "NAISD", 2020) == expected("NAISD20")
    assert values("census_history", "NAIS", 2018) == expected("NAIS1318")
    assert values("census_employment", "P_ACT1564", 2018) == expected("P18_ACT1564")
    assert values("census_employment", "P_POP1564", 2018) == expected("P18_POP1564")
    assert values("census_families", "P_MEN", 2018) == expected("P18_MEN")
    assert values("census_housing", "P_LOGVAC", 2018) == expected("P18_LOGVAC")
    assert values("filosofi", "Q2", 2019) == expected("MED19")  # Le Plessis-Gassot's secret median stays missing
    assert "95492" not in values("filosofi", "Q2", 2019)
    # Paris once: its commune row, not its commune plus its twenty arrondissements.
    population = tables["census_population"].data
    assert not population["geo"].str.startswith("751").any()
    assert (
        population.loc[population["period"].eq(2018), "P_POP"].sum()
        == raw.loc[~raw.index.str.fullmatch(r"751\d\d|6938\d|132\d\d"), "P18_POP"].sum()
    )


@pytest.mark.real
def test_with_the_melodi_births_the_latest_publication_gives_each_year(real, tmp_path, caplog):
    import logging

    from conftest import real_folder
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    folder = real_folder(tmp_path, real, [str(COMPARATEUR), str(BIRTHS)])
    # `ctg data check` says which file gives a year both give: the latest vintage (Melodi's, to 2024).
    shared = folder.providers()
    assert shared[["jeu de données", "année"]].values.tolist() == [["État civil – naissances domiciliées", 2020]]
    assert shared["fichier retenu"].iloc[0].startswith(str(BIRTHS).replace("/", "__"))
    assert shared["aussi dans"].iloc[0].startswith(str(COMPARATEUR).replace("/", "__"))
    with caplog.at_level(logging.INFO, logger="ctg_analysis.indicators.preparation"):
        prepared = prepare(folder, indicators=["naissances", "taux_natalite", "taux_activite", "part_0_2"])
    path = tmp_path / "territories.yaml"
    path.write_text('territories:\n  - {id: ez, label: Écouen et Ézanville, communes: ["95205", "95229"]}\n')
    table = compute_indicators(prepared, load_territories(path, prepared.reference, prepared.movements))
    own = table.loc[table["level"] == "territoire"].set_index(["indicator", "period"])["value"]

    with zipfile.ZipFile(real / BIRTHS) as archive:
        melodi = pd.read_csv(archive.open("DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv"), sep=";", dtype={"GEO": str})
    melodi = melodi.loc[melodi["GEO_OBJECT"].eq("COM") & melodi["GEO"].isin(["95205", "95229"])]
    births = melodi.groupby("TIME_PERIOD")["OBS_VALUE"].sum()
    assert own["naissances"].rename(int).sort_index().to_dict() == births.to_dict()  # 2008-2024, 2020 included
    raw = _raw(real / COMPARATEUR).loc[["95205", "95229"]]
    assert own["taux_activite", "2018"] == pytest.approx(100 * raw["P18_ACT1564"].sum() / raw["P18_POP1564"].sum())
    assert own["taux_natalite", "2018"] == pytest.approx(1000 * births[2018] / raw["P18_POP"].sum())
    # No age band in the comparateur: the share of the under-3s is missing, and the log says why.
    assert table.loc[table["indicator"].eq("part_0_2"), "value"].isna().all()
    assert any(m.startswith("indicateur part_0_2 non calculé : P_POP0002 absente") for m in caplog.messages)


def test_a_base_of_the_same_census_keeps_the_age_bands_the_comparateur_lacks(tmp_path, caplog):
    # A census base and a comparateur of the same vintage: the comparateur (read first here) gives the
    # populations only; the age bands of the other file are kept beside them, and where the populations differ,
    # it is said.
    import logging
    import shutil

    from conftest import DEMO
    from ctg_analysis.indicators import prepare
    from ctg_analysis.sources.folder import scan_folder

    folder = tmp_path / "data"
    folder.mkdir()
    base = folder / "z-base-cc-evol-struct-pop-2019_csv.zip"
    shutil.copy(DEMO / "recensement" / "base-cc-evol-struct-pop-2019_csv.zip", base)
    with zipfile.ZipFile(base) as archive:
        member = next(n for n in archive.namelist() if n.lower().endswith(".csv"))
        census = pd.read_csv(archive.open(member), sep=";", dtype={"CODGEO": str})
    comparateur = census[["CODGEO", "P19_POP"]].assign(NAISD20=10, MED19=21000.0)
    comparateur.loc[comparateur["CODGEO"] == "95205", "P19_POP"] += 100
    comparateur.to_csv(folder / "a-base_cc_comparateur.CSV", sep=";", index=False)

    scanned = scan_folder(folder, cache_dir=False, progress=False)
    order = [t.path for t in scanned.find("census_population", "commune")]
    assert order[0] == "a-base_cc_comparateur.CSV"
    with caplog.at_level(logging.WARNING, logger="ctg_analysis.indicators.harmonisation"):
        prepared = prepare(scanned, indicators=["pop_0_2", "population"])
    values = prepared.values
    under_3 = values.loc[
        values["indicator"].eq([i.id for i in prepared.indicators].index("pop_0_2")) & values["year_end"].eq(2019)
    ]
    assert under_3["numerator"].sum() == pytest.approx(census["P19_POP0002"].sum())
    said = [m for m in caplog.messages if " pour une même commune" in m]
    assert len(said) == 1 and "1 valeur de P_POP" in said[0] and "(par exemple 95205 en 2019" in said[0]
