"""Shared fixtures: the demo folder, the real files of ../shared/data/real (skipped when absent)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ctg_analysis.resources import DEMO_DIR
from ctg_analysis.sources.folder import DataFolder, scan_folder

ROOT = Path(__file__).resolve().parents[1]
DEMO = DEMO_DIR
REAL = Path(os.environ.get("CTG_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
#: A report template reduced to its parameters and one printed line, for the tests of the batch's
#: mechanics (resume, failures, workers), where the diagnostic's content plays no part.
TINY_TEMPLATE = """# %% tags=["parameters"]
territory_id: str = ""
data_dir: str = ""
territories_file: str = ""
output_dir: str = ""

# %%
print(territory_id)
"""


def movements(*rows: tuple) -> pd.DataFrame:
    """INSEE commune movements written by hand: (MOD, DATE_EFF, TYPECOM_AV, COM_AV, TYPECOM_AP, COM_AP) rows."""
    frame = pd.DataFrame(list(rows), columns=["mod", "date_eff", "typecom_av", "com_av", "typecom_ap", "com_ap"])
    return frame.assign(date_eff=pd.to_datetime(frame["date_eff"]))


def _demo_melodi(path: Path) -> pd.DataFrame:
    """A Melodi data file of the demo, its commune rows, read plainly."""
    with zipfile.ZipFile(path) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith("_data.csv")]
        raw = pd.read_csv(archive.open(member), sep=";", dtype={"GEO": str})
    return raw.loc[raw["GEO_OBJECT"] == "COM"]


def demo_births() -> pd.DataFrame:
    """The demo's Melodi births, read plainly, in the layout of INSEE's base: ``CODGEO`` and ``NAISDyy``."""
    raw = _demo_melodi(DEMO / "etat-civil" / "DS_ETAT_CIVIL_NAIS_COMMUNES.zip")
    wide = raw.pivot(index="GEO", columns="TIME_PERIOD", values="OBS_VALUE")
    wide.columns = [f"NAISD{year % 100:02d}" for year in wide.columns]
    return wide.rename_axis("CODGEO").reset_index()


#: The employment base's columns as Melodi codes (SEX, EMPSTA_ENQ): INSEE's code list, written out here.
_EMPLOYMENT = {
    ("_T", "_T"): "POP1564",
    ("_T", "1T2"): "ACT1564",
    ("_T", "1"): "ACTOCC1564",
    ("_T", "2"): "CHOM1564",
    ("F", "_T"): "F1564",
    ("F", "1T2"): "FACT1564",
    ("F", "1"): "FACTOCC1564",
    ("M", "_T"): "H1564",
    ("M", "1T2"): "HACT1564",
    ("M", "1"): "HACTOCC1564",
}


def demo_employment() -> pd.DataFrame:
    """The demo's Melodi employment table, read plainly, in the layout of INSEE's base: ``CODGEO`` and
    ``P19_FACT1564``…"""
    raw = _demo_melodi(DEMO / "recensement" / "DS_RP_EMPLOI_LR_PRINC_2019_CSV_FR.zip")
    names = [
        f"P{year % 100:02d}_{_EMPLOYMENT[sex, status]}"
        for sex, status, year in raw[["SEX", "EMPSTA_ENQ", "TIME_PERIOD"]].itertuples(index=False)
    ]
    wide = raw.assign(column=names).pivot(index="GEO", columns="column", values="OBS_VALUE")
    return wide.rename_axis("CODGEO").reset_index().rename_axis(columns=None)


def mark_partial(table: pd.DataFrame, rows: pd.Series, communes: float, population: float, units: int) -> None:
    """Mark ``rows`` of a long table as partial values covering ``communes`` of their ``units`` communes and
    ``population`` of their population (shares), in place: what a source missing some communes gives."""
    table["flags"] = table["flags"].astype(object)
    columns = ["flags", "coverage_communes", "coverage_population", "n_communes"]
    table.loc[rows, columns] = ["partial", communes, population, units]


def legal_populations(real: Path, file: str) -> pd.DataFrame:
    """A legal populations workbook of INSEE (``populations-legales/``) read plainly: its communes with their code
    and municipal population (``pmun``)."""
    frame = pd.read_excel(
        real / "populations-legales" / file, sheet_name="Communes", skiprows=7, dtype=str, engine="calamine"
    )
    frame["code"] = frame["Code département"].str[:2] + frame["Code commune"]
    return frame.assign(pmun=frame["Population municipale"].astype(float))


def tiny_template(folder: Path, more: str = "") -> Path:
    """:data:`TINY_TEMPLATE` with ``more`` as a further cell, written as ``folder/diagnostic.py``."""
    path = folder / "diagnostic.py"
    path.write_text(TINY_TEMPLATE + (f"\n# %%\n{more}\n" if more else ""), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def real() -> Path:
    """The folder of real published files; the test is skipped when it is absent, and fails in CI (``CI=true``,
    as CI services set it), where a skipped real-file test would hide a broken reader behind a green run."""
    if not REAL.is_dir():
        said = f"fichiers réels absents ({REAL}) : ../shared/data/real n'est pas à côté du dépôt"
        if os.environ.get("CI", "").lower() in {"true", "1", "yes"}:
            pytest.fail(f"{said} ; en CI ils sont requis (ou CTG_REAL_DATA)", pytrace=False)
        pytest.skip(said)
    return REAL


@pytest.fixture(scope="session", autouse=True)
def _real_files_cache(tmp_path_factory):
    """One parquet cache for the real files of a test session: keyed by content and reading code, as for
    users, so each big workbook is parsed once. ``CTG_TEST_CACHE`` keeps it between sessions (the
    mutation script sets it: each mutant is a session of its own)."""
    kept = os.environ.get("CTG_TEST_CACHE")
    os.environ["CTG_TEST_CACHE"] = kept or str(tmp_path_factory.mktemp("real-cache"))
    yield
    if kept is None:
        del os.environ["CTG_TEST_CACHE"]


def real_folder(tmp_path: Path, real: Path, files: list[str], name: str = "data") -> DataFolder:
    """A data folder of links to some of the real files (named after their path), scanned."""
    folder = tmp_path / name
    folder.mkdir()
    for file in files:
        (folder / file.replace("/", "__")).symlink_to(real / file)
    return scan_folder(folder, cache_dir=Path(os.environ["CTG_TEST_CACHE"]), progress=False)


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory):
    """The demo folder, scanned once with a private cache."""
    return scan_folder(DEMO, cache_dir=tmp_path_factory.mktemp("cache"), progress=False)


@pytest.fixture(autouse=True)
def _repository_project(monkeypatch, tmp_path):
    """Every test runs in the repository's own project (the demo), whatever the current folder, and no
    test writes into its data/processed: the default cache goes to a temporary folder. The environment
    is restored after each test (``ctg --project`` and ``--quiet`` set it)."""
    monkeypatch.setenv("CTG_PROJECT_DIR", str(ROOT))
    monkeypatch.setenv("CTG_CACHE_DIR", str(tmp_path / "processed"))
    monkeypatch.delenv("CTG_QUIET", raising=False)
