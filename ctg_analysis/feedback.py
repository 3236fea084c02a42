"""Feedback on long work: progress bars and log lines on the terminal.

Progress bars (tqdm) show on a terminal and are silenced by ``ctg --quiet`` (``CTG_QUIET=1``, which worker
processes inherit). Log lines are French (``attention : …``), printed around the bars, and each message
once per command however many steps repeat it.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Iterable

from tqdm import tqdm

__all__ = ["QUIET_ENV", "ConsoleHandler", "progress_bar"]

QUIET_ENV = "CTG_QUIET"


def progress_bar(
    iterable: Iterable | None = None,
    *,
    desc: str,
    unit: str,
    total: int | None = None,
    show: bool | None = None,
    scale: bool = False,
) -> tqdm:
    """A French progress bar: shown when ``show`` is true, or by default on a terminal; never in quiet mode.
    With ``scale``, amounts are shown with their prefix (``3.79Mo`` for a download counted in ``o``).

    Examples
    --------
    >>> for _ in progress_bar(range(3), desc="Lecture des fichiers", unit="fichier", show=False):
    ...     pass
    """
    disable = True if os.environ.get(QUIET_ENV) else (None if show is None else not show)
    # A terminal that reports no size (a pseudo-terminal: ``script``, some CI runners, an IDE's console) would
    # make tqdm hide the bar as if it were below the screen: the standard library's fallback size instead.
    columns, lines = shutil.get_terminal_size()
    return tqdm(
        iterable,
        desc=desc,
        unit=unit,
        total=total,
        disable=disable,
        file=sys.stderr,
        ncols=columns,
        nrows=lines,
        unit_scale=scale,
        unit_divisor=1000,
    )


class ConsoleHandler(logging.Handler):
    """Log lines on standard error, written around the progress bars, each distinct message once."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s : %(message)s"))
        self._seen: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            if line not in self._seen:
                self._seen.add(line)
                tqdm.write(line, file=sys.stderr)
        except Exception:  # noqa: BLE001 - logging must never break the command
            self.handleError(record)
