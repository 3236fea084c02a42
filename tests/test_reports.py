"""Reports end to end: papermill on the demo territories, failures isolated, hostile ids, kernels reused
without leaking state, interrupted runs and --resume, a Dask LocalCluster."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import sys

import nbformat
import openpyxl
import pandas as pd
import pptx
import pytest
from click.testing import CliRunner

from conftest import DEMO, ROOT, demo_births, tiny_template
from ctg_analysis.cli import main
from ctg_analysis.errors import CtgError
from ctg_analysis.exports.interactive import PAGE, library_name
from ctg_analysis.files import territory_slug
from ctg_analysis.reports import render as render_module
from ctg_analysis.reports import render_reports
from ctg_analysis.reports.metadata import MANIFEST
from ctg_analysis.resources import TEMPLATES_DIR

pytestmark = pytest.mark.reports
LIGHT = {"exports": [], "themes": ["petite enfance"]}  # a short report, for the tests that need many runs


def _outputs(notebook_path):
    """What a notebook shows, without execution metadata."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    shown = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            shown.append(
                {k: v for k, v in data.items() if k in ("text/plain", "text/html", "text/markdown", "image/svg+xml")}
                or output.get("text", "")
            )
    return shown


def _images(html: str) -> list[str]:
    """The SVG charts and maps of a report page (inline images, base64)."""
    found = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    return [base64.b64decode(data).decode("utf-8") for data in found]


def _errors(notebook_path):
    nb = nbformat.read(str(notebook_path), as_version=4)
    return [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    return reports, render_reports(reports_dir=reports, workers=2, progress=False)


def test_every_demo_territory_end_to_end(rendered):
    reports, results = rendered
    assert [(r.territory_id, r.status) for r in results] == [
        ("ctg-ecouen", "ok"),
        ("ezanville", "ok"),
        ("ctg-val-fictif", "ok"),
    ]
    for result in results:
        folder = reports / result.slug
        assert _errors(folder / "diagnostic.ipynb") == []
        html = (folder / "diagnostic.html").read_text(encoding="utf-8")
        assert "Chiffres clés" in html and "Données fictives de démonstration" in html
        assert "notebook.open_report(" not in html and "for theme in themes" not in html  # no code cells
        openpyxl.load_workbook(folder / "diagnostic.xlsx")
        deck = pptx.Presentation(str(folder / "diagnostic.pptx"))
        assert len(deck.slides) > 10
        # The title slide names the CAF (the demo's: the repository's project names none) under the territory.
        assert deck.slides[0].placeholders[1].text.splitlines()[1] == "CAF de démonstration"
        assert (folder / "graphiques" / "petite-enfance" / "evol_0_2.png").is_file()
        # The locator map, in the introduction (before the key figures) and exported with the maps.
        introduction = html[: html.index('<h2 id="chiffres-cles">')]
        assert any("Situation du territoire" in svg for svg in _images(introduction))
        assert (folder / "graphiques" / "cartes" / "situation.png").is_file()
    # A choropleth where the communes' values differ: not for a one-commune territory.
    assert (reports / "ctg-ecouen" / "graphiques" / "cartes" / "carte-part_0_2.png").is_file()
    assert not (reports / "ezanville" / "graphiques" / "cartes" / "carte-part_0_2.png").exists()
    ezanville = (reports / "ezanville" / "diagnostic.html").read_text(encoding="utf-8")
    assert "+25,7" in ezanville  # the seed's 0-2 growth, in the key figures and the commentary
    _workbook_and_deck_read_back(reports / "ezanville")
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert index.count('class="ok"') == 3 and 'href="ezanville/diagnostic.html"' in index
    assert "Évolution des enfants de 0 à 2 ans (2013-2019) : +25,7\u00a0%" in index
    assert not [p for p in reports.iterdir() if p.name.startswith(".")]  # no staging folder left
    # The interactive page of each territory, its map library written once beside them, linked from the cover
    # and the index (issue 36).
    assert [p.name for p in reports.glob("plotly-*.min.js")] == [library_name()]
    for result in results:
        assert (reports / result.slug / PAGE).is_file()
        assert f'href="{result.slug}/{PAGE}">page interactive</a>' in index
    assert f'<a href="{PAGE}">Explorer les données</a>' in ezanville[: ezanville.index("</header>")]
    # The page shows the report's own figures: each key figure of diagnostic.json, text for text.
    page = (reports / "ezanville" / PAGE).read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="ctg-data">(.*?)</script>', page, re.S).group(1))
    figures = json.loads((reports / "ezanville" / "diagnostic.json").read_text(encoding="utf-8"))["key_figures"]
    assert len(figures) >= 5
    assert {f["indicator"]: f["text"] for f in figures} == {
        f["indicator"]: data["whole"]["values"][f["indicator"]][1] for f in figures
    }


def test_the_report_page_opens_offline_in_french_with_its_cover_and_contents(rendered):
    reports, _ = rendered
    page = (reports / "ctg-ecouen" / "diagnostic.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page
    assert not re.findall(r"<script[^>]+src=|<link[^>]+href=\"https?:", page)  # nothing fetched from the web
    # Every chart's text alternative is its French title, never nbconvert's English placeholder.
    alternatives = re.findall(r'<img[^>]*\balt="([^"]*)"', page)
    assert len(alternatives) == page.count("<img") and "Taux de couverture de l'accueil du jeune enfant" in [
        html.unescape(a) for a in alternatives
    ]
    assert "No description" not in page and "Graphique du diagnostic" not in alternatives
    cover = page[page.index('<header class="ctg-cover">') : page.index("</header>")]
    # The territory and its communes from the demo's territories file, the settings of the demo's ctg.toml.
    assert "CTG Écouen" in cover and "5 communes :" in cover and "Le Plessis-Gassot" in cover
    assert '<p class="ctg-byline">CAF de démonstration</p>' in cover  # the demo's CAF, the project naming none
    assert "au 1<sup>er</sup> janvier 2022 (COG)" in cover and "Données fictives de démonstration" in cover
    sources = cover[cover.index("Sources : ") :].split(".</p>")[0].removeprefix("Sources : ").split(" ; ")
    assert (
        len(sources) == len(set(sources))
        and "Insee, état civil 2008-2021 (Melodi DS_ETAT_CIVIL_NAIS_COMMUNES)" in sources
    )
    links = re.findall(r'<a href="#([^"]+)">', page[page.index('<nav class="ctg-toc">') :])
    assert links[0] == "chiffres-cles" and links[-1] == "sources-et-methodes" and len(links) == 10
    assert all(f'<h2 id="{anchor}">' in page for anchor in links)
    # The synthesis after the key figures: needs and strengths against the département, and the rule (issue 33).
    synthesis = page[page.index('<h2 id="enjeux">') : page.index('<h2 id="demographie">')]
    assert "<li>Enjeu : Part des enfants de 0 à 2 ans : " in synthesis and "Écart marqué : au moins 15" in synthesis
    # The flags explained in French, not as codes; tables with one header row, labels first.
    methods = page[page.index('<h2 id="sources-et-methodes">') :]
    assert "<li>Petits effectifs : valeur fragile.</li>" in methods and "not_comparable" not in methods
    assert page.count('<table class="ctg-table">') >= 7 and "thème</th>" not in page
    # A median INSEE does not publish for a grouping: said in a sentence, with its communes' range read from
    # the demo's Filosofi file.
    filosofi = pd.read_csv(DEMO / "filosofi" / "FILO2019_DISP_COM.csv", sep=";", dtype={"CODGEO": str})
    medians = filosofi.loc[filosofi["CODGEO"].isin(["95205", "95395", "95509", "95094", "95492"]), "Q219"].dropna()
    low, high = (f"{v:,.0f}".replace(",", "\u202f") + "\u00a0€" for v in (medians.min(), medians.max()))
    assert (
        "Le revenu disponible médian par unité de consommation du territoire : valeur non publiée par l'Insee pour "
        f"un regroupement de communes ; elle va de {low} (Puiseux-en-France) à {high} (Le Mesnil-Aubry) en 2019 "
        f"selon les {len(medians)} communes"
    ) in page


def _workbook_and_deck_read_back(folder):
    """The report's workbook against the demo's raw files read plainly; its deck, theme by theme."""
    import io
    import zipfile

    with zipfile.ZipFile(DEMO / "recensement" / "base-cc-evol-struct-pop-2019_csv.zip") as archive:
        census = pd.read_csv(
            io.BytesIO(archive.read("base-cc-evol-struct-pop-2019.CSV")), sep=";", dtype={"CODGEO": str}
        ).set_index("CODGEO")
    births = demo_births()
    sheets = pd.read_excel(
        folder / "diagnostic.xlsx", sheet_name=None, dtype={"Code": str, "Période": str}, engine="openpyxl"
    )
    rows = pd.concat([f for name, f in sheets.items() if name.endswith(" (données)")])
    own = rows.loc[rows["Niveau"] == "Territoire"].set_index(["Identifiant", "Période"])["Valeur"]
    assert own[("pop_0_2", "2019")] == pytest.approx(census.loc["95229", "P19_POP0002"])
    # Shares and evolutions are Excel percentages: fractions.
    assert own[("part_0_2", "2019")] == pytest.approx(
        census.loc["95229", "P19_POP0002"] / census.loc["95229", "P19_POP"]
    )
    assert own[("evol_0_2", "2013-2019")] == pytest.approx(
        census.loc["95229", "P19_POP0002"] / census.loc["95229", "P13_POP0002"] - 1
    )
    # The theme's comparison sheet: the territory and its levels side by side, the period beside.
    comparison = sheets["Petite enfance"].set_index("Indicateur")
    assert comparison.columns[:2].tolist() == ["Période", "Territoire — Ézanville"]
    assert comparison.loc["Part des enfants de 0 à 2 ans", "Territoire — Ézanville"] == pytest.approx(
        census.loc["95229", "P19_POP0002"] / census.loc["95229", "P19_POP"]
    )
    departement = census.loc[census.index.str.startswith("95")]
    assert comparison.loc["Enfants de 0 à 2 ans", "Département — Val-d'Oise"] == pytest.approx(
        departement["P19_POP0002"].sum()
    )
    assert own[("naissances", "2021")] == births.set_index("CODGEO").loc["95229", "NAISD21"]
    # The report's own data, which the index reads: the same figures, as numbers.
    data = json.loads((folder / "diagnostic.json").read_text(encoding="utf-8"))
    figures = {f["indicator"]: f for f in data["key_figures"]}
    assert (data["territory"], data["demo"]) == ("ezanville", True)
    assert figures["evol_0_2"]["value"] == pytest.approx(
        100 * (census.loc["95229", "P19_POP0002"] / census.loc["95229", "P13_POP0002"] - 1)
    )
    assert (figures["evol_0_2"]["period"], figures["evol_0_2"]["text"]) == ("2013-2019", "+25,7\u00a0%")
    deck = pptx.Presentation(str(folder / "diagnostic.pptx"))
    titles = [slide.shapes.title.text for slide in deck.slides]
    pictures = {
        title: sum(shape.shape_type == 13 for shape in slide.shapes)
        for title, slide in zip(titles, deck.slides, strict=True)
    }
    from ctg_analysis.charts import chart_plan

    exported = {p.stem for p in (folder / "graphiques").rglob("*.png")}
    for spec in chart_plan():
        if spec.name in exported:  # every exported chart of every theme has its slide, with its picture
            assert pictures.get(spec.title) == 1, spec.title
    assert titles[1].startswith("Chiffres clés") and titles[-1] == "Sources et méthodes"
    assert sum(pictures.values()) == len(exported)


def test_unknown_parameter_is_an_error(tmp_path):
    with pytest.raises(CtgError, match=r"paramètre 'theme' inconnu du modèle \(vouliez-vous dire : 'themes'"):
        render_reports(["ezanville"], reports_dir=tmp_path / "r", parameters={"theme": []})
    assert not (tmp_path / "r").exists()


def test_a_failing_territory_does_not_stop_the_others(tmp_path):
    template = tiny_template(tmp_path, 'if territory_id == "ezanville":\n    raise RuntimeError("panne simulée")')
    reports = tmp_path / "reports"
    results = render_reports(reports_dir=reports, template=template, workers=1, progress=False)
    assert {r.territory_id: r.status for r in results} == {
        "ctg-ecouen": "ok",
        "ezanville": "échec",
        "ctg-val-fictif": "ok",
    }
    failed = reports / "ezanville"
    assert _errors(failed / "echec.ipynb")[0]["evalue"] == "panne simulée"
    assert json.loads((failed / MANIFEST).read_text(encoding="utf-8"))["status"] == "échec"
    # The kernel works again after the failure: the next territory is rendered in it.
    assert "ctg-val-fictif" in (reports / "ctg-val-fictif" / "diagnostic.html").read_text(encoding="utf-8")
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'class="echec">échec' in index and 'href="ezanville/echec.html"' in index


def test_cli_exit_code_when_a_territory_fails(tmp_path):
    template = tiny_template(tmp_path, "raise RuntimeError('panne simulée')")
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--territory",
            "ezanville",
            "--template",
            str(template),
            "--out",
            str(tmp_path / "r"),
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "échec" in result.output and "panne simulée" in result.output and "Traceback" not in result.output
    both = CliRunner().invoke(main, ["report", "--all", "--territory", "ezanville"])
    assert both.exit_code == 2 and "--territory ID" in both.output


def test_hostile_ids_and_labels(tmp_path):
    territories = tmp_path / "territories.yaml"
    territories.write_text(
        "territories:\n"
        "  - id: ../../x\n    label: \"<script>alert('x')</script> & \\\"cie\\\"\\nligne\"\n    communes: ['95229']\n"
        "  - id: \"a/b\"\n    label: Deux\n    communes: ['95205']\n",
        encoding="utf-8",
    )
    reports = tmp_path / "sortie" / "reports"
    before = set(tmp_path.rglob("*"))
    results = render_reports(
        territories_file=territories, reports_dir=reports, workers=1, parameters=LIGHT, progress=False
    )
    assert [r.status for r in results] == ["ok", "ok"]
    assert {r.slug for r in results} == {territory_slug("../../x"), territory_slug("a/b")}
    cache = tmp_path / "processed"  # the test's parquet cache (see conftest)
    created = {p for p in set(tmp_path.rglob("*")) - before if p != cache and cache not in p.parents}
    assert created and all(reports in path.parents or path in (reports, reports.parent) for path in created), created
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in index and "&lt;script&gt;" in index
    html = (reports / territory_slug("../../x") / "diagnostic.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html


def test_the_projects_own_indicator_is_text_wherever_the_report_shows_it(tmp_path, monkeypatch):
    # A label, a unit and a field written by the analyst (or copied from anywhere): never a tag, a link or
    # emphasis in the report, in its commentary (Markdown), its tables or its chart messages (HTML).
    from ctg_analysis.config import PROJECT_ENV

    (tmp_path / "ctg.toml").write_text(
        f'[data]\nfolder = "{DEMO.as_posix()}"\nindicators = "ind.yaml"\n', encoding="utf-8"
    )
    (tmp_path / "ind.yaml").write_text(
        "- id: part_x\n"
        "  label: \"<script>alert('ind')</script> [lien](javascript:alert(1)) **gras**\"\n"
        "  theme: petite enfance\n  kind: share\n  dataset: census_population\n"
        "  numerator: P_POP0002\n  denominator: P_POP\n  scale: 100\n  min_denominator: 0\n  decimals: 1\n"
        '  unit: "<img src=x onerror=alert(7)>"\n  field: "<b>champ</b>"\n  chart: bars\n  in_report: true\n',
        encoding="utf-8",
    )
    monkeypatch.setenv(PROJECT_ENV, str(tmp_path))
    reports = tmp_path / "reports"
    (result,) = render_reports(["ezanville"], reports_dir=reports, workers=1, parameters=LIGHT, progress=False)
    assert result.status == "ok"
    html = (reports / "ezanville" / "diagnostic.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert('ind')&lt;/script&gt;" in html  # the label is there, as text
    for raw in ("<script>alert", 'href="javascript', "<strong>gras", "<img src=x", "<b>champ"):
        assert raw not in html, raw


def test_the_contents_link_only_to_the_sections_the_page_holds(tmp_path):
    # A report on some themes, or a project's copy of an older template (without the synthesis), listed every
    # section in its contents: links to nowhere.
    (result,) = render_reports(["ezanville"], reports_dir=tmp_path, workers=1, parameters=LIGHT, progress=False)
    assert result.status == "ok"
    page = (tmp_path / "ezanville" / "diagnostic.html").read_text(encoding="utf-8")
    contents = page[page.index('<nav class="ctg-toc">') : page.index("</nav>")]
    links = re.findall(r'<a href="#([^"]+)">', contents)
    assert all(f'id="{anchor}"' in page for anchor in links)
    assert {"chiffres-cles", "enjeux", "petite-enfance", "sources-et-methodes"} <= set(links)
    assert "logement" not in links and "demographie" not in links


def test_interrupted_run_keeps_previous_reports_and_resume_completes(tmp_path, monkeypatch):
    reports, template = tmp_path / "reports", tiny_template(tmp_path)
    (first,) = render_reports(["ezanville"], reports_dir=reports, template=template, workers=1, progress=False)
    good = (reports / "ezanville" / "diagnostic.html").read_bytes()
    swap = render_module._swap

    def killed(staging, final):
        if final.name == "ezanville":
            raise KeyboardInterrupt  # the worker is stopped while this territory is being written
        swap(staging, final)

    monkeypatch.setattr(render_module, "_swap", killed)
    with pytest.raises(KeyboardInterrupt):
        render_reports(reports_dir=reports, template=template, workers=1, progress=False)
    assert (reports / "ezanville" / "diagnostic.html").read_bytes() == good  # the previous report is intact
    assert (reports / "ctg-ecouen" / "diagnostic.html").is_file()
    assert not (reports / "ctg-val-fictif").exists()
    monkeypatch.setattr(render_module, "_swap", swap)
    results = render_reports(reports_dir=reports, template=template, workers=1, resume=True, progress=False)
    assert {r.territory_id: r.status for r in results} == {
        "ctg-ecouen": "à jour",
        "ezanville": "à jour",
        "ctg-val-fictif": "ok",
    }
    assert first.status == "ok"


def test_a_reused_kernel_a_fresh_kernel_and_a_dask_cluster_give_the_same_outputs(tmp_path):
    """The second territory of a reused kernel must show what a fresh kernel shows (no state leaks), and
    so must a Dask worker."""
    distributed = pytest.importorskip("distributed")
    reused = render_reports(
        ["ezanville", "ctg-ecouen"], reports_dir=tmp_path / "reused", workers=1, parameters=LIGHT, progress=False
    )
    fresh = render_reports(
        ["ctg-ecouen"], reports_dir=tmp_path / "fresh", workers=1, parameters=LIGHT, reuse_kernels=False, progress=False
    )
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = render_reports(
            ["ctg-ecouen"], reports_dir=tmp_path / "dask", scheduler=client, parameters=LIGHT, progress=False
        )
        assert client.status == "running"  # the caller's client, left open for the caller
    assert [r.status for r in reused + fresh + on_dask] == ["ok"] * 4
    shown = _outputs(tmp_path / "reused" / "ctg-ecouen" / "diagnostic.ipynb")
    assert any("image/svg+xml" in output for output in shown)
    assert _outputs(tmp_path / "fresh" / "ctg-ecouen" / "diagnostic.ipynb") == shown
    assert _outputs(tmp_path / "dask" / "ctg-ecouen" / "diagnostic.ipynb") == shown


def test_explore_notebook_runs(tmp_path):
    import jupytext
    import papermill

    notebook = tmp_path / "explore.ipynb"
    nbformat.write(jupytext.read(TEMPLATES_DIR / "explore.py"), str(notebook))
    assert set(papermill.inspect_notebook(str(notebook))) == {"data_dir", "territories_file", "territory_id"}
    papermill.execute_notebook(
        str(notebook),
        str(tmp_path / "out.ipynb"),
        parameters={"data_dir": str(DEMO)},
        kernel_name="python3",
        progress_bar=False,
    )
    assert _errors(tmp_path / "out.ipynb") == []


def test_all_renders_the_valid_territories_and_fails_the_invalid_ones(tmp_path):
    territories = tmp_path / "territories.yaml"
    territories.write_text(
        "territories:\n  - id: ezanville\n    communes: ['95229']\n  - id: casse\n    communes: ['95229', '99999']\n",
        encoding="utf-8",
    )
    out = tmp_path / "r"
    args = [
        "report",
        "--all",
        "--territories",
        str(territories),
        "--out",
        str(out),
        "--workers",
        "1",
        "--template",
        str(tiny_template(tmp_path)),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "ok       ezanville" in result.output and "échec    casse" in result.output and "99999" in result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="echec">échec' in index and "99999" in index and (out / "ezanville" / "diagnostic.html").is_file()


@pytest.mark.real
def test_seed_report_without_census_bases(real, tmp_path):
    """What many analysts start with: populations légales, Filosofi, CNAF, no census base, no COG file."""
    folder = tmp_path / "raw"
    folder.mkdir()
    for file in [
        "populations-legales/ensemble_RP2022_en_vigueur_2025.xlsx",
        "caf-iris-2016-2020/data_CAF_2020_IRIS.csv",
        "filosofi-2014-2019/revenu_commune/FILO2019_DISP_COM.csv",
        "filosofi-2014-2019/revenu_dpt/FILO2019_DISP_DEP.csv",
    ]:
        (folder / file.replace("/", "__")).symlink_to(real / file)
    results = render_reports(
        ["ctg-ecouen"],
        data_dir=folder,
        territories_file=ROOT / "data" / "territories.yaml",
        reports_dir=tmp_path / "r",
        workers=1,
        progress=False,
    )
    assert [r.status for r in results] == ["ok"], results[0].error
    report = tmp_path / "r" / "ctg-ecouen"
    assert not _errors(report / "diagnostic.ipynb")
    page = (report / "diagnostic.html").read_text(encoding="utf-8")
    for word in ("Traceback", "Exception", "Warning", "ctg-ecouen"):
        assert word not in page.split("<body", 1)[1].replace('id="ctg-ecouen', ""), word
    assert (
        "CTG Écouen, Le Mesnil-Aubry" in page
        and "Ajoutez aux données la base « Évolution et structure de la population »" in page
    )
    # No outline file: the report says which one to download for maps, once, and goes on.
    assert page.count("Admin Express COG") == 1 and "géoservices.ign.fr/adminexpress" in page


@pytest.mark.reports
def test_the_report_printed_to_an_a4_pdf(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("weasyprint")
    results = render_reports(
        ["ctg-ecouen"], reports_dir=tmp_path, parameters=LIGHT, pdf=True, workers=1, progress=False
    )
    assert [r.status for r in results] == ["ok"]
    pdf = pypdf.PdfReader(tmp_path / "ctg-ecouen" / "diagnostic.pdf")
    a4 = (595.28, 841.89)  # 210 × 297 mm in points
    assert all(
        abs(float(p.mediabox.width) - a4[0]) < 1 and abs(float(p.mediabox.height) - a4[1]) < 1 for p in pdf.pages
    )
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) >= 3 and "CTG Écouen, Le Mesnil-Aubry" in text and "Sommaire" in text
    assert "Petite enfance" in text and "Sources et méthodes" in text


def test_a_pdf_without_weasyprint_names_the_extra(tmp_path, monkeypatch):
    from ctg_analysis.reports.pdf import write_pdf

    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(CtgError, match=r"le rapport en PDF demande WeasyPrint : pip install 'ctg-analysis\[pdf\]'"):
        write_pdf("<p>x</p>", tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


def test_a_batch_asked_for_pdfs_without_weasyprint_stops_before_rendering_anything(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    args = ["report", "--all", "--pdf", "--data", str(DEMO), "--out", str(tmp_path / "rapports")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip() == "erreur : le rapport en PDF demande WeasyPrint : pip install 'ctg-analysis[pdf]'"
    assert not (tmp_path / "rapports").exists()  # no report rendered, then failed, territory after territory


def test_a_report_on_data_that_are_not_the_demo_names_no_demo_caf(tmp_path):
    from ctg_analysis.reports.notebook import open_report

    data = tmp_path / "donnees"
    shutil.copytree(DEMO, data)
    (data / "ctg-demo.json").unlink()  # the same files, no longer marked as the demo
    report = open_report("ezanville", data_dir=str(data), territories_file=str(data / "territories.yaml"))
    assert not report.demo and "démonstration" not in report.cover()
    demo = open_report("ezanville", data_dir=str(DEMO), territories_file=str(DEMO / "territories.yaml"))
    assert demo.byline == "CAF de démonstration"
