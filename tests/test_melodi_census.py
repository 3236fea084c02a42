"""INSEE's Melodi census, Filosofi, reference-population and equipment tables, read as published; every value
checked against the raw file read with plain pandas."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ctg_analysis.errors import UnrecognisedFileError
from ctg_analysis.sources.registry import read_file

EXTRACTS = Path("insee-melodi-extracts-2023-2025")
EXPLORER = Path("insee-melodi-explorer-marseille-11-12")
# Bordeaux and Mérignac: communes of the extracts, at the census's three vintages.
COMMUNES = ["33063", "33281"]


def _raw(path: Path) -> pd.DataFrame:
    with zipfile.ZipFile(path) as archive:
        (member,) = archive.namelist()
        return pd.read_csv(archive.open(member), sep=";", dtype=str).assign(
            OBS_VALUE=lambda f: pd.to_numeric(f["OBS_VALUE"])
        )


def _selected(raw: pd.DataFrame, **codes: str) -> dict[tuple[str, int], float]:
    """INSEE's rows of the extracts' communes with these dimension codes, per (commune, year)."""
    chosen = raw.loc[raw["GEO_OBJECT"].eq("COM") & raw["GEO"].isin(COMMUNES)]
    for dimension, code in codes.items():
        chosen = chosen.loc[chosen[dimension].eq(code)]
    return {(g, int(y)): v for g, y, v in chosen[["GEO", "TIME_PERIOD", "OBS_VALUE"]].itertuples(index=False)}


def _read(path: Path, dataset: str, variable: str) -> dict[tuple[str, int], float]:
    tables = read_file(path)
    assert {t.dataset for t in tables} == {dataset}
    (communes,) = [t for t in tables if t.level == "commune"]
    values = communes.data.set_index(["geo", "period"])[variable]
    return values.loc[values.index.get_level_values("geo").isin(COMMUNES)].to_dict()


@pytest.mark.real
def test_families_of_the_three_vintages_by_type(real):
    raw = _raw(real / EXTRACTS / "insee_famille_sample.zip")
    path = real / EXTRACTS / "insee_famille_sample.zip"
    totals = {"NCH": "_T", "RP_MEASURE": "NBFAM"}
    assert _read(path, "census_families", "C_FAM") == _selected(raw, TFN="_T", **totals)
    assert _read(path, "census_families", "C_FAMMONO") == _selected(raw, TFN="1", **totals)
    assert _read(path, "census_families", "C_COUPAENF") == _selected(raw, TFN="22", **totals)
    assert _read(path, "census_families", "C_COUPSENF") == _selected(raw, TFN="21", **totals)
    assert {y for _, y in _read(path, "census_families", "C_FAM")} == {2012, 2017, 2023}
    # The code list read right: single parents, couples without and with children make every family.
    parts = [_selected(raw, TFN=code, **totals) for code in ("1", "21", "22")]
    for key, total in _selected(raw, TFN="_T", **totals).items():
        assert sum(p[key] for p in parts) == pytest.approx(total, abs=1e-3)


@pytest.mark.real
def test_activity_of_the_15_64_year_olds_and_no_womens_activity_where_the_file_has_none(real):
    path = real / EXTRACTS / "insee_emploi_sample.zip"
    raw = _raw(path)
    totals = {"AGE": "Y15T64", "EDUC": "_T", "RP_MEASURE": "POP"}
    assert _read(path, "census_employment", "P_POP1564") == _selected(raw, SEX="_T", EMPSTA_ENQ="_T", **totals)
    assert _read(path, "census_employment", "P_ACT1564") == _selected(raw, SEX="_T", EMPSTA_ENQ="1T2", **totals)
    assert _read(path, "census_employment", "P_CHOM1564") == _selected(raw, SEX="_T", EMPSTA_ENQ="2", **totals)
    assert _read(path, "census_employment", "P_F1564") == _selected(raw, SEX="F", EMPSTA_ENQ="_T", **totals)
    # The extract gives women only in all (EMPSTA_ENQ _T): their activity is absent, not made up.
    (communes,) = [t for t in read_file(path) if t.level == "commune"]
    assert "P_FACT1564" not in communes.data.columns
    assert _read(path, "census_employment", "P_POP1564")["33063", 2023] == pytest.approx(191928, abs=0.5)


@pytest.mark.real
def test_dwellings_by_occupancy(real):
    path = real / EXTRACTS / "insee_logement_sample.zip"
    raw = _raw(path)
    others = dict.fromkeys(("L_STAY", "TDW", "CARS", "CARPARK", "NOR", "TSH", "BUILD_END", "NRG_SRC"), "_T")
    totals = {**others, "RP_MEASURE": "DWELLINGS"}
    assert _read(path, "census_housing", "P_LOG") == _selected(raw, OCS="_T", **totals)
    assert _read(path, "census_housing", "P_LOGVAC") == _selected(raw, OCS="DW_VAC", **totals)


@pytest.mark.real
def test_an_explorer_export_with_decimal_commas_gives_marseille_as_its_arrondissements_sum(real):
    comma = read_file(real / EXPLORER / "DS_RP_POPULATION_PRINC.csv")
    point = read_file(real / EXPLORER / "DS_RP_POPULATION_PRINC2.csv")
    raw = pd.read_csv(real / EXPLORER / "DS_RP_POPULATION_PRINC2.csv", sep=";", dtype=str)
    raw["OBS_VALUE"] = pd.to_numeric(raw["OBS_VALUE"])
    (table,) = comma
    assert (table.dataset, table.level, table.vintage) == ("census_population", "commune", 2022)
    pd.testing.assert_frame_equal(table.data, point[0].data)
    marseille = table.data.set_index("period")
    for variable, (sex, age) in {"P_POP": ("_T", "_T"), "P_POPF": ("F", "_T"), "P_POP80P": ("_T", "Y_GE80")}.items():
        rows = raw.loc[raw["SEX"].eq(sex) & raw["AGE"].eq(age)]
        assert marseille[variable].to_dict() == pytest.approx(
            rows.groupby(rows["TIME_PERIOD"].astype(int))["OBS_VALUE"].sum().to_dict()
        )
    assert set(table.data["geo"]) == {"13055"}
    # No band of the under-3s in this table (its AGE codes have no Y_LT3): absent, never approximated.
    assert "P_POP0002" not in table.data.columns


@pytest.mark.real
def test_equipment_per_domain_and_a_melodi_table_no_dataset_uses_is_named(real):
    path = real / EXTRACTS / "insee_bpe_sample.zip"
    raw = _raw(path)
    totals = {"FACILITY_SDOM": "_T", "FACILITY_TYPE": "_T", "BPE_MEASURE": "FACILITIES"}
    assert _read(path, "equipment", "NB_EQUIP") == _selected(raw, FACILITY_DOM="_T", **totals)
    assert _read(path, "equipment", "NB_DOM_D") == _selected(raw, FACILITY_DOM="D", **totals)
    with pytest.raises(
        UnrecognisedFileError, match=r"table Melodi d'un jeu que ctg-analysis ne lit pas \(dimensions AGE, PCS"
    ):
        read_file(real / EXTRACTS / "insee_population_comp_sample.zip")


@pytest.mark.real
def test_an_equipment_a_commune_lacks_is_0_only_where_the_file_s_own_totals_say_so(real):
    # The BPE lists only what an area has. 01001: 22 facilities, its domains adding up to them, one in education
    # (C1: an école primaire C108), none in health (no D row): no crèche, no école maternelle. Bordeaux: an
    # extract cut its sub-domain rows (C 452, no C1 row): its schools are unknown, never 0.
    path = real / EXTRACTS / "insee_bpe_sample.zip"
    raw = _raw(path)
    abergement = raw.loc[raw["GEO"].eq("01001") & raw["GEO_OBJECT"].eq("COM")]
    domains = abergement.loc[abergement["FACILITY_SDOM"].eq("_T") & abergement["FACILITY_DOM"].ne("_T")]
    total = abergement.loc[abergement["FACILITY_DOM"].eq("_T"), "OBS_VALUE"].item()
    assert domains["OBS_VALUE"].sum() == total and "D" not in set(domains["FACILITY_DOM"])
    (communes,) = [t for t in read_file(path) if t.level == "commune"]
    values = communes.data.set_index("geo")
    assert values.loc["01001", "NB_C108"] == abergement.loc[abergement["FACILITY_TYPE"] == "C108", "OBS_VALUE"].item()
    assert values.loc["01001", "NB_DOM_D"] == 0
    assert pd.isna(values.loc["33063", "NB_C108"]) and pd.isna(values.loc["33281", "NB_C108"])
    # No area of the extract has a crèche row (cut): the type is absent, not 0 everywhere.
    assert "NB_D502" not in values.columns and not raw["FACILITY_TYPE"].eq("D502").any()


def _tables_by_level(folder: Path, name: str, text: str) -> dict:
    path = folder / name
    path.write_text(text)
    return {t.level: t for t in read_file(path)}


def test_reference_populations_in_the_melodi_layout(tmp_path):
    # DS_POPULATIONS_REFERENCE, with the values of INSEE's API answer for the Rhône (2023).
    tables = _tables_by_level(
        tmp_path,
        "DS_POPULATIONS_REFERENCE_data.csv",
        "GEO;GEO_OBJECT;POPREF_MEASURE;FREQ;OBS_STATUS;TIME_PERIOD;OBS_VALUE\n"
        "69;DEP;PMUN;A;A;2023;1914667\n69;DEP;PCAP;A;A;2023;25348\n69;DEP;PTOT;A;A;2023;1940015\n"
        "69123;COM;PMUN;A;A;2023;520774\n69123;COM;PTOT;A;A;2023;530000\n",
    )
    assert tables["departement"].data.iloc[0][["PMUN", "PCAP", "PTOT"]].tolist() == [1914667, 25348, 1940015]
    assert (tables["commune"].dataset, tables["commune"].cog_year) == ("legal_population", 2025)


def test_filosofi_in_the_melodi_layout(tmp_path):
    # DS_FILOSOFI_CC, the columns of the bulk file: MED_SL the median standard of living, PR_MD60 the poverty rate.
    tables = _tables_by_level(
        tmp_path,
        "DS_FILOSOFI_CC_data.csv",
        "GEO;GEO_OBJECT;FILOSOFI_MEASURE;UNIT_MEASURE;UNIT_MULT;CONF_STATUS;OBS_STATUS;TIME_PERIOD;OBS_VALUE\n"
        "95229;COM;MED_SL;EUR_YR;0;F;A;2021;25480\n95229;COM;PR_MD60;PT;0;F;A;2021;8.1\n"
        "95492;COM;MED_SL;EUR_YR;0;C;O;2021;\n95;DEP;MED_SL;EUR_YR;0;F;A;2021;23010\n",
    )
    communes = tables["commune"].data.set_index("geo")
    assert communes.loc["95229", ["Q2", "TP60"]].tolist() == [25480, 8.1]
    assert pd.isna(communes.loc["95492", "Q2"])  # confidential: missing, not zero
    assert tables["departement"].data["Q2"].tolist() == [23010]


@pytest.mark.real
def test_an_export_of_arrondissements_medians_alone_is_said_unused_not_summed(real):
    # Medians do not add up: Marseille's 11th and 12th arrondissements give no median for Marseille.
    with pytest.raises(UnrecognisedFileError, match="« Filosofi – revenus disponibles » reconnu, mais sans valeur"):
        read_file(real / EXPLORER / "DS_FILOSOFI_MEN_TP_NIVVIE.csv")
