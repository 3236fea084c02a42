"""Benchmark: a national Melodi census table read by ctg-analysis, against a plain ``pandas.read_csv``.

    python benchmarks/bench_melodi.py [--rows-per-commune 288]

Writes (once, ~30 s) a synthetic national file in the layout of INSEE's ``DS_RP_POPULATION_PRINC`` bulk file
(``GEO;GEO_OBJECT;SEX;AGE;RP_MEASURE;FREQ;OBS_STATUS;TIME_PERIOD;OBS_VALUE``, weighted counts with five
decimals): 35,000 communes × 3 sexes × 32 age codes of INSEE's list ``CL_AGE`` × 3 vintages, about 10 million
rows and 400 MB. Then reads it twice, each in a fresh process so that each peak memory is its own:

- ctg-analysis: ``read_file``, i.e. recognised, parsed (pyarrow), its rows selected and turned into the
  canonical census table with every CAF age band it gives;
- the baseline: ``pandas.read_csv(path, sep=";")``, which only parses the text into columns.

Targets (issue 31): ≤ ⅓ of pandas' time and ≤ 1.5 GB peak.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ctg_analysis.formatting import format_number

FOLDER = Path(__file__).resolve().parent / "data" / "melodi"
#: Age codes of INSEE's code list CL_AGE, as a census table by sex and age holds them.
AGES = [
    "_T",
    "Y_LT3",
    "Y3T5",
    "Y6T10",
    "Y11T17",
    "Y18T24",
    "Y25T39",
    "Y40T54",
    "Y55T64",
    "Y65T79",
    "Y_GE80",
    "Y_LT15",
    "Y15T24",
    "Y_LT20",
    "Y20T64",
    "Y_GE65",
    *(f"Y{age}" for age in range(16)),
]
SEXES = ["_T", "M", "F"]
VINTAGES = [2012, 2017, 2023]


def write_file(path: Path, communes: int = 35_000) -> None:
    """The synthetic national table, one row per (commune, sex, age code, vintage)."""
    codes = np.array([f"{d:02d}{c:03d}" for d in range(1, 96) for c in range(1, 400)])[:communes]
    per_commune = len(SEXES) * len(AGES) * len(VINTAGES)
    rng = np.random.default_rng(31)
    frame = pd.DataFrame(
        {
            "GEO": np.repeat(codes, per_commune),
            "GEO_OBJECT": "COM",
            "SEX": np.tile(np.repeat(SEXES, len(AGES) * len(VINTAGES)), len(codes)),
            "AGE": np.tile(np.repeat(AGES, len(VINTAGES)), len(codes) * len(SEXES)),
            "RP_MEASURE": "POP",
            "FREQ": "A",
            "OBS_STATUS": "A",
            "TIME_PERIOD": np.tile(VINTAGES, len(codes) * len(SEXES) * len(AGES)),
            "OBS_VALUE": rng.gamma(2.0, 200.0, len(codes) * per_commune).round(5),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    frame.to_csv(temporary, sep=";", index=False)
    temporary.replace(path)


def _measure(which: str, path: Path) -> dict[str, float]:
    """One read, in this process: its time and this process's peak memory."""
    start = time.perf_counter()
    if which == "ctg":
        from ctg_analysis.sources.registry import read_file

        (table,) = read_file(path)
        rows = len(table.data)
    else:
        rows = len(pd.read_csv(path, sep=";"))
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": rows}


def _in_child(which: str, path: Path) -> dict[str, float]:
    """One step in a fresh process (Linux keeps a process's peak memory across ``exec``: this one stays small)."""
    done = subprocess.run(
        [sys.executable, __file__, "--one", which, "--file", str(path)], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--one", choices=["ctg", "pandas", "write"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, default=FOLDER / "DS_RP_POPULATION_PRINC_data.csv")
    arguments = parser.parse_args()
    if arguments.one == "write":
        write_file(arguments.file)
        print(json.dumps({}))
        return
    if arguments.one:
        print(json.dumps(_measure(arguments.one, arguments.file)))
        return
    if not arguments.file.exists():
        print(f"Écriture du fichier national synthétique ({arguments.file})…", flush=True)
        _in_child("write", arguments.file)
    size = arguments.file.stat().st_size / 1e6
    ours, plain = _in_child("ctg", arguments.file), _in_child("pandas", arguments.file)
    ratio = ours["seconds"] / plain["seconds"]
    print(f"Fichier : {arguments.file.name}, {format_number(size)} Mo, {format_number(plain['rows'])} lignes")
    print(
        f"ctg-analysis : {format_number(ours['seconds'], 2)} s, pic {format_number(ours['peak_mb'])} Mo "
        f"(table canonique de {format_number(ours['rows'])} lignes : commune × millésime)"
    )
    print(f"pandas.read_csv : {format_number(plain['seconds'], 2)} s, pic {format_number(plain['peak_mb'])} Mo")
    print(
        f"Rapport des temps : {format_number(ratio, 2)} (objectif ≤ 0,33 : "
        f"{'atteint' if ratio <= 1 / 3 else 'non atteint'}) ; pic mémoire : "
        f"{'atteint' if ours['peak_mb'] <= 1536 else 'non atteint'} (objectif ≤ 1 536 Mo)"
    )


if __name__ == "__main__":
    main()
