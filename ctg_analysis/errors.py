"""Exceptions raised by ctg-analysis.

Every error a user can cause derives from :class:`CtgError`; its message is French, names the file, the
column or row and what was expected, and is meant to be printed as is (the CLI does so and exits with
code 2, without a traceback).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "CtgError",
    "SourceFileError",
    "UnreadableFileError",
    "UnrecognisedFileError",
    "WrongDatasetError",
    "MissingColumnError",
    "GeographyError",
    "TerritoryError",
    "FetchError",
    "Interrupted",
    "did_you_mean",
    "first_line",
]


def first_line(exc: BaseException, width: int = 160) -> str:
    """An exception's first line, at most ``width`` characters (its type's name when it says nothing), for a
    message that names a library's failure without its whole report.

    Examples
    --------
    >>> first_line(OSError("disque plein\\ndétails…")), first_line(ValueError())
    ('disque plein', 'ValueError')
    """
    text = str(exc).strip()
    return text.splitlines()[0][:width] if text else type(exc).__name__


class CtgError(Exception):
    """Base class of every error ctg-analysis reports to its users."""


class SourceFileError(CtgError):
    """A source file cannot be read, or its content is not what its layout promises."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path} : {problem}")


class UnreadableFileError(SourceFileError):
    """The file cannot be opened as data: empty, truncated archive, unknown encoding, corrupt workbook."""


class UnrecognisedFileError(SourceFileError):
    """The file is readable but matches no official layout ctg-analysis knows."""


class WrongDatasetError(SourceFileError):
    """The file is one dataset where another one was expected."""


class MissingColumnError(SourceFileError):
    """A column the dataset's layout requires is absent."""


class GeographyError(CtgError):
    """A code is unknown, or a conversion between COG years is impossible."""


class TerritoryError(CtgError):
    """The territories file is invalid."""


class FetchError(CtgError):
    """A publisher could not give a file (no network, publisher down, dataset renamed, quota, a file that
    arrived damaged): not the user's input, so ``ctg fetch`` exits with code 1 after the other files."""


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (SIGINT) or SIGTERM, after cleaning up: what was finished and what was not.

    ``exit_code`` is the shell's for that signal (130, 143).
    """

    def __init__(self, signum: int, finished: int = 0, unfinished: tuple[str, ...] = ()) -> None:
        self.signum = signum
        self.finished = finished
        self.unfinished = unfinished
        super().__init__(signum)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def did_you_mean(value: str, choices: Iterable[str], n: int = 3) -> str:
    """Return a French "did you mean" suffix for a misspelled value, or an empty string.

    Examples
    --------
    >>> did_you_mean("Ecouen", ["Écouen", "Ézanville"])
    " (vouliez-vous dire : 'Écouen' ?)"
    """
    matches = difflib.get_close_matches(value, list(choices), n=n, cutoff=0.6)
    if not matches:
        return ""
    return " (vouliez-vous dire : " + ", ".join(repr(m) for m in matches) + " ?)"
