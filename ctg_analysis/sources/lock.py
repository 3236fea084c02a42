"""The lock file of a data folder: for each fetched file, where it came from, which version, when, and its
SHA-256 — so that a figure of a report can be traced to the very bytes the publisher served.

``fetch.lock.toml``, in the data folder, human-readable TOML (read with the standard library's ``tomllib``;
written here: a list of flat tables of strings and integers needs no TOML writer).
"""

from __future__ import annotations

import datetime
import json
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from ctg_analysis.errors import CtgError
from ctg_analysis.files import write_bytes
from ctg_analysis.formatting import format_date, format_size
from ctg_analysis.sources.registry import file_hash

__all__ = ["LOCK_FILE", "LockEntry", "changed_files", "day_of", "read_lock", "write_lock"]

#: The lock file's name, in the data folder.
LOCK_FILE = "fetch.lock.toml"

_HEADER = """\
# Fichiers téléchargés par « ctg fetch » : d'où vient chacun, quelle version, quand, et son empreinte
# SHA-256. Écrit par ctg fetch, ne pas modifier à la main. « ctg fetch --check » vérifie chaque fichier
# contre son entrée ; « ctg data check » et les rapports la citent.
"""


@dataclass(frozen=True)
class LockEntry:
    """One fetched file.

    Attributes
    ----------
    path
        Relative to the data folder, with ``/``.
    source
        Its source in the catalogue (``naissances``).
    publisher
        The publisher, as cited (``Insee, API Melodi``).
    url, query
        What was asked: the address and its query string.
    version
        The publisher's own date or version of what was served (``2025-09-02T13:37:19``), or ``""``.
    vintage
        The vintage of a Melodi file (``2022``), or ``""`` (a file of every year).
    retrieved
        When it was fetched (ISO 8601, UTC).
    size, sha256
        Its size in bytes and checksum.
    licence
        The licence it is published under.
    """

    path: str
    source: str
    publisher: str
    url: str
    query: str
    version: str
    vintage: str
    retrieved: str
    size: int
    sha256: str
    licence: str

    def cite(self) -> str:
        """The entry as a report's sources cite it.

        Examples
        --------
        >>> entry = LockEntry("insee/a.zip", "naissances", "Insee, API Melodi", "https://x/a", "", "2025-09-02T13:37",
        ...                   "", "2026-12-07T10:00:00+00:00", 3794244, "1aada6e7" + "0" * 56, "Licence Ouverte")
        >>> print(entry.cite())  # doctest: +NORMALIZE_WHITESPACE
        insee/a.zip : Insee, API Melodi, version du 2 septembre 2025, téléchargé le 7 décembre 2026
        (3,8 Mo, sha256 1aada6e7…)
        """
        version = f", version du {day_of(self.version)}" if day_of(self.version) else ""
        return (
            f"{self.path} : {self.publisher}{version}, téléchargé le {day_of(self.retrieved)} "
            f"({format_size(self.size)}, sha256 {self.sha256[:8]}…)"
        )


def day_of(stamp: str) -> str:
    """The day of an ISO date or an HTTP date, in French words; ``""`` when it is neither."""
    try:
        return format_date(datetime.date.fromisoformat(stamp[:10]))
    except ValueError:
        try:
            return format_date(datetime.datetime.strptime(stamp, "%a, %d %b %Y %H:%M:%S %Z").date())
        except ValueError:
            return ""


def read_lock(folder: Path) -> dict[str, LockEntry]:
    """The lock entries of a data folder, by path (none when it has no lock file).

    Raises
    ------
    CtgError
        The lock file is not one (hand-edited, cut): named, with what is wrong.
    """
    path = Path(folder) / LOCK_FILE
    if not path.is_file():
        return {}
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8")).get("file", [])
        entries = [LockEntry(**table) for table in tables]
    except (tomllib.TOMLDecodeError, TypeError, UnicodeDecodeError) as exc:
        raise CtgError(
            f"{path} : fichier de verrou illisible ({exc}) ; supprimez-le et relancez « ctg fetch »"
        ) from exc
    return {entry.path: entry for entry in entries}


def write_lock(folder: Path, entries: dict[str, LockEntry]) -> None:
    """Write the lock file (through a temporary file), its entries in path order."""
    blocks = [_HEADER]
    for path in sorted(entries):
        lines = ["", "[[file]]"]
        for name, value in asdict(entries[path]).items():
            lines.append(f"{name} = {value if isinstance(value, int) else json.dumps(value, ensure_ascii=False)}")
        blocks.append("\n".join(lines) + "\n")
    write_bytes(Path(folder) / LOCK_FILE, "".join(blocks).encode("utf-8"))


def changed_files(folder: Path, entries: dict[str, LockEntry], digests: dict[str, str]) -> list[str]:
    """The files that no longer match their lock entry, each said in French: missing, or another content.

    Parameters
    ----------
    digests
        The SHA-256 of the folder's files by path, where already known (the data folder's scan computes
        them); the others are computed here.
    """
    problems = []
    for path, entry in sorted(entries.items()):
        file = Path(folder) / path
        if not file.is_file():
            problems.append(f"{path} : absent (téléchargé le {day_of(entry.retrieved)}) ; relancez « ctg fetch »")
            continue
        digest = digests.get(path) or file_hash(file)
        if digest != entry.sha256:
            problems.append(
                f"{path} : ne correspond plus à son verrou (sha256 {digest[:8]}… au lieu de {entry.sha256[:8]}…, "
                f"téléchargé le {day_of(entry.retrieved)}) : modifié à la main ou abîmé ; relancez « ctg fetch »"
            )
    return problems
