"""``ctg fetch``: the official files a diagnostic needs, downloaded from their publishers, checked, recorded
in the data folder's lock file and kept in a cache shared by every project of the machine.

``catalogue`` declares the sources (``catalogue.toml``), ``plan`` works out the areas and the request of
each source, ``http`` asks the publishers politely, ``lock`` records what was fetched, ``run`` does it.
"""

from ctg_analysis.fetch.catalogue import Source, catalogue, get_source
from ctg_analysis.fetch.plan import Areas, Request, areas_of, chosen_sources
from ctg_analysis.fetch.run import Fetcher, Outcome
from ctg_analysis.sources.lock import LOCK_FILE, LockEntry, changed_files, read_lock

__all__ = [
    "LOCK_FILE",
    "Areas",
    "Fetcher",
    "LockEntry",
    "Outcome",
    "Request",
    "Source",
    "areas_of",
    "catalogue",
    "changed_files",
    "chosen_sources",
    "get_source",
    "read_lock",
]
