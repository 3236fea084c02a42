"""Export the charts of a territory for slides: PNG at 200 dpi and SVG with editable text, full 16:9
slide (13.333 × 7.5 in) or half slide, under stable names ``<territory>/<theme>/<chart>.png``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from ctg_analysis.charts import figures
from ctg_analysis.charts.style import HALF_SLIDE, SLIDE, house_style
from ctg_analysis.errors import CtgError
from ctg_analysis.files import atomic_path

log = logging.getLogger(__name__)

__all__ = ["CHART_PLAN", "ChartSpec", "ExportedChart", "export_charts", "save_figure"]

IMAGE_FORMATS = ("png", "svg")
SIZES = {"slide": SLIDE, "half": HALF_SLIDE}


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the diagnostic: its theme, file name, French title and how to draw it."""

    theme: str
    name: str
    title: str
    draw: Callable[[pd.DataFrame, str], Figure]


def _bars(indicator: str) -> Callable[[pd.DataFrame, str], Figure]:
    return partial(figures.comparison_bars, indicator=indicator)


def _evolution(indicator: str) -> Callable[[pd.DataFrame, str], Figure]:
    return partial(figures.evolution_chart, indicator=indicator)


#: The charts of a diagnostic, theme by theme, in the order of the report and the deck.
CHART_PLAN: tuple[ChartSpec, ...] = (
    ChartSpec("synthese", "chiffres-cles", "Chiffres clés", figures.key_figures_card),
    ChartSpec("demographie", "structure-par-age", "Structure de la population par tranche d'âge", figures.age_structure),
    ChartSpec("demographie", "evol_population", "Évolution de la population", _evolution("evol_population")),
    ChartSpec("demographie", "communes-structure-par-age", "Structure par âge de chaque commune", figures.communes_small_multiples),
    ChartSpec("petite-enfance", "naissances", "Naissances domiciliées par an", figures.births_chart),
    ChartSpec("petite-enfance", "evol_0_2", "Évolution des enfants de 0 à 2 ans", _evolution("evol_0_2")),
    ChartSpec("petite-enfance", "part_0_2", "Part des enfants de 0 à 2 ans", _bars("part_0_2")),
    ChartSpec("petite-enfance", "taux_natalite", "Taux de natalité", _bars("taux_natalite")),
    ChartSpec("enfance-jeunesse", "part_6_10", "Part des enfants de 6 à 10 ans", _bars("part_6_10")),
    ChartSpec("enfance-jeunesse", "part_11_17", "Part des jeunes de 11 à 17 ans", _bars("part_11_17")),
    ChartSpec("enfance-jeunesse", "part_18_24", "Part des jeunes de 18 à 24 ans", _bars("part_18_24")),
    ChartSpec("parentalite-familles", "composition-des-familles", "Composition des familles", figures.family_composition),
    ChartSpec("parentalite-familles", "part_familles_monoparentales", "Part des familles monoparentales", _bars("part_familles_monoparentales")),
    ChartSpec("parentalite-familles", "part_familles_nombreuses", "Part des familles de 3 enfants ou plus", _bars("part_familles_nombreuses")),
    ChartSpec("parentalite-familles", "taux_activite_femmes", "Taux d'activité des femmes de 15 à 64 ans", _bars("taux_activite_femmes")),
    ChartSpec("acces-aux-droits-precarite", "part_allocataires_rsa", "Part des allocataires du RSA", _bars("part_allocataires_rsa")),
    ChartSpec("acces-aux-droits-precarite", "revenu_median", "Revenu disponible médian par unité de consommation", _bars("revenu_median")),
    ChartSpec("acces-aux-droits-precarite", "taux_pauvrete", "Taux de pauvreté", _bars("taux_pauvrete")),
    ChartSpec("logement", "part_allocataires_aide_logement", "Part des allocataires d'une aide au logement", _bars("part_allocataires_aide_logement")),
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
        try:
            figure = spec.draw(table, territory)
        except CtgError as exc:
            log.info("%s : graphique « %s » non produit (%s)", territory, spec.title, exc)
            continue
        try:
            files = save_figure(figure, folder / spec.theme / spec.name, formats=formats, size=size)
        finally:
            plt.close(figure)
        exported.append(ExportedChart(spec, files))
    return exported
