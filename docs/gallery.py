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

# The seed territory's maps, drawn from the real outlines (IGN Admin Express COG 2018, Val-d'Oise) and real
# figures (populations légales RP2022, Filosofi 2019) of ../shared/data/real, when it is beside the checkout.
import os  # noqa: E402
import tempfile  # noqa: E402

from ctg_analysis.charts import maps  # noqa: E402
from ctg_analysis.diagnostic import Diagnostic  # noqa: E402

REAL = Path(os.environ.get("CTG_REAL_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "real"))
if REAL.is_dir():
    with tempfile.TemporaryDirectory() as data:
        for file in (
            "populations-legales/ensemble_RP2022_en_vigueur_2025.xlsx",
            "filosofi-2014-2019/revenu_commune/FILO2019_DISP_COM.csv",
            "geometries-admin-express-2018/communes-95-val-d-oise.geojson",
            "geometries-admin-express-2018/departements-version-simplifiee.geojson",
        ):
            (Path(data) / Path(file).name).symlink_to(REAL / file)
        seed = Diagnostic.open(data, Path(__file__).resolve().parents[1] / "data" / "territories.yaml")
        real_table = seed.table(["ctg-ecouen"])
        for name, figure in {
            "carte-situation": maps.locator_map(seed.outlines, real_table, "ctg-ecouen"),
            "carte-revenu-median-val-d-oise": maps.departement_map(
                seed.outlines, seed.departement_table("95"), "revenu_median", scheme="jenks"
            ),
        }.items():
            save_figure(figure, GALLERY / name, formats=("png",), dpi=60)
            print(GALLERY / f"{name}.png")

# A page of the report's PDF and a slide of the deck, as their readers see them (WeasyPrint, the ``pdf``
# extra; LibreOffice and poppler's pdftoppm, installed with apt-get).
import shutil  # noqa: E402
import subprocess  # noqa: E402

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
