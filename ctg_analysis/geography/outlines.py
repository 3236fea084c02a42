"""The outlines of the communes in the data's geography, for maps.

Outline files are published for one geography (IGN's Admin Express COG of a year); the data are brought to
another (the common COG year). :class:`Outlines` finds the geography of a commune layer from its codes
(the year whose commune list it matches, its name's year first), then follows INSEE's movements: merged
communes are dissolved into one outline (Commeny and Gouzangrez, one commune since 2024); a commune split
since cannot be drawn from older outlines, and is said rather than guessed. Names and memberships come from
the commune reference (the COG), never from the outline file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ctg_analysis.codes import departement_of
from ctg_analysis.formatting import counted
from ctg_analysis.geography.conversion import commune_passage
from ctg_analysis.geography.embedded import communes_at
from ctg_analysis.sources.outlines import OutlineLayer, read_outlines

if TYPE_CHECKING:  # imported where drawn: a report worker that draws no map never loads GeoPandas
    import geopandas

log = logging.getLogger(__name__)

__all__ = ["LOCAL_CRS", "Outlines", "projection"]

#: The official projected coordinates of each part of France (IGN): Lambert-93 for metropolitan France and
#: Corsica, the local UTM zones overseas.
LOCAL_CRS = {"971": "EPSG:5490", "972": "EPSG:5490", "973": "EPSG:2972", "974": "EPSG:2975", "976": "EPSG:4471"}
METROPOLITAN_CRS = "EPSG:2154"
#: The years a commune layer's geography is looked for in.
_FIRST_YEAR = 2008


def projection(departements: Iterable[str]) -> str:
    """The projected coordinates a map of these départements is drawn in.

    Examples
    --------
    >>> projection(["95", "78"]), projection(["971"])
    ('EPSG:2154', 'EPSG:5490')
    """
    local = {LOCAL_CRS.get(str(d), METROPOLITAN_CRS) for d in departements}
    return local.pop() if len(local) == 1 else METROPOLITAN_CRS


class Outlines:
    """The outline layers of a data folder, brought to the data's geography.

    Parameters
    ----------
    layers
        The layers the folder scan recognised (:attr:`~ctg_analysis.sources.folder.DataFolder.outlines`).
    reference
        The commune reference of the common COG year (codes, names, départements, EPCI).
    movements
        INSEE's commune movements.

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> from ctg_analysis.diagnostic import Diagnostic
    >>> outlines = Diagnostic.open(DEMO_DIR).outlines
    >>> communes = outlines.communes(["95"])
    >>> communes.crs.to_string(), communes.loc[communes["code"] == "95205", "label"].tolist()
    ('EPSG:2154', ['Écouen'])
    """

    def __init__(self, layers: list[OutlineLayer], reference: pd.DataFrame, movements: pd.DataFrame) -> None:
        self.layers = tuple(layers)
        self.reference = reference
        self.movements = movements
        self.cog_year = int(reference.attrs.get("cog_year", 0)) or None
        self._communes: dict[tuple[str, ...], geopandas.GeoDataFrame] = {}

    @classmethod
    def none(cls) -> Outlines:
        """No outline file: maps say which files to add."""
        return cls(
            [], pd.DataFrame(columns=["type", "code", "label", "departement", "epci", "epci_label"]), pd.DataFrame()
        )

    def __bool__(self) -> bool:
        return any(layer.level == "commune" for layer in self.layers)

    @cached_property
    def _named(self) -> pd.DataFrame:
        """The reference's communes (type COM): code, label, département, EPCI and its label."""
        communes = self.reference.loc[self.reference["type"].eq("COM")]
        return communes[["code", "label", "departement", "epci", "epci_label"]].reset_index(drop=True)

    def communes(self, departements: Iterable[str]) -> geopandas.GeoDataFrame:
        """The communes of these départements in the data's geography, projected for a map.

        Returns
        -------
        geopandas.GeoDataFrame
            ``code``, ``label``, ``departement``, ``epci``, ``epci_label``, ``geometry`` (the outline, or
            empty when the files cannot draw the commune); ``attrs["undrawn"]``: code → why it is not drawn
            (French); ``attrs["source"]``: the files and their geography.
        """
        key = tuple(sorted({str(d) for d in departements}))
        if key not in self._communes:
            self._communes[key] = self._build_communes(key)
        return self._communes[key].copy()

    def _build_communes(self, departements: tuple[str, ...]) -> geopandas.GeoDataFrame:
        import geopandas

        crs = projection(departements)
        # The movements of these départements' communes only: a national passage takes seconds.
        movements = self.movements.loc[
            departement_of(self.movements["com_av"].fillna("")).isin(departements)
            | departement_of(self.movements["com_ap"].fillna("")).isin(departements)
        ]
        parts, undrawn, sources = [], {}, []
        for layer in self.layers:
            if layer.level != "commune":
                continue
            shapes = read_outlines(layer, departements)
            shapes = shapes.loc[departement_of(shapes["code"]).isin(departements)]
            if shapes.empty:
                continue
            first, last = self.geography_years(layer, shapes["code"], movements)
            sources.append(_outline_source(layer, first, last))
            shapes, lost = self._to_data_geography(shapes, (first, last), movements)
            undrawn.update(lost)
            parts.append(shapes.to_crs(crs))
        named = self._named.loc[self._named["departement"].isin(departements)]
        drawn = (
            pd.concat(parts, ignore_index=True).drop_duplicates("code")
            if parts
            else geopandas.GeoDataFrame({"code": pd.Series(dtype="string")}, geometry=[], crs=crs)
        )
        result = geopandas.GeoDataFrame(named.merge(drawn, on="code", how="left"), geometry="geometry", crs=crs).astype(
            {c: "string" for c in ("code", "label", "departement", "epci", "epci_label")}
        )
        for code in result.loc[result.geometry.isna(), "code"]:
            undrawn.setdefault(code, "absente des fichiers de contours")
        result.attrs["undrawn"] = {code: why for code, why in undrawn.items() if code in set(result["code"])}
        result.attrs["source"] = " ; ".join(dict.fromkeys(sources))
        return result

    def geography_years(self, layer: OutlineLayer, codes: pd.Series, movements: pd.DataFrame) -> tuple[int, int]:
        """The COG years a commune layer's codes match: the first and last years whose commune list (in
        the layer's départements) is exactly its codes.

        ``movements``: those of the layer's départements. Any year of the range gives the same outlines
        in the data's geography. A layer that matches no year exactly is used in its closest years (its
        name's year among them when it can), with a warning.
        """
        if self.cog_year is None:
            return (layer.named_year or 0,) * 2
        departements = set(departement_of(codes))
        then = self.reference.loc[self.reference["departement"].isin(departements)]
        then.attrs["cog_year"] = self.cog_year
        outline = set(codes)
        scores = {}
        # The list of 1 January Y differs from Y + 1's when a movement took effect in (Y-01-01, Y+1-01-01].
        changed = set((movements["date_eff"] - pd.Timedelta(days=1)).dt.year)
        listed: set[str] = set()
        # One year back at a time, from the next, and only the years some movement changed.
        for year in range(self.cog_year, _FIRST_YEAR - 1, -1):
            if year == self.cog_year or year in changed:
                then = communes_at(then, movements, year)
                listed = set(then.loc[then["type"].eq("COM") & then["departement"].isin(departements), "code"])
            scores[year] = len(outline ^ listed)
        best = min(scores.values())
        years = sorted(y for y, score in scores.items() if score == best)
        if best:
            log.warning(
                "%s : les codes des contours ne correspondent exactement à aucune année du COG (%s en %d)",
                layer.path,
                counted(best, "écart"),
                years[0],
            )
        if layer.named_year in years:
            return layer.named_year, layer.named_year
        if layer.named_year:
            log.warning(
                "%s : contours de la géographie %d–%d d'après leurs codes, pas %d comme le dit leur nom",
                layer.path,
                years[0],
                years[-1],
                layer.named_year,
            )
        # Contiguous years from the first (a tie far apart would be a coincidence of counts).
        last = years[0]
        while last + 1 in years:
            last += 1
        return years[0], last

    def _to_data_geography(
        self, shapes: geopandas.GeoDataFrame, years: tuple[int, int], movements: pd.DataFrame
    ) -> tuple[geopandas.GeoDataFrame, dict[str, str]]:
        """Outlines of COG ``years`` in the data's geography: merged communes dissolved, split ones said."""
        year, last = years
        since = movements["date_eff"].gt(pd.Timestamp(year, 1, 1)) & movements["date_eff"].le(
            pd.Timestamp(self.cog_year or 0, 1, 1)
        )
        if not self.cog_year or year >= self.cog_year or not since.any():
            return shapes, {}
        passage = commune_passage(movements, year, self.cog_year, warn=False)
        passage = passage.loc[passage["source"].isin(set(shapes["code"]))]
        targets = passage.groupby("source")["target"].nunique()
        split = set(targets.index[targets > 1])
        lost = {
            target: f"issue d'une commune divisée après {last} : les contours de {last} ne la dessinent pas"
            for target in passage.loc[passage["source"].isin(split), "target"]
        }
        moves = passage.loc[~passage["source"].isin(split)].set_index("source")["target"]
        shapes = shapes.loc[~shapes["code"].isin(split)].assign(code=lambda f: f["code"].replace(moves.to_dict()))
        return shapes.dissolve("code", as_index=False), lost

    def departements(self, codes: Iterable[str] | None = None) -> geopandas.GeoDataFrame | None:
        """Département outlines (``code``, ``geometry``): the folder's département layer, else the
        communes dissolved (only the départements whose communes are in the files)."""
        import geopandas

        layers = [layer for layer in self.layers if layer.level == "departement"]
        if layers:
            frames = [read_outlines(layer, None if codes is None else tuple(codes)) for layer in layers]
            found = pd.concat(frames, ignore_index=True).drop_duplicates("code")
            return geopandas.GeoDataFrame(found, geometry="geometry", crs=frames[0].crs)
        if codes is None:
            return None
        communes = self.communes(codes)
        communes = communes.loc[communes.geometry.notna()]
        return communes.dissolve("departement", as_index=False)[["departement", "geometry"]].rename(
            columns={"departement": "code"}
        )


def _outline_source(layer: OutlineLayer, first: int, last: int) -> str:
    """The outlines as a map's footnote cites them: IGN's layers by their publisher and geography (« IGN, Admin
    Express COG 2018 à 2023 », not a path); a ``code``/``nom`` GeoJSON, whose publisher the file does not say, by
    its name.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from ctg_analysis.sources.outlines import OutlineLayer
    >>> ign = OutlineLayer("ign/commune-95.geojson", Path("x"), "commune-95", "commune", "code_insee", 184)
    >>> _outline_source(ign, 2025, 2025), _outline_source(replace(ign, code_column="code"), 2018, 2023)
    ('IGN, Admin Express COG 2025', 'fichier « commune-95.geojson », COG 2018 à 2023')
    """
    years = f"COG {first}" + (f" à {last}" if last > first else "")
    if layer.code_column == "code":
        return f"fichier « {Path(layer.path).name} », {years}"
    return f"IGN, Admin Express {years}"
