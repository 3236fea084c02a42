"""The canonical table: what every reader returns and the cache stores.

A canonical table is a tidy DataFrame with one row per geographic unit and period:

- ``geo``: the code as a string (5 characters for a commune, 9 for an IRIS or an EPCI, 2–3 for a
  département, 2 for a région, ``FRM``/``FR`` for France métropolitaine/entière);
- ``period``: the year the row describes (census vintage, year of births, Filosofi year…);
- optional attribute columns (``label``, ``commune``, ``departement``, ``region``, ``epci``…);
- one float column per variable, named without its vintage (``P19_POP0002`` → ``P_POP0002``,
  ``C19_FAMMONO`` → ``C_FAMMONO``, ``NAISD21`` → ``NAISD``, ``Q219`` → ``Q2``). Secret or missing
  values are NaN, never zero.

The metadata travel beside the frame in :class:`SourceTable`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ctg_analysis.levels import SOURCE_LEVELS

__all__ = ["ATTRIBUTE_COLUMNS", "DATASETS", "DATASET_FILES", "LEVELS", "PUBLISHED_DATASETS", "SourceTable", "dataset_hint"]

#: Dataset id → French label.
DATASETS: dict[str, str] = {
    "census_population": "Recensement – évolution et structure de la population",
    "census_families": "Recensement – couples, familles, ménages",
    "census_employment": "Recensement – emploi, population active",
    "census_history": "Recensement – séries historiques",
    "births": "État civil – naissances domiciliées",
    "legal_population": "Populations légales",
    "filosofi": "Filosofi – revenus disponibles",
    "caf": "CNAF – données allocataires",
    "cog_communes": "COG – communes",
    "cog_departements": "COG – départements",
    "cog_regions": "COG – régions",
    "cog_movements": "COG – mouvements des communes",
    "epci_composition": "Intercommunalités – composition communale",
}

#: Datasets published at every level with non-additive values (medians, rates): each value is read
#: where it is published, never summed.
PUBLISHED_DATASETS = frozenset({"filosofi"})

#: Dataset id → the official file an analyst downloads for it: name, publisher and where (French).
DATASET_FILES: dict[str, str] = {
    "census_population": "la base « Évolution et structure de la population » du recensement (Insee, "
    "base-cc-evol-struct-pop-AAAA ou base-ic-evol-struct-pop-AAAA, insee.fr, rubrique Statistiques › Bases de données)",
    "census_families": "la base « Couples, familles, ménages » du recensement (Insee, base-cc-coupl-fam-men-AAAA, insee.fr)",
    "census_employment": "la base « Emploi – population active » du recensement (Insee, base-cc-emploi-pop-active-AAAA, insee.fr)",
    "census_history": "la base « Séries historiques » du recensement (Insee, base-cc-serie-historique-AAAA, insee.fr)",
    "births": "le fichier des naissances domiciliées par commune (Insee, état civil, base_naissances_AAAA, insee.fr)",
    "legal_population": "les populations légales (Insee, ensemble.xlsx, insee.fr, rubrique Populations légales)",
    "filosofi": "les revenus disponibles Filosofi (Insee, FILOAAAA_DISP_COM, _EPCI, _DEP, _REG, insee.fr)",
    "caf": "les données allocataires de la CNAF (data_CAF_AAAA_IRIS.csv, data.caf.fr)",
    "cog_communes": "le Code officiel géographique (Insee, commune_AAAA.csv, insee.fr)",
    "cog_departements": "le Code officiel géographique (Insee, departement_AAAA.csv, insee.fr)",
    "cog_regions": "le Code officiel géographique (Insee, region_AAAA.csv, insee.fr)",
    "cog_movements": "les mouvements des communes du Code officiel géographique (Insee, mvtcommune_AAAA.csv, insee.fr)",
    "epci_composition": "la composition communale des intercommunalités (Insee, Intercommunalite-Metropole_au_01-01-AAAA.xlsx, insee.fr)",
}


def dataset_hint(dataset: str) -> str:
    """The French sentence saying which official file gives a dataset.

    Examples
    --------
    >>> dataset_hint("births")[:40]
    'Ajoutez aux données le fichier des naiss'
    """
    return f"Ajoutez aux données {DATASET_FILES[dataset]}."


#: Geographic levels, from the finest to the broadest.
LEVELS = SOURCE_LEVELS  # the levels a source table can be at

#: Non-numeric columns a canonical table may carry besides ``geo`` and ``period``.
ATTRIBUTE_COLUMNS = (
    "label",
    "commune",
    "departement",
    "region",
    "epci",
    "epci_label",
    "type",
    "parent",
    "iris_type",
)


@dataclass(frozen=True)
class SourceTable:
    """A canonical table and where it comes from.

    Attributes
    ----------
    dataset
        Dataset id, a key of :data:`DATASETS`.
    level
        Geographic level, one of :data:`LEVELS`.
    vintage
        The latest period in the table (census vintage, last year of births, Filosofi year…).
    cog_year
        The COG year of its codes (1 January of that year).
    cog_year_from
        How ``cog_year`` was found: ``"file"`` (stated in the file), ``"convention"`` (INSEE's usual
        publication rule for that dataset).
    path
        The source file, relative to the scanned folder.
    part
        The zip member or the sheet, if any.
    sha256
        Content hash of the source file.
    source
        A French source line for footnotes (``Insee, RP2019``).
    demo
        True for the synthetic demo data (*données fictives de démonstration*).
    data
        The canonical frame.
    """

    dataset: str
    level: str
    vintage: int | None
    cog_year: int | None
    cog_year_from: str
    path: str
    part: str | None
    sha256: str
    source: str
    demo: bool
    data: pd.DataFrame = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        """The dataset's French label."""
        return DATASETS[self.dataset]

    @property
    def variables(self) -> list[str]:
        """The numeric variable columns (not the ``<VAR>_partial`` flags of an IRIS aggregation, nor the
        ``estimated`` flag of a commune shared out of a split one)."""
        skipped = {"geo", "period", "flow_start", "estimated", *ATTRIBUTE_COLUMNS}
        return [c for c in self.data.columns if c not in skipped and not c.endswith("_partial")]

    def metadata(self) -> dict[str, object]:
        """Everything but the frame, JSON-serialisable (for the cache manifest)."""
        return {
            "dataset": self.dataset,
            "level": self.level,
            "vintage": self.vintage,
            "cog_year": self.cog_year,
            "cog_year_from": self.cog_year_from,
            "path": self.path,
            "part": self.part,
            "sha256": self.sha256,
            "source": self.source,
            "demo": self.demo,
        }
