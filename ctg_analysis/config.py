"""Where ctg-analysis reads and writes: one settings object, never the current directory.

Resolution order for every path: an explicit argument, then an environment variable, then the project
folder. The project folder is ``CTG_PROJECT_DIR`` when set, otherwise the source checkout the package runs
from (an editable install, as the README sets up), otherwise ``~/.cache/ctg-analysis``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "settings", "territories_file"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def _project_dir() -> Path:
    if env := os.environ.get("CTG_PROJECT_DIR"):
        return Path(env).expanduser().resolve()
    checkout = _PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "data").is_dir():
        return checkout
    return Path.home() / ".cache" / "ctg-analysis"


@dataclass(frozen=True)
class Settings:
    """Paths used by default by every function that reads or writes.

    Attributes
    ----------
    project_dir
        Root of the analyst's project (``data/``, ``reports/``).
    cache_dir
        Parquet cache of canonical tables (``CTG_CACHE_DIR``, default ``data/processed``).
    demo_dir
        The embedded demo dataset.
    territories_file
        The project's territories file (``data/territories.yaml``), for its real data.
    """

    project_dir: Path
    cache_dir: Path
    demo_dir: Path
    territories_file: Path

    @classmethod
    def from_environment(cls) -> Settings:
        """Build the settings from the environment variables and the project folder."""
        project = _project_dir()
        cache = os.environ.get("CTG_CACHE_DIR")
        return cls(
            project_dir=project,
            cache_dir=Path(cache).expanduser().resolve() if cache else project / "data" / "processed",
            demo_dir=project / "data" / "demo",
            territories_file=project / "data" / "territories.yaml",
        )


settings = Settings.from_environment()


def territories_file(data_dir: str | Path | None = None, given: str | Path | None = None) -> Path:
    """The territories file that goes with a data folder.

    The file given, else the ``territories.yaml`` of the data folder (the demo keeps its territories
    beside its data), else the project's ``data/territories.yaml``.

    Examples
    --------
    >>> territories_file(settings.demo_dir).relative_to(settings.demo_dir).as_posix()
    'territories.yaml'
    """
    if given:
        return Path(given)
    beside = Path(data_dir or settings.demo_dir) / "territories.yaml"
    return beside if beside.is_file() else settings.territories_file
