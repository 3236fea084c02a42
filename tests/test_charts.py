"""Charts: plotted values read back from the artists, French ticks, footnotes, exported pixel sizes."""

from __future__ import annotations

import io
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")

import itertools  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from conftest import DEMO  # noqa: E402
from ctg_analysis.charts import (  # noqa: E402
    age_structure,
    births_chart,
    chart_plan,
    communes_small_multiples,
    comparison_bars,
    evolution_chart,
    export_charts,
    family_composition,
    key_figures_card,
    save_figure,
)
from ctg_analysis.errors import CtgError  # noqa: E402
from ctg_analysis.geography.outlines import Outlines  # noqa: E402
from ctg_analysis.indicators import compute_indicators, prepare  # noqa: E402
from ctg_analysis.indicators.catalogue import all_indicators  # noqa: E402
from ctg_analysis.territories import load_territories  # noqa: E402


@pytest.fixture(scope="module")
def table(demo_folder):
    prepared = prepare(demo_folder)
    territories = load_territories(DEMO / "territories.yaml", prepared.reference, prepared.movements)
    return compute_indicators(prepared, territories)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _bars(figure):
    return [p for p in figure.axes[0].patches if p.get_width() or p.get_height()]


def _texts(figure):
    return [t.get_text() for t in (*figure.texts, *(t for ax in figure.axes for t in ax.texts))]


def test_comparison_bars_plot_the_table_values(table):
    figure = comparison_bars(table, "ctg-ecouen", "part_familles_monoparentales")
    rows = table.query("territory == 'ctg-ecouen' and indicator == 'part_familles_monoparentales' and period == '2019'")
    widths = sorted(round(bar.get_width(), 9) for bar in _bars(figure))
    assert widths == sorted(round(v, 9) for v in rows["value"])
    assert len(widths) == 10  # territory, 5 communes, EPCI, département, région, France
    # The fragile commune (Le Plessis-Gassot: small numbers) is cross-hatched and starred.
    fragile = rows.loc[rows["flags"].astype(str).str.contains("small"), "value"].iloc[0]
    hatched = [bar for bar in _bars(figure) if round(bar.get_width(), 9) == round(fragile, 9)]
    assert hatched[0].get_hatch() == "xx"
    assert any(label.get_text().endswith("*") for label in figure.axes[0].get_yticklabels())
    footnote = figure.footnote.get_text().replace("\n", " ")  # wrapped to the figure's width
    assert footnote.startswith("Source : Insee, RP2019") and "Données fictives de démonstration" in footnote
    assert _texts(figure)[0] == "Part des familles monoparentales"
    # Levels named as in a sentence, the acronym kept: « (EPCI) », « (département) ».
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert "CA Roissy Pays de France\n(EPCI)" in labels and "Val-d'Oise (département)" in labels  # long: wrapped


def test_french_tick_labels(table):
    figure = comparison_bars(table, "ctg-ecouen", "population")
    figure.canvas.draw()
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert any("\u202f" in label for label in labels), labels  # 20 000, not 20,000
    figure = evolution_chart(table, "ezanville", "evol_0_2")
    figure.canvas.draw()
    assert all(t.get_text().endswith("\u00a0%") for t in figure.axes[0].get_yticklabels() if t.get_text())
    assert "+25,7\u00a0%" in [t.get_text() for t in figure.axes[0].texts]


def test_evolution_chart_values(table):
    figure = evolution_chart(table, "ctg-val-fictif", "evol_0_2")
    rows = table.query("territory == 'ctg-val-fictif' and indicator == 'evol_0_2' and level != 'commune'")
    heights = sorted(round(bar.get_height(), 9) for bar in _bars(figure))
    assert heights == sorted(round(v, 9) for v in rows["value"])


def test_births_chart_bars_and_three_year_average(table):
    figure = births_chart(table, "ezanville")
    rows = table.query("territory == 'ezanville' and level == 'territoire'")
    births = rows.loc[rows["indicator"] == "naissances"].sort_values("year_end")
    assert [bar.get_height() for bar in _bars(figure)] == births["value"].tolist()
    line = figure.axes[0].get_lines()[0]
    three = rows.loc[rows["indicator"] == "naissances_3ans"].sort_values("year_end")
    assert np.allclose(line.get_ydata(), three["value"] / 3)


def test_age_structure_shares(table):
    figure = age_structure(table, "ctg-ecouen")
    widths = np.array([bar.get_width() for bar in _bars(figure)])
    assert len(widths) == 20  # ten CAF bands, territory and département
    assert np.isclose(widths[:10].sum(), 100) and np.isclose(widths[10:].sum(), 100)


def test_family_composition_stacks_to_the_shares(table):
    figure = family_composition(table, "ctg-ecouen")
    rows = table.query("territory == 'ctg-ecouen' and level == 'territoire' and period == '2019'").set_index(
        "indicator"
    )["value"]
    widths = sorted(round(bar.get_width(), 9) for bar in _bars(figure))
    for indicator in ("part_couples_avec_enfants", "part_couples_sans_enfant", "part_familles_monoparentales"):
        assert round(rows[indicator], 9) in widths


def test_key_figures_card(table):
    figure = key_figures_card(table, "ezanville")
    texts = _texts(figure)
    assert "Chiffres clés" in texts and "+25,7\u00a0%" in texts
    assert any(text.startswith("Val-d'Oise : ") for text in texts)


def test_every_chart_renders_for_every_demo_territory(table, demo_folder):
    prepared = prepare(demo_folder)
    outlines = Outlines(demo_folder.outlines, prepared.reference, prepared.movements)
    for territory in ("ctg-ecouen", "ezanville", "ctg-val-fictif"):
        for spec in chart_plan(outlines):
            try:
                figure = spec.draw(table, territory)
            except CtgError as exc:
                assert spec.name == "communes-structure-par-age" and territory == "ezanville", exc
                continue
            figure.canvas.draw()
            assert any(text.get_text().startswith("Source : ") for text in figure.texts)
            plt.close(figure)


def test_exported_images_have_slide_sizes(table, tmp_path):
    figure = comparison_bars(table, "ezanville", "part_0_2")
    (png, svg) = save_figure(figure, tmp_path / "part_0_2")
    assert Image.open(png).size == (2666, 1500)  # 13.333 × 7.5 in at 200 dpi
    assert "<text" in svg.read_text(encoding="utf-8")  # editable text, not paths
    (half,) = save_figure(figure, tmp_path / "half", formats=("png",), size="half")
    assert Image.open(half).size == (1333, 1500)
    with pytest.raises(CtgError, match="inconnu"):
        save_figure(figure, tmp_path / "x", formats=("gif",))


_DRAW_IN_ANOTHER_PROCESS = """
import sys
from ctg_analysis.charts.figures import communes_small_multiples
from ctg_analysis.charts.export import save_figure
from ctg_analysis.indicators import compute_indicators, prepare
from ctg_analysis.sources.folder import scan_folder
from ctg_analysis.territories import load_territories
folder = scan_folder(sys.argv[1], cache_dir=False, progress=False)
prepared = prepare(folder)
territories = load_territories(folder.root / "territories.yaml", prepared.reference, prepared.movements)
figure = communes_small_multiples(compute_indicators(prepared, territories), "ctg-ecouen")
save_figure(figure, sys.argv[2], formats=("svg",))
sys.stdout.write(figure.svg())
"""


def test_the_same_chart_gives_the_same_svg_in_another_process(table, tmp_path):
    """A report rendered again, or by another worker, is the same file: no date in the SVG, and clip paths
    named after what they draw (matplotlib's names change with the last digits of their coordinates)."""
    import subprocess
    import sys

    figure = communes_small_multiples(table, "ctg-ecouen")
    (exported,) = save_figure(figure, tmp_path / "here", formats=("svg",))
    done = subprocess.run(
        [sys.executable, "-c", _DRAW_IN_ANOTHER_PROCESS, str(DEMO), str(tmp_path / "there")],
        capture_output=True,
        text=True,
        check=True,
    )
    inline = figure.svg()
    assert "<clipPath" in inline and done.stdout == inline
    assert (tmp_path / "there.svg").read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")
    assert "<dc:date>" not in exported.read_text(encoding="utf-8")


def test_an_svg_drawn_with_measures_shared_between_charts_is_matplotlib_s_own(table):
    """The charts' SVG renderer takes a text's measures from the charts drawn before it: the file must be the one
    matplotlib's own SVG canvas writes."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    from ctg_analysis.charts.style import house_style, stable_clip_ids, svg_text

    figures = [
        comparison_bars(table, "ctg-ecouen", "part_familles_monoparentales"),
        communes_small_multiples(table, "ctg-ecouen", size="half"),  # the same labels in other sizes
        comparison_bars(table, "ezanville", "part_familles_monoparentales"),
    ]
    for figure in figures:
        shared = svg_text(figure)
        own = io.StringIO()
        FigureCanvasSVG(figure)
        with house_style():
            figure.savefig(own, format="svg", metadata={"Date": None})
        assert shared == stable_clip_ids(own.getvalue())


def test_an_axis_label_given_before_the_fit_sits_beside_its_tick_labels(table):
    from ctg_analysis.charts.style import titled_figure

    figure, ax = titled_figure("Titre", "Sous-titre", "Source")
    ax.bar(range(3), [10_000, 20_000, 30_000])
    ax.set_ylabel("Nombre d'enfants")
    figure.fit()
    renderer = figure.canvas.get_renderer()
    label = ax.yaxis.label.get_window_extent(renderer)
    ticks = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all(label.x1 <= t.x0 for t in ticks)  # left of the tick labels, not over them
    assert label.x0 >= 0 and ax.xaxis.label.get_text() == ""


def test_export_names_are_stable(table, tmp_path):
    exported = export_charts(table, "ezanville", tmp_path, formats=("png",))
    names = sorted(str(path.relative_to(tmp_path)) for chart in exported for path in chart.files)
    assert "petite-enfance/evol_0_2.png" in names and "synthese/chiffres-cles.png" in names
    # No commune panels for a one-commune territory, no map without outline files.
    assert len(names) == len([spec for spec in chart_plan() if not spec.is_map]) - 1
    assert not list(tmp_path.rglob("*.tmp"))


def test_the_report_saves_its_inline_charts_rather_than_drawing_them_again(monkeypatch, tmp_path):
    from ctg_analysis.charts import export as export_module
    from ctg_analysis.reports.notebook import open_report

    drawings = []

    def counted(draw):
        def wrapper(table, territory, **options):
            drawings.append(draw.__name__)
            return draw(table, territory, **options)

        wrapper.__name__ = draw.__name__
        return wrapper

    monkeypatch.setitem(export_module._INDICATOR_CHARTS, "bars", counted(comparison_bars))
    births = next(spec for spec in export_module._DRAWINGS if spec.name == "naissances")
    others = tuple(spec for spec in export_module._DRAWINGS if spec.name != "naissances")
    monkeypatch.setattr(export_module, "_DRAWINGS", (*others, replace(births, draw=counted(births_chart))))
    report = open_report("ezanville", data_dir=str(DEMO), territories_file=str(DEMO / "territories.yaml"))
    report.show("naissances")
    report.show("part_11_17")
    assert drawings == ["births_chart", "comparison_bars"]
    report.export(tmp_path, ["png"])
    # Every chart drawn once: the two shown inline saved as they were, the others drawn for the export.
    bars = {i.id for i in all_indicators() if i.chart == "bars"}
    exported_bars = [p for p in (tmp_path / "graphiques").rglob("*.png") if p.stem in bars]
    assert drawings.count("births_chart") == 1 and drawings.count("comparison_bars") == len(exported_bars) > 1
    assert (tmp_path / "graphiques" / "petite-enfance" / "naissances.png").is_file()
    assert (tmp_path / "graphiques" / "enfance-jeunesse" / "part_11_17.png").is_file()


#: A territory label of 120 characters, as long as a grouping's official name can be.
LONG_LABEL = (
    "Communauté d'agglomération de la Plaine et des Coteaux de la Vallée de l'Oise et du Pays de France, "
    "partie ouest réunies"
)


def _drawn_texts(figure):
    """The texts a figure draws, with their extents in pixels: tick labels outside their axis' view and
    those of a switched-off axis are not drawn."""
    figure.canvas.draw()  # places the legends' texts
    renderer = figure.canvas.get_renderer()
    hidden = set()
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if not ax.axison or not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    hidden |= {id(tick.label1), id(tick.label2)}
    return [
        (text.get_text(), text.get_window_extent(renderer))
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text().strip() and id(text) not in hidden
    ]


@pytest.mark.slow
def test_no_chart_text_is_cut_or_covered_at_either_size_even_for_a_long_label(table, demo_folder, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        f'territories:\n  - id: long\n    label: "{LONG_LABEL}"\n'
        "    communes: ['95205', '95395', '95509', '95229']\n",
        encoding="utf-8",
    )
    assert len(LONG_LABEL) == 120
    prepared = prepare(demo_folder)
    long = compute_indicators(prepared, load_territories(path, prepared.reference, prepared.movements))
    outlines = Outlines(demo_folder.outlines, prepared.reference, prepared.movements)
    problems = []
    for data, territory in ((table, "ctg-ecouen"), (long, "long")):
        for size, spec in itertools.product(("slide", "half"), chart_plan(outlines)):
            figure = spec.draw(data, territory, size=size)
            texts = _drawn_texts(figure)
            where = f"{territory} {size} {spec.name}"
            assert len(texts) > (5 if spec.is_map else 10), where  # a map has no tick labels
            problems += [
                f"{where} : « {text} » hors de la figure"
                for text, box in texts
                if box.x0 < 0 or box.y0 < 0 or box.x1 > figure.bbox.width or box.y1 > figure.bbox.height
            ]
            problems += [
                f"{where} : « {a} » sur « {b} »"
                for (a, one), (b, other) in itertools.combinations(texts, 2)
                if min(one.x1, other.x1) - max(one.x0, other.x0) > 1
                and min(one.y1, other.y1) - max(one.y0, other.y0) > 1
            ]
            plt.close(figure)
    assert problems == []


@pytest.mark.parametrize(("size", "panels"), [("slide", 13), ("half", 8)])
def test_commune_panels_stay_readable_for_every_commune_of_the_demo(demo_folder, tmp_path, size, panels):
    communes = ["95094", "95205", "95395", "95492", "95509", "95229", "78901", "78906"]
    communes += ["95903", "95906", "95909", "95912", "95915"]
    path = tmp_path / "t.yaml"
    path.write_text(f"territories:\n  - id: tout\n    label: Tout\n    communes: {communes}\n", encoding="utf-8")
    prepared = prepare(demo_folder)
    table = compute_indicators(prepared, load_territories(path, prepared.reference, prepared.movements))
    figure = communes_small_multiples(table, "tout", size=size)
    assert sum(ax.get_visible() for ax in figure.axes) == panels
    assert ("les 8 plus peuplées sur 13" in figure.header[1].get_text().replace("\n", " ")) == (panels == 8)
    texts = _drawn_texts(figure)
    covered = [
        (a, b)
        for (a, one), (b, other) in itertools.combinations(texts, 2)
        if min(one.x1, other.x1) - max(one.x0, other.x0) > 1 and min(one.y1, other.y1) - max(one.y0, other.y0) > 1
    ]
    assert covered == []


@pytest.mark.parametrize(("kept", "grid"), [(4, (2, 2)), (3, (3, 1)), (10, (5, 2))])
def test_key_figure_cards_fill_the_slide_whatever_their_number(table, kept, grid):
    """Issue 33, point 10: four cards took four of ten places, the lower half of the slide blank."""
    from ctg_analysis.indicators.display import key_figure_ids

    ids = key_figure_ids(table, "ezanville")
    dropped = set(ids[kept:])
    figure = key_figures_card(table.loc[~table["indicator"].isin(dropped)], "ezanville")
    cards = figure.axes[0].patches
    assert len(cards) == kept
    columns = {round(card.get_x(), 3) for card in cards}
    lines = {round(card.get_y(), 3) for card in cards}
    assert (len(columns), len(lines)) == grid
    bottom = min(card.get_y() for card in cards)
    assert bottom < 0.1, "the cards reach the bottom of the space"


def test_an_epci_is_named_by_its_short_form_beside_its_bar():
    """Issue 33, point 10: « Communauté d'agglomération Roissy Pays de France (EPCI) » took three lines and
    covered the labels of the bars beside it."""
    from types import SimpleNamespace

    from ctg_analysis.charts.figures import _label

    def epci(name: str) -> str:
        return _label(SimpleNamespace(level="epci", geo_label=name))

    assert epci("Communauté d’agglomération Roissy Pays de France") == "CA Roissy Pays de France\n(EPCI)"
    assert epci("Communauté de communes Carnelle Pays-de-France") == "CC Carnelle Pays-de-France\n(EPCI)"
    assert _label(SimpleNamespace(level="commune", geo_label="Communauté")) == "Communauté"


def test_a_theme_whose_report_charts_cannot_be_drawn_shows_those_the_data_allow(tmp_path):
    # Issue 33, point 10: on real files the income chart and map of a territory reached the deck but not the
    # report (the RSA chart, the theme's report chart, had no CAF file). With Filosofi and no CAF file, the
    # theme shows the median's chart; with the CAF file, its own report chart only.
    import shutil

    from ctg_analysis.reports.notebook import open_report

    data = tmp_path / "filosofi"
    data.mkdir()
    for part in ("cog", "filosofi", "populations-legales", "contours"):
        shutil.copytree(DEMO / part, data / part)
    shutil.copy(DEMO / "territories.yaml", data)
    theme = "accès aux droits-précarité"
    without = open_report("ezanville", data_dir=str(data), territories_file=str(data / "territories.yaml"))
    assert "part_allocataires_rsa" in without.charts(theme) and "revenu_median" in without.charts(theme)
    full = open_report("ezanville", data_dir=str(DEMO), territories_file=str(DEMO / "territories.yaml"))
    assert "part_allocataires_rsa" in full.charts(theme) and "revenu_median" not in full.charts(theme)
    # The reason a chart is missing is the true one: the CAF file to add, named.
    spec = next(s for s in without.plan if s.name == "part_allocataires_rsa")
    reason = spec.missing_data(without.table, "ezanville", without.prepared)
    assert reason.startswith("graphique non disponible : ajoutez aux données les données allocataires de la CNAF")
