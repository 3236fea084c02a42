"""Outline files of communes, EPCI, départements and régions, recognised by their content.

Two official layouts are read as published:

- IGN's *Admin Express*, *Admin Express COG* and *COG-CARTO* (GeoPackage or Shapefile, Lambert-93): the
  layers ``COMMUNE`` (``INSEE_COM``), ``EPCI`` (``CODE_SIREN``), ``DEPARTEMENT`` (``INSEE_DEP``) and
  ``REGION`` (``INSEE_REG``) of edition 3; the same layers of edition 4, as the Géoplateforme serves them
  (``commune`` with ``code_insee`` and ``code_insee_du_departement``, ``departement`` with ``code_insee``
  and ``code_insee_de_la_region``…), also as the GeoJSON of its WFS (one layer, named after the file: told
  by its fields and the length of its codes); the other layers (cantons, arrondissements…) are not used;
- GeoJSON files with ``code`` and ``nom`` properties in WGS84 (the *france-geojson* files derived from
  Admin Express COG), whose level is told by the codes: 5 characters a commune, 9 digits an EPCI, and a
  département or a région by its names.

Recognising a file reads its header only (:func:`recognise_outlines`); its shapes are read when a map
needs them, only for the départements drawn (:func:`read_outlines`): a GeoPackage or a Shapefile through
a filter, a GeoJSON (which GDAL parses whole whatever the filter) once per process. Names are never taken from the
outline files (they drop articles: « Mesnil-Aubry »): labels come from the COG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ctg_analysis.codes import departement_of
from ctg_analysis.errors import UnreadableFileError, UnrecognisedFileError, first_line

if TYPE_CHECKING:  # imported where read: the folder scan recognises outlines without loading GeoPandas
    import geopandas

__all__ = [
    "OUTLINE_LEVELS",
    "OUTLINE_SIDECARS",
    "OUTLINE_SUFFIXES",
    "OutlineLayer",
    "read_outlines",
    "recognise_outlines",
]

#: The suffixes of outline files.
OUTLINE_SUFFIXES = {".geojson", ".gpkg", ".shp"}
#: The files that sit beside a Shapefile (read with it, never on their own).
OUTLINE_SIDECARS = {".dbf", ".shx", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd"}
#: Levels an outline layer can describe, with IGN's layer name and its code column in Admin Express's
#: edition 3, then 4 (a commune's and a département's layers of edition 4 also carry a ``code_siren``: their
#: own, never an EPCI's).
OUTLINE_LEVELS = {
    "commune": ("COMMUNE", ("INSEE_COM", "CODE_INSEE")),
    "epci": ("EPCI", ("CODE_SIREN",)),
    "departement": ("DEPARTEMENT", ("INSEE_DEP", "CODE_INSEE")),
    "region": ("REGION", ("INSEE_REG", "CODE_INSEE")),
}
#: The column of a commune's département, in editions 3 and 4.
_DEPARTEMENT_COLUMNS = ("INSEE_DEP", "CODE_INSEE_DU_DEPARTEMENT")
# A year in the file or folder name (Admin Express COG « 2018 », ADMIN-EXPRESS-COG_3-1__SHP__FRA_2022-04-15).
_YEAR = re.compile(r"(?<!\d)(20[0-4]\d)(?!\d)")


@dataclass(frozen=True)
class OutlineLayer:
    """One layer of outlines found in the data folder.

    Attributes
    ----------
    path
        The file, relative to the scanned folder.
    file
        Its absolute path.
    layer
        The layer read (a GeoPackage holds several).
    level
        ``commune``, ``epci``, ``departement`` or ``region``.
    code_column
        The column of the INSEE (or SIREN) code.
    features
        How many outlines it holds.
    named_year
        The year its file or folder name gives, if any (its geography is checked against the codes).
    departement_column
        The column of the département (IGN's layers have one): a map reads only the départements it draws.
    """

    path: str
    file: Path
    layer: str
    level: str
    code_column: str
    features: int
    named_year: int | None = None
    departement_column: str | None = None
    sha256: str = ""


def recognise_outlines(
    file: Path, relative: str, departement_names: set[str], region_names: set[str], sha256: str = ""
) -> list[OutlineLayer]:
    """The outline layers of a file, recognised from its header (fields, layers and a few codes).

    Parameters
    ----------
    file, relative
        The file, and its path relative to the data folder.
    departement_names, region_names
        French names of the départements and régions (a GeoJSON file of 2-character codes is one or the
        other by its names).

    Raises
    ------
    UnreadableFileError
        The file cannot be opened as geographic data.
    UnrecognisedFileError
        No layer of a known layout.

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> path = DEMO_DIR / "contours" / "communes-demo.geojson"
    >>> [layer] = recognise_outlines(path, "communes-demo.geojson", set(), set())
    >>> layer.level, layer.code_column, layer.features
    ('commune', 'code', 90)
    """
    import pyogrio

    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(file)]
    except Exception as exc:  # GDAL's errors are of many kinds; each means the same here
        raise UnreadableFileError(relative, f"fichier de contours illisible ({first_line(exc)})") from exc
    years = [int(y) for y in _YEAR.findall(relative)]
    named_year = years[-1] if years else None
    found = []
    for layer in layers:
        info = pyogrio.read_info(file, layer=layer)
        fields = [str(f) for f in info["fields"]]
        upper = {f.upper(): f for f in fields}
        level = _level_of_layer(layer, upper) or (_edition_4_level(file, layer, upper) if len(layers) == 1 else None)
        if level is not None:
            code_column = next(upper[c] for c in OUTLINE_LEVELS[level][1] if c in upper)
            departement = (
                next((upper[c] for c in _DEPARTEMENT_COLUMNS if c in upper), None)
                if level == "commune"
                else code_column
                if level == "departement"
                else None
            )
        elif "code" in fields and "nom" in fields:
            code_column, departement = "code", None
            level = _level_of_codes(file, layer, departement_names, region_names)
        else:
            continue
        if level is None:
            continue
        found.append(
            OutlineLayer(
                relative, file, layer, level, code_column, int(info["features"]), named_year, departement, sha256
            )
        )
    if not found:
        raise UnrecognisedFileError(
            relative,
            "contours d'une mise en page inconnue : attendu les couches COMMUNE, EPCI, DEPARTEMENT ou REGION "
            "d'Admin Express (IGN, éditions 3 et 4), ou un GeoJSON aux propriétés « code » et « nom »",
        )
    return found


def _level_of_layer(layer: str, columns: dict[str, str]) -> str | None:
    """The level of an IGN layer by its name and its code column (a GeoPackage's or a Shapefile's).

    Examples
    --------
    >>> _level_of_layer("COMMUNE", {"INSEE_COM": "INSEE_COM"}), _level_of_layer("commune", {"CODE_INSEE": "code_insee"})
    ('commune', 'commune')
    >>> _level_of_layer("ARRONDISSEMENT", {"INSEE_ARR": "INSEE_ARR", "INSEE_DEP": "INSEE_DEP"}) is None
    True
    """
    return next(
        (
            level
            for level, (name, codes) in OUTLINE_LEVELS.items()
            if layer.upper() == name and any(c in columns for c in codes)
        ),
        None,
    )


def _edition_4_level(file: Path, layer: str, columns: dict[str, str]) -> str | None:
    """The level of a lone layer of Admin Express 4 whatever its name (a GeoJSON of the Géoplateforme's WFS):
    a commune's has ``code_insee`` of 5 characters and its département's code; a département's, ``code_insee``
    of 2 or 3 and its région's code but no département's. An arrondissement's or a canton's (a département's
    code, shorter codes) is neither."""
    if "CODE_INSEE" not in columns:
        return None
    if "CODE_INSEE_DU_DEPARTEMENT" in columns:
        wanted, level = r"[0-9][0-9AB][0-9]{3}", "commune"
    elif "CODE_INSEE_DE_LA_REGION" in columns:
        wanted, level = r"[0-9][0-9AB][0-9]?", "departement"
    else:
        return None
    import pyogrio

    codes = pyogrio.read_dataframe(
        file, layer=layer, columns=[columns["CODE_INSEE"]], read_geometry=False, max_features=50
    ).iloc[:, 0]
    return level if len(codes) and codes.astype("string").str.fullmatch(wanted).all() else None


def _level_of_codes(file: Path, layer: str, departement_names: set[str], region_names: set[str]) -> str | None:
    """The level of a ``code``/``nom`` layer: by the length of its codes, then by its names."""
    import pyogrio

    frame = pyogrio.read_dataframe(file, layer=layer, columns=["code", "nom"], read_geometry=False)
    codes = frame["code"].astype("string").str.strip()
    if codes.empty:
        return None
    if codes.str.fullmatch(r"[0-9][0-9AB][0-9]{3}").all():
        return "commune"
    if codes.str.fullmatch(r"\d{9}").all():
        return "epci"
    if codes.str.fullmatch(r"[0-9][0-9AB][0-9]?").all():
        names = set(frame["nom"].astype(str))
        return "region" if len(names & region_names) > len(names & departement_names) else "departement"
    return None


def read_outlines(layer: OutlineLayer, departements: tuple[str, ...] | None = None) -> geopandas.GeoDataFrame:
    """The outlines of a layer (``code``, ``geometry``), in its own coordinates, for some départements.

    Parameters
    ----------
    layer
        A layer found by :func:`recognise_outlines`.
    departements
        Read only these départements' communes (or départements); ``None``: the whole layer.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code`` (string) and ``geometry``, one row per code (parts of a code are one multipolygon).

    Raises
    ------
    UnreadableFileError
        The shapes cannot be read, or a code is missing.
    """
    if departements is not None and layer.file.suffix.lower() == ".geojson":
        # GDAL parses a GeoJSON file whole, whatever the filter: parse it once and keep what is asked for.
        frame = _read(layer, None)
        if layer.level == "commune":
            frame = frame.loc[departement_of(frame["code"]).isin(departements)]
        elif layer.level == "departement":
            frame = frame.loc[frame["code"].isin(departements)]
    else:
        frame = _read(layer, departements)
    return frame.copy()


@lru_cache(maxsize=32)
def _read(layer: OutlineLayer, departements: tuple[str, ...] | None) -> geopandas.GeoDataFrame:
    import geopandas

    where = None
    if departements is not None and layer.level in ("commune", "departement"):
        quoted = ", ".join(f"'{d}'" for d in departements if re.fullmatch(r"[0-9AB]{2,3}", d))
        if layer.departement_column:
            where = f"{layer.departement_column} IN ({quoted})"
        elif layer.level == "commune":
            where = " OR ".join(f"{layer.code_column} LIKE '{d}%'" for d in departements) or None
        else:
            where = f"{layer.code_column} IN ({quoted})"
    try:
        frame = geopandas.read_file(layer.file, layer=layer.layer, columns=[layer.code_column], where=where)
    except Exception as exc:
        raise UnreadableFileError(layer.path, f"contours illisibles ({first_line(exc)})") from exc
    frame = frame.rename(columns={layer.code_column: "code"})
    codes = frame["code"].astype("string").str.strip()
    if codes.isna().any():
        row = int(codes.isna().to_numpy().argmax()) + 1
        raise UnreadableFileError(
            layer.path, f"couche {layer.layer} : contour n° {row} sans code ({layer.code_column})"
        )
    if layer.level == "commune":
        # Some files keep the département's leading zero out (1001 for 01001).
        codes = codes.where(codes.str.len() != 4, codes.str.zfill(5))
    frame["code"] = codes
    frame = frame.loc[~frame.geometry.is_empty & ~frame.geometry.isna()]  # notna() warns on empty shapes
    return frame.dissolve("code", as_index=False)[["code", "geometry"]] if codes.duplicated().any() else frame
