"""Every indicator at every level on the demo data, against a plain computation made here from the raw
demo files (read with plain pandas calls, not with the readers), then one test per guard."""

from __future__ import annotations

import io
import math
import re
import zipfile

import numpy as np
import pandas as pd
import pytest

from conftest import DEMO, demo_births, demo_employment
from ctg_analysis.errors import CtgError
from ctg_analysis.geography import commune_reference
from ctg_analysis.indicators import compute_indicators, prepare
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.indicators.comparisons import NOT_COMPARED_DIRECTION, compare, position
from ctg_analysis.indicators.display import comparison_view, key_figures, wide_view
from ctg_analysis.sources.folder import scan_folder
from ctg_analysis.territories import load_territories

MERGED, ABSORBING = "60912", "60911"  # the demo's fictional merge of 1 January 2022
SEED = ["95205", "95395", "95509", "95094", "95492"]


def _zip_csv(name):
    with zipfile.ZipFile(DEMO / "recensement" / f"{name}_csv.zip") as archive:
        return pd.read_csv(io.BytesIO(archive.read(f"{name}.CSV")), sep=";", dtype={"CODGEO": str})


def _geography_2022(frame, key="CODGEO"):
    """The census geography (COG 2021) brought to 2022 by hand: the merged commune joins its absorber."""
    return frame.assign(**{key: frame[key].replace(MERGED, ABSORBING)})


@pytest.fixture(scope="module")
def raw():
    """The demo's raw files, read plainly."""
    census = _geography_2022(_zip_csv("base-cc-evol-struct-pop-2019")).groupby("CODGEO").sum()
    families = _geography_2022(_zip_csv("base-cc-coupl-fam-men-2019")).groupby("CODGEO").sum()
    employment = _geography_2022(demo_employment()).groupby("CODGEO").sum()
    births = demo_births().set_index("CODGEO")
    caf = pd.read_csv(DEMO / "caf" / "data_CAF_2020_IRIS.csv", sep=";", dtype={"CODGEO": str})
    caf = _geography_2022(caf.assign(CODGEO=caf["CODGEO"].str[:5])).groupby("CODGEO").sum(min_count=1)
    cog = pd.read_csv(DEMO / "cog" / "commune_2021.csv", dtype=str)
    cog = _geography_2022(cog, "COM").drop_duplicates("COM").set_index("COM")
    epci = pd.read_excel(
        DEMO / "cog" / "Intercommunalite-Metropole_au_01-01-2021.xlsx", engine="openpyxl", skiprows=6, dtype=str
    ).set_index("CODGEO")["EPCI"]
    legal = pd.read_excel(
        DEMO / "populations-legales" / "ensemble.xlsx",
        engine="openpyxl",
        sheet_name="Communes",
        skiprows=7,
        dtype={"Code département": str, "Code commune": str},
    )
    legal = legal.assign(CODGEO=legal["Code département"].str[:2] + legal["Code commune"])
    legal = _geography_2022(legal).groupby("CODGEO")["Population municipale"].sum()
    filosofi = {
        level: pd.read_csv(
            DEMO / "filosofi" / f"FILO2019_DISP_{level}.csv",
            sep=";",
            decimal=",",
            encoding="utf-8-sig",
            dtype={"CODGEO": str},
        ).set_index("CODGEO")
        for level in ("COM", "EPCI", "DEP", "REG", "METROPOLE")
    }
    return {
        "census": census,
        "families": families,
        "employment": employment,
        "births": births,
        "caf": caf,
        "cog": cog,
        "epci": epci,
        "legal": legal,
        "filosofi": filosofi,
    }


# Plain definitions, written here independently of the catalogue: (source, numerator columns, denominator
# columns, scale). {yy} is the vintage.
PLAIN = {
    "population": ("census", ["P{yy}_POP"], None, 1),
    "population_legale": ("legal", None, None, 1),
    "pop_0_2": ("census", ["P{yy}_POP0002"], None, 1),
    "part_0_2": ("census", ["P{yy}_POP0002"], ["P{yy}_POP"], 100),
    "pop_3_5": ("census", ["P{yy}_POP0305"], None, 1),
    "part_3_5": ("census", ["P{yy}_POP0305"], ["P{yy}_POP"], 100),
    "pop_6_10": ("census", ["P{yy}_POP0610"], None, 1),
    "part_6_10": ("census", ["P{yy}_POP0610"], ["P{yy}_POP"], 100),
    "pop_11_17": ("census", ["P{yy}_POP1117"], None, 1),
    "part_11_17": ("census", ["P{yy}_POP1117"], ["P{yy}_POP"], 100),
    "pop_18_24": ("census", ["P{yy}_POP1824"], None, 1),
    "part_18_24": ("census", ["P{yy}_POP1824"], ["P{yy}_POP"], 100),
    "pop_25_39": ("census", ["P{yy}_POP2539"], None, 1),
    "pop_40_54": ("census", ["P{yy}_POP4054"], None, 1),
    "pop_55_64": ("census", ["P{yy}_POP5564"], None, 1),
    "pop_65_79": ("census", ["P{yy}_POP6579"], None, 1),
    "pop_80p": ("census", ["P{yy}_POP80P"], None, 1),
    "part_65p": ("census", ["P{yy}_POP6579", "P{yy}_POP80P"], ["P{yy}_POP"], 100),
    "menages": ("families", ["C{yy}_MEN"], None, 1),
    "part_menages_personne_seule": ("families", ["C{yy}_MENPSEUL"], ["C{yy}_MEN"], 100),
    "familles": ("families", ["C{yy}_FAM"], None, 1),
    "part_couples_avec_enfants": ("families", ["C{yy}_COUPAENF"], ["C{yy}_FAM"], 100),
    "part_familles_monoparentales": ("families", ["C{yy}_FAMMONO"], ["C{yy}_FAM"], 100),
    "part_familles_nombreuses": ("families", ["C{yy}_NE24F3", "C{yy}_NE24F4P"], ["C{yy}_FAM"], 100),
    "taux_activite_femmes": ("employment", ["P{yy}_FACT1564"], ["P{yy}_F1564"], 100),
    "taux_emploi_femmes": ("employment", ["P{yy}_FACTOCC1564"], ["P{yy}_F1564"], 100),
    "taux_activite": ("employment", ["P{yy}_ACT1564"], ["P{yy}_POP1564"], 100),
    "allocataires": ("caf", ["A"], None, 1),
    "personnes_couvertes": ("caf", ["PERCOU"], None, 1),
    "allocataires_monoparents": ("caf", ["AM"], None, 1),
    "enfants_caf_0_2": ("caf", ["ENF_2"], None, 1),
    "part_monoparents_caf": ("caf", ["AM"], ["A"], 100),
    "part_allocataires_rsa": ("caf", ["ARSAS"], ["A"], 100),
    "part_allocataires_aide_logement": ("caf", ["AAL"], ["A"], 100),
}
EVOLUTIONS = {"evol_population": "P{yy}_POP", "evol_0_2": "P{yy}_POP0002", "evol_3_5": "P{yy}_POP0305"}


@pytest.fixture(scope="module")
def computed(demo_folder):
    prepared = prepare(demo_folder)
    territories = load_territories(DEMO / "territories.yaml", commune_reference(demo_folder))
    return prepared, territories, compute_indicators(prepared, territories)


def _groups(raw, territories):
    """Every (territory, level, geo) → its communes, computed plainly from the COG and EPCI files."""
    cog, epci = raw["cog"], raw["epci"]
    all_communes = list(cog.index)
    groups = {}
    for territory in territories:
        members = list(territory.communes)
        groups[(territory.id, "territoire", territory.id)] = members
        for commune in members:
            groups[(territory.id, "commune", commune)] = [commune]
            groups[(territory.id, "departement", cog.loc[commune, "DEP"])] = [
                c for c in all_communes if cog.loc[c, "DEP"] == cog.loc[commune, "DEP"]
            ]
            groups[(territory.id, "region", cog.loc[commune, "REG"])] = [
                c for c in all_communes if cog.loc[c, "REG"] == cog.loc[commune, "REG"]
            ]
            groups[(territory.id, "epci", epci[commune])] = [c for c in all_communes if epci.get(c) == epci[commune]]
        groups[(territory.id, "france", "FRM")] = all_communes
    return groups


def _plain_value(frame, communes, numerator, denominator, scale):
    rows = frame.reindex(communes)
    num = rows[numerator].sum(axis=1, min_count=len(numerator))
    if denominator is None:
        return num.sum(min_count=1)
    den = rows[denominator].sum(axis=1, min_count=len(denominator))
    complete = num.notna() & den.notna()
    if not complete.any():
        return np.nan
    return num[complete].sum() / den[complete].sum() * scale


def test_every_additive_indicator_at_every_level(raw, computed):
    _, territories, table = computed
    groups = _groups(raw, territories)
    indexed = table.set_index(["territory", "level", "geo", "indicator", "period"])["value"]
    checked = 0
    for (territory, level, geo), communes in groups.items():
        for indicator, (source, numerator, denominator, scale) in PLAIN.items():
            if source == "legal":
                expected = raw["legal"].reindex(communes).sum()
                assert indexed[(territory, level, geo, indicator, "2019")] == pytest.approx(expected)
                checked += 1
                continue
            years = {"caf": ["2020"]}.get(source, ["2019", "2013"])
            for year in years:
                yy = year[2:]
                num = [c.format(yy=yy) for c in numerator] if source != "caf" else numerator
                den = [c.format(yy=yy) for c in denominator] if denominator and source != "caf" else denominator
                expected = _plain_value(raw[source], communes, num, den, scale)
                assert indexed[(territory, level, geo, indicator, year)] == pytest.approx(
                    expected, rel=1e-9, nan_ok=True
                ), (territory, level, geo, indicator, year)
                checked += 1
    assert checked > 1500


def test_evolutions_births_and_natality(raw, computed):
    _, territories, table = computed
    indexed = table.set_index(["territory", "level", "geo", "indicator", "period"])["value"]
    births = raw["births"]
    for (territory, level, geo), communes in _groups(raw, territories).items():
        census = raw["census"].reindex(communes)
        for indicator, column in EVOLUTIONS.items():
            expected = (census[column.format(yy="19")].sum() / census[column.format(yy="13")].sum() - 1) * 100
            assert indexed[(territory, level, geo, indicator, "2013-2019")] == pytest.approx(expected)
        annual = ((census["P19_POP"].sum() / census["P13_POP"].sum()) ** (1 / 6) - 1) * 100
        assert indexed[(territory, level, geo, "taux_evol_population_annuel", "2013-2019")] == pytest.approx(annual)
        b = births.reindex(communes)
        for year in range(2014, 2022):
            assert indexed[(territory, level, geo, "naissances", str(year))] == b[f"NAISD{year % 100:02d}"].sum()
        assert (
            indexed[(territory, level, geo, "naissances_3ans", "2017-2019")]
            == b[["NAISD17", "NAISD18", "NAISD19"]].sum().sum()
        )
        assert indexed[(territory, level, geo, "taux_natalite", "2019")] == pytest.approx(
            b["NAISD19"].sum() / census["P19_POP"].sum() * 1000
        )


def test_published_filosofi_values(raw, computed):
    _, _, table = computed
    rows = table.set_index(["territory", "level", "geo", "indicator"])["value"]
    filosofi = raw["filosofi"]
    assert rows[("ctg-ecouen", "commune", "95205", "revenu_median")] == filosofi["COM"].loc["95205", "Q219"]
    assert rows[("ctg-ecouen", "departement", "95", "revenu_median")] == filosofi["DEP"].loc["95", "Q219"]
    assert rows[("ctg-ecouen", "epci", "200055655", "taux_pauvrete")] == filosofi["EPCI"].loc["200055655", "TP6019"]
    assert rows[("ezanville", "region", "11", "revenu_median")] == filosofi["REG"].loc["11", "Q219"]
    assert rows[("ezanville", "france", "FRM", "revenu_median")] == filosofi["METROPOLE"].iloc[0]["Q219"]
    # A single-commune territory is a published unit: it gets the commune's value.
    assert rows[("ezanville", "territoire", "ezanville", "revenu_median")] == filosofi["COM"].loc["95229", "Q219"]


def test_seed_sentence_figures(computed):
    _, _, table = computed
    row = table.query("territory == 'ezanville' and level == 'territoire' and indicator == 'evol_0_2'").iloc[0]
    dep = table.query("territory == 'ezanville' and level == 'departement' and indicator == 'evol_0_2'").iloc[0]
    assert round(row["value"], 1) == 25.7 and row["period"] == "2013-2019"
    sentence = position(row["value"], dep["value"], signed=True)
    assert sentence.direction == "supérieur"
    assert sentence.text.startswith("+25,7\u00a0% contre +")


def test_long_table_columns_and_codes(computed):
    _, _, table = computed
    assert list(table.columns[:17]) == [
        "territory",
        "level",
        "geo",
        "geo_label",
        "indicator",
        "label",
        "theme",
        "period",
        "year_start",
        "year_end",
        "value",
        "numerator",
        "denominator",
        "unit",
        "flags",
        "n_communes",
        "source",
    ]
    communes = table.loc[table["level"] == "commune", "geo"]
    assert communes.str.len().eq(5).all()
    assert set(table["level"]) == {"commune", "territoire", "epci", "departement", "region", "france"}
    assert table.loc[table["indicator"] == "population", "source"].iloc[0] == "Insee, RP2019"


# --- Guards ------------------------------------------------------------------------------------------


def test_guard_small_numbers(computed):
    _, _, table = computed
    tiny = table.query("level == 'commune' and geo == '95492' and indicator == 'naissances' and period == '2019'").iloc[
        0
    ]
    assert "small" in tiny["flags"]
    big = table.query("level == 'commune' and geo == '95229' and indicator == 'naissances' and period == '2019'").iloc[
        0
    ]
    assert "small" not in big["flags"]


def test_guard_secret_values_make_the_total_partial_never_zero(computed, raw):
    _, _, table = computed
    caf = raw["caf"]
    # Some IRIS of the seed territory have blurred (blank) children counts in the CAF file.
    rows = table.query(
        "territory == 'ctg-ecouen' and level == 'territoire' and indicator == 'enfants_caf_0_2' and period == '2020'"
    )
    assert "partial" in rows.iloc[0]["flags"]
    assert rows.iloc[0]["value"] == caf.reindex(SEED)["ENF_2"].sum()
    missing = table.query("level == 'commune' and geo == '95094' and indicator == 'taux_pauvrete'").iloc[0]
    assert math.isnan(missing["value"]) and "missing" in missing["flags"]


def test_guard_non_additive_indicators_are_unavailable_for_custom_territories(computed):
    _, _, table = computed
    row = table.query("territory == 'ctg-ecouen' and level == 'territoire' and indicator == 'revenu_median'").iloc[0]
    assert math.isnan(row["value"]) and "unavailable" in row["flags"]


def test_guard_demo_data_are_flagged(computed):
    _, _, table = computed
    assert table["flags"].str.contains("demo").all()


def test_guard_five_year_rule(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "base-cc-evol-struct-pop-2019.csv").write_text(
        "CODGEO;P19_POP;P19_POP0002;P16_POP;P16_POP0002\n95205;1000.5;40.2;990.1;35.0\n95229;2000.0;80.0;1900.0;70.0\n",
        encoding="utf-8",
    )
    scanned = scan_folder(folder, cache_dir=False, progress=False)
    prepared = prepare(scanned, indicators=["evol_0_2", "population"])
    territories_file = tmp_path / "t.yaml"
    territories_file.write_text("territories:\n  - id: t\n    communes: ['95205', '95229']\n", encoding="utf-8")
    territories = load_territories(territories_file, prepared.reference)
    table = compute_indicators(prepared, territories)
    row = table.query("level == 'territoire' and indicator == 'evol_0_2'").iloc[0]
    assert row["period"] == "2016-2019" and "not_comparable" in row["flags"]
    assert row["value"] == pytest.approx((120.2 / 105.0 - 1) * 100)
    assert "demo" not in row["flags"]


def test_guard_same_geography_before_evolutions(demo_folder, computed):
    prepared, _, _ = computed
    # Census (COG 2021) and births (COG 2022) are brought to one COG year: the merged commune is summed.
    assert prepared.cog_year == 2022
    census = _zip_csv("base-cc-evol-struct-pop-2019").set_index("CODGEO")
    population = [i.id for i in prepared.indicators].index("population")  # noqa: F841 (read by the query)
    rows = prepared.values.query("indicator == @population and year_end == 2013")
    values = pd.Series(rows["numerator"].to_numpy(), index=prepared.geography.communes[rows["commune"]])
    assert values[ABSORBING] == pytest.approx(census.loc[ABSORBING, "P13_POP"] + census.loc[MERGED, "P13_POP"])
    assert MERGED not in values.index
    assert not prepared.cog_mismatch


def test_guard_geography_not_harmonised_is_flagged(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    # Births in the geography of 2022 cannot be brought back to the older geography asked for.
    (folder / "base-cc-evol-struct-pop-2019.csv").write_text(
        "CODGEO;P19_POP;P19_POP0002\n95205;1000.5;40.2\n", encoding="utf-8"
    )
    (folder / "base_naissances_2021.csv").write_text("CODGEO;NAISD20;NAISD21\n95205;12;13\n", encoding="utf-8")
    prepared = prepare(
        scan_folder(folder, cache_dir=False, progress=False), indicators=["population", "naissances"], cog_year=2021
    )
    assert (
        prepared.cog_year == 2021
        and "naissances" in prepared.cog_mismatch
        and "population" not in prepared.cog_mismatch
    )
    territories_file = tmp_path / "t.yaml"
    territories_file.write_text("territories:\n  - id: t\n    communes: ['95205']\n", encoding="utf-8")
    territories = load_territories(territories_file, prepared.reference)
    flags = compute_indicators(prepared, territories).query("level == 'territoire'").set_index("indicator")["flags"]
    assert (
        flags.loc[["naissances"]].str.contains("cog_mismatch").all()
        and not flags.loc[["population"]].str.contains("cog_mismatch").any()
    )


def test_comparisons_never_set_counts_side_by_side_nor_a_flagged_value_against_another(computed):
    """The explore notebook's comparisons: a count (« Population 12 727 / Val-d'Oise 81 023, rapport 0,16 ») is
    not compared; a partial or non-comparable value, on either side, has no gap and says why."""
    prepared, _, table = computed
    pairs = compare(table, prepared.reference)
    assert not pairs["indicator"].map(lambda i: get_indicator(i).unit == "nombre").any()
    assert {"part_0_2", "evol_0_2"} <= set(pairs["indicator"])
    row = (table["territory"] == "ezanville") & (table["level"] == "territoire") & (table["indicator"] == "part_0_2")
    department = (table["territory"] == "ezanville") & (table["level"] == "departement")
    flagged = table.assign(
        flags=table["flags"].mask(row, "partial").mask(department & (table["indicator"] == "part_3_5"), "estimated")
    )
    again = compare(flagged, prepared.reference).query("territory == 'ezanville' and level == 'territoire'")
    partial = again.loc[again["indicator"] == "part_0_2"]  # the territory's value: against no level
    assert len(partial) and partial["gap"].isna().all() and partial["ratio"].isna().all()
    assert set(partial["direction"]) == {NOT_COMPARED_DIRECTION}
    estimated = again.loc[again["indicator"] == "part_3_5"]  # the département's: the other levels still compared
    against = estimated.set_index("comparison_level")
    assert against.loc["departement", "gap"].isna().all()
    assert set(against.loc[["departement"], "direction"]) == {NOT_COMPARED_DIRECTION}
    assert against.loc[["france"], "gap"].notna().all()
    whole = again.loc[again["indicator"] == "part_6_10"]
    assert whole["gap"].notna().all() and NOT_COMPARED_DIRECTION not in set(whole["direction"])
    view = comparison_view(again.loc[again["indicator"] == "part_0_2"]).data
    assert set(view["Position"]) == {NOT_COMPARED_DIRECTION} and set(view["Écart"]) == {"–"}


def test_comparisons_each_commune_with_its_own_departement(computed, raw):
    prepared, territories, table = computed
    pairs = compare(table, prepared.reference)
    commune = pairs.query(
        "territory == 'ctg-val-fictif' and level == 'commune' and geo == '78901' and indicator == 'part_0_2' and "
        "period == '2019' and comparison_level == 'departement'"
    )
    assert commune["comparison_geo"].tolist() == ["78"]
    territory = pairs.query(
        "territory == 'ctg-val-fictif' and level == 'territoire' and indicator == 'part_0_2' and comparison_level == "
        "'departement' and period == '2019'"
    )
    assert sorted(territory["comparison_geo"]) == ["78", "95"]  # a territory across two départements shows both
    # Gap and ratio against the shares computed here from the census base and the COG file.
    census, cog = raw["census"], raw["cog"]
    communes = list(territories.get("ctg-val-fictif").communes)
    share = 100 * census.loc[communes, "P19_POP0002"].sum() / census.loc[communes, "P19_POP"].sum()
    for departement, row in territory.set_index("comparison_geo").iterrows():
        members = cog.index[cog["DEP"] == departement]
        reference = 100 * census.loc[members, "P19_POP0002"].sum() / census.loc[members, "P19_POP"].sum()
        assert (row["value"], row["comparison_value"]) == (pytest.approx(share), pytest.approx(reference))
        assert row["gap"] == pytest.approx(share - reference) and row["ratio"] == pytest.approx(share / reference)
        assert row["direction"] == (
            "comparable"
            if abs(share - reference) <= 1 and abs(share / reference - 1) <= 0.05
            else "supérieur"
            if share > reference
            else "inférieur"
        )


def test_position_helper_tolerances():
    assert position(15.2, 14.6).direction == "comparable"  # within one point
    assert position(15.2, 14.6, tolerance_points=0.5).direction == "supérieur"
    assert position(980, 1000, unit="nombre").direction == "comparable"  # within 5 %
    assert position(900, 1000, unit="nombre", decimals=0).direction == "inférieur"
    assert position(float("nan"), 3.0).direction == "indéterminé"


def test_views_for_jupyterlab(computed):
    _, _, table = computed
    view = wide_view(table, "ezanville", theme="petite enfance")
    text = view.formatted()
    assert text.loc[("petite enfance", "Évolution des enfants de 0 à 2 ans", "2013-2019")].iloc[0] == "+25,7\u00a0%"
    html = view._repr_html_()
    assert "color: #9a9a9a" in html and "Données fictives de démonstration" in html
    # A notebook gets both formats in one bundle, the same as each on its own.
    assert view._repr_mimebundle_() == {"text/plain": repr(view), "text/html": html}
    assert "+25,7\u00a0%" in repr(view)
    # The median is not published for a grouping: its cell is greyed with the reason, one header row.
    revenus = wide_view(table, "ctg-ecouen", theme="accès aux droits-précarité").to_html()
    assert re.search(r'<td class="fragile" title="non disponible : indicateur non additif[^"]*">–\*</td>', revenus)
    assert revenus.count("<thead><tr>") == 1 and "<b>Département</b><br>Val-d&#x27;Oise" in revenus
    figures = key_figures(table, "ctg-ecouen")
    assert (
        figures.set_index("Indicateur").loc["Revenu disponible médian par unité de consommation", "Territoire"] == "–*"
    )


def test_a_declared_comparison_beyond_the_ladder_is_summed_like_the_others(computed, raw, tmp_path):
    prepared, _, _ = computed
    path = tmp_path / "territories.yaml"
    # Ézanville (CA Plaine Vallée) compared with another EPCI, CA Roissy Pays de France, as well.
    path.write_text(
        "territories:\n  - id: ezanville\n    communes: ['95229']\n    comparisons: [{level: epci, code: "
        "'200055655'}]\n",
        encoding="utf-8",
    )
    territories = load_territories(path, prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories)
    epci = table.query("level == 'epci' and indicator == 'part_0_2' and period == '2019'").set_index("geo")["value"]
    census = raw["census"]
    for code in ("200055655", "200056380"):  # the declared one and its own
        members = raw["epci"].index[raw["epci"] == code]
        expected = 100 * census.loc[members, "P19_POP0002"].sum() / census.loc[members, "P19_POP"].sum()
        assert epci[code] == pytest.approx(expected, rel=1e-12), code


def test_a_territory_commune_outside_the_prepared_geography_is_named(computed, tmp_path):
    prepared, _, _ = computed
    reference = prepared.reference
    fake = reference.loc[reference["code"] == "95229"].assign(code="95999", label="Commune inventée")
    loaded = _territories_from(pd.concat([reference, fake], ignore_index=True), tmp_path)
    with pytest.raises(CtgError) as refused:
        compute_indicators(prepared, loaded)
    assert str(refused.value).startswith(
        "communes 95999 absentes de la géographie 2022 des données : chargez les territoires"
    )


def _territories_from(reference, folder):
    """A territory of Ézanville and a commune the reference has but the prepared data do not."""
    path = folder / "territories.yaml"
    path.write_text("territories:\n  - id: t\n    communes: ['95229', '95999']\n", encoding="utf-8")
    return load_territories(path, reference)


def test_a_commune_without_value_covers_nothing_and_one_with_a_value_all_of_itself(computed):
    prepared, _, table = computed
    additive = {i.id for i in prepared.indicators if i.additive}
    communes = table.loc[(table["level"] == "commune") & table["indicator"].isin(additive)]
    missing = communes["flags"].astype(str).str.contains("missing")
    assert missing.any() and (~missing).any()
    assert (communes.loc[missing, "coverage_communes"] == 0).all()
    assert (communes.loc[~missing & communes["value"].notna(), "coverage_communes"] == 1).all()


def test_territories_sharing_a_commune_count_it_in_each(computed, raw, tmp_path):
    prepared, _, _ = computed
    path = tmp_path / "territories.yaml"
    path.write_text(
        "territories:\n  - id: a\n    communes: ['95229', '95205']\n  - id: b\n    communes: ['95205', '95395']\n",
        encoding="utf-8",
    )
    table = compute_indicators(prepared, load_territories(path, prepared.reference, prepared.movements))
    own = table.query("level == 'territoire' and indicator == 'part_0_2' and period == '2019'")
    values = own.set_index(own["territory"].astype(str))["value"]
    census = raw["census"]
    for territory, communes in (("a", ["95229", "95205"]), ("b", ["95205", "95395"])):
        expected = 100 * census.loc[communes, "P19_POP0002"].sum() / census.loc[communes, "P19_POP"].sum()
        assert values[territory] == pytest.approx(expected, rel=1e-12), territory


def test_each_value_names_the_file_of_its_own_vintage(computed):
    _, _, table = computed
    rows = table.loc[(table["territory"] == "ctg-ecouen") & (table["level"] == "territoire")]
    sources = rows.set_index(["indicator", "period"])["source"].astype(str)
    # Two CAF files: each year's value cites its own, not both.
    assert sources[("enfants_caf_0_2", "2016")] == "CNAF, données allocataires au 31/12/2016"
    assert sources[("enfants_caf_0_2", "2020")] == "CNAF, données allocataires au 31/12/2020"
    # Both census years of one file, and a rate reading two datasets.
    assert sources[("evol_0_2", "2013-2019")] == "Insee, RP2019"
    assert (
        sources[("taux_natalite", "2019")]
        == "Insee, état civil 2008-2021 (Melodi DS_ETAT_CIVIL_NAIS_COMMUNES) ; Insee, RP2019"
    )
    # A row without a period of its own (the evolution of one legal population) cites its dataset's files.
    assert sources[("evol_population_legale", "–")] == "Insee, populations légales RP2019"


def test_an_evolution_is_kept_when_its_communes_without_the_older_vintage_hold_few_people():
    """Three communes, the two small ones without 2013 values: a third of the communes but 90 % of the
    people are covered by both vintages, so the evolution is published (flagged partial), from 900 to
    1 000 inhabitants: +11,1 %, computed here by hand. Below half of the people it would be withheld."""
    from types import SimpleNamespace

    from ctg_analysis.indicators.aggregation import evolutions, sum_rows
    from ctg_analysis.indicators.catalogue import all_indicators
    from ctg_analysis.indicators.encoding import AT_TERRITOIRE
    from ctg_analysis.indicators.flags import derive

    indicators = tuple(i for i in all_indicators() if i.id in ("population", "evol_population"))
    population = next(n for n, i in enumerate(indicators) if i.id == "population")
    sums = sum_rows(
        2,
        level=AT_TERRITOIRE,
        geo=0,
        indicator=population,
        year_start=[2013, 2019],
        year_end=[2013, 2019],
        numerator=[900.0, 1000.0],
        denominator=np.nan,
        n_communes=3,
        n_missing=[2, 0],
        n_partial=0,
        n_estimated=0,
        n_rounded=0,
        n_covered=[1, 3],
        w_covered=[900.0, 1000.0],
        n_expected=3,
        w_expected=1000.0,
    )
    prepared = SimpleNamespace(indicators=indicators, cog_mismatch=set(), demo=False)
    derived = derive(evolutions(sums, indicators), prepared)
    assert derived["value"].tolist() == pytest.approx([(1000 / 900 - 1) * 100])
    sums["w_covered"][0] = 400.0  # the communes without 2013 values hold 60 % of the people: withheld
    assert np.isnan(derive(evolutions(sums, indicators), prepared)["value"]).all()


def test_full_coverage_is_the_population_of_each_unit_s_communes():
    """What a complete source covers, level by level, from a geography of four communes written out here:
    a territory's population is its own communes' (95001 + 95003: 100 + 600), not its number of communes;
    a unit with a commune of unknown population has none; France leaves Mayotte (and its unknown
    populations) out for a source without Mayotte's values."""
    from types import SimpleNamespace

    from ctg_analysis.indicators.coverage import with_expected
    from ctg_analysis.indicators.encoding import AT_DEPARTEMENT, AT_EPCI, AT_FRANCE, AT_TERRITOIRE

    geography = SimpleNamespace(
        communes=np.array(["95001", "95002", "95003", "97601"], dtype=object),
        parents={
            "epci": np.array([0, 0, 1, -1]),
            "departement": np.array([0, 0, 0, 1]),
            "region": np.array([0, 0, 0, 1]),
        },
        codes={
            "epci": pd.Index(["200000001", "200000002"]),
            "departement": pd.Index(["95", "976"]),
            "region": pd.Index(["11", "06"]),
            "france": pd.Index(["FRANCE"]),
        },
    )
    prepared = SimpleNamespace(
        geography=geography,
        population=np.array([100.0, 300.0, 600.0, 50.0]),
        slots=pd.DataFrame({"indicator": [0], "year_start": [2019], "year_end": [2019]}),
        values=pd.DataFrame({"commune": [0, 1, 2], "slot": [0, 0, 0]}),  # no value in Mayotte
    )
    membership = pd.DataFrame({"territory": [0, 0, 1], "commune": [0, 2, 1]})
    rows = 5
    sums = {
        "level": np.array([AT_TERRITOIRE, AT_TERRITOIRE, AT_EPCI, AT_DEPARTEMENT, AT_FRANCE]),
        "geo": np.array([0, 1, 0, 0, 0]),
        "indicator": np.zeros(rows, dtype="int64"),
        "year_start": np.full(rows, 2019),
        "year_end": np.full(rows, 2019),
    }
    expected = with_expected(sums, prepared, membership, 2)
    assert expected["n_expected"].tolist() == [2, 1, 2, 3, 3]
    assert expected["w_expected"].tolist() == [700, 300, 400, 1000, 1000]
    prepared.population = np.array([100.0, np.nan, 600.0, 50.0])
    expected = with_expected(sums, prepared, membership, 2)
    assert expected["w_expected"][0] == 700
    assert np.isnan(expected["w_expected"][1:]).all()  # 95002 is in territory 1, its EPCI, 95 and France
    prepared.population = np.array([100.0, 300.0, 600.0, np.nan])  # Mayotte's unknown: not France's
    assert with_expected(sums, prepared, membership, 2)["w_expected"].tolist() == [700, 300, 400, 1000, 1000]


def test_a_published_value_goes_to_a_territory_only_when_it_is_exactly_the_published_unit():
    """Seven communes, three in EPCI 0, two in EPCI 1, two in none, written out here. The territory of EPCI
    0's three communes gets EPCI 0's published median; a territory of three communes across both EPCIs (as
    many as EPCI 0 has) gets none, and is said unavailable, as does one of the two communes without EPCI (as
    many as EPCI 1 has); a single commune gets its own; a member commune the file does not publish (secret)
    is shown missing."""
    from ctg_analysis.indicators.aggregation import published_rows
    from ctg_analysis.indicators.encoding import AT_COMMUNE, AT_EPCI, AT_TERRITOIRE, Geography

    geography = Geography(
        pd.Index([f"c{n}" for n in range(7)]),
        parents={"epci": np.array([0, 0, 0, 1, 1, -1, -1])},
        codes={"epci": pd.Index(["e0", "e1"])},
        labels={},
    )
    published = pd.DataFrame(
        {
            "level": np.array([AT_EPCI, AT_EPCI, AT_COMMUNE, AT_COMMUNE, AT_COMMUNE, AT_COMMUNE], dtype="int8"),
            "geo": np.array([0, 1, 0, 1, 2, 4], dtype="int32"),  # commune 3 is secret
            "indicator": np.int16(0),
            "year": np.int16(2019),
            "value": [21000.0, 19000.0, 20000.0, 22000.0, 23000.0, 18000.0],
            "perimeter": False,
        }
    )
    membership = pd.DataFrame({"territory": [0, 0, 0, 1, 1, 1, 2, 3, 3], "commune": [0, 1, 2, 0, 1, 3, 4, 5, 6]})
    rows = pd.DataFrame(published_rows(published, membership, geography))
    territories = rows.loc[rows["level"] == AT_TERRITOIRE].set_index("geo").sort_index()
    assert territories["numerator"].tolist()[0] == 21000.0 and territories["numerator"].tolist()[2] == 18000.0
    assert np.isnan(territories.loc[[1, 3], "numerator"]).all()
    assert territories["unavailable"].tolist() == [False, True, False, True]
    communes = rows.loc[rows["level"] == AT_COMMUNE].drop_duplicates("geo", keep="last").set_index("geo")
    assert np.isnan(communes.loc[3, "numerator"]) and communes.loc[3, "n_missing"] == 1


def _from_files(tmp_path, files: dict[str, str], territories: str, indicators: list[str]):
    """The long table of some territories, from a data folder of the given files (name → text)."""
    from ctg_analysis.indicators import compute_indicators, prepare

    folder = tmp_path / "data"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    prepared = prepare(scan_folder(folder, cache_dir=False, progress=False), indicators=indicators)
    path = tmp_path / "territories.yaml"
    path.write_text(f"territories:\n{territories}", encoding="utf-8")
    return prepared, compute_indicators(prepared, load_territories(path, prepared.reference, prepared.movements))


def test_a_share_is_fragile_by_its_denominator_not_its_numerator(tmp_path):
    # A share of the under-3s is fragile below 200 inhabitants (its min_denominator), whatever the number of
    # children: 3 children of 1 000 inhabitants is a sound 0,3 %, 20 of 150 a fragile 13,3 %.
    _, table = _from_files(
        tmp_path,
        {"base-cc-evol-struct-pop-2019.csv": "CODGEO;P19_POP;P19_POP0002\n95229;1000;3\n95205;150;20\n"},
        '  - {id: grande, label: Grande, communes: ["95229"]}\n  - {id: petite, label: Petite, communes: ["95205"]}\n',
        ["part_0_2"],
    )
    own = table.loc[table["level"].eq("territoire") & table["indicator"].eq("part_0_2")].set_index("territory")
    assert own.loc["grande", "value"] == pytest.approx(0.3) and "small" not in str(own.loc["grande", "flags"])
    assert own.loc["petite", "value"] == pytest.approx(100 * 20 / 150) and "small" in str(own.loc["petite", "flags"])


def test_a_secret_commune_is_not_counted_in_the_coverage(tmp_path):
    # Two communes, the smaller one's under-3s secret: the territory's share sums the other one only, is
    # partial, and says it covers 3 000 of its 4 000 inhabitants (one commune in two).
    _, table = _from_files(
        tmp_path,
        {"base-cc-evol-struct-pop-2019.csv": "CODGEO;P19_POP;P19_POP0002\n95229;3000;30\n95205;1000;\n"},
        '  - {id: t, label: T, communes: ["95229", "95205"]}\n',
        ["part_0_2"],
    )
    (own,) = table.loc[table["level"].eq("territoire") & table["indicator"].eq("part_0_2")].itertuples()
    assert own.value == pytest.approx(1.0) and "partial" in str(own.flags)
    assert (own.coverage_communes, own.coverage_population) == (pytest.approx(0.5), pytest.approx(0.75))


def test_a_territory_of_a_split_communes_part_says_its_value_is_estimated(tmp_path):
    # Les Hauts-Talican (60054) was split on 1 January 2024, giving back Beaumont-les-Nonains (60694): its census
    # of 2019 is shared out by the reference populations of 2024 (600 and 400 here), an estimate the territory
    # of the new commune must say, not only the commune row.
    prepared, table = _from_files(
        tmp_path,
        {
            "base-cc-evol-struct-pop-2019.csv": "CODGEO;P19_POP;P19_POP0002\n60054;1000;40\n",
            "DS_POPULATIONS_REFERENCE_data.csv": "GEO;GEO_OBJECT;POPREF_MEASURE;TIME_PERIOD;OBS_VALUE\n"
            "2024-COM-60054;COM;PMUN;2021;600\n2024-COM-60694;COM;PMUN;2021;400\n",
        },
        '  - {id: beaumont, label: Beaumont, communes: ["60694"]}\n',
        ["pop_0_2", "part_0_2"],
    )
    assert prepared.cog_year == 2024
    own = table.loc[table["level"].eq("territoire")].set_index("indicator")
    assert own.loc["pop_0_2", "value"] == pytest.approx(40 * 0.4)
    assert own.loc["part_0_2", "value"] == pytest.approx(100 * 40 / 1000)
    assert all("estimated" in str(own.loc[i, "flags"]) for i in ("pop_0_2", "part_0_2"))


def test_a_territory_that_is_an_epci_is_not_set_beside_itself(demo_folder, tmp_path):
    # One column per distinct unit: the EPCI a territory is would be a second, identical column and bar.
    prepared = prepare(demo_folder, indicators=["part_0_2"], progress=False)
    reference = prepared.reference
    communes = demo_folder.table("legal_population").data["geo"]  # the communes of the data
    members = sorted(set(reference.loc[reference["epci"] == "200055655", "code"]) & set(communes))
    listed = ", ".join(f"'{code}'" for code in members)
    path = tmp_path / "territories.yaml"
    path.write_text(
        f"territories:\n  - id: roissy\n    communes: [{listed}]\n  - id: ecouen\n    communes: ['95205']\n",
        encoding="utf-8",
    )
    table = compute_indicators(prepared, load_territories(path, reference, prepared.movements))
    levels = table.groupby("territory", observed=True)["level"].apply(lambda x: set(x.astype(str)))
    assert "epci" not in levels["roissy"] and "epci" in levels["ecouen"]
    assert {"departement", "region", "france"} <= levels["roissy"]


def test_every_missing_indicator_says_its_true_reason(tmp_path):
    """No « Ajoutez … » for a file that is there (issue 33, point 6): the CNAF's IRIS file present but not
    cutting Ézanville into IRIS; the legal populations of a single vintage; a file that is truly missing."""
    import shutil

    from ctg_analysis.diagnostic import Diagnostic
    from ctg_analysis.indicators.catalogue import get_indicator
    from ctg_analysis.indicators.display import absence_reason

    folder = tmp_path / "data"
    (folder / "caf").mkdir(parents=True)
    shutil.copy(DEMO / "caf" / "data_CAF_2020_IRIS.csv", folder / "caf")
    shutil.copytree(DEMO / "populations-legales", folder / "populations-legales")
    (folder / "territories.yaml").write_text("territories:\n  - id: ezanville\n    communes: ['95229']\n", "utf-8")
    diagnostic = Diagnostic.open(folder)
    table = diagnostic.table(["ezanville"])

    def reason(indicator: str) -> str:
        return absence_reason(get_indicator(indicator), table, "ezanville", diagnostic.prepared)

    assert reason("allocataires") == (
        "aucune commune du territoire n'a de valeur dans les fichiers présents (absente de ces fichiers, ou secrète)"
    )
    assert reason("evol_population_legale").startswith("un seul millésime dans les données (")
    assert reason("naissances").startswith("Ajoutez aux données le fichier des naissances")


def test_key_figures_give_the_territorys_latest_known_period_and_the_france_that_publishes():
    # Issue 33 on real files: « Naissances domiciliées 2025 – » where a newer edition gave other areas only, and
    # France « –* » for the 2019 median although INSEE publishes France métropolitaine's 21 930 €.
    import ctg_analysis as ctg
    from ctg_analysis.formatting import format_value

    table = ctg.Diagnostic.open(DEMO, DEMO / "territories.yaml").table(["ezanville"])
    births = demo_births().set_index("CODGEO")
    latest = table.loc[(table["indicator"] == "naissances") & (table["year_end"] == 2021)]
    assert set(latest["level"]) >= {"territoire", "departement"}
    table.loc[latest.index[latest["level"] == "territoire"], "value"] = np.nan  # 2021 gives other areas only
    # The demo's France is France métropolitaine: its column says so (it read « France »).
    assert list(key_figures(table, "ezanville").columns)[-1] == "France métropolitaine"
    # France entière beside the demo's France métropolitaine: published for births, not for the median.
    france = table.loc[(table["level"] == "france") & table["indicator"].isin(["naissances", "revenu_median"])]
    entire = france.assign(
        geo="FR",
        geo_label="France entière",
        value=np.where(france["indicator"] == "naissances", france["value"] + 1000, np.nan),
    )
    for column in ("geo", "geo_label"):
        table[column] = table[column].astype(object)
    table = pd.concat([table, entire], ignore_index=True)
    figures = key_figures(table, "ezanville").set_index("Indicateur")
    row = figures.loc["Naissances domiciliées"]
    assert row["Période"] == "2020" and row["Territoire"] == format_value(births.loc["95229", "NAISD20"], "nombre", 0)
    metro = table.loc[(table["geo"] == "FRM") & (table["indicator"] == "naissances") & (table["period"] == "2020")]
    assert row["France"] == format_value(metro["value"].iloc[0] + 1000, "nombre", 0)  # France entière's, preferred
    median = table.loc[(table["geo"] == "FRM") & (table["indicator"] == "revenu_median") & (table["period"] == "2019")]
    assert figures.loc["Revenu disponible médian par unité de consommation", "France"] == (
        format_value(median["value"].iloc[0], "€", 0) + " (France métropolitaine)"
    )
