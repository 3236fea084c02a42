"""The CNAF's own open data as data.caf.fr exports it: allocataires by benefit (``s_ben_*``) and the childcare
supply (``txcouv_pe_*``, ``nbpla_pe_*``). Expected values come from the raw files read with plain pandas (or
json), never from the readers under test."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from ctg_analysis.cli import main
from ctg_analysis.errors import SourceFileError
from ctg_analysis.formatting import format_number
from ctg_analysis.sources.registry import read_file

BENEFITS = Path("cnaf-s-ben-com-f-extract-2020-2024") / "cnaf_s_ben_com_sample.csv"
CHILDCARE = Path("cnaf-accueil-jeune-enfant-api-samples-2023")


def _raw_benefits(real: Path) -> pd.DataFrame:
    return pd.read_csv(real / BENEFITS, sep=";", dtype={"numcomdo": str}, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def benefits(real):
    (table,) = read_file(real / BENEFITS)
    return table


@pytest.mark.real
def test_a_commune_s_rsa_and_prime_d_activite_households_every_december(real, benefits):
    raw = _raw_benefits(real)
    bordeaux = raw.loc[raw["numcomdo"] == "33063"].assign(period=lambda f: f["dtreffre"].str[:4].astype(int))
    ours = benefits.data.loc[benefits.data["geo"] == "33063"].set_index("period").sort_index()
    assert ours["ARSAS"].to_dict() == bordeaux.set_index("period")["indfoy_rsa"].sort_index().astype(float).to_dict()
    assert ours["APPA"].to_dict() == bordeaux.set_index("period")["indfoy_ppa"].sort_index().astype(float).to_dict()
    assert ours.loc[2024, ["ARSAS", "APPA", "MTT_RSA"]].tolist() == [9260, 26745, 4996200]  # SOURCE.md, re-read
    assert (benefits.dataset, benefits.level, benefits.vintage) == ("caf", "commune", 2024)
    assert benefits.source == "CNAF, data.caf.fr, allocataires par prestation (décembre 2020-2024)"


@pytest.mark.real
def test_paris_is_the_sum_of_its_arrondissements_and_a_corsican_code_stays_a_code(real, benefits):
    raw = _raw_benefits(real)
    arrondissements = raw.loc[raw["numcomdo"].str.startswith("751", na=False)]
    expected = arrondissements.groupby(arrondissements["dtreffre"].str[:4].astype(int))["indfoy_rsa"].sum()
    paris = benefits.data.loc[benefits.data["geo"] == "75056"].set_index("period")["ARSAS"]
    assert paris.loc[[2020, 2024]].tolist() == expected.loc[[2020, 2024]].astype(float).tolist()
    assert not benefits.data["geo"].str.startswith("751").any()  # once, as Paris
    assert benefits.data.loc[benefits.data["geo"] == "2A004", "period"].nunique() == 5


@pytest.mark.real
def test_households_the_caf_could_not_place_are_counted_and_said_never_spread(real, benefits, tmp_path):
    raw = _raw_benefits(real)
    unplaced = raw.loc[raw["numcomdo"].isna()]
    assert len(unplaced) == 5
    (note,) = benefits.notes
    assert note.startswith("5 lignes sans code commune (foyers que la CAF n'a pu situer) écartées, jamais réparties")
    for _, row in unplaced.iterrows():  # each year's count, as the file gives it
        assert f"{row['dtreffre'][:4]} : {row['indfoy_rsa']:,} foyers au RSA".replace(",", "\u202f") in note
    # Never spread: the communes' sum is the file's placed rows only.
    placed = raw.loc[raw["numcomdo"].notna() & raw["dtreffre"].eq("2024-12"), "indfoy_rsa"].sum()
    assert benefits.data.loc[benefits.data["period"] == 2024, "ARSAS"].sum() == placed
    # Said by `ctg data check`, the file read or found in the cache.
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "s_ben_com_f.csv").symlink_to(real / BENEFITS)
    for _ in range(2):
        result = CliRunner().invoke(main, ["data", "check", str(tmp_path / "data")])
        assert result.exit_code == 0, result.output
        assert f"Ce que disent les fichiers :\n  - s_ben_com_f.csv : {note}" in result.output


def _export(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_month_other_than_december_a_negative_count_and_a_bad_code_are_named_errors(tmp_path):
    header = "dtreffre;numcomdo;nomcom;indfoy_rsa;indmtt_rsa\n"
    june = _export(
        tmp_path, "juin.csv", header + "2024-12;33063;BORDEAUX;9260;4996200\n2024-06;33063;BORDEAUX;9100;1\n"
    )
    with pytest.raises(SourceFileError, match=r"colonne dtreffre, ligne 3 : « 2024-06 » ; attendu le mois de décembre"):
        read_file(june)
    negative = _export(tmp_path, "negatif.csv", header + "2024-12;33063;BORDEAUX;-5;4996200\n")
    with pytest.raises(SourceFileError, match="indfoy_rsa"):
        read_file(negative)
    result = CliRunner().invoke(main, ["data", "check", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_comma_separated_re_save_reads_the_same_values(tmp_path):
    rows = "dtreffre;numcomdo;nomcom;indfoy_rsa;indfoy_ppa\n2024-12;2A004;AJACCIO;1925;4675\n2024-12;;;6675;3335\n"
    (semicolons,) = read_file(_export(tmp_path, "a.csv", rows))
    (commas,) = read_file(_export(tmp_path, "b.csv", rows.replace(";", ",")))
    assert commas.data.equals(semicolons.data)
    assert semicolons.data[["geo", "ARSAS", "APPA"]].values.tolist() == [["2A004", 1925.0, 4675.0]]


def _childcare_exports(real: Path, folder: Path) -> dict[str, dict]:
    """The real API rows written back as the portal's CSV exports (``;``, field ids), one file per dataset."""
    folder.mkdir(exist_ok=True)
    rows = {}
    for scale in ("com", "epci", "dep"):
        sample = json.loads((real / CHILDCARE / f"cnaf-petite-enfance-{scale}-sample.json").read_text())
        for kind in ("txcouv", "nbpla"):
            pd.DataFrame(sample[kind]).to_csv(folder / f"{kind}_pe_{scale}.csv", sep=";", index=False)
            rows[f"{kind}_{scale}"] = sample[kind]
    national = json.loads((real / CHILDCARE / "cnaf-petite-enfance-nat-sample.json").read_text())
    pd.DataFrame(national).to_csv(folder / "txcouv_pe_nat.csv", sep=";", index=False)
    rows["txcouv_nat"] = national
    return rows


@pytest.mark.real
def test_the_childcare_exports_give_each_level_s_published_rates_and_places(real, tmp_path):
    rows = _childcare_exports(real, tmp_path / "data")
    tables = {path.stem: read_file(path)[0] for path in (tmp_path / "data").iterdir()}
    assert {t.level for t in tables.values()} == {"commune", "epci", "departement", "france"}
    assert {t.dataset for t in tables.values()} == {"childcare"}
    epci = tables["txcouv_pe_epci"].data.set_index("geo")
    for row in rows["txcouv_epci"]:
        if row["numepci"] != "XX":
            assert epci.loc[row["numepci"], "TXCOUV"] == row["txcouv_epci"]
            assert epci.loc[row["numepci"], "TXCOUV_AM_IND"] == row["txcouv_am_ind_epci"]
    assert "XX" not in epci.index  # the placeholder, said
    assert tables["txcouv_pe_epci"].notes == ("1 ligne « XX » écartée (communes sans EPCI, valeurs hors d'échelle)",)
    communes = tables["txcouv_pe_com"].data.set_index("geo")
    assert communes.loc["92033", "TXCOUV"] == 111.0  # Garches: above 100, legitimate
    assert "13055" not in communes.index and "13201" not in communes.index  # a district's rate is not the city's
    places = tables["nbpla_pe_com"].data.set_index("geo")
    marseille_1 = next(r for r in rows["nbpla_com"] if r["numcom"] == "13201")
    assert places.loc["13055", "TOT_OFFRE"] == marseille_1["tot_offre_com"]  # places add up
    france = tables["txcouv_pe_nat"].data.set_index("period")["TXCOUV"]
    assert (
        france.to_dict() == {int(r["annee"]): r["txcouv_nat"] for r in rows["txcouv_nat"]} == {2022: 59.5, 2023: 60.9}
    )
    assert tables["txcouv_pe_nat"].notes == ("valeurs nationales de la CNAF : France entière hors Mayotte",)
    assert tables["txcouv_pe_epci"].source == (
        "CNAF, data.caf.fr, accueil du jeune enfant 2023 (valeur nationale hors Mayotte)"
    )
    departements = tables["nbpla_pe_dep"].data.set_index("geo")
    assert departements.loc["2A", "PL_EAJE"] == next(r["pl_eaje_dep"] for r in rows["nbpla_dep"] if r["numdep"] == "2A")


def test_a_negative_rate_is_refused_and_a_rate_above_100_is_not(tmp_path):
    header = "annee;numcom;nomcom;txcouv_eaje_com;txcouv_com\n"
    assert read_file(_export(tmp_path, "a.csv", header + "2023;92033;GARCHES;82.1;111.0\n"))
    with pytest.raises(SourceFileError, match=r"colonne txcouv_com, ligne de données 1 : valeur '-3' négative"):
        read_file(_export(tmp_path, "b.csv", header + "2023;92033;GARCHES;82.1;-3\n"))
    with pytest.raises(SourceFileError, match=r"colonne annee, ligne 2 : « vingt » ; attendu une année"):
        read_file(_export(tmp_path, "c.csv", header + "vingt;92033;GARCHES;82.1;111.0\n"))


@pytest.mark.real
def test_a_territory_that_is_an_epci_gets_its_published_coverage_and_a_grouping_does_not(real, tmp_path):
    from conftest import real_folder
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    _childcare_exports(real, tmp_path / "cnaf")
    composition = pd.read_excel(
        real / "epci-composition" / "EPCI_au_01-01-2024.xlsx",
        sheet_name="Composition_communale",
        skiprows=5,
        dtype=str,
        engine="calamine",
    )
    vichy = sorted(composition.loc[composition["EPCI"] == "200071363", "CODGEO"])
    files = ["epci-composition/EPCI_au_01-01-2024.xlsx", "populations-legales/ensemble_RP2022_en_vigueur_2025.xlsx"]
    folder = real_folder(tmp_path, real, files)
    for path in (tmp_path / "cnaf").iterdir():
        (folder.root / path.name).symlink_to(path)
    from ctg_analysis.sources.folder import scan_folder

    folder = scan_folder(folder.root, cache_dir=False, progress=False)
    prepared = prepare(folder, indicators=["taux_couverture_accueil", "places_accueil"], progress=False)
    path = tmp_path / "territories.yaml"
    listed = ", ".join(f'"{c}"' for c in vichy)
    path.write_text(
        "territories:\n"
        f"  - id: vichy\n    label: Vichy Communauté\n    communes: [{listed}]\n"
        f"  - id: moitie\n    label: Une partie\n    communes: [{listed.split(', ')[0]}, {listed.split(', ')[1]}]\n"
    )
    table = compute_indicators(prepared, load_territories(path, prepared.reference, prepared.movements))
    own = table.loc[(table["level"] == "territoire") & (table["period"].astype(str) == "2023")]
    rate = own.loc[own["indicator"] == "taux_couverture_accueil"].set_index("territory")
    assert rate.loc["vichy", "value"] == 64.4
    assert pd.isna(rate.loc["moitie", "value"]) and "unavailable" in rate.loc["moitie", "flags"]


def test_a_year_the_source_gives_no_commune_a_variable_in_is_no_year_of_its_indicator(demo_folder):
    # The demo's CNAF files: by IRIS in 2016 and 2020 (children under 3 among them), per commune in December 2021
    # (data.caf.fr's export, which has no children by age). 2021 is no year of the children's count, a year of the
    # allocataires'.
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    prepared = prepare(demo_folder, indicators=["enfants_caf_0_2", "allocataires"], progress=False)
    territories = load_territories(demo_folder.root / "territories.yaml", prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories, territory_ids=["ctg-ecouen"])
    own = table.loc[table["level"] == "territoire"]
    periods = own.groupby("indicator")["period"].apply(lambda p: sorted(p.astype(str)))
    assert periods["enfants_caf_0_2"] == ["2016", "2020"]
    assert periods["allocataires"] == ["2016", "2020", "2021"]


def test_a_published_rate_the_grouping_has_none_of_is_drawn_with_its_epci_s_and_departement_s(demo_folder, tmp_path):
    from ctg_analysis.charts.export import chart_plan, export_charts
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    prepared = prepare(demo_folder, indicators=["taux_couverture_accueil"], progress=False)
    territories = load_territories(demo_folder.root / "territories.yaml", prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories, territory_ids=["ctg-ecouen"])
    plan = tuple(spec for spec in chart_plan() if spec.name == "taux_couverture_accueil")
    (chart,) = export_charts(table, "ctg-ecouen", tmp_path, formats=("svg",), plan=plan)
    svg = chart.files[0].read_text(encoding="utf-8")
    raw = pd.read_csv(demo_folder.root / "caf" / "txcouv_pe_epci.csv", sep=";", dtype={"numepci": str})
    epci = raw.loc[(raw["numepci"] == "200055655") & (raw["annee"] == raw["annee"].max()), "txcouv_epci"].item()
    assert f"{epci:.1f} %".replace(".", ",") in svg.replace("\u00a0", " ")
    # The territory's bar says why; its communes, none published, have no bar (named once, in the subtitle).
    assert "non publié" in svg and "Ensemble du territoire" in svg and svg.count("Bouqueval") == 1


def test_the_sentence_of_a_rate_a_grouping_has_none_of_gives_its_epci_s_and_departement_s(demo_folder):
    from ctg_analysis.commentary import describe
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    prepared = prepare(demo_folder, indicators=["taux_couverture_accueil"], progress=False)
    territories = load_territories(demo_folder.root / "territories.yaml", prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories, territory_ids=["ctg-ecouen"])
    raw = {
        scale: pd.read_csv(demo_folder.root / "caf" / f"txcouv_pe_{scale}.csv", sep=";", dtype=str)
        for scale in ("epci", "dep")
    }
    epci = raw["epci"].loc[(raw["epci"]["numepci"] == "200055655") & (raw["epci"]["annee"] == "2021"), "txcouv_epci"]
    dep = raw["dep"].loc[(raw["dep"]["numdep"] == "95") & (raw["dep"]["annee"] == "2021"), "txcouv_dep"]
    sentence = describe(table, "ctg-ecouen", "taux_couverture_accueil")
    assert sentence.text == (
        "Le taux de couverture de l'accueil du jeune enfant du territoire : valeur non publiée par la CNAF pour un "
        f"regroupement de communes ; elle est de {epci.item().replace('.', ',')}\u00a0% dans l'EPCI CA Roissy Pays "
        f"de France et de {dep.item().replace('.', ',')}\u00a0% dans le département du Val-d'Oise en 2021."
    )
    assert sentence.caveats == ()  # the sentence says it: no « non additif » caveat besides


def test_a_value_summing_the_cnaf_s_rounded_counts_says_so_in_words_and_is_not_greyed(demo_folder):
    from ctg_analysis.commentary import describe
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.indicators.display import is_fragile, wide_view
    from ctg_analysis.territories import load_territories

    prepared = prepare(demo_folder, indicators=["allocataires_rsa", "part_allocataires_rsa"], progress=False)
    territories = load_territories(demo_folder.root / "territories.yaml", prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories, territory_ids=["ctg-ecouen"])
    own = table.loc[(table["level"] == "territoire") & (table["indicator"] == "allocataires_rsa")]
    flags = own.set_index("period")["flags"]
    assert "rounded" in flags["2021"] and "rounded" not in flags["2020"]  # data.caf.fr's export, not the IRIS file
    # Σ of the rounded counts, as the raw file gives them.
    raw = pd.read_csv(demo_folder.root / "caf" / "s_ben_com_f.csv", sep=";", dtype=str, encoding="utf-8-sig")
    seed = ["95205", "95395", "95509", "95094", "95492"]
    assert (
        own.set_index("period").loc["2021", "value"]
        == raw.loc[raw["numcomdo"].isin(seed), "indfoy_rsa"].astype(int).sum()
    )
    assert not is_fragile(flags).loc["2021"]
    caption = wide_view(table, "ctg-ecouen", theme="accès aux droits-précarité").to_html()
    assert "Effectifs arrondis à 5 par la CNAF (montants à 100 €)" in caption
    sentence = describe(table, "ctg-ecouen", "part_allocataires_rsa")
    assert sentence.caveats == ("Effectifs arrondis à 5 par la CNAF : à lire comme des ordres de grandeur.",)


@pytest.mark.real
def test_the_real_coverage_of_a_commune_at_two_years_written_back_in_the_official_layout(real, tmp_path):
    # The 1 061 communes' real values, whose columns a third party renamed, put back under data.caf.fr's field
    # ids (txcouv_pe_com, with its other columns as the portal exports them: EPCI and département beside).
    source = real / "cnaf-accueil-jeune-enfant-communes-2017-2022" / "tx_couverture.csv"
    raw = pd.read_csv(source, dtype={"numero_commune": str, "numero_epci": str, "numero_departement": str})
    official = raw.rename(
        columns={
            "date_reference": "annee",
            "numero_commune": "numcom",
            "nom_commune": "nomcom",
            "numero_epci": "numepci",
            "nom_epci": "nomepci",
            "numero_departement": "numdep",
            "nom_departement": "nomdep",
            "taux_de_couv_eaje_psu": "txcouv_psu_col_com",
            "taux_de_couv_hors_eaje_psu": "txcouv_hors_psu_col_com",
            "taux_de_couv_eaje_ensemble": "txcouv_eaje_com",
            "taux_de_couv_prescolarisation": "txcouv_prescol_com",
            "taux_de_couv_assistante_maternelle": "txcouv_am_ind_com",
            "taux_de_couv_salariee_a_domicile": "txcouv_gad_ind_com",
            "taux_de_couv_accueil_individuel_ensemble": "txcouv_ind_com",
            "taux_de_couv_global": "txcouv_com",
        }
    )
    path = tmp_path / "txcouv_pe_com.csv"
    official.to_csv(path, sep=";", index=False)
    (table,) = read_file(path)
    assert (table.dataset, table.level) == ("childcare", "commune")
    ours = table.data.set_index(["geo", "period"])["TXCOUV"]
    commune = raw.loc[raw["numero_commune"] == "95680"].set_index("date_reference")["taux_de_couv_global"]
    assert len(commune) >= 2  # Villiers-le-Bel, every year of the file
    for year in (commune.index.min(), commune.index.max()):
        assert ours.loc[("95680", int(year))] == commune.loc[year]
    # Paris, Lyon and Marseille are published by district only: a district's rate is not its city's, and the
    # other communes are all kept.
    districts = raw["numero_commune"].str.match(r"^(751(0[1-9]|1\d|20)|6938\d|132(0[1-9]|1[0-6]))$")
    assert int(districts.sum()) == (20 + 9 + 16) * 6  # their districts, 2017 to 2022
    assert len(table.data) == len(raw) - int(districts.sum())
    assert not table.data["geo"].isin(["75056", "69123", "13055"]).any()


@pytest.mark.real
def test_where_the_iris_file_and_the_commune_file_give_one_december_the_commune_file_wins_and_it_is_said(
    real, benefits, tmp_path, caplog
):
    import logging

    from conftest import real_folder
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    folder = real_folder(
        tmp_path,
        real,
        [
            "caf-iris-2016-2020/data_CAF_2020_IRIS.csv",
            str(BENEFITS),
            "populations-legales/ensemble_RP2022_en_vigueur_2025.xlsx",
        ],
    )
    (said,) = folder.providers().itertuples(index=False)
    assert (said[1], said[2], said[3]) == (
        2020,
        BENEFITS.as_posix().replace("/", "__"),
        "caf-iris-2016-2020__data_CAF_2020_IRIS.csv",
    )
    with caplog.at_level(logging.WARNING):
        prepared = prepare(folder, indicators=["allocataires_rsa"], progress=False)
    assert any(" de ARSAS différente" in r.getMessage() for r in caplog.records)
    path = tmp_path / "territories.yaml"
    path.write_text('territories:\n  - id: ajaccio\n    label: Ajaccio\n    communes: ["2A004"]\n')
    table = compute_indicators(prepared, load_territories(path, prepared.reference, prepared.movements))
    own = table.loc[(table["level"] == "territoire") & (table["period"] == "2020"), "value"].item()
    raw = _raw_benefits(real)
    assert own == raw.loc[(raw["numcomdo"] == "2A004") & (raw["dtreffre"] == "2020-12"), "indfoy_rsa"].item()
    iris = pd.read_csv(real / "caf-iris-2016-2020" / "data_CAF_2020_IRIS.csv", sep=";", dtype=str)
    assert own != pd.to_numeric(iris.loc[iris["CODGEO"].str.startswith("2A004"), "ARSAS"]).sum()  # they differ


def test_a_monthly_departement_file_gives_its_decembers_and_its_disability_benefits_where_published(tmp_path):
    # s_ben_dep is monthly (2016 on): December is read, the other months said; its AAH and AEEH, which no commune
    # or EPCI file has, also feed the values published by département. Exact counts: not flagged as rounded.
    text = (
        "dtreffre;numdep;nomdep;indfoy_ndur;indfoy_rsa;indfoy_aah;indben_aah;indfoy_aeeh;indben_aeeh\n"
        "2024-11;95;VAL D OISE;200100;30000;12000;13000;4000;6000\n"
        "2024-12;95;VAL D OISE;200758;30500;12100;13100;4050;6100\n"
        "2023-12;95;VAL D OISE;199000;30100;11900;12950;3900;5900\n"
        "2024-12;2A;CORSE DU SUD;30100;2100;1900;2050;310;405\n"
    )
    path = _export(tmp_path, "s_ben_dep.csv", text)
    raw = pd.read_csv(path, sep=";", dtype={"numdep": str})
    december = raw.loc[raw["dtreffre"].str.endswith("-12")].assign(period=lambda f: f["dtreffre"].str[:4].astype(int))
    allocataires, published = read_file(path)
    assert (allocataires.dataset, allocataires.level, published.dataset, published.level) == (
        "caf",
        "departement",
        "caf_departements",
        "departement",
    )
    assert allocataires.notes == ("1 ligne d'un autre mois que décembre non lue (indicateurs au 31 décembre)",)
    ours = published.data.set_index(["geo", "period"]).sort_index()
    expected = december.set_index(["numdep", "period"]).sort_index()
    assert ours["AAAH"].tolist() == expected["indfoy_aah"].astype(float).tolist()
    assert ours["BEN_AEEH"].tolist() == expected["indben_aeeh"].astype(float).tolist()
    assert not allocataires.data["rounded"].any()
    # A month the commune file should not have stays refused there (issue's files: December only).
    with pytest.raises(SourceFileError, match="attendu un mois"):
        read_file(_export(tmp_path, "dep_bad.csv", text.replace("2024-11", "2024-XI")))


def test_the_national_file_gives_france_s_disability_benefits(tmp_path):
    text = "dtreffre;indfoy_ndur;indfoy_aah;indben_aah\n2024-12-01;13500000;1200000;1300000\n2024-06-01;1;1;1\n"
    (national,) = read_file(_export(tmp_path, "s_ben_nat.csv", text))
    assert (national.dataset, national.level, national.data["geo"].tolist()) == ("caf_departements", "france", ["FR"])
    assert national.data[["AAAH", "BEN_AAH"]].values.tolist() == [[1200000.0, 1300000.0]]
    assert national.notes == ("1 ligne d'un autre mois que décembre non lue (indicateurs au 31 décembre)",)


def test_a_benefit_published_by_departement_only_is_its_departement_s_beside_the_territory(demo_folder):
    from ctg_analysis.commentary import describe
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    prepared = prepare(demo_folder, indicators=["allocataires_aah", "allocataires_cmg"], progress=False)
    territories = load_territories(demo_folder.root / "territories.yaml", prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories, territory_ids=["ctg-ecouen"])
    aah = table.loc[(table["indicator"] == "allocataires_aah") & (table["period"] == "2021")].set_index("level")
    raw = pd.read_csv(demo_folder.root / "caf" / "s_ben_dep.csv", sep=";", dtype=str, encoding="utf-8-sig")
    dep = raw.loc[(raw["numdep"] == "95") & (raw["dtreffre"] == "2021-12"), "indfoy_aah"].astype(float).item()
    assert aah.loc["departement", "value"] == dep
    assert pd.isna(aah.loc["territoire", "value"]) and "unavailable" in aah.loc["territoire", "flags"]
    sentence = describe(table, "ctg-ecouen", "allocataires_aah")
    assert sentence.text == (
        "Le nombre de foyers allocataires de l'AAH du territoire : valeur publiée par la CNAF au niveau "
        f"départemental seulement ; elle est de {format_number(dep)} dans le département du Val-d'Oise en 2021."
    )
    # The early-childhood benefits of the commune file: Σ of the seed communes' rounded counts.
    seed = ["95205", "95395", "95509", "95094", "95492"]
    communes = pd.read_csv(demo_folder.root / "caf" / "s_ben_com_f.csv", sep=";", dtype=str, encoding="utf-8-sig")
    cmg = table.loc[(table["indicator"] == "allocataires_cmg") & (table["level"] == "territoire")]
    assert cmg["value"].item() == communes.loc[communes["numcomdo"].isin(seed), "indfoy_cmg"].astype(int).sum()
    assert "rounded" in cmg["flags"].item()


def test_the_territory_s_creches_and_schools_are_its_communes_sum_of_the_bpe_s_rows(demo_folder):
    import zipfile

    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    prepared = prepare(demo_folder, indicators=["equipements_accueil_jeune_enfant", "ecoles"], progress=False)
    territories = load_territories(demo_folder.root / "territories.yaml", prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories, territory_ids=["ctg-ecouen"])
    with zipfile.ZipFile(demo_folder.root / "equipements" / "DS_BPE_CSV_FR.zip") as archive:
        (member,) = archive.namelist()
        raw = pd.read_csv(archive.open(member), sep=";", dtype={"GEO": str})
    seed = ["95205", "95395", "95509", "95094", "95492"]
    rows = raw.loc[raw["GEO_OBJECT"].eq("COM") & raw["GEO"].isin(seed)]
    own = table.loc[table["level"] == "territoire"].set_index("indicator")
    assert (
        own.loc["equipements_accueil_jeune_enfant", "value"]
        == rows.loc[rows["FACILITY_TYPE"] == "D502", "OBS_VALUE"].sum()
    )
    schools = rows.loc[rows["FACILITY_TYPE"].isin(["C107", "C108", "C109"]), "OBS_VALUE"].sum()
    assert own.loc["ecoles", "value"] == schools
    # A seed commune without a crèche has no D502 row: it counts as 0, so the sum is whole, not partial.
    assert set(seed) - set(rows.loc[rows["FACILITY_TYPE"] == "D502", "GEO"])
    assert "partial" not in own.loc["equipements_accueil_jeune_enfant", "flags"]


def test_a_one_commune_territory_with_a_published_median_still_says_its_coverage_rate_is_not_published(demo_folder):
    # Ézanville's median is published (a commune of the Filosofi file), its childcare coverage is not (fewer than
    # 10 000 inhabitants): each indicator is judged on its own, so the rate is « non publié » with its context.
    from ctg_analysis.commentary import describe
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    prepared = prepare(demo_folder, indicators=["revenu_median", "taux_couverture_accueil"], progress=False)
    territories = load_territories(demo_folder.root / "territories.yaml", prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    own = table.loc[table["level"] == "territoire"].set_index(["indicator", "period"])["flags"]
    assert "unavailable" not in own["revenu_median", "2019"]
    assert (
        "unavailable" in own["taux_couverture_accueil", "2021"]
        and "missing" not in own["taux_couverture_accueil", "2021"]
    )
    assert "valeur non publiée par la CNAF" in describe(table, "ezanville", "taux_couverture_accueil").text
