"""What the report template calls: one object per territory, so that the notebook stays a thin view.

The prepared data are cached in the process, keyed by the content hashes of the data files: a kernel
that renders territory after territory prepares the data once, and a changed file is seen at once.
Nothing else survives from one territory to the next (the batch runner also resets the kernel's
namespace between notebooks).
"""

from __future__ import annotations

import datetime
import html
import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Markdown, display

from ctg_analysis.charts import chart_plan
from ctg_analysis.commentary import SYNTHESIS_TITLE, synthesis, synthesis_markdown, theme_sentences
from ctg_analysis.config import DEFAULT_COLOUR, DEFAULT_TITLE, byline
from ctg_analysis.diagnostic import Diagnostic
from ctg_analysis.errors import CtgError
from ctg_analysis.exports.documents import check_formats, write_documents
from ctg_analysis.exports.interactive import PAGE
from ctg_analysis.files import slugify
from ctg_analysis.formatting import agreed, counted, format_date
from ctg_analysis.geography.outlines import Outlines
from ctg_analysis.indicators import indicators_of_theme
from ctg_analysis.indicators.display import (
    absence_reason,
    cited_sources,
    key_figure_records,
    key_figures_html,
    wide_view,
)
from ctg_analysis.indicators.flags import flag_meanings
from ctg_analysis.indicators.preparation import PreparedData
from ctg_analysis.levels import REFERENCE_LEVELS
from ctg_analysis.reports.metadata import REPORT_DATA, write_json
from ctg_analysis.territories import Territories
from ctg_analysis.text import in_sentence, markdown_text
from ctg_analysis.themes import THEME_IDS, get_theme

log = logging.getLogger(__name__)

__all__ = ["Report", "open_report"]


def open_report(
    territory_id: str,
    *,
    data_dir: str | Path = "",
    territories_file: str | Path = "",
    comparison_levels: list[str] | tuple[str, ...] = REFERENCE_LEVELS,
    census_vintage: int = 0,
    skip_bad_files: bool = False,
    title: str = "",
    caf: str = "",
    author: str = "",
    colour: str = "",
    logo: str = "",
    exports: list[str] | tuple[str, ...] = (),
) -> Report:
    """The data of one territory's report.

    Parameters
    ----------
    territory_id
        A territory of the territories file (empty: its first valid territory).
    data_dir, territories_file
        Absolute paths (empty: the project's data folder and territories).
    comparison_levels
        Levels shown beside the territory.
    census_vintage
        Keep only periods up to this year (0: all).
    skip_bad_files
        Go on without the official files of the data folder that cannot be read.
    title, caf, author
        The report's title, the CAF and the author shown under it (the project's ``ctg.toml``).
    colour, logo
        The deck's house colour (``#RRGGBB``, empty: the default) and logo (a path, empty: none).
    exports
        The documents the report writes beside it (:data:`~ctg_analysis.exports.documents.DOCUMENT_FORMATS`):
        the cover links to the interactive page when it is one of them.
    """
    # One kernel renders territory after territory: the data are read and prepared once.
    diagnostic = Diagnostic.open(
        data_dir or None, territories_file or None, skip_bad_files=skip_bad_files, reuse=True, progress=False
    )
    territories = diagnostic.territories
    if not territory_id and len(territories):
        territory_id = next(iter(territories)).id  # a template opened in JupyterLab: the file's first territory
    territory = territories.get(territory_id)
    unknown = set(comparison_levels) - set(REFERENCE_LEVELS)
    if unknown:
        raise CtgError(
            f"{agreed(len(unknown), 'niveau de comparaison inconnu', 'niveaux de comparaison inconnus')} : "
            f"{', '.join(sorted(unknown))} (attendu "
            f"{', '.join(REFERENCE_LEVELS)})"
        )
    table = diagnostic.table([territory_id])
    table = table.loc[table["level"].isin(["commune", "territoire", *comparison_levels])]
    if census_vintage:
        table = table.loc[table["year_end"].le(census_vintage).fillna(True)]
    return Report(
        territory_id,
        territory.label,
        table.reset_index(drop=True),
        diagnostic.prepared,
        territories,
        tuple(comparison_levels),
        title or DEFAULT_TITLE,
        byline(caf, author, demo=diagnostic.prepared.demo),
        diagnostic.outlines,
        colour=colour or DEFAULT_COLOUR,
        logo=logo,
        interactive="html" in check_formats(exports) if exports else False,
    )


@dataclass
class Report:
    """One territory's tables, charts and texts, as the template shows them."""

    territory_id: str
    label: str
    table: pd.DataFrame
    prepared: PreparedData
    territories: Territories
    comparison_levels: tuple[str, ...]
    title: str = ""
    byline: str = ""
    #: The data folder's outlines (maps).
    outlines: Outlines | None = field(default=None, repr=False)
    #: The charts shown inline, by name: the exports save them rather than draw them again.
    drawn: dict = field(default_factory=dict, repr=False)
    #: The deck's house colour and logo (``ctg.toml``).
    colour: str = DEFAULT_COLOUR
    logo: str = ""
    #: Whether the report's folder holds its interactive page (the cover links to it).
    interactive: bool = False

    @property
    def demo(self) -> bool:
        return self.prepared.demo

    def cover(self) -> str:
        """The report's first page, in HTML: its title, the territory and its communes, the CAF and the
        author, the data's geography and sources, the day it was made, and the demo warning."""
        territory = self.territories.get(self.territory_id)
        names = self.prepared.reference.set_index("code")["label"].reindex(list(territory.communes)).fillna("?")
        lines = [
            f"<h1>{html.escape(self.title)}</h1>",
            f'<p class="ctg-byline"><strong>{html.escape(self.label)}</strong></p>',
            *([f'<p class="ctg-byline">{html.escape(self.byline)}</p>'] if self.byline else []),
            f"<p>{counted(len(territory.communes), 'commune')} : {html.escape(', '.join(names))}.</p>",
            f"<p>Géographie communale au 1<sup>er</sup> janvier {self.prepared.cog_year} (COG). Sources : "
            f"{html.escape(' ; '.join(self._sources()))}.</p>",
            f"<p>Rapport établi le {format_date(datetime.date.today())}.</p>",
        ]
        if self.interactive:
            lines.append(
                f'<p class="ctg-byline"><a href="{PAGE}">Explorer les données</a> : carte dont on choisit '
                "l'indicateur, tableaux à trier, comparaison à l'EPCI, au département, à la région ou à la France.</p>"
            )
        if self.demo:
            lines.append(
                "<p><strong>Données fictives de démonstration</strong> : aucun chiffre de ce rapport ne décrit "
                "un territoire réel.</p>"
            )
        return '<header class="ctg-cover">' + "".join(lines) + "</header>"

    def introduction(self) -> str:
        """The cover and the table of contents (what the templates of earlier projects show first)."""
        return self.cover() + self.contents()

    @property
    def sections(self) -> list[tuple[str, str]]:
        """The report's sections in order, as (anchor, French title)."""
        themes = [(slugify(theme), self.theme_title(theme)) for theme in self.themes]
        return [
            ("chiffres-cles", "Chiffres clés"),
            ("enjeux", SYNTHESIS_TITLE),
            *themes,
            ("sources-et-methodes", "Sources et méthodes"),
        ]

    def contents(self) -> str:
        """The table of contents, in HTML (a link to each section)."""
        items = "".join(f'<li><a href="#{anchor}">{html.escape(title)}</a></li>' for anchor, title in self.sections)
        return f'<nav class="ctg-toc"><h2>Sommaire</h2><ol>{items}</ol></nav>'

    def heading(self, section: str) -> str:
        """A section's heading in HTML, with the anchor the table of contents points to (``section``: a
        theme, ``chiffres-cles`` or ``sources-et-methodes``)."""
        anchor = slugify(section)
        title = dict(self.sections).get(anchor)
        if title is None:
            raise CtgError(f"section {section!r} inconnue (attendu {', '.join(a for a, _ in self.sections)})")
        return f'<h2 id="{anchor}">{html.escape(title)}</h2>'

    def _sources(self) -> list[str]:
        """Each source once (a value computed from two sources names both, joined by « ; »)."""
        return sorted(cited_sources(self.table))

    def key_figures(self) -> HTML:
        """The key figures beside the département(s) and France, as a table."""
        return HTML(key_figures_html(self.table, self.territory_id))

    @property
    def themes(self) -> tuple[str, ...]:
        """Every theme, in the report's order."""
        return THEME_IDS

    def theme_title(self, theme: str) -> str:
        return get_theme(theme).title

    def theme_table(self, theme: str):
        """The theme's indicators that have a value somewhere in the ladder (the others are said in
        :meth:`missing_data`)."""
        themed = {i.id for i in indicators_of_theme(theme)}
        rows = self.table.loc[self.table["indicator"].isin(themed)]
        shown = rows.loc[rows["value"].notna(), "indicator"].unique()
        if not len(shown):
            return Markdown("")
        return wide_view(self.table.loc[self.table["indicator"].isin(shown)], self.territory_id, theme=theme)

    def missing_data(self, theme: str) -> str:
        """Why the theme's missing indicators are missing, in French, grouped by reason (the file to add and
        where to get it, a single vintage, communes the files do not cover…)."""
        rows = self.table.loc[(self.table["territory"] == self.territory_id) & (self.table["level"] == "territoire")]
        known = set(
            rows.loc[
                rows["value"].notna() | rows["flags"].astype(str).str.contains("unavailable|perimeter"), "indicator"
            ]
        )
        absent = [i for i in indicators_of_theme(theme) if i.id not in known and i.datasets]
        if not absent:
            return ""
        # One line per reason (a file to add, a single vintage…), its indicators named before it.
        by_reason: dict[str, list[str]] = {}
        for indicator in absent:
            reason = absence_reason(indicator, self.table, self.territory_id, self.prepared)
            by_reason.setdefault(reason, []).append(in_sentence(indicator.label))
        lines = [
            f"{markdown_text(', '.join(labels[:6]) + (' …' if len(labels) > 6 else ''))} : {markdown_text(reason)}"
            for reason, labels in by_reason.items()
        ]
        return "*Non disponible pour ce territoire :*\n\n" + "\n".join(f"- *{line}*" for line in lines)

    @cached_property
    def plan(self) -> tuple:
        """The charts and maps of the diagnostic (:func:`~ctg_analysis.charts.chart_plan`)."""
        return chart_plan(self.outlines)

    def charts(self, theme: str) -> list[str]:
        """The charts the report shows for a theme (the exports hold every chart of the plan); a map only
        where it can be drawn and its communes' values differ. When none of the theme's own report charts can
        be drawn, those of its other charts the data allow (on real files, the income chart and map of a
        territory reached the deck but not the report)."""
        specs = [spec for spec in self.plan if spec.theme == theme]
        drawable = {spec.name for spec in specs if spec.missing_data(self.table, self.territory_id) is None}
        chosen = [spec.name for spec in specs if spec.in_report and (not spec.is_map or spec.name in drawable)]
        if not drawable & set(chosen):
            chosen += [spec.name for spec in specs if not spec.in_report and spec.name in drawable]
        return chosen

    def show(self, chart: str) -> None:
        """Show a chart or a map of the plan, or say in a sentence why it cannot be drawn."""
        spec = next((s for s in self.plan if s.name == chart), None)
        if spec is None:
            raise CtgError(f"graphique {chart!r} inconnu")
        if (reason := spec.missing_data(self.table, self.territory_id, self.prepared)) is not None:
            display(Markdown(f"*{markdown_text(spec.title)} : {markdown_text(reason)}*"))
            return
        try:
            figure = spec.draw(self.table, self.territory_id)
        except CtgError as exc:
            display(Markdown(f"*{markdown_text(spec.title)} : graphique non disponible ({markdown_text(exc)}).*"))
            return
        self.drawn[chart] = figure
        display(figure, metadata={"image/svg+xml": {"alt": spec.title}})  # the page's text alternative

    def synthesis(self) -> str:
        """The synthesis « Enjeux et points d'appui » (:func:`~ctg_analysis.commentary.synthesis.synthesis`, the
        deck's and the fiches' too), as Markdown."""
        return synthesis_markdown(synthesis(self.table, self.territory_id))

    def commentary(self, theme: str) -> str:
        """The theme's commentary (:func:`~ctg_analysis.commentary.theme_sentences`, the sentences of the deck
        and the fiches), as a Markdown list, then what the data lack."""
        sentences = theme_sentences(self.table, self.territory_id, theme)
        missing = self.missing_data(theme)
        if not sentences:
            return missing or "*Pas d'indicateur de taux disponible pour ce thème dans les données.*"
        listed = "\n".join(f"- {markdown_text(sentence)}" for sentence in sentences)
        return listed + (f"\n\n{missing}" if missing else "")

    def methods(self) -> str:
        lines = [
            "**Sources** : " + " ; ".join(markdown_text(source) for source in self._sources()) + ".",
            "**Méthode** : au-dessus de la commune, chaque valeur est la somme des numérateurs divisée par la somme "
            "des "
            "dénominateurs des communes ; les évolutions comparent des recensements distants d'au moins 5 ans, dans "
            "une "
            f"même géographie (COG {self.prepared.cog_year}) ; médianes et taux de pauvreté sont ceux publiés par "
            f"l'Insee.",
            "**Valeurs fragiles** : une valeur suivie d'un astérisque (*) est à lire avec prudence, pour l'une de "
            "ces raisons :",
            "\n".join(f"- {markdown_text(meaning)}" for meaning in flag_meanings()),
        ]
        if self.prepared.fetched:
            lines.append(
                "**Fichiers téléchargés par ctg fetch** (verrou fetch.lock.toml du dossier de données) :\n\n"
                + "\n".join(f"- {markdown_text(citation)}" for citation in self.prepared.fetched)
            )
        if self.prepared.left_out:
            lines.append(
                "**Fichiers écartés** (illisibles ou vides, non utilisés) : "
                + " ; ".join(f"{markdown_text(p.path)} ({markdown_text(p.reason)})" for p in self.prepared.left_out)
                + "."
            )
        if self.demo:
            lines.append("**Données fictives de démonstration.**")
        return "\n\n".join(lines)

    def summary(self) -> dict:
        """What the report says of itself, as data: the territory, its geography and its key figures."""
        return {
            "territory": self.territory_id,
            "label": self.label,
            "cog_year": self.prepared.cog_year,
            "demo": self.demo,
            "key_figures": key_figure_records(self.table, self.territory_id),
        }

    def export(self, output_dir: str | Path, formats: list[str] | tuple[str, ...]) -> list[Path]:
        """Write the report's data (:data:`~ctg_analysis.reports.metadata.REPORT_DATA`), the charts, the
        baseline workbook and the deck into ``output_dir`` (nothing if empty)."""
        if not output_dir:
            return []
        wanted = check_formats(formats)
        folder = Path(output_dir)
        return [
            write_json(folder / REPORT_DATA, self.summary()),
            *write_documents(
                self.table,
                self.territory_id,
                folder,
                wanted,
                cog_year=self.prepared.cog_year,
                byline=self.byline,
                drawn=self.drawn,
                outlines=self.outlines,
                colour=self.colour,
                logo=self.logo or None,
            ),
        ]
