"""The indicator catalogue, declared in ``catalogue.yaml`` beside this module, and a project's own
indicators (the file named by ``[data] indicators`` in its ``ctg.toml``, same schema, appended).

Every indicator states its French label, CTG theme, how it is computed (numerator and denominator
variables, or "published per level" for non-additive ones), unit, source dataset, field, minimum
denominator for a reliable value, and, for evolutions, the minimum gap between vintages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from ctg_analysis.config import PROJECT_ENV, find_project
from ctg_analysis.errors import CtgError, did_you_mean
from ctg_analysis.sources.datasets import DATASETS
from ctg_analysis.themes import THEME_IDS, get_theme
from ctg_analysis.yaml_input import load_yaml

__all__ = ["CHARTS", "KINDS", "READINGS", "Indicator", "catalogue", "get_indicator", "indicators_of_theme"]

KINDS = ("count", "share", "rate", "rolling_sum", "evolution", "annual_rate", "published")
#: What a value markedly above the département's means (``reading``, see ``catalogue.yaml``).
READINGS = ("atout", "fragilité", "besoin")
#: How an indicator may be charted on its own: bars comparing the levels, or its evolution over time.
CHARTS = ("bars", "evolution")


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue (see ``catalogue.yaml`` for the meaning of each field)."""

    id: str
    label: str
    theme: str
    kind: str
    unit: str
    decimals: int = 1
    dataset: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    denominator_dataset: str | None = None
    of: str | None = None
    scale: float = 1.0
    window: int | None = None
    field: str = ""
    min_denominator: float = 0.0
    min_gap: int | None = None
    chart: str | None = None
    in_report: bool = False
    map: bool | str = False
    reading: str | None = None

    @property
    def is_count(self) -> bool:
        """Whether the indicator counts people or events (a count, a rolling sum): a number, said with
        what it counts."""
        return self.kind in ("count", "rolling_sum")

    @property
    def is_ratio(self) -> bool:
        """Whether the indicator is Σ numerators / Σ denominators (a share, a rate)."""
        return self.kind in ("share", "rate")

    @property
    def is_change(self) -> bool:
        """Whether the indicator is a change between two vintages (evolution, annual rate): shown with
        its sign, compared with other levels in points."""
        return self.kind in ("evolution", "annual_rate")

    @property
    def compares_across_units(self) -> bool:
        """Whether units of different sizes can be set side by side on it: a rate, a share, a change, a
        median; never a count (« 12 727 habitants contre 81 023 » says only that one unit is smaller).

        Examples
        --------
        >>> get_indicator("population").compares_across_units, get_indicator("part_0_2").compares_across_units
        (False, True)
        """
        return not (self.is_count or (self.kind == "published" and self.unit == "nombre"))

    @property
    def additive(self) -> bool:
        """Whether the indicator is built from sums over communes (every kind but ``published``)."""
        return self.kind != "published"

    @property
    def datasets(self) -> tuple[str, ...]:
        """The datasets the indicator is computed from (an evolution's are those of its base count).

        Examples
        --------
        >>> get_indicator("taux_natalite").datasets
        ('births', 'census_population')
        >>> get_indicator("evol_0_2").datasets
        ('census_population',)
        """
        if self.of:
            return get_indicator(self.of).datasets
        return tuple(d for d in (self.dataset, self.denominator_dataset) if d)

    @property
    def numerator_variables(self) -> list[str]:
        return _variables(self.numerator)

    @property
    def denominator_variables(self) -> list[str]:
        return _variables(self.denominator)


def _variables(expression: str | None) -> list[str]:
    return [v.strip() for v in expression.split("+")] if expression else []


def _check(indicator: Indicator, known: set[str], source: str) -> None:
    where = f"{source}, indicateur {indicator.id!r}"
    if indicator.theme not in THEME_IDS:
        raise CtgError(f"{where} : thème {indicator.theme!r} inconnu{did_you_mean(indicator.theme, THEME_IDS)}")
    if indicator.kind not in KINDS:
        raise CtgError(f"{where} : type {indicator.kind!r} inconnu (attendu l'un de {', '.join(KINDS)})")
    if indicator.chart is not None and indicator.chart not in CHARTS:
        raise CtgError(f"{where} : graphique {indicator.chart!r} inconnu (attendu l'un de {', '.join(CHARTS)})")
    if indicator.map not in (False, True, "report"):
        raise CtgError(f"{where} : carte {indicator.map!r} inconnue (attendu true, false ou report)")
    if indicator.reading is not None and indicator.reading not in READINGS:
        raise CtgError(f"{where} : lecture {indicator.reading!r} inconnue (attendu l'un de {', '.join(READINGS)})")
    if indicator.reading is not None and not indicator.compares_across_units:
        raise CtgError(f"{where} : « reading » ne vaut que pour un taux, une part, une évolution ou une médiane")
    if indicator.kind in ("evolution", "annual_rate"):
        if indicator.of not in known or not indicator.min_gap:
            raise CtgError(
                f"{where} : une évolution demande « of » (un indicateur de comptage du catalogue) et « min_gap »"
            )
        return
    for dataset in (indicator.dataset, indicator.denominator_dataset):
        if dataset is not None and dataset not in DATASETS:
            raise CtgError(f"{where} : jeu de données {dataset!r} inconnu{did_you_mean(dataset, DATASETS)}")
    if not indicator.dataset or not indicator.numerator:
        raise CtgError(f"{where} : « dataset » et « numerator » sont obligatoires")
    if indicator.kind in ("share", "rate") and not indicator.denominator:
        raise CtgError(f"{where} : un taux ou une part demande un dénominateur")
    if indicator.kind == "rolling_sum" and not indicator.window:
        raise CtgError(f"{where} : une somme glissante demande « window »")


def _entries(text: str, source: str) -> list[Indicator]:
    allowed = {f.name for f in fields(Indicator)}
    try:
        entries = load_yaml(text)
    except yaml.YAMLError as exc:
        raise CtgError(f"{source} : YAML illisible ({exc})") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CtgError(f"{source} : attendu une liste d'indicateurs (- id: …, label: …), comme le catalogue")
    indicators = []
    for entry in entries:
        unknown = set(entry) - allowed
        if unknown:
            field = min(unknown)
            raise CtgError(
                f"{source}, indicateur {entry.get('id')!r} : champ {field!r} inconnu{did_you_mean(field, allowed)}"
            )
        try:
            indicators.append(Indicator(**entry))
        except TypeError:
            raise CtgError(
                f"{source}, indicateur {entry.get('id')!r} : « id », « label », « theme », « kind » et « unit » sont "
                f"obligatoires"
            ) from None
    return indicators


@cache
def _project_indicators_file(project_env: str | None, folder: str) -> Path | None:
    """The project's own indicators file (``[data] indicators`` of ``ctg.toml``), looked up once per
    project and current folder."""
    project = find_project(folder)
    return project.indicators_file if project else None


@cache
def _catalogue(extra: Path | None, stamp: int | None) -> tuple[Indicator, ...]:
    text = resources.files("ctg_analysis.indicators").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    sources = [(indicator, "catalogue") for indicator in _entries(text, "catalogue")]
    if extra is not None:
        if stamp is None:
            raise CtgError(f"{extra} : fichier des indicateurs du projet introuvable (ctg.toml, [data] indicators)")
        sources += [(indicator, str(extra)) for indicator in _entries(extra.read_text(encoding="utf-8"), str(extra))]
    ids = [i.id for i, _ in sources]
    for n, (indicator, source) in enumerate(sources):
        if indicator.id in ids[:n]:
            raise CtgError(f"{source} : identifiant d'indicateur {indicator.id!r} en double (déjà dans le catalogue ?)")
        _check(indicator, set(ids), source)
    return tuple(i for i, _ in sources)


def _load() -> tuple[Indicator, ...]:
    """The shipped catalogue, then the current project's own indicators (validated the same way)."""
    extra = _project_indicators_file(os.environ.get(PROJECT_ENV), os.getcwd())
    stamp = extra.stat().st_mtime_ns if extra is not None and extra.is_file() else None
    return _catalogue(extra, stamp)


def get_indicator(indicator_id: str) -> Indicator:
    """The catalogue entry of an indicator id, with a suggestion when it is misspelled.

    Examples
    --------
    >>> get_indicator("evol_0_2").label
    'Évolution des enfants de 0 à 2 ans'
    """
    for indicator in _load():
        if indicator.id == indicator_id:
            return indicator
    raise CtgError(f"indicateur {indicator_id!r} inconnu{did_you_mean(indicator_id, [i.id for i in _load()])}")


def indicators_of_theme(theme: str) -> list[Indicator]:
    """The indicators of a CTG theme, in catalogue order.

    Examples
    --------
    >>> [i.id for i in indicators_of_theme("logement")][:2]
    ['part_allocataires_aide_logement', 'allocataires_aide_logement']
    """
    get_theme(theme)  # a French error for an unknown theme
    return [i for i in _load() if i.theme == theme]


def catalogue() -> pd.DataFrame:
    """The whole catalogue as a table, one row per indicator (for display and documentation).

    Examples
    --------
    >>> catalogue().set_index("id").loc["part_familles_monoparentales", "unit"]
    '%'
    """
    rows = [{f.name: getattr(i, f.name) for f in fields(Indicator)} | {"additive": i.additive} for i in _load()]
    return pd.DataFrame(rows)


def all_indicators() -> tuple[Indicator, ...]:
    """Every indicator, in catalogue order."""
    return _load()
