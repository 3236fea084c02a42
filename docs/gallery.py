"""Redraw the README's chart gallery from the demo data: ``python docs/gallery.py``."""

from pathlib import Path

from ctg_analysis.charts import figures, save_figure
from ctg_analysis.config import territories_file
from ctg_analysis.indicators import compute_indicators, prepare
from ctg_analysis.resources import DEMO_DIR
from ctg_analysis.sources.folder import scan_folder
from ctg_analysis.territories import load_territories

GALLERY = Path(__file__).resolve().parent / "gallery"

prepared = prepare(scan_folder(DEMO_DIR, progress=False))
territories = load_territories(territories_file(DEMO_DIR), prepared.reference, prepared.movements)
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

# A page of the report's PDF and a slide of the deck, as their readers see them (WeasyPrint, the ``pdf``
# extra; LibreOffice and poppler's pdftoppm, installed with apt-get).
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

from ctg_analysis.reports import render_reports  # noqa: E402

for tool in ("soffice", "pdftoppm"):
    if shutil.which(tool) is None:
        raise SystemExit(f"{tool} introuvable : apt-get install libreoffice-impress poppler-utils")
with tempfile.TemporaryDirectory() as work:
    work = Path(work)
    (result,) = render_reports(["ctg-ecouen"], data_dir=DEMO_DIR, reports_dir=work, pdf=True, workers=1)
    folder = work / result.slug
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(folder / "diagnostic.pptx")],
        check=True,
        capture_output=True,
    )
    pages = ((folder / "diagnostic.pdf", 2, "rapport-pdf"), (work / "diagnostic.pdf", 11, "diapositive"))
    for pdf, page, name in pages:
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "50",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(pdf),
                str(GALLERY / name),
            ],
            check=True,
        )
        print(GALLERY / f"{name}.png")
