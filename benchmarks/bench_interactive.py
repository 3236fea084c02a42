"""Benchmark: what the interactive page adds to a territory's report, on the demo.

    python benchmarks/bench_interactive.py [--repeat 5]

In one process, the data prepared once, then for the demo's seed territory (``ctg-ecouen``), each timed
``--repeat`` times (median): the static documents a report writes (charts in PNG, workbook, deck), then the
interactive page (its data, outlines included, and the file). The page's size is that of the file, its map
library apart (written once per run). The département overview (Val-d'Oise) is timed too.

Targets (issue 36): the page adds ≤ 0,5 s to the report and weighs ≤ 2 MB.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from ctg_analysis.diagnostic import Diagnostic
from ctg_analysis.exports.documents import write_documents
from ctg_analysis.exports.interactive import overview_data, overview_name, write_page
from ctg_analysis.formatting import format_number, format_size
from ctg_analysis.resources import DEMO_DIR

TERRITORY = "ctg-ecouen"


def _median(repeat: int, step) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    diagnostic = Diagnostic.open(DEMO_DIR)
    table = diagnostic.table([TERRITORY])
    outlines = diagnostic.outlines
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / TERRITORY
        write_documents(table, TERRITORY, target, ["html"], outlines=outlines)  # the library, written once per run
        static = _median(
            repeat, lambda: write_documents(table, TERRITORY, target, ["png", "xlsx", "pptx"], outlines=outlines)
        )
        page = _median(repeat, lambda: write_documents(table, TERRITORY, target, ["html"], outlines=outlines))
        size = (target / "interactif.html").stat().st_size
        departement = diagnostic.departement_table("95")
        overview_path = Path(folder) / overview_name("95")
        overview = _median(
            repeat, lambda: write_page(overview_path, overview_data(departement, outlines), "plotly.min.js")
        )
        overview_size = overview_path.stat().st_size
    seconds = lambda value: f"{format_number(value, 2)} s"  # noqa: E731
    print(f"documents statiques (PNG, classeur, diaporama) : {seconds(static)} (médiane de {repeat})")
    print(
        f"page interactive : {seconds(page)}, soit {format_number(100 * page / static, 1)} % des documents statiques "
        f"— cible ≤ 0,5 s ; {'tenue' if page <= 0.5 else 'MANQUÉE'}"
    )
    print(f"taille de la page : {format_size(size)} — cible ≤ 2 Mo ; {'tenue' if size <= 2_000_000 else 'MANQUÉE'}")
    print(f"aperçu du Val-d'Oise : {seconds(overview)}, {format_size(overview_size)}")


if __name__ == "__main__":
    main()
