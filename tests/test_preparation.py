"""The preparation on census files written by hand in INSEE's layout: tables brought to the common COG
(a merge followed, a split that needs populations refused and flagged, codes older than the file's
geography followed), communes of the data missing from the geography, and the refusals of an empty folder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctg_analysis.codes import FRANCE, FRANCE_METRO
from ctg_analysis.errors import CtgError
from ctg_analysis.indicators import compute_indicators, prepare
from ctg_analysis.indicators.encoding import Geography
from ctg_analysis.sources.folder import scan_folder
from ctg_analysis.territories import load_territories


def _census(folder, vintage: int, rows: dict[str, tuple[float, float]]):
    """A census base « Évolution et structure de la population » with P<yy>_POP and P<yy>_POP0002."""
    folder.mkdir(exist_ok=True)
    yy = f"{vintage % 100:02d}"
    lines = [f"CODGEO;P{yy}_POP;P{yy}_POP0002", *(f"{code};{pop};{young}" for code, (pop, young) in rows.items())]
    (folder / f"base-cc-evol-struct-pop-{vintage}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return scan_folder(folder, cache_dir=False, progress=False)


def _population(tmp_path, prepared, communes, indicator="population"):
    (tmp_path / "t.yaml").write_text(f"territories:\n  - id: t\n    communes: {communes!r}\n", encoding="utf-8")
    table = compute_indicators(prepared, load_territories(tmp_path / "t.yaml", prepared.reference, prepared.movements))
    rows = table.query("level == 'territoire' and indicator == @indicator")
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_a_code_older_than_the_file_s_geography_is_followed_into_its_merge(tmp_path, caplog):
    # RP2019 is published in the COG 2021; Gadancourt (95259) was merged into Avernes (95040) in 2018.
    folder = _census(tmp_path / "data", 2019, {"95040": (800.5, 30.25), "95259": (100.25, 4.0), "95169": (300.0, 10.0)})
    with caplog.at_level("INFO", logger="ctg_analysis.indicators.harmonisation"):
        prepared = prepare(folder, indicators=["population", "pop_0_2"])
    assert prepared.cog_year == 2021 and prepared.cog_mismatch == set()
    assert any(
        m.endswith("base-cc-evol-struct-pop-2019.csv : 1 code antérieur à la géographie 2021 suivi dans les fusions")
        for m in caplog.messages
    )
    assert _population(tmp_path, prepared, ["95040"])["value"] == pytest.approx(900.75)
    assert _population(tmp_path, prepared, ["95040", "95169"], "pop_0_2")["value"] == pytest.approx(44.25)


def test_a_split_without_populations_to_share_it_leaves_its_parts_missing_and_no_other_commune(tmp_path, caplog):
    # RP2017 (COG 2019): Saline (14712) was split on 31 December 2019 into Sannerville (14666) and Troarn
    # (14712): without the legal populations of the parts it cannot be shared. The rest converts (a split
    # elsewhere in France does not make every territory's figures non comparable).
    folder = _census(tmp_path / "data", 2017, {"14712": (5000.0, 150.0), "95040": (800.0, 30.0)})
    with caplog.at_level("WARNING", logger="ctg_analysis.geography.conversion"):
        prepared = prepare(folder, indicators=["population"], cog_year=2021)
    assert prepared.cog_mismatch == set()
    (warning,) = [m for m in caplog.messages if "scindée" in m]
    assert warning.startswith(
        "base-cc-evol-struct-pop-2017.csv : conversion du COG 2019 vers 2021 : commune scindée (14712)"
    )
    assert "missing" in _population(tmp_path, prepared, ["14666"])["flags"].split(";")
    assert _population(tmp_path, prepared, ["95040"])["value"] == 800.0
    # In its own COG year the same file is not converted: nothing to flag.
    assert prepare(folder, indicators=["population"], cog_year=2019).cog_mismatch == set()


def test_a_file_of_a_more_recent_geography_than_the_common_one_is_said_and_flagged(tmp_path, caplog):
    folder = _census(tmp_path / "data", 2019, {"95040": (800.0, 30.0)})
    with caplog.at_level("WARNING", logger="ctg_analysis.indicators.harmonisation"):
        prepared = prepare(folder, indicators=["population"], cog_year=2020)
    assert prepared.cog_mismatch == {"population"}
    assert "base-cc-evol-struct-pop-2019.csv : COG 2021, différent du COG commun 2020, non converti" in caplog.messages


def test_communes_missing_from_the_geography_count_in_their_departement_and_france():
    reference = pd.DataFrame(
        {
            "type": ["COM", "COM", "ARM"],
            "code": ["95040", "95169", "75101"],
            "label": ["Avernes", "Commeny", "Paris 1er"],
            "epci": ["200035970", "200035970", None],
            "epci_label": ["CC Vexin", "CC Vexin", None],
            "departement": ["95", "95", "75"],
            "departement_label": ["Val-d'Oise", "Val-d'Oise", "Paris"],
            "region": ["11", "11", "11"],
            "region_label": ["Île-de-France", "Île-de-France", "Île-de-France"],
        }
    )
    alone = Geography.build(reference, np.array([], dtype=object))
    assert list(alone.communes) == ["95040", "95169"] and list(alone.codes["france"]) == [FRANCE_METRO]
    assert alone.labels["france"].tolist() == ["France métropolitaine"]
    grown = Geography.build(reference, np.array(["97101", "95999", "95040"], dtype=object))
    assert list(grown.communes) == ["95040", "95169", "95999", "97101"]
    assert grown.labels["commune"].tolist() == ["Avernes", "Commeny", "95999", "97101"]
    assert list(grown.codes["departement"]) == ["95", "971"] and grown.labels["departement"].tolist() == [
        "Val-d'Oise",
        "971",
    ]
    assert grown.parents["departement"].tolist() == [0, 0, 0, 1]
    assert list(grown.codes["region"]) == ["11", "01"] and grown.parents["region"].tolist() == [0, 0, 0, 1]
    assert grown.parents["epci"].tolist() == [0, 0, -1, -1]
    assert list(grown.codes["france"]) == [FRANCE, FRANCE_METRO] and grown.labels["france"].tolist() == [
        "France entière",
        "France métropolitaine",
    ]


def test_a_folder_without_the_data_needed_says_so(tmp_path):
    empty = tmp_path / "vide"
    empty.mkdir()
    (empty / "notes.txt").write_text("rien", encoding="utf-8")
    with pytest.raises(CtgError) as refused:
        prepare(scan_folder(empty, cache_dir=False, progress=False), indicators=["population"])
    assert (
        str(refused.value)
        == f"{empty} : aucune des données nécessaires aux indicateurs (recensement, naissances, CAF…)"
    )
    overseas = _census(tmp_path / "spm", 2019, {"97501": (5000.0, 150.0)})
    with pytest.raises(CtgError) as refused:
        prepare(overseas, indicators=["population"])
    assert str(refused.value) == (
        f"{tmp_path / 'spm'} : aucune des données nécessaires aux indicateurs : ses fichiers ne couvrent que des "
        f"collectivités "
        "d'outre-mer (975, 977, 978, 98x), hors du champ France (métropole et DROM) de ctg-analysis"
    )


def test_a_code_older_than_the_file_s_geography_keeps_its_secret_flag_in_its_merge(tmp_path):
    """A commune value summing IRIS of which some are secret (``<VAR>_partial``) keeps its flag when its
    code, older than the file's geography, is followed into its merge; the other communes keep theirs."""
    from dataclasses import replace

    from ctg_analysis.indicators.harmonisation import bring_to

    folder = _census(tmp_path / "data", 2019, {"95040": (800.5, 30.25), "95259": (100.25, 4.0), "95169": (300.0, 10.0)})
    prepared = prepare(folder, indicators=["population"])
    (table,) = folder.tables
    # Gadancourt (95259), merged into Avernes (95040) in 2018, had a secret IRIS; 95169 one too.
    flagged = replace(table, data=table.data.assign(P_POP_partial=[False, True, True]))
    communes = pd.Index(prepared.reference.loc[prepared.reference["type"] == "COM", "code"].to_numpy(dtype=object))
    converted, done = bring_to(flagged, 2021, prepared.movements, None, {}, communes)
    assert done
    data = converted.data.set_index("geo")
    assert data.loc["95040", "P_POP"] == pytest.approx(900.75)
    assert data["P_POP_partial"].to_dict() == {"95040": True, "95169": True}


def test_a_value_published_in_a_more_recent_geography_is_kept_only_where_the_commune_did_not_change(tmp_path):
    """Filosofi 2022 is published in the COG 2023; brought to the data's 2022 geography, Culoz-Béon (01138,
    Culoz and Béon merged on 1 January 2023) is not Culoz: no value, perimeter changed. Saint-Denis-lès-Bourg
    (01344) and Commeny (95169, merged only in 2024) keep theirs."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "FILO2022_DISP_COM.csv").write_text(
        "CODGEO;LIBGEO;NBMEN22;NBPERS22;Q222;TP6022\n"
        "01344;Saint-Denis-lès-Bourg;2500;5600;23100;9,5\n"
        "01138;Culoz-Béon;1500;3300;21500;11,0\n"
        "95169;Commeny;250;600;26000;5,0\n",
        encoding="utf-8",
    )
    scanned = scan_folder(folder, cache_dir=False, progress=False)
    prepared = prepare(scanned, indicators=["revenu_median"], cog_year=2022)
    published = prepared.published.assign(code=prepared.geography.communes[prepared.published["geo"]])
    values = published.loc[published["level"] == 0].set_index("code")
    assert values.loc["01344", "value"] == 23100 and values.loc["95169", "value"] == 26000
    assert not values.loc[["01344", "95169"], "perimeter"].any()
    assert np.isnan(values.loc["01138", "value"]) and values.loc["01138", "perimeter"]


def test_a_rate_whose_denominator_sums_secret_iris_is_partial(tmp_path):
    """The birth rate divides births (commune file) by the census population: summed here from an IRIS base
    with one IRIS of Avernes without value, so Avernes' rate is partial (its denominator understated), and
    Commeny's is not."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "base-ic-evol-struct-pop-2019.csv").write_text(
        "IRIS;COM;TYP_IRIS;P19_POP;P19_POP0002\n950400101;95040;H;500;20\n950400102;95040;H;;\n951690000;95169;Z;300;10\n",
        encoding="utf-8",
    )
    (folder / "base-naissances-2021.csv").write_text(
        "CODGEO;NAISD19;NAISD20;NAISD21\n95040;8;7;9\n95169;3;2;4\n", encoding="utf-8"
    )
    prepared = prepare(scan_folder(folder, cache_dir=False, progress=False), indicators=["taux_natalite"])
    values = prepared.values.assign(code=prepared.geography.communes[prepared.values["commune"]]).set_index("code")
    assert values.loc["95040", ["numerator", "denominator"]].tolist() == [8.0, 500.0]
    assert values["partial"].to_dict() == {"95040": True, "95169": False}


def test_a_commune_missing_from_the_reference_still_counts_in_its_departement_and_france(tmp_path):
    """A code no COG knows (95999) is no commune of any territory, but its people are in the data: the sums
    of the département and of France add them to the others' (800,5 + 1 000)."""
    folder = _census(tmp_path / "data", 2019, {"95040": (800.5, 30.25), "95999": (1000.0, 40.0)})
    prepared = prepare(folder, indicators=["population"])
    assert "95999" in set(prepared.geography.communes)
    for level, code in (("departement", "95"), ("france", prepared.geography.codes["france"][0])):
        sums = prepared.level_sums[level]
        row = sums["geo"] == prepared.geography.codes[level].get_loc(code)
        assert sums["numerator"][row].tolist() == [1800.5] and sums["n_communes"][row].tolist() == [2]


def test_each_published_indicator_cites_the_files_of_its_own_years(tmp_path):
    """Two Filosofi vintages, the poverty rate (TP60) in the newer only: the median cites both files, the
    rate the newer alone."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "FILO2018_DISP_COM.csv").write_text("CODGEO;LIBGEO;NBMEN18;Q218\n01001;A;100;21000\n", encoding="utf-8")
    (folder / "FILO2019_DISP_COM.csv").write_text(
        "CODGEO;LIBGEO;NBMEN19;Q219;TP6019\n01001;A;100;21500;9,5\n", encoding="utf-8"
    )
    scanned = scan_folder(folder, cache_dir=False, progress=False)
    prepared = prepare(scanned, indicators=["revenu_median", "taux_pauvrete"])
    assert prepared.sources == {
        "revenu_median": "Insee, Filosofi 2019 ; Insee, Filosofi 2018",
        "taux_pauvrete": "Insee, Filosofi 2019",
    }
    assert prepared.period_sources[("revenu_median", 2018)] == "Insee, Filosofi 2018"
    assert ("taux_pauvrete", 2018) not in prepared.period_sources
