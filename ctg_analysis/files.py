"""Safe file writing: nothing good is ever replaced by something half-written, and what is written can
be read by whoever the user's umask lets read it (colleagues on a shared drive)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ctg_analysis.text import plain

__all__ = [
    "atomic_path",
    "clear_stale_staging",
    "process_running",
    "slugify",
    "staging_folder",
    "territory_slug",
    "write_bytes",
]


def _umask() -> int:
    # Reading the umask means setting it: set it back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def staging_folder(parent: str | Path, prefix: str) -> Path:
    """A hidden folder beside its final place, to fill and then rename into place, with the modes of an
    ordinary folder (``tempfile.mkdtemp`` makes it private to the user). Its name carries the process
    that fills it: a folder left by a killed process is found and removed by :func:`clear_stale_staging`.

    Examples
    --------
    >>> folder = staging_folder(tmp, ".rapport.")
    >>> folder.name.startswith(f".rapport.{os.getpid()}.")
    True
    """
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}.", dir=parent))
    folder.chmod(0o777 & ~_umask())
    return folder


_STAGING = re.compile(r"^\..+\.(\d+)\.[^.]+$")


def clear_stale_staging(parent: str | Path) -> list[Path]:
    """Remove the staging folders of ``parent`` whose process no longer runs (a run killed, a disk that
    filled up), and the old reports a swap set aside once their new report is in place; the folders of
    running processes (another run on the same folder) are left alone.

    Examples
    --------
    >>> stale = tmp / ".rapport.999999999.abc"
    >>> stale.mkdir()
    >>> [p.name for p in clear_stale_staging(tmp)]
    ['.rapport.999999999.abc']
    """
    removed = []
    for folder in Path(parent).glob(".*"):
        match = _STAGING.match(folder.name)
        stale = match is not None and not process_running(int(match.group(1)))
        # A report set aside by a swap (``.<name>.previous``) whose new report is in place: a run stopped
        # before it removed the old one. (Without its new report it may be another run's swap: left alone.)
        left = folder.name.endswith(".previous") and (folder.parent / folder.name[1 : -len(".previous")]).is_dir()
        if folder.is_dir() and (stale or left):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def process_running(pid: int) -> bool:
    """Whether a process of that id runs (another user's counts).

    Examples
    --------
    >>> process_running(os.getpid()), process_running(999999999)
    (True, False)
    """
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except PermissionError:
        return True
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    return True


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
        temporary.chmod(0o666 & ~_umask())  # mkstemp makes it private to the user
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
    ascii_text = plain(text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:80].strip("-") or fallback


#: The names Windows keeps for its devices: no file or folder can bear them, whatever its extension.
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)), *(f"lpt{n}" for n in range(1, 10))}
)


def territory_slug(territory_id: str) -> str:
    """The folder of a territory's documents (report, fiches, follow-up): safe, and distinct for distinct ids.

    An id that is its own slug is its folder; another gets its slug, ``_`` (which no slug holds, so that no
    id can name the same folder) and a hash of the id. So does a name Windows reserves for a device (``nul``,
    ``con``, ``com1``…), which no folder can have there.

    Examples
    --------
    >>> territory_slug("ctg-ecouen")
    'ctg-ecouen'
    >>> territory_slug("../../x")
    'x_9bdbf20b56'
    >>> territory_slug("nul")
    'nul_d97929517d'
    """
    slug = slugify(territory_id)
    if slug != territory_id or slug in _WINDOWS_DEVICES:
        slug = f"{slug}_{hashlib.sha1(territory_id.encode('utf-8')).hexdigest()[:10]}"
    return slug
