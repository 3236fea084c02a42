"""Generated French sentences: a table of cases with the exact expected text, written by hand."""

from __future__ import annotations

import html

import pandas as pd
import pytest

from conftest import DEMO, mark_partial
from ctg_analysis.commentary import describe, diagnostic_text, load_phrases, theme_sentences
from ctg_analysis.commentary.grammar import agree, de, is_plural, with_article
from ctg_analysis.errors import CtgError
from ctg_analysis.themes import THEME_IDS

NNBSP, NBSP = "\u202f", "\u00a0"


def _table(
    indicator: str,
    value,
    *,
    period="2019",
    start=None,
    end=None,
    deps=(("95", "Val-d'Oise", None),),
    flags="",
    communes=(("95205", "Écouen"), ("95395", "Le Mesnil-Aubry")),
    commune_values=None,
) -> pd.DataFrame:
    """A long table holding one indicator: the territory, its communes and its départements."""
    start = int(period[:4]) if start is None else start
    end = int(period[-4:]) if end is None else end
    base = {
        "territory": "t",
        "indicator": indicator,
        "period": period,
        "year_start": start,
        "year_end": end,
        "n_communes": len(communes),
    }
    rows = [{**base, "level": "territoire", "geo": "t", "geo_label": "Territoire test", "value": value, "flags": flags}]
    for n, (code, label) in enumerate(communes):
        commune_value = value if commune_values is None else commune_values[n]
        rows.append(
            {
                **base,
                "level": "commune",
                "geo": code,
                "geo_label": label,
                "value": commune_value,
                "flags": flags,
                "n_communes": 1,
            }
        )
    for code, label, dep_value, *dep_flags in deps:
        rows.append(
            {
                **base,
                "level": "departement",
                "geo": code,
                "geo_label": label,
                "value": dep_value,
                "flags": dep_flags[0] if dep_flags else "",
                "n_communes": 100,
            }
        )
    return pd.DataFrame(rows)


CASES = [
    # Counts: plural, singular (a weighted 1,4 shows as 1), zero in both genders, thousands.
    ("naissances", 128, {}, "128 naissances domiciliées en 2019 sur le territoire."),
    ("naissances", 1, {}, "1 naissance domiciliée en 2019 sur le territoire."),
    ("naissances", 0, {}, "Aucune naissance domiciliée en 2019 sur le territoire."),
    ("pop_0_2", 0.3, {}, "Aucun enfant de 0 à 2 ans en 2019 sur le territoire."),
    ("pop_0_2", 1.4, {}, "1 enfant de 0 à 2 ans en 2019 sur le territoire."),
    ("pop_0_2", 12345.6, {}, f"12{NNBSP}346 enfants de 0 à 2 ans en 2019 sur le territoire."),
    (
        "naissances_3ans",
        385,
        {"period": "2017-2019"},
        "385 naissances domiciliées entre 2017 et 2019 sur le territoire.",
    ),
    # Evolutions: growth, decline, nil, without a comparison level, against two départements.
    (
        "evol_0_2",
        25.7,
        {"period": "2013-2019", "deps": (("95", "Val-d'Oise", 3.1),)},
        f"Le nombre d'enfants de 0 à 2 ans progresse de 25,7{NBSP}% entre 2013 et 2019, contre +3,1{NBSP}% dans le "
        f"département.",
    ),
    (
        "evol_0_2",
        -4.2,
        {"period": "2013-2019", "deps": (("95", "Val-d'Oise", -1.0),)},
        f"Le nombre d'enfants de 0 à 2 ans diminue de 4,2{NBSP}% entre 2013 et 2019, contre -1,0{NBSP}% dans le "
        f"département.",
    ),
    (
        "evol_population",
        0.04,
        {"period": "2013-2019", "deps": (("95", "Val-d'Oise", 4.5),)},
        f"La population est stable entre 2013 et 2019, contre +4,5{NBSP}% dans le département.",
    ),
    (
        "evol_population",
        2.0,
        {"period": "2013-2019", "deps": ()},
        f"La population progresse de 2,0{NBSP}% entre 2013 et 2019.",
    ),
    (
        "evol_0_2",
        4.7,
        {"period": "2013-2019", "deps": (("95", "Val-d'Oise", 6.0), ("78", "Yvelines", 4.5))},
        f"Le nombre d'enfants de 0 à 2 ans progresse de 4,7{NBSP}% entre 2013 et 2019, contre +4,5{NBSP}% dans le "
        f"département des "
        f"Yvelines et +6,0{NBSP}% dans le département du Val-d'Oise.",
    ),
    (
        "taux_evol_population_annuel",
        -0.5,
        {"period": "2013-2019", "deps": (("95", "Val-d'Oise", 0.74),)},
        f"La population diminue de 0,50{NBSP}% par an entre 2013 et 2019, contre +0,74{NBSP}% par an dans le "
        f"département.",
    ),
    # Positions: masculine and feminine subjects, above, below, comparable; two départements; alone.
    (
        "taux_activite_femmes",
        73.65,
        {"deps": (("95", "Val-d'Oise", 70.65),)},
        f"Le taux d'activité des femmes de 15 à 64 ans du territoire est supérieur à celui du département : "
        f"73,7{NBSP}% contre 70,7{NBSP}% en 2019.",
    ),
    (
        "part_familles_monoparentales",
        12.0,
        {"deps": (("95", "Val-d'Oise", 15.5),)},
        f"La part des familles monoparentales du territoire est inférieure à celle du département : 12,0{NBSP}% "
        f"contre 15,5{NBSP}% en 2019.",
    ),
    (
        "part_familles_monoparentales",
        15.1,
        {"deps": (("95", "Val-d'Oise", 15.5),)},
        f"La part des familles monoparentales du territoire est comparable à celle du département : 15,1{NBSP}% "
        f"contre 15,5{NBSP}% en 2019.",
    ),
    (
        "part_0_2",
        4.8,
        {"deps": (("95", "Val-d'Oise", 3.8),)},  # within one point, but a quarter more: not comparable
        f"La part des enfants de 0 à 2 ans dans la population du territoire est supérieure à celle du département : "
        f"4,8{NBSP}% contre 3,8{NBSP}% en 2019.",
    ),
    (
        "revenu_median",
        21930,
        {"deps": (("95", "Val-d'Oise", 23220),)},
        f"Le revenu disponible médian par unité de consommation du territoire est inférieur à celui du département : "
        f"21{NNBSP}930{NBSP}€ contre 23{NNBSP}220{NBSP}€ en 2019.",
    ),
    (
        "taux_natalite",
        10.1,
        {"deps": (("95", "Val-d'Oise", 12.5), ("78", "Yvelines", 14.0))},
        f"Le taux de natalité du territoire est de 10,1{NBSP}‰ en 2019, contre 14,0{NBSP}‰ dans le département des "
        f"Yvelines et 12,5{NBSP}‰ dans le département du Val-d'Oise.",
    ),
    ("taux_pauvrete", 14.2, {"deps": ()}, f"Le taux de pauvreté du territoire est de 14,2{NBSP}% en 2019."),
    # Missing values and caveats.
    (
        "revenu_median",
        None,
        {"flags": "unavailable;demo", "deps": (("95", "Val-d'Oise", 23220),)},
        # No commune of it has one either: the département's, published, as context.
        "Le revenu disponible médian par unité de consommation du territoire : valeur non publiée par l'Insee pour "
        f"un regroupement de communes ; elle est de 23{NNBSP}220{NBSP}€ dans le département du Val-d'Oise en 2019.",
    ),
    # A value INSEE does not publish for a grouping: the range of the communes that have one, without the
    # caveat that would repeat it.
    (
        "revenu_median",
        None,
        {"flags": "unavailable", "commune_values": (23500, 21000)},
        f"Le revenu disponible médian par unité de consommation du territoire : valeur non publiée par l'Insee pour "
        f"un regroupement de communes ; elle va de 21{NNBSP}000{NBSP}€ (Le Mesnil-Aubry) à 23{NNBSP}500{NBSP}€ "
        f"(Écouen) en 2019 selon les 2 communes où elle est publiée (classeur, feuille « Détail communal »).",
    ),
    (
        "taux_pauvrete",
        None,
        {"flags": "unavailable", "commune_values": (None, 9.4)},
        f"Le taux de pauvreté du territoire : valeur non publiée par l'Insee pour un regroupement de communes ; elle "
        f"est de 9,4{NBSP}% (Le Mesnil-Aubry) en 2019 dans la seule de ses communes où elle est publiée (classeur, "
        f"feuille « Détail communal »).",
    ),
    (
        "naissances",
        4,
        {"flags": "small"},
        "4 naissances domiciliées en 2019 sur le territoire. Petits effectifs : valeur fragile, à interpréter avec "
        "prudence.",
    ),
    # A partial share is given alone, not set against a whole département; a whole share is not set against a
    # partial département (the CNAF's IRIS files cover a département's communes cut into IRIS only).
    (
        "part_allocataires_rsa",
        6.6,
        {"flags": "partial", "period": "2020", "deps": (("95", "Val-d'Oise", 9.0),)},
        f"La part des allocataires du RSA du territoire est de 6,6{NBSP}% en 2020. Valeur partielle : des communes "
        f"sont manquantes ou couvertes par le secret statistique.",
    ),
    (
        "part_allocataires_rsa",
        6.6,
        {"period": "2020", "deps": (("95", "Val-d'Oise", 15.2, "partial"),)},
        f"La part des allocataires du RSA du territoire est de 6,6{NBSP}% en 2020.",
    ),
    (
        "allocataires",
        2464.2,
        {"flags": "partial", "period": "2020"},
        f"2{NNBSP}464 foyers allocataires de la CAF en 2020 sur le territoire. Valeur partielle : des communes sont "
        f"manquantes ou couvertes par le secret statistique.",
    ),
    (
        "evol_0_2",
        12.0,
        {"period": "2016-2019", "flags": "not_comparable;small", "deps": (("95", "Val-d'Oise", 3.0),)},
        # A non-comparable evolution is not set against the département's (the guide's rule): given alone.
        f"Le nombre d'enfants de 0 à 2 ans progresse de 12,0{NBSP}% entre 2016 et 2019. "
        "Petits effectifs : valeur fragile, à interpréter avec prudence. "
        "Les recensements comparés sont distants de moins de cinq ans : évolution à ne pas interpréter.",
    ),
    (
        "familles",
        2,
        {"flags": "cog_mismatch"},
        "2 familles en 2019 sur le territoire. Les géographies communales des sources diffèrent.",
    ),
]


@pytest.mark.parametrize(("indicator", "value", "options", "expected"), CASES, ids=[f"{c[0]}={c[1]}" for c in CASES])
def test_sentence_cases(indicator, value, options, expected):
    assert str(describe(_table(indicator, value, **options), "t", indicator)) == expected


@pytest.mark.parametrize(
    ("code", "name", "expected_place", "expected_of"),
    [
        ("95229", "Ézanville", "sur la commune d'Ézanville", "d'Ézanville"),
        ("95395", "Le Mesnil-Aubry", "sur la commune du Mesnil-Aubry", "du Mesnil-Aubry"),
        ("91692", "Les Ulis", "sur la commune des Ulis", "des Ulis"),
        ("93027", "La Courneuve", "sur la commune de La Courneuve", "de La Courneuve"),
        ("95313", "L'Isle-Adam", "sur la commune de L'Isle-Adam", "de L'Isle-Adam"),
        ("95094", "Bouqueval", "sur la commune de Bouqueval", "de Bouqueval"),
    ],
)
def test_commune_names_elide_and_contract(code, name, expected_place, expected_of):
    deps = ((code[:2], "Département", 20.0),)
    births = _table("naissances", 12, communes=((code, name), ("95205", "Écouen")), deps=deps)
    assert (
        describe(births, "t", "naissances", commune=code).text == f"12 naissances domiciliées en 2019 {expected_place}."
    )
    share = _table("part_familles_monoparentales", 25.0, communes=((code, name),), deps=deps)
    # A one-commune territory is named as its commune.
    assert describe(share, "t", "part_familles_monoparentales").text == (
        f"La part des familles monoparentales {expected_of} est supérieure à celle du département : 25,0{NBSP}% "
        f"contre 20,0{NBSP}% en 2019."
    )


def test_commune_is_compared_with_its_own_departement():
    table = _table(
        "taux_activite_femmes",
        70.0,
        communes=(("95205", "Écouen"), ("78901", "Fictiville")),
        commune_values=(71.0, 60.0),
        deps=(("95", "Val-d'Oise", 70.7), ("78", "Yvelines", 70.9)),
    )
    assert describe(table, "t", "taux_activite_femmes", commune="78901").text == (
        f"Le taux d'activité des femmes de 15 à 64 ans de Fictiville est inférieur à celui du département : "
        f"60,0{NBSP}% contre 70,9{NBSP}% en 2019."
    )
    with pytest.raises(CtgError, match="commune '95999' absente du territoire 't'"):
        describe(table, "t", "taux_activite_femmes", commune="95999")


def test_diagnostic_text_joins_sentences_and_warns_once_about_demo_data():
    table = pd.concat(
        [
            _table("naissances", 128, flags="demo"),
            _table("evol_0_2", 25.7, period="2013-2019", flags="demo", deps=(("95", "Val-d'Oise", 3.1),)),
        ]
    )
    assert diagnostic_text(table, "t", indicators=["naissances", "evol_0_2", "part_0_2"]) == (
        "128 naissances domiciliées en 2019 sur le territoire. "
        f"Le nombre d'enfants de 0 à 2 ans progresse de 25,7{NBSP}% entre 2013 et 2019, contre +3,1{NBSP}% dans le "
        f"département. "
        "Données fictives de démonstration."
    )


def test_the_seed_fiche_on_the_demo_data(demo_folder):
    from ctg_analysis import config
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    prepared = prepare(demo_folder)
    territories = load_territories(config.territories_file(), prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories, territory_ids=["ezanville"])
    table = table.loc[(table["indicator"] != "naissances") | (table["period"] == "2019")]  # the seed's year
    text = diagnostic_text(table, "ezanville", indicators=["naissances", "evol_0_2"])
    assert text.startswith(
        "128 naissances domiciliées en 2019 sur la commune d'Ézanville. "
        f"Le nombre d'enfants de 0 à 2 ans progresse de 25,7{NBSP}% entre 2013 et 2019, contre +"
    )
    assert text.endswith("dans le département. Données fictives de démonstration.")


def test_thematiques_match_without_case_or_accents():
    phrases = load_phrases()
    assert (
        phrases.thematique_indicators("PARENTALITÉ")
        == phrases.thematique_indicators("parentalite")
        == phrases.thematique_indicators("Parentalité")
    )
    with pytest.raises(CtgError, match=r"thématique 'parentalitée' inconnue \(vouliez-vous dire : 'parentalité'"):
        phrases.thematique_indicators("parentalitée")


def test_every_catalogue_indicator_can_be_described():
    from ctg_analysis.indicators.catalogue import all_indicators

    for indicator in all_indicators():
        sentence = describe(
            _table(
                indicator.id, 10.0, period="2013-2019" if indicator.kind in ("evolution", "annual_rate") else "2019"
            ),
            "t",
            indicator.id,
        )
        assert not sentence.text[0].islower() and sentence.text.endswith(".") and "{" not in sentence.text, (
            sentence.text
        )


def test_an_edited_phrases_file_is_checked(tmp_path):
    from importlib import resources

    text = resources.files("ctg_analysis.commentary").joinpath("phrases.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "phrases.yaml"
    broken.write_text(
        text.replace("{valeur} {nom} en {année} {lieu}.", "{valeur} {nom} en {anne} {lieu}."), encoding="utf-8"
    )
    with pytest.raises(
        CtgError, match=r"modèles\.effectif\.nombre : champ \{anne\} inconnu \(vouliez-vous dire : 'année'"
    ):
        load_phrases(broken)
    broken.write_text(
        text.replace("part_65p, part_allocataires_rsa, taux_pauvrete]", "part_65p, taux_pauverte]"), encoding="utf-8"
    )
    with pytest.raises(CtgError, match=r"thématiques\.inclusion numérique : indicateur 'taux_pauverte' inconnu"):
        load_phrases(broken)
    edited = tmp_path / "mes-phrases.yaml"
    edited.write_text(
        text.replace('"{valeur} {nom} en {année} {lieu}."', '"En {année}, {lieu} : {valeur} {nom}."'), encoding="utf-8"
    )
    assert (
        str(describe(_table("naissances", 128), "t", "naissances", phrases=load_phrases(edited)))
        == "En 2019, sur le territoire : 128 naissances domiciliées."
    )


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Écouen", "d'Écouen"),
        ("Yerres", "d'Yerres"),
        ("Houilles", "de Houilles"),
        ("le département", "du département"),
        ("la région", "de la région"),
        ("l'EPCI", "de l'EPCI"),
        ("les familles", "des familles"),
        ("Le Mesnil-Aubry", "du Mesnil-Aubry"),
        (with_article("Val-d'Oise", "2"), "du Val-d'Oise"),
        (with_article("Oise", 5), "de l'Oise"),
        (with_article("Paris", 0), "de Paris"),
        (with_article("Somme", "3"), "de la Somme"),
    ],
)
def test_de_elides_and_contracts(phrase, expected):
    assert de(phrase) == expected


def test_agreement_and_number():
    assert [agree("supérieur", g, p) for g in "mf" for p in (False, True)] == [
        "supérieur",
        "supérieurs",
        "supérieure",
        "supérieures",
    ]
    assert [agree("celui", g, p) for g in "mf" for p in (False, True)] == ["celui", "ceux", "celle", "celles"]
    assert [is_plural(v) for v in (0, 1, 1.9, 2, -3)] == [False, False, False, True, True]


def test_the_report_the_deck_and_the_fiches_write_one_commentary():
    from ctg_analysis.commentary import theme_sentences
    from ctg_analysis.reports.notebook import open_report
    from ctg_analysis.text import markdown_text
    from ctg_analysis.themes import THEME_IDS

    report = open_report("ctg-ecouen", data_dir=str(DEMO), territories_file=str(DEMO / "territories.yaml"))
    said = 0
    for theme in THEME_IDS:
        sentences = theme_sentences(report.table, "ctg-ecouen", theme)
        said_here = report.commentary(theme).split("*Non disponible pour ce territoire :*")[0]  # then what is missing
        listed = [line[2:] for line in said_here.split("\n") if line.startswith("- ")]
        assert listed == [markdown_text(s) for s in sentences]  # as text in the report's Markdown
        # The deck's notes and a fiche read the same sentences for the same indicators.
        text = diagnostic_text(report.table, "ctg-ecouen", theme=theme, demo_warning=False)
        assert all(str(s) in text for s in sentences)
        said += len(sentences)
    assert said >= 10  # the demo describes most themes: the comparison above is not of empty lists


@pytest.mark.parametrize("theme", THEME_IDS)
def test_every_report_theme_is_accepted_wherever_a_theme_is_taken(theme):
    import ctg_analysis as ctg

    diagnostic = ctg.Diagnostic.open(DEMO, DEMO / "territories.yaml")
    table = diagnostic.table(["ezanville", "ctg-ecouen"])
    assert isinstance(ctg.diagnostic_text(table, "ezanville", theme=theme), str)
    for view in (ctg.wide_view(table, "ezanville", theme=theme), ctg.communes_view(table, "ctg-ecouen", theme=theme)):
        assert len(view.formatted())
    assert len(ctg.side_by_side(table, ["ezanville", "ctg-ecouen"], theme=theme).formatted())


def test_a_thematique_given_as_a_report_theme_is_refused_with_the_right_keyword():
    table = _table("naissances", 12)
    with pytest.raises(
        CtgError, match=r"'parentalité' est une thématique des fiches actions.*thematique='parentalité'"
    ):
        diagnostic_text(table, "t", theme="parentalité")
    with pytest.raises(CtgError, match=r"thème 'logment' inconnu \(vouliez-vous dire : 'logement'"):
        diagnostic_text(table, "t", theme="logment")
    assert diagnostic_text(table, "t", thematique="Parentalité").startswith("12 naissances domiciliées en 2019")


def test_a_sentence_sets_its_value_against_the_departements_of_the_same_year():
    # The demo holds two census vintages (2013, 2019): the département's share beside the territory's 2019 value
    # is its 2019 share, computed here from the raw census base (Val-d'Oise's communes).
    import zipfile

    import ctg_analysis as ctg
    from ctg_analysis.formatting import format_number

    with zipfile.ZipFile(DEMO / "recensement" / "base-cc-evol-struct-pop-2019_csv.zip") as archive:
        census = pd.read_csv(archive.open("base-cc-evol-struct-pop-2019.CSV"), sep=";", dtype={"CODGEO": str})
    val_d_oise = census.loc[census["CODGEO"].str.startswith("95")]
    shares = {y: 100 * val_d_oise[f"P{y}_POP0002"].sum() / val_d_oise[f"P{y}_POP"].sum() for y in (13, 19)}
    assert format_number(shares[13], 1) != format_number(shares[19], 1)  # the two years tell apart
    table = ctg.Diagnostic.open(DEMO, DEMO / "territories.yaml").table(["ezanville"])
    text = describe(table, "ezanville", "part_0_2").text
    assert text.endswith(f"contre {format_number(shares[19], 1)}\u00a0% en 2019.")


def test_a_partial_value_says_its_coverage_in_words_in_its_table_and_its_sentence():
    """Issue 33, point 1: « Foyers allocataires — Val-d'Oise : 200 758 » counted 35 of 183 communes, shown with
    a star and no word of it. The coverage, in words, under the table and in the sentence's caveat."""
    from ctg_analysis.diagnostic import Diagnostic
    from ctg_analysis.indicators.display import wide_view

    table = Diagnostic.open(DEMO).table(["ctg-ecouen"])
    latest = table.loc[table["indicator"] == "part_allocataires_rsa", "year_end"].max()
    rsa = (table["indicator"] == "part_allocataires_rsa") & (table["year_end"] == latest)
    departement, territory = rsa & (table["level"] == "departement"), rsa & (table["level"] == "territoire")
    mark_partial(table, departement, 35 / 183, 0.7612, 183)
    mark_partial(table, territory, 0.8, 0.62, 5)
    page = wide_view(table, "ctg-ecouen", theme="accès aux droits-précarité").to_html()
    said = f"département Val-d'Oise : sur 19{NNBSP}% des communes, 76{NNBSP}% de la population"
    assert "Valeurs partielles : " in html.unescape(page)
    assert f"part des allocataires du RSA ({latest}), {said}" in html.unescape(page)
    assert f"sur 80{NNBSP}% des communes" in html.unescape(page)
    [sentence] = [s for s in theme_sentences(table, "ctg-ecouen", "accès aux droits-précarité") if "RSA" in s.text]
    assert f"(sur 80{NNBSP}% des communes, 62{NNBSP}% de la population)." in str(sentence)
    assert "contre" not in sentence.text  # a partial value is never set against the département's


# The synthesis « Enjeux et points d'appui » (issue 33): (indicator, territory value, its départements' values, flags,
# the line expected — written by hand from the rule: a gap beyond 5 points, or beyond 15 % of the département's
# value for a rate, a share or a median; 5 points only for a change).
OTHERS = (("60", "Oise", None),)
SYNTHESIS_CASES = [
    # fragilité above by 6 points: a need; below by 3 points but by a quarter: a strength; 1 point and 8 %: close.
    (
        "taux_pauvrete",
        18.0,
        ((12.0,),),
        "",
        f"Enjeu : Taux de pauvreté (seuil à 60 %) : 18,0{NBSP}% contre 12,0{NBSP}% "
        "dans le département, une fragilité plus marquée.",
    ),
    (
        "taux_pauvrete",
        9.0,
        ((12.0,),),
        "",
        f"Point d'appui : Taux de pauvreté (seuil à 60 %) : 9,0{NBSP}% contre "
        f"12,0{NBSP}% dans le département, une fragilité moins marquée.",
    ),
    ("taux_pauvrete", 11.0, ((12.0,),), "", "Sans écart marqué : taux de pauvreté (seuil à 60 %)."),
    # atout below by 17 %: a need.
    (
        "revenu_median",
        19000.0,
        ((23000.0,),),
        "",
        f"Enjeu : Revenu disponible médian par unité de consommation : "
        f"19{NNBSP}000{NBSP}€ contre 23{NNBSP}000{NBSP}€ dans le département, un niveau en retrait.",
    ),
    # A change: points only (+8 against +6 is a third more, but 2 points).
    (
        "evol_0_2",
        12.0,
        ((6.0,),),
        "",
        f"Enjeu : Évolution des enfants de 0 à 2 ans : +12,0{NBSP}% contre +6,0{NBSP}% "
        "dans le département, des besoins plus importants.",
    ),
    ("evol_0_2", 8.0, ((6.0,),), "", "Sans écart marqué : évolution des enfants de 0 à 2 ans."),
    (
        "part_0_2",
        2.0,
        ((4.0,),),
        "",
        f"À noter : Part des enfants de 0 à 2 ans : 2,0{NBSP}% contre 4,0{NBSP}% dans le "
        "département, des besoins moins importants.",
    ),
    # A flagged value is not compared, said so; a missing one is what the data cannot say.
    (
        "part_0_2",
        9.0,
        ((4.0,),),
        "partial",
        "Non comparés (valeur partielle, estimée ou non comparable) : part des enfants de 0 à 2 ans.",
    ),
    (
        "part_0_2",
        9.0,
        ((4.0, "not_comparable"),),
        "",
        "Non comparés (valeur partielle, estimée ou non comparable) : part des enfants de 0 à 2 ans.",
    ),
    ("part_0_2", None, ((4.0,),), "", "Les données ne disent rien de : part des enfants de 0 à 2 ans."),
    # Over two départements, each named.
    (
        "taux_pauvrete",
        18.0,
        ((12.0,), (13.0,)),
        "",
        f"Enjeu : Taux de pauvreté (seuil à 60 %) : 18,0{NBSP}% contre "
        f"12,0{NBSP}% (Val-d'Oise) et 13,0{NBSP}% (Oise) dans ses départements, une fragilité plus marquée.",
    ),
]


@pytest.mark.parametrize(("indicator", "value", "departements", "flags", "expected"), SYNTHESIS_CASES)
def test_the_synthesis_reads_a_marked_gap_as_a_need_or_a_strength(indicator, value, departements, flags, expected):
    from ctg_analysis.commentary.synthesis import synthesis
    from ctg_analysis.indicators import get_indicator

    names = (("95", "Val-d'Oise"), ("60", "Oise"))
    deps = tuple((code, label, *values) for (code, label), values in zip(names, departements, strict=False))
    spec = get_indicator(indicator)
    table = _table(indicator, value, deps=deps, flags=flags).assign(unit=spec.unit, label=spec.label)
    (part,) = synthesis(table, "t")
    assert part.theme == spec.theme and part.said() == [expected]


def test_the_synthesis_of_the_demo_against_its_raw_census():
    # Ézanville's growth of the 0-2 year olds against the Val-d'Oise's, from the raw census base: a need.
    import zipfile

    import ctg_analysis as ctg
    from ctg_analysis.commentary.synthesis import synthesis, synthesis_lines, synthesis_markdown
    from ctg_analysis.formatting import format_number
    from ctg_analysis.text import markdown_text

    with zipfile.ZipFile(DEMO / "recensement" / "base-cc-evol-struct-pop-2019_csv.zip") as archive:
        census = pd.read_csv(archive.open("base-cc-evol-struct-pop-2019.CSV"), sep=";", dtype={"CODGEO": str})
    val_d_oise = census.loc[census["CODGEO"].str.startswith("95")]
    ezanville = census.loc[census["CODGEO"] == "95229"]
    growth = 100 * (ezanville["P19_POP0002"].sum() / ezanville["P13_POP0002"].sum() - 1)
    departement = 100 * (val_d_oise["P19_POP0002"].sum() / val_d_oise["P13_POP0002"].sum() - 1)
    assert growth - departement > 5  # a marked gap in the file itself
    table = ctg.Diagnostic.open(DEMO, DEMO / "territories.yaml").table(["ezanville"])
    lines = synthesis_lines(synthesis(table, "ezanville"))
    expected = (
        f"Enjeu : Évolution des enfants de 0 à 2 ans : +{format_number(growth, 1)}{NBSP}% contre "
        f"+{format_number(departement, 1)}{NBSP}% dans le département, des besoins plus importants."
    )
    assert expected in lines and lines[-1].startswith("Écart marqué : au moins 15 %")
    # Every theme with a reading says each of its indicators once: weighed, close, set aside or unknown.
    said = "\n".join(lines)
    assert "Petite enfance" in said and "Accès aux droits et précarité" in said and "nan" not in said
    # A fiche's indicators only: one theme, not titled; the report's Markdown, a bold title per theme.
    (part,) = synthesis(table, "ezanville", indicators=["evol_0_2"])
    assert synthesis_lines([part]) == [expected, lines[-1]]
    markdown = synthesis_markdown(synthesis(table, "ezanville"))
    assert markdown.startswith("**Contexte démographique**\n\n- ") and f"- {markdown_text(expected)}" in markdown
    assert markdown.endswith(f"*{markdown_text(lines[-1][:-1])}.*") and synthesis_markdown([]).startswith(
        "*Aucun indicateur"
    )


@pytest.mark.parametrize(
    ("phrase", "said"),
    [
        ("la région", "de la région"),
        ("La Courneuve", "de La Courneuve"),  # « la » kept, whatever its case
        ("l'EPCI", "de l'EPCI"),
        ("L'Isle-Adam", "de L'Isle-Adam"),
        ("l’Haÿ-les-Roses", "de l’Haÿ-les-Roses"),  # the typographic apostrophe too
        ("Écouen", "d'Écouen"),
        ("Herblay", "de Herblay"),  # « h » left out: « de » is the safer default
        ("", "de "),
    ],
)
def test_de_elides_contracts_and_keeps_la_and_l(phrase, said):
    from ctg_analysis.commentary.grammar import de

    assert de(phrase) == said


@pytest.mark.parametrize(
    ("tncc", "named"),
    [
        (2, "le Val-d'Oise"),
        ("3", "la Val-d'Oise"),
        ("5", "l'Val-d'Oise"),
        (0, "Val-d'Oise"),
        (None, "Val-d'Oise"),
        ("9", "Val-d'Oise"),
    ],
)
def test_a_name_takes_the_article_insees_tncc_gives_it(tncc, named):
    from ctg_analysis.commentary.grammar import with_article

    assert with_article("Val-d'Oise", tncc) == named
