"""Export the charts of a territory for slides: PNG at 200 dpi and SVG with editable text, full 16:9
slide (13.333 × 7.5 in) or half slide, under stable names ``<territory>/<theme>/<chart>.png``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ctg_analysis.charts import figures
from ctg_analysis.charts.style import HALF_SLIDE, SLIDE, house_style
from ctg_analysis.errors import CtgError
from ctg_analysis.files import atomic_path
from ctg_analysis.indicators.catalogue import get_indicator
from ctg_analysis.sources.tables import dataset_hint

log = logging.getLogger(__name__)

__all__ = ["CHART_PLAN", "ChartSpec", "ExportedChart", "export_charts", "save_figure"]

IMAGE_FORMATS = ("png", "svg")
SIZES = {"slide": SLIDE, "half": HALF_SLIDE}


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the diagnostic: its theme, file name, French title, how to draw it, and the
    indicators it needs (it is drawn only when each of them has a value for the territory itself)."""

    theme: str
    name: str
    title: str
    draw: Callable[[pd.DataFrame, str], Figure]
    needs: tuple[str, ...] = ()

    def missing_data(self, table: pd.DataFrame, territory: str) -> str | None:
        """Why the chart cannot be drawn for the territory (French: the files to add), or ``None``.

        Examples
        --------
        >>> spec = next(s for s in CHART_PLAN if s.name == "naissances")
        >>> empty = pd.DataFrame({"territory": [], "level": [], "indicator": [], "value": []})
        >>> spec.missing_data(empty, "t")[:60]
        'graphique non disponible. Ajoutez aux données le fichier des'
        """
        rows = table.loc[(table["territory"] == territory) & (table["level"] == "territoire") & table["value"].notna()]
        absent = [i for i in self.needs if not (rows["indicator"] == i).any()]
        if not absent:
            return None
        datasets = dict.fromkeys(d for i in absent for d in get_indicator(i).datasets)
        return "graphique non disponible. " + " ".join(dataset_hint(d) for d in datasets)


def _bars(theme: str, indicator: str, title: str) -> ChartSpec:
    return ChartSpec(theme, indicator, title, partial(figures.comparison_bars, indicator=indicator), (indicator,))


def _evolution(theme: str, indicator: str, title: str) -> ChartSpec:
    return ChartSpec(theme, indicator, title, partial(figures.evolution_chart, indicator=indicator), (indicator,))


#: The charts of a diagnostic, theme by theme, in the order of the report and the deck.
CHART_PLAN: tuple[ChartSpec, ...] = (
    ChartSpec("synthese", "chiffres-cles", "Chiffres clés", figures.key_figures_card),
    ChartSpec("demographie", "structure-par-age", "Structure de la population par tranche d'âge", figures.age_structure, (*figures.AGE_BANDS, "population")),
    _evolution("demographie", "evol_population", "Évolution de la population"),
    ChartSpec("demographie", "communes-structure-par-age", "Structure par âge de chaque commune", figures.communes_small_multiples, (*figures.AGE_BANDS, "population")),
    ChartSpec("petite-enfance", "naissances", "Naissances domiciliées par an", figures.births_chart, ("naissances", "naissances_3ans")),
    _evolution("petite-enfance", "evol_0_2", "Évolution des enfants de 0 à 2 ans"),
    _bars("petite-enfance", "part_0_2", "Part des enfants de 0 à 2 ans"),
    _bars("petite-enfance", "taux_natalite", "Taux de natalité"),
    _bars("enfance-jeunesse", "part_6_10", "Part des enfants de 6 à 10 ans"),
    _bars("enfance-jeunesse", "part_11_17", "Part des jeunes de 11 à 17 ans"),
    _bars("enfance-jeunesse", "part_18_24", "Part des jeunes de 18 à 24 ans"),
    ChartSpec("parentalite-familles", "composition-des-familles", "Composition des familles", figures.family_composition, tuple(figures.FAMILIES)),
    _bars("parentalite-familles", "part_familles_monoparentales", "Part des familles monoparentales"),
    _bars("parentalite-familles", "part_familles_nombreuses", "Part des familles de 3 enfants ou plus"),
    _bars("parentalite-familles", "taux_activite_femmes", "Taux d'activité des femmes de 15 à 64 ans"),
    _bars("acces-aux-droits-precarite", "part_allocataires_rsa", "Part des allocataires du RSA"),
    _bars("acces-aux-droits-precarite", "revenu_median", "Revenu disponible médian par unité de consommation"),
    _bars("acces-aux-droits-precarite", "taux_pauvrete", "Taux de pauvreté"),
    _bars("logement", "part_allocataires_aide_logement", "Part des allocataires d'une aide au logement"),
)


@dataclass(frozen=True)
class ExportedChart:
    """A chart written to disk."""

    spec: ChartSpec
    files: tuple[Path, ...]


def save_figure(figure: Figure, stem: str | Path, *, formats: tuple[str, ...] = IMAGE_FORMATS, size: str = "slide", dpi: int = 200) -> tuple[Path, ...]:
    """Save a figure as ``<stem>.png`` and/or ``<stem>.svg`` at slide size, each through a temporary file.

    Parameters
    ----------
    figure
        The figure (its size is set to the slide size first).
    stem
        Path without suffix.
    formats
        ``png`` (``dpi`` dots per inch: 2 667 × 1 500 pixels for a slide at 200 dpi) and ``svg``
        (text kept as text, editable in PowerPoint or Inkscape).
    size
        ``slide`` (13.333 × 7.5 in) or ``half`` (6.667 × 7.5 in).
    """
    unknown = [f for f in formats if f not in IMAGE_FORMATS]
    if unknown or size not in SIZES:
        raise CtgError(f"format d'image {', '.join(unknown) or size!r} inconnu (attendu png, svg ; taille slide ou half)")
    figure.set_size_inches(*SIZES[size])
    written = []
    for suffix in formats:
        path = Path(f"{stem}.{suffix}")
        # Saving reads the style too (SVG text kept as text, white background).
        # Light PNG compression: encoding, not drawing, is what costs most at 200 dpi.
        options = {"pil_kwargs": {"compress_level": 1}} if suffix == "png" else {}
        with atomic_path(path) as temporary, house_style():
            figure.savefig(temporary, format=suffix, dpi=dpi, **options)
        written.append(path)
    return tuple(written)


def export_charts(
    table: pd.DataFrame,
    territory: str,
    folder: str | Path,
    *,
    formats: tuple[str, ...] = IMAGE_FORMATS,
    size: str = "slide",
    plan: tuple[ChartSpec, ...] = CHART_PLAN,
) -> list[ExportedChart]:
    """Draw and save every chart of the plan for a territory, under ``<folder>/<theme>/<chart>.<format>``.

    A chart whose data are absent from the table (no CNAF file, a one-commune territory for the commune
    panels…) is skipped with an information message.

    Examples
    --------
    >>> export_charts(table, "ezanville", "reports/ezanville/graphiques")  # doctest: +SKIP
    """
    folder = Path(folder)
    exported = []
    for spec in plan:
        if (reason := spec.missing_data(table, territory)) is not None:
            log.info("%s : « %s » : %s", territory, spec.title, reason)
            continue
        try:
            figure = spec.draw(table, territory)
        except CtgError as exc:
            log.info("%s : graphique « %s » non produit (%s)", territory, spec.title, exc)
            continue
        files = save_figure(figure, folder / spec.theme / spec.name, formats=formats, size=size)
        exported.append(ExportedChart(spec, files))
    return exported
