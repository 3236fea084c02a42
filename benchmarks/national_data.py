"""Generate a national-scale synthetic dataset in the official layouts, for the benchmarks.

About 35,000 communes in 100 départements and 13 régions, grouped into ~1,250 EPCI and 1,250
territories of 1 to 100 communes (``territories.yaml``). Files: census (population, families, activity;
vintages 2013 and 2019), births 2014–2021, legal populations, Filosofi at every level, CNAF by IRIS,
COG communes and EPCI composition. Deterministic (fixed seed); written once into the target folder.

    python benchmarks/national_data.py [FOLDER]      # default: benchmarks/data/national
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # the demo generator's file layouts

from ctg_analysis.files import write_bytes
from ctg_analysis.sources.folder import DEMO_MARKER
from demo.layouts import MOVEMENT_COLUMNS, csv_bytes, workbook_bytes, zip_bytes
from demo.outlines import outline_bytes

SEED = 35_000
N_COMMUNES = 35_000
N_DEPARTEMENTS = 100
N_REGIONS = 13
N_EPCI = 1_250
N_TERRITORIES = 1_250
DEFAULT_FOLDER = Path(__file__).resolve().parent / "data" / "national"
CAF_BANDS = ["0002", "0305", "0610", "1117", "1824", "2539", "4054", "5564", "6579", "80P"]


def _geography(rng: np.random.Generator) -> pd.DataFrame:
    metropole = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]
    overseas = ["971", "972", "973", "974"]
    departements = np.array(metropole + overseas)
    # Overseas communes are numbered on two digits (97101…): at most 99 per département.
    per_dep = np.concatenate(
        [
            rng.multinomial(
                N_COMMUNES - 30 * len(overseas) - len(metropole), np.full(len(metropole), 1 / len(metropole))
            )
            + 1,
            np.full(len(overseas), 30),
        ]
    )
    dep = np.repeat(departements, per_dep)
    # Paris, Lyon and Marseille number their municipal arrondissements 75101…, 69381…, 13201…: start above.
    first = {"75": 400, "69": 400, "13": 300}
    rank = np.concatenate([np.arange(1, n + 1) + first.get(d, 0) for d, n in zip(departements, per_dep, strict=True)])
    width = np.where(np.char.str_len(dep.astype(str)) == 3, 2, 3)
    code = np.array([d + str(r).zfill(w) for d, r, w in zip(dep, rank, width, strict=True)])
    region_of_dep = dict(zip(departements, [f"{11 + (i % N_REGIONS) * 3}" for i in range(N_DEPARTEMENTS)], strict=True))
    frame = pd.DataFrame({"code": code, "departement": dep})
    frame["region"] = frame["departement"].map(region_of_dep)
    frame["label"] = "Commune " + frame["code"]
    # EPCI: consecutive communes of a département, about 28 each.
    frame["epci"] = (
        "2"
        + pd.Series(np.minimum(np.arange(N_COMMUNES) * N_EPCI // N_COMMUNES, N_EPCI - 1))
        .astype(str)
        .str.zfill(8)
        .to_numpy()
    )
    frame["population"] = np.exp(rng.normal(6.4, 1.3, N_COMMUNES)).clip(10, 500_000)
    return frame


def _places(departements) -> dict:
    """Where each synthetic département is drawn: metropolitan ones on a grid over France, overseas ones
    near their own place (their maps use their own coordinates)."""
    overseas = {"971": (-61.5, 16.2), "972": (-61.0, 14.6), "973": (-53.0, 4.0), "974": (55.5, -21.1)}
    metropole = sorted(d for d in departements if d not in overseas)
    places = {d: (-4.0 + 1.0 * (n % 11), 42.5 + 0.75 * (n // 11), 0.33) for n, d in enumerate(metropole)}
    return places | {d: (*where, 0.3) for d, where in overseas.items()}


def _territory_sizes(rng: np.random.Generator) -> np.ndarray:
    sizes = np.clip(rng.lognormal(np.log(20), 0.9, N_TERRITORIES), 1, 100).astype(int)
    while sizes.sum() > N_COMMUNES:
        sizes = np.maximum(1, (sizes * 0.97).astype(int))
    return sizes


def write_national(folder: Path = DEFAULT_FOLDER) -> Path:
    """Write the dataset (and ``territories.yaml``) into ``folder``; returns the folder."""
    rng = np.random.default_rng(SEED)
    geo = _geography(rng)
    n = len(geo)
    pop19 = geo["population"].to_numpy()
    shares = rng.dirichlet(np.array([3.5, 3.6, 6, 8, 7, 18, 20, 13, 14, 6]) * 20, n)
    growth = rng.lognormal(-0.02, 0.05, n)
    files: dict[str, bytes] = {}

    census = {"CODGEO": geo["code"]}
    for yy, total in (("19", pop19), ("13", pop19 * growth)):
        census[f"P{yy}_POP"] = total
        census |= {
            f"P{yy}_POP{band}": total * shares[:, i] * rng.lognormal(0, 0.02, n) for i, band in enumerate(CAF_BANDS)
        }
        census[f"P{yy}_POPH"] = total * 0.49
        census[f"P{yy}_POPF"] = total * 0.51
    census = pd.DataFrame(census).round(6)
    files["base-cc-evol-struct-pop-2019_csv.zip"] = zip_bytes({"base-cc-evol-struct-pop-2019.CSV": csv_bytes(census)})

    families = {"CODGEO": geo["code"]}
    employment = {"CODGEO": geo["code"]}
    for yy, total in (("19", pop19), ("13", pop19 * growth)):
        men = total / 2.4
        fam = men * 0.65
        families |= {
            f"C{yy}_MEN": men,
            f"C{yy}_MENPSEUL": men * 0.33,
            f"C{yy}_FAM": fam,
            f"C{yy}_COUPAENF": fam * 0.45,
            f"C{yy}_COUPSENF": fam * 0.4,
            f"C{yy}_FAMMONO": fam * rng.uniform(0.08, 0.25, n),
            f"C{yy}_NE24F3": fam * 0.06,
            f"C{yy}_NE24F4P": fam * 0.02,
        }
        f1564 = total * 0.31
        employment |= {
            f"P{yy}_POP1564": total * 0.63,
            f"P{yy}_F1564": f1564,
            f"P{yy}_ACT1564": total * 0.46,
            f"P{yy}_FACT1564": f1564 * rng.uniform(0.6, 0.8, n),
            f"P{yy}_FACTOCC1564": f1564 * 0.62,
        }
    files["base-cc-coupl-fam-men-2019_csv.zip"] = zip_bytes(
        {"base-cc-coupl-fam-men-2019.CSV": csv_bytes(pd.DataFrame(families).round(6))}
    )
    files["base-cc-emploi-pop-active-2019_csv.zip"] = zip_bytes(
        {"base-cc-emploi-pop-active-2019.CSV": csv_bytes(pd.DataFrame(employment).round(6))}
    )

    births = pd.DataFrame({"CODGEO": geo["code"]})
    for year in range(2014, 2022):
        births[f"NAISD{year % 100:02d}"] = rng.poisson(pop19 * 0.011)
    files["base-naissances-2021.csv"] = csv_bytes(births)
    files["contours/communes.geojson"] = outline_bytes(geo, SEED, _places(geo["departement"].unique()))

    pmun = pop19.round().astype("int64")
    legal = pd.DataFrame(
        {
            "Code région": geo["region"],
            "Nom de la région": "Région " + geo["region"],
            "Code département": geo["departement"],
            "Code arrondissement": "1",
            "Code canton": "01",
            "Code commune": geo["code"].str[-3:],
            "Nom de la commune": geo["label"],
            "Population municipale": pmun,
            "Population comptée à part": (pmun * 0.01).round().astype("int64"),
            "Population totale": pmun + (pmun * 0.01).round().astype("int64"),
        }
    )
    deps = legal.groupby(["Code région", "Nom de la région", "Code département"], as_index=False)[
        ["Population municipale", "Population totale"]
    ].sum()
    deps.insert(3, "Nom du département", "Département " + deps["Code département"])
    regs = legal.groupby(["Code région", "Nom de la région"], as_index=False)[
        ["Population municipale", "Population totale"]
    ].sum()
    titles = [
        "Populations légales",
        "Mise à jour",
        "en habitant",
        "Champ : France, limites territoriales en vigueur au 1er janvier 2021",
        "Date de référence statistique : 1er janvier 2019",
        "Source : Insee, RP2019",
        "Données fictives",
    ]
    files["ensemble.xlsx"] = workbook_bytes(
        {"Régions": (titles, regs, None), "Départements": (titles, deps, None), "Communes": (titles, legal, None)}
    )

    median = rng.lognormal(np.log(22000), 0.15, n).round(-1)
    filo = pd.DataFrame(
        {
            "CODGEO": geo["code"],
            "LIBGEO": geo["label"],
            "NBMEN19": (pop19 / 2.4).round(),
            "NBPERS19": pop19.round(),
            "Q219": median,
            "TP6019": rng.uniform(5, 30, n).round(1),
        }
    )
    filo.loc[filo["NBMEN19"] < 50, ["Q219", "TP6019"]] = np.nan
    # As INSEE's Filosofi files, none ends with a line end (a file that does where its siblings do not is cut).
    files["FILO2019_DISP_COM.csv"] = csv_bytes(filo, decimal=",", bom=True, crlf=True, final_newline=False)
    for level, key in (("EPCI", "epci"), ("DEP", "departement"), ("REG", "region")):
        grouped = (
            pd.DataFrame({"CODGEO": geo[key], "Q219": median, "TP6019": filo["TP6019"].fillna(15)})
            .groupby("CODGEO")
            .mean()
            .round(1)
            .reset_index()
        )
        grouped.insert(1, "LIBGEO", level + " " + grouped["CODGEO"])
        files[f"FILO2019_DISP_{level}.csv"] = csv_bytes(grouped, decimal=",", bom=True, crlf=True, final_newline=False)
    files["FILO2019_DISP_METROPOLE.csv"] = csv_bytes(
        pd.DataFrame({"CODGEO": ["1"], "LIBGEO": ["France métropolitaine"], "Q219": [22000.0], "TP6019": [14.6]}),
        decimal=",",
        bom=True,
        crlf=True,
        final_newline=False,
    )

    allocataires = (pop19 * 0.19).round()
    caf = pd.DataFrame(
        {
            "CODGEO": geo["code"] + "0000",
            "NOTE": 0,
            "A": allocataires,
            "PERCOU": (allocataires * 2.4).round(),
            "AM": (allocataires * 0.15).round(),
            "ENF_2": (census["P19_POP0002"] * 0.85).round(),
            "AAL": (allocataires * 0.3).round(),
            "ARSAS": (allocataires * 0.09).round(),
        }
    )
    caf = caf.astype({c: "Int64" for c in caf.columns if c != "CODGEO"})
    caf = caf.mask(caf.drop(columns="CODGEO").lt(5).reindex(columns=caf.columns, fill_value=False))
    files["data_CAF_2020_IRIS.csv"] = csv_bytes(caf, crlf=True)

    cog = pd.DataFrame(
        {
            "TYPECOM": "COM",
            "COM": geo["code"],
            "REG": geo["region"],
            "DEP": geo["departement"],
            "CTCD": "",
            "ARR": "",
            "TNCC": "0",
            "NCC": geo["label"].str.upper(),
            "NCCENR": geo["label"],
            "LIBELLE": geo["label"],
            "CAN": "",
            "COMPARENT": "",
        }
    )
    files["commune_2021.csv"] = csv_bytes(cog, sep=",", crlf=True)
    epci = pd.DataFrame(
        {
            "CODGEO": geo["code"],
            "LIBGEO": geo["label"],
            "EPCI": geo["epci"],
            "LIBEPCI": "EPCI " + geo["epci"],
            "DEP": geo["departement"],
            "REG": geo["region"],
        }
    )
    files["EPCI_2021.csv"] = csv_bytes(epci, bom=True, crlf=True)
    # The movements file of the COG 2022: no change among these communes since 2019.
    movements = pd.DataFrame(
        [[10, "2019-01-01", "COM", "01001", "0", "A", "A", "A", "COM", "01001", "0", "B", "B", "B"]],
        columns=MOVEMENT_COLUMNS,
    )
    movements.loc[1] = [10, "2022-01-01", "COM", "01002", "0", "C", "C", "C", "COM", "01002", "0", "C", "C", "C"]
    files["mvtcommune_2022.csv"] = csv_bytes(movements, sep=",", crlf=True)
    # A synthetic world: its own geography files are the whole truth (not the real COG shipped).
    files[DEMO_MARKER] = b'{"demo": true, "label": "Jeu national fictif (benchmark)"}\n'

    sizes = _territory_sizes(rng)
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    codes = geo["code"].to_numpy()
    lines = ["territories:"]
    for t, (start, end) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        members = ", ".join(f'"{c}"' for c in codes[start:end])
        lines.append(f"  - id: t{t + 1:04d}\n    label: Territoire {t + 1}\n    communes: [{members}]")
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        write_bytes(folder / "raw" / name, content)
    write_bytes(folder / "territories.yaml", ("\n".join(lines) + "\n").encode("utf-8"))
    return folder


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FOLDER
    start = time.perf_counter()
    write_national(target)
    print(f"jeu national écrit dans {target} en {time.perf_counter() - start:.1f} s")
