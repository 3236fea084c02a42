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

from ctg_analysis.charts import figures, maps
from ctg_analysis.charts.style import SIZES, ChartFigure, house_style, svg_text
from ctg_analysis.errors import CtgError
from ctg_analysis.files import atomic_path
from ctg_analysis.geography.outlines import Outlines
from ctg_analysis.indicators.catalogue import all_indicators, get_indicator
from ctg_analysis.indicators.display import absence_reason, latest_period
from ctg_analysis.indicators.preparation import PreparedData
from ctg_analysis.sources.datasets import dataset_hint
from ctg_analysis.text import in_sentence
from ctg_analysis.themes import MAPS_FOLDER, SYNTHESIS_FOLDER, THEME_IDS, get_theme

log = logging.getLogger(__name__)

__all__ = ["ChartSpec", "ExportedChart", "chart_plan", "export_charts", "save_figure"]

IMAGE_FORMATS = ("png", "svg")


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the diagnostic: its theme (``None`` for the synthesis), file name, French title, how
    to draw it, the indicators it needs (it is drawn only when each of them has a value for the territory
    itself), and whether the report shows it (every chart goes to the exports and the deck). A map needs
    outline files too, and communes whose values differ."""

    theme: str | None
    name: str
    title: str
    draw: Callable[[pd.DataFrame, str], Figure]
    needs: tuple[str, ...] = ()
    in_report: bool = False
    #: The outlines a map is drawn from (``None``: a chart; a false ``Outlines``: a map without files).
    outlines: Outlines | None = None

    @property
    def is_map(self) -> bool:
        return self.outlines is not None

    @property
    def folder(self) -> str:
        """The folder of its exports: the maps', its theme's, or the synthesis's."""
        if self.is_map:
            return MAPS_FOLDER
        return get_theme(self.theme).folder if self.theme else SYNTHESIS_FOLDER

    def missing_data(self, table: pd.DataFrame, territory: str, prepared: PreparedData | None = None) -> str | None:
        """Why the chart cannot be drawn for the territory (French: the files to add, or, given the prepared
        data, the true reason: a file present without the variable, a single vintage…), or ``None``.

        Examples
        --------
        >>> spec = next(s for s in chart_plan() if s.name == "naissances")
        >>> empty = pd.DataFrame({"territory": [], "level": [], "indicator": [], "value": []})
        >>> spec.missing_data(empty, "t")[:60]
        'graphique non disponible. Ajoutez aux données le fichier des'
        """
        if self.is_map and not self.outlines:
            return "carte non disponible. " + maps.OUTLINES_HINT
        level = "commune" if self.is_map and self.needs else "territoire"
        rows = table.loc[(table["territory"] == territory) & table["value"].notna()]
        # A published value (a median, a coverage rate) the territory has none of is still drawn where its EPCI,
        # département… have one: context, its own bar saying why it is missing.
        published = not self.is_map and all(get_indicator(i).kind == "published" for i in self.needs)
        rows = rows.loc[rows["level"] != "commune"] if published and self.needs else rows.loc[rows["level"] == level]
        absent = [i for i in self.needs if not (rows["indicator"] == i).any()]
        if not absent:
            if self.is_map and any(_alike(rows.loc[rows["indicator"] == i]) for i in self.needs):
                return "carte sans objet : moins de deux communes aux valeurs différentes"
            return None
        if prepared is not None:
            reasons = dict.fromkeys(absence_reason(get_indicator(i), table, territory, prepared) for i in absent)
            return "graphique non disponible : " + " ; ".join(in_sentence(reason) for reason in reasons)
        datasets = dict.fromkeys(d for i in absent for d in get_indicator(i).datasets)
        return "graphique non disponible. " + " ".join(dataset_hint(d) for d in datasets)


def _alike(rows: pd.DataFrame) -> bool:
    """Whether the communes' latest values of an indicator are fewer than two distinct ones."""
    return latest_period(rows)["value"].nunique() < 2


#: The charts drawn from several indicators at once, each in its theme; the catalogue's ``chart`` field
#: adds one chart per indicator.
_DRAWINGS = (
    ChartSpec(None, "chiffres-cles", "Chiffres clés", figures.key_figures_card, in_report=True),
    ChartSpec(
        "démographie",
        "structure-par-age",
        "Structure de la population par tranche d'âge",
        figures.age_structure,
        (*figures.AGE_BANDS, "population"),
        True,
    ),
    ChartSpec(
        "démographie",
        "communes-structure-par-age",
        "Structure par âge de chaque commune",
        figures.communes_small_multiples,
        (*figures.AGE_BANDS, "population"),
        True,
    ),
    ChartSpec(
        "petite enfance",
        "naissances",
        "Naissances domiciliées par an",
        figures.births_chart,
        ("naissances", "naissances_3ans"),
        True,
    ),
    ChartSpec(
        "parentalité-familles",
        "composition-des-familles",
        "Composition des familles",
        figures.family_composition,
        tuple(figures.FAMILIES),
        True,
    ),
)
_INDICATOR_CHARTS = {"bars": figures.comparison_bars, "evolution": figures.evolution_chart}


def chart_plan(outlines: Outlines | None = None) -> tuple[ChartSpec, ...]:
    """The charts and maps of a diagnostic, in the order of the report and the deck: the synthesis (key
    figures, the locator map), then theme by theme the drawings, the charts the catalogue asks for (its
    ``chart`` field, a project's own indicators included) and the maps of the indicators it maps (its
    ``map`` field; ``report``: the report shows it too). Maps are drawn from ``outlines`` (without, they
    say which files to add).

    Examples
    --------
    >>> [spec.name for spec in chart_plan() if spec.theme == "petite enfance"]  # doctest: +NORMALIZE_WHITESPACE
    ['naissances', 'part_0_2', 'evol_0_2', 'taux_natalite', 'taux_couverture_accueil', 'part_allocataires_paje',
     'carte-part_0_2', 'carte-equipements_accueil_jeune_enfant']
    """
    outlines = Outlines.none() if outlines is None else outlines
    charted = [
        ChartSpec(i.theme, i.id, i.label, partial(_INDICATOR_CHARTS[i.chart], indicator=i.id), (i.id,), i.in_report)
        for i in all_indicators()
        if i.chart
    ]
    mapped = [
        ChartSpec(
            i.theme,
            f"carte-{i.id}",
            f"{i.label} par commune",
            partial(maps.commune_map, outlines, indicator=i.id),
            (i.id,),
            i.map == "report",
            outlines,
        )
        for i in all_indicators()
        if i.map
    ]
    locator = ChartSpec(
        None, "situation", "Situation du territoire", partial(maps.locator_map, outlines), (), True, outlines
    )
    plan = [spec for spec in _DRAWINGS if spec.theme is None] + [locator]
    for theme in THEME_IDS:
        plan += [spec for spec in (*_DRAWINGS, *charted, *mapped) if spec.theme == theme]
    return tuple(plan)


@dataclass(frozen=True)
class ExportedChart:
    """A chart written to disk, and the share of its height its title takes (cropped on a slide that
    names it already)."""

    spec: ChartSpec
    files: tuple[Path, ...]
    title_band: float = 0.0


def save_figure(
    figure: Figure, stem: str | Path, *, formats: tuple[str, ...] = IMAGE_FORMATS, size: str = "slide", dpi: int = 200
) -> tuple[Path, ...]:
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
        raise CtgError(
            f"format d'image {', '.join(unknown) or size!r} inconnu (attendu png, svg ; taille slide ou half)"
        )
    if tuple(figure.get_size_inches().round(3)) != SIZES[size]:
        figure.set_size_inches(*SIZES[size])
        if isinstance(figure, ChartFigure):
            with house_style():
                figure.fit()
    written = []
    for suffix in formats:
        path = Path(f"{stem}.{suffix}")
        # Saving reads the style too (SVG text kept as text, white background).
        # Light PNG compression: encoding, not drawing, is what costs most at 200 dpi.
        options = {"pil_kwargs": {"compress_level": 1}} if suffix == "png" else {}
        with atomic_path(path) as temporary, house_style():
            if suffix == "svg":
                temporary.write_text(svg_text(figure), encoding="utf-8")
            else:
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
    plan: tuple[ChartSpec, ...] | None = None,
    drawn: dict[str, Figure] | None = None,
    outlines: Outlines | None = None,
) -> list[ExportedChart]:
    """Draw and save every chart of the plan for a territory, under ``<folder>/<theme>/<chart>.<format>``.

    A chart whose data are absent from the table (no CNAF file, a one-commune territory for the commune
    panels…) is skipped with an information message. ``drawn`` holds figures already drawn at slide size
    for the same table and territory (the report's inline charts), by chart name: they are saved as they
    are, not drawn again. Maps are drawn from ``outlines`` (the data folder's outline files), under
    ``<folder>/cartes/``.

    Examples
    --------
    >>> exported = export_charts(table, "ezanville", tmp / "graphiques", formats=("svg",))
    >>> exported[0].files[0].relative_to(tmp).as_posix()
    'graphiques/synthese/chiffres-cles.svg'
    """
    folder = Path(folder)
    exported = []
    for spec in plan or chart_plan(outlines):
        if (reason := spec.missing_data(table, territory)) is not None:
            log.info("%s : « %s » : %s", territory, spec.title, reason)
            continue
        try:
            figure = (drawn or {}).get(spec.name) if size == "slide" else None
            figure = figure or spec.draw(table, territory, size=size)
        except CtgError as exc:
            log.info("%s : graphique « %s » non produit (%s)", territory, spec.title, exc)
            continue
        files = save_figure(figure, folder / spec.folder / spec.name, formats=formats, size=size)
        exported.append(ExportedChart(spec, files, getattr(figure, "title_band", 0.0)))
    return exported
