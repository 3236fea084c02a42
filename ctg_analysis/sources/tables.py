"""The canonical table: what every reader returns and the cache stores.

A canonical table is a tidy DataFrame with one row per geographic unit and period:

- ``geo``: the code as a string (5 characters for a commune, 9 for an IRIS or an EPCI, 2–3 for a
  département, 2 for a région, ``FRM``/``FR`` for France métropolitaine/entière);
- ``period``: the year the row describes (census vintage, year of births, Filosofi year…);
- optional attribute columns (``label``, ``commune``, ``departement``, ``region``, ``epci``…);
- one float column per variable, named without its vintage (``P19_POP0002`` → ``P_POP0002``,
  ``C19_FAMMONO`` → ``C_FAMMONO``, ``NAISD21`` → ``NAISD``, ``Q219`` → ``Q2``). Secret or missing
  values are NaN, never zero.

The metadata travel beside the frame in :class:`SourceTable`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ctg_analysis.sources._layout import ROUNDED
from ctg_analysis.sources.datasets import DATASETS, Dataset

__all__ = ["ATTRIBUTE_COLUMNS", "ESTIMATED", "PARTIAL_SUFFIX", "ROUNDED", "SourceTable", "first_per_column"]

#: The suffix of a variable's flag column: its commune value sums IRIS of which some are secret.
PARTIAL_SUFFIX = "_partial"
#: The flag column of a commune value shared out of a split commune (by population).
ESTIMATED = "estimated"
#: Non-numeric columns a canonical table may carry besides ``geo`` and ``period``.
ATTRIBUTE_COLUMNS = (
    "label",
    "commune",
    "departement",
    "region",
    "epci",
    "epci_label",
    "type",
    "parent",
    "iris_type",
)


@dataclass(frozen=True)
class SourceTable:
    """A canonical table and where it comes from.

    Attributes
    ----------
    dataset
        Dataset id, a key of :data:`~ctg_analysis.sources.datasets.DATASETS`.
    level
        Geographic level, one of :data:`~ctg_analysis.levels.SOURCE_LEVELS`.
    vintage
        The latest period in the table (census vintage, last year of births, Filosofi year…).
    cog_year
        The COG year of its codes (1 January of that year).
    cog_year_from
        How ``cog_year`` was found: ``"file"`` (stated in the file or its name), ``"convention"`` (INSEE's
        usual publication rule for that dataset), ``"codes"`` (a COG commune list dated by its codes, see
        :func:`ctg_analysis.geography.reference.dated_by_codes`).
    path
        The source file, relative to the scanned folder.
    part
        The zip member or the sheet, if any.
    sha256
        Content hash of the source file.
    source
        A French source line for footnotes (``Insee, RP2019``).
    period_sources
        The source line of each period (year) when vintages of several files were stacked; a period not
        in it comes from ``source``.
    demo
        True for the synthetic demo data (*données fictives de démonstration*).
    notes
        What the file says that no row carries, in French, said at every scan (rows the publisher could
        not place in an area…).
    data
        The canonical frame.
    """

    dataset: str
    level: str
    vintage: int | None
    cog_year: int | None
    cog_year_from: str
    path: str
    part: str | None
    sha256: str
    source: str
    demo: bool
    data: pd.DataFrame = field(repr=False, compare=False)
    period_sources: dict[int, str] = field(default_factory=dict, compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)

    def source_of(self, period: int) -> str:
        """The source line of one period (year) of the table."""
        return self.period_sources.get(period, self.source)

    @property
    def definition(self) -> Dataset:
        """The dataset's declaration (its rules)."""
        return DATASETS[self.dataset]

    @property
    def label(self) -> str:
        """The dataset's French label."""
        return self.definition.label

    @property
    def variables(self) -> list[str]:
        """The numeric variable columns (not the ``<VAR>_partial`` flags of an IRIS aggregation, nor the
        ``estimated`` flag of a commune shared out of a split one, nor the ``rounded`` flag of a row the
        publisher rounded)."""
        skipped = {"geo", "period", "flow_start", ESTIMATED, ROUNDED, *ATTRIBUTE_COLUMNS}
        return [c for c in self.data.columns if c not in skipped and not c.endswith(PARTIAL_SUFFIX)]

    @property
    def flags(self) -> list[str]:
        """The boolean flag columns (``<VAR>_partial``, ``estimated``, ``rounded``): carried along when its codes
        change."""
        return [c for c in self.data.columns if c.endswith(PARTIAL_SUFFIX) or c in (ESTIMATED, ROUNDED)]

    def metadata(self) -> dict[str, object]:
        """Everything but the frame, JSON-serialisable (for the cache manifest)."""
        return {
            "dataset": self.dataset,
            "level": self.level,
            "vintage": self.vintage,
            "cog_year": self.cog_year,
            "cog_year_from": self.cog_year_from,
            "path": self.path,
            "part": self.part,
            "sha256": self.sha256,
            "source": self.source,
            "demo": self.demo,
            "notes": list(self.notes),
        }


def first_per_column(frames: list[pd.DataFrame]) -> tuple[pd.DataFrame, np.ndarray]:
    """Canonical frames of one dataset as one, a row per (``geo``, ``period``), each value from the first
    frame that has its column: a file giving a period's populations only (the comparateur's ``P_POP``, a
    Melodi table without the under-25s' bands) does not hide the age bands another file gives. Also, per
    row, the position of the first frame that has its (``geo``, ``period``).

    Examples
    --------
    >>> melodi = pd.DataFrame({"geo": ["95229"], "period": [2019], "P_POP": [9719.0]})
    >>> base = pd.DataFrame({"geo": ["95229"], "period": [2019], "P_POP": [9719.2], "P_POP0002": [360.5]})
    >>> data, origin = first_per_column([melodi, base])
    >>> data, origin.tolist()
    (     geo  period   P_POP  P_POP0002
    0  95229    2019  9719.0      360.5, [0])
    """
    stacked = pd.concat([f.assign(_frame=n) for n, f in enumerate(frames)], ignore_index=True)
    data = stacked.drop_duplicates(["geo", "period"], keep="first")
    origin = data.pop("_frame").to_numpy()
    keys = pd.MultiIndex.from_frame(data[["geo", "period"]])
    for column in data.columns.drop(["geo", "period"]):
        having = [n for n, f in enumerate(frames) if column in f.columns]
        if len(having) == len(frames):
            continue
        rows = stacked.loc[stacked["_frame"].isin(having), ["geo", "period", column]]
        first = rows.drop_duplicates(["geo", "period"], keep="first").set_index(["geo", "period"])[column]
        data[column] = first.reindex(keys).to_numpy()
    return data.reset_index(drop=True), origin
