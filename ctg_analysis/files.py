"""Safe file writing: nothing good is ever replaced by something half-written."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "slugify", "write_bytes"]


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it only when the block succeeds.

    Examples
    --------
    >>> with atomic_path("out.csv") as temporary:  # doctest: +SKIP
    ...     frame.to_csv(temporary)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes(path: str | Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(content)


def slugify(text: str, *, fallback: str = "sans-nom") -> str:
    """A safe file or folder name: lower-case ASCII letters, digits and hyphens only.

    Nothing of the text can climb out of a folder (``..``, ``/``) or hide a file (leading dot).

    Examples
    --------
    >>> slugify("CTG Écouen / Le Mesnil-Aubry")
    'ctg-ecouen-le-mesnil-aubry'
    >>> slugify("../../x")
    'x'
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].strip("-") or fallback
