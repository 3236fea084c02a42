"""Plan d'actions, pre-filled fiches actions and the yearly follow-up, on the two demo editions."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import matplotlib
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

matplotlib.use("Agg")

from conftest import DEMO, demo_births, demo_employment, mark_partial, movements
from ctg_analysis.actions.fiches import build_fiches, write_fiches_docx, write_fiches_xlsx
from ctg_analysis.actions.followup import Baseline, follow_up, read_baseline, same_geography
from ctg_analysis.actions.plan import load_plan
from ctg_analysis.cli import main
from ctg_analysis.errors import CtgError
from ctg_analysis.exports import write_workbook
from ctg_analysis.exports.workbook import COG_LINE
from ctg_analysis.indicators import compute_indicators, prepare
from ctg_analysis.resources import EARLIER_DEMO_DIR
from ctg_analysis.sources.folder import scan_folder
from ctg_analysis.territories import load_territories

PLAN = DEMO / "plan-actions.yaml"
EARLIER = EARLIER_DEMO_DIR
NBSP, NNBSP = "\u00a0", "\u202f"
# The merged communes of the demo: 60912 joined 60911 on 1 January 2022.
TERRITORIES = """
territories:
  - {id: ezanville, label: Ézanville, communes: ["95229"]}
  - {id: fusion-entiere, label: Les deux communes fusionnées, cog_year: 2021, communes: ["60911", "60912"]}
  - {id: fusion-partielle, label: La commune absorbée seule, cog_year: 2021, communes: ["60912"]}
"""


def _edition(folder, tmp_path_factory):
    """A demo edition prepared, with the territories above."""
    prepared = prepare(scan_folder(folder, cache_dir=tmp_path_factory.mktemp("cache"), progress=False))
    path = tmp_path_factory.mktemp("territories") / "territories.yaml"
    path.write_text(TERRITORIES, encoding="utf-8")
    return prepared, load_territories(path, prepared.reference, prepared.movements)


@pytest.fixture(scope="module")
def current(tmp_path_factory):
    """The demo's current edition: prepared data and the territories."""
    return _edition(DEMO, tmp_path_factory)


@pytest.fixture(scope="module")
def baselines(tmp_path_factory):
    """Baseline workbooks written from the earlier edition (RP2016, births to 2018, CAF 2016, COG 2019)."""
    prepared, territories = _edition(EARLIER, tmp_path_factory)
    table = compute_indicators(prepared, territories)
    out = tmp_path_factory.mktemp("baselines")
    return {
        t: write_workbook(table, t, out / f"{t}.xlsx", cog_year=prepared.cog_year)
        for t in ("ezanville", "fusion-entiere", "fusion-partielle")
    }


def _raw_census(name: str) -> pd.DataFrame:
    """A census base of the demo, read plainly from its zip."""
    with zipfile.ZipFile(DEMO / "recensement" / f"{name}_csv.zip") as archive, archive.open(f"{name}.CSV") as handle:
        return pd.read_csv(handle, sep=";", dtype={"CODGEO": str}).set_index("CODGEO")


def _raw_births(year: int) -> float:
    """Ézanville's births of a year, read straight from the demo's births file."""
    frame = demo_births()
    return float(frame.loc[frame["CODGEO"] == "95229", f"NAISD{year % 100:02d}"].iloc[0])


# --- plan d'actions -----------------------------------------------------------------------------------


def test_the_demo_plan_loads():
    plan = load_plan(PLAN)
    assert plan.territory == "ezanville"
    assert [a.number for a in plan.actions] == [1, 2, 3]
    first = plan.actions[0]
    assert first.thematique == "Parentalité" and first.title.startswith("Maintenir l'information")
    assert [i.id for i in first.indicators] == ["naissances", "evol_0_2", "taux_activite_femmes"]
    assert plan.targets() == {"taux_activite_femmes": 75.0, "part_0_2": 4.0, "part_monoparents_caf": 20.0}
    assert first.other_indicators == (
        "Nombre de familles rencontrées en individuel",
        "Nombre de réunions organisées",
        "Satisfaction des familles",
    )


def test_a_bad_plan_lists_every_problem(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(
        """
actions:
  - thématique: Parentalitée
    action: Informer les parents
    indicateurs: [naissance, {id: taux_activite_femmes, cible: beaucoup}]
    publc_cible: Parents
  - numéro: 1
    thématique: Jeunesse
""",
        encoding="utf-8",
    )
    with pytest.raises(CtgError) as error:
        load_plan(path)
    message = str(error.value)
    assert f"{path} : plan d'actions invalide" in message
    assert "action 1 : thématique 'Parentalitée' inconnue (vouliez-vous dire : 'parentalité'" in message
    assert "action 1 : indicateur 'naissance' inconnu (vouliez-vous dire : 'naissances'" in message
    assert "action 1, indicateur taux_activite_femmes : cible 'beaucoup' n'est pas un nombre" in message
    assert "action 1 : champ 'publc_cible' inconnu (vouliez-vous dire : 'public_cible'" in message
    assert "action 2 : champ 'action' manquant" in message
    assert "numéro de fiche 1 en double" in message


def test_a_plan_in_a_workbook(tmp_path):
    path = tmp_path / "plan.xlsx"
    pd.DataFrame(
        {
            "Thématique": ["Petite enfance", "Jeunesse"],
            "Action": ["Développer l'accueil du jeune enfant", "Ouvrir un point information jeunesse"],
            "Public cible": ["Familles", "Jeunes de 11 à 17 ans"],
            "Indicateurs d'évaluation": ["naissances; part_0_2: 4,5", "pop_11_17\npart_11_17"],
        }
    ).to_excel(path, index=False)
    plan = load_plan(path)
    assert [a.title for a in plan.actions] == [
        "Développer l'accueil du jeune enfant",
        "Ouvrir un point information jeunesse",
    ]
    assert [(i.id, i.target) for i in plan.actions[0].indicators] == [("naissances", None), ("part_0_2", 4.5)]
    assert plan.actions[1].text("public_cible") == "Jeunes de 11 à 17 ans"
    pd.DataFrame({"Thématique": ["Jeunesse"], "Actoin": ["x"]}).to_excel(path, index=False)
    with pytest.raises(CtgError, match=r"colonne 'Actoin' inconnue \(vouliez-vous dire : 'Action'"):
        load_plan(path)


# --- fiches actions -----------------------------------------------------------------------------------


def test_fiches_reopen_with_their_prefilled_values(current, tmp_path):
    prepared, territories = current
    table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    fiches = build_fiches(table, "ezanville", load_plan(PLAN))
    xlsx = write_fiches_xlsx(fiches, tmp_path / "fiches.xlsx")
    docx_path = write_fiches_docx(fiches, tmp_path / "fiches.docx")
    births = _raw_births(2021)

    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Plan d'actions", "Fiche 1", "Fiche 2", "Fiche 3"]
    summary = list(book["Plan d'actions"].iter_rows(values_only=True))
    assert summary[1][:3] == (
        1,
        "Parentalité",
        "Maintenir l'information, l'orientation et faciliter les démarches des parents et futurs parents",
    )
    sheet = book["Fiche 1"]
    assert sheet["A1"].value == "Fiche action n° 1"
    assert sheet["A2"].value == "Thématique : PARENTALITÉ"
    # The seed's two columns: labels above their boxes.
    assert (sheet["A4"].value, sheet["B4"].value) == ("Diagnostic initial", "Public cible")
    assert sheet["A5"].value.startswith(f"{births:.0f} naissances domiciliées en 2021 sur la commune d'Ézanville.")
    # The synthesis « Enjeux et points d'appui » of the rates, after the counts (issue 33).
    assert f"Enjeu : Évolution des enfants de 0 à 2 ans : +25,7{NBSP}% contre +6,0{NBSP}% dans le département" in (
        sheet["A5"].value
    )
    assert sheet["A5"].value.endswith(
        "Sollicitation des parents pour la recherche d'un mode d'accueil, une information sur la PAJE (Caf)."
    )
    assert sheet["B5"].value == "Parents et futurs parents d'enfants de moins de 3 ans"
    assert (sheet["A12"].value, sheet["B12"].value) == (
        "Services mobilisés / Partenaires sollicités",
        "Indicateurs d'évaluation",
    )
    assert "Nombre de réunions organisées" in sheet["B13"].value
    # The evaluation table holds numbers, not text: births as read from the raw file, the target of the plan.
    rows = {r[1]: r for r in sheet.iter_rows(min_row=18, values_only=True) if r[1]}
    assert rows["naissances"][2:5] == ("2021", births, "nombre")
    assert rows["taux_activite_femmes"][7] == 75
    assert rows["evol_0_2"][3] == pytest.approx(25.7, abs=0.05)

    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(docx_path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings == ["Fiche action n° 1", "Fiche action n° 2", "Fiche action n° 3"]
    grid = document.tables[0]
    assert grid.cell(0, 0).text == "Diagnostic initial" and grid.cell(1, 0).text == sheet["A5"].value
    values = document.tables[1]
    assert [c.text for c in values.rows[1].cells][:3] == ["Naissances domiciliées", "2021", f"{births:.0f}"]
    assert values.rows[3].cells[4].text == f"75,0{NBSP}%"
    # Printed on A4, boxes with room to write, the evaluation table's header repeated and kept with its rows.
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert all(grid.rows[r].height.cm > 2.49 for r in range(1, len(grid.rows), 2))  # 2.5 cm in whole twips
    assert values.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(p.paragraph_format.keep_with_next for row in values.rows[:-1] for c in row.cells for p in c.paragraphs)
    demo = [p.text for p in document.paragraphs if "Données fictives" in p.text]
    assert demo == [document.paragraphs[-1].text] and "Données fictives" not in grid.cell(1, 0).text


def test_without_a_plan_one_fiche_per_thematique(current):
    prepared, territories = current
    table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    fiches = build_fiches(table, "ezanville")
    themes = [f.action.thematique for f in fiches]
    assert themes[:4] == ["petite enfance", "parentalité", "enfance", "jeunesse"]
    assert all(f.boxes["Public cible"] == "" for f in fiches)  # left for the partners
    # The demo warning ends the document once, not each generated text the partners' own follows.
    assert fiches[0].demo and "Données fictives" not in fiches[0].boxes["Diagnostic initial"]


# --- suivi annuel ---------------------------------------------------------------------------------------


def test_follow_up_on_two_demo_editions(current, baselines):
    prepared, territories = current
    baseline = read_baseline(baselines["ezanville"])
    assert (baseline.territory, baseline.cog_year, baseline.communes, baseline.demo) == (
        "ezanville",
        2019,
        frozenset({"95229"}),
        True,
    )
    table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    geography = same_geography(
        baseline, frozenset(territories.get("ezanville").communes), prepared.cog_year, prepared.movements
    )
    assert geography == (True, "")
    follow = follow_up(baseline, table, "ezanville", geography=geography, plan=load_plan(PLAN)).set_index("Identifiant")

    births = follow.loc["naissances"]
    assert (births["Année de référence"], births["Année actuelle"], births["Comparaison valide"]) == (
        "2018",
        "2021",
        "oui",
    )
    assert births["Valeur de référence"] == _raw_births(2018) and births["Valeur actuelle"] == _raw_births(2021)
    assert births["Évolution"] == _raw_births(2021) - _raw_births(2018)
    # RP2016 against RP2019: three years apart, refused by the five-year rule.
    share = follow.loc["part_0_2"]
    assert (share["Année de référence"], share["Année actuelle"], share["Comparaison valide"]) == (
        "2016",
        "2019",
        "non",
    )
    assert share["Motif"] == "recensements 2016 et 2019 distants de moins de cinq ans (règle des cinq ans)"
    census = _raw_census("base-cc-evol-struct-pop-2019").loc["95229"]
    expected = 100 * census["P19_POP0002"] / census["P19_POP"]  # from INSEE's columns, not from the tool
    assert share["Valeur actuelle"] == pytest.approx(expected)
    assert share["Cible"] == 4.0 and share["Écart à la cible"] == pytest.approx(expected - 4.0)
    # CAF 2016 against 2020: valid; the evolution 2011-2016 of the baseline against 2013-2019: five-year rule.
    assert follow.loc["part_monoparents_caf", "Comparaison valide"] == "oui"
    assert follow.loc["evol_0_2", ["Année de référence", "Année actuelle", "Comparaison valide"]].tolist() == [
        "2011-2016",
        "2013-2019",
        "non",
    ]


def test_follow_up_checks_the_geography(current, baselines):
    prepared, territories = current
    whole = read_baseline(baselines["fusion-entiere"])
    assert whole.communes == frozenset({"60911", "60912"})
    same, why = same_geography(
        whole, frozenset(territories.get("fusion-entiere").communes), prepared.cog_year, prepared.movements
    )
    assert (same, why) == (True, "communes du COG 2019 converties au COG 2022")

    part = read_baseline(baselines["fusion-partielle"])
    communes = frozenset(territories.get("fusion-partielle").communes)
    assert communes == frozenset({"60911"})  # 60912 is followed into the commune that absorbed it
    geography = same_geography(part, communes, prepared.cog_year, prepared.movements)
    assert geography == (
        False,
        "géographie différente de la référence (COG 2019 → 2022) : communes absorbées depuis la référence : 60911",
    )
    table = compute_indicators(prepared, territories, territory_ids=["fusion-partielle"])
    follow = follow_up(part, table, "fusion-partielle", geography=geography)
    births = follow.set_index("Identifiant").loc["naissances"]
    assert births["Comparaison valide"] == "non" and births["Motif"].startswith("géographie différente")


def _communes_at(cog_year, *codes):
    return Baseline(Path("diagnostic.xlsx"), "t", "T", cog_year, frozenset(codes), pd.DataFrame(), demo=False)


def test_same_geography_said_in_words():
    moves = movements(
        (41, "2023-01-01", "COM", "01006", "COM", "02006"),  # code change
        (32, "2023-01-01", "COM", "01007", "COM", "01008"),  # 01008 absorbs 01007
        (32, "2023-01-01", "COM", "01008", "COM", "01008"),
    )
    assert same_geography(_communes_at(2023, "01001", "01002"), frozenset({"01001", "01002"}), 2023, moves) == (
        True,
        "",
    )
    assert same_geography(_communes_at(2023, "01001", "01002"), frozenset({"01001", "01003"}), 2023, moves) == (
        False,
        "communes différentes de la référence : en plus 01003 ; en moins 01002",
    )
    assert same_geography(_communes_at(None, "01001"), frozenset({"01001"}), 2023, moves) == (True, "")
    assert same_geography(_communes_at(None, "01001", "01002"), frozenset({"01002", "01004"}), 2023, moves) == (
        False,
        "communes différentes de la référence (année du COG de la référence inconnue) : en plus 01004 ; en moins 01001",
    )
    # Without movements the baseline's codes are compared as they are.
    assert same_geography(_communes_at(2022, "01006"), frozenset({"02006"}), 2023, None) == (
        False,
        "communes différentes de la référence : en plus 02006 ; en moins 01006",
    )
    assert same_geography(_communes_at(2022, "01006", "01009"), frozenset({"02006", "01009"}), 2023, moves) == (
        True,
        "communes du COG 2022 converties au COG 2023",
    )
    assert same_geography(_communes_at(2022, "01009"), frozenset({"01009"}), 2023, moves) == (True, "")
    assert same_geography(_communes_at(2022, "01007", "01008"), frozenset({"01008"}), 2023, moves) == (
        True,
        "communes du COG 2022 converties au COG 2023",
    )
    assert same_geography(_communes_at(2022, "01008"), frozenset({"01008"}), 2023, moves) == (
        False,
        "géographie différente de la référence (COG 2022 → 2023) : communes absorbées depuis la référence : 01007",
    )
    assert same_geography(_communes_at(2022, "01006", "01009"), frozenset({"02006"}), 2023, moves) == (
        False,
        "géographie différente de la référence (COG 2022 → 2023) : en moins 01009",
    )
    assert same_geography(
        _communes_at(2023, "01001", "01002", "01003"), frozenset({"01001", "01004", "01005"}), 2023, moves
    ) == (
        False,
        "communes différentes de la référence : en plus 01004, 01005 ; en moins 01002, 01003",
    )
    twice = pd.concat([moves, movements((32, "2023-01-01", "COM", "01010", "COM", "01008"))], ignore_index=True)
    assert same_geography(_communes_at(2022, "01008"), frozenset({"01008"}), 2023, twice) == (
        False,
        "géographie différente de la référence (COG 2022 → 2023) : communes absorbées depuis la référence : 01007, "
        "01010",
    )


def test_follow_up_row_changes_sources_and_geography():
    def baseline(indicator, value, source):
        values = pd.DataFrame(
            {
                "indicator": [indicator],
                "period": ["2018"],
                "year_start": [2018],
                "year_end": [2018],
                "value": [value],
                "source": [source],
            }
        )
        return Baseline(Path("diagnostic.xlsx"), "t", "T", 2023, frozenset({"01001"}), values, demo=False)

    def current(indicator, value, source):
        return pd.DataFrame(
            {
                "territory": ["t", "t"],
                "level": ["territoire", "departement"],
                "geo": ["t", "01"],
                "indicator": [indicator] * 2,
                "period": ["2021", "2021"],
                "year_start": [2021, 2021],
                "year_end": [2021, 2021],
                "value": [value, 1.0],
                "source": [source] * 2,
            }
        )

    births = follow_up(
        baseline("naissances", 80.0, "Insee, état civil 2018"),
        current("naissances", 100.0, "Insee, état civil 2021"),
        "t",
    ).iloc[0]
    assert births[
        [
            "Indicateur",
            "Identifiant",
            "Unité",
            "Année de référence",
            "Valeur de référence",
            "Année actuelle",
            "Valeur actuelle",
        ]
    ].tolist() == [
        "Naissances domiciliées",
        "naissances",
        "nombre",
        "2018",
        80.0,
        "2021",
        100.0,
    ]
    assert (births["Évolution"], births["Évolution relative (%)"], births["Comparaison valide"], births["Motif"]) == (
        20.0,
        25.0,
        "oui",
        "",
    )
    assert births["Source"] == "Insee, état civil 2018 ; Insee, état civil 2021" and math.isnan(births["Cible"])
    same_source = follow_up(baseline("naissances", 80.0, "Insee"), current("naissances", 100.0, "Insee"), "t").iloc[0]
    assert same_source["Source"] == "Insee"
    rate = follow_up(baseline("taux_natalite", 10.0, "Insee"), current("taux_natalite", 12.5, "Insee"), "t").iloc[0]
    assert rate["Évolution"] == pytest.approx(2.5) and math.isnan(rate["Évolution relative (%)"])
    moved = follow_up(
        baseline("naissances", 80.0, "Insee"),
        current("naissances", 100.0, "Insee"),
        "t",
        geography=(False, "autre géographie"),
    ).iloc[0]
    assert (moved["Comparaison valide"], moved["Motif"]) == ("non", "autre géographie")
    converted = follow_up(
        baseline("naissances", 80.0, "Insee"),
        current("naissances", 100.0, "Insee"),
        "t",
        geography=(True, "converties"),
    ).iloc[0]
    assert (converted["Comparaison valide"], converted["Motif"]) == ("oui", "converties")
    zero = follow_up(baseline("naissances", 0.0, "Insee"), current("naissances", 3.0, "Insee"), "t").iloc[0]
    assert zero["Évolution"] == 3.0 and math.isnan(zero["Évolution relative (%)"])


def _hand_made_baseline(path, sheets):
    """A workbook written cell by cell with openpyxl: {sheet name: rows}."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


HEADER = ["Indicateur", "Identifiant", "Période", "Niveau", "Code", "Libellé", "Valeur"]


def test_a_baseline_read_from_a_hand_made_workbook(tmp_path):
    path = _hand_made_baseline(
        tmp_path / "reference.xlsx",
        {
            "Petite enfance": [
                HEADER,
                ["Naissances", "naissances", "2018", "Territoire", "t", "Mon territoire", 80],
                ["Naissances", "naissances", "2018", "Département", "95", "Val-d'Oise", 15000],
                ["Évolution", "evol_0_2", "2011-2016", "Territoire", "t", "Mon territoire", -2.5],
            ],
            "Détail communal": [HEADER, ["Naissances", "naissances", "2018", "Commune", "95229", "Ézanville", 80]],
            "Sources et méthodes": [["Rubrique", "Valeur"], [COG_LINE, None], ["Sources", "Insee"]],
        },
    )
    baseline = read_baseline(path)
    assert (baseline.territory, baseline.label, baseline.cog_year, baseline.communes, baseline.demo) == (
        None,
        "Mon territoire",
        None,
        frozenset({"95229"}),
        False,
    )
    assert baseline.values.drop(columns="departement").to_dict("list") == {
        "indicator": ["naissances", "evol_0_2"],
        "period": ["2018", "2011-2016"],
        "year_start": [2018, 2011],
        "year_end": [2018, 2016],
        "value": [80.0, -2.5],
        "source": ["", ""],
    }
    # The département's value of the same indicator and period, where the workbook has one.
    assert baseline.values["departement"].iloc[0] == 15000 and baseline.values["departement"].isna().iloc[1]


def test_a_workbook_that_is_not_a_baseline_says_what_it_lacks(tmp_path):
    only_one = _hand_made_baseline(tmp_path / "a.xlsx", {"Détail communal": [HEADER], "Feuil1": [["x"]]})
    with pytest.raises(CtgError) as refused:
        read_baseline(only_one)
    assert str(refused.value) == (
        f"{only_one} : ce n'est pas un classeur de référence (feuilles « Détail communal » et « Sources et méthodes » "
        f"attendues, "
        "trouvé Détail communal, Feuil1) ; produisez-le avec « ctg export --formats xlsx »"
    )
    lacking = _hand_made_baseline(
        tmp_path / "b.xlsx",
        {"Thème": [HEADER[:2] + HEADER[3:6]], "Détail communal": [HEADER], "Sources et méthodes": [["a", "b"]]},
    )
    with pytest.raises(CtgError) as refused:
        read_baseline(lacking)
    assert str(refused.value) == f"{lacking}, feuille 'Thème' : colonnes manquantes : Période, Valeur"
    broken = tmp_path / "c.xlsx"
    broken.write_bytes(b"PK pas un classeur")
    with pytest.raises(CtgError, match=r"c\.xlsx : classeur illisible \("):
        read_baseline(broken)


def test_an_indicator_absent_from_the_new_data_is_said():
    values = pd.DataFrame(
        {
            "indicator": ["naissances"],
            "period": ["2018"],
            "year_start": [2018],
            "year_end": [2018],
            "value": [80.0],
            "source": ["Insee"],
        }
    )
    baseline = Baseline(Path("diagnostic.xlsx"), "t", "T", 2023, frozenset({"01001"}), values, demo=False)
    table = pd.DataFrame(
        {
            "territory": ["t"],
            "level": ["territoire"],
            "geo": ["t"],
            "indicator": ["population"],
            "period": ["2021"],
            "year_start": [2021],
            "year_end": [2021],
            "value": [1000.0],
            "source": ["Insee, RP2021"],
        }
    )
    row = follow_up(baseline, table, "t").iloc[0]
    assert (row["Identifiant"], row["Année actuelle"], row["Comparaison valide"], row["Motif"], row["Source"]) == (
        "naissances",
        None,
        "non",
        "valeur absente des nouvelles données",
        "Insee",
    )
    assert math.isnan(row["Valeur actuelle"]) and math.isnan(row["Évolution"])


def test_a_file_that_is_not_a_baseline_is_refused(tmp_path):
    path = tmp_path / "autre.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(path, index=False)
    with pytest.raises(CtgError, match="ce n'est pas un classeur de référence"):
        read_baseline(path)
    with pytest.raises(CtgError, match="classeur de référence introuvable"):
        read_baseline(tmp_path / "absent.xlsx")


# --- command line ------------------------------------------------------------------------------------------


def test_cli_fiches_and_suivi(baselines, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["fiches", "--plan", str(PLAN), "--out", str(tmp_path / "fiches")])
    assert result.exit_code == 0, result.output
    assert "3 fiches actions pour Ézanville" in result.output
    assert openpyxl.load_workbook(tmp_path / "fiches" / "fiches-actions.xlsx").sheetnames[1:] == [
        "Fiche 1",
        "Fiche 2",
        "Fiche 3",
    ]
    assert (tmp_path / "fiches" / "fiches-actions.docx").stat().st_size > 0
    # A partner's own wording.
    from importlib import resources

    text = resources.files("ctg_analysis.commentary").joinpath("phrases.yaml").read_text(encoding="utf-8")
    mine = tmp_path / "mes-phrases.yaml"
    mine.write_text(
        text.replace('"{valeur} {nom} en {année} {lieu}."', '"En {année}, {lieu} : {valeur} {nom}."'), encoding="utf-8"
    )
    result = runner.invoke(
        main,
        ["fiches", "--plan", str(PLAN), "--formats", "xlsx", "--phrases", str(mine), "--out", str(tmp_path / "mine")],
    )
    assert result.exit_code == 0, result.output
    box = openpyxl.load_workbook(tmp_path / "mine" / "fiches-actions.xlsx")["Fiche 1"]["A5"].value
    assert box.startswith(f"En 2021, sur la commune d'Ézanville : {_raw_births(2021):.0f} naissances domiciliées.")
    evaluation = openpyxl.load_workbook(tmp_path / "fiches" / "fiches-actions.xlsx")["Fiche 1"]["B13"].value
    assert f"Évolution des enfants de 0 à 2 ans : +25,7{NBSP}% entre 2013 et 2019" in evaluation

    result = runner.invoke(
        main,
        ["suivi", "--baseline", str(baselines["ezanville"]), "--plan", str(PLAN), "--out", str(tmp_path / "suivi")],
    )
    assert result.exit_code == 0, result.output
    assert "règle des cinq ans" in result.output
    book = openpyxl.load_workbook(tmp_path / "suivi" / "suivi.xlsx")
    rows = {r[1]: r for r in book["Suivi annuel"].iter_rows(min_row=2, values_only=True)}
    assert rows["naissances"][3:7] == ("2018", _raw_births(2018), "2021", _raw_births(2021))
    assert rows["part_0_2"][11] == "non"
    assert math.isclose(rows["taux_activite_femmes"][9], 75)
    # The README's example follows every indicator of its plan: each has its baseline value, here the
    # evolution 2011-2016 of the earlier edition's census read plainly.
    followed = {i.id for action in load_plan(PLAN).actions for i in action.indicators}
    assert followed <= set(rows) and all(rows[i][4] is not None for i in followed)
    with zipfile.ZipFile(EARLIER / "recensement" / "base-cc-evol-struct-pop-2016_csv.zip") as archive:
        census = pd.read_csv(archive.open("base-cc-evol-struct-pop-2016.CSV"), sep=";", dtype={"CODGEO": str})
    ezanville = census.set_index("CODGEO").loc["95229"]
    assert rows["evol_0_2"][3:5] == (
        "2011-2016",
        pytest.approx(100 * (ezanville.P16_POP0002 / ezanville.P11_POP0002 - 1)),
    )

    # Beside each value, the département's, from the raw files of both editions (Val-d'Oise's communes).
    def women_activity(frame, year):
        frame = frame.loc[frame["CODGEO"].str.startswith("95")]
        return 100 * frame[f"P{year}_FACT1564"].sum() / frame[f"P{year}_F1564"].sum()

    with zipfile.ZipFile(EARLIER / "recensement" / "base-cc-emploi-pop-active-2016_csv.zip") as archive:
        earlier = pd.read_csv(archive.open("base-cc-emploi-pop-active-2016.CSV"), sep=";", dtype={"CODGEO": str})
    assert rows["taux_activite_femmes"][14:16] == (
        pytest.approx(women_activity(earlier, 16)),
        pytest.approx(women_activity(demo_employment(), 19)),
    )

    from pptx import Presentation

    deck = Presentation(str(tmp_path / "suivi" / "suivi.pptx"))
    table = next(s for s in deck.slides[1].shapes if s.has_table).table
    assert table.cell(1, 0).text == "Naissances domiciliées"
    assert table.cell(1, 1).text == f"{_raw_births(2018):.0f} (2018)"
    # A chart for each valid comparison only: a bar beside « non valide » showed an evolution the data do not
    # support (issue 33, point 11); part_0_2 (five-year rule) has its row, with why, and no chart.
    pictures = sorted(p.stem for p in (tmp_path / "suivi" / "graphiques").glob("*.png"))
    valid = sorted(i for i, r in rows.items() if r[11] == "oui")
    assert pictures == valid and "part_0_2" not in pictures and len(valid) >= 3
    assert len(deck.slides) == 1 + math.ceil(len(rows) / 8) + len(valid) + 1


def test_the_follow_up_lists_the_indicators_without_any_value_instead_of_empty_rows_and_charts(
    current, baselines, tmp_path
):
    # Issue 33, point 11: on real data 53 slides, ~45 of them empty charts. An indicator with neither a baseline
    # nor a current value is named on a list slide; the table keeps those with a value.
    from pptx import Presentation

    from ctg_analysis.actions.steering import write_follow_up_deck

    prepared, territories = current
    table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    baseline = read_baseline(baselines["ezanville"])
    follow = follow_up(baseline, table, "ezanville")
    empty = follow["Valeur de référence"].isna() & follow["Valeur actuelle"].isna()
    follow.loc[follow["Identifiant"] == "naissances", ["Valeur de référence", "Valeur actuelle"]] = math.nan
    assert follow.loc[follow["Identifiant"] == "naissances"].index[0] not in follow.loc[empty].index
    deck = Presentation(str(write_follow_up_deck(follow, [], tmp_path / "suivi.pptx", baseline=baseline, label="É")))
    tabulated = [
        r.cells[0].text for slide in deck.slides for s in slide.shapes if s.has_table for r in list(s.table.rows)[1:]
    ]
    listed = "\n".join(
        s.text_frame.text
        for slide in deck.slides
        if "sans valeur" in slide.shapes.title.text
        for s in slide.shapes
        if s.has_text_frame and s != slide.shapes.title
    )
    assert "Naissances domiciliées" not in tabulated and "• Naissances domiciliées" in listed.split("\n")
    expected = follow.loc[follow["Valeur de référence"].notna() | follow["Valeur actuelle"].notna(), "Indicateur"]
    assert tabulated == expected.tolist() and len(tabulated) > 10


def test_cli_errors_exit_2_without_traceback(baselines, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["fiches", "--territory", "ctg-ecouen", "--plan", str(PLAN)])
    assert result.exit_code == 2 and "plan d'actions du territoire 'ezanville', pas de 'ctg-ecouen'" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["suivi", "--territory", "ctg-ecouen", "--baseline", str(baselines["ezanville"])])
    assert result.exit_code == 2 and "classeur de référence du territoire 'ezanville'" in result.output
    result = runner.invoke(main, ["fiches", "--territory", "ezanville", "--formats", "pdf"])
    assert result.exit_code == 2 and "format inconnu : 'pdf' (attendu xlsx, docx)" in result.output


def test_no_nan_reaches_a_reader_of_the_fiches_or_the_follow_up(current, baselines, tmp_path):
    # Indicators without any value (their file absent): the year, the département and the source are blank,
    # never « nan » (issue 33's fiche read « Année : nan »; the follow-up deck's table and subtitles too).
    import re

    import docx
    from pptx import Presentation

    from ctg_analysis.actions.steering import write_follow_up_deck

    prepared, territories = current
    table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    without = table.loc[~table["indicator"].isin(["allocataires", "part_allocataires_rsa", "taux_pauvrete"])]
    fiches = build_fiches(without, "ezanville")
    assert any(f.evaluation["Année"].isna().any() for f in fiches)  # the case the test is about
    document = docx.Document(write_fiches_docx(fiches, tmp_path / "fiches.docx"))
    texts = [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
    book = openpyxl.load_workbook(write_fiches_xlsx(fiches, tmp_path / "fiches.xlsx"))
    texts += [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    baseline = read_baseline(baselines["ezanville"])
    follow = follow_up(baseline, without, "ezanville", plan=load_plan(PLAN))
    assert follow["Année actuelle"].isna().any()
    deck = Presentation(str(write_follow_up_deck(follow, [], tmp_path / "suivi.pptx", baseline=baseline, label="É")))
    texts += [s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame]
    texts += [
        c.text for slide in deck.slides for s in slide.shapes if s.has_table for r in s.table.rows for c in r.cells
    ]
    assert len(texts) > 100 and [t for t in texts if re.search(r"\bnan\b", t, re.IGNORECASE)] == []


def test_a_fiche_gives_a_partial_departement_value_with_its_coverage_and_compares_nothing(current):
    """Issue 33, point 1: « Part des allocataires du RSA — Val-d'Oise : 15,2 % » with no caveat, on 35 of its 183
    communes. The fiche says the coverage in words, and sets no position against a partial value."""
    prepared, territories = current
    table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    before = build_fiches(table, "ezanville", load_plan(PLAN))
    mark_partial(
        table, (table["indicator"] == "part_allocataires_rsa") & (table["level"] == "departement"), 35 / 183, 0.76, 183
    )
    after = build_fiches(table, "ezanville", load_plan(PLAN))

    def row(fiches):
        evaluation = next(f.evaluation for f in fiches if "part_allocataires_rsa" in set(f.evaluation["Identifiant"]))
        return evaluation.set_index("Identifiant").loc["part_allocataires_rsa"]

    assert row(before)["Position"] != "" and "partielle" not in row(before)["Département"]
    assert row(after)["Département"].endswith(
        f"(valeur partielle, sur 19{NNBSP}% des communes, 76{NNBSP}% de la population)"
    )
    assert row(after)["Position"] == ""


def test_the_fiches_tables_have_fixed_columns_wide_enough_for_their_header_words(current, tmp_path):
    # Issue 33, point 11: LibreOffice ignored the cells' widths and split « Départemen / t », « Anné / e » and
    # « Cibl / e ». The grid's widths are set, autofit is off, each header word fits its column at 10 pt bold in
    # DejaVu Serif (what LibreOffice draws here for the document's Calibri: wider than Calibri), within the A4
    # page's 17,4 cm.
    import docx
    from docx.shared import Cm
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    bold = FontProperties(family="DejaVu Serif", weight="bold", size=10)

    def text_width(word: str, _size: int) -> float:
        return TextToPath().get_text_width_height_descent(word, bold, ismath=False)[0]

    prepared, territories = current
    table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    document = docx.Document(write_fiches_docx(build_fiches(table, "ezanville"), tmp_path / "fiches.docx"))
    evaluation = [t for t in document.tables if t.cell(0, 0).text == "Indicateur"]
    assert len(evaluation) == len([t for t in document.tables if t.cell(0, 0).text == "Diagnostic initial"]) > 5
    padding = Cm(0.4)  # the cell's left and right margins
    for grid in document.tables:
        assert not grid.autofit
        widths = [column.width for column in grid.columns]
        assert sum(widths) <= Cm(17.4) + 1000
        for cell, width in zip(grid.rows[0].cells, widths, strict=True):
            for word in cell.text.split():
                assert text_width(word, 10) * 12700 + padding <= width, (word, width)
