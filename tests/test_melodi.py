"""INSEE's Melodi long format, read as downloaded: the national births file and the 2025 edition's extract,
each value checked against the raw file read with plain pandas."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ctg_analysis.errors import SourceFileError
from ctg_analysis.sources.registry import matching_datasets, read_file, read_sheets

BIRTHS = Path("insee-melodi-naissances-2008-2024") / "DS_ETAT_CIVIL_NAIS_COMMUNES.zip"
EDITION_2025 = Path("insee-melodi-extracts-2023-2025") / "insee_naissances_sample.zip"


def _raw(path: Path) -> pd.DataFrame:
    """The data member of a Melodi zip, read with plain pandas (codes as text)."""
    with zipfile.ZipFile(path) as archive:
        member = next(n for n in archive.namelist() if n.endswith("_data.csv"))
        return pd.read_csv(archive.open(member), sep=";", dtype={"GEO": str, "OBS_STATUS": str})


def _births(path: Path) -> pd.Series:
    """The births per (commune, year) a file gives, its other levels aside."""
    tables = read_file(path)
    assert {t.dataset for t in tables} == {"births"}
    table = next(t for t in tables if t.level == "commune")
    return table.data.set_index(["geo", "period"])["NAISD"]


@pytest.fixture(scope="module")
def national(real):
    return _raw(real / BIRTHS), _births(real / BIRTHS)


@pytest.mark.real
def test_the_national_births_file_gives_each_communes_births_of_every_year(national):
    raw, births = national
    communes = raw.loc[raw["GEO_OBJECT"] == "COM"].set_index(["GEO", "TIME_PERIOD"])["OBS_VALUE"]
    # Écouen, Ézanville, Le Plessis-Gassot (a real zero in 2008), Ajaccio, Saint-Denis de La Réunion.
    for code in ("95205", "95229", "95492", "2A004", "97411"):
        for year in (2008, 2016, 2018, 2019, 2024):
            assert births[code, year] == communes[code, year]
    assert births["95492", 2008] == 0
    # The seed presentation's « 128 naissances en 2019 » at Ézanville is INSEE's 2018 figure.
    assert (births["95229", 2018], births["95229", 2019]) == (128, 135)
    assert births.index.get_level_values("period").unique().tolist() == list(range(2008, 2025))


@pytest.mark.real
def test_cities_are_counted_once_and_a_departement_adds_up_to_insees_own_row(national):
    raw, births = national
    # Paris, Lyon and Marseille are published as communes and as arrondissements: the commune, once.
    city = raw.loc[(raw["GEO_OBJECT"] == "COM") & raw["GEO"].isin(["75056", "69123", "13055"])]
    for code, year, value in city[["GEO", "TIME_PERIOD", "OBS_VALUE"]].itertuples(index=False):
        assert births[code, year] == value
    assert not births.index.get_level_values("geo").str.match(r"751|693|132").any()
    # The Val-d'Oise's communes add up to INSEE's row for the département, every year.
    departement = raw.loc[(raw["GEO_OBJECT"] == "DEP") & (raw["GEO"] == "95")].set_index("TIME_PERIOD")["OBS_VALUE"]
    summed = births.loc[births.index.get_level_values("geo").str.startswith("95")].groupby(level="period").sum()
    assert summed.sort_index().tolist() == departement.sort_index().tolist()


@pytest.mark.real
def test_a_value_missing_in_the_file_stays_missing(national):
    raw, births = national
    missing = raw.loc[(raw["OBS_STATUS"] == "M") & (raw["GEO_OBJECT"] == "COM")]
    assert len(missing) > 100  # the communes of Mayotte before INSEE counted them
    assert births.loc[list(zip(missing["GEO"], missing["TIME_PERIOD"], strict=True))].isna().all()


@pytest.mark.real
def test_a_city_published_only_by_its_arrondissements_is_their_sum(real, tmp_path):
    raw = _raw(real / BIRTHS)
    # A cut file holding Paris's arrondissements (with its « arrondissement non connu », 751XX) and no commune row.
    arrondissements = raw.loc[(raw["GEO_OBJECT"] == "ARM") & raw["GEO"].str.startswith("751")]
    path = tmp_path / "DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv"
    arrondissements.to_csv(path, sep=";", index=False)
    births = _births(path)
    paris = raw.loc[(raw["GEO_OBJECT"] == "COM") & (raw["GEO"] == "75056")].set_index("TIME_PERIOD")["OBS_VALUE"]
    assert births.xs("75056", level="geo").sort_index().tolist() == paris.sort_index().tolist()


@pytest.mark.real
def test_the_2025_edition_reads_alike_with_its_statuses(real):
    raw = _raw(real / EDITION_2025)
    births = _births(real / EDITION_2025)
    # Another column order and values written as floats: the same reading.
    assert (
        births["2A004", 2025]
        == raw.query("GEO == '2A004' and GEO_OBJECT == 'COM' and TIME_PERIOD == 2025")["OBS_VALUE"].item()
    )
    # A commune déléguée's births counted in its commune nouvelle (K) are not its own: missing, never zero.
    counted_elsewhere = raw.loc[(raw["OBS_STATUS"] == "K") & (raw["GEO_OBJECT"] == "COM")]
    assert (
        len(counted_elsewhere)
        and births.loc[list(zip(counted_elsewhere["GEO"], counted_elsewhere["TIME_PERIOD"], strict=True))].isna().all()
    )
    # The commune nouvelle's own rows (W: includes its communes déléguées) are kept.
    nouvelle = raw.loc[(raw["OBS_STATUS"] == "W") & (raw["GEO_OBJECT"] == "COM")]
    assert (
        len(nouvelle)
        and births.loc[list(zip(nouvelle["GEO"], nouvelle["TIME_PERIOD"], strict=True))].tolist()
        == nouvelle["OBS_VALUE"].tolist()
    )


def _melodi(text: str, tmp_path: Path) -> Path:
    path = tmp_path / "DS_ETAT_CIVIL_NAIS_COMMUNES.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv", text)
    return path


HEADER = '"EC_MEASURE";"FREQ";"GEO";"GEO_OBJECT";"OBS_STATUS";"TIME_PERIOD";"OBS_VALUE"\n'


def test_a_truncated_melodi_file_is_a_named_error(tmp_path):
    text = HEADER + '"LVB";"A";"95229";"COM";"A";2019;135\n"LVB";"A";"95229";"COM";"A";20'
    with pytest.raises(SourceFileError, match=r"dernière ligne \(ligne 3\) incomplète : 6 champs au lieu de 7"):
        read_file(_melodi(text, tmp_path))
    # A whole row whose period is not a year: named with its row.
    text = HEADER + '"LVB";"A";"95229";"COM";"A";2019-S1;135\n"LVB";"A";"95229";"COM";"A";2020;106\n'
    with pytest.raises(SourceFileError, match=r"TIME_PERIOD, ligne 2 : '2019-S1' au lieu d'une année"):
        read_file(_melodi(text, tmp_path))


def test_a_melodi_file_without_its_value_column_is_not_taken_for_births(tmp_path):
    text = HEADER.replace(';"OBS_VALUE"', "") + '"LVB";"A";"95229";"COM";"A";2019\n'
    (sheet,) = read_sheets(_melodi(text, tmp_path))
    assert matching_datasets(sheet) == []


def test_a_code_dated_by_the_melodi_api_gives_the_geography_of_the_table(tmp_path):
    text = io.StringIO()
    pd.DataFrame(
        {
            "GEO": ["2025-COM-95229", "2025-COM-95205", "2025-DEP-95"],
            "GEO_OBJECT": ["COM", "COM", "DEP"],
            "EC_MEASURE": "LVB",
            "TIME_PERIOD": 2024,
            "OBS_VALUE": [120, 89, 17445],
        }
    ).to_csv(text, sep=";", index=False)
    table, departement = read_file(_melodi(text.getvalue(), tmp_path))
    assert (table.level, table.cog_year, table.cog_year_from) == ("commune", 2025, "file")
    assert departement.data.set_index("geo")["NAISD"].to_dict() == {"95": 17445}
    assert table.data.set_index("geo")["NAISD"].to_dict() == {"95205": 89, "95229": 120}


def test_a_value_counted_in_another_commune_is_not_counted_twice(tmp_path):
    # K: the commune déléguée's births, counted in its commune nouvelle's W row (whose value includes them).
    text = HEADER + '"LVB";"A";"14666";"COM";"K";2019;7\n"LVB";"A";"14712";"COM";"W";2019;42\n'
    births = _births(_melodi(text, tmp_path))
    assert births.isna().to_dict() == {("14666", 2019): True, ("14712", 2019): False}
    assert births["14712", 2019] == 42


@pytest.mark.real
def test_a_territorys_births_of_every_year_from_the_melodi_file(real, tmp_path):
    from conftest import real_folder
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    seed = ["95205", "95395", "95509", "95094", "95492"]
    folder = real_folder(tmp_path, real, [str(BIRTHS), "populations-legales/ensemble_RP2022_en_vigueur_2025.xlsx"])
    prepared = prepare(folder, indicators=["naissances"], progress=False)
    path = tmp_path / "territories.yaml"
    path.write_text(
        "territories:\n  - id: seed\n    label: Seed\n    communes: [" + ", ".join(f'"{c}"' for c in seed) + "]\n"
    )
    table = compute_indicators(prepared, load_territories(path, prepared.reference, prepared.movements))
    own = table.loc[(table["level"] == "territoire") & (table["indicator"] == "naissances")]
    raw = _raw(real / BIRTHS)
    expected = raw.loc[(raw["GEO_OBJECT"] == "COM") & raw["GEO"].isin(seed)].groupby("TIME_PERIOD")["OBS_VALUE"].sum()
    assert own.set_index(own["period"].astype(int))["value"].sort_index().to_dict() == expected.to_dict()
    assert len(expected) == 17  # 2008 to 2024


def test_a_data_explorer_export_reads_alike(tmp_path):
    # The explorer's layout, as its real census exports have it: quoted text fields, TIME_PERIOD and OBS_VALUE
    # unquoted, a decimal comma, no OBS_STATUS column, no line end after the last row.
    path = tmp_path / "DS_ETAT_CIVIL_NAIS_COMMUNES.csv"
    path.write_text(
        '"GEO";"GEO_OBJECT";"EC_MEASURE";TIME_PERIOD;OBS_VALUE\n'
        '"95229";"COM";"LVB";2019;135,0\n"95229";"COM";"LVB";2018;128,0\n"95";"DEP";"LVB";2019;17900,0',
        encoding="utf-8",
    )
    assert _births(path).to_dict() == {("95229", 2018): 128.0, ("95229", 2019): 135.0}


def test_two_files_giving_the_same_births_take_the_latest_and_say_where_they_disagree(tmp_path, caplog):
    import logging
    import shutil

    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.resources import EARLIER_DEMO_DIR
    from ctg_analysis.sources.folder import scan_folder
    from ctg_analysis.territories import load_territories

    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(EARLIER_DEMO_DIR / "etat-civil" / "base_naissances_2018.xlsx", folder)
    (older,) = read_file(folder / "base_naissances_2018.xlsx")
    # INSEE's newer publication in Melodi: the same years in the same geography, one value revised, and 2019.
    newer = older.data[["geo", "period", "NAISD"]].copy()
    revised = (newer["geo"] == "95229") & (newer["period"] == 2018)
    published = int(newer.loc[revised, "NAISD"].iloc[0])
    newer.loc[revised, "NAISD"] += 3
    newer = pd.concat([newer, newer.loc[newer["period"] == 2018].assign(period=2019)], ignore_index=True)
    pd.DataFrame(
        {
            "GEO": f"{older.cog_year}-COM-" + newer["geo"],
            "GEO_OBJECT": "COM",
            "EC_MEASURE": "LVB",
            "TIME_PERIOD": newer["period"],
            "OBS_VALUE": newer["NAISD"],
        }
    ).to_csv(folder / "DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv", sep=";", index=False)
    with caplog.at_level(logging.WARNING, logger="ctg_analysis.indicators.harmonisation"):
        prepared = prepare(scan_folder(folder, cache_dir=False, progress=False), indicators=["naissances"])
    said = [r.getMessage() for r in caplog.records if " pour une même commune" in r.getMessage()]
    assert len(said) == 1
    assert said[0].startswith("DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv et base_naissances_2018.xlsx : 1 valeur de NAISD")
    assert f"(par exemple 95229 en 2018 : {published + 3} contre {published})" in said[0]
    assert said[0].endswith("celles du plus récent, DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv, sont retenues")
    path = tmp_path / "territories.yaml"
    path.write_text('territories:\n  - id: ezanville\n    label: Ézanville\n    communes: ["95229"]\n')
    territories = load_territories(path, prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    own = table.loc[(table["level"] == "territoire") & (table["indicator"] == "naissances")]
    values = own.set_index(own["period"].astype(int))["value"]
    expected = newer.loc[newer["geo"] == "95229"].set_index("period")["NAISD"]
    assert values.to_dict() == expected.to_dict()  # every year from the newer file, 2019 revised included


@pytest.mark.real
def test_insees_own_rows_above_the_commune_are_kept_as_published(real):
    raw = _raw(real / BIRTHS)
    tables = {t.level: t.data.set_index(["geo", "period"])["NAISD"] for t in read_file(real / BIRTHS)}
    assert set(tables) == {"commune", "epci", "departement", "region", "france"}
    for level, melodi, code in (("departement", "DEP", "95"), ("epci", "EPCI", "200056380"), ("france", "FRANCE", "F")):
        rows = raw.loc[(raw["GEO_OBJECT"] == melodi) & (raw["GEO"] == code)].set_index("TIME_PERIOD")["OBS_VALUE"]
        assert (
            tables[level].xs(code, level="geo").sort_index().fillna(-1).tolist()
            == rows.sort_index().fillna(-1).tolist()
        )


@pytest.mark.real
def test_a_file_whose_communes_miss_their_departements_value_is_said_cut(real, tmp_path, caplog):
    import logging

    from conftest import real_folder

    with caplog.at_level(logging.WARNING, logger="ctg_analysis.sources.folder"):
        real_folder(tmp_path, real, [str(BIRTHS), str(EDITION_2025)])
    said = [r.getMessage() for r in caplog.records if "fichier coupé ou mélangé" in r.getMessage()]
    # The third party's extract keeps a few communes of each département beside INSEE's département rows;
    # INSEE's national file adds up (within the births INSEE counts in a département without their commune).
    assert len(said) == 1 and said[0].startswith(str(EDITION_2025).replace("/", "__"))
    raw = _raw(real / EDITION_2025)
    communes = raw.loc[(raw["GEO_OBJECT"] == "COM") & raw["GEO"].str.startswith("13")]
    summed = communes.loc[communes["TIME_PERIOD"] == 2008, "OBS_VALUE"].sum()
    published = raw.query("GEO_OBJECT == 'DEP' and GEO == '13' and TIME_PERIOD == 2008")["OBS_VALUE"].item()
    assert f"NAISD du 13 en 2008 : {summed:,.0f} contre {published:,.0f}".replace(",", "\u202f") in said[0]


@pytest.mark.real
def test_the_sentence_of_a_birth_count_names_the_year_of_its_figure(real, tmp_path):
    # The seed presentation's « 128 naissances en 2019 » at Ézanville is INSEE's figure of 2018: a sentence
    # always says which year its figure is of (the latest, here 2024).
    from conftest import real_folder
    from ctg_analysis.commentary import describe
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    folder = real_folder(tmp_path, real, [str(BIRTHS)])
    prepared = prepare(folder, indicators=["naissances"], progress=False)
    path = tmp_path / "territories.yaml"
    path.write_text('territories:\n  - {id: ezanville, label: Ézanville, communes: ["95229"]}\n')
    table = compute_indicators(prepared, load_territories(path, prepared.reference, prepared.movements))
    raw = _raw(real / BIRTHS)
    ezanville = raw.loc[raw["GEO_OBJECT"].eq("COM") & raw["GEO"].eq("95229")].set_index("TIME_PERIOD")["OBS_VALUE"]
    assert (ezanville[2018], ezanville[2019]) == (128, 135)
    sentence = describe(table, "ezanville", "naissances")
    assert f"{int(ezanville[2024])} naissances domiciliées en 2024" in sentence.text


def test_a_table_in_a_later_geography_than_insees_rule_is_dated_by_its_codes(tmp_path, caplog):
    # A Melodi table of births up to 2022 is in the COG of 2023 by INSEE's rule; this one holds the communes of
    # the Cantal as they are in 2025, after Neuvéglise-sur-Truyère (15141) was split on 1 January 2025. Read as
    # 2023 codes, 15141 would be split a second time and its parts lost; dated by its codes, nothing is converted.
    import logging

    from ctg_analysis.geography.embedded import communes_at, embedded_communes, embedded_movements
    from ctg_analysis.indicators import prepare
    from ctg_analysis.sources.folder import scan_folder

    cantal = communes_at(embedded_communes(), embedded_movements(), 2025)
    codes = cantal.loc[cantal["type"].eq("COM") & cantal["code"].str.startswith("15"), "code"]
    before = communes_at(embedded_communes(), embedded_movements(), 2024)
    created = sorted(set(codes) - set(before.loc[before["type"].eq("COM"), "code"]))
    assert "15141" in set(codes) and created  # the split's new communes
    folder = tmp_path / "data"
    folder.mkdir()
    rows = pd.DataFrame({"GEO": codes, "GEO_OBJECT": "COM", "EC_MEASURE": "LVB", "TIME_PERIOD": 2022, "OBS_VALUE": 3})
    rows.to_csv(folder / "DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv", sep=";", index=False)
    with caplog.at_level(logging.WARNING, logger="ctg_analysis.indicators.harmonisation"):
        prepared = prepare(
            scan_folder(folder, cache_dir=False, progress=False), indicators=["naissances"], cog_year=2025
        )
    assert any(
        "non du COG 2023 que donne l'usage de l'Insee pour ce jeu : lu comme COG 2025" in m for m in caplog.messages
    )
    values = prepared.values
    assert values["numerator"].sum() == 3 * len(codes) and not values["missing"].any()


def test_a_missing_year_leaves_every_three_year_sum_that_holds_it_missing(tmp_path):
    # Ézanville's births of 2020 are missing (M): a sum over 2018-2020 or 2019-2021 would count them as none.
    from ctg_analysis.indicators import prepare
    from ctg_analysis.sources.folder import scan_folder

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv").write_text(
        "GEO;GEO_OBJECT;EC_MEASURE;OBS_STATUS;TIME_PERIOD;OBS_VALUE\n"
        + "".join(
            f"95229;COM;LVB;{'M' if y == 2020 else 'A'};{y};{'' if y == 2020 else y - 1900}\n"
            for y in range(2018, 2022)
        )
        + "".join(f"95205;COM;LVB;A;{y};{y - 1930}\n" for y in range(2018, 2022)),  # 88, 89, 90, 91
        encoding="utf-8",
    )
    prepared = prepare(scan_folder(folder, cache_dir=False, progress=False), indicators=["naissances_3ans"])
    values = prepared.values.assign(code=prepared.geography.communes[prepared.values["commune"]].to_numpy())
    windows = values.set_index(["code", "year_end"])
    assert windows.loc[("95229", 2020), "missing"] and windows.loc[("95229", 2021), "missing"]
    assert windows.loc[("95205", 2021), "numerator"] == 89 + 90 + 91  # 2019 + 2020 + 2021
    assert windows.loc[("95205", 2020), "numerator"] == 88 + 89 + 90
