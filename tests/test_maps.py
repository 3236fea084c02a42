"""Maps: outline files recognised and brought to the data's geography, and the maps drawn from them.

The real outlines (IGN Admin Express COG 2018 as GeoJSON) are checked against INSEE's own COG file and
against geometry computed here with GeoPandas directly; the maps' colours are read back from the figures.
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import geopandas  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402

from conftest import DEMO  # noqa: E402
from ctg_analysis.charts.maps import OUTLINES_HINT, commune_map, departement_map, locator_map  # noqa: E402
from ctg_analysis.diagnostic import Diagnostic  # noqa: E402
from ctg_analysis.errors import CtgError  # noqa: E402
from ctg_analysis.geography.outlines import Outlines  # noqa: E402
from ctg_analysis.sources.folder import scan_folder  # noqa: E402

OUTLINES = "geometries-admin-express-2018"
SEED = ("95205", "95395", "95509", "95094", "95492")


def _project(tmp_path, real, files, territories: str):
    """A data folder of the real legal populations (RP2019, RP2022) and some real outline files, with territories."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "ensemble.xlsx").symlink_to(real / "populations-legales" / "ensemble_RP2022_en_vigueur_2025.xlsx")
    # An earlier vintage, for an evolution to map by class (a count is mapped by circles).
    (data / "ensemble-2019.xlsx").symlink_to(real / "populations-legales" / "ensemble_RP2019_en_vigueur_2022.xlsx")
    for name in files:
        (data / name).symlink_to(real / OUTLINES / name)
    (tmp_path / "territories.yaml").write_text(territories, encoding="utf-8")
    return Diagnostic.open(data, tmp_path / "territories.yaml")


@pytest.fixture(scope="module")
def val_doise(real, tmp_path_factory):
    territories = (
        "territories:\n"
        f"  - id: seed\n    label: CTG Écouen\n    communes: {list(SEED)}\n"
        "  - id: vexin\n    label: Vexin\n    communes: ['95169', '95011', '95054', '95271', '95355']\n"
    )
    files = ["communes-95-val-d-oise.geojson", "departements-version-simplifiee.geojson"]
    diagnostic = _project(tmp_path_factory.mktemp("val-doise"), real, files, territories)
    return diagnostic, diagnostic.table()


def _fills(figure, count: int) -> np.ndarray:
    """The face colours of the figure's collection of ``count`` polygons (the map's classes)."""
    (collection,) = [
        c for c in figure.axes[0].collections if isinstance(c, PatchCollection) and len(c.get_paths()) == count
    ][:1]
    return collection.get_facecolors()


@pytest.mark.real
def test_every_val_doise_commune_of_the_2018_outlines_is_found(real, val_doise):
    diagnostic, _ = val_doise
    cog = pd.read_csv(real / "cog-2019" / "commune2019.csv", dtype=str)
    insee = set(cog.loc[cog["typecom"].eq("COM") & cog["dep"].eq("95"), "com"])
    [layer] = [o for o in diagnostic.folder.outlines if o.level == "commune"]
    outline = geopandas.read_file(layer.file)
    assert set(outline["code"]) == insee and len(insee) == 184
    # In the data's geography (COG 2025: Commeny and Gouzangrez merged in 2024), every commune is drawn.
    communes = diagnostic.outlines.communes(["95"])
    assert len(communes) == 183 and communes.geometry.notna().all() and communes.attrs["undrawn"] == {}
    # A code/nom GeoJSON does not say who published it: cited by its name and geography.
    assert communes.attrs["source"] == "fichier « communes-95-val-d-oise.geojson », COG 2018 à 2023"


@pytest.mark.real
def test_commeny_and_gouzangrez_are_dissolved_into_one_commune(real, val_doise):
    diagnostic, _ = val_doise
    original = geopandas.read_file(real / OUTLINES / "communes-95-val-d-oise.geojson").to_crs("EPSG:2154")
    parts = original.loc[original["code"].isin(["95169", "95282"])]
    communes = diagnostic.outlines.communes(["95"]).set_index("code")
    assert "95282" not in communes.index and communes.loc["95169", "label"] == "Commeny"
    merged = communes.loc["95169", "geometry"]
    assert merged.area == pytest.approx(parts.area.sum(), rel=1e-6)
    assert merged.symmetric_difference(shapely.union_all(parts.geometry)).area < 1.0  # square metres
    # Labels come from the COG, not from the outline file (« Mesnil-Aubry » there).
    assert communes.loc["95395", "label"] == "Le Mesnil-Aubry"


@pytest.mark.real
def test_seed_territory_locator_map(val_doise):
    diagnostic, table = val_doise
    figure = locator_map(diagnostic.outlines, table, "seed")
    figure.canvas.draw()
    shown = {t.get_text() for t in figure.yielding if t.get_visible()}
    # Every commune named (Bouqueval and Le Plessis-Gassot, small, were left unnamed: now written smaller or
    # a line above or below their point where their name covers another).
    assert shown == {"Écouen", "Le Mesnil-Aubry", "Puiseux-en-France", "Bouqueval", "Le Plessis-Gassot"}
    subtitle = figure.header[1].get_text().replace("\n", " ")
    assert "Val-d'Oise" in subtitle and "Roissy Pays de France" in subtitle
    # The five communes are drawn, in the data's coordinates, inside the view.
    ax = figure.axes[0]
    seed = diagnostic.outlines.communes(["95"]).set_index("code").loc[list(SEED)]
    x0, y0, x1, y1 = seed.total_bounds
    assert ax.get_xlim()[0] < x0 < x1 < ax.get_xlim()[1] and ax.get_ylim()[0] < y0 < y1 < ax.get_ylim()[1]
    assert any(isinstance(c, PatchCollection) and len(c.get_paths()) == 5 for c in ax.collections)


@pytest.mark.real
def test_choropleth_colours_follow_the_values_of_the_long_table(val_doise):
    diagnostic, table = val_doise
    figure = commune_map(diagnostic.outlines, table, "vexin", "evol_population_legale", context=False)
    rows = table.query("territory == 'vexin' and level == 'commune' and indicator == 'evol_population_legale'")
    latest = rows.loc[rows["year_end"] == rows["year_end"].max()]
    # The territory's communes, in the order the map draws them (the outlines' order, in the COG's geography).
    order = diagnostic.outlines.communes(["95"]).query("code in @latest.geo")["code"].tolist()
    values = latest.set_index("geo").loc[order, "value"].to_numpy(dtype=float)
    fills = _fills(figure, len(order))
    darkness = 1 - fills[:, :3].mean(axis=1)
    for i in range(len(values)):
        for j in range(len(values)):
            if values[i] < values[j]:
                assert darkness[i] <= darkness[j] + 1e-9, (order[i], order[j])
    assert darkness[values.argmax()] > darkness[values.argmin()]


@pytest.mark.real
def test_corsica_and_guadeloupe_keep_their_codes_and_their_own_coordinates(real, tmp_path):
    territories = (
        "territories:\n  - id: ajaccio\n    label: Pays ajaccien\n    communes: ['2A004', '2A006', '2A017']\n"
        "  - id: cap\n    label: Cap Excellence\n    communes: ['97101', '97120', '97132']\n"
    )
    files = ["communes-2A-corse-du-sud.geojson", "communes-971-guadeloupe.geojson"]
    diagnostic = _project(tmp_path, real, files, territories)
    corsica, guadeloupe = diagnostic.outlines.communes(["2A"]), diagnostic.outlines.communes(["971"])
    assert corsica.crs.to_epsg() == 2154 and guadeloupe.crs.to_epsg() == 5490
    assert {"2A004", "2A006"} <= set(corsica["code"]) and len(corsica) == 124 and len(guadeloupe) == 32
    assert corsica.set_index("code").loc["2A004", "label"] == "Ajaccio"
    table = diagnostic.table()
    for territory in ("ajaccio", "cap"):
        figure = locator_map(diagnostic.outlines, table, territory)
        figure.canvas.draw()
        assert any(t.get_visible() for t in figure.yielding)


def test_a_commune_split_since_the_outlines_is_said_not_guessed(tmp_path):
    """A commune re-established after the outlines' year: neither it nor the one it left is drawn."""
    features = [
        {"type": "Feature", "properties": {"code": code, "nom": name}, "geometry": shapely.geometry.mapping(shape)}
        for code, name, shape in (
            ("95001", "A", shapely.box(2.0, 49.0, 2.1, 49.1)),
            ("95003", "C", shapely.box(2.1, 49.0, 2.2, 49.1)),
        )
    ]
    (tmp_path / "communes.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    layers = scan_folder(tmp_path, cache_dir=False, progress=False).outlines
    reference = pd.DataFrame(
        {
            "type": ["COM"] * 3,
            "code": ["95001", "95002", "95003"],
            "label": ["Alpha", "Beta", "Gamma"],
            "parent": pd.NA,
            "departement": "95",
            "epci": "200000001",
            "epci_label": "CC",
        }
    ).astype({"parent": "string"})
    reference.attrs["cog_year"] = 2022
    row = {"mod": 21, "date_eff": pd.Timestamp(2021, 1, 1), "typecom_av": "COM", "com_av": "95001"}
    movements = pd.DataFrame(
        [
            {**row, "libelle_av": "A", "typecom_ap": "COM", "com_ap": "95001", "libelle_ap": "Alpha"},
            {**row, "libelle_av": "A", "typecom_ap": "COM", "com_ap": "95002", "libelle_ap": "Beta"},
        ]
    )
    communes = Outlines(layers, reference, movements).communes(["95"]).set_index("code")
    assert communes.loc["95003", "geometry"] is not None and communes.loc["95003", "label"] == "Gamma"
    assert communes.loc[["95001", "95002"], "geometry"].isna().all()
    assert "divisée après 2020" in communes.attrs["undrawn"]["95002"]
    assert communes.attrs["source"] == "fichier « communes.geojson », COG 2008 à 2020"


def test_admin_express_layers_are_recognised_by_content(tmp_path):
    """A GeoPackage in IGN's layout (Lambert-93): COMMUNE, DEPARTEMENT read, other layers left aside."""
    box = shapely.box(650000, 6860000, 655000, 6865000)
    path = tmp_path / "ADMIN-EXPRESS-COG_3-1__GPKG_LAMB93_FXX_2022-04-15.gpkg"
    communes = geopandas.GeoDataFrame(
        {"INSEE_COM": ["95205", "60001"], "NOM": ["Ecouen", "X"], "INSEE_DEP": ["95", "60"], "INSEE_REG": "11"},
        geometry=[box, shapely.box(650000, 6900000, 651000, 6901000)],
        crs="EPSG:2154",
    )
    communes.to_file(path, layer="COMMUNE")
    communes.dissolve("INSEE_DEP", as_index=False)[["INSEE_DEP", "geometry"]].to_file(path, layer="DEPARTEMENT")
    communes.rename(columns={"INSEE_COM": "INSEE_ARR"}).to_file(path, layer="ARRONDISSEMENT")
    (tmp_path / "COMMUNE.shp").parent.mkdir(exist_ok=True)
    communes.to_file(tmp_path / "COMMUNE.shp")
    folder = scan_folder(tmp_path, cache_dir=False, progress=False)
    assert folder.problems == []  # the Shapefile's .dbf, .shx, .prj and .cpg go with it
    found = {(o.path, o.layer, o.level, o.named_year, o.departement_column) for o in folder.outlines}
    assert found == {
        (path.name, "COMMUNE", "commune", 2022, "INSEE_DEP"),
        (path.name, "DEPARTEMENT", "departement", 2022, "INSEE_DEP"),
        ("COMMUNE.shp", "COMMUNE", "commune", None, "INSEE_DEP"),
    }
    from ctg_analysis.sources.outlines import read_outlines

    layer = next(o for o in folder.outlines if o.layer == "COMMUNE" and o.path == path.name)
    assert read_outlines(layer, ("95",))["code"].tolist() == ["95205"]  # only the département asked for


def test_a_geojson_is_read_for_the_departements_asked_for(tmp_path):
    """A GeoJSON is parsed whole once (GDAL parses it whole whatever the filter); each read keeps the
    communes of the départements asked for."""

    def square(x: float) -> dict:
        ring = [[x, 45.0], [x + 0.01, 45.0], [x + 0.01, 45.01], [x, 45.01], [x, 45.0]]
        return {"type": "Polygon", "coordinates": [ring]}

    codes = ["01001", "01002", "95205", "2A004", "97101"]
    features = [
        {"type": "Feature", "properties": {"code": code, "nom": f"Commune {n}"}, "geometry": square(n / 10)}
        for n, code in enumerate(codes)
    ]
    path = tmp_path / "communes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    folder = scan_folder(tmp_path, cache_dir=False, progress=False)
    from ctg_analysis.sources.outlines import read_outlines

    [layer] = folder.outlines
    assert sorted(read_outlines(layer, ("01", "2A"))["code"]) == ["01001", "01002", "2A004"]
    assert read_outlines(layer, ("971",))["code"].tolist() == ["97101"]
    assert read_outlines(layer, ("60",)).empty
    assert len(read_outlines(layer)) == 5


def test_demo_maps_and_a_folder_without_outlines(demo_folder):
    diagnostic = Diagnostic.open(DEMO)
    table = diagnostic.table(["ctg-ecouen"])
    # The demo's outlines are in its COG 2021: the fictional merge of 2022 is dissolved.
    communes = diagnostic.outlines.communes(["60"])
    assert "60912" not in set(communes["code"]) and communes.geometry.notna().all()
    figure = departement_map(diagnostic.outlines, diagnostic.departement_table("95"), "part_0_2", level="epci")
    assert figure.header[1].get_text() == "Val-d'Oise — EPCI, 2019"
    assert "Données fictives de démonstration" in figure.footnote.get_text()
    with pytest.raises(CtgError, match="Admin Express"):
        locator_map(Outlines.none(), table, "ctg-ecouen")
    assert "géoservices.ign.fr/adminexpress" in OUTLINES_HINT


@pytest.mark.reports
def test_ctg_export_writes_the_maps_at_slide_size(tmp_path):
    from click.testing import CliRunner
    from PIL import Image

    from ctg_analysis.cli import main

    out = tmp_path / "ecouen"
    result = CliRunner().invoke(
        main, ["export", "--data", str(DEMO), "--territory", "ctg-ecouen", "--formats", "png,svg", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    maps = out / "graphiques" / "cartes"
    names = sorted(p.name for p in maps.iterdir())
    assert "situation.png" in names and "situation.svg" in names and "carte-part_0_2.png" in names
    assert Image.open(maps / "situation.png").size == (2666, 1500)  # 13.333 × 7.5 in at 200 dpi
    assert "Situation du territoire" in (maps / "situation.svg").read_text(encoding="utf-8")


def test_a_backdrop_drawn_as_one_path_has_each_ring_of_its_communes_once():
    from matplotlib.figure import Figure

    from ctg_analysis.charts.maps import _fill_as_one

    communes = Diagnostic.open(DEMO).outlines.communes(["95"])
    ax = Figure().subplots()
    _fill_as_one(ax, communes, facecolor="#EEEEEE", edgecolor="white")
    ((path,),) = [c.get_paths() for c in ax.collections]
    drawn = path.to_polygons(closed_only=True)
    parts = [p for g in communes.geometry for p in getattr(g, "geoms", [g])]
    rings = [np.asarray(r.coords) for p in parts for r in (p.exterior, *p.interiors)]
    assert len(drawn) == len(rings) > len(communes) / 2
    assert all(np.allclose(a, b) for a, b in zip(drawn, rings, strict=True))
    _fill_as_one(ax, communes.iloc[0:0], facecolor="#D9D9D9")  # no neighbours, as for an overseas département
    assert len(ax.collections) == 1


def test_admin_express_4_layers_are_recognised_as_the_geoplateforme_serves_them(tmp_path):
    """Edition 4's lower-case fields (code_insee, code_insee_du_departement…): a GeoPackage's commune and
    departement layers, and a lone GeoJSON as IGN's WFS answers, told by its fields and the length of its codes;
    an arrondissement's GeoJSON (a département's code too, but 3-character codes) is not taken for communes."""
    box = shapely.box(2.0, 49.0, 2.1, 49.1)
    communes = geopandas.GeoDataFrame(
        {
            "code_insee": ["95205", "95395"],
            "nom_officiel": ["Écouen", "Le Mesnil-Aubry"],
            "code_insee_du_departement": "95",
            "code_insee_de_la_region": "11",
            "code_siren": ["219502051", "219503950"],
        },
        geometry=[box, shapely.box(2.1, 49.0, 2.2, 49.1)],
        crs="EPSG:4326",
    )
    gpkg = tmp_path / "gpkg" / "ADE-COG-CARTO_4-0_GPKG_WGS84G_FRA-ED2025-01-01.gpkg"
    gpkg.parent.mkdir()
    communes.to_file(gpkg, layer="commune")
    departement = geopandas.GeoDataFrame(
        {"code_insee": ["95"], "nom_officiel": ["Val-d'Oise"], "code_insee_de_la_region": ["11"]},
        geometry=[communes.union_all()],
        crs="EPSG:4326",
    )
    departement.to_file(gpkg, layer="departement")
    communes.assign(code_insee="951").to_file(gpkg, layer="arrondissement")
    wfs = tmp_path / "wfs"
    wfs.mkdir()
    communes.to_file(wfs / "commune-95.geojson")
    departement.to_file(wfs / "departement-95.geojson")
    communes.assign(code_insee="951").to_file(wfs / "arrondissement-95.geojson")
    found = {
        (o.path, o.layer, o.level, o.code_column, o.departement_column)
        for o in scan_folder(tmp_path, cache_dir=False, progress=False).outlines
    }
    assert found == {
        (f"gpkg/{gpkg.name}", "commune", "commune", "code_insee", "code_insee_du_departement"),
        (f"gpkg/{gpkg.name}", "departement", "departement", "code_insee", "code_insee"),
        ("wfs/commune-95.geojson", "commune-95", "commune", "code_insee", "code_insee_du_departement"),
        ("wfs/departement-95.geojson", "departement-95", "departement", "code_insee", "code_insee"),
    }
    from ctg_analysis.sources.outlines import read_outlines

    layer = next(o for o in scan_folder(wfs, cache_dir=False, progress=False).outlines if o.level == "commune")
    assert sorted(read_outlines(layer, ("95",))["code"]) == ["95205", "95395"]


def test_a_count_is_mapped_by_circles_proportional_to_it_not_by_class():
    # Issue 32: the childcare facilities on the map. A count coloured by class would say the larger communes have
    # « more »: each commune gets a circle whose area is proportional to its count, the legend two of them.
    from matplotlib.collections import PathCollection

    diagnostic = Diagnostic.open(DEMO)
    table = diagnostic.table(["ctg-ecouen"])
    figure = commune_map(diagnostic.outlines, table, "ctg-ecouen", "equipements_accueil_jeune_enfant")
    axis = figure.axes[0]
    (circles,) = [c for c in axis.collections if isinstance(c, PathCollection)]
    counts = table.loc[
        (table["indicator"] == "equipements_accueil_jeune_enfant") & (table["level"] == "commune"), "value"
    ].to_numpy()
    assert len(set(counts)) > 2 and counts.max() > 0  # communes with 0, 1, 5… facilities
    sizes = np.asarray(circles.get_sizes())
    assert sorted(sizes / sizes.max()) == pytest.approx(sorted(counts / counts.max()))
    labels = [text.get_text() for text in axis.get_legend().get_texts()]
    assert labels[:2] == [str(int(counts.max())), str(int(counts[counts > 0].min()))] and "0" in labels
    assert not any(label.startswith(("de ", "plus de ")) for label in labels)  # no class
