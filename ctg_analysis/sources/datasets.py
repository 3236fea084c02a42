"""The official datasets, each declared once: how it is recognised and read, what it publishes at which
level, and the rules its values follow.

Everything that depends on a dataset reads it here: the folder scan (recognition, reading, COG year by
convention), the IRIS aggregation and the geography conversion (which variables add up), the preparation
(values published per level, commune populations), the geography (official names of départements and
régions), the follow-up (the census five-year rule) and the messages (the official file to download).
Adding a dataset is adding one :class:`Dataset` to :data:`DATASETS` (see ``CONTRIBUTING.md``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ctg_analysis.formatting import format_count, format_number
from ctg_analysis.sources import (
    births,
    caf,
    census,
    childcare,
    cog,
    comparateur,
    equipment,
    filosofi,
    legal_population,
)
from ctg_analysis.sources._io import RawSheet
from ctg_analysis.sources._layout import Parsed
from ctg_analysis.sources.melodi import MelodiLayout, MelodiSeries

__all__ = ["DATASETS", "Dataset", "dataset_hint", "get_dataset"]


@dataclass(frozen=True)
class Dataset:
    """One official dataset.

    Attributes
    ----------
    id
        Short English id, used in the catalogue (``dataset: births``) and the cache.
    label
        French name, used in every message about the dataset.
    download
        The official file an analyst downloads for it: name, publisher and where (French).
    levels
        The geographic levels it is published at (:data:`~ctg_analysis.levels.SOURCE_LEVELS`).
    matches
        Whether a sheet (CSV, zip member, workbook sheet) has the dataset's own layout (``None`` when the
        dataset is read only in INSEE's Melodi long format, ``melodi``).
    read
        Reads a matching sheet, given the dataset's French label for its messages.
    cog_lag
        INSEE's usual publication rule when the file does not state its geography: vintage N is in the
        COG of 1 January N + ``cog_lag``; ``None`` when the file always states it (COG files).
    additive
        ``True`` when every variable adds up over IRIS and communes; otherwise the variables that do
        (counts beside non-additive medians), the others being read where published.
    census_rule
        Whether INSEE's rule applies that two census vintages less than five years apart are not compared.
    published
        Whether its non-additive values are read at every level where they are published, never summed.
    population
        The variable giving each commune's population, if the dataset has one (a later dataset's wins:
        the populations légales over the census).
    names
        The levels whose official names the dataset gives (geography reference), in ascending authority.
    melodi
        The Melodi datasets that give it in INSEE's long format, and how (:mod:`~ctg_analysis.sources.melodi`;
        none when INSEE publishes it in no such file yet).
    combines
        For a base combining the columns of several datasets (the comparateur de territoires), the
        datasets it feeds: its reader gives their tables, and it is read instead of any of them that
        would claim its sheet.
    publisher
        Who publishes it, as a sentence names them (« l'Insee », « la CNAF »).
    bounds
        The values the publisher's documentation allows, per variable (a regular expression over the
        canonical names): ``(pattern, lowest, highest)``, either end ``None`` when open. A value outside is a
        broken or hand-edited file, refused by name. (Counts are refused below 0 by every reader already.)
    """

    id: str
    label: str
    download: str
    levels: tuple[str, ...]
    matches: Callable[[RawSheet], bool] | None
    read: Callable[[RawSheet, str], list[Parsed]] | None
    cog_lag: int | None = None
    additive: bool | frozenset[str] = True
    census_rule: bool = False
    published: bool = False
    population: str | None = None
    names: tuple[str, ...] = ()
    melodi: tuple[MelodiLayout, ...] = ()
    combines: tuple[str, ...] = ()
    bounds: tuple[tuple[str, float | None, float | None], ...] = ()
    publisher: str = "l'Insee"

    @property
    def departemental(self) -> bool:
        """Whether its values are published by département and above only (no commune, no EPCI has one).

        Examples
        --------
        >>> get_dataset("caf_departements").departemental, get_dataset("childcare").departemental
        (True, False)
        """
        return not {"iris", "commune", "epci"} & set(self.levels)

    def claims(self, sheet: RawSheet) -> bool:
        """Whether a sheet is this dataset, in its own layout or in INSEE's Melodi long format."""
        return (self.matches is not None and self.matches(sheet)) or any(
            layout.matches(sheet) for layout in self.melodi
        )

    def parse(self, sheet: RawSheet) -> list[Parsed]:
        """Read a sheet this dataset claims, in whichever of its layouts it is (of a Melodi file, the levels
        the dataset is published at: its other zonings are not read)."""
        for layout in self.melodi:
            if layout.matches(sheet):
                parsed = layout.read(sheet, self.label, additive=self.additive is True)
                return [table for table in parsed if table.level in self.levels]
        if self.read is None:
            raise ValueError(f"{sheet.where} : « {self.label} » ne se lit qu'au format Melodi")
        return self.read(sheet, self.label)

    def out_of_bounds(self, data: pd.DataFrame) -> str | None:
        """The first value outside its variable's documented range, said in French (code, year, value,
        range); ``None`` when every value is possible.

        Examples
        --------
        >>> table = pd.DataFrame({"geo": ["95229"], "period": [2019], "TP60": [-12.0]})
        >>> get_dataset("filosofi").out_of_bounds(table)
        'colonne TP60, code 95229, année 2019 : -12 hors des valeurs possibles (de 0 à 100)'
        """
        for pattern, lowest, highest in self.bounds:
            for variable in (c for c in data.columns if re.fullmatch(pattern, str(c))):
                values = data[variable]
                wrong = values.lt(lowest if lowest is not None else -np.inf) | values.gt(
                    highest if highest is not None else np.inf
                )
                if wrong.any():
                    row = data.loc[wrong].iloc[0]
                    where = f"colonne {variable}, code {row['geo']}" + (
                        f", année {row['period']}" if "period" in data.columns else ""
                    )
                    span = (
                        f"de {format_number(lowest)} à {format_number(highest)}"
                        if lowest is not None and highest is not None
                        else (
                            f"au moins {format_number(lowest)}"
                            if lowest is not None
                            else f"au plus {format_number(highest)}"
                        )
                    )
                    return f"{where} : {format_count(row[variable])} hors des valeurs possibles ({span})"
        return None

    def is_additive(self, variable: str) -> bool:
        """Whether ``variable`` adds up over IRIS and communes.

        Examples
        --------
        >>> get_dataset("filosofi").is_additive("NBMEN"), get_dataset("filosofi").is_additive("Q2")
        (True, False)
        """
        return self.additive is True or (self.additive is not False and variable in self.additive)


_CENSUS = "(Insee, {file}, insee.fr, rubrique Statistiques › Bases de données)"
#: The census is read per commune (or IRIS); INSEE's own rows of a Melodi table above, to check the sums.
_CENSUS_LEVELS = ("iris", "commune", "epci", "departement", "region", "france")

#: The datasets, in the order of listings; a sheet is read by the one dataset whose layout it has.
DATASETS: dict[str, Dataset] = {
    d.id: d
    for d in (
        Dataset(
            "census_population",
            "Recensement – évolution et structure de la population",
            "la base « Évolution et structure de la population » du recensement "
            + _CENSUS.format(file="base-cc-evol-struct-pop-AAAA ou base-ic-evol-struct-pop-AAAA"),
            _CENSUS_LEVELS,
            census.is_population,
            census.read,
            cog_lag=2,  # RP vintage N is published in the geography of 1 January N+2 (RP2019 on COG 2021)
            census_rule=True,
            population="P_POP",
            melodi=(
                # The population by sex and age (INSEE's age code list CL_AGE: Y_LT3 « moins de 3 ans »…);
                # a table without a band gives no such variable.
                MelodiLayout(
                    "DS_RP_POPULATION_PRINC",
                    "Insee, RP{last}",
                    (
                        MelodiSeries("P_POP", {"SEX": "_T", "AGE": "_T"}),
                        MelodiSeries("P_POPH", {"SEX": "M", "AGE": "_T"}),
                        MelodiSeries("P_POPF", {"SEX": "F", "AGE": "_T"}),
                        *(
                            MelodiSeries(f"P_POP{band}", {"SEX": "_T", "AGE": code})
                            for band, code in (
                                ("0002", "Y_LT3"),
                                ("0305", "Y3T5"),
                                ("0610", "Y6T10"),
                                ("1117", "Y11T17"),
                                ("1824", "Y18T24"),
                                ("2539", "Y25T39"),
                                ("4054", "Y40T54"),
                                ("5564", "Y55T64"),
                                ("6579", "Y65T79"),
                                ("80P", "Y_GE80"),
                            )
                        ),
                    ),
                    totals={"RP_MEASURE": "POP"},
                ),
            ),
        ),
        Dataset(
            "census_families",
            "Recensement – couples, familles, ménages",
            "la base « Couples, familles, ménages » du recensement "
            + _CENSUS.format(file="base-cc-coupl-fam-men-AAAA"),
            _CENSUS_LEVELS,
            census.is_families,
            census.read,
            cog_lag=2,
            census_rule=True,
            melodi=(
                # Families by type (TFN: 1 single parent, 21 couple without a child, 22 with children; 1 + 21 + 22
                # = _T), all numbers of children (NCH), complementary exploitation as in the base (C_ variables).
                MelodiLayout(
                    "DS_RP_FAMILLE_COMP",
                    "Insee, RP{last}",
                    (
                        MelodiSeries("C_FAM", {"TFN": "_T"}),
                        MelodiSeries("C_FAMMONO", {"TFN": "1"}),
                        MelodiSeries("C_COUPSENF", {"TFN": "21"}),
                        MelodiSeries("C_COUPAENF", {"TFN": "22"}),
                    ),
                    totals={"NCH": "_T", "RP_MEASURE": "NBFAM"},
                ),
            ),
        ),
        Dataset(
            "census_employment",
            "Recensement – emploi, population active",
            "la base « Emploi – population active » du recensement "
            + _CENSUS.format(file="base-cc-emploi-pop-active-AAAA"),
            _CENSUS_LEVELS,
            census.is_employment,
            census.read,
            cog_lag=2,
            census_rule=True,
            melodi=(
                # People aged 15-64 by sex and status (EMPSTA_ENQ: 1 employed, 2 unemployed, 1T2 active, _T all).
                MelodiLayout(
                    "DS_RP_EMPLOI_LR_PRINC",
                    "Insee, RP{last}",
                    (
                        MelodiSeries("P_POP1564", {"SEX": "_T", "EMPSTA_ENQ": "_T"}),
                        MelodiSeries("P_ACT1564", {"SEX": "_T", "EMPSTA_ENQ": "1T2"}),
                        MelodiSeries("P_ACTOCC1564", {"SEX": "_T", "EMPSTA_ENQ": "1"}),
                        MelodiSeries("P_CHOM1564", {"SEX": "_T", "EMPSTA_ENQ": "2"}),
                        MelodiSeries("P_F1564", {"SEX": "F", "EMPSTA_ENQ": "_T"}),
                        MelodiSeries("P_FACT1564", {"SEX": "F", "EMPSTA_ENQ": "1T2"}),
                        MelodiSeries("P_FACTOCC1564", {"SEX": "F", "EMPSTA_ENQ": "1"}),
                    ),
                    totals={"AGE": "Y15T64", "EDUC": "_T", "RP_MEASURE": "POP"},
                ),
            ),
        ),
        Dataset(
            "census_history",
            "Recensement – séries historiques",
            "la base « Séries historiques » du recensement " + _CENSUS.format(file="base-cc-serie-historique-AAAA"),
            ("commune",),
            census.is_history,
            census.read,
            cog_lag=2,
            census_rule=True,
        ),
        Dataset(
            "census_housing",
            "Recensement – logement",
            "la base « Logement » du recensement " + _CENSUS.format(file="base-cc-logement-AAAA"),
            _CENSUS_LEVELS,
            census.is_housing,
            census.read,
            cog_lag=2,
            census_rule=True,
            melodi=(
                # Dwellings by occupancy (OCS), every other characteristic at its total.
                MelodiLayout(
                    "DS_RP_LOGEMENT_PRINC",
                    "Insee, RP{last}",
                    (
                        MelodiSeries("P_LOG", {"OCS": "_T"}),
                        MelodiSeries("P_RP", {"OCS": "DW_MAIN"}),
                        MelodiSeries("P_RSECOCC", {"OCS": "DW_SEC_DW_OCC"}),
                        MelodiSeries("P_LOGVAC", {"OCS": "DW_VAC"}),
                    ),
                    totals={
                        **dict.fromkeys(
                            ("L_STAY", "TDW", "CARS", "CARPARK", "NOR", "TSH", "BUILD_END", "NRG_SRC"), "_T"
                        ),
                        "RP_MEASURE": "DWELLINGS",
                    },
                ),
            ),
        ),
        Dataset(
            "births",
            "État civil – naissances domiciliées",
            "le fichier des naissances domiciliées par commune (Insee, état civil : base_naissances_AAAA, ou "
            "DS_ETAT_CIVIL_NAIS_COMMUNES au format Melodi, insee.fr)",
            ("commune", "epci", "departement", "region", "france"),  # above the commune: Melodi's own rows
            births.matches,
            births.read,
            cog_lag=1,  # the births of year N are published in the geography of 1 January N+1
            melodi=(
                MelodiLayout(
                    "DS_ETAT_CIVIL_NAIS_COMMUNES",
                    "Insee, état civil {years}",
                    (MelodiSeries("NAISD", {"EC_MEASURE": "LVB"}),),  # live births, at the mother's home
                ),
            ),
        ),
        Dataset(
            "legal_population",
            "Populations légales",
            "les populations légales (Insee, ensemble.xlsx, insee.fr, rubrique Populations légales)",
            ("commune", "departement", "region"),
            legal_population.matches,
            legal_population.read,
            cog_lag=2,
            census_rule=True,
            population="PMUN",
            names=("departement", "region"),
            melodi=(
                MelodiLayout(
                    "DS_POPULATIONS_REFERENCE",
                    "Insee, populations de référence RP{last}",
                    (
                        MelodiSeries("PMUN", {"POPREF_MEASURE": "PMUN"}),  # population municipale
                        MelodiSeries("PCAP", {"POPREF_MEASURE": "PCAP"}),  # comptée à part
                        MelodiSeries("PTOT", {"POPREF_MEASURE": "PTOT"}),  # totale
                    ),
                ),
            ),
        ),
        Dataset(
            "filosofi",
            "Filosofi – revenus disponibles",
            "les revenus disponibles Filosofi (Insee, FILOAAAA_DISP_COM, _EPCI, _DEP, _REG, insee.fr)",
            ("iris", "commune", "epci", "departement", "region", "france"),
            filosofi.matches,
            filosofi.read,
            cog_lag=1,  # Filosofi year N is published in the geography of 1 January N+1
            additive=frozenset({"NBMEN", "NBPERS", "NBUC"}),
            published=True,
            # INSEE's Filosofi documentation: counts, quartiles, deciles and ratios of deciles are positive, the
            # poverty rates are percentages, the Gini index lies between 0 and 1 (the shares of income, taxes
            # included, may be negative or above 100).
            bounds=(
                (r"NB\w*", 0, None),
                (r"Q[123]|D\d|Q3_Q1|RD|S80S20", 0, None),
                (r"TP\d\d\w*", 0, 100),
                (r"GI", 0, 1),
            ),
            melodi=(
                # The median standard of living (= disposable income per consumption unit, Q2) and the poverty
                # rate at 60 % of the median (TP60), as FILOSOFI_MEASURE codes MED_SL and PR_MD60.
                MelodiLayout(
                    "DS_FILOSOFI_CC",
                    "Insee, Filosofi {last}",
                    (
                        MelodiSeries("Q2", {"FILOSOFI_MEASURE": "MED_SL"}),
                        MelodiSeries("TP60", {"FILOSOFI_MEASURE": "PR_MD60"}),
                    ),
                ),
                # The same median by type of household (TPH_FISCAL), all households (_T) taken.
                MelodiLayout(
                    "DS_FILOSOFI_MEN_TP_NIVVIE",
                    "Insee, Filosofi {last}",
                    (MelodiSeries("Q2", {"FILOSOFI_MEASURE": "MED_SL"}),),
                    totals={"TPH_FISCAL": "_T"},
                ),
            ),
        ),
        Dataset(
            "caf",
            "CNAF – données allocataires",
            "les données allocataires de la CNAF (data.caf.fr : « Toutes prestations » par commune s_ben_com_f, "
            "par EPCI s_ben_epci_f, par département s_ben_dep, export CSV ; ou data_CAF_AAAA_IRIS.csv jusqu'en 2020)",
            ("iris", "commune", "epci", "departement"),
            caf.matches,
            caf.read,
            cog_lag=0,
            publisher="la CNAF",
        ),
        Dataset(
            "caf_departements",
            "CNAF – prestations publiées par département",
            "les données allocataires de la CNAF par département (data.caf.fr : « Toutes prestations » s_ben_dep et "
            "s_ben_nat, export CSV), seules à donner l'AAH et l'AEEH",
            ("departement", "france"),
            None,  # fed by the reader of the « toutes prestations » exports (caf), never claimed by a layout
            None,
            cog_lag=None,  # that reader dates every table: December N in the geography of 1 January N + 1
            # The disability benefits, published by département and for France only: a territory has none.
            additive=False,
            published=True,
            publisher="la CNAF",
        ),
        Dataset(
            "childcare",
            "CNAF – accueil du jeune enfant",
            "l'accueil du jeune enfant de la CNAF (data.caf.fr : taux de couverture txcouv_pe_com, _epci, _dep, "
            "_nat et places nbpla_pe_com, _epci, _dep, export CSV)",
            ("commune", "epci", "departement", "france"),
            childcare.matches,
            childcare.read,
            # The CNAF's figures of year N are those of its statistical files extracted early in N + 1, in the
            # geography of that day (data.caf.fr's notes on its EPCI datasets: « l'EPCI de résidence … telle
            # qu'elle est enregistrée dans le fichier statistique des allocataires extrait début d'année N+1 »).
            cog_lag=1,
            # Published for the communes of 10 000 inhabitants or more only: their sum is no territory's supply.
            additive=False,
            published=True,
            # A coverage rate above 100 is legitimate (places taken by the children of neighbouring communes);
            # no rate or place count is negative.
            bounds=((r"TXCOUV\w*", 0, None), (r"PL_\w+|TOT_OFFRE", 0, None)),
            publisher="la CNAF",
        ),
        Dataset(
            "equipment",
            "Base permanente des équipements",
            "la base permanente des équipements (Insee, DS_BPE au format Melodi, insee.fr)",
            ("commune", "epci", "departement", "region", "france"),
            None,
            None,
            cog_lag=0,  # the equipment present on 1 January N, in the geography of that day
            melodi=(
                # Facilities counted per domain (A services to individuals, B shops, C education, D health and
                # social action, E transport, F sport, leisure and culture, G tourism) and in all.
                MelodiLayout(
                    "DS_BPE",
                    "Insee, BPE {last}",
                    (
                        MelodiSeries("NB_EQUIP", {"FACILITY_DOM": "_T"}),
                        *(MelodiSeries(f"NB_DOM_{domain}", {"FACILITY_DOM": domain}) for domain in equipment.DOMAINS),
                        *(
                            MelodiSeries(f"NB_SDOM_{sub}", {"FACILITY_DOM": sub[0], "FACILITY_SDOM": sub})
                            for sub in equipment.SUBDOMAINS
                        ),
                        # The equipment a CTG looks at, by INSEE's type code (FACILITY_TYPE).
                        *(
                            MelodiSeries(
                                f"NB_{code}",
                                {"FACILITY_DOM": code[0], "FACILITY_SDOM": code[:2], "FACILITY_TYPE": code},
                            )
                            for code in equipment.TYPES
                        ),
                    ),
                    totals={"FACILITY_SDOM": "_T", "FACILITY_TYPE": "_T", "BPE_MEASURE": "FACILITIES"},
                    unlisted=equipment.unlisted_zeros,  # a commune without a crèche has no D502 row: it has none
                ),
            ),
        ),
        Dataset(
            "comparateur",
            "Comparateur de territoires",
            "la base du comparateur de territoires (Insee, base_cc_comparateur, insee.fr)",
            ("commune",),
            comparateur.matches,
            comparateur.read,
            combines=comparateur.FEEDS,
        ),
        Dataset(
            "cog_communes",
            "COG – communes",
            "le Code officiel géographique (Insee, commune_AAAA.csv, insee.fr)",
            ("commune",),
            cog.is_communes,
            cog.read_communes,
            additive=False,
        ),
        Dataset(
            "cog_departements",
            "COG – départements",
            "le Code officiel géographique (Insee, departement_AAAA.csv, insee.fr)",
            ("departement",),
            cog.is_departements,
            cog.read_departements,
            additive=False,
            names=("departement",),
        ),
        Dataset(
            "cog_regions",
            "COG – régions",
            "le Code officiel géographique (Insee, region_AAAA.csv, insee.fr)",
            ("region",),
            cog.is_regions,
            cog.read_regions,
            additive=False,
            names=("region",),
        ),
        Dataset(
            "cog_movements",
            "COG – mouvements des communes",
            "les mouvements des communes du Code officiel géographique (Insee, mvtcommune_AAAA.csv, insee.fr)",
            ("commune",),
            cog.is_movements,
            cog.read_movements,
            additive=False,
        ),
        Dataset(
            "epci_composition",
            "Intercommunalités – composition communale",
            "la composition communale des intercommunalités (Insee, Intercommunalite-Metropole_au_01-01-AAAA.xlsx, "
            "insee.fr)",
            ("commune",),
            cog.is_epci,
            cog.read_epci,
            additive=False,
        ),
    )
}


def get_dataset(dataset: str) -> Dataset:
    """The dataset of an id, or a French error listing the known ones.

    Examples
    --------
    >>> get_dataset("births").label
    'État civil – naissances domiciliées'
    """
    try:
        return DATASETS[dataset]
    except KeyError:
        raise ValueError(f"jeu de données inconnu : {dataset!r} (attendu l'un de {', '.join(DATASETS)})") from None


def dataset_hint(dataset: str) -> str:
    """The French sentence saying which official file gives a dataset.

    Examples
    --------
    >>> dataset_hint("births")[:40]
    'Ajoutez aux données le fichier des naiss'
    """
    return f"Ajoutez aux données {get_dataset(dataset).download}."
