"""ctg-analysis: the *diagnostic partagé* of a Convention Territoriale Globale, from the official files.

The package follows the data flow: ``sources`` (published files → canonical tables) → ``geography``
(commune reference, COG conversion) and ``territories`` (groupings of communes) → indicators → charts
and exports → reports → ``cli``.

Examples
--------
>>> import ctg_analysis as ctg
>>> folder = ctg.scan_folder("data/demo")  # doctest: +SKIP
>>> reference = ctg.commune_reference(folder)  # doctest: +SKIP
>>> territories = ctg.load_territories("data/territories.yaml", reference)  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from ctg_analysis.errors import CtgError
from ctg_analysis.geography import commune_reference, convert_table
from ctg_analysis.sources import DataFolder, SourceTable, read_file, scan_folder
from ctg_analysis.territories import Territories, load_territories

try:
    __version__ = version("ctg-analysis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "CtgError",
    "DataFolder",
    "SourceTable",
    "Territories",
    "commune_reference",
    "convert_table",
    "load_territories",
    "read_file",
    "scan_folder",
]
