"""Asking a publisher politely: TLS verified, retries with backoff, a rate per publisher, resumable downloads.

Built on requests and urllib3 (already installed with JupyterLab and papermill): urllib3's ``Retry`` retries
a 429 or a 5xx with exponential backoff and obeys ``Retry-After``; requests verifies TLS certificates (with
the system's or ``REQUESTS_CA_BUNDLE``'s authorities) and takes a proxy from ``HTTPS_PROXY``/``NO_PROXY``.
What neither does is here: a rate per publisher, a download resumed from where a cut connection left it
(``Range``), its size checked against what the publisher announced, and every failure said in French.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ctg_analysis import __version__
from ctg_analysis.errors import FetchError, first_line
from ctg_analysis.feedback import progress_bar
from ctg_analysis.fetch.catalogue import Publisher
from ctg_analysis.formatting import format_count
from ctg_analysis.sources.registry import file_hash

__all__ = ["Client", "Downloaded"]

log = logging.getLogger(__name__)

#: Seconds to connect, and to wait for the next bytes.
TIMEOUT = (15, 120)
#: Times a download cut mid-file is resumed before giving up.
RESUMES = 5
_CHUNK = 1 << 14


@dataclass(frozen=True)
class Downloaded:
    """A file received whole: where it is, its size and checksum, the publisher's date if it sent one."""

    path: Path
    size: int
    sha256: str
    last_modified: str


class _Rate:
    """At most ``per_minute`` requests a minute: a burst of that many, then one every ``60 / per_minute`` s."""

    def __init__(self, per_minute: int) -> None:
        self.per_second = per_minute / 60
        self.capacity = float(per_minute)
        self.tokens = float(per_minute)
        self.last = time.monotonic()

    def wait(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.per_second)
        self.last = now
        if self.tokens < 1:
            time.sleep((1 - self.tokens) / self.per_second)
            self.last = time.monotonic()
            self.tokens = 1.0
        self.tokens -= 1


class Client:
    """One publisher's HTTP client.

    Parameters
    ----------
    publisher
        Whom to ask (its address and rate).
    backoff
        urllib3's backoff factor: the waits between retries grow as ``backoff × 2ⁿ`` s (a ``Retry-After``
        header wins).
    """

    def __init__(self, publisher: Publisher, *, backoff: float = 1.0) -> None:
        self.publisher = publisher
        self.rate = _Rate(publisher.per_minute)
        retry = Retry(
            total=5,
            backoff_factor=backoff,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self.session = requests.Session()
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.headers["User-Agent"] = f"ctg-analysis/{__version__} (ctg fetch)"

    def url(self, path: str) -> str:
        """A path of the publisher's (``/catalog/all``) as a full address; a full address stays as it is."""
        return path if "://" in path else f"{self.publisher.url}{path}"

    def get(self, path: str, params: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        """A GET, retried by urllib3; a failure after the retries is a :class:`FetchError` in French."""
        url = self.url(path)
        self.rate.wait()
        try:
            response = self.session.get(url, params=params, timeout=TIMEOUT, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise FetchError(
                f"{self.publisher.label} : certificat TLS refusé pour {urlsplit(url).hostname} "
                f"({first_line(exc, 120)}) ; derrière un proxy d'entreprise, indiquez son autorité dans "
                "REQUESTS_CA_BUNDLE"
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            raise FetchError(
                f"{self.publisher.label} injoignable ({urlsplit(url).hostname}) : pas de réseau, ou un proxy à "
                "déclarer (HTTPS_PROXY) ; travaillez hors ligne avec « ctg fetch --offline »"
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise FetchError(f"{self.publisher.label} ne répond pas ({urlsplit(url).hostname}) : réessayez") from exc
        if response.status_code >= 400:
            response.close()
            raise FetchError(self._refused(response))
        return response

    def _refused(self, response: requests.Response) -> str:
        """A refusal said in French, with what to do."""
        status, label = response.status_code, self.publisher.label
        if status in (404, 410):
            return (
                f"{label} : introuvable ({_shown_url(response.url)}, HTTP {status}) : jeu de données renommé ou "
                "retiré ? Voyez le site de l'éditeur ; ctg-analysis doit alors être mis à jour"
            )
        if status == 429:
            after = response.headers.get("Retry-After", "")
            return f"{label} : quota de requêtes atteint (HTTP 429) ; réessayez" + (f" dans {after} s" if after else "")
        if status >= 500:
            return f"{label} : service indisponible (HTTP {status}) ; réessayez plus tard"
        return f"{label} : requête refusée (HTTP {status}) : {_shown_url(response.url)}"

    def json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """A JSON answer."""
        with self.get(path, params) as response:
            try:
                return response.json()
            except ValueError as exc:
                raise FetchError(f"{self.publisher.label} : réponse illisible de {_shown_url(response.url)}") from exc

    def download(
        self, path: str, params: dict[str, str] | None, part: Path, *, expected_size: int | None, label: str
    ) -> Downloaded:
        """Download into ``part``, resuming from its bytes already there (a cut connection, an earlier run),
        and check the size against ``expected_size`` (what the publisher's catalogue announced).

        Raises
        ------
        FetchError
            The publisher refused, the connection was cut more than :data:`RESUMES` times, or the size is
            not the one announced (the partial file is removed: a wrong file is never resumed).
        """
        part.parent.mkdir(parents=True, exist_ok=True)
        last_modified = ""
        for attempt in range(RESUMES + 1):
            try:
                last_modified = self._receive(path, params, part, expected_size, label)
                break
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
                if attempt == RESUMES:
                    raise FetchError(
                        f"{self.publisher.label} : connexion coupée {RESUMES + 1} fois pendant {label} ; relancez "
                        "« ctg fetch » : le téléchargement reprendra où il s'est arrêté"
                    ) from exc
                log.info("%s : connexion coupée à %s octets, reprise", label, format_count(part.stat().st_size))
        size = part.stat().st_size
        if expected_size is not None and size != expected_size:
            part.unlink()
            raise FetchError(
                f"{label} : {format_count(size)} octets reçus, {format_count(expected_size)} annoncés par "
                f"{self.publisher.label} : fichier abîmé en route, non gardé ; relancez « ctg fetch »"
            )
        return Downloaded(part, size, file_hash(part), last_modified)

    def _receive(
        self, path: str, params: dict[str, str] | None, part: Path, expected_size: int | None, label: str
    ) -> str:
        """One request: the whole file, or its rest after the bytes ``part`` holds (HTTP ``Range``)."""
        have = part.stat().st_size if part.exists() else 0
        if have and expected_size is not None and have >= expected_size:
            part.unlink()  # longer than announced, or complete but unchecked: start again
            have = 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        with self.get(path, params, headers=headers, stream=True) as response:
            resumed = have > 0 and response.status_code == 206
            start = have if resumed else 0
            length = response.headers.get("Content-Length")
            total = start + int(length) if length and length.isdigit() else expected_size
            with (
                part.open("ab" if resumed else "wb") as out,
                progress_bar(desc=label, unit="o", total=total, scale=True) as bar,
            ):
                bar.update(start)
                for chunk in response.iter_content(_CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
            return str(response.headers.get("Last-Modified", ""))


def _shown_url(url: str | None) -> str:
    """An address as a message shows it (no query string longer than a line)."""
    text = url or ""
    return text if len(text) <= 160 else text[:157] + "…"
