"""A loaded diagnostic: the one way from paths to figures, shared by the CLI, the report batch, the report
template and a notebook.

A :class:`Diagnostic` holds a data folder, scanned once; its commune reference and its territories,
validated in the geography of its data; the data prepared once (on first use); and the long table of the
territories asked for. Default paths come from :mod:`ctg_analysis.config` and nowhere else.

Examples
--------
>>> from ctg_analysis.resources import DEMO_DIR
>>> diagnostic = Diagnostic.open(DEMO_DIR)
>>> diagnostic.cog_year, [t.id for t in diagnostic.territories][:2]
(2022, ['ctg-ecouen', 'ezanville'])
>>> table = diagnostic.table(["ezanville"])
>>> round(float(table.query("level == 'territoire' and indicator == 'evol_0_2'")["value"].iloc[0]), 1)
25.7
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from functools import cached_property
from pathlib import Path

import pandas as pd

from ctg_analysis import config
from ctg_analysis.errors import CtgError
from ctg_analysis.files import write_bytes
from ctg_analysis.geography import commune_reference
from ctg_analysis.geography.outlines import Outlines
from ctg_analysis.geography.reference import folder_movements
from ctg_analysis.indicators import PreparedData, common_cog_year, compute_indicators, prepare
from ctg_analysis.sources.folder import DataFolder, scan_folder
from ctg_analysis.territories import Territories, Territory, load_territories

__all__ = ["Diagnostic", "adopt"]

#: The last diagnostic opened with ``reuse``, by the state of its files: a kernel that renders territory
#: after territory reads and prepares the data once.
_REUSED: dict[tuple, Diagnostic] = {}


class Diagnostic:
    """A data folder, its territories and its figures.

    Use :meth:`open`; ``territories_file`` is the territories file that goes with the data.
    """

    def __init__(
        self, folder: DataFolder, territories_file: Path, *, skip_bad_files: bool = False, state: tuple = ()
    ) -> None:
        self.folder = folder
        self.territories_file = territories_file
        self.skip_bad_files = skip_bad_files
        #: Its files as they were when it was opened (names, sizes, modification times).
        self.state = state
        self.left_out = tuple(folder.require_readable(skip_bad_files=skip_bad_files))
        #: Kept for the life of its process (``open(reuse=True)``).
        self.kept = False

    @classmethod
    def open(
        cls,
        data_dir: str | Path | None = None,
        territories_file: str | Path | None = None,
        *,
        skip_bad_files: bool = False,
        reuse: bool = False,
        progress: bool | None = None,
    ) -> Diagnostic:
        """Scan a data folder and find its territories file.

        Parameters
        ----------
        data_dir
            The official files (default: the project's data folder).
        territories_file
            Default: the ``territories.yaml`` of the data folder, else the project's.
        skip_bad_files
            Go on without the official files that cannot be read (they are listed in ``left_out``); by
            default they stop here, with a French error naming them.
        reuse
            Return the diagnostic opened last when none of its files changed since (no scan, no
            preparation): for a kernel that renders one territory after another.
        progress
            Show a progress bar while scanning (default: when the output is a terminal).

        Raises
        ------
        CtgError
            No project for a default path, or an unreadable official file (without ``skip_bad_files``).
        """
        data = config.data_folder(data_dir).resolve()
        path = config.territories_file(data, territories_file).resolve()
        state = _files_state(data, path, skip_bad_files)
        if reuse and state in _REUSED:
            return _REUSED[state]
        diagnostic = cls(scan_folder(data, progress=progress), path, skip_bad_files=skip_bad_files, state=state)
        if reuse:
            _keep(diagnostic)
        return diagnostic

    def hand_over(self, path: str | Path) -> None:
        """Write this diagnostic as far as it has gone (scanned, territories validated, data prepared…) to
        ``path``, for another process of the same machine to :func:`adopt` rather than do it again."""
        write_bytes(path, pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))

    @property
    def demo(self) -> bool:
        """Whether the data are the synthetic demo set."""
        return self.folder.demo

    @cached_property
    def cog_year(self) -> int:
        """The COG year every table is brought to."""
        return common_cog_year(self.folder)

    @cached_property
    def reference(self) -> pd.DataFrame:
        """The communes in the data's geography (:func:`~ctg_analysis.geography.commune_reference`)."""
        return commune_reference(self.folder, self.cog_year)

    @cached_property
    def movements(self) -> pd.DataFrame:
        """INSEE's commune movements, the package's completed by the folder's."""
        return folder_movements(self.folder)

    @cached_property
    def outlines(self) -> Outlines:
        """The outline files of the folder, in the data's geography (false when there are none: no maps)."""
        return Outlines(self.folder.outlines, self.reference, self.movements)

    @cached_property
    def territories(self) -> Territories:
        """The territories, validated against the reference; an invalid one is left out with a warning and
        fails alone when asked for (``get`` names its problems)."""
        return load_territories(self.territories_file, self.reference, self.movements, strict=False)

    @cached_property
    def prepared(self) -> PreparedData:
        """The data prepared for every indicator of the catalogue, in :attr:`cog_year`."""
        prepared = prepare(self.folder, cog_year=self.cog_year, skip_bad_files=self.skip_bad_files)
        if self.kept:
            _freeze()
        return prepared

    def table(self, territory_ids: list[str] | None = None) -> pd.DataFrame:
        """The long table of these territories (default: all the valid ones), at every level of their ladder."""
        return compute_indicators(self.prepared, self.territories, territory_ids=territory_ids)

    def departement_table(self, departement: str) -> pd.DataFrame:
        """The long table of a whole département's communes taken together: each commune's and each EPCI's
        values (for a map of the département, :func:`~ctg_analysis.charts.maps.departement_map`)."""
        communes = self.reference.loc[self.reference["type"].eq("COM") & self.reference["departement"].eq(departement)]
        if communes.empty:
            raise CtgError(f"département {departement!r} absent de la géographie des données")
        whole = Territory(
            f"departement-{departement}", str(communes["departement_label"].iloc[0]), tuple(communes["code"])
        )
        return compute_indicators(self.prepared, Territories(self.territories_file, (whole,)))

    def data_digest(self) -> str:
        """A digest of everything the figures are computed from: the files' contents (outlines included) and
        the project's own indicators."""
        own = _own_indicators()
        digests = sorted({t.sha256 for t in self.folder.tables} | {o.sha256 for o in self.folder.outlines}) + (
            [hashlib.sha256(own.read_bytes()).hexdigest()] if own else []
        )
        return hashlib.sha256("".join(digests).encode()).hexdigest()


def adopt(path: str | Path) -> bool:
    """Take the diagnostic :meth:`~Diagnostic.hand_over` wrote to ``path`` as the one this process reuses
    (``Diagnostic.open(reuse=True)``), unless one of its files changed since it was opened; whether it was.

    A batch's kernels adopt the diagnostic the batch opened: they neither scan the data folder, nor load
    the territories, nor prepare the data again.
    """
    diagnostic = pickle.loads(Path(path).read_bytes())
    if _files_state(diagnostic.folder.root, diagnostic.territories_file, diagnostic.skip_bad_files) != diagnostic.state:
        return False
    _keep(diagnostic)
    if "prepared" in vars(diagnostic):  # handed over with its data prepared
        _freeze()
    return True


def _keep(diagnostic: Diagnostic) -> None:
    """Keep ``diagnostic`` for the life of this process, in place of the one kept before."""
    if _REUSED:  # one data set at a time: the previous one's objects go back to the collector
        _REUSED.clear()
        gc.unfreeze()
    _REUSED[diagnostic.state] = diagnostic
    diagnostic.kept = True


def _freeze() -> None:
    """Kept data out of the cyclic collector's scans: each full collection would walk its hundreds of
    thousands of objects again, about a second per territory of a batch."""
    gc.collect()
    gc.freeze()


def _files_state(data: Path, territories_file: Path, skip_bad_files: bool) -> tuple:
    return (_state(data), _state(territories_file), _state(_own_indicators()), skip_bad_files)


def _own_indicators() -> Path | None:
    project = config.find_project()
    own = project.indicators_file if project else None
    return own if own is not None and own.is_file() else None


def _state(path: Path | None) -> tuple:
    """What changes when a file or a folder's files change: names, sizes and modification times."""
    if path is None or not path.exists():
        return (str(path),)
    if path.is_file():
        stat = path.stat()
        return (str(path), stat.st_size, stat.st_mtime_ns)
    return tuple(
        (os.path.join(root, name), (stat := os.stat(os.path.join(root, name))).st_size, stat.st_mtime_ns)
        for root, _, names in sorted(os.walk(path))
        for name in sorted(names)
    )
