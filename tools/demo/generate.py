"""Deterministic generator of the demo dataset (*données fictives de démonstration*).

The demo folder holds synthetic files in exactly the official layouts (file names, columns, separators,
title rows), so that every reader, indicator and report runs on them as on downloaded files. It covers
the seed's territory (Écouen, Le Mesnil-Aubry, Puiseux-en-France, Bouqueval, Le Plessis-Gassot),
Ézanville, and fictional communes (names invented, codes 9xx that do not exist in the real COG) in
six départements of four régions, so that département, région and France comparisons mean something.

Populations are built by single year of age and sex, so that every published band (CAF bands, broad
bands, 15–64) is a sum of the same ages and the files agree with each other. Ézanville reproduces the
seed's fiche action: 128 births in 2019 and 0–2 year olds up 25.7 % between 2013 and 2019.

Run ``python tools/write_demo.py [FOLDER]`` to write it (default: the package's ``resources/demo``). The generator
is a maintainers' tool: it is not in the wheel, only what it writes is.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ctg_analysis.files import write_bytes
from ctg_analysis.resources import DEMO_DIR
from demo.layouts import MOVEMENT_COLUMNS, csv_bytes, workbook_bytes, zip_bytes
from demo.outlines import outline_bytes

log = logging.getLogger(__name__)

__all__ = ["DEMO_LABEL", "EARLIER_EDITION", "SEED", "build_demo", "write_demo", "write_earlier_demo"]

SEED = 20201005  # the day of the seed's CTG presentation
DEMO_LABEL = "Données fictives de démonstration"
#: The year of the earlier edition: the files a CTG signed then would have had (RP2016, births to 2018).
EARLIER_EDITION = 2019
BIRTH_YEARS = tuple(range(2008, 2022))
AGES = np.arange(101)
CAF_BANDS = {
    "0002": (0, 2),
    "0305": (3, 5),
    "0610": (6, 10),
    "1117": (11, 17),
    "1824": (18, 24),
    "2539": (25, 39),
    "4054": (40, 54),
    "5564": (55, 64),
    "6579": (65, 79),
    "80P": (80, 100),
}
BROAD_BANDS = {
    "0014": (0, 14),
    "1529": (15, 29),
    "3044": (30, 44),
    "4559": (45, 59),
    "6074": (60, 74),
    "75P": (75, 100),
}

# The seed's communes, with their order of size (2013 population), their EPCI, and their IRIS count.
_SEED_COMMUNES = [
    ("95205", "Écouen", 7250, "200055655", 3),
    ("95395", "Le Mesnil-Aubry", 930, "200055655", 1),
    ("95509", "Puiseux-en-France", 3450, "200055655", 1),
    ("95094", "Bouqueval", 320, "200055655", 1),
    ("95492", "Le Plessis-Gassot", 71, "200055655", 1),
    ("95229", "Ézanville", 9300, "200056380", 4),
]
_EPCI_LABELS = {
    "200055655": "CA Roissy Pays de France",
    "200056380": "CA Plaine Vallée",
    "200990951": "CC du Val Fictif",
    "200990781": "CA des Coteaux Imaginaires",
    "200990911": "CC de la Plaine Inventée",
    "200990601": "CC du Plateau Fictif",
    "200990011": "CC des Monts Imaginaires",
    "200992A01": "CA du Golfe Fictif",
}
# département → (région, number of fictional communes, EPCIs they belong to)
_DEPARTEMENTS = {
    "95": ("11", 26, ["200055655", "200056380", "200990951"]),
    "78": ("11", 16, ["200990781"]),
    "91": ("11", 12, ["200990911"]),
    "60": ("32", 14, ["200990601"]),
    "01": ("84", 10, ["200990011"]),
    "2A": ("94", 6, ["200992A01"]),
}
_DEP_LABELS = {"95": "Val-d'Oise", "78": "Yvelines", "91": "Essonne", "60": "Oise", "01": "Ain", "2A": "Corse-du-Sud"}
_REG_LABELS = {"11": "Île-de-France", "32": "Hauts-de-France", "84": "Auvergne-Rhône-Alpes", "94": "Corse"}
_ROOTS = [
    "Aubrelle",
    "Brévinges",
    "Corbelay",
    "Doncelles",
    "Estivaux",
    "Fréneval",
    "Gorvillers",
    "Hautmesnil",
    "Ivrelles",
    "Jarcourt",
    "Lonvaux",
    "Marsigny",
    "Noirval",
    "Orbecq",
    "Pérouval",
    "Quincelles",
    "Rovillers",
    "Sarvigny",
    "Tourbelle",
    "Ursonne",
    "Vaubrelle",
    "Yverlay",
    "Arcelles",
    "Bellonnes",
    "Charvigny",
    "Damvaux",
    "Écorvaux",
    "Fontbelle",
    "Granvilliers",
    "Hérivaux-Neuf",
    "Ormelles",
]
_PATTERNS = ["{r}", "Saint-{r}", "{r}-sur-Ysieux", "Le Val-{de}{r}", "{article}{r}", "{r}-en-Vexin", "{r}-le-Bois"]
# A fictional merge, effective 1 January 2022 (after the census geography of 2021): tests COG conversion.
MERGE = ("60912", "60911", "2022-01-01")


@dataclass(frozen=True)
class Demo:
    """The synthetic world, before it is written in official layouts."""

    communes: pd.DataFrame  # code, label, departement, region, epci, iris, base
    ages: dict[int, np.ndarray]  # census year → population (commune, sex [H, F], age)
    births: pd.DataFrame  # commune × year
    deaths: pd.DataFrame


def _communes(rng: np.random.Generator) -> pd.DataFrame:
    rows = [
        {"code": c, "label": n, "departement": "95", "region": "11", "epci": e, "iris": i, "base": float(p)}
        for c, n, p, e, i in _SEED_COMMUNES
    ]
    names = iter(_name(pattern, root) for pattern, root in zip(_PATTERNS * 20, _ROOTS * 7, strict=False))
    for dep, (region, count, epcis) in _DEPARTEMENTS.items():
        sizes = np.exp(rng.normal(7.3, 1.2, count)).clip(60, 45000).round()
        for k in range(count):
            code = f"{dep}9{k + 1:02d}" if len(dep) == 2 else f"{dep}{k + 1:02d}"
            rows.append(
                {
                    "code": code,
                    "label": next(names),
                    "departement": dep,
                    "region": region,
                    "epci": epcis[k % len(epcis)],
                    "iris": int(np.clip(sizes[k] // 5000, 1, 6)),
                    "base": float(sizes[k]),
                }
            )
    frame = pd.DataFrame(rows)
    frame["epci_label"] = frame["epci"].map(_EPCI_LABELS)
    return frame


def _name(pattern: str, root: str) -> str:
    """A fictional commune name, with French elision (L'Estivaux, Le Val-d'Orbecq)."""
    vowel = root[0] in "AEÉIOUY"
    article = "L'" if vowel else ("La " if root.endswith("e") else "Le ")
    return pattern.format(r=root, de="d'" if vowel else "de-", article=article)


def _age_profile(rng: np.random.Generator, n: int) -> np.ndarray:
    """Share of each single age, per commune: a French-looking pyramid tilted younger or older."""
    base = np.where(AGES < 60, 1.2, 1.2 * np.clip((100 - AGES) / 40, 0.02, None))
    tilt = rng.normal(0.0, 0.25, (n, 1))
    profile = base * np.exp(tilt * (40 - AGES) / 40) * rng.lognormal(0.0, 0.06, (n, AGES.size))
    return profile / profile.sum(axis=1, keepdims=True)


def build_demo(seed: int = SEED) -> Demo:
    """Draw the synthetic world (no file written)."""
    rng = np.random.default_rng(seed)
    communes = _communes(rng)
    n = len(communes)
    female = np.clip(0.49 + 0.16 * np.clip(AGES - 60, 0, 40) / 40, 0, 0.7)
    sex = np.stack([1 - female, female])  # (2, ages)
    pop2013 = communes["base"].to_numpy()[:, None, None] * _age_profile(rng, n)[:, None, :] * sex[None]
    # Six years later: growth, ageing and noise; weighted census counts are decimals.
    growth = rng.lognormal(0.02, 0.06, (n, 1, 1))
    pop2019 = pop2013 * growth * rng.lognormal(0.0, 0.05, pop2013.shape)
    pop2019 = pop2019 * (1 + 1e-4 * rng.standard_normal(pop2019.shape))
    ezanville = communes.index[communes["code"] == "95229"][0]
    ratio = 1.257 * pop2013[ezanville, :, 0:3].sum() / pop2019[ezanville, :, 0:3].sum()
    pop2019[ezanville, :, 0:3] *= ratio  # the seed's "+25,7 %"
    # Births: a commune-specific rate on the 20–44 year-old women, Poisson counts (births are whole numbers).
    women = pop2013[:, 1, 20:45].sum(axis=1)
    rate = rng.lognormal(np.log(0.085), 0.15, n)
    expected = np.outer(women * rate, np.linspace(1.0, 1.04, len(BIRTH_YEARS)))
    births = rng.poisson(expected).astype("int64")
    births[ezanville, BIRTH_YEARS.index(2019)] = 128  # the seed's "128 naissances en 2019"
    deaths = rng.poisson(np.outer(communes["base"].to_numpy() * 0.0085, np.ones(len(BIRTH_YEARS)))).astype("int64")
    years = list(BIRTH_YEARS)
    return Demo(
        communes=communes,
        ages={2013: pop2013, 2019: pop2019},
        births=pd.DataFrame(births, index=communes["code"], columns=years),
        deaths=pd.DataFrame(deaths, index=communes["code"], columns=years),
    )


def _band(pop: np.ndarray, first: int, last: int, sex: int | None = None) -> np.ndarray:
    part = pop[:, :, first : last + 1] if sex is None else pop[:, sex : sex + 1, first : last + 1]
    return part.sum(axis=(1, 2))


def _yy(year: int) -> str:
    return f"{year % 100:02d}"


def _population_columns(pop: np.ndarray, year: int) -> dict[str, np.ndarray]:
    p = f"P{_yy(year)}_"
    columns = {f"{p}POP": _band(pop, 0, 100)}
    columns |= {f"{p}POP{b}": _band(pop, *r) for b, r in CAF_BANDS.items()}
    columns |= {f"{p}POP{b}": _band(pop, *r) for b, r in BROAD_BANDS.items()}
    for s, letter in enumerate("HF"):
        columns[f"{p}POP{letter}"] = _band(pop, 0, 100, s)
        columns |= {f"{p}{letter}{b}": _band(pop, *r, s) for b, r in BROAD_BANDS.items()}
    return columns


def _round(frame: pd.DataFrame) -> pd.DataFrame:
    """INSEE publishes weighted counts with many decimals; keep 8, as the real files do roughly."""
    numeric = frame.select_dtypes("number").columns
    return frame.assign(**{c: frame[c].round(8) for c in numeric})


def census_population(demo: Demo) -> pd.DataFrame:
    """``base-cc-evol-struct-pop-2019``: both vintages, CAF and broad bands, by sex."""
    columns = {"CODGEO": demo.communes["code"].to_numpy()}
    for year in sorted(demo.ages, reverse=True):
        columns |= _population_columns(demo.ages[year], year)
    return _round(pd.DataFrame(columns))


def _iris_shares(demo: Demo, rng: np.random.Generator) -> pd.DataFrame:
    """IRIS of each commune with the share of the commune each holds (non-split communes: one ``0000``)."""
    counts = demo.communes["iris"].to_numpy()
    commune = np.repeat(demo.communes["code"].to_numpy(), counts)
    rank = np.concatenate([np.arange(1, c + 1) for c in counts])
    split = np.repeat(counts > 1, counts)
    codes = np.where(
        split, [f"{c}{100 + r:04d}" for c, r in zip(commune, rank, strict=True)], [f"{c}0000" for c in commune]
    )
    raw = rng.uniform(0.5, 1.5, len(commune))
    share = raw / pd.Series(raw).groupby(commune).transform("sum").to_numpy()
    return pd.DataFrame({"IRIS": codes, "COM": commune, "TYP_IRIS": np.where(split, "H", "Z"), "share": share})


def census_population_iris(demo: Demo, rng: np.random.Generator) -> pd.DataFrame:
    """``base-ic-evol-struct-pop-2019``: the 2019 vintage split into IRIS (sums equal the commune file)."""
    iris = _iris_shares(demo, rng)
    position = demo.communes.reset_index().set_index("code").loc[iris["COM"], "index"].to_numpy()
    pop = demo.ages[2019][position] * iris["share"].to_numpy()[:, None, None]
    columns = {"IRIS": iris["IRIS"], "COM": iris["COM"], "TYP_IRIS": iris["TYP_IRIS"], "LAB_IRIS": "1"}
    return _round(pd.DataFrame(columns | _population_columns(pop, 2019)))


def census_families(demo: Demo, rng: np.random.Generator) -> pd.DataFrame:
    """``base-cc-coupl-fam-men-2019``: households and families by type and number of children."""
    columns: dict[str, np.ndarray] = {"CODGEO": demo.communes["code"].to_numpy()}
    n = len(demo.communes)
    for year in sorted(demo.ages, reverse=True):
        c = f"C{_yy(year)}_"
        pop = demo.ages[year].sum(axis=(1, 2))
        households = pop / rng.normal(2.45, 0.12, n)
        alone = households * rng.uniform(0.25, 0.40, n)
        families = (households - alone) * rng.uniform(0.88, 0.95, n)
        single = families * rng.uniform(0.10, 0.22, n)
        with_children = (families - single) * rng.uniform(0.50, 0.62, n)
        without = families - single - with_children
        children = rng.dirichlet([40, 22, 20, 8, 3], n) * families[:, None]  # 0, 1, 2, 3, 4+ children under 25
        columns |= {
            f"{c}MEN": households,
            f"{c}MENPSEUL": alone,
            f"{c}MENCOUPSENF": without * 0.98,
            f"{c}MENCOUPAENF": with_children * 0.98,
            f"{c}MENFAMMONO": single * 0.97,
            f"{c}PMEN": pop * 0.985,
            f"{c}FAM": families,
            f"{c}COUPAENF": with_children,
            f"{c}FAMMONO": single,
            f"{c}HMONO": single * 0.16,
            f"{c}FMONO": single * 0.84,
            f"{c}COUPSENF": without,
            **{f"{c}NE24F{k}": children[:, i] for i, k in enumerate(["0", "1", "2", "3", "4P"])},
        }
    return _round(pd.DataFrame(columns))


def census_employment(demo: Demo, rng: np.random.Generator) -> pd.DataFrame:
    """``base-cc-emploi-pop-active-2019``: 15–64 year olds, active and employed, by sex."""
    columns: dict[str, np.ndarray] = {"CODGEO": demo.communes["code"].to_numpy()}
    n = len(demo.communes)
    for year in sorted(demo.ages, reverse=True):
        p = f"P{_yy(year)}_"
        men, women = _band(demo.ages[year], 15, 64, 0), _band(demo.ages[year], 15, 64, 1)
        men_active, women_active = men * rng.uniform(0.72, 0.80, n), women * rng.uniform(0.64, 0.76, n)
        columns |= {
            f"{p}POP1564": men + women,
            f"{p}H1564": men,
            f"{p}F1564": women,
            f"{p}ACT1564": men_active + women_active,
            f"{p}HACT1564": men_active,
            f"{p}FACT1564": women_active,
            f"{p}ACTOCC1564": (men_active + women_active) * 0.9,
            f"{p}HACTOCC1564": men_active * 0.9,
            f"{p}FACTOCC1564": women_active * 0.9,
            f"{p}CHOM1564": (men_active + women_active) * 0.1,
        }
    return _round(pd.DataFrame(columns))


def census_history(demo: Demo, rng: np.random.Generator) -> pd.DataFrame:
    """``base-cc-serie-historique-2019``: populations since 1968 and births/deaths between census dates."""
    pop19, pop13 = (demo.ages[y].sum(axis=(1, 2)) for y in (2019, 2013))
    n = len(pop19)
    columns: dict[str, np.ndarray] = {"CODGEO": demo.communes["code"].to_numpy(), "P19_POP": pop19, "P13_POP": pop13}
    earlier = pop13
    for name, years in (("P08_POP", 5), ("D99_POP", 9), ("D90_POP", 9), ("D82_POP", 8), ("D75_POP", 7), ("D68_POP", 7)):
        earlier = earlier / rng.lognormal(0.008 * years, 0.02, n)
        columns[name] = earlier.round() if name.startswith("D") else earlier
    columns["SUPERF"] = rng.uniform(1.5, 25.0, n).round(2)
    b, d = demo.births, demo.deaths
    columns["NAIS1319"] = b[list(range(2013, 2019))].sum(axis=1).to_numpy()
    columns["NAIS0813"] = b[list(range(2008, 2013))].sum(axis=1).to_numpy()
    columns["DECE1319"] = d[list(range(2013, 2019))].sum(axis=1).to_numpy()
    columns["DECE0813"] = d[list(range(2008, 2013))].sum(axis=1).to_numpy()
    return _round(pd.DataFrame(columns))


def _melodi_rows(communes: pd.DataFrame, departements: pd.Series, value_columns: list[str]) -> pd.DataFrame:
    """Commune rows of a Melodi table (``GEO``, ``GEO_OBJECT`` ``COM``, dimension columns, ``TIME_PERIOD``,
    ``OBS_VALUE``) and INSEE's own rows of their départements (``DEP``), the sums of their communes."""
    keys = [c for c in communes.columns if c not in value_columns]
    own = communes.assign(GEO_OBJECT="COM")
    summed = (
        communes.assign(GEO=departements.reindex(communes["GEO"]).to_numpy())
        .groupby(keys, sort=False)[value_columns]
        .sum()
        .reset_index()
        .assign(GEO_OBJECT="DEP")
    )
    return pd.concat([own, summed], ignore_index=True)


def melodi_births(demo: Demo) -> pd.DataFrame:
    """``DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv``: live births 2008–2021 by the mother's commune, one row per
    (area, year), in the geography of 2022 (after the merge), as INSEE's Melodi file has them."""
    absorbed, absorbing, _ = MERGE
    births = demo.births.copy()
    births.loc[absorbing] += births.loc[absorbed]
    births = births.drop(index=absorbed)
    long = births.rename_axis("GEO").reset_index().melt("GEO", var_name="TIME_PERIOD", value_name="OBS_VALUE")
    departements = demo.communes.set_index("code")["departement"]
    rows = _melodi_rows(long, departements, ["OBS_VALUE"])
    return rows.assign(EC_MEASURE="LVB", FREQ="A", OBS_STATUS="A")[
        ["EC_MEASURE", "FREQ", "GEO", "GEO_OBJECT", "OBS_STATUS", "TIME_PERIOD", "OBS_VALUE"]
    ]


#: The Melodi codes (SEX, EMPSTA_ENQ) of the employment base's columns: 1 employed, 2 unemployed, 1T2 active.
_EMPLOYMENT_CODES = {
    "POP1564": ("_T", "_T"),
    "ACT1564": ("_T", "1T2"),
    "ACTOCC1564": ("_T", "1"),
    "CHOM1564": ("_T", "2"),
    "H1564": ("M", "_T"),
    "HACT1564": ("M", "1T2"),
    "HACTOCC1564": ("M", "1"),
    "F1564": ("F", "_T"),
    "FACT1564": ("F", "1T2"),
    "FACTOCC1564": ("F", "1"),
}


def melodi_employment(base: pd.DataFrame, demo: Demo) -> pd.DataFrame:
    """``DS_RP_EMPLOI_LR_PRINC_2019_data.csv``: the employment base's figures of both vintages (15–64 year olds
    by sex and status) in INSEE's Melodi long format, in the census geography (2021)."""
    long = base.melt("CODGEO", var_name="column", value_name="OBS_VALUE").rename(columns={"CODGEO": "GEO"})
    parts = long["column"].str.extract(r"^P(\d\d)_(\w+)$")
    codes = parts[1].map(_EMPLOYMENT_CODES)
    long = long.assign(SEX=codes.str[0], EMPSTA_ENQ=codes.str[1], TIME_PERIOD=2000 + parts[0].astype(int)).drop(
        columns="column"
    )
    departements = demo.communes.set_index("code")["departement"]
    rows = _melodi_rows(long, departements, ["OBS_VALUE"])
    return rows.assign(AGE="Y15T64", EDUC="_T", RP_MEASURE="POP", FREQ="A", OBS_STATUS="A")[
        [
            "GEO",
            "GEO_OBJECT",
            "SEX",
            "EMPSTA_ENQ",
            "AGE",
            "EDUC",
            "RP_MEASURE",
            "FREQ",
            "OBS_STATUS",
            "TIME_PERIOD",
            "OBS_VALUE",
        ]
    ]


#: The demo's equipment: INSEE's type codes and one facility per so many inhabitants (BPE 2021): the types a CTG
#: reads (crèches, schools, collèges) and a few others, so that each domain's total holds more than them.
_EQUIPMENT = {
    "A129": 300,  # services to individuals
    "A401": 800,
    "B104": 5000,  # shops
    "B207": 1000,
    "C107": 2500,  # écoles maternelles, primaires, élémentaires, collèges
    "C108": 4000,
    "C109": 2500,
    "C201": 9000,
    "D265": 1500,  # health: a doctor, a pharmacy; the établissements d'accueil du jeune enfant
    "D307": 3000,
    "D502": 3000,
    "F101": 15000,  # sport
    "F113": 2000,
}
BPE_YEAR = 2021


def melodi_equipment(demo: Demo, rng: np.random.Generator) -> pd.DataFrame:
    """``DS_BPE_2021_data.csv``: facilities on 1 January 2021 per commune and département in INSEE's Melodi layout,
    which lists only what an area has (no row for a count of 0), with its nested totals: all equipment, domain,
    sub-domain, type."""
    people = demo.ages[2019].sum(axis=(1, 2))
    counts = pd.DataFrame(
        {code: rng.poisson(people / per) for code, per in _EQUIPMENT.items()}, index=demo.communes["code"]
    ).rename_axis("GEO")
    counts["A129"] = counts["A129"].clip(lower=1)  # every commune has some service (the BPE lists them all)
    long = counts.reset_index().melt("GEO", var_name="FACILITY_TYPE", value_name="OBS_VALUE")
    long = long.loc[long["OBS_VALUE"] > 0].assign(
        FACILITY_DOM=lambda f: f["FACILITY_TYPE"].str[0], FACILITY_SDOM=lambda f: f["FACILITY_TYPE"].str[:2]
    )
    levels = [
        ("FACILITY_DOM", "FACILITY_SDOM", "FACILITY_TYPE"),
        ("FACILITY_DOM", "FACILITY_SDOM"),
        ("FACILITY_DOM",),
        (),
    ]
    nested = pd.concat(
        [long.groupby(["GEO", *keys], as_index=False)["OBS_VALUE"].sum() for keys in levels], ignore_index=True
    ).fillna({"FACILITY_DOM": "_T", "FACILITY_SDOM": "_T", "FACILITY_TYPE": "_T"})
    departements = demo.communes.set_index("code")["departement"]
    rows = _melodi_rows(nested.assign(TIME_PERIOD=BPE_YEAR), departements, ["OBS_VALUE"])
    return rows.assign(BPE_MEASURE="FACILITIES", UNIT_MULT=0, UNIT_MEASURE="NR", OBS_STATUS="A")[
        [
            "GEO",
            "GEO_OBJECT",
            "FACILITY_DOM",
            "FACILITY_SDOM",
            "FACILITY_TYPE",
            "BPE_MEASURE",
            "UNIT_MULT",
            "UNIT_MEASURE",
            "OBS_STATUS",
            "TIME_PERIOD",
            "OBS_VALUE",
        ]
    ]


def _melodi_metadata(codes: dict[str, tuple[str, dict[str, str]]]) -> pd.DataFrame:
    """A Melodi ``_metadata.csv``: each dimension's codes with their French labels."""
    return pd.DataFrame(
        [
            (column, label, code, meaning)
            for column, (label, values) in codes.items()
            for code, meaning in values.items()
        ],
        columns=["COD_VAR", "LIB_VAR", "COD_MOD", "LIB_MOD"],
    )


def legal_population(demo: Demo, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """``ensemble.xlsx`` RP2019: communes, départements, régions (whole numbers)."""
    c = demo.communes
    pmun = demo.ages[2019].sum(axis=(1, 2)).round().astype("int64")
    pcap = (pmun * rng.uniform(0.005, 0.025, len(c))).round().astype("int64")
    communes = pd.DataFrame(
        {
            "Code région": c["region"],
            "Nom de la région": c["region"].map(_REG_LABELS),
            "Code département": c["departement"],
            "Code arrondissement": "1",
            "Code canton": "01",
            "Code commune": c["code"].str[2:],
            "Nom de la commune": c["label"],
            "Population municipale": pmun,
            "Population comptée à part": pcap,
            "Population totale": pmun + pcap,
        }
    )
    sums = ["Population municipale", "Population totale"]
    deps = communes.groupby(["Code région", "Nom de la région", "Code département"], as_index=False)[sums].sum()
    deps.insert(3, "Nom du département", deps["Code département"].map(_DEP_LABELS))
    regs = communes.groupby(["Code région", "Nom de la région"], as_index=False)[sums].sum()
    return {"Régions": regs, "Départements": deps, "Communes": communes}


def filosofi(demo: Demo, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """``FILO2019_DISP_*``: medians and poverty rates at every level (published, not additive)."""
    c = demo.communes
    persons = demo.ages[2019].sum(axis=(1, 2)) * 0.985
    households = persons / 2.4
    units = persons / 1.55
    median = rng.lognormal(np.log(23500), 0.12, len(c)).round(-1)
    poverty = np.clip(rng.normal(14, 5, len(c)), 3, 40).round(1)
    base = pd.DataFrame(
        {
            "NBMEN19": households.round().astype("int64"),
            "NBPERS19": persons.round().astype("int64"),
            "NBUC19": units.round(1),
            "Q219": median.astype("int64"),
            "TP6019": poverty,
        }
    )
    spread = pd.DataFrame({f"D{k}19": (median * (0.4 + 0.15 * k)).round(-1).astype("int64") for k in (1, 9)})
    frame = pd.concat([c[["code", "label", "departement", "region", "epci"]], base, spread], axis=1)
    # Small communes: only counts and the median are published; the smallest not at all.
    small = frame["NBMEN19"] < 1000
    frame[["D119", "D919"]] = frame[["D119", "D919"]].astype("Int64")
    frame.loc[small, ["TP6019", "D119", "D919"]] = pd.NA
    frame = frame.loc[frame["NBMEN19"] >= 50]
    levels = {}
    columns = ["NBMEN19", "NBPERS19", "NBUC19", "Q219", "TP6019", "D119", "D919"]
    levels["COM"] = frame.rename(columns={"code": "CODGEO", "label": "LIBGEO"})[["CODGEO", "LIBGEO", *columns]]
    full = pd.concat([c[["code", "departement", "region", "epci"]], base, spread], axis=1)
    weights = full["NBPERS19"]
    for level, key, labels in (
        ("EPCI", "epci", _EPCI_LABELS),
        ("DEP", "departement", _DEP_LABELS),
        ("REG", "region", _REG_LABELS),
        ("METROPOLE", None, {"1": "France métropolitaine"}),
    ):
        group = full[key] if key else pd.Series("1", index=full.index)
        counts = full[["NBMEN19", "NBPERS19", "NBUC19"]].groupby(group).sum()
        # A published median is not a mean of medians; a weighted mean stands in for it in the demo.
        spreads = ["Q219", "TP6019", "D119", "D919"]
        means = full[spreads].mul(weights, axis=0).groupby(group).sum().div(weights.groupby(group).sum(), axis=0)
        means = means.round({"Q219": -1, "TP6019": 1, "D119": -1, "D919": -1}).astype(
            {"Q219": "int64", "D119": "int64", "D919": "int64"}
        )
        published = counts.join(means).round({"NBUC19": 1})
        published = published.reset_index(names="CODGEO")[["CODGEO", *columns]]
        published.insert(1, "LIBGEO", published["CODGEO"].map(labels))
        levels[level] = published
    return levels


def caf(demo: Demo, rng: np.random.Generator, year: int) -> pd.DataFrame:
    """``data_CAF_YYYY_IRIS``: allocataires by IRIS; blurred small values are blank."""
    iris = _iris_shares(demo, rng)
    position = demo.communes.reset_index().set_index("code").loc[iris["COM"], "index"].to_numpy()
    pop = demo.ages[2019][position] * iris["share"].to_numpy()[:, None, None]
    total = pop.sum(axis=(1, 2))
    allocataires = total * rng.uniform(0.16, 0.22, len(total)) * (1 + 0.01 * (year - 2019))
    values = {
        "NOTE": np.zeros(len(total), dtype="int64"),
        "A": allocataires,
        "PERCOU": allocataires * rng.uniform(2.2, 2.6, len(total)),
        "AI": allocataires * 0.35,
        "AM": allocataires * rng.uniform(0.12, 0.22, len(total)),
        "ACSSENF": allocataires * 0.05,
        "ACAVENF": allocataires * 0.38,
        "AC3ENF": allocataires * 0.12,
        "ENF": allocataires * 1.1,
        "ENF_2": _band(pop, 0, 2) * 0.85,
        "ENF_3_5": _band(pop, 3, 5) * 0.85,
        "ENF_6_10": _band(pop, 6, 10) * 0.8,
        "ENF_11_14": _band(pop, 11, 14) * 0.8,
        "ENF_15_17": _band(pop, 15, 17) * 0.75,
        "ENF_18_24": _band(pop, 18, 24) * 0.3,
        "A_ETUD": allocataires * 0.04,
        "A_NETUD_24": allocataires * 0.03,
        "AAL": allocataires * 0.3,
        "AAPL": allocataires * 0.18,
        "AAAH": allocataires * 0.06,
        "APPA": allocataires * 0.25,
        "ARSAS": allocataires * 0.09,
    }
    counts = pd.DataFrame({k: np.asarray(v).round().astype("int64") for k, v in values.items()})
    # The CNAF blurs counts under 5: published as empty cells.
    counts = counts.astype("Int64").mask(counts.lt(5) & ~counts.columns.isin(["NOTE"])[None, :])
    frame = pd.concat([pd.DataFrame({"CODGEO": iris["IRIS"]}), counts], axis=1)
    if year <= 2018:
        labels = demo.communes.set_index("code")
        frame.insert(1, "LIBGEO", iris["COM"].map(labels["label"]) + " " + iris["IRIS"].str[5:])
        frame.insert(2, "DEPCOM", iris["COM"])
        frame.insert(3, "LIBCOM", iris["COM"].map(labels["label"]))
        frame.insert(4, "EPCI", iris["COM"].map(labels["epci"]))
        frame.insert(5, "REG", iris["COM"].map(labels["region"]))
    return frame


#: The Decembers of the demo's data.caf.fr export (after the IRIS files, which stop in 2020), and the years of its
#: childcare files: the CNAF's year N is in the geography of 1 January N + 1, and the demo's movements of
#: communes stop on 1 January 2022.
CAFDATA_YEARS = (2021,)
CHILDCARE_YEARS = (2020, 2021)


def _upper_plain(labels: pd.Series) -> pd.Series:
    """Names as data.caf.fr writes them: upper case, no accents (« ECOUEN », « LE MESNIL AUBRY »)."""
    from ctg_analysis.text import plain

    return labels.map(plain).str.upper().str.replace("-", " ").str.replace("'", " ")


#: The benefits of the demo's commune export besides the RSA and the prime d'activité (data.caf.fr's field ids).
_OTHER_BENEFITS = ("ndural", "apl", "alf", "als", "af", "cf", "asf", "ars", "ndurpaje", "ab", "cmg", "prepare")


def s_ben_com_f(demo: Demo, rng: np.random.Generator) -> pd.DataFrame:
    """data.caf.fr's « toutes prestations » by commune (``s_ben_com_f``), as its CSV export gives it: counts of
    households rounded to 5, amounts of December rounded to 100 €, one row a year the CAF could not place."""
    people = demo.ages[2019].sum(axis=(1, 2))
    under_3 = demo.ages[2019][:, :, 0:3].sum(axis=(1, 2))
    n = len(people)
    share = {  # each commune its own profile, so that the shares differ from commune to commune
        "ndur": rng.uniform(0.15, 0.23, n),
        "rsa": rng.lognormal(np.log(0.07), 0.45, n).clip(0.01, 0.3),
        "ppa": rng.uniform(0.18, 0.32, n),
        "ndural": rng.uniform(0.2, 0.42, n),
        "af": rng.uniform(0.3, 0.45, n),
        "cf": rng.uniform(0.04, 0.09, n),
        "asf": rng.uniform(0.04, 0.11, n),
        "ars": rng.uniform(0.1, 0.2, n),  # December: the families paid in August, still allocataires
    }
    frames = []
    for year in CAFDATA_YEARS:
        drift = 1 + 0.015 * (year - CAFDATA_YEARS[0])
        households = people * share["ndur"] * drift
        counts = {f"indfoy_{b}": households * (1 if b == "ndur" else share[b]) for b in share}
        counts["indfoy_ndurpaje"] = under_3 * rng.uniform(0.55, 0.8, n)
        counts["indfoy_cmg"] = counts["indfoy_ndurpaje"] * rng.uniform(0.3, 0.6, n)
        counts["indfoy_ab"] = counts["indfoy_ndurpaje"] * rng.uniform(0.75, 0.9, n)
        counts["indfoy_prepare"] = counts["indfoy_ndurpaje"] * rng.uniform(0.05, 0.12, n)
        apl = rng.uniform(0.45, 0.65, n)  # the housing benefits of the households with one
        counts["indfoy_apl"] = counts["indfoy_ndural"] * apl
        counts["indfoy_alf"] = counts["indfoy_ndural"] * (1 - apl) * 0.35
        counts["indfoy_als"] = counts["indfoy_ndural"] * (1 - apl) * 0.65
        rounded = {k: (np.asarray(v) / 5).round().astype("int64") * 5 for k, v in counts.items()}
        frame = pd.DataFrame(
            {
                "dtreffre": f"{year}-12",
                "numcomdo": demo.communes["code"].to_numpy(),
                "nomcom": _upper_plain(demo.communes["label"]).to_numpy(),
                "indfoy_ndur": rounded["indfoy_ndur"],
                "indnbp_ndur": (households * rng.uniform(2.2, 2.6, n) / 5).round().astype("int64") * 5,
                "indfoy_rsa": rounded["indfoy_rsa"],
                "indmtt_rsa": (rounded["indfoy_rsa"] * rng.uniform(500, 560, n) / 100).round().astype("int64") * 100,
                "indfoy_ppa": rounded["indfoy_ppa"],
                "indmtt_ppa": (rounded["indfoy_ppa"] * rng.uniform(170, 200, n) / 100).round().astype("int64") * 100,
                **{f"indfoy_{b}": rounded[f"indfoy_{b}"] for b in _OTHER_BENEFITS},
            }
        )
        unplaced = frame.iloc[[0]].assign(numcomdo="", nomcom="")
        unplaced.loc[:, frame.columns[3:]] = (unplaced[frame.columns[3:]] // 50 * 5).clip(lower=5)
        frames += [frame, unplaced]
    return pd.concat(frames, ignore_index=True).sort_values(["dtreffre", "numcomdo"], ascending=[False, True])


def s_ben_departements(demo: Demo, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """data.caf.fr's « toutes prestations » by département (``s_ben_dep``) and for France (``s_ben_nat``), monthly
    (November and December of each year here), the only files that give the disability benefits: households at
    the AAH and the AEEH, beneficiaries of each. Exact counts, no rounding."""
    people = demo.communes.assign(people=demo.ages[2019].sum(axis=(1, 2))).groupby("departement")["people"].sum()
    # Each demo département stands for a whole one about 40 times its demo communes.
    inhabitants = people.to_numpy() * 40
    rows = []
    for year in CAFDATA_YEARS:
        for month, drift in (("11", 0.997), ("12", 1.0)):
            aah = inhabitants * rng.uniform(0.016, 0.024, len(people)) * drift
            aeeh = inhabitants * rng.uniform(0.0035, 0.006, len(people)) * drift
            rows.append(
                pd.DataFrame(
                    {
                        "dtreffre": f"{year}-{month}",
                        "numdep": people.index.to_numpy(),
                        "nomdep": [_upper_plain(pd.Series([_DEP_LABELS[d]]))[0] for d in people.index],
                        "indfoy_ndur": (inhabitants * 0.19 * drift).round().astype("int64"),
                        "indfoy_rsa": (inhabitants * 0.014 * drift).round().astype("int64"),
                        "indfoy_aah": aah.round().astype("int64"),
                        "indben_aah": (aah * 1.08).round().astype("int64"),
                        "indfoy_aeeh": aeeh.round().astype("int64"),
                        "indben_aeeh": (aeeh * 1.17).round().astype("int64"),
                    }
                )
            )
    departements = pd.concat(rows, ignore_index=True)
    national = pd.DataFrame(
        {
            "dtreffre": [f"{year}-{month}-01" for year in CAFDATA_YEARS for month in ("11", "12")],
            "indfoy_ndur": [13_520_000, 13_561_000] * len(CAFDATA_YEARS),
            "indfoy_aah": [1_221_000, 1_225_000] * len(CAFDATA_YEARS),
            "indben_aah": [1_318_000, 1_322_000] * len(CAFDATA_YEARS),
            "indfoy_aeeh": [300_500, 301_800] * len(CAFDATA_YEARS),
            "indben_aeeh": [403_900, 405_600] * len(CAFDATA_YEARS),
        }
    )
    return {"s_ben_dep": departements, "s_ben_nat": national}


#: The childcare modes of the CNAF's coverage files, their share of the under-3s' places: EAJE financed by the
#: PSU, other EAJE, pre-schooling at 2, assistants maternels, garde à domicile.
_MODES = ("psu_col", "hors_psu_col", "prescol", "am_ind", "gad_ind")


def childcare_places(demo: Demo, rng: np.random.Generator) -> pd.DataFrame:
    """Places for the under-3s by mode, per commune and year, and the under-3s they serve."""
    under_3 = demo.ages[2019][:, :, 0:3].sum(axis=(1, 2))
    n = len(under_3)
    urban = np.clip(np.log10(demo.communes["base"].to_numpy()) - 2.5, 0, 2) / 2  # 0 in villages, 1 in towns
    rates = {  # places per child under 3
        "psu_col": urban * rng.uniform(0.1, 0.35, n),
        "hors_psu_col": urban * rng.uniform(0.0, 0.06, n),
        "prescol": rng.uniform(0.0, 0.06, n),
        "am_ind": rng.uniform(0.2, 0.55, n) * (1.2 - 0.4 * urban),
        "gad_ind": urban * rng.uniform(0.0, 0.05, n),
    }
    frames = []
    for year in CHILDCARE_YEARS:
        growth = 1 + 0.02 * (year - CHILDCARE_YEARS[0])
        places = {mode: (under_3 * rate * growth).round() for mode, rate in rates.items()}
        frames.append(pd.DataFrame({"year": year, "code": demo.communes["code"], "under_3": under_3, **places}))
    return pd.concat(frames, ignore_index=True)


def _childcare_tables(places: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rates and places of ``places`` summed by ``keys`` (with ``year``), in the CNAF's variables."""
    summed = places.groupby(["year", *keys], sort=True)[["under_3", *_MODES]].sum().reset_index()
    summed["eaje"] = summed["psu_col"] + summed["hors_psu_col"]
    summed["ind"] = summed["am_ind"] + summed["gad_ind"]
    summed["total"] = summed["eaje"] + summed["prescol"] + summed["ind"]
    order = ["psu_col", "hors_psu_col", "eaje", "prescol", "am_ind", "gad_ind", "ind"]
    rates = summed[["year", *keys]].copy()
    counts = summed[["year", *keys]].copy()
    for mode in [*order, "total"]:
        rates[mode] = (100 * summed[mode] / summed["under_3"]).round(1)
        # As the portal serves them: the EAJE and individual sums as decimals (« 65.0 »), the others whole.
        counts[mode] = summed[mode] if mode in ("eaje", "ind") else summed[mode].astype("int64")
    return rates, counts


def childcare_files(demo: Demo, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The CNAF's ``txcouv_pe_{com,epci,dep,nat}`` and ``nbpla_pe_{com,epci,dep}`` exports (communes of 10 000
    inhabitants or more only, as published)."""
    places = childcare_places(demo, rng).merge(
        demo.communes[["code", "label", "epci", "epci_label", "departement", "region", "base"]], on="code"
    )
    places["national"] = "FRANCE ENTIERE HORS MAYOTTE"
    files = {}
    scales = {
        "com": (["code", "label"], ["numcom", "nomcom"], places.loc[places["base"] >= 10_000]),
        "epci": (["epci", "epci_label"], ["numepci", "nomepci"], places),
        "dep": (["departement"], ["numdep"], places),
        "nat": (["national"], ["national"], places),
    }
    for scale, (keys, names, rows) in scales.items():
        rates, counts = _childcare_tables(rows, keys)
        for kind, table, prefix in (("txcouv", rates, "txcouv"), ("nbpla", counts, "pl")):
            if kind == "nbpla" and scale == "nat":
                continue  # the CNAF publishes no national file of places
            renamed = {mode: f"{prefix}_{mode}_{scale}" for mode in table.columns[1 + len(keys) :]}
            renamed["total"] = f"txcouv_{scale}" if kind == "txcouv" else f"tot_offre_{scale}"
            out = table.rename(columns={"year": "annee", **dict(zip(keys, names, strict=True)), **renamed})
            if scale == "dep":
                out.insert(2, "nomdep", out["numdep"].map(_DEP_LABELS).map(lambda x: _upper_plain(pd.Series([x]))[0]))
            if "nomcom" in out or "nomepci" in out:
                label = "nomcom" if "nomcom" in out else "nomepci"
                out[label] = _upper_plain(out[label])
            files[f"{kind}_pe_{scale}"] = out
    return files


def cog_tables(demo: Demo) -> dict[str, pd.DataFrame]:
    """COG 2021 (communes, départements, régions), the 2022 movements, and the EPCI composition 2021."""
    c = demo.communes
    communes = pd.DataFrame(
        {
            "TYPECOM": "COM",
            "COM": c["code"],
            "REG": c["region"],
            "DEP": c["departement"],
            "CTCD": c["departement"] + "D",
            "ARR": c["departement"] + "1",
            "TNCC": "0",
            "NCC": c["label"].str.upper(),
            "NCCENR": c["label"],
            "LIBELLE": c["label"],
            "CAN": c["departement"] + "01",
            "COMPARENT": "",
        }
    )
    deps = pd.DataFrame(
        {
            "DEP": list(_DEP_LABELS),
            "REG": [_DEPARTEMENTS[d][0] for d in _DEP_LABELS],
            "CHEFLIEU": [f"{d}901" if len(d) == 2 else d for d in _DEP_LABELS],
            "TNCC": "0",
        }
    )
    deps["NCC"] = deps["DEP"].map(_DEP_LABELS).str.upper()
    deps["NCCENR"] = deps["LIBELLE"] = deps["DEP"].map(_DEP_LABELS)
    regs = pd.DataFrame({"REG": list(_REG_LABELS), "CHEFLIEU": "", "TNCC": "0"})
    regs["NCC"] = regs["REG"].map(_REG_LABELS).str.upper()
    regs["NCCENR"] = regs["LIBELLE"] = regs["REG"].map(_REG_LABELS)
    absorbed, absorbing, date = MERGE
    names = c.set_index("code")["label"]
    movements = pd.DataFrame(
        [
            [
                31,
                date,
                "COM",
                code,
                "0",
                names[code].upper(),
                names[code],
                names[code],
                "COM",
                absorbing,
                "0",
                names[absorbing].upper(),
                names[absorbing],
                names[absorbing],
            ]
            for code in (absorbed, absorbing)  # as INSEE does, the absorbing commune is listed too
        ],
        columns=MOVEMENT_COLUMNS,
    )
    epci = pd.DataFrame(
        {
            "CODGEO": c["code"],
            "LIBGEO": c["label"],
            "EPCI": c["epci"],
            "LIBEPCI": c["epci_label"],
            "DEP": c["departement"],
            "REG": c["region"],
        }
    )
    return {"communes": communes, "departements": deps, "regions": regs, "movements": movements, "epci": epci}


def _insee_titles(*lines: str) -> list[str]:
    return [*lines, DEMO_LABEL]


def write_demo(folder: str | Path, seed: int = SEED) -> list[Path]:
    """Write the demo dataset in the official layouts.

    Parameters
    ----------
    folder
        Target folder (created); existing demo files are replaced one by one, each through a
        temporary file.
    seed
        Random seed: the same seed writes the same bytes.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    demo = build_demo(seed)
    rng = np.random.default_rng(seed + 1)
    files: dict[str, bytes] = {}

    dictionary = pd.DataFrame(
        {
            "COD_VAR": ["CODGEO"],
            "LIB_VAR": ["Code géographique"],
            "LIB_VAR_LONG": ["Code du département suivi du numéro de commune"],
        }
    )
    for name, frame in (
        ("base-cc-evol-struct-pop-2019", census_population(demo)),
        ("base-cc-coupl-fam-men-2019", census_families(demo, rng)),
    ):
        files[f"recensement/{name}_csv.zip"] = zip_bytes(
            {f"{name}.CSV": csv_bytes(frame), f"meta_{name}.CSV": csv_bytes(dictionary)}
        )
    # The employment census as INSEE's Melodi serves it today (one row per area, vintage, sex and status).
    employment = melodi_employment(census_employment(demo, rng), demo)
    files["recensement/DS_RP_EMPLOI_LR_PRINC_2019_CSV_FR.zip"] = zip_bytes(
        {
            "DS_RP_EMPLOI_LR_PRINC_2019_data.csv": csv_bytes(employment),
            "DS_RP_EMPLOI_LR_PRINC_2019_metadata.csv": csv_bytes(
                _melodi_metadata(
                    {
                        "SEX": ("Sexe", {"_T": "Total", "M": "Hommes", "F": "Femmes"}),
                        "EMPSTA_ENQ": (
                            "Statut d'emploi au sens du recensement",
                            {"_T": "Total", "1T2": "Actifs", "1": "Actifs ayant un emploi", "2": "Chômeurs"},
                        ),
                        "AGE": ("Âge", {"Y15T64": "15 à 64 ans"}),
                        "OBS_STATUS": ("Statut de l'observation", {"A": "Normale"}),
                    }
                )
            ),
        }
    )
    name = "base-cc-serie-historique-2019"
    files[f"recensement/{name}_csv.zip"] = zip_bytes(
        {f"{name}.CSV": csv_bytes(census_history(demo, rng)), f"meta_{name}.CSV": csv_bytes(dictionary)}
    )
    files["recensement/base-ic-evol-struct-pop-2019.csv"] = csv_bytes(census_population_iris(demo, rng))

    # The births of every year since 2008 as INSEE's Melodi file gives them (quoted text fields).
    files["etat-civil/DS_ETAT_CIVIL_NAIS_COMMUNES.zip"] = zip_bytes(
        {
            "DS_ETAT_CIVIL_NAIS_COMMUNES_data.csv": csv_bytes(melodi_births(demo), quoting=True),
            "DS_ETAT_CIVIL_NAIS_COMMUNES_metadata.csv": csv_bytes(
                _melodi_metadata(
                    {
                        "EC_MEASURE": ("Mesure état civil", {"LVB": "Nombre de naissances vivantes"}),
                        "OBS_STATUS": ("Statut de l'observation", {"A": "Normale"}),
                    }
                ),
                quoting=True,
            ),
        }
    )

    # The equipment of 1 January 2021 as INSEE's Melodi bulk file of the BPE gives it (CRLF line ends).
    files["equipements/DS_BPE_CSV_FR.zip"] = zip_bytes(
        {
            f"DS_BPE_{BPE_YEAR}_data.csv": csv_bytes(
                melodi_equipment(demo, np.random.default_rng(seed + 6)), crlf=True
            ),
        }
    )

    titles = [
        "Populations légales {} en vigueur au 1er janvier 2022",
        "Mise à jour : décembre 2021",
        "en habitant",
        "Champ : France, limites territoriales en vigueur au 1er janvier 2021",
        "Date de référence statistique : 1er janvier 2019",
        "Source : Insee, Recensement de la population 2019",
    ]
    files["populations-legales/ensemble.xlsx"] = workbook_bytes(
        {
            name: ([titles[0].format(level), *titles[1:], DEMO_LABEL], frame, None)
            for (name, frame), level in zip(
                legal_population(demo, rng).items(), ("des régions", "des départements", "des communes"), strict=True
            )
        }
    )

    for level, frame in filosofi(demo, rng).items():  # as INSEE's Filosofi files, none ends with a line end
        files[f"filosofi/FILO2019_DISP_{level}.csv"] = csv_bytes(
            frame, decimal=",", bom=True, crlf=True, final_newline=False
        )

    files["caf/data_CAF_2020_IRIS.csv"] = csv_bytes(caf(demo, np.random.default_rng(seed + 2), 2020), crlf=True)
    files["caf/s_ben_com_f.csv"] = csv_bytes(s_ben_com_f(demo, np.random.default_rng(seed + 3)), bom=True, crlf=True)
    for name, table in s_ben_departements(demo, np.random.default_rng(seed + 5)).items():
        files[f"caf/{name}.csv"] = csv_bytes(table, bom=True, crlf=True)
    for name, table in childcare_files(demo, np.random.default_rng(seed + 4)).items():
        files[f"caf/{name}.csv"] = csv_bytes(table)
    files["caf/data_CAF_2016_IRIS.csv"] = csv_bytes(
        caf(demo, np.random.default_rng(seed + 2), 2016), bom=True, crlf=True, thousands="\u202f"
    )

    cog = cog_tables(demo)
    files["cog/commune_2021.csv"] = csv_bytes(cog["communes"], sep=",", crlf=True)
    files["cog/departement_2021.csv"] = csv_bytes(cog["departements"], sep=",", crlf=True)
    files["cog/region_2021.csv"] = csv_bytes(cog["regions"], sep=",", crlf=True)
    files["cog/mvtcommune_2022.csv"] = csv_bytes(cog["movements"], sep=",", crlf=True)
    # Two compositions, as INSEE publishes one a year: Filosofi 2019 is in the geography of 2020, and a
    # median is shown for an EPCI only when its composition then is the one of today.
    for year in (2020, 2021):
        files[f"cog/Intercommunalite-Metropole_au_01-01-{year}.xlsx"] = workbook_bytes(
            {
                "Composition_communale": (
                    _insee_titles(
                        "Intercommunalité et Métropole",
                        "France - Composition communale",
                        f"Mise en ligne le 01/03/{year} - Géographie au 01/01/{year}",
                        "Source(s) : Insee, Code officiel géographique",
                    ),
                    cog["epci"],
                    [
                        "Code géographique",
                        "Libellé géographique",
                        "EPCI - Métropole",
                        "Libellé de l'EPCI / Métropole",
                        "Département",
                        "Région",
                    ],
                )
            }
        )
    files["contours/communes-demo.geojson"] = outline_bytes(demo.communes, seed)
    # The worked example of a plan d'actions goes with the demo it is written for.
    files["plan-actions.yaml"] = (DEMO_DIR / "plan-actions.yaml").read_bytes()
    return _write(folder, files, seed, "python tools/write_demo.py")


def _write(folder: Path, files: dict[str, bytes], seed: int, generator: str) -> list[Path]:
    """Write the files, the demo territories and the demo marker, each through a temporary file."""
    # The demo territories live with the demo data: a user's own territories file is for real data.
    files["territories.yaml"] = (DEMO_DIR / "territories.yaml").read_bytes()
    files["ctg-demo.json"] = (
        json.dumps(
            {"demo": True, "label": DEMO_LABEL, "generator": generator, "seed": seed}, ensure_ascii=False, indent=2
        )
        + "\n"
    ).encode("utf-8")
    written = []
    for name, content in files.items():
        write_bytes(folder / name, content)
        written.append(folder / name)
    log.info("%d fichiers de démonstration écrits dans %s", len(written), folder)
    return written


def write_earlier_demo(folder: str | Path, seed: int = SEED) -> list[Path]:
    """Write the earlier edition of the demo: what a CTG signed in 2019 had, the baseline of a follow-up.

    The same synthetic world as :func:`write_demo`, published three years earlier: the 2016 census
    of population and of activity, with its 2011 vintage (ages interpolated between 2013 and 2019, so
    a follow-up against the 2019 census breaks the five-year rule), births 2014–2018 in the geography of
    2019 (before the 2022 merge), CAF 2016 and the COG 2021 files.

    Examples
    --------
    >>> write_earlier_demo(tmp / "demo-2019")  # doctest: +SKIP
    """
    folder = Path(folder)
    demo = build_demo(seed)
    files: dict[str, bytes] = {}
    # The 2016 vintage at the geometric midpoint of 2013 and 2019; its file's earlier vintage, 2011, two
    # years before 2013 at the same yearly rate: the baseline has its evolutions 2011-2016.
    before, after = demo.ages[2013], demo.ages[2019]
    with np.errstate(divide="ignore", invalid="ignore"):
        ages2011 = np.where(after > 0, before * (before / after) ** (1 / 3), before)
    earlier = replace(demo, ages={2016: np.sqrt(before * after), 2011: ages2011})
    dictionary = pd.DataFrame(
        {
            "COD_VAR": ["CODGEO"],
            "LIB_VAR": ["Code géographique"],
            "LIB_VAR_LONG": ["Code du département suivi du numéro de commune"],
        }
    )
    for name, frame in (
        ("base-cc-evol-struct-pop-2016", census_population(earlier)),
        ("base-cc-emploi-pop-active-2016", census_employment(earlier, np.random.default_rng(seed + 3))),
    ):
        files[f"recensement/{name}_csv.zip"] = zip_bytes(
            {f"{name}.CSV": csv_bytes(frame), f"meta_{name}.CSV": csv_bytes(dictionary)}
        )
    years = [y for y in BIRTH_YEARS if 2014 <= y <= 2018]
    labels = demo.communes.set_index("code")["label"]
    births = pd.DataFrame({"CODGEO": demo.births.index, "LIBGEO": labels.reindex(demo.births.index).to_numpy()})
    births = births.assign(**{f"NAISD{_yy(y)}": demo.births[y].to_numpy() for y in years})
    headers = ["Code géographique", "Libellé géographique"] + [f"Naissances domiciliées en {y}" for y in years]
    files["etat-civil/base_naissances_2018.xlsx"] = workbook_bytes(
        {
            "COM": (
                _insee_titles(
                    "Naissances domiciliées par commune de 2014 à 2018",
                    "Géographie au 01/01/2019",
                    "Source : Insee, état civil",
                ),
                births,
                headers,
            )
        }
    )
    files["caf/data_CAF_2016_IRIS.csv"] = csv_bytes(
        caf(demo, np.random.default_rng(seed + 2), 2016), bom=True, crlf=True, thousands="\u202f"
    )
    cog = cog_tables(demo)
    for table, stem in (("communes", "commune"), ("departements", "departement"), ("regions", "region")):
        files[f"cog/{stem}_2021.csv"] = csv_bytes(cog[table], sep=",", crlf=True)
    return _write(folder, files, seed, "python tools/write_demo.py --earlier")
