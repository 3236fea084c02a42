"""Analyst projects: ``ctg init``, discovery from the current folder, ``--project``, the outside-a-project
message, a project's own indicators, the notebooks as JupyterLab shows them, and the installed wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

from conftest import DEMO, ROOT
from ctg_analysis.cli import main
from ctg_analysis.config import Project, find_project
from ctg_analysis.errors import CtgError
from ctg_analysis.resources import EARLIER_DEMO_DIR, RESOURCES
from ctg_analysis.scaffold import init_project

#: A project indicator: the share of the 0–5 year olds (not in the catalogue).
OWN_INDICATOR = """\
- id: part_0_5
  label: Part des enfants de 0 à 5 ans
  theme: petite enfance
  kind: share
  unit: "%"
  scale: 100
  decimals: 1
  dataset: census_population
  numerator: P_POP0002 + P_POP0305
  denominator: P_POP
  field: population municipale
  min_denominator: 200
"""


@pytest.fixture
def outside(tmp_path, monkeypatch):
    """A working folder outside any project (no CTG_PROJECT_DIR, no ctg.toml above it)."""
    monkeypatch.delenv("CTG_PROJECT_DIR")
    monkeypatch.chdir(tmp_path)
    assert find_project() is None, "a ctg.toml above the temporary folder"
    return tmp_path


@pytest.fixture
def demo_project(outside):
    """``ctg init --demo`` in a temporary folder, the current folder being a sub-folder of it."""
    result = CliRunner().invoke(main, ["init", "--demo", "projet"])
    assert result.exit_code == 0, result.output
    root = outside / "projet"
    (root / "notebooks" / "brouillons").mkdir()
    os.chdir(root / "notebooks" / "brouillons")
    return root


def test_init_writes_a_project_with_every_part(outside):
    written = init_project(outside / "ctg-val")
    root = outside / "ctg-val"
    names = {p.relative_to(root).as_posix() for p in written}
    assert names == {
        "ctg.toml",
        ".gitignore",
        "data/raw/README.md",
        "data/territories.yaml",
        "data/plan-actions.yaml",
        "notebooks/diagnostic.ipynb",
        "notebooks/explore.ipynb",
    }
    assert (root / "reports").is_dir()
    project = Project.load(root)
    assert (project.data_dir, project.territories_file, project.reports_dir) == (
        root / "data" / "raw",
        root / "data" / "territories.yaml",
        root / "reports",
    )
    assert project.comparison_levels == ("epci", "departement", "region", "france") and project.census_vintage == 0
    readme = (root / "data" / "raw" / "README.md").read_text(encoding="utf-8")
    for name in (
        "base-cc-evol-struct-pop-AAAA",
        "base_naissances_AAAA",
        "ensemble.xlsx",
        "FILOAAAA_DISP_COM",
        "data_CAF_AAAA_IRIS.csv",
        "data.caf.fr",
    ):
        assert name in readme
    # The notebooks open in JupyterLab as they are: plain notebooks, with the templates' parameters cell.
    notebook = nbformat.read(root / "notebooks" / "diagnostic.ipynb", as_version=4)
    assert "jupytext" not in notebook.metadata
    assert any("parameters" in c.metadata.get("tags", []) for c in notebook.cells)
    with pytest.raises(CtgError, match="déjà un projet"):
        init_project(root)


def test_a_new_project_follows_the_umask(outside):
    previous = os.umask(0o022)
    try:
        written = init_project(outside / "partage", demo=True)
    finally:
        os.umask(previous)
    modes = {oct(path.stat().st_mode & 0o777) for path in written}
    folders = {oct(path.stat().st_mode & 0o777) for path in (outside / "partage").rglob("*") if path.is_dir()}
    assert modes == {"0o644"} and folders == {"0o755"}


def test_init_keeps_what_the_folder_already_holds(outside):
    mine = "territories:\n  - id: mon-territoire\n    communes: ['95229']\n"
    (outside / "data").mkdir()
    (outside / "data" / "territories.yaml").write_text(mine, encoding="utf-8")
    written = init_project(outside, demo=True)
    assert (outside / "data" / "territories.yaml").read_text(encoding="utf-8") == mine
    assert outside / "data" / "territories.yaml" not in written
    assert (outside / "data" / "raw" / "ctg-demo.json").is_file() and (outside / "data" / "plan-actions.yaml").is_file()


def test_the_commented_templates_say_what_is_missing(outside):
    init_project(outside)
    result = CliRunner().invoke(main, ["territories", "check", "--data", str(DEMO / "filosofi")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        result.output.strip()
        == f"erreur : {outside / 'data' / 'territories.yaml'} : aucun territoire déclaré ; ajoutez les vôtres sous « "
        f"territories: » (l'exemple commenté du fichier montre comment)"
    )


def test_outside_any_project_one_french_line_says_how_to_start(outside):
    result = CliRunner().invoke(main, ["report", "--all"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert (
        len(lines) == 1 and "aucun projet ctg-analysis" in lines[0] and "ctg init" in lines[0] and "--demo" in lines[0]
    )


def test_every_path_given_works_outside_a_project(outside):
    result = CliRunner().invoke(main, ["data", "check", str(DEMO / "filosofi")])
    assert result.exit_code == 0, result.output
    assert "filosofi" in result.output


def test_the_project_is_found_from_a_sub_folder(demo_project):
    assert find_project().root == demo_project
    result = CliRunner().invoke(main, ["territories", "check"])
    assert result.exit_code == 0, result.output
    assert "ezanville" in result.output


def test_project_option_and_environment_variable_override_the_current_folder(
    demo_project, tmp_path_factory, monkeypatch
):
    elsewhere = tmp_path_factory.mktemp("ailleurs")
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("CTG_PROJECT_DIR", "")  # restored after the test, whatever --project sets
    result = CliRunner().invoke(main, ["--project", str(demo_project), "indicators", "--territory", "ezanville"])
    assert result.exit_code == 0, result.output
    assert "Ézanville (ezanville)" in result.output
    monkeypatch.setenv("CTG_PROJECT_DIR", str(demo_project))
    assert find_project().root == demo_project
    result = CliRunner().invoke(main, ["--project", str(elsewhere), "indicators"])
    assert result.exit_code == 2 and "pas de projet ctg-analysis" in result.output and "ctg init" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[data]\nfolderr = 'x'\n", "[data] clé 'folderr' inconnue (vouliez-vous dire : 'folder' ?)"),
        ("[rapports]\n", "section [rapports] inconnue"),
        ("[data]\ncensus_vintage = '2019'\n", "[data] census_vintage = '2019' : attendu un nombre entier"),
        ("[reports]\ncomparison_levels = ['commune']\n", "niveau inconnu 'commune'"),
        ("[data\n", "fichier TOML illisible"),
        ("[project]\ncolour = 'bleu'\n", "[project] colour = 'bleu' : attendu une couleur #RRVVBB"),
        ("[project]\nlogo = 'logo.png'\n", "[project] logo = 'logo.png' : fichier introuvable"),
    ],
)
def test_a_wrong_settings_file_is_named_with_its_key(outside, content, message):
    (outside / "ctg.toml").write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["report", "--all"])
    assert result.exit_code == 2 and "ctg.toml" in result.output and message in result.output, result.output


def _own_indicator(project: Path, content: str = OWN_INDICATOR) -> None:
    (project / "indicateurs.yaml").write_text(content, encoding="utf-8")
    settings = project / "ctg.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace('indicators = ""', 'indicators = "indicateurs.yaml"'),
        encoding="utf-8",
    )


def test_a_project_indicator_reaches_the_long_table_and_the_fiches(demo_project):
    _own_indicator(demo_project)
    out = demo_project / "i.csv"
    result = CliRunner().invoke(main, ["indicators", "--territory", "ctg-ecouen", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"geo": str})
    row = table.query("indicator == 'part_0_5' and level == 'territoire' and period == '2019'").iloc[0]
    # Independently: the census base of the demo, summed over the territory's communes.
    with (
        zipfile.ZipFile(DEMO / "recensement" / "base-cc-evol-struct-pop-2019_csv.zip") as archive,
        archive.open("base-cc-evol-struct-pop-2019.CSV") as handle,
    ):
        census = pd.read_csv(handle, sep=";", dtype={"CODGEO": str}).set_index("CODGEO")
    communes = ["95205", "95395", "95509", "95094", "95492"]
    expected = (
        100
        * census.loc[communes, ["P19_POP0002", "P19_POP0305"]].to_numpy().sum()
        / census.loc[communes, "P19_POP"].sum()
    )
    assert row["value"] == pytest.approx(expected, rel=1e-9)
    assert row["label"] == "Part des enfants de 0 à 5 ans" and row["theme"] == "petite enfance"
    # No wording in phrases.yaml: the fiche says it with the catalogue label instead of stopping.
    plan = demo_project / "data" / "plan-actions.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("indicateurs: [pop_0_2,", "indicateurs: [part_0_5, pop_0_2,"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["fiches", "--plan", str(plan), "--formats", "xlsx"])
    assert result.exit_code == 0, result.output
    fiche = pd.read_excel(
        demo_project / "reports" / "ezanville" / "fiches-actions.xlsx", sheet_name=None, header=None, engine="openpyxl"
    )
    text = " ".join(str(v) for sheet in fiche.values() for v in sheet.to_numpy().ravel())
    assert "L'indicateur « Part des enfants de 0 à 5 ans » d'Ézanville est inférieur à celui du département" in text


def test_a_project_indicator_is_charted_and_followed_up(demo_project):
    _own_indicator(demo_project)
    base = demo_project / "reports" / "base-2019"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "--data",
            str(EARLIER_DEMO_DIR),
            "--territory",
            "ezanville",
            "--formats",
            "xlsx",
            "--out",
            str(base),
        ],
    )
    assert result.exit_code == 0, result.output
    plan = demo_project / "data" / "plan-actions.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("indicateurs: [pop_0_2,", "indicateurs: [part_0_5, pop_0_2,"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["suivi", "--baseline", str(base / "diagnostic.xlsx"), "--plan", str(plan)])
    assert result.exit_code == 0, result.output
    follow = pd.read_excel(demo_project / "reports" / "ezanville" / "suivi" / "suivi.xlsx", engine="openpyxl")
    row = follow.loc[follow.eq("part_0_5").any(axis=1)]
    assert len(row) == 1, follow.to_string()
    # Census 2016 against census 2019: the five-year rule refuses the comparison, for this indicator too.
    assert row.astype(str).apply(lambda column: column.str.contains("5 ans")).any(axis=None)
    # Charted only where the comparison is valid (issue 33, point 11): here the table says why, no bar does.
    charts = demo_project / "reports" / "ezanville" / "suivi" / "graphiques"
    assert not (charts / "part_0_5.png").exists() and (charts / "naissances.png").is_file()


def test_a_wrong_project_indicator_is_named_in_its_file(demo_project):
    _own_indicator(demo_project, OWN_INDICATOR.replace("theme: petite enfance", "theme: petite-enfance"))
    result = CliRunner().invoke(main, ["indicators"])
    assert result.exit_code == 2
    assert "indicateurs.yaml, indicateur 'part_0_5' : thème 'petite-enfance' inconnu" in result.output


@pytest.mark.reports
def test_explore_notebook_shows_each_chart_once_and_french_text(demo_project):
    notebook = nbformat.read(demo_project / "notebooks" / "explore.ipynb", as_version=4)
    NotebookClient(
        notebook, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(demo_project / "notebooks")}}
    ).execute()
    images = [
        [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]
    charts = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and ("_chart(" in cell.source or "_map(" in cell.source)
    ]
    assert len(charts) == 5  # two charts, three maps
    assert [len(o) for o in images if o] == [1] * 5, "each chart and map once, no other picture"
    texts = [
        o["data"]["text/plain"]
        for cell in notebook.cells
        for o in cell.get("outputs", [])
        if "text/plain" in o.get("data", {})
    ]
    position = next(t for t in texts if "contre" in t and "dans le département" in t)
    assert "\\xa0" not in position and not position.startswith("'")
    html = [
        o["data"]["text/html"]
        for cell in notebook.cells
        for o in cell.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    assert any("Écart" in h and "pt" in h for h in html)  # the comparison table, in French
    assert any("Ensemble du territoire" in h for h in html)  # the communes of the territory


@pytest.mark.reports
def test_a_project_renders_with_its_settings_and_its_own_template(demo_project):
    _own_indicator(demo_project)
    settings = demo_project / "ctg.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8")
        .replace('caf = ""', 'caf = "CAF du Val-d\'Oise"')
        .replace('author = ""', 'author = "Service études"'),
        encoding="utf-8",
    )
    template = demo_project / "notebooks" / "diagnostic.ipynb"
    notebook = nbformat.read(template, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("Note ajoutée par la CAF au modèle du projet."))
    nbformat.write(notebook, template)
    result = CliRunner().invoke(main, ["report", "--territory", "ezanville", "--workers", "1"])
    assert result.exit_code == 0, result.output
    page = (demo_project / "reports" / "ezanville" / "diagnostic.html").read_text(encoding="utf-8")
    assert "CAF du Val-d&#39;Oise — Service études" in page or "CAF du Val-d'Oise — Service études" in page
    assert "Note ajoutée par la CAF au modèle du projet." in page
    assert "Part des enfants de 0 à 5 ans" in page  # the project's own indicator, in its theme's table
    assert "modèle antérieur" not in result.output  # the project's copy is today's


def test_an_older_copy_of_the_template_is_said_to_miss_what_it_lacks(demo_project):
    # A project made before the deck's colour and logo and the synthesis: its copy of the template still renders,
    # and the command says what it misses and what to do, rather than ignoring the settings silently.
    template = demo_project / "notebooks" / "diagnostic.ipynb"
    notebook = nbformat.read(template, as_version=4)
    for cell in notebook.cells:
        lines = cell.source.splitlines()
        dropped = ("colour", "logo", 'display(HTML(report.heading("enjeux")))', "display(Markdown(report.synthesis()))")
        cell.source = "\n".join(line for line in lines if not line.strip().startswith(dropped))
    nbformat.write(notebook, template)
    result = CliRunner().invoke(main, ["report", "--territory", "ezanville", "--workers", "1"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert (
        "copie d'un modèle antérieur à cette version de l'outil, les réglages colour, logo de ctg.toml y sont" in said
    )
    assert "supprimez-la pour utiliser le modèle de l'outil" in said
    page = (demo_project / "reports" / "ezanville" / "diagnostic.html").read_text(encoding="utf-8")
    assert 'href="#enjeux"' not in page and 'href="#chiffres-cles"' in page  # no link to a section it lacks


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel built from the checkout, as ``pip wheel`` builds it."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)], check=True)
    (built,) = out.glob("ctg_analysis-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_holds_every_resource(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"ctg_analysis/resources/{path.relative_to(RESOURCES).as_posix()}"
        for path in RESOURCES.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert expected - names == set()
    for name in ("indicators/catalogue.yaml", "commentary/phrases.yaml", "py.typed"):
        assert f"ctg_analysis/{name}" in names
    # The demo generator is the maintainers' (tools/): the wheel holds what it wrote, not the generator.
    assert not [n for n in names if n.startswith("ctg_analysis/demo/")]
    assert any(n.startswith("ctg_analysis/resources/demo-2019/recensement/") for n in names)


@pytest.mark.slow
def test_the_installed_wheel_runs_in_a_new_project(wheel, tmp_path):
    """A non-editable install in a new virtual environment (its dependencies borrowed from this one)."""
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # Only the dependencies: a path file is not read in a folder it adds, so this one's editable install is not seen.
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True)
    ctg = environment / "bin" / "ctg"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTG_")} | {
        "PATH": f"{environment / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "JUPYTER_PATH": str(
            Path(sys.prefix) / "share" / "jupyter"
        ),  # nbconvert's templates, installed with the borrowed dependencies
    }

    def run(*args, cwd):
        done = subprocess.run([ctg, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    located = subprocess.run(
        [python, "-c", "import ctg_analysis; print(ctg_analysis.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert Path(located.stdout.strip()).is_relative_to(environment)
    run("init", "--demo", "projet", cwd=tmp_path)
    project = tmp_path / "projet"
    assert "tables reconnues" in run("data", "check", cwd=project)
    assert "Ézanville (ezanville)" in run("indicators", "--territory", "ezanville", cwd=project / "notebooks")
    assert "ok       ezanville" in run("--quiet", "report", "--territory", "ezanville", "--workers", "1", cwd=project)
    assert (project / "reports" / "ezanville" / "diagnostic.html").is_file()
    assert (project / "data" / "processed").is_dir()  # the cache is the project's


def test_a_warning_repeated_by_several_steps_is_printed_once(capsys):
    import logging

    from ctg_analysis.feedback import ConsoleHandler

    logger = logging.getLogger("ctg_analysis.test_feedback")
    handler = ConsoleHandler()
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for _ in range(3):
            logger.warning("%s : code %s réparé", "fichier.csv", "01001")
        logger.warning("autre message")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" : ", 1)[1] for line in lines] == ["fichier.csv : code 01001 réparé", "autre message"]


def test_quiet_mode_silences_the_progress_bars(monkeypatch):
    from ctg_analysis.feedback import progress_bar

    assert not progress_bar(range(3), desc="x", unit="u", show=True).disable
    monkeypatch.setenv("CTG_QUIET", "1")
    assert progress_bar(range(3), desc="x", unit="u", show=True).disable


def test_the_deck_wears_the_project_colour_and_logo(demo_project):
    # Issue 33, point 12: the house deck, its colour and logo set in ctg.toml: a band of the colour above every
    # slide's title, the titles in it, the logo at the top right, the title's box leaving it room.
    import pptx
    from PIL import Image

    Image.new("RGB", (400, 100), "#7A1F5C").save(demo_project / "logo.png")
    settings = demo_project / "ctg.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace('colour = "#1F4E79"', 'colour = "#7A1F5C"').replace('logo = ""', 'logo = "logo.png"'),
        encoding="utf-8",
    )
    assert 'colour = "#7A1F5C"' in settings.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["export", "--territory", "ezanville", "--formats", "pptx"])
    assert result.exit_code == 0, result.output
    deck = pptx.Presentation(str(demo_project / "reports" / "ezanville" / "diagnostic.pptx"))
    for slide in deck.slides:
        shapes = {shape.name: shape for shape in slide.shapes}
        assert str(shapes["Bandeau"].fill.fore_color.rgb) == "7A1F5C"
        logo = shapes["Logo"]
        assert logo.left + logo.width <= deck.slide_width and logo.width / logo.height == pytest.approx(4, rel=0.02)
        title = slide.shapes.title
        if title is not None and title.has_text_frame and title.text_frame.text:
            assert str(title.text_frame.paragraphs[0].runs[0].font.color.rgb) == "7A1F5C"
            assert title.left + title.width <= logo.left or title.top >= logo.top + logo.height
        for table in (shape.table for shape in slide.shapes if shape.has_table):
            assert {str(cell.fill.fore_color.rgb) for cell in table.rows[0].cells} == {"7A1F5C"}
