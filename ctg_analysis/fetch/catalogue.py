"""The catalogue of official sources ``ctg fetch`` downloads, declared as data in ``catalogue.toml``.

Each source names its publisher, its id there, its route (a Melodi bulk file, an Opendatasoft export, an
IGN WFS layer, an insee.fr file), how to ask for a part of it (a département, the EPCIs of some
communes) and the datasets of the registry (:data:`~ctg_analysis.sources.datasets.DATASETS`) it feeds.

A publisher's address can be replaced, for a mirror inside a CAF's network or for tests, by the variable
``CTG_FETCH_URL_<PUBLISHER>`` (``CTG_FETCH_URL_MELODI=https://miroir.example/melodi``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ctg_analysis.errors import CtgError, did_you_mean

__all__ = ["Publisher", "Source", "catalogue", "get_source", "publisher", "unfetched"]

#: The routes a source can take (see ``catalogue.toml``).
ROUTES = ("melodi-file", "ods-export", "wfs", "file")
#: How a source is cut to the areas asked for.
AREAS = ("departement", "epci", "none")


@dataclass(frozen=True)
class Publisher:
    """Who publishes, where, and how often they may be asked.

    Attributes
    ----------
    id
        Short id (``melodi``, ``caf``, ``ign``, ``insee``).
    label
        French name, as the lock file and the messages cite it.
    url
        The address every route of this publisher starts from (``CTG_FETCH_URL_<ID>`` replaces it).
    per_minute
        Requests a minute the publisher allows (a burst of that many, then one every ``60 / per_minute`` s).
    licence
        The licence of what it publishes.
    """

    id: str
    label: str
    url: str
    per_minute: int
    licence: str


@dataclass(frozen=True)
class Source:
    """One official dataset ``ctg fetch`` can download.

    Attributes
    ----------
    id
        French id, for ``ctg fetch --dataset`` (``naissances``, ``caf-communes``).
    label
        French description.
    publisher
        Its :class:`Publisher`'s id.
    route
        ``melodi-file``, ``ods-export``, ``wfs`` or ``file``.
    dataset
        Its id at the publisher (Melodi ``DS_…``, Opendatasoft dataset, WFS layer, insee.fr path).
    feeds
        The registry's datasets it feeds (``outlines`` for map outlines).
    folder
        The data folder's subfolder it is written to.
    area
        ``departement``, ``epci`` or ``none`` (the whole file).
    field
        The publisher's field the area is filtered on.
    default
        Whether a plain ``ctg fetch`` downloads it (the others on ``--dataset`` only).
    """

    id: str
    label: str
    publisher: str
    route: str
    dataset: str
    feeds: tuple[str, ...]
    folder: str
    area: str = "none"
    field: str = ""
    default: bool = True


@cache
def _raw() -> dict[str, object]:
    text = resources.files("ctg_analysis.fetch").joinpath("catalogue.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def catalogue() -> tuple[Source, ...]:
    """Every source, in the catalogue's order.

    Examples
    --------
    >>> [s.id for s in catalogue()][:2]
    ['naissances', 'recensement-population']
    """
    entries = _raw()["sources"]
    assert isinstance(entries, list)
    sources = tuple(Source(**{**entry, "feeds": tuple(entry["feeds"])}) for entry in entries)
    for source in sources:
        if source.route not in ROUTES or source.area not in AREAS or source.publisher not in _publishers():
            raise ValueError(f"catalogue.toml : source {source.id!r} mal déclarée")
    return sources


@cache
def _publishers() -> dict[str, dict[str, object]]:
    publishers = _raw()["publishers"]
    assert isinstance(publishers, dict)
    return publishers


def publisher(publisher_id: str) -> Publisher:
    """A publisher, its address replaced by ``CTG_FETCH_URL_<ID>`` when set.

    Examples
    --------
    >>> publisher("melodi").url
    'https://api.insee.fr/melodi'
    """
    declared = _publishers()[publisher_id]
    url = os.environ.get(f"CTG_FETCH_URL_{publisher_id.upper()}") or str(declared["url"])
    return Publisher(
        publisher_id,
        str(declared["label"]),
        url.rstrip("/"),
        int(str(declared["per_minute"])),
        str(declared["licence"]),
    )


def get_source(source_id: str) -> Source:
    """A source by its id; an unknown id is a :class:`CtgError` listing the known ones.

    Examples
    --------
    >>> get_source("naissances").dataset
    'DS_ETAT_CIVIL_NAIS_COMMUNES'
    """
    found = {s.id: s for s in catalogue()}
    if source_id not in found:
        raise CtgError(
            f"jeu de données {source_id!r} inconnu de ctg fetch{did_you_mean(source_id, list(found))} "
            f"(connus : {', '.join(found)})"
        )
    return found[source_id]


def unfetched() -> dict[str, str]:
    """The registry's datasets ``ctg fetch`` does not download, with the reason (French)."""
    reasons = _raw()["unfetched"]
    assert isinstance(reasons, dict)
    return {str(k): str(v) for k, v in reasons.items()}
