"""The README's promises, each with a test that fails when the promise is broken: the cache key, the
follow-up's refusals (no newer vintage, the five-year boundary, a value missing in the new data)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import ctg_analysis.sources.cache as cache_module
import ctg_analysis.sources.registry as registry
from conftest import DEMO, TINY_TEMPLATE
from ctg_analysis.actions.followup import Baseline, follow_up
from ctg_analysis.resources import EARLIER_DEMO_DIR
from ctg_analysis.sources.folder import scan_folder

# --- the cache key includes the reading code -------------------------------------------------------


def test_the_readers_version_changes_with_the_reading_code(tmp_path, monkeypatch):
    package = Path(cache_module.__file__).resolve().parents[1]
    copy = tmp_path / "ctg_analysis"
    shutil.copytree(package / "sources", copy / "sources")
    shutil.copy(package / "codes.py", copy / "codes.py")
    shutil.copy(package / "text.py", copy / "text.py")
    shutil.copy(package / "formatting.py", copy / "formatting.py")
    monkeypatch.setattr(cache_module, "_PACKAGE", copy)
    before = cache_module._readers_version()
    assert before == cache_module.READERS_VERSION  # the same code gives the same key
    reader = copy / "sources" / "filosofi.py"
    reader.write_text(reader.read_text(encoding="utf-8") + "\n# a change in a reader\n", encoding="utf-8")
    assert cache_module._readers_version() != before
    (copy / "codes.py").write_text(
        (copy / "codes.py").read_text(encoding="utf-8") + "\n# a change in the codes\n", encoding="utf-8"
    )
    changed = cache_module._readers_version()
    (copy / "text.py").write_text((copy / "text.py").read_text(encoding="utf-8") + "\n# folded otherwise\n")
    assert cache_module._readers_version() != changed
    changed = cache_module._readers_version()
    reader.write_text(reader.read_text(encoding="utf-8").replace("\n# a change in a reader\n", ""), encoding="utf-8")
    assert cache_module._readers_version() not in (before, changed)
    changed = cache_module._readers_version()
    (copy / "formatting.py").write_text((copy / "formatting.py").read_text(encoding="utf-8") + "\n# « 1 ligne »\n")
    assert cache_module._readers_version() != changed  # the notes a cached table keeps are worded with it


def test_a_cache_written_by_other_reading_code_is_not_used(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    scan_folder(DEMO / "filosofi", cache_dir=cache, progress=False)
    read = []
    original = registry.read_sheets
    monkeypatch.setattr(
        registry, "read_sheets", lambda path, *a, **k: read.append(Path(path).name) or original(path, *a, **k)
    )
    scan_folder(DEMO / "filosofi", cache_dir=cache, progress=False)
    assert read == []  # same code: served from the cache
    monkeypatch.setattr(cache_module, "READERS_VERSION", "lecteurs-modifies")
    scan_folder(DEMO / "filosofi", cache_dir=cache, progress=False)
    assert sorted(read) == sorted(p.name for p in (DEMO / "filosofi").iterdir())  # new code: every file read again
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 2 * len(read)


# --- the follow-up's refusals ----------------------------------------------------------------------


def _baseline(indicator: str, period: str, value: float) -> Baseline:
    start, _, end = period.partition("-")
    values = pd.DataFrame(
        {
            "indicator": [indicator],
            "period": [period],
            "year_start": [int(start)],
            "year_end": [int(end or start)],
            "value": [value],
            "source": ["Insee"],
        }
    )
    return Baseline(Path("diagnostic.xlsx"), "t", "T", 2021, frozenset({"95229"}), values, demo=False)


def _current(indicator: str, period: str | None, value: float) -> pd.DataFrame:
    start, _, end = (period or "1900").partition("-")
    return pd.DataFrame(
        {
            "territory": ["t"],
            "level": ["territoire"],
            "geo": ["t"],
            "indicator": [indicator],
            "period": [period or "–"],
            "year_start": [int(start)],
            "year_end": [int(end or start)],
            "value": [value],
            "source": ["Insee"],
        }
    )


@pytest.mark.parametrize(
    ("indicator", "old", "new", "valid", "motive"),
    [
        # Census-based: the five-year rule, at its boundary.
        (
            "part_0_2",
            "2015",
            "2019",
            "non",
            "recensements 2015 et 2019 distants de moins de cinq ans (règle des cinq ans)",
        ),
        ("part_0_2", "2014", "2019", "oui", ""),
        ("part_0_2", "2013", "2019", "oui", ""),
        # An evolution follows the indicator it is computed from (a census count).
        (
            "evol_0_2",
            "2011-2016",
            "2014-2019",
            "non",
            "recensements 2016 et 2019 distants de moins de cinq ans (règle des cinq ans)",
        ),
        # Births are not a census: one more year is a newer vintage.
        ("naissances", "2020", "2021", "oui", ""),
        # No newer vintage, whatever the source.
        ("naissances", "2021", "2021", "non", "pas de millésime plus récent que la référence"),
        ("part_0_2", "2019", "2019", "non", "pas de millésime plus récent que la référence"),
        ("naissances", "2021", "2020", "non", "pas de millésime plus récent que la référence"),
    ],
)
def test_follow_up_refusals(indicator, old, new, valid, motive):
    row = follow_up(_baseline(indicator, old, 10.0), _current(indicator, new, 12.0), "t").iloc[0]
    assert (row["Comparaison valide"], row["Motif"]) == (valid, motive)
    assert row["Évolution"] == pytest.approx(2.0)


def test_follow_up_says_when_the_value_is_missing_in_the_new_data():
    row = follow_up(_baseline("naissances", "2018", 100.0), _current("naissances", "2021", float("nan")), "t").iloc[0]
    assert (row["Comparaison valide"], row["Motif"]) == ("non", "valeur absente des nouvelles données")
    row = follow_up(_baseline("naissances", "2018", float("nan")), _current("naissances", "2021", 104.0), "t").iloc[0]
    assert (row["Comparaison valide"], row["Motif"]) == ("non", "valeur de référence absente du classeur")


def test_every_census_dataset_keeps_the_five_year_rule():
    """An indicator of any census dataset (or with a census denominator) is held to the rule."""
    from ctg_analysis.indicators import catalogue

    table = catalogue()
    census = table.loc[
        table["dataset"].fillna("").str.startswith("census")
        | table["denominator_dataset"].fillna("").str.startswith("census")
        | table["dataset"].eq("legal_population")
    ]
    assert len(census) >= 20
    for indicator in census.loc[~census["kind"].isin(["evolution", "annual_rate"]), "id"]:
        row = follow_up(_baseline(indicator, "2016", 10.0), _current(indicator, "2019", 12.0), "t").iloc[0]
        assert row["Comparaison valide"] == "non" and "cinq ans" in row["Motif"], indicator


# --- the five-year rule of the census evolutions ---------------------------------------------------


@pytest.mark.parametrize(
    ("older", "period", "flagged"),
    [
        ((15,), "2015-2019", True),
        ((14,), "2014-2019", False),
        ((13,), "2013-2019", False),
        ((15, 14), "2014-2019", False),
        ((15, 13), "2013-2019", False),
    ],
    ids=["4-ans", "5-ans", "6-ans", "4-et-5-ans", "4-et-6-ans"],
)
def test_census_evolutions_follow_the_five_year_rule(tmp_path, older, period, flagged):
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    folder = tmp_path / "data"
    folder.mkdir()
    vintages = [19, *older]
    header = ";".join(["CODGEO", *(f"P{v}_{name}" for v in vintages for name in ("POP", "POP0002"))])
    values = ";".join(["95205", *(f"{1000 + v}.5;{40 + v}.25" for v in vintages)])
    (folder / "base-cc-evol-struct-pop-2019.csv").write_text(f"{header}\n{values}\n", encoding="utf-8")
    prepared = prepare(scan_folder(folder, cache_dir=False, progress=False), indicators=["evol_0_2"])
    (tmp_path / "t.yaml").write_text("territories:\n  - id: t\n    communes: ['95205']\n", encoding="utf-8")
    table = compute_indicators(prepared, load_territories(tmp_path / "t.yaml", prepared.reference))
    row = table.query("level == 'territoire' and indicator == 'evol_0_2'").iloc[0]
    first = int(period[2:4])
    assert row["period"] == period
    assert row["value"] == pytest.approx(100 * ((40 + 19.25) / (40 + first + 0.25) - 1))
    assert ("not_comparable" in str(row["flags"]).split(";")) is flagged


@pytest.mark.parametrize("older", [18, 13], ids=["1-an", "6-ans"])
def test_annual_rate_is_the_geometric_mean_over_the_years_between_vintages(tmp_path, older):
    """(P_new / P_old) ** (1 / years) − 1, in % per year, even over a single year (a mutation survivor)."""
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    folder = tmp_path / "data"
    folder.mkdir()
    populations = {19: 1210.5, older: 1000.25}
    header = ";".join(["CODGEO", *(f"P{v}_{name}" for v in populations for name in ("POP", "POP0002"))])
    values = ";".join(["95205", *(f"{p};40.5" for p in populations.values())])
    (folder / "base-cc-evol-struct-pop-2019.csv").write_text(f"{header}\n{values}\n", encoding="utf-8")
    prepared = prepare(scan_folder(folder, cache_dir=False, progress=False), indicators=["taux_evol_population_annuel"])
    (tmp_path / "t.yaml").write_text("territories:\n  - id: t\n    communes: ['95205']\n", encoding="utf-8")
    table = compute_indicators(prepared, load_territories(tmp_path / "t.yaml", prepared.reference))
    row = table.query("level == 'territoire' and indicator == 'taux_evol_population_annuel'").iloc[0]
    years = 19 - older
    assert row["period"] == f"20{older}-2019"
    assert row["value"] == pytest.approx(100 * ((1210.5 / 1000.25) ** (1 / years) - 1))


# --- --resume re-renders what changed, through the CLI ---------------------------------------------


@pytest.mark.reports
def test_resume_renders_again_what_changed_data_territory_or_template(tmp_path):
    from click.testing import CliRunner

    from ctg_analysis.cli import main

    data = tmp_path / "data"
    shutil.copytree(DEMO / "filosofi", data / "filosofi")
    shutil.copytree(DEMO / "populations-legales", data / "populations-legales")
    territories = tmp_path / "territories.yaml"
    territories.write_text(
        "territories:\n  - id: ezanville\n    label: Ézanville\n    communes: ['95229']\n"
        "  - id: ecouen\n    label: Écouen\n    communes: ['95205']\n",
        encoding="utf-8",
    )
    template = tmp_path / "modele.py"
    template.write_text(TINY_TEMPLATE, encoding="utf-8")
    arguments = [
        "report",
        "--all",
        "--resume",
        "--data",
        str(data),
        "--territories",
        str(territories),
        "--template",
        str(template),
        "--out",
        str(tmp_path / "r"),
        "--workers",
        "1",
    ]

    def statuses():
        result = CliRunner().invoke(main, arguments)
        assert result.exit_code == 0, result.output
        lines = [line for line in result.output.splitlines() if line[:8].strip() in ("ok", "à jour", "échec")]
        return {line[9:].split()[0]: line[:8].strip() for line in lines}

    assert statuses() == {"ezanville": "ok", "ecouen": "ok"}
    assert statuses() == {"ezanville": "à jour", "ecouen": "à jour"}  # « à jour »: nothing changed
    # A changed data file renders every territory again.
    path = data / "filosofi" / "FILO2019_DISP_DEP.csv"
    path.write_bytes(
        path.read_bytes().replace(b"\n", b"\r\n")
        if b"\r\n" not in path.read_bytes()
        else path.read_bytes().replace(b"\r\n", b"\n")
    )
    assert statuses() == {"ezanville": "ok", "ecouen": "ok"}
    # A changed territory renders that territory again, only.
    territories.write_text(
        territories.read_text(encoding="utf-8").replace("label: Écouen", "label: Écouen (commune)"), encoding="utf-8"
    )
    assert statuses() == {"ezanville": "à jour", "ecouen": "ok"}
    # A changed template renders every territory again.
    template.write_text(TINY_TEMPLATE + "\n# %%\nprint('modifié')\n", encoding="utf-8")
    assert statuses() == {"ezanville": "ok", "ecouen": "ok"}
    assert "modifié" in (tmp_path / "r" / "ecouen" / "diagnostic.html").read_text(encoding="utf-8")


# --- the cache options, recognition by content -----------------------------------------------------


def test_ctg_cache_dir_moves_the_cache_and_no_cache_bypasses_it(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ctg_analysis.cli import main

    moved = tmp_path / "ailleurs"
    monkeypatch.setenv("CTG_CACHE_DIR", str(moved))
    result = CliRunner().invoke(main, ["data", "check", str(DEMO / "filosofi")])
    assert result.exit_code == 0, result.output
    entries = [p for p in moved.iterdir() if not p.name.startswith(".")]
    assert len(entries) == 5 and all((p / "manifest.json").is_file() for p in entries)  # one per file
    shutil.rmtree(moved)
    read = []
    original = registry.read_sheets
    monkeypatch.setattr(registry, "read_sheets", lambda path, *a, **k: read.append(path) or original(path, *a, **k))
    result = CliRunner().invoke(main, ["data", "check", str(DEMO / "filosofi"), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert not moved.exists() and len(read) == 5  # every file read, nothing written


def test_a_file_is_recognised_by_its_content_under_a_misleading_name(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    # Filosofi's départements under the name of a CAF file, the births workbook under a census name.
    shutil.copy(DEMO / "filosofi" / "FILO2019_DISP_DEP.csv", folder / "data_CAF_2020_IRIS.csv")
    shutil.copy(
        EARLIER_DEMO_DIR / "etat-civil" / "base_naissances_2018.xlsx", folder / "base-cc-evol-struct-pop-2019.xlsx"
    )
    found = scan_folder(folder, cache_dir=False, progress=False)
    assert found.problems == []
    assert sorted((t.dataset, t.level) for t in found.tables) == [("births", "commune"), ("filosofi", "departement")]
    medians = found.table("filosofi", level="departement").data.set_index("geo")["Q2"]
    expected = pd.read_csv(
        DEMO / "filosofi" / "FILO2019_DISP_DEP.csv", sep=";", decimal=",", encoding="utf-8-sig", dtype={"CODGEO": str}
    )
    assert medians.to_dict() == expected.set_index("CODGEO")["Q219"].to_dict()


# --- export: --size half and a PowerPoint --template ------------------------------------------------


def test_export_half_size_and_a_powerpoint_template(tmp_path):
    import pptx
    from click.testing import CliRunner
    from PIL import Image
    from pptx.util import Inches

    from ctg_analysis.cli import main

    template = pptx.Presentation()
    template.slide_width, template.slide_height = Inches(13.333), Inches(7.5)
    cover = template.slides.add_slide(template.slide_layouts[6])
    cover.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(1)).text_frame.text = "Charte de la CAF"
    template.save(tmp_path / "ma-caf.pptx")
    out = tmp_path / "export"
    arguments = [
        "export",
        "--territory",
        "ezanville",
        "--formats",
        "png,pptx",
        "--size",
        "half",
        "--template",
        str(tmp_path / "ma-caf.pptx"),
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    pictures = sorted(out.glob("graphiques/*/*.png"))
    assert pictures
    for picture in pictures:
        with Image.open(picture) as image:
            assert image.size == (1333, 1500), picture  # 6.667 × 7.5 in at 200 dpi
    deck = pptx.Presentation(out / "diagnostic.pptx")
    texts = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame]
    assert texts[0] == "Charte de la CAF"  # the template's own slide first
    assert sum(1 for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13) == len(pictures)


# --- a Dask cluster by its address ------------------------------------------------------------------


@pytest.mark.reports
def test_report_on_a_dask_scheduler_given_by_its_tcp_address(tmp_path):
    from click.testing import CliRunner

    from ctg_analysis.cli import main

    distributed = pytest.importorskip("distributed")
    template = tmp_path / "modele.py"
    template.write_text(TINY_TEMPLATE, encoding="utf-8")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        arguments = [
            "report",
            "--all",
            "--scheduler",
            cluster.scheduler_address,
            "--template",
            str(template),
            "--out",
            str(tmp_path / "r"),
        ]
        result = CliRunner().invoke(main, arguments)
        workers = {w["id"] for w in cluster.scheduler_info["workers"].values()}
        # The territories ran on the scheduler given by its address, not on a cluster of their own.
        ran_here = cluster.scheduler.task_prefixes.get("render_in_worker")  # dask drops the underscore
    assert result.exit_code == 0, result.output
    for territory in ("ctg-ecouen", "ezanville", "ctg-val-fictif"):
        assert f"ok       {territory}" in result.output
        executed = nbformat.read(tmp_path / "r" / territory / "diagnostic.ipynb", as_version=4)
        assert territory in "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert len(workers) == 2 and ran_here is not None and sum(ran_here.state_counts.values()) >= 3


# --- --out: the long table read back, against INSEE's workbook read independently --------------------


_LEGAL = "populations-legales/ensemble_RP2022_en_vigueur_2025.xlsx"


@pytest.fixture(scope="module")
def legal_populations(real):
    """INSEE's « Communes » sheet read cell by cell with openpyxl: code → (département, région, population)."""
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Workbook contains no default style", UserWarning)
        sheet = openpyxl.load_workbook(real / _LEGAL, read_only=True)["Communes"]
    sheet.reset_dimensions()  # INSEE's workbook states no dimensions
    rows = [r for r in sheet.iter_rows(min_row=9, values_only=True) if r[0] is not None]
    return {f"{r[2]}{r[5]}": (str(r[2]), str(r[0]), r[7]) for r in rows}  # 95 + 205, 971 + 01


@pytest.mark.real
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_indicators_out_read_back_against_the_legal_populations(real, legal_populations, tmp_path, suffix):
    from click.testing import CliRunner

    from ctg_analysis.cli import main

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / Path(_LEGAL).name).symlink_to(real / _LEGAL)
    territories = tmp_path / "t.yaml"
    territories.write_text(
        "territories:\n  - id: ain\n    label: Trois communes de l'Ain\n    communes: ['01001', '01002', '01004']\n",
        encoding="utf-8",
    )
    out = tmp_path / f"indicateurs{suffix}"
    result = CliRunner().invoke(
        main, ["indicators", "--data", str(folder), "--territories", str(territories), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    communes = legal_populations
    expected = {code: communes[code][2] for code in ("01001", "01002", "01004")}
    expected["ain"] = sum(expected.values())
    expected["01"] = sum(p for d, _, p in communes.values() if d == "01")
    expected["84"] = sum(p for _, region, p in communes.values() if region == "84")
    if suffix == ".csv":
        table = pd.read_csv(out, dtype=str, keep_default_na=False)
    elif suffix == ".xlsx":
        table = pd.read_excel(out, dtype=str, engine="openpyxl", keep_default_na=False)
    else:
        table = pd.read_parquet(out).astype(str)
    shown = table.loc[(table["indicator"] == "population_legale") & (table["period"] == "2022")]
    values = dict(zip(shown["geo"], shown["value"].astype(float), strict=True))
    for geo, population in expected.items():
        assert values[geo] == pytest.approx(population, abs=1e-6), geo
    flags = dict(zip(shown["geo"], shown["flags"], strict=True))
    assert flags["01001"] in ("", "nan", "None") and flags["01"] in ("", "nan", "None")
    # The evolution needs two vintages: one workbook gives a missing row that says so.
    missing = table.loc[(table["indicator"] == "evol_population_legale") & (table["level"] == "territoire")]
    assert len(missing) == 1 and "missing" in missing["flags"].iloc[0]


def test_the_follow_up_workbook_reads_back_cell_by_cell(tmp_path):
    import openpyxl

    from ctg_analysis.actions.followup import FOLLOW_UP_COLUMNS
    from ctg_analysis.actions.steering import write_follow_up_xlsx

    baseline = _baseline("part_0_2", "2015", 3.5)
    baseline = Baseline(
        baseline.path,
        "t",
        "T",
        2019,
        baseline.communes,
        pd.concat([baseline.values, _baseline("naissances", "2018", 100.0).values]),
        False,
    )
    current = pd.concat([_current("part_0_2", "2019", 4.25), _current("naissances", "2021", 104.0)])
    follow = follow_up(baseline, current, "t")
    path = write_follow_up_xlsx(
        follow,
        tmp_path / "suivi.xlsx",
        baseline=baseline,
        label="Ézanville",
        geography=(True, "communes du COG 2019 converties au COG 2022"),
        demo=True,
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Suivi annuel", "Méthode"]
    sheet = book["Suivi annuel"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == FOLLOW_UP_COLUMNS
    share, births = rows[1], rows[2]
    assert share[:7] == ("Part des enfants de 0 à 2 ans", "part_0_2", "%", "2015", 3.5, "2019", 4.25)
    assert share[7] == pytest.approx(0.75) and share[8] is None  # a rate changes in points, no relative change
    assert share[11:13] == ("non", "recensements 2015 et 2019 distants de moins de cinq ans (règle des cinq ans)")
    assert births[:7] == ("Naissances domiciliées", "naissances", "nombre", "2018", 100, "2021", 104)
    assert births[7] == 4 and births[8] == pytest.approx(4.0) and births[11:13] == ("oui", None)
    # Number formats: points for the rate, signed integers for the count; refused rows shaded.
    assert sheet["H2"].number_format == "+0.0;-0.0;0.0" and sheet["H3"].number_format == "+#,##0;-#,##0;0"
    assert sheet["I3"].number_format == "+0.0;-0.0;0.0"
    assert {sheet[f"{c}2"].fill.fgColor.rgb for c in "HLM"} == {"00FCE4D6"} and sheet["H3"].fill.fill_type is None
    header = sheet["A1"]
    assert (
        header.font.bold
        and header.font.color.rgb == "00FFFFFF"
        and header.fill.fgColor.rgb == "001F4E79"
        and header.alignment.wrap_text
    )
    assert (
        sheet.column_dimensions["A"].width,
        sheet.column_dimensions["M"].width,
        sheet.column_dimensions["N"].width,
    ) == (44, 60, 50)
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:P3"
    assert sheet["O2"].number_format == sheet["E2"].number_format  # the département's values in the unit
    method = [row[0] for row in book["Méthode"].iter_rows(values_only=True)]
    assert method[:2] == ["Territoire : Ézanville", "Référence : diagnostic.xlsx (COG 2019)"]
    assert "au moins cinq ans" in method[2] and method[3].startswith("Évolution : en points pour les taux")
    assert method[4:] == [
        "Géographie : communes du COG 2019 converties au COG 2022",
        "Données fictives de démonstration : aucun chiffre ne décrit un territoire réel.",
    ]
    assert book["Méthode"].column_dimensions["A"].width == 140


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="a pseudo-terminal needs os.fork (POSIX)")
def test_long_work_shows_a_progress_bar_in_a_terminal_even_one_that_reports_no_size():
    # README: « Long work shows a progress bar ». A pseudo-terminal of size 0 × 0 (``script``, some CI consoles)
    # made tqdm hide it as if below the screen.
    import os
    import pty
    import sys

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, its standard error a terminal
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-c",
                "from ctg_analysis.cli import main; main()",
                "data",
                "check",
                "--no-cache",
                str(DEMO),
            ],
        )
    said = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child has exited
            break
        if not chunk:
            break
        said += chunk
    os.waitpid(pid, 0)
    text = said.decode("utf-8", errors="replace")
    assert "Lecture des fichiers" in text and "fichier/s" in text
    assert "tables reconnues" in text


def _demo_parts(folder: Path, *parts: str) -> Path:
    """A data folder of some of the demo's files (their folders) and its territories."""
    folder.mkdir()
    for part in parts:
        shutil.copytree(DEMO / part, folder / part)
    shutil.copy(DEMO / "territories.yaml", folder)
    return folder


def test_an_indicator_no_file_gives_has_no_year_in_the_long_table(tmp_path):
    # The long table's years of an indicator without any file read 1900 (the packing's origin) in JupyterLab.
    import ctg_analysis as ctg

    data = _demo_parts(tmp_path / "naissances", "etat-civil", "cog")
    table = ctg.Diagnostic.open(data, data / "territories.yaml").table()
    absent = table.loc[table["indicator"] == "taux_activite_femmes"]
    births = table.loc[table["indicator"] == "naissances"]
    assert len(absent) and set(absent["period"].astype(str)) == {"–"}
    assert absent["year_start"].isna().all() and absent["year_end"].isna().all()
    assert births["year_end"].notna().all() and births["year_end"].min() > 2000
    assert not table[["year_start", "year_end"]].isin([1900]).any().any()
    # The workbook's commune detail names the file to add for such an indicator, not « donnée manquante ou
    # secrète » (issue 33, point 6); a missing births value keeps the flag's words.
    import openpyxl

    from ctg_analysis.exports.workbook import write_workbook

    book = openpyxl.load_workbook(write_workbook(table, "ezanville", tmp_path / "classeur.xlsx"))
    header = [c.value for c in book["Détail communal"][1]]
    rows = [dict(zip(header, r, strict=True)) for r in book["Détail communal"].iter_rows(min_row=2, values_only=True)]
    quality = {r["Identifiant"]: r["Qualité"] for r in rows}
    assert quality["taux_activite_femmes"].startswith("aucun fichier des données ne donne cet indicateur. Ajoutez")
    assert "emploi" in quality["taux_activite_femmes"] and "secrète" not in quality["taux_activite_femmes"]
    assert not str(quality["naissances"] or "").startswith("aucun fichier")


def test_the_explore_notebook_runs_to_its_end_on_a_folder_of_births_alone(tmp_path):
    # README: any subset of the official files works. The explore notebook stopped at its third cell without
    # the census base, then at its maps without outlines.
    import jupytext
    import papermill

    from ctg_analysis.resources import TEMPLATES_DIR

    data = _demo_parts(tmp_path / "naissances", "etat-civil", "cog")
    notebook = jupytext.read(TEMPLATES_DIR / "explore.py")
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = tmp_path / "explore.ipynb"
    nbformat.write(notebook, source)
    parameters = {"data_dir": str(data), "territories_file": str(data / "territories.yaml")}
    executed = papermill.execute_notebook(
        str(source), str(tmp_path / "out.ipynb"), parameters=parameters, progress_bar=False, kernel_name="python3"
    )
    printed = "".join(
        output.get("text", "") for cell in executed.cells for output in cell.get("outputs", []) if output.get("name")
    )
    assert "État civil – naissances domiciliées" in printed and "Pas de carte : " in printed
