"""The baseline workbook and the deck: reopened with openpyxl and python-pptx."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pptx  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.textpath import TextPath  # noqa: E402

from conftest import DEMO, mark_partial  # noqa: E402
from ctg_analysis.charts import export_charts  # noqa: E402
from ctg_analysis.cli import main  # noqa: E402
from ctg_analysis.exports import write_deck, write_workbook  # noqa: E402
from ctg_analysis.formatting import format_number  # noqa: E402
from ctg_analysis.indicators import compute_indicators, prepare  # noqa: E402
from ctg_analysis.territories import load_territories  # noqa: E402
from ctg_analysis.themes import get_theme  # noqa: E402


@pytest.fixture(scope="module")
def table(demo_folder):
    prepared = prepare(demo_folder)
    territories = load_territories(DEMO / "territories.yaml", prepared.reference, prepared.movements)
    return compute_indicators(prepared, territories, territory_ids=["ctg-ecouen", "ezanville"])


@pytest.fixture(scope="module")
def charts(table, tmp_path_factory):
    return export_charts(table, "ezanville", tmp_path_factory.mktemp("graphiques"), formats=("png",))


def test_workbook_sheets_values_and_formats(table, tmp_path):
    path = write_workbook(table, "ctg-ecouen", tmp_path / "diagnostic.xlsx")
    book = openpyxl.load_workbook(path)
    themes = [
        "Démographie",
        "Petite enfance",
        "Enfance-jeunesse",
        "Parentalité-familles",
        "Accès aux droits",
        "Logement",
        "Handicap",
    ]
    assert book.sheetnames == [
        *themes,
        *(f"{theme} (données)" for theme in themes),
        "Détail communal",
        "Sources et méthodes",
    ]
    sheet = book["Parentalité-familles (données)"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:7] == ["Indicateur", "Identifiant", "Période", "Niveau", "Code", "Libellé", "Valeur"]
    row = next(
        r
        for r in sheet.iter_rows(min_row=2)
        if r[1].value == "part_familles_monoparentales" and r[3].value == "Territoire" and r[2].value == 2019
    )
    expected = table.query(
        "territory == 'ctg-ecouen' and level == 'territoire' and indicator == 'part_familles_monoparentales' "
        "and period == '2019'"
    )["value"].iloc[0]
    # A share is an Excel percentage (a fraction with a percentage format); a single year is a number.
    assert isinstance(row[6].value, float) and row[6].value == pytest.approx(expected / 100)
    assert row[6].number_format == "0.0%"
    comparison = book["Parentalité-familles"]
    assert [c.value for c in comparison[1]][:3] == ["Indicateur", "Période", f"Territoire — {row[5].value}"]
    line = next(r for r in comparison.iter_rows(min_row=2) if r[0].value == "Part des familles monoparentales")
    assert (line[1].value, line[2].value, line[2].number_format) == (2019, pytest.approx(expected / 100), "0.0%")
    counts = next(
        r
        for r in book["Démographie (données)"].iter_rows(min_row=2)
        if r[1].value == "population" and r[3].value == "Département"
    )
    assert counts[6].number_format == "#,##0"
    # Fragile values are highlighted; the commune detail holds the communes.
    detail = book["Détail communal"]
    small = next(r for r in detail.iter_rows(min_row=2) if r[4].value == "95492" and r[1].value == "naissances")
    assert small[6].fill.fgColor.rgb.endswith("FCE4D6")
    assert {r[4].value for r in detail.iter_rows(min_row=2)} == {"95205", "95395", "95509", "95094", "95492"}
    methods = [c.value for c in book["Sources et méthodes"]["B"]]
    assert any("Données fictives de démonstration" in str(v) for v in methods)


def _body(slide):
    """A slide's first text box under its title (the house band and the logo apart)."""
    return next(
        shape
        for shape in slide.shapes
        if shape.has_text_frame and shape != slide.shapes.title and shape.name not in ("Bandeau", "Logo")
    )


def _slide_geometry_problems(deck):
    """Shapes outside the slide, titles wider than their box at their font size (measured with matplotlib's
    DejaVu Sans outlines, wider than PowerPoint's Calibri)."""
    problems = []
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            if (
                shape.left < 0
                or shape.top < 0
                or shape.left + shape.width > deck.slide_width
                or (shape.top + shape.height > deck.slide_height)
            ):
                problems.append(f"diapositive {number} : {shape.name} hors de la diapositive")
        title = slide.shapes.title
        if title is not None and title.text_frame.paragraphs[0].runs[0].font.size is not None:  # ours, sized
            size = title.text_frame.paragraphs[0].runs[0].font.size.pt
            width = TextPath((0, 0), title.text, size=size, prop=FontProperties(family="DejaVu Sans")).get_extents()
            if "\n" in title.text or width.width > title.width / 12_700 - 14.4:
                problems.append(f"diapositive {number} : titre « {title.text} » plus large que sa boîte")
    return problems


def test_deck_slides(table, charts, tmp_path):
    path = write_deck(table, "ezanville", charts, tmp_path / "diagnostic.pptx")
    deck = pptx.Presentation(str(path))
    assert (deck.slide_width, deck.slide_height) == (12_192_000, 6_858_000)  # 16:9
    assert _slide_geometry_problems(deck) == []
    slides = list(deck.slides)
    titles = [slide.shapes.title.text if slide.shapes.title is not None else "" for slide in slides]
    assert titles[0] == "Diagnostic partagé" and "Ézanville" in slides[0].placeholders[1].text
    assert "Données fictives de démonstration" in slides[0].placeholders[1].text
    assert titles[1].startswith("Chiffres clés") and titles[-1] == "Sources et méthodes"
    # Key figures: at most 8 rows a slide, header apart; then a section slide before each theme's charts.
    tables = [shape.table for slide in slides for shape in slide.shapes if shape.has_table]
    assert all(len(t.rows) <= 9 for t in tables) and tables[0].cell(0, 0).text == "Indicateur"
    sections = [get_theme(theme).title for theme in dict.fromkeys(c.spec.theme for c in charts if c.spec.theme)]
    expected = [c.spec.title for c in charts if c.spec.theme is None]
    for theme in dict.fromkeys(c.spec.theme for c in charts if c.spec.theme):
        expected += [get_theme(theme).title, *(c.spec.title for c in charts if c.spec.theme == theme)]
    # A theme without a chart (the AAH and AEEH, published by département only) still has its slide of sentences.
    expected += ["Handicap", "Handicap : ce que disent les données"]
    # The synthesis « Enjeux et points d'appui » after the key figures (issue 33), the theme's title in bold.
    synthesis = [n for n, title in enumerate(titles) if title.startswith("Enjeux et points d'appui")]
    assert synthesis and synthesis[0] == 1 + len(tables) and synthesis == list(range(synthesis[0], synthesis[-1] + 1))
    said = "\n".join(_body(slides[n]).text_frame.text for n in synthesis)
    assert "Enjeu : Évolution des enfants de 0 à 2 ans : +25,7\u00a0% contre +6,0\u00a0% dans le département" in said
    heading = _body(slides[synthesis[0]]).text_frame.paragraphs[0]
    assert heading.text == "Contexte démographique" and heading.runs[0].font.bold
    shown = titles[synthesis[-1] + 1 : -1]
    assert shown == expected and len(sections) == 6
    said = _body(slides[titles.index("Handicap : ce que disent les données")]).text_frame.text
    raw = pd.read_csv(DEMO / "caf" / "s_ben_dep.csv", sep=";", dtype=str, encoding="utf-8-sig")
    aah = raw.loc[(raw["numdep"] == "95") & (raw["dtreffre"] == "2021-12"), "indfoy_aah"].astype(float).item()
    assert f"au niveau départemental seulement ; elle est de {format_number(aah)} dans le département" in said
    pictures = [(slide, shape) for slide in slides for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) == len(charts)
    # The chart's own title is cropped off: the slide's says it; the commentary goes to the notes.
    assert all(0.05 < picture.crop_top < 0.15 for _, picture in pictures)
    notes = {slide.shapes.title.text: slide.notes_slide.notes_text_frame.text for slide, _ in pictures}
    assert notes["Part des enfants de 0 à 2 ans"].startswith("La part des enfants de 0 à 2 ans dans la population")
    assert "naissances domiciliées" in notes["Naissances domiciliées par an"]
    assert "partial" not in _body(slides[-1]).text_frame.text  # flags in words, not codes
    # Issue 33, point 12: the chart's key sentence on its slide, under the chart, not only in the notes.
    share = next(slide for slide, _ in pictures if slide.shapes.title.text == "Part des enfants de 0 à 2 ans")
    [band] = [s for s in share.shapes if s.has_text_frame and s.text_frame.text.startswith("La part des enfants")]
    picture = next(s for s in share.shapes if s.shape_type == 13)
    assert picture.top + picture.height <= band.top, "the sentence under the chart, not over it"
    # Its text in its box: lines measured with DejaVu Sans (wider than Calibri) at its size.
    size = band.text_frame.paragraphs[0].runs[0].font.size.pt
    width = TextPath((0, 0), band.text_frame.text, size=size, prop=FontProperties(family="DejaVu Sans")).get_extents()
    lines = -(-width.width // (band.width / 12_700 - 14.4))
    assert lines * size * 1.2 <= band.height / 12_700, (lines, band.height / 12_700)
    # Numbers right-aligned in the key figures (their units and decimals under each other), words left.
    from pptx.enum.text import PP_ALIGN

    figures = tables[0]
    assert figures.cell(1, 2).text_frame.paragraphs[0].alignment == PP_ALIGN.RIGHT
    assert figures.cell(1, 0).text_frame.paragraphs[0].alignment != PP_ALIGN.RIGHT
    assert figures.cell(1, 1).text_frame.paragraphs[0].alignment != PP_ALIGN.RIGHT  # the period


def test_a_long_territory_label_fits_the_title_slide(table, charts, tmp_path):
    label = "Communauté d'agglomération de la Plaine et des Coteaux de la Vallée de l'Oise et du Pays de France " * 2
    renamed = table.assign(geo_label=table["geo_label"].astype(str).where(table["level"] != "territoire", label))
    deck = pptx.Presentation(str(write_deck(renamed, "ezanville", charts[:1], tmp_path / "d.pptx")))
    assert _slide_geometry_problems(deck) == []
    subtitle = deck.slides[0].placeholders[1].text_frame
    assert label.strip() in subtitle.text and "…" not in subtitle.text  # wrapped in its box, not cut
    assert subtitle.word_wrap and subtitle.paragraphs[0].runs[0].font.size.pt <= 24


def test_deck_on_the_users_template(table, charts, tmp_path):
    template = pptx.Presentation()  # 4:3, with one slide of its own
    template.slides.add_slide(template.slide_layouts[0]).shapes.title.text = "Page de garde de la CAF"
    template.save(str(tmp_path / "modele.pptx"))
    deck = pptx.Presentation(
        str(write_deck(table, "ezanville", charts[:2], tmp_path / "d.pptx", template=tmp_path / "modele.pptx"))
    )
    assert deck.slides[0].shapes.title.text == "Page de garde de la CAF"
    assert deck.slide_width == template.slide_width
    assert len(deck.slides) > 1 + 3 and _slide_geometry_problems(deck) == []


def test_cli_export(tmp_path):
    out = tmp_path / "sortie"
    args = [
        "export",
        "--data",
        str(DEMO),
        "--territories",
        str(DEMO / "territories.yaml"),
        "--territory",
        "ezanville",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(main, [*args, "--formats", "xlsx,pptx"])
    assert result.exit_code == 0, result.output
    assert (out / "diagnostic.xlsx").is_file() and (out / "diagnostic.pptx").is_file()
    assert (out / "graphiques" / "petite-enfance" / "evol_0_2.png").is_file()  # the deck's pictures
    bad = CliRunner().invoke(main, [*args, "--formats", "gif"])
    assert bad.exit_code == 2 and "format inconnu : 'gif'" in bad.output and "Traceback" not in bad.output
    missing = CliRunner().invoke(main, [*args[:-4], "--territory", "nulle-part", "--out", str(out)])
    assert missing.exit_code == 2 and "inconnu" in missing.output


def test_a_label_a_spreadsheet_would_evaluate_stays_text_in_every_workbook_and_csv(table, tmp_path):
    from ctg_analysis.exports import write_table
    from ctg_analysis.exports.tables import save_workbook

    hostile = '=HYPERLINK("http://exemple.invalid","cliquez")'
    renamed = table.assign(geo_label=table["geo_label"].astype(str).where(table["level"] != "territoire", hostile))
    book = openpyxl.load_workbook(write_workbook(renamed, "ezanville", tmp_path / "diagnostic.xlsx"))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value == hostile]
    assert cells and all(c.data_type == "s" for c in cells)  # stored as text, not as a formula
    assert not [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    # The long table as CSV and XLSX: OWASP's apostrophe before « = », « + », « - », « @ ».
    rows = renamed.loc[renamed["territory"] == "ezanville"]
    labels = pd.read_csv(write_table(rows, tmp_path / "t.csv"), encoding="utf-8-sig", dtype=str)["geo_label"]
    assert "'" + hostile in set(labels) and not labels.str.startswith("=").any()
    sheet = openpyxl.load_workbook(write_table(rows, tmp_path / "t.xlsx")).active
    labels = {c.value for c in next(sheet.iter_cols(min_col=4, max_col=4))}
    assert "'" + hostile in labels and not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    # Any workbook the toolkit saves (fiches, follow-up) keeps such a text as text.
    other = openpyxl.Workbook()
    other.active.append(["=cmd|' /C calc'!A0", "@SUM(1)", 3])
    cell = openpyxl.load_workbook(save_workbook(other, tmp_path / "f.xlsx")).active["A1"]
    assert (cell.value, cell.data_type) == ("=cmd|' /C calc'!A0", "s")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_character_that_starts_a_formula_is_neutralised(start):
    # OWASP's list: a spreadsheet evaluates a text starting with any of these (« -2+3 » gives 1).
    from ctg_analysis.exports.tables import neutralised

    frame = pd.DataFrame({"libellé": [f"{start}2+3", "Saint-Denis", "Écouen"], "valeur": [-1.0, 2.0, 3.0]})
    out = neutralised(frame)
    assert out["libellé"].tolist() == [f"'{start}2+3", "Saint-Denis", "Écouen"]
    assert out["valeur"].tolist() == [-1.0, 2.0, 3.0]  # numbers are numbers, negative ones included


def test_each_table_format_reads_back_as_written(tmp_path):
    """What each format promises (issue 35's mutations of ``write_table``): CSV in UTF-8 with the byte-order
    mark Excel needs for accents, no index column in any format, a missing label left missing, the workbook's
    sheet named and its header row frozen, parquet kept as data (a label starting with « = » unchanged), an
    unknown suffix named with the formats expected."""
    from ctg_analysis.errors import CtgError
    from ctg_analysis.exports.tables import write_table

    frame = pd.DataFrame(
        {"libellé": ["=1+1", "Écouen", None], "valeur": [-1.5, 2.0, 3.25]}, index=pd.Index([7, 8, 9], name="n")
    )
    csv = write_table(frame, tmp_path / "t.csv").read_bytes()
    assert csv.startswith("\ufeff".encode()) and csv.decode("utf-8-sig").splitlines() == [
        "libellé,valeur",
        "'=1+1,-1.5",
        "Écouen,2.0",
        ",3.25",
    ]
    book = openpyxl.load_workbook(write_table(frame, tmp_path / "t.xlsx"))
    sheet = book["indicateurs"]
    assert sheet.freeze_panes == "A2"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["libellé", "valeur"],
        ["'=1+1", -1.5],
        ["Écouen", 2],
        [None, 3.25],
    ]
    assert openpyxl.load_workbook(write_table(frame, tmp_path / "u.xlsx", sheet_name="ma feuille")).sheetnames == [
        "ma feuille"
    ]
    back = pd.read_parquet(write_table(frame, tmp_path / "t.parquet"))
    assert back.columns.tolist() == ["libellé", "valeur"] and back["libellé"].tolist()[:2] == ["=1+1", "Écouen"]
    assert back.index.tolist() == [0, 1, 2] and pd.isna(back["libellé"].iloc[2])
    with pytest.raises(CtgError, match=r"t\.ods : format de sortie inconnu \(attendu \.csv, \.xlsx, \.parquet\)"):
        write_table(frame, tmp_path / "t.ods")


def test_every_sheet_prints_on_a4_landscape_one_page_wide_with_its_header_and_one_period_alignment(table, tmp_path):
    book = openpyxl.load_workbook(write_workbook(table, "ctg-ecouen", tmp_path / "diagnostic.xlsx"))
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, int(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert book["Petite enfance"].print_title_rows == "$1:$1"
    # Years (numbers) and spans (« 2013-2019 ») in one column, all aligned left as the header reads them.
    periods = [row[1] for row in book["Petite enfance"].iter_rows(min_row=2)]
    assert {type(c.value) for c in periods} == {int, str} and {c.alignment.horizontal for c in periods} == {"left"}


def test_the_workbook_says_the_coverage_of_a_partial_value(table, tmp_path):
    """Issue 33, point 1: a coverage column in the long sheets, and under a theme's table the coverage of its
    starred partial values, in words."""
    table = table.copy()
    rsa = (table["indicator"] == "part_allocataires_rsa") & (table["level"] == "departement")
    latest = table.loc[rsa, "year_end"].max()
    rsa &= table["year_end"] == latest
    mark_partial(table, rsa, 35 / 183, 0.76, 183)
    book = openpyxl.load_workbook(write_workbook(table, "ctg-ecouen", tmp_path / "diagnostic.xlsx"))
    sheet = book[get_theme("accès aux droits-précarité").sheet]
    texts = [str(row[0]) for row in sheet.iter_rows(values_only=True) if row and row[0]]
    said = "sur 19\u202f% des communes, 76\u202f% de la population"
    assert any(t.startswith("Valeurs partielles : ") and said in t for t in texts)
    long_sheet = book[get_theme("accès aux droits-précarité").data_sheet]
    header = [cell.value for cell in long_sheet[1]]
    assert header[-1] == "Couverture"
    rows = [
        r
        for r in long_sheet.iter_rows(min_row=2, values_only=True)
        if r[1] == "part_allocataires_rsa" and r[3] == "Département"
    ]
    assert {r[-1] for r in rows if str(r[2]) == str(latest)} == {said}
    assert {r[-1] for r in rows if str(r[2]) != str(latest)} <= {None}
