"""Fetching: each request answered from the data folder (already there), the download cache (shared by every
project of the machine), or the publisher — never a half file in the data folder, the lock written as
each file lands.

The download cache (:func:`~ctg_analysis.config.download_cache_dir`) keeps one
folder per request (its address and query): the file as received, and its lock entry. A download cut
mid-file waits there as ``<key>.part`` and is resumed by the next run.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ctg_analysis.config import download_cache_dir
from ctg_analysis.errors import FetchError
from ctg_analysis.fetch.catalogue import Source, publisher
from ctg_analysis.fetch.http import Client
from ctg_analysis.fetch.plan import Areas, Request, requests_for
from ctg_analysis.files import atomic_path
from ctg_analysis.formatting import format_count, format_size
from ctg_analysis.sources.lock import LockEntry, day_of, read_lock, write_lock
from ctg_analysis.sources.registry import file_hash

__all__ = ["Fetcher", "Outcome", "said"]

log = logging.getLogger(__name__)

#: What happened to a request, in French.
STATUSES = {
    "present": "déjà là, conforme au verrou",
    "unchanged": "inchangé chez l'éditeur",
    "cached": "repris du cache de téléchargement",
    "fetched": "téléchargé",
    "planned": "à télécharger",
    "restored": "rétabli : le fichier ne correspondait plus au verrou",
}


@dataclass(frozen=True)
class Outcome:
    """What became of one request: its status (a key of :data:`STATUSES`), its lock entry, and (a dry run)
    whether the cache holds it."""

    request: Request
    status: str
    entry: LockEntry | None = None
    cached: bool = False


class Fetcher:
    """Fetch requests into a data folder.

    Parameters
    ----------
    data_dir
        The data folder (files go to its subfolders, the lock beside them).
    cache
        The download cache (default :func:`~ctg_analysis.config.download_cache_dir`).
    offline
        Use only the cache: a file not in it is a failure, said.
    update
        Ask the publishers what changed since the lock (their dates), and fetch that again.
    backoff
        The retries' backoff factor (:class:`~ctg_analysis.fetch.http.Client`).
    """

    def __init__(
        self, data_dir: Path, *, cache: Path | None = None, offline: bool = False, update: bool = False, backoff=1.0
    ) -> None:
        self.data_dir = Path(data_dir)
        self.cache = Path(cache) if cache is not None else download_cache_dir()
        self.offline, self.update, self.backoff = offline, update, backoff
        self._clients: dict[str, Client] = {}
        self.lock = read_lock(self.data_dir)

    def client(self, publisher_id: str) -> Client:
        if publisher_id not in self._clients:
            self._clients[publisher_id] = Client(publisher(publisher_id), backoff=self.backoff)
        return self._clients[publisher_id]

    def _key(self, url: str, query: str = "") -> Path:
        return self.cache / hashlib.sha256(f"{url}?{query}".encode()).hexdigest()[:32]

    def metadata(self, publisher_id: str, path: str) -> Any:
        """A publisher's metadata (JSON): from the cache unless ``update`` (or not cached yet); offline, the
        cache only."""
        client = self.client(publisher_id)
        folder = self._key(client.url(path))
        kept = folder / "content.json"
        if kept.is_file() and (self.offline or not self.update):
            return json.loads(kept.read_text(encoding="utf-8"))
        if self.offline:
            raise FetchError(
                f"{client.publisher.label} : hors ligne, et {client.url(path)} n'est pas dans le cache de "
                f"téléchargement ({self.cache}) ; relancez sans --offline"
            )
        answer = client.json(path)
        with atomic_path(kept) as temporary:
            temporary.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
        return answer

    def plan(self, sources: Iterable[Source], areas: Areas, vintage: str = "") -> tuple[list[Request], list[str]]:
        """The requests for ``sources`` over ``areas``, and the sources that cannot be asked for (said)."""
        requests: list[Request] = []
        problems: list[str] = []
        for source in sources:
            try:
                requests += requests_for(source, areas, self.metadata, vintage=vintage)
            except FetchError as exc:
                problems.append(f"{source.id} : {exc}")
        return requests, problems

    def fetch(self, request: Request, *, dry_run: bool = False) -> Outcome:
        """Bring one request's file into the data folder (or say what would be done)."""
        client = self.client(request.source.publisher)
        url = client.url(request.path)
        target = self.data_dir / request.target
        locked = self.lock.get(request.target)
        intact = locked is not None and target.is_file() and file_hash(target) == locked.sha256
        if intact and _same_request(locked, url, request):
            assert locked is not None
            if not self.update:
                return Outcome(request, "present", locked)
            if request.version and request.version == locked.version:
                return Outcome(request, "unchanged", locked)
        if target.exists() and locked is None:
            raise FetchError(
                f"{request.target} existe déjà dans le dossier de données sans venir de « ctg fetch » : "
                "renommez-le ou supprimez-le (rien n'est écrasé)"
            )
        folder = self._key(url, request.query)
        cached = self._cached(folder, request)
        if dry_run:
            return Outcome(request, "planned", cached, cached=cached is not None)
        downloaded = cached is None
        if cached is None:
            if self.offline:
                raise FetchError(
                    f"{request.target} : hors ligne, et absent du cache de téléchargement ({self.cache}) ; "
                    "relancez sans --offline"
                )
            cached = self._download(client, url, request, folder)
        entry = replace(cached, path=request.target)
        restored = locked is not None and target.exists() and not intact
        with atomic_path(target) as temporary:
            shutil.copyfile(folder / "content", temporary)
        self.lock[request.target] = entry
        write_lock(self.data_dir, self.lock)
        if restored:
            status = "restored"
        elif locked is not None and locked.sha256 == entry.sha256:
            status = "unchanged"
        else:
            status = "fetched" if downloaded else "cached"
        return Outcome(request, status, entry)

    def _cached(self, folder: Path, request: Request) -> LockEntry | None:
        """The cache's copy of a request, if whole and as recent as the publisher's version (when known)."""
        content, recorded = folder / "content", folder / "entry.json"
        if not (content.is_file() and recorded.is_file()):
            return None
        entry = LockEntry(**json.loads(recorded.read_text(encoding="utf-8")))
        if request.version and entry.version and request.version != entry.version:
            return None  # the publisher has a newer file
        if file_hash(content) != entry.sha256:
            log.warning("%s : copie du cache abîmée, téléchargée à nouveau", request.target)
            return None
        return replace(entry, path=request.target)

    def _download(self, client: Client, url: str, request: Request, folder: Path) -> LockEntry:
        """Download into the cache: a ``.part`` resumed if there, checked, then moved into its folder."""
        part = folder.with_suffix(".part")
        got = client.download(request.path, request.params, part, expected_size=request.size, label=request.target)
        _check_whole(part, request.target)
        entry = LockEntry(
            path="",  # a cache entry is no data folder's: its path is given as it is copied
            source=request.source.id,
            publisher=client.publisher.label,
            url=url,
            query=request.query,
            version=request.version or got.last_modified,
            vintage=request.vintage,
            retrieved=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            size=got.size,
            sha256=got.sha256,
            licence=client.publisher.licence,
        )
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(part, folder / "content")
        with atomic_path(folder / "entry.json") as temporary:
            temporary.write_text(json.dumps(entry.__dict__, ensure_ascii=False), encoding="utf-8")
        return entry


def _same_request(locked: LockEntry | None, url: str, request: Request) -> bool:
    return locked is not None and locked.url == url and locked.query == request.query


def _check_whole(path: Path, label: str) -> None:
    """A file received is kept only if whole: not empty, a zip that opens and passes its checksums, a
    GeoJSON that parses and holds every feature the service matched. Otherwise it is removed, and said."""
    problem = "fichier vide reçu" if path.stat().st_size == 0 else None
    if problem is None and label.endswith(".geojson"):
        problem = _geojson_problem(path)
    if problem is None and label.endswith(".zip"):
        problem = _zip_problem(path)
    if problem is not None:
        path.unlink()
        raise FetchError(f"{label} : {problem}, non gardé ; relancez « ctg fetch »")


def _geojson_problem(path: Path) -> str | None:
    """What is wrong with a WFS answer: not GeoJSON, no feature, or cut at the service's page size."""
    try:
        collection = json.loads(path.read_bytes())
        features = collection["features"]
        if not isinstance(features, list):
            raise TypeError("features")
        matched, returned = collection.get("numberMatched", len(features)), len(features)
    except (ValueError, KeyError, TypeError, AttributeError):
        return "réponse qui n'est pas un GeoJSON"
    if returned == 0:
        return "aucun contour dans la réponse du service"
    if isinstance(matched, int) and matched > returned:
        return f"réponse tronquée par le service ({format_count(returned)} contours sur {format_count(matched)})"
    return None


def _zip_problem(path: Path) -> str | None:
    """What is wrong with an archive: it does not open, or a member fails its checksum."""
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
    except zipfile.BadZipFile:
        return "archive illisible"
    return f"archive abîmée ({broken})" if broken is not None else None


def said(outcome: Outcome) -> str:
    """One line for a request's outcome: what, where from, how big, which version, what happened."""
    request, entry = outcome.request, outcome.entry
    size = entry.size if entry is not None else request.size
    facts = [f"{format_size(size)}" if size is not None else "taille non annoncée"]
    version = entry.version if entry is not None else request.version
    if day := day_of(version):
        facts.append(f"version du {day}")
    status = STATUSES[outcome.status] + (" (dans le cache)" if outcome.cached else "")
    where = publisher(request.source.publisher).label if outcome.status == "planned" else ""
    origin = f" depuis {where}" if where else ""
    return f"{request.source.id} : {request.target} ({', '.join(facts)}) — {status}{origin}"
