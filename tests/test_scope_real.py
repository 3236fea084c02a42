"""Right on the real files: Paris, Lyon and Marseille from their arrondissements, one France, coverage
said, flags that survive the COG conversion, published values kept to their perimeter, re-established
communes, any subset of the sources. Expected values are read from the raw files with plain pandas.
Skipped when ../shared/data/real is absent."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import real_folder
from ctg_analysis.cli import main
from ctg_analysis.errors import CtgError
from ctg_analysis.indicators import compute_indicators, prepare
from ctg_analysis.sources.folder import scan_folder
from ctg_analysis.territories import load_territories

pytestmark = pytest.mark.real

LEGAL_2019 = "populations-legales/ensemble_RP2019_en_vigueur_2022.xlsx"
LEGAL_2022 = "populations-legales/ensemble_RP2022_en_vigueur_2025.xlsx"
COLLECTIVITIES = ("975", "977", "978", "984", "986", "987", "988", "989")


def _table(tmp_path, prepared, territories: dict[str, list[str]]):
    path = tmp_path / "territories.yaml"
    lines = ["territories:"] + [
        f"  - id: {tid}\n    communes: [{', '.join(repr(c) for c in communes)}]"
        for tid, communes in territories.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_territories(path, prepared.reference, prepared.movements)
    return compute_indicators(prepared, loaded)


def _legal(real, file):
    frame = pd.read_excel(real / file, sheet_name="Communes", skiprows=7, dtype=str, engine="calamine")
    frame = frame.loc[frame["Code région"].str.lower() != "null"]
    frame["code"] = frame["Code département"].str[:2] + frame["Code commune"].str.replace(
        r"\.0$", "", regex=True
    ).str.zfill(3)
    return frame.assign(pmun=frame["Population municipale"].astype(float), dep=frame["Code département"])


def _value(table, territory, level, geo, indicator, period):
    rows = table.query(
        "territory == @territory and level == @level and geo == @geo and indicator == @indicator and period == @period"
    )
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.fixture(scope="module")
def legal(real, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("legal")
    prepared = prepare(
        real_folder(tmp_path, real, [LEGAL_2019, LEGAL_2022]),
        indicators=["population_legale", "evol_population_legale"],
    )
    territories = {
        "paris": ["75056"],
        "lyon": ["69123"],
        "marseille": ["13055"],
        "commeny": ["95169"],
        "mayotte": ["97611", "95585"],
        "retablies": ["60694", "85165", "85212"],
    }
    return prepared, _table(tmp_path, prepared, territories)


def test_paris_lyon_marseille_are_the_sum_of_their_arrondissements(real, legal):
    _, table = legal
    raw = _legal(real, LEGAL_2022)
    for territory, commune, first, last in (
        ("paris", "75056", "75101", "75120"),
        ("lyon", "69123", "69381", "69389"),
        ("marseille", "13055", "13201", "13216"),
    ):
        arrondissements = raw.loc[raw["code"].between(first, last), "pmun"]
        assert len(arrondissements) in (20, 9, 16) and commune not in set(
            raw["code"]
        )  # the file lists only the arrondissements
        row = _value(table, territory, "territoire", territory, "population_legale", "2022")
        assert row["value"] == arrondissements.sum() and row["flags"] == ""


def test_metropolitan_epcis_include_their_central_city(real, legal):
    _, table = legal
    raw = _legal(real, LEGAL_2022)
    raw["commune"] = raw["code"].mask(raw["code"].between("75101", "75120"), "75056")
    composition = pd.read_excel(
        real / "epci-composition/EPCI_au_01-01-2024.xlsx",
        sheet_name="Composition_communale",
        skiprows=5,
        dtype=str,
        engine="calamine",
    )
    grand_paris = set(composition.loc[composition["EPCI"] == "200054781", "CODGEO"])
    row = _value(table, "paris", "epci", "200054781", "population_legale", "2022")
    assert "75056" in grand_paris and row["value"] == raw.loc[raw["commune"].isin(grand_paris), "pmun"].sum()


def test_one_france_for_both_vintages(real, legal):
    _, table = legal
    for file, period in ((LEGAL_2019, "2019"), (LEGAL_2022, "2022")):
        raw = _legal(real, file)
        in_france = raw.loc[~raw["dep"].isin(COLLECTIVITIES)]
        row = _value(table, "paris", "france", "FR", "population_legale", period)
        assert row["value"] == pytest.approx(in_france["pmun"].sum()) and "partial" not in row["flags"]
        assert row["geo_label"] == "France entière"
    raw_2022 = _legal(real, LEGAL_2022)
    assert raw_2022["dep"].isin(COLLECTIVITIES).any()  # the 2022 file lists collectivities, left out
    evolution = _value(table, "paris", "france", "FR", "evol_population_legale", "2019-2022")
    expected = (
        raw_2022.loc[~raw_2022["dep"].isin(COLLECTIVITIES), "pmun"].sum() / _legal(real, LEGAL_2019)["pmun"].sum() - 1
    )
    assert evolution["value"] == pytest.approx(expected * 100)


def test_overseas_collectivities_alone_make_no_france(real, tmp_path):
    folder = real_folder(tmp_path, real, ["insee-rp2016-iris-com-format-samples/base-ic-evol-struct-pop-2016-com.xls"])
    with pytest.raises(CtgError, match=r"collectivités d'outre-mer.*hors du champ"):
        prepare(folder, indicators=["population"])
    # Beside a file in France's scope, they add nothing to France.
    folder = real_folder(
        tmp_path,
        real,
        ["insee-rp2016-iris-com-format-samples/base-ic-evol-struct-pop-2016-com.xls", LEGAL_2022],
        "both",
    )
    prepared = prepare(folder, indicators=["population", "population_legale"])
    france = _table(tmp_path, prepared, {"ecouen": ["95205"]}).query("level == 'france' and indicator == 'population'")
    assert france["value"].isna().all() and france["flags"].str.contains("missing").all()


def test_merged_commune_is_summed_before_the_evolution(real, legal):
    _, table = legal
    raw_2019, raw_2022 = _legal(real, LEGAL_2019).set_index("code"), _legal(real, LEGAL_2022).set_index("code")
    before = raw_2019.loc[["95169", "95282"], "pmun"].sum()  # Commeny and Gouzangrez, merged on 2024-01-01
    assert _value(table, "commeny", "territoire", "commeny", "population_legale", "2019")["value"] == before
    evolution = _value(table, "commeny", "territoire", "commeny", "evol_population_legale", "2019-2022")
    assert evolution["value"] == pytest.approx((raw_2022.loc["95169", "pmun"] / before - 1) * 100)
    assert "cog_mismatch" not in evolution["flags"]


def test_a_commune_absent_from_the_source_makes_the_total_partial(real, legal):
    _, table = legal
    raw = _legal(real, LEGAL_2022).set_index("code")
    assert "97611" not in raw.index  # Mamoudzou: Mayotte is not in the populations légales
    row = _value(table, "mayotte", "territoire", "mayotte", "population_legale", "2022")
    assert row["value"] == raw.loc["95585", "pmun"] and "partial" in row["flags"] and row["coverage_communes"] == 0.5
    commune = _value(table, "mayotte", "commune", "97611", "population_legale", "2022")
    assert pd.isna(commune["value"]) and "missing" in commune["flags"]


def test_re_established_communes_are_declared_and_their_past_estimated(real, legal):
    _, table = legal
    raw = _legal(real, LEGAL_2022).set_index("code")
    for code in ("60694", "85165", "85212"):
        assert (
            _value(table, "retablies", "commune", code, "population_legale", "2022")["value"] == raw.loc[code, "pmun"]
        )
        past = _value(table, "retablies", "commune", code, "population_legale", "2019")
        assert "estimated" in past["flags"] and past["value"] > 0
    # The parts of a split commune stay in their département: its total is exact.
    assert "estimated" not in _value(table, "retablies", "departement", "60", "population_legale", "2019")["flags"]


def test_partial_survives_the_cog_conversion(real, tmp_path):
    folder = real_folder(tmp_path, real, ["caf-iris-2016-2020/data_CAF_2017_IRIS.csv", LEGAL_2022])
    prepared = prepare(folder, indicators=["allocataires"])
    assert prepared.cog_year == 2024  # CNAF 2017 (COG 2017) brought to the geography of 2024
    raw = pd.read_csv(real / "caf-iris-2016-2020/data_CAF_2017_IRIS.csv", sep=";", dtype=str, encoding="utf-8-sig")
    raw["commune"] = raw["CODGEO"].str[:5]
    blanks = raw.loc[raw["A"].isna()].groupby("commune").size()
    known = raw.loc[raw["A"].notna()].groupby("commune").size()
    secret = sorted(set(blanks.index) & set(known.index) & {"95585", "95268", "95680"})
    assert secret, "Sarcelles, Garges or Villiers-le-Bel have a secret IRIS in 2017"
    table = _table(tmp_path, prepared, {"t": secret})
    for code in secret:
        row = _value(table, "t", "commune", code, "allocataires", "2017")
        expected = (
            raw.loc[raw["commune"] == code, "A"]
            .dropna()
            .str.replace("\u202f", "")
            .str.replace(" ", "")
            .astype(float)
            .sum()
        )
        assert row["value"] == expected and "secret_iris" in row["flags"]


@pytest.fixture(scope="module")
def filosofi(real, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("filosofi")
    files = [
        f"filosofi-2014-2019/revenu_{level}/FILO{year}_DISP_{suffix}.csv"
        for year in (2018, 2019)
        for level, suffix in (("commune", "COM"), ("epci", "EPCI"))
    ]
    prepared = prepare(real_folder(tmp_path, real, [*files, LEGAL_2022]), indicators=["revenu_median"])
    territories = {
        "commeny": ["95169"],
        "ecouen": ["95205"],
        "vexin": ["95040"],
        "changed": ["18159"],
        "pair": ["95205", "95395"],
    }
    return prepared, _table(tmp_path, prepared, territories)


def _filosofi(real, level, year):
    suffix = {"commune": "COM", "epci": "EPCI"}[level]
    frame = pd.read_csv(
        real / f"filosofi-2014-2019/revenu_{level}/FILO{year}_DISP_{suffix}.csv",
        sep=";",
        dtype=str,
        encoding="utf-8-sig",
    )
    return frame.set_index("CODGEO")[f"Q2{year % 100}"].str.replace(",", ".").astype(float)


def test_published_values_keep_their_perimeter(real, filosofi):
    prepared, table = filosofi
    assert prepared.cog_year == 2024  # Filosofi 2019 is in the geography of 2020
    # A commune merged since the publication: its median was Commeny alone's.
    for territory, level, geo in (("commeny", "commune", "95169"), ("commeny", "territoire", "commeny")):
        row = _value(table, territory, level, geo, "revenu_median", "2019")
        assert pd.isna(row["value"]) and "perimeter" in row["flags"]
    # An unchanged commune keeps it, every vintage of the series.
    for year in (2018, 2019):
        assert (
            _value(table, "ecouen", "territoire", "ecouen", "revenu_median", str(year))["value"]
            == _filosofi(real, "commune", year)["95205"]
        )
    # An EPCI whose composition changed between 2020 and 2024, with no commune movement involved.
    composition_2020 = (
        pd.read_csv(real / "epci-2020/EPCI_2020.csv", sep=";", dtype=str, encoding="utf-8-sig")
        .groupby("EPCI")["CODGEO"]
        .agg(frozenset)
    )
    composition_2024 = pd.read_excel(
        real / "epci-composition/EPCI_au_01-01-2024.xlsx",
        sheet_name="Composition_communale",
        skiprows=5,
        dtype=str,
        engine="calamine",
    )
    composition_2024 = composition_2024.groupby("EPCI")["CODGEO"].agg(frozenset)
    epci = composition_2024.index[composition_2024.map(lambda c: "18159" in c)][0]
    assert composition_2020[epci] != composition_2024[epci]
    row = _value(table, "changed", "epci", epci, "revenu_median", "2019")
    assert pd.isna(row["value"]) and "perimeter" in row["flags"]
    # Vexin Centre lost Gouzangrez to Commeny inside it: same perimeter, the median stands.
    assert (
        _value(table, "vexin", "epci", "200035970", "revenu_median", "2019")["value"]
        == _filosofi(real, "epci", 2019)["200035970"]
    )
    # Two communes are not a published unit.
    assert "unavailable" in _value(table, "pair", "territoire", "pair", "revenu_median", "2019")["flags"]


def test_every_indicator_has_a_row_everywhere(filosofi):
    _, table = filosofi
    # Asked only for the median, with no CNAF file: the other indicators are not asked; the median is
    # there for every unit of every ladder, a value or a flag.
    units = table[["territory", "level", "geo"]].drop_duplicates()
    assert (table.groupby(["territory", "level", "geo"], observed=True)["indicator"].nunique() == 1).all() and len(
        units
    ) > 10


def test_folders_with_one_source(real, tmp_path):
    only_caf = real_folder(tmp_path, real, ["caf-iris-2016-2020/data_CAF_2020_IRIS.csv"], "caf")
    prepared = prepare(only_caf, indicators=["allocataires"])
    table = _table(tmp_path, prepared, {"seed": ["95205", "95395", "95509", "95094", "95492"]})
    seed = _value(table, "seed", "territoire", "seed", "allocataires", "2020")  # none of its communes has IRIS
    assert pd.isna(seed["value"]) and "missing" in seed["flags"] and seed["coverage_communes"] == 0
    only_filosofi = real_folder(tmp_path, real, ["filosofi-2014-2019/revenu_commune/FILO2019_DISP_COM.csv"], "filosofi")
    prepared = prepare(only_filosofi, indicators=["revenu_median"])
    path = tmp_path / "by-name.yaml"
    path.write_text(
        "territories:\n  - id: p\n    communes: [{name: Le Plessis-Gassot, departement: '95'}]\n", encoding="utf-8"
    )
    territories = load_territories(path, prepared.reference, prepared.movements)
    assert territories.get("p").communes == ("95492",)  # resolved though Filosofi does not publish it
    row = compute_indicators(prepared, territories).query("level == 'territoire'").iloc[0]
    assert pd.isna(row["value"]) and "95492" not in _filosofi(real, "commune", 2019).dropna().index


def test_a_broken_official_file_stops_every_command_unless_skipped(real, tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "ensemble.xlsx").symlink_to(real / LEGAL_2022)
    (folder / "FILO2019_DISP_COM.csv").write_text("CODGEO;LIBGEO;Q219\n", encoding="utf-8")  # header only
    (folder / "base-cc-evol-struct-pop-2019.csv").write_bytes(b"")  # empty
    args = ["indicators", "--data", str(folder), "--territories", str(tmp_path / "t.yaml")]
    (tmp_path / "t.yaml").write_text("territories:\n  - id: t\n    communes: ['95205']\n", encoding="utf-8")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        "FILO2019_DISP_COM.csv : aucune ligne de données" in result.output
        and "base-cc-evol-struct-pop-2019.csv : le fichier est vide" in result.output
    )
    assert "--skip-bad-files" in result.output
    check = CliRunner().invoke(main, ["data", "check", str(folder)])
    assert check.exit_code == 2 and "- FILO2019_DISP_COM.csv (bloquant)" in check.output
    skipped = CliRunner().invoke(main, [*args, "--skip-bad-files"])
    assert skipped.exit_code == 0, skipped.output
    prepared = prepare(scan_folder(folder, cache_dir=False, progress=False), skip_bad_files=True)
    assert sorted(p.path for p in prepared.left_out) == ["FILO2019_DISP_COM.csv", "base-cc-evol-struct-pop-2019.csv"]


def test_only_the_territories_asked_for_must_be_valid(real, tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "ensemble.xlsx").symlink_to(real / LEGAL_2022)
    territories = tmp_path / "t.yaml"
    territories.write_text(
        "territories:\n  - id: good\n    communes: ['95205']\n  - id: bad\n    communes: ['95901']\n", encoding="utf-8"
    )
    args = ["indicators", "--data", str(folder), "--territories", str(territories)]
    good = CliRunner().invoke(main, [*args, "--territory", "good"])
    assert good.exit_code == 0 and "territoire 'bad' écarté" in good.output
    bad = CliRunner().invoke(main, [*args, "--territory", "bad"])
    assert bad.exit_code == 2 and "territoire 'bad' invalide" in bad.output and "95901" in bad.output


def test_a_published_median_belongs_to_its_perimeter_through_every_code_change(real, tmp_path):
    # Issue 33, point 8, on INSEE's files: the 2014 medians of Ivry-en-Montagne (Val-Mont 21327 since 2016) and Le
    # Périer (Chantepérier 38073 since 2019) were shown as their merged commune's, the file lacking the partner
    # whose code the merger kept (too few households); Les Trois Lacs 27676 (merged in 2017, renumbered 27058 in
    # 2021 and back in 2023) was withheld in 2016-2019 although its perimeter never changed since.
    files = [f"filosofi-2014-2019/revenu_commune/FILO{y}_DISP_COM.csv" for y in (2014, 2016, 2019)]
    folder = real_folder(tmp_path, real, [*files, LEGAL_2022])
    prepared = prepare(folder, indicators=["revenu_median"])
    assert prepared.cog_year == 2024
    table = _table(tmp_path, prepared, {"t": ["21327", "38073", "27676"]})

    def raw(year):
        path = real / f"filosofi-2014-2019/revenu_commune/FILO{year}_DISP_COM.csv"
        frame = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig").set_index("CODGEO")
        return frame[f"Q2{year % 100}"].str.replace(",", ".").astype(float)

    medians = {year: raw(year) for year in (2014, 2016, 2019)}
    # The merged communes' partners are in the 2014 file, the codes the mergers kept are not.
    assert {"21318", "38302"} <= set(medians[2014].dropna().index) and not {"21327", "38073"} & set(medians[2014].index)
    for code in ("21327", "38073"):
        row = _value(table, "t", "commune", code, "revenu_median", "2014")
        assert math.isnan(row["value"]) and "perimeter" in row["flags"]
    for year in (2016, 2019):
        row = _value(table, "t", "commune", "27676", "revenu_median", str(year))
        assert row["value"] == medians[year]["27676"] and "perimeter" not in row["flags"]
    assert "perimeter" in _value(table, "t", "commune", "27676", "revenu_median", "2014")["flags"]  # merged in 2017
