"""Benchmark: the report batch against its floor and against a naive papermill loop.

    python benchmarks/bench_reports.py [--territories 24] [--workers 2]

On the national synthetic dataset (``national_data.py``), for the same territories, in one run:

- the batch: ``render_reports`` (parallel workers, one reused kernel each, data prepared once and handed to them);
- its floor: the same template's work done in plain worker processes, on the same number of workers,
  without papermill, kernels or HTML (open the report, its tables, texts and inline charts and maps drawn
  to SVG as the notebook shows them; the maps' share of it is printed too);
- the naive loop: ``papermill.execute_notebook`` with a fresh kernel for each territory, one at a time.

All use the report without exports (``exports=[]``): the notebook is what they produce. Prints the three
times, the batch's ratio to its floor (target: at most 1.5) and the naive loop's ratio to the batch
(target: at least 6 on a 2-core machine), and whether batch and naive notebooks show identical outputs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

# Only what the batch's workers need too is imported here: they are spawned, and a spawned process imports
# the main script again (``ctg report``'s is light). The rest is imported where used.
BENCHMARKS = Path(__file__).resolve().parent

PARAMETERS = {"exports": []}


def _floor_one(territory_id: str, data: str, territories_file: str, settings: dict) -> tuple[int, float, int]:
    """What the template does for one territory, in a plain process: the bytes it would show, and the
    seconds and number of its maps."""
    from ctg_analysis.reports.notebook import open_report

    options = {
        k: v for k, v in settings.items() if k in ("title", "caf", "author", "comparison_levels", "census_vintage")
    }
    report = open_report(territory_id, data_dir=data, territories_file=territories_file, **options)
    shown = [report.cover(), report.contents(), report.key_figures().data]
    charts = ["chiffres-cles", "situation"]
    for theme in report.themes:
        table = report.theme_table(theme)
        shown += [
            report.heading(theme),
            report.commentary(theme),
            str(table._repr_mimebundle_()) if hasattr(table, "_repr_mimebundle_") else str(table),
        ]
        charts += report.charts(theme)
    plan = {spec.name: spec for spec in report.plan}
    map_seconds, maps = 0.0, 0
    for name in charts:
        spec = plan[name]
        start = time.perf_counter()
        if spec.missing_data(report.table, territory_id) is None:
            shown.append(spec.draw(report.table, territory_id).svg())  # as the notebook shows it inline
            if spec.is_map:
                map_seconds, maps = map_seconds + time.perf_counter() - start, maps + 1
    shown.append(report.methods())
    return sum(len(part) for part in shown), map_seconds, maps


def floor(ids: list[str], data: Path, territories_file: Path, workers: int) -> tuple[float, float, int]:
    """Seconds for the template's work on ``workers`` plain processes (each prepares the data once), and
    the seconds and number of maps among them."""
    from ctg_analysis.config import current_project
    from ctg_analysis.reports.templates import project_parameters

    settings = project_parameters(current_project())
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        done = list(
            pool.map(_floor_one, ids, [str(data)] * len(ids), [str(territories_file)] * len(ids), [settings] * len(ids))
        )
    return time.perf_counter() - start, sum(d[1] for d in done), sum(d[2] for d in done)


def outputs(path: Path) -> list:
    """What a notebook shows, without execution metadata."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    return [
        {
            k: v
            for k, v in o.get("data", {}).items()
            if k in ("text/plain", "text/html", "text/markdown", "image/svg+xml")
        }
        or o.get("text", "")
        for cell in nb.cells
        for o in cell.get("outputs", [])
    ]


def main() -> None:
    import papermill

    from ctg_analysis.config import current_project, template_file
    from ctg_analysis.files import territory_slug
    from ctg_analysis.formatting import format_number
    from ctg_analysis.reports import render_reports
    from ctg_analysis.reports.templates import Template, project_parameters
    from ctg_analysis.sources.folder import scan_folder

    sys.path.insert(0, str(BENCHMARKS))
    from national_data import DEFAULT_FOLDER, write_national

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--territories", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    if not (args.folder / "territories.yaml").is_file():
        write_national(args.folder)
    data, territories_file = (args.folder / "raw").resolve(), (args.folder / "territories.yaml").resolve()
    scan_folder(data, progress=False)  # the parquet cache, filled once for both runs
    ids = [
        f"t{n:04d}"
        for n in sorted(np.random.default_rng(1).choice(np.arange(1, 1251), size=args.territories, replace=False))
    ]
    work = Path(tempfile.mkdtemp(prefix="ctg-bench-reports-"))

    start = time.perf_counter()
    results = render_reports(
        ids,
        data_dir=data,
        territories_file=territories_file,
        reports_dir=work / "batch",
        parameters=PARAMETERS,
        workers=args.workers,
        progress=False,
    )
    batch = time.perf_counter() - start
    failed = [r.territory_id for r in results if r.status != "ok"]

    floor_seconds, map_seconds, maps = floor(ids, data, territories_file, args.workers)

    template = Template(template_file(), work)
    (work / "naive").mkdir()
    start = time.perf_counter()
    for territory_id in ids:
        parameters = {
            **project_parameters(current_project()),  # what the batch passes from the project's ctg.toml
            "territory_id": territory_id,
            "data_dir": str(data),
            "territories_file": str(territories_file),
            "output_dir": "",
            **PARAMETERS,
        }
        papermill.execute_notebook(
            str(template.notebook),
            str(work / "naive" / f"{territory_id}.ipynb"),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
        )
    naive = time.perf_counter() - start

    same = sum(
        outputs(work / "batch" / territory_slug(t) / "diagnostic.ipynb") == outputs(work / "naive" / f"{t}.ipynb")
        for t in ids
    )
    print(f"\n{len(ids)} territoires du jeu national, {args.workers} processus")
    print(f"  lot (noyaux réutilisés, en parallèle)       {batch:7.1f} s" + (f"   échecs : {failed}" if failed else ""))
    print(f"  plancher (même travail, processus simples)  {floor_seconds:7.1f} s")
    print(f"  boucle papermill, un noyau par territoire   {naive:7.1f} s")
    print(f"  lot / plancher : {format_number(batch / floor_seconds, 2)} (objectif : ≤ 1,5)")
    print(
        f"  boucle / lot : {format_number(naive / batch, 1)} × (objectif : ≥ 6) ; sorties identiques : "
        f"{same}/{len(ids)}"
    )
    print(
        f"  cartes : {maps} en tout, {format_number(map_seconds / max(maps, 1), 2)} s par carte, "
        f"{format_number(map_seconds / len(ids), 2)} s par territoire (objectif : < 0,5 s par carte)"
    )
    print(f"  (carnets dans {work})")


if __name__ == "__main__":
    main()
