"""The dataset registry: one declaration is all a new official dataset needs."""

from pathlib import Path

import pandas as pd
import pytest

from ctg_analysis.actions.followup import Baseline, follow_up
from ctg_analysis.config import PROJECT_ENV
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.sources import census
from ctg_analysis.sources._layout import any_column
from ctg_analysis.sources.datasets import DATASETS, Dataset, dataset_hint, get_dataset
from ctg_analysis.sources.folder import scan_folder

#: The census housing base (« Logement », base-cc-logement-AAAA) in its own published layout: P19_LOG
#: (dwellings), P19_LOGVAC (vacant dwellings). The test declares it again, in place of the registry's own
#: declaration, to show that the declaration alone drives everything (the five-year rule switched on or off).
_HOUSING_FILE = (
    "CODGEO;LIBGEO;P19_LOG;P19_LOGVAC;P13_LOG;P13_LOGVAC\n"
    "95229;Ézanville;4012,98;201,03;3900;180\n"
    "01001;L'Abergement-Clémenciat;402;20,4;390;18\n"
)
_VACANCY = """
- id: part_logements_vacants
  label: Part des logements vacants
  theme: logement
  kind: share
  unit: "%"
  dataset: census_housing
  numerator: P_LOGVAC
  denominator: P_LOG
  scale: 100
"""


def _housing(*, census_rule: bool) -> Dataset:
    return Dataset(
        "census_housing",
        "Recensement – logement",
        "la base « Logement » du recensement (Insee, base-cc-logement-AAAA, insee.fr)",
        ("iris", "commune"),
        lambda sheet: any_column(sheet, r"P\d\d_LOG"),
        census.read,
        cog_lag=2,
        census_rule=census_rule,
    )


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project whose own indicator reads the new dataset."""
    (tmp_path / "ctg.toml").write_text('[data]\nindicators = "indicateurs.yaml"\n', encoding="utf-8")
    (tmp_path / "indicateurs.yaml").write_text(_VACANCY, encoding="utf-8")
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("census_rule", [True, False])
def test_a_dataset_declared_in_the_registry_alone_is_recognised_and_followed(project, monkeypatch, census_rule):
    monkeypatch.setitem(DATASETS, "census_housing", _housing(census_rule=census_rule))
    folder = project / "donnees"
    folder.mkdir()
    (folder / "export (1).csv").write_text(_HOUSING_FILE, encoding="utf-8")  # recognised by content, not by name

    table = scan_folder(folder, cache_dir=False).table("census_housing")
    assert (table.label, table.level, table.vintage, table.cog_year, table.cog_year_from) == (
        "Recensement – logement",
        "commune",
        2019,
        2021,
        "convention",
    )
    assert table.data.set_index(["geo", "period"]).loc[("95229", 2019), "P_LOGVAC"] == 201.03
    assert (
        dataset_hint("census_housing")
        == "Ajoutez aux données la base « Logement » du recensement (Insee, base-cc-logement-AAAA, insee.fr)."
    )

    # The project's indicator on it passes the catalogue's checks, and the follow-up applies the dataset's rule.
    assert get_indicator("part_logements_vacants").datasets == ("census_housing",)
    values = pd.DataFrame(
        {
            "indicator": ["part_logements_vacants"],
            "period": ["2016"],
            "year_start": [2016],
            "year_end": [2016],
            "value": [4.5],
            "source": ["Insee, RP2016"],
        }
    )
    baseline = Baseline(Path("diagnostic.xlsx"), "t", "T", 2021, frozenset({"95229"}), values, demo=False)
    current = pd.DataFrame(
        {
            "territory": ["t"],
            "level": ["territoire"],
            "geo": ["t"],
            "indicator": ["part_logements_vacants"],
            "period": ["2019"],
            "year_start": [2019],
            "year_end": [2019],
            "value": [5.0],
            "source": ["Insee, RP2019"],
        }
    )
    row = follow_up(baseline, current, "t").iloc[0]
    if census_rule:
        assert (row["Comparaison valide"], row["Motif"]) == (
            "non",
            "recensements 2016 et 2019 distants de moins de cinq ans (règle des cinq ans)",
        )
    else:
        assert (row["Comparaison valide"], row["Motif"]) == ("oui", "")


def test_an_unknown_dataset_is_named_with_the_known_ones():
    with pytest.raises(
        ValueError, match=r"jeu de données inconnu : 'housing' \(attendu l'un de census_population, census_families"
    ):
        get_dataset("housing")


def test_the_declarations_agree_with_the_rules_they_replace():
    """What each dataset declares, against INSEE's documentation (not against the code that reads it)."""
    census_based = {d for d, spec in DATASETS.items() if spec.census_rule}
    assert census_based == {
        "census_population",
        "census_families",
        "census_employment",
        "census_housing",
        "census_history",
        "legal_population",
    }
    # Filosofi's medians and rates; the CNAF's coverage rates and places, published for communes of 10 000
    # inhabitants or more only (their sum would be no territory's supply); its AAH and AEEH, published by
    # département and for France only.
    assert {d for d, spec in DATASETS.items() if spec.published} == {"filosofi", "childcare", "caf_departements"}
    assert not get_dataset("childcare").is_additive("TOT_OFFRE") and not get_dataset("childcare").is_additive("TXCOUV")
    filosofi = get_dataset("filosofi")
    assert [v for v in ("NBMEN", "NBPERS", "NBUC", "Q2", "TP60", "D1") if filosofi.is_additive(v)] == [
        "NBMEN",
        "NBPERS",
        "NBUC",
    ]
    # RP N is published in the COG of N+2, births and Filosofi N in that of N+1, CNAF IRIS and BPE files in the
    # year's own; the CNAF's data.caf.fr figures of N in that of N+1 (its statistical files are extracted early in
    # N+1: data.caf.fr's notes on its EPCI datasets).
    assert {d: spec.cog_lag for d, spec in DATASETS.items() if spec.cog_lag is not None} == {
        "census_population": 2,
        "census_families": 2,
        "census_employment": 2,
        "census_housing": 2,
        "census_history": 2,
        "births": 1,
        "legal_population": 2,
        "filosofi": 1,
        "caf": 0,
        "childcare": 1,
        "equipment": 0,  # the BPE of year N counts the equipment of 1 January N, in that day's geography
    }
    # The populations légales' commune population wins over the census's (the later of the two).
    assert [(d, spec.population) for d, spec in DATASETS.items() if spec.population] == [
        ("census_population", "P_POP"),
        ("legal_population", "PMUN"),
    ]
