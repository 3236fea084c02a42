"""Build the geography shipped with the package from INSEE's official files.

Reads, with the package's own readers:

- the COG 2023 communes (``v_commune_2023.csv``: types COM, ARM, COMD, COMA);
- INSEE's *mouvements des communes* 1943–2025 (``mvtcommunes.csv``, as reproduced by COGiter);
- the EPCI composition at 1 January 2020, 2021 and 2024;

brings the commune list forward to the last year of the movements, and writes three parquet files into
``ctg_analysis/resources/geography/`` (about 1 MB in all). Run it again when INSEE publishes a new COG::

    python tools/build_geography.py ../shared/data/real
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ctg_analysis.errors import CtgError
from ctg_analysis.geography.embedded import communes_at
from ctg_analysis.sources.registry import read_file

TARGET = Path(__file__).resolve().parents[1] / "ctg_analysis" / "resources" / "geography"
SOURCES = {
    "communes": "cog-2023/v_commune_2023.csv",
    "movements": "cogiter-mvt-passage/mvtcommunes.csv",
    "epci": [
        "epci-2020/EPCI_2020.csv",
        "epci-composition/Intercommunalite-Metropole_au_01-01-2021.xlsx",
        "epci-composition/EPCI_au_01-01-2024.xlsx",
    ],
}


def _one(path: Path, dataset: str):
    tables = [t for t in read_file(path, expected=dataset) if t.dataset == dataset]
    if len(tables) != 1:
        sys.exit(f"{path} : attendu une table « {dataset} », trouvé {len(tables)}")
    return tables[0]


def build(real: Path, target: Path = TARGET) -> None:
    movements = _one(real / SOURCES["movements"], "cog_movements").data
    cog = _one(real / SOURCES["communes"], "cog_communes")
    communes = cog.data.rename(columns={"geo": "code"})[["type", "code", "label", "parent"]]
    communes.attrs["cog_year"] = cog.cog_year
    latest = int(movements["date_eff"].max().year)
    current = communes_at(communes, movements, latest)
    epci = []
    for name in SOURCES["epci"]:
        table = _one(real / name, "epci_composition")
        epci.append(table.data[["geo", "epci", "epci_label"]].assign(year=table.cog_year))
    target.mkdir(parents=True, exist_ok=True)
    current.assign(cog_year=latest).to_parquet(target / "communes.parquet", index=False, compression="zstd")
    movements.to_parquet(target / "movements.parquet", index=False, compression="zstd")
    epci_frame = pd.concat(epci, ignore_index=True)[["year", "geo", "epci", "epci_label"]].astype({"year": "int64"})
    epci_frame.to_parquet(target / "epci.parquet", index=False, compression="zstd")
    counts = current["type"].value_counts().to_dict()
    print(
        f"COG {latest} : {counts} ; {len(movements)} mouvements ; EPCI {sorted(epci_frame['year'].unique().tolist())}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("real", type=Path, help="dossier des fichiers officiels (../shared/data/real)")
    parser.add_argument("--out", type=Path, default=TARGET, help="dossier de sortie (par défaut les données du paquet)")
    arguments = parser.parse_args()
    try:
        build(arguments.real, arguments.out)
    except CtgError as exc:  # a missing or broken official file: one French line, nothing written
        print(f"erreur : {exc}", file=sys.stderr)
        sys.exit(2)
