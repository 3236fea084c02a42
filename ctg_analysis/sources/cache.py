"""Parquet cache of canonical tables, keyed by the content hash of the source file.

One folder per (file content, reader code) pair: ``<cache>/<sha256>-<readers>/`` holds ``manifest.json``
and one parquet file per table. The reader part of the key is a hash of the reading code itself, so a
change in a reader invalidates what it read before. Files that could not be read are not cached: nothing
is written for bad input; a readable file of no known layout (a documentation file, an IRIS list) keeps its
verdict, so that a folder scanned again does not parse it again. Everything is written in a temporary folder
renamed into place: an interrupted run never leaves a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

import pandas as pd

from ctg_analysis.files import staging_folder
from ctg_analysis.sources.tables import SourceTable

log = logging.getLogger(__name__)

__all__ = ["TableCache", "READERS_VERSION"]

_PACKAGE = Path(__file__).resolve().parents[1]


def _readers_version() -> str:
    digest = hashlib.sha256()
    # The readers, and the leaves they recognise and read with (codes, the plain form of French text, the French
    # numbers of the notes a table keeps).
    leaves = [_PACKAGE / name for name in ("codes.py", "text.py", "formatting.py")]
    for module in sorted([*(_PACKAGE / "sources").glob("*.py"), *leaves]):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:12]


READERS_VERSION = _readers_version()


class TableCache:
    """Canonical tables of already-read files.

    Parameters
    ----------
    folder
        The cache folder (created on first write). ``None`` disables the cache.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None

    def _entry(self, sha256: str) -> Path | None:
        return self.folder / f"{sha256}-{READERS_VERSION}" if self.folder is not None else None

    def get(self, sha256: str) -> list[SourceTable] | str | None:
        """The cached tables of a file content, or why it is not used (a readable file of no known layout),
        ``None`` on a miss."""
        entry = self._entry(sha256)
        if entry is None or not (entry / "manifest.json").is_file():
            return None
        try:
            manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
            if "unused" in manifest:
                return str(manifest["unused"])
            tables = [
                SourceTable(
                    **(meta | {"notes": tuple(meta.get("notes", ()))}),
                    data=pd.read_parquet(entry / f"table-{i}.parquet"),
                )
                for i, meta in enumerate(manifest["tables"])
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning(
                "cache illisible pour %s (%s) : le fichier source sera relu et le cache réécrit", entry.name, exc
            )
            shutil.rmtree(entry, ignore_errors=True)  # else the entry stays, and so does the warning, every run
            return None
        return tables

    def put(self, sha256: str, tables: list[SourceTable] | str) -> None:
        """Store the tables of a file content, or why it is not used; a cache that cannot be written is
        skipped with a warning."""
        entry = self._entry(sha256)
        if self.folder is None or entry is None or entry.exists():
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            staging = staging_folder(self.folder, f".{entry.name}.")
        except OSError as exc:
            log.warning("cache non inscriptible (%s) : %s", self.folder, exc.strerror or exc)
            return
        try:
            if isinstance(tables, str):
                manifest: dict[str, object] = {"unused": tables}
            else:
                for i, table in enumerate(tables):
                    table.data.to_parquet(staging / f"table-{i}.parquet", index=False)
                manifest = {"tables": [t.metadata() for t in tables]}
            (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(staging, entry)
        except OSError as exc:
            log.warning("écriture du cache impossible (%s) : %s", entry, exc.strerror or exc)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
