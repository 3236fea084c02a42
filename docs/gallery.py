"""Redraw the README's chart gallery from the demo data: ``python docs/gallery.py``."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from ctg_analysis.charts import figures, save_figure  # noqa: E402
from ctg_analysis.config import settings, territories_file  # noqa: E402
from ctg_analysis.indicators import compute_indicators, prepare  # noqa: E402
from ctg_analysis.sources.folder import scan_folder  # noqa: E402
from ctg_analysis.territories import load_territories  # noqa: E402

GALLERY = Path(__file__).resolve().parent / "gallery"

prepared = prepare(scan_folder(settings.demo_dir, progress=False))
territories = load_territories(territories_file(settings.demo_dir), prepared.reference, prepared.movements)
table = compute_indicators(prepared, territories)
for name, figure in {
    "chiffres-cles": figures.key_figures_card(table, "ctg-ecouen"),
    "evol_0_2": figures.evolution_chart(table, "ezanville", "evol_0_2"),
    "part_familles_monoparentales": figures.comparison_bars(table, "ctg-ecouen", "part_familles_monoparentales"),
    "naissances": figures.births_chart(table, "ezanville"),
    "structure-par-age": figures.age_structure(table, "ctg-ecouen"),
    "communes-structure-par-age": figures.communes_small_multiples(table, "ctg-val-fictif"),
}.items():
    save_figure(figure, GALLERY / name, formats=("png",), dpi=60)
    print(GALLERY / f"{name}.png")
