"""Synthetic commune outlines of the demo (fictional shapes, deterministic), in the layout of the GeoJSON
files derived from IGN's Admin Express COG: a FeatureCollection in WGS84 whose features carry ``code`` and
``nom``.

Each demo département is a round-ish shape near its real place; its communes are the Voronoi cells of
seeded points, an EPCI's communes in one sector, so that a territory's communes touch. The outlines are in
the demo's COG (2021), before the fictional merge of 2022: a map dissolves the two merged communes.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import shapely

__all__ = ["outline_bytes"]

#: Where each demo département sits (longitude, latitude of its centre, radius in degrees of latitude).
_PLACES = {
    "95": (2.17, 49.08, 0.19),
    "78": (1.83, 48.80, 0.19),
    "91": (2.25, 48.50, 0.17),
    "60": (2.45, 49.42, 0.22),
    "01": (5.35, 46.10, 0.25),
    "2A": (8.95, 41.85, 0.22),
}


def outline_bytes(communes: pd.DataFrame, seed: int, places: dict | None = None) -> bytes:
    """The demo communes' outlines as GeoJSON bytes (the same seed gives the same bytes).

    Parameters
    ----------
    communes
        The demo's communes: ``code``, ``label``, ``departement``, ``epci``.
    seed
        Random seed.
    places
        Where each département is drawn: code → (longitude, latitude, radius in degrees); default: the demo's.

    Examples
    --------
    >>> frame = pd.DataFrame({"code": ["95001", "95002", "95003"], "label": ["A", "B", "C"],
    ...                       "departement": "95", "epci": ["1", "1", "2"]})
    >>> collection = json.loads(outline_bytes(frame, 1))
    >>> [f["properties"]["code"] for f in collection["features"]]
    ['95001', '95002', '95003']
    """
    rng = np.random.default_rng(seed)
    features = []
    for departement, group in communes.groupby("departement", sort=True):
        cells = _cells(group.sort_values(["epci", "code"]), *(places or _PLACES)[str(departement)], rng)
        features += [
            {
                "type": "Feature",
                "properties": {"code": code, "nom": label},
                "geometry": shapely.geometry.mapping(cell),
            }
            for (code, label), cell in cells
        ]
    features.sort(key=lambda f: f["properties"]["code"])
    collection = {"type": "FeatureCollection", "features": features}
    return (json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _cells(communes: pd.DataFrame, lon: float, lat: float, radius: float, rng: np.random.Generator) -> list:
    """One Voronoi cell per commune inside the département's shape, an EPCI's communes in one sector."""
    n = len(communes)
    # A wobbly disc, wider in longitude as a map at this latitude shows it round.
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    wobble = 1 + 0.12 * np.sin(3 * angles + rng.uniform(0, 6)) + 0.05 * rng.standard_normal(48)
    stretch = 1 / np.cos(np.radians(lat))
    shape = shapely.Polygon(
        np.column_stack([lon + radius * stretch * wobble * np.cos(angles), lat + radius * wobble * np.sin(angles)])
    ).buffer(0)
    # Points by sector (communes in EPCI order go round the centre), at random distances from it.
    sector = np.sort(rng.uniform(0, 2 * np.pi, n))
    distance = radius * 0.85 * np.sqrt(rng.uniform(0.02, 1, n))
    points = np.column_stack([lon + distance * stretch * np.cos(sector), lat + distance * np.sin(sector)])
    regions = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=shape.buffer(radius), ordered=True)
    cells = shapely.set_precision(shapely.intersection(np.asarray(regions.geoms), shape), 1e-5)
    return list(zip(zip(communes["code"].astype(str), communes["label"].astype(str), strict=True), cells, strict=True))
