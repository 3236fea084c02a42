"""Benchmark: the report batch against a naive papermill loop with a fresh kernel per territory.

    python benchmarks/bench_reports.py [--territories 24]

On the national synthetic dataset (``national_data.py``), renders the same template for the same
territories twice, in one process: ``render_reports`` (parallel workers, one reused kernel each, data
prepared once per kernel) and a plain loop calling ``papermill.execute_notebook`` with a fresh kernel for
each territory. Both use the report without exports (``exports=[]``): the notebook is what both produce.
Prints both times, the ratio (target: at least 4× on a 2-core machine) and whether the executed
notebooks show identical outputs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import papermill

sys.path.insert(0, str(Path(__file__).resolve().parent))
from national_data import DEFAULT_FOLDER, write_national  # noqa: E402

from ctg_analysis.config import current_project, template_file  # noqa: E402
from ctg_analysis.formatting import format_number  # noqa: E402
from ctg_analysis.reports import render_reports  # noqa: E402
from ctg_analysis.reports.render import territory_slug  # noqa: E402
from ctg_analysis.reports.templates import Template, project_parameters  # noqa: E402
from ctg_analysis.sources.folder import scan_folder  # noqa: E402

PARAMETERS = {"exports": []}


def outputs(path: Path) -> list:
    """What a notebook shows, without execution metadata."""
    nb = nbformat.read(str(path), as_version=4)
    return [
        {k: v for k, v in o.get("data", {}).items() if k in ("text/plain", "text/html", "text/markdown", "image/png")} or o.get("text", "")
        for cell in nb.cells
        for o in cell.get("outputs", [])
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--territories", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    if not (args.folder / "territories.yaml").is_file():
        write_national(args.folder)
    data, territories_file = (args.folder / "raw").resolve(), (args.folder / "territories.yaml").resolve()
    scan_folder(data, progress=False)  # the parquet cache, filled once for both runs
    ids = [f"t{n:04d}" for n in sorted(np.random.default_rng(1).choice(np.arange(1, 1251), size=args.territories, replace=False))]
    work = Path(tempfile.mkdtemp(prefix="ctg-bench-reports-"))

    start = time.perf_counter()
    results = render_reports(ids, data_dir=data, territories_file=territories_file, reports_dir=work / "batch", parameters=PARAMETERS, workers=args.workers, progress=False)
    batch = time.perf_counter() - start
    failed = [r.territory_id for r in results if r.status != "ok"]

    template = Template(template_file(), work)
    (work / "naive").mkdir()
    start = time.perf_counter()
    for territory_id in ids:
        parameters = {
            **project_parameters(current_project()),  # what the batch passes from the project's ctg.toml
            "territory_id": territory_id, "data_dir": str(data), "territories_file": str(territories_file), "output_dir": "", **PARAMETERS,
        }
        papermill.execute_notebook(str(template.notebook), str(work / "naive" / f"{territory_id}.ipynb"), parameters=parameters, kernel_name="python3", progress_bar=False)
    naive = time.perf_counter() - start

    same = sum(outputs(work / "batch" / territory_slug(t) / "diagnostic.ipynb") == outputs(work / "naive" / f"{t}.ipynb") for t in ids)
    print(f"\n{len(ids)} territoires du jeu national, {args.workers} processus")
    print(f"  lot (noyaux réutilisés, en parallèle)     {batch:7.1f} s" + (f"   échecs : {failed}" if failed else ""))
    print(f"  boucle papermill, un noyau par territoire {naive:7.1f} s")
    print(f"  rapport : {format_number(naive / batch, 1)} × plus rapide (objectif : ≥ 4) ; sorties identiques : {same}/{len(ids)}")
    print(f"  (carnets dans {work})")


if __name__ == "__main__":
    main()
