"""Benchmark: every indicator for every territory of France, against a naive per-territory loop.

    python benchmarks/bench_indicators.py [--sample 100]

Uses the national synthetic dataset of ``national_data.py`` (written on first use, ~15 s): about 35,000
communes, 100 départements, 1,250 territories of 1 to 100 communes. Times, in one process:

- ctg-analysis: loading the folder from the parquet cache, preparing the commune values, loading the
  territories and computing the long table for all territories at every level;
- the baseline: a plain Python loop that filters the commune values of each territory, then of its
  départements, régions and France, and sums them (what a notebook would do), timed on a sample of
  territories and scaled to all of them.

Targets (issue 37): all territories of France in under 2 seconds (median of the runs) and 1 GB of peak memory on
a 2-core machine; each printed beside its figure, met or missed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ctg_analysis.formatting import format_number  # noqa: E402
from ctg_analysis.indicators import compute_indicators, prepare  # noqa: E402
from ctg_analysis.sources.folder import scan_folder  # noqa: E402
from ctg_analysis.territories import load_territories  # noqa: E402
from national_data import DEFAULT_FOLDER, write_national  # noqa: E402

#: The targets of issue 37: every territory of France at every level in under 2 s and 1 GB.
TARGET_SECONDS = 2.0
TARGET_MB = 1024


def _verdict(met: bool) -> str:
    return "tenu" if met else "MANQUÉ"


def naive_loop(prepared, territories, ids: list[str]) -> int:
    """Per territory, filter and sum the commune values of each level of its ladder (no vectorisation
    across territories). Returns the number of result rows, to keep the work honest."""
    values = prepared.values
    reference = prepared.reference.set_index("code")
    communes = prepared.geography.communes
    rows = 0
    for territory_id in ids:
        members = list(territories.get(territory_id).communes)
        ladder = [members]
        for level in ("epci", "departement", "region"):
            for code in reference.loc[members, level].dropna().unique():
                ladder.append(reference.index[reference[level] == code].tolist())
        ladder.append(list(communes))
        for group in ladder:
            selected = values.loc[values["commune"].isin(communes.get_indexer(group))]
            sums = selected.groupby(["indicator", "year_start", "year_end"])[["numerator", "denominator"]].sum()
            rows += len(sums)
    return rows


def _run(raw: Path, cache: Path, territories_file: Path):
    """One full pipeline: cache → prepared values → territories → long table. Returns the total time,
    the time of each step, and what it computed."""
    steps = {}
    start = time.perf_counter()
    folder = scan_folder(raw, cache_dir=cache, progress=False)
    steps["lecture depuis le cache"] = time.perf_counter() - start
    mark = time.perf_counter()
    prepared = prepare(folder)
    steps["préparation (valeurs communales)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    territories = load_territories(territories_file, prepared.reference, prepared.movements)
    steps["chargement des territoires"] = time.perf_counter() - mark
    mark = time.perf_counter()
    table = compute_indicators(prepared, territories)
    steps["calcul pour tous les territoires"] = time.perf_counter() - mark
    return time.perf_counter() - start, steps, (prepared, territories, table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--sample", type=int, default=50, help="territories timed for the baseline (scaled to all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the whole pipeline; the median is reported")
    args = parser.parse_args()
    if not (args.folder / "territories.yaml").is_file():
        print(f"écriture du jeu national dans {args.folder}…", flush=True)
        write_national(args.folder)
    raw, cache = args.folder / "raw", args.folder / "cache"
    scan_folder(raw, cache_dir=cache, progress=False)  # fills the cache once

    runs = [_run(raw, cache, args.folder / "territories.yaml") for _ in range(args.repeat)]
    totals = [total for total, _, _ in runs]
    median = sorted(range(len(runs)), key=lambda i: totals[i])[len(runs) // 2]
    total, steps, (prepared, territories, table) = runs[median]

    ids = [t.id for t in territories]
    sample = list(np.random.default_rng(0).choice(ids, size=min(args.sample, len(ids)), replace=False))
    mark = time.perf_counter()
    naive_loop(prepared, territories, sample)
    naive_sample = time.perf_counter() - mark
    naive_total = naive_sample * len(ids) / len(sample)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    communes = len(prepared.geography.communes)
    print(
        f"\nJeu national : {format_number(communes)} communes, {format_number(len(territories))} territoires, "
        f"{len(prepared.indicators)} indicateurs"
    )
    print(f"Table longue : {format_number(len(table))} lignes\n")
    for step, seconds in steps.items():
        print(f"  {step:<40} {seconds:6.2f} s")
    print(
        f"  {'ctg-analysis, total':<40} {total:6.2f} s   (médiane de {len(totals)} exécutions : "
        f"{', '.join(f'{t:.2f}' for t in totals)} ; objectif : < 2 s, {_verdict(total < TARGET_SECONDS)})"
    )
    print(
        f"  {'boucle naïve par territoire':<40} {naive_total:6.2f} s   (mesurée sur {len(sample)} territoires, "
        f"extrapolée à {len(ids)})"
    )
    print(
        f"\n  rapport : {format_number(naive_total / total, 1)} × plus rapide ; mémoire maximale : "
        f"{format_number(peak)} Mo (objectif : < {format_number(TARGET_MB)} Mo, {_verdict(peak < TARGET_MB)})"
    )


if __name__ == "__main__":
    main()
