"""Issue 36: the interactive page of a territory and of a département, opened offline in a real Chromium, and the
explore notebook's picker at the kernel level. Expected values come from the raw demo census, read here with
plain pandas."""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import legal_populations, mark_partial
from ctg_analysis.diagnostic import Diagnostic
from ctg_analysis.exports.documents import write_documents
from ctg_analysis.exports.interactive import PAGE, library_name, overview_data, territory_data, write_page
from ctg_analysis.formatting import format_value
from ctg_analysis.geography.outlines import Outlines
from ctg_analysis.resources import DEMO_DIR

TERRITORY = "ctg-ecouen"
ECOUEN = ("95094", "95205", "95395", "95492", "95509")  # its communes: Bouqueval, Écouen, Le Mesnil-Aubry…


def _census() -> pd.DataFrame:
    """The demo's census base with each commune's name (its COG)."""
    with zipfile.ZipFile(DEMO_DIR / "recensement" / "base-cc-evol-struct-pop-2019_csv.zip") as archive:
        census = pd.read_csv(archive.open("base-cc-evol-struct-pop-2019.CSV"), sep=";", dtype={"CODGEO": str})
    names = pd.read_csv(DEMO_DIR / "cog" / "commune_2021.csv", dtype=str).query("TYPECOM == 'COM'")
    return census.merge(names[["COM", "LIBELLE"]].rename(columns={"COM": "CODGEO", "LIBELLE": "LIBGEO"}), how="left")


def _share_0_2(rows: pd.DataFrame) -> float:
    return 100 * rows["P19_POP0002"].sum() / rows["P19_POP"].sum()


@pytest.fixture(scope="module")
def diagnostic():
    return Diagnostic.open(DEMO_DIR)


@pytest.fixture(scope="module")
def page(diagnostic, tmp_path_factory) -> Path:
    """The territory's documents as ``ctg report`` writes them: the page in its folder, the library beside."""
    folder = tmp_path_factory.mktemp("reports") / TERRITORY
    written = write_documents(diagnostic.table([TERRITORY]), TERRITORY, folder, ["html"], outlines=diagnostic.outlines)
    assert [path.name for path in written] == [PAGE]
    assert (folder.parent / library_name()).is_file()
    return folder / PAGE


def _embedded(path: Path) -> dict:
    found = re.search(r'<script type="application/json" id="ctg-data">(.*?)</script>', path.read_text("utf-8"), re.S)
    assert found, "les données de la page sont introuvables"
    return json.loads(found.group(1))


def test_the_page_holds_each_communes_share_from_the_raw_census(page):
    census = _census().set_index("CODGEO")
    data = _embedded(page)
    layer = data["layers"]["commune"]
    unaccented = census["LIBGEO"].map(lambda name: unicodedata.normalize("NFD", name).encode("ascii", "ignore"))
    assert [unit["code"] for unit in layer["units"]] == sorted(ECOUEN, key=lambda code: unaccented[code])
    shares = [layer["values"]["part_0_2"][n][0] for n in range(len(ECOUEN))]
    expected = [_share_0_2(census.loc[[unit["code"]]]) for unit in layer["units"]]
    assert shares == pytest.approx(expected, abs=1e-6)
    departement = next(r for r in data["references"] if r["name"] == "Département — Val-d'Oise")
    assert departement["values"]["part_0_2"][0] == pytest.approx(
        _share_0_2(census.loc[census.index.str.startswith("95")])
    )
    assert len(data["layers"]["commune"]["features"]["features"]) == len(ECOUEN)
    assert page.stat().st_size < 2_000_000  # the ceiling, the library apart


def test_a_partial_value_carries_its_coverage_in_words(diagnostic):
    # A département value summing 35 of its 184 communes, 76 % of its people (the real Val-d'Oise's CAF files):
    # starred, and its coverage said in words on hover and in the notes.
    table = diagnostic.table([TERRITORY]).copy()
    rows = (table["level"] == "departement") & (table["indicator"] == "allocataires")
    mark_partial(table, rows, 35 / 184, 0.7612, 184)
    data = territory_data(table, TERRITORY, diagnostic.outlines)
    departement = next(r for r in data["references"] if r["name"].startswith("Département"))
    value, text, reason = departement["values"]["allocataires"]
    assert text.endswith("*")
    assert data["reasons"][reason] == "valeur partielle, sur 19\u202f% des communes, 76\u202f% de la population"
    assert any("foyers allocataires (2021), département Val-d'Oise : sur 19" in note for note in data["notes"])


def test_no_text_of_the_data_can_close_the_pages_script(tmp_path):
    data = {"title": "</script><script>alert('t')</script>", "layers": {}, "indicators": [], "references": []}
    path = write_page(tmp_path / PAGE, data, "../lib.js")
    text = path.read_text("utf-8")
    assert "<script>alert" not in text
    assert _embedded(path)["title"] == data["title"]


def test_the_overview_draws_every_commune_and_epci_of_the_departement(diagnostic):
    census = _census()
    data = overview_data(diagnostic.departement_table("95"), diagnostic.outlines)
    communes = data["layers"]["commune"]
    assert {unit["code"] for unit in communes["units"]} == set(
        census.loc[census["CODGEO"].str.startswith("95"), "CODGEO"]
    )
    epci = data["layers"]["epci"]
    assert len(epci["features"]["features"]) == len(epci["units"]) == 3
    assert data["whole"]["values"]["part_0_2"][0] == pytest.approx(
        _share_0_2(census.loc[census["CODGEO"].str.startswith("95")])
    )


def test_ctg_report_overview_writes_the_page_and_lists_it_in_the_index(tmp_path):
    from click.testing import CliRunner

    from ctg_analysis.cli import main

    result = CliRunner().invoke(main, ["report", "--overview", "95", "--data", str(DEMO_DIR), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"Aperçu : {(tmp_path / 'apercu-95.html').resolve()}" in result.output
    assert 'href="apercu-95.html"' in (tmp_path / "index.html").read_text("utf-8")
    assert (tmp_path / library_name()).is_file()
    unknown = CliRunner().invoke(main, ["report", "--overview", "99", "--data", str(DEMO_DIR), "--out", str(tmp_path)])
    assert unknown.exit_code == 2 and "département '99' absent de la géographie des données" in unknown.output
    assert "Traceback" not in unknown.output


# -- in a real browser ---------------------------------------------------------------------------------------


def _chromium() -> str:
    found = os.environ.get("CTG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        said = "Chromium introuvable (paquet Debian chromium, ou CTG_CHROMIUM)"
        if os.environ.get("CI", "").lower() in {"true", "1", "yes"}:
            pytest.fail(f"{said} ; en CI il est requis (.ci/run l'installe)", pytrace=False)
        pytest.skip(said)
    return found


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=_chromium(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def offline(browser):
    """A page of an offline browser: every request but a file's refused and recorded, every error kept."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    fetched: list[str] = []
    errors: list[str] = []

    def refuse(route):
        if route.request.url.startswith("file:"):
            return route.continue_()
        fetched.append(route.request.url)
        return route.abort()

    context.route("**/*", refuse)
    tab = context.new_page()
    tab.on("console", lambda message: message.type in ("error", "warning") and errors.append(message.text))
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab, fetched, errors
    assert not fetched, f"la page a demandé le réseau : {fetched}"
    assert not errors, f"erreurs dans la console : {errors}"
    context.close()


def _values(tab, table: str, column: int) -> list[str]:
    return tab.locator(f"#{table} tbody tr").evaluate_all(f"rows => rows.map(row => row.cells[{column}].textContent)")


def test_the_page_switches_indicator_and_reference_offline_with_the_censuss_values(page, offline):
    tab, _, _ = offline
    census = _census().set_index("CODGEO")
    tab.goto(page.as_uri())
    tab.select_option("#indicator", "part_0_2")
    tab.wait_for_function("document.querySelectorAll('#map path.choroplethlocation').length >= 10")
    names = _values(tab, "units", 0)
    expected = {census.loc[code, "LIBGEO"]: format_value(_share_0_2(census.loc[[code]]), "%", 1) for code in ECOUEN}
    shown = dict(zip(names, _values(tab, "units", 2), strict=True))
    assert {name: text.rstrip("*") for name, text in shown.items()} == expected
    # The reference level switched: the figures' last column is the département's, its share the census's.
    tab.select_option("#reference", label="Département — Val-d'Oise")
    assert tab.locator("#figures thead th").last.text_content() == "Département — Val-d'Oise"
    row = tab.locator("#figures tbody tr", has_text="Part des enfants de 0 à 2 ans").first
    departement = _share_0_2(census.loc[census.index.str.startswith("95")])
    assert row.locator("td").last.text_content() == format_value(departement, "%", 1)
    # Sorted on the value by a click on its heading: the smallest share first.
    tab.locator("#units thead th button").nth(2).click()
    ordered = sorted(expected, key=lambda name: _share_0_2(census.loc[census["LIBGEO"] == name]))
    assert _values(tab, "units", 0) == ordered


def test_a_count_is_drawn_by_circles_and_a_click_shows_the_communes_figures(page, offline):
    tab, _, _ = offline
    tab.goto(page.as_uri())
    tab.select_option("#indicator", "population")
    tab.wait_for_function("document.querySelectorAll('#map path.point').length === 5")
    box = tab.locator("#map path.choroplethlocation").nth(1).bounding_box()
    tab.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tab.wait_for_selector("#map .hoverlayer .hovertext")
    hover = tab.locator("#map .hoverlayer").text_content()
    assert "Population : " in hover and "Source : Insee" in hover
    tab.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    heading = tab.locator("#unit h3").text_content()
    assert re.fullmatch(r".+ \(95\d{3}\)", heading)
    assert tab.locator("#unit tbody tr").count() == len(_embedded(page)["indicators"])
    # A fragile value is greyed and says why on hover, in French, as in the report's tables.
    cells = tab.locator("#figures tbody td:nth-child(4)").evaluate_all(
        "cells => cells.map(cell => [cell.textContent, cell.className, cell.title])"
    )
    starred = [cell for cell in cells if cell[0].endswith("*")]
    assert starred and all(css == "number fragile" and title for _, css, title in starred)
    assert all(css == "number" for text, css, _ in cells if not text.endswith("*"))


def test_the_overview_switches_to_the_epci_layer(diagnostic, tmp_path, offline):
    from ctg_analysis.reports.overview import write_overviews

    tab, _, _ = offline
    (path,) = write_overviews(["95"], data_dir=DEMO_DIR, reports_dir=tmp_path)
    tab.goto(path.as_uri())
    tab.select_option("#indicator", "part_0_2")
    tab.select_option("#layer", "epci")
    tab.wait_for_function("document.querySelectorAll('#map path.choroplethlocation').length === 6")
    assert tab.locator("#units thead th").first.text_content() == "EPCI"
    assert len(_values(tab, "units", 0)) == 3


def test_a_page_whose_library_is_missing_says_so_in_french(page, tmp_path, browser):
    alone = tmp_path / "seul" / PAGE
    alone.parent.mkdir()
    shutil.copy(page, alone)
    tab = browser.new_page()
    tab.goto(alone.as_uri())
    said = tab.locator("#no-library").text_content()
    assert said.startswith("Carte non affichée : la bibliothèque ../plotly-")
    assert tab.locator("#units tbody tr").count() == len(ECOUEN)  # the tables still work
    tab.close()


# -- the explore notebook's picker, at the kernel level ----------------------------------------------------


def test_the_explorers_widgets_redraw_with_the_right_data(diagnostic):
    from ctg_analysis.reports.explorer import Explorer

    census = _census().set_index("CODGEO")
    explorer = Explorer(diagnostic, TERRITORY)
    explorer.indicator.value = "part_0_2"
    drawn = dict(zip(explorer.map.data[1].locations, explorer.map.data[1].z, strict=True))
    assert drawn == pytest.approx({code: _share_0_2(census.loc[[code]]) for code in ECOUEN})
    assert "Part des enfants de 0 à 2 ans" in explorer.theme_table.value
    # Another territory: its communes on the map.
    explorer.territory.value = "ezanville"
    assert list(explorer.map.data[0].locations) == ["95229"]
    # The whole département by EPCI.
    explorer.scope.value = "epci"
    assert len(explorer.map.data[0].locations) == 3
    # A click on a commune (the handler plotly calls) shows its figures.
    explorer.scope.value = "territoire"
    explorer.show_unit("95229")
    assert "Ézanville (95229)" in explorer.unit.value
    assert format_value(_share_0_2(census.loc[["95229"]]), "%", 1) in explorer.unit.value
    # Territories side by side on the indicator's theme, each its own column.
    explorer.others.value = ("ctg-ecouen",)
    assert explorer.side.value.count("Part des enfants de 0 à 2 ans") == 1
    shares = [format_value(_share_0_2(census.loc[list(codes)]), "%", 1) for codes in (["95229"], ECOUEN)]
    row = explorer.side.value.split("Part des enfants de 0 à 2 ans")[1].split("</tr>")[0]
    assert re.findall(r"<td>([^<]+)</td>", row)[:2] == shares


# -- on the real files ---------------------------------------------------------------------------------------


@pytest.mark.real
def test_the_seed_territorys_page_on_the_real_files_shows_the_legal_populations(real, tmp_path, offline):
    """The done-when of issue 36 on real files: the seed territory's page, from INSEE's legal populations and
    IGN's outlines, opened offline, the indicator and the reference switched; values from the raw workbook."""
    from conftest import real_folder
    from ctg_analysis.indicators import compute_indicators, prepare
    from ctg_analysis.territories import load_territories

    folder = real_folder(
        tmp_path,
        real,
        [
            "populations-legales/ensemble_RP2019_en_vigueur_2022.xlsx",
            "populations-legales/ensemble_RP2022_en_vigueur_2025.xlsx",
            "cogiter-mvt-passage/mvtcommunes.csv",
            "geometries-admin-express-2018/communes-95-val-d-oise.geojson",
        ],
    )
    prepared = prepare(folder, indicators=["population_legale", "evol_population_legale"])
    territories_file = tmp_path / "territories.yaml"
    listed = ", ".join(f'"{code}"' for code in ECOUEN)
    territories_file.write_text(
        f"territories:\n  - id: seed\n    label: CTG Écouen\n    cog_year: 2021\n    communes: [{listed}]\n", "utf-8"
    )
    territories = load_territories(territories_file, prepared.reference, prepared.movements)
    table = compute_indicators(prepared, territories)
    outlines = Outlines(folder.outlines, prepared.reference, prepared.movements)
    path = write_documents(table, "seed", tmp_path / "reports" / "seed", ["html"], outlines=outlines)[0]
    people = legal_populations(real, "ensemble_RP2022_en_vigueur_2025.xlsx").set_index("code")["pmun"]
    tab, _, _ = offline
    tab.goto(path.as_uri())
    tab.select_option("#indicator", "population_legale")
    tab.wait_for_function("document.querySelectorAll('#map path.point').length === 5")
    shown = dict(zip(_values(tab, "units", 1), _values(tab, "units", 2), strict=True))
    assert shown == {code: format_value(people[code], "nombre", 0) for code in ECOUEN}
    tab.select_option("#reference", label="Département — Val-d'Oise")
    row = tab.locator("#figures tbody tr", has_text="Population municipale légale").first
    departement = people[people.index.str.startswith("95")].sum()
    assert row.locator("td").last.text_content() == format_value(departement, "nombre", 0) == "1\u202f270\u202f845"
    assert row.locator("td").nth(3).text_content() == format_value(people[list(ECOUEN)].sum(), "nombre", 0)


def test_the_explorer_names_an_unknown_territory_in_french(diagnostic):
    from ctg_analysis.errors import CtgError
    from ctg_analysis.reports.explorer import Explorer

    with pytest.raises(CtgError, match=r"territoire 'ezanvile' inconnu.*ezanville"):
        Explorer(diagnostic, "ezanvile")


def test_the_ranking_says_why_a_value_is_fragile_on_hover(diagnostic):
    # A département value summing part of its communes: starred in the bar, its coverage in words on hover.
    from ctg_analysis.reports.explorer import Explorer

    explorer = Explorer(diagnostic, TERRITORY)
    table = explorer.departement_table().copy()
    rows = (table["level"] == "territoire") & (table["indicator"] == "part_allocataires_rsa")
    mark_partial(table, rows, 35 / 184, 0.7612, 184)
    explorer._departements["95"] = table
    explorer.indicator.value = "part_allocataires_rsa"
    (bars,) = explorer.ranking.data
    said = dict(zip(bars.y, zip(bars.text, bars.customdata, strict=True), strict=True))
    text, why = said["Val-d'Oise"]
    assert text.endswith("*") and why == "<br>valeur partielle, sur 19\u202f% des communes, 76\u202f% de la population"
