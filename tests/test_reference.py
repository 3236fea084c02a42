"""The commune reference: from the COG files when present, from the geography shipped with the package otherwise."""

from __future__ import annotations

import shutil

import pytest

from conftest import DEMO
from ctg_analysis.codes import arrondissement_parent, departement_of, fold_arrondissements
from ctg_analysis.geography import commune_reference
from ctg_analysis.sources.folder import scan_folder


def test_reference_from_the_demo_cog(demo_folder):
    reference = commune_reference(demo_folder).set_index("code")
    row = reference.loc["95205"]
    assert (row["label"], row["departement"], row["departement_label"], row["region"], row["region_label"]) == (
        "Écouen",
        "95",
        "Val-d'Oise",
        "11",
        "Île-de-France",
    )
    assert row["epci"] == "200055655" and row["epci_label"] == "CA Roissy Pays de France"
    assert reference.loc["2A901", "departement_label"] == "Corse-du-Sud"


def test_reference_without_cog_files_is_the_shipped_geography(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DEMO / "populations-legales", folder / "populations-legales")
    reference = commune_reference(scan_folder(folder, cache_dir=False, progress=False), 2021)
    assert reference.attrs["cog_year"] == 2021 and "livrée avec ctg-analysis" in reference.attrs["built_from"]
    row = reference.set_index("code").loc["95229"]
    assert (row["label"], row["departement_label"], row["region_label"]) == ("Ézanville", "Val-d'Oise", "Île-de-France")
    assert row["epci"] == "200056380"  # CA Plaine Vallée, from the composition shipped for 2021
    assert reference.attrs["epci_year"] == 2021


@pytest.mark.real
def test_reference_on_real_cog(real):
    folder = scan_folder(real / "cog-2021", cache_dir=False, progress=False)
    reference = commune_reference(folder)
    assert (reference["type"] == "COM").sum() == 34965
    assert reference.set_index("code").loc["75101", "parent"] == "75056"


def test_arrondissements_are_never_counted_twice():
    import pandas as pd

    assert arrondissement_parent(pd.Series(["75120", "69389", "13216", "13217", "75056"])).tolist() == [
        "75056",
        "69123",
        "13055",
        pd.NA,
        pd.NA,
    ]
    assert departement_of(pd.Series(["97411", "2B033"])).tolist() == ["974", "2B"]
    both = pd.DataFrame({"geo": ["75056", "75101", "75102"], "period": 2019, "POP": [100.0, 60.0, 40.0]})
    assert fold_arrondissements(both, ["POP"], additive=True)[["geo", "POP"]].values.tolist() == [["75056", 100.0]]
    only = pd.DataFrame({"geo": ["75101", "75102", "95205"], "period": 2019, "POP": [60.0, 40.0, 7.0]})
    folded = fold_arrondissements(only, ["POP"], additive=True).set_index("geo")["POP"]
    assert folded.to_dict() == {"95205": 7.0, "75056": 100.0}
    assert fold_arrondissements(only, ["POP"], additive=False)["geo"].tolist() == ["95205"]


def test_france_leaves_out_the_overseas_collectivities():
    import pandas as pd

    from ctg_analysis.codes import in_france

    codes = pd.Series(["95205", "2A004", "97101", "97611", "97502", "97701", "98818", "98735"])
    assert in_france(codes).tolist() == [True, True, True, True, False, False, False, False]


def test_any_year_s_commune_list_comes_from_the_shipped_one():
    from ctg_analysis.geography.embedded import (
        communes_at,
        communes_created_after,
        embedded_communes,
        embedded_movements,
    )

    c2023 = communes_at(embedded_communes(), embedded_movements(), 2023).set_index("code")
    assert {"95169", "95282"} <= set(c2023.index) and "95282" not in set(embedded_communes()["code"])
    assert communes_created_after(2023).loc["60694"] == "Les Hauts-Talican"


def test_a_commune_list_newer_than_the_known_movements_keeps_the_year_of_its_name():
    """No movement known after the package's COG year: a list of that year agrees with any later one
    (a COG published after the package is not re-dated to an older year)."""
    from ctg_analysis.geography.embedded import commune_list_years, communes_at, embedded_communes, embedded_movements

    latest = embedded_communes()
    year = int(latest.attrs["cog_year"])
    dated = commune_list_years(latest.loc[latest["type"].eq("COM"), "code"], embedded_movements())
    assert (dated.last, dated.later) == (year, True) and year + 1 in dated and year - 1 not in dated
    older = communes_at(latest, embedded_movements(), 2016)
    dated = commune_list_years(older.loc[older["type"].eq("COM"), "code"], embedded_movements())
    assert 2016 in dated and not dated.later and year not in dated
