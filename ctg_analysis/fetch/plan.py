"""What to fetch: the areas a diagnostic needs, and for each source the request that gives them.

A territory needs its départements (every commune of them: the maps and the département's comparisons) and
its EPCIs (every EPCI its communes belonged to in the compositions the package ships: the CNAF dates its
figures of year N in the geography of N + 1). Each source is then asked for those areas where its
publisher allows it (data.caf.fr's ``where``, the WFS's ``CQL_FILTER``), whole otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from ctg_analysis.codes import departement_of, departements
from ctg_analysis.errors import CtgError, FetchError
from ctg_analysis.fetch.catalogue import Source, catalogue, get_source
from ctg_analysis.geography.embedded import embedded_epci
from ctg_analysis.territories import Territory

__all__ = ["Areas", "Request", "areas_of", "chosen_sources", "melodi_product", "requests_for", "territories_areas"]

#: A Melodi CSV distribution's id: the dataset, its vintage if any, ``CSV_FR``.
_PRODUCT = re.compile(r"^(?P<dataset>DS_[A-Z0-9_]+?)(?:_(?P<vintage>\d{4}))?_CSV_FR$")


@dataclass(frozen=True)
class Areas:
    """The areas to ask for: départements and EPCIs (none of either: the whole of France)."""

    departements: tuple[str, ...] = ()
    epcis: tuple[str, ...] = ()

    @property
    def all_france(self) -> bool:
        return not self.departements

    def said(self) -> str:
        """The areas in French, for the messages.

        Examples
        --------
        >>> Areas(("95",), ("249500109",)).said()
        'département 95, 1 EPCI'
        >>> Areas().said()
        'France entière'
        """
        if self.all_france:
            return "France entière"
        deps = ("départements " if len(self.departements) > 1 else "département ") + ", ".join(self.departements)
        return deps + (f", {len(self.epcis)} EPCI" if self.epcis else "")


def areas_of(territories: Iterable[Territory] = (), departements: Iterable[str] = ()) -> Areas:
    """The départements and EPCIs that territories (and départements asked for) need.

    Examples
    --------
    >>> from ctg_analysis.territories import Territory
    >>> areas = areas_of([Territory("t", "T", ("95229", "95205"))])
    >>> areas.departements, areas.epcis
    (('95',), ('200055655', '200056380'))
    """
    communes = sorted({c for t in territories for c in t.communes})
    deps = sorted(set(departement_of(pd.Series(communes, dtype="string"))) | set(departements))
    compositions = embedded_epci()
    in_deps = departement_of(compositions["geo"]).isin(deps) if departements else compositions["geo"].isin(communes)
    epcis = sorted(set(compositions.loc[in_deps | compositions["geo"].isin(communes), "epci"].astype(str)))
    return Areas(tuple(deps), tuple(epcis))


@dataclass(frozen=True)
class Request:
    """One file to fetch.

    Attributes
    ----------
    source
        Its catalogue entry.
    path
        The address (a path of the publisher's, or a full URL).
    params
        The query.
    target
        Where it goes in the data folder (``insee/DS_….zip``).
    size
        The size the publisher announces, if it does.
    version
        The publisher's date of what it serves, if it says it.
    vintage
        A Melodi file's vintage (``2022``), else ``""``.
    """

    source: Source
    path: str
    target: str
    params: dict[str, str] = field(default_factory=dict)
    size: int | None = None
    version: str = ""
    vintage: str = ""

    @property
    def query(self) -> str:
        return urlencode(sorted(self.params.items()))


def chosen_sources(ids: Iterable[str] = ()) -> list[Source]:
    """The sources asked for by id (``--dataset``), else every source fetched by default.

    Examples
    --------
    >>> [s.id for s in chosen_sources(["naissances"])]
    ['naissances']
    >>> "comparateur" in [s.id for s in chosen_sources()]
    False
    """
    ids = list(ids)
    return [get_source(i) for i in ids] if ids else [s for s in catalogue() if s.default]


def melodi_product(catalog: list[dict[str, object]], dataset: str, vintage: str = "") -> dict[str, object]:
    """The CSV distribution of a Melodi dataset in INSEE's catalogue: the vintage asked for, else the latest.

    Raises
    ------
    FetchError
        The dataset is not in the catalogue (renamed, withdrawn: the close ids are named), or the vintage
        asked for is not published (the published ones are listed: never another vintage silently).
    """
    record = next((d for d in catalog if d.get("identifier") == dataset), None)
    if record is None:
        close = sorted(
            str(d.get("identifier")) for d in catalog if str(d.get("identifier", "")).startswith(dataset[:8])
        )
        raise FetchError(
            f"Insee, API Melodi : le jeu de données {dataset} n'est plus au catalogue (renommé ou retiré ?)"
            + (f" ; jeux proches : {', '.join(close[:6])}" if close else "")
            + " ; ctg-analysis doit être mis à jour"
        )
    listed = record.get("product")
    products = (
        [p for p in listed or [] if isinstance(p, dict) and _PRODUCT.match(str(p.get("id")))]
        if isinstance(listed, list)
        else []
    )
    if not products:
        raise FetchError(f"Insee, API Melodi : {dataset} n'a plus de fichier CSV au catalogue")
    by_vintage = {_vintage(str(p["id"])): p for p in products}
    if vintage and any(by_vintage):  # a file of every year (the births) has no vintage to choose
        if vintage not in by_vintage:
            published = ", ".join(sorted(v for v in by_vintage if v)) or "aucun millésime daté"
            raise FetchError(
                f"Insee, API Melodi : {dataset} n'est pas publié au millésime {vintage} (publié : {published}) ; "
                "aucun autre millésime n'est pris à sa place"
            )
        return by_vintage[vintage]
    return by_vintage[max(by_vintage)]


def _vintage(product_id: str) -> str:
    """The vintage in a Melodi CSV distribution's id (``DS_RP_FAMILLE_COMP_2022_CSV_FR``), ``""`` if none."""
    found = _PRODUCT.match(product_id)
    return (found.group("vintage") or "") if found else ""


#: How a request asks for a publisher's metadata (the Melodi catalogue, a dataset's record): publisher id
#: and path, to a JSON answer (from the network, or the download cache when offline).
Metadata = Callable[[str, str], Any]


def requests_for(source: Source, areas: Areas, metadata: Metadata, *, vintage: str = "") -> list[Request]:
    """The requests that fetch ``source`` for ``areas``: one, or one per département for IGN's outlines (its
    WFS gives at most 5 000 outlines an answer; a département has fewer than 1 000 communes)."""
    if source.route == "melodi-file":
        catalog = metadata(source.publisher, "/catalog/all")
        product = melodi_product(catalog if isinstance(catalog, list) else [], source.dataset, vintage)
        return [
            Request(
                source,
                f"/file/{source.dataset}/{product['id']}",
                f"{source.folder}/{product['id']}.zip",
                size=int(str(product["byteSize"])) if product.get("byteSize") else None,
                version=str(product.get("modified") or product.get("issued") or ""),
                vintage=_vintage(str(product["id"])),
            )
        ]
    if source.route == "ods-export":
        record = metadata(source.publisher, f"/api/explore/v2.1/catalog/datasets/{source.dataset}")
        params = {"delimiter": ";"} | ({"where": where} if (where := _where(source, areas)) else {})
        path = f"/api/explore/v2.1/catalog/datasets/{source.dataset}/exports/csv"
        return [Request(source, path, f"{source.folder}/{source.dataset}.csv", params, version=_ods_modified(record))]
    if source.route == "wfs":
        layer = source.dataset.rsplit(":", 1)[-1]
        wanted = areas.departements or tuple(departements()["departement"])
        return [
            Request(source, "/wfs/ows", f"{source.folder}/{layer}-{code}.geojson", _wfs_query(source, code))
            for code in wanted
        ]
    return [Request(source, source.dataset, f"{source.folder}/{source.dataset.rsplit('/', 1)[-1]}")]


def _wfs_query(source: Source, departement: str) -> dict[str, str]:
    """A WFS GetFeature of one département's features, in GeoJSON."""
    return {
        "SERVICE": "WFS",
        "VERSION": "2.0.0",
        "REQUEST": "GetFeature",
        "TYPENAMES": source.dataset,
        "OUTPUTFORMAT": "application/json",
        "CQL_FILTER": f"{source.field}='{departement}'",
    }


def _where(source: Source, areas: Areas) -> str:
    """A data.caf.fr export's filter to the areas (Opendatasoft's ODSQL); ``""`` for the whole file."""
    if areas.all_france or source.area == "none":
        return ""
    if source.area == "epci":
        return " OR ".join(f'{source.field} = "{e}"' for e in areas.epcis) or f'{source.field} = ""'
    if source.field.startswith("numcom"):  # a commune's code starts with its département's
        return " OR ".join(f'startswith({source.field}, "{d}")' for d in areas.departements)
    return " OR ".join(f'{source.field} = "{d}"' for d in areas.departements)


def _ods_modified(record: Any) -> str:
    """The date data.caf.fr gives for a dataset's last change (its record's ``metas.default``)."""
    metas = (record.get("metas") or {}).get("default") or {} if isinstance(record, dict) else {}
    return str(metas.get("data_processed") or metas.get("modified") or "")


def territories_areas(
    data_dir: Path, territories_file: Path, ids: Iterable[str] = (), departements: Iterable[str] = ()
) -> Areas:
    """The areas the territories of a project (those of ``ids``, else all) and the départements asked for
    need. The territories are checked against the commune reference of the data folder as it is (the
    package's geography when it holds nothing yet)."""
    from ctg_analysis.geography.reference import commune_reference
    from ctg_analysis.sources.folder import DataFolder, scan_folder
    from ctg_analysis.territories import load_territories

    ids, departements = list(ids), list(departements)
    if departements and not ids:
        return areas_of((), departements)
    # A folder not made yet holds nothing: the package's geography alone.
    folder = scan_folder(data_dir, progress=False) if Path(data_dir).is_dir() else DataFolder(Path(data_dir), [], [])
    territories = load_territories(territories_file, commune_reference(folder), strict=False)
    chosen = [territories.get(i) for i in ids] if ids else list(territories)
    if not chosen:
        raise CtgError(
            f"{territories_file} : aucun territoire déclaré ; déclarez les vôtres (voir les exemples du fichier), "
            "ou indiquez --departement 95 ou --all-france"
        )
    return areas_of(chosen, departements)
