"""Sources: the official INSEE and CNAF files, read unchanged into canonical tables.

One reader module per source (``census``, ``births``, ``legal_population``, ``filosofi``, ``caf``, ``cog``);
``datasets`` declares each official dataset once (recognition, reader, levels, rules); ``registry``
recognises a file by its content, ``folder`` scans a folder through the parquet ``cache``.
"""

from ctg_analysis.sources.datasets import DATASETS, Dataset
from ctg_analysis.sources.folder import DataFolder, Problem, scan_folder
from ctg_analysis.sources.iris import iris_to_communes
from ctg_analysis.sources.registry import read_file
from ctg_analysis.sources.tables import SourceTable

__all__ = [
    "DATASETS",
    "DataFolder",
    "Dataset",
    "Problem",
    "SourceTable",
    "iris_to_communes",
    "read_file",
    "scan_folder",
]
