"""Where ctg-analysis reads and writes: the analyst's project, found from the current folder.

A project is a folder holding a ``ctg.toml`` settings file (``ctg init`` creates one), found the way git
finds its repository: in the current folder or one of its parents. ``CTG_PROJECT_DIR`` (``ctg
--project DIR``) names it instead. Every default path comes from the project; an explicit argument
always wins, and a command that needs a default outside any project says so in one French line.

The parquet cache goes to ``CTG_CACHE_DIR`` when set, else to the project's ``data/processed``, else
(outside a project, every path given) to ``~/.cache/ctg-analysis``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ctg_analysis.errors import CtgError, did_you_mean
from ctg_analysis.formatting import agreed
from ctg_analysis.levels import REFERENCE_LEVELS
from ctg_analysis.resources import DEMO_CAF, TEMPLATES_DIR

__all__ = [
    "DEFAULT_COLOUR",
    "DEFAULT_TITLE",
    "PROJECT_FILE",
    "NoProjectError",
    "Project",
    "byline",
    "cache_dir",
    "current_project",
    "download_cache_dir",
    "data_folder",
    "find_project",
    "reports_folder",
    "template_file",
    "territories_file",
]

PROJECT_FILE = "ctg.toml"
PROJECT_ENV = "CTG_PROJECT_DIR"
CACHE_ENV = "CTG_CACHE_DIR"
#: The variable that moves the download cache of ``ctg fetch``.
DOWNLOAD_CACHE_ENV = "CTG_DOWNLOAD_CACHE"
#: The largest file read, in megabytes (see :func:`ctg_analysis.sources._io.max_file_bytes`).
MAX_FILE_ENV = "CTG_MAX_FILE_MB"
_T = TypeVar("_T")
#: The reports' title when the project gives none.
DEFAULT_TITLE = "Diagnostic partagé de Convention Territoriale Globale"

#: The house colour of the decks (their title band and titles) when the project gives none.
DEFAULT_COLOUR = "#1F4E79"
#: ``ctg.toml``: section → key → (type, default). Paths are relative to the project folder.
_SCHEMA: dict[str, dict[str, tuple[type, object]]] = {
    "project": {
        "title": (str, DEFAULT_TITLE),
        "caf": (str, ""),
        "author": (str, ""),
        "colour": (str, DEFAULT_COLOUR),
        "logo": (str, ""),
    },
    "data": {
        "folder": (str, "data/raw"),
        "territories": (str, "data/territories.yaml"),
        "indicators": (str, ""),
        "census_vintage": (int, 0),
    },
    "reports": {"folder": (str, "reports"), "comparison_levels": (list, list(REFERENCE_LEVELS))},
}


class NoProjectError(CtgError):
    """A command needs a default path and no project was found."""


@dataclass(frozen=True)
class Project:
    """An analyst's project: its folder and the settings of its ``ctg.toml``.

    Attributes
    ----------
    root
        The project folder.
    title, caf, author
        Shown on the reports (title, CAF, author).
    colour, logo
        The decks' house colour (``#RRGGBB``) and logo (a PNG or JPEG, on every slide; none by default).
    data_dir
        The official files (default ``data/raw``).
    territories_file
        The territories (default ``data/territories.yaml``).
    indicators_file
        The project's own indicators, same schema as the catalogue (optional).
    census_vintage
        The last census vintage the reports use (0: the latest of the data).
    reports_dir
        Where reports go (default ``reports``).
    comparison_levels
        The levels shown beside each territory.
    """

    root: Path
    title: str
    caf: str
    author: str
    colour: str
    logo: Path | None
    data_dir: Path
    territories_file: Path
    indicators_file: Path | None
    census_vintage: int
    reports_dir: Path
    comparison_levels: tuple[str, ...]

    @classmethod
    def load(cls, root: str | Path) -> Project:
        """Read ``root/ctg.toml``; every problem is one French message naming the file and the key.

        Examples
        --------
        >>> project = Project.load(tmp)  # doctest: +SKIP
        >>> project.data_dir.name  # doctest: +SKIP
        'raw'
        """
        root = Path(root).expanduser().resolve()
        path = root / PROJECT_FILE
        if not path.is_file():
            raise NoProjectError(
                f"{root} : pas de projet ctg-analysis (fichier {PROJECT_FILE} absent) ; créez-le avec « ctg init "
                f"{root} »"
            )
        try:
            content = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CtgError(f"{path} : fichier TOML illisible ({exc})") from exc
        values = _validated(content, path)
        levels = tuple(map(str, _setting(values, "reports", "comparison_levels", list)))
        if unknown := [level for level in levels if level not in REFERENCE_LEVELS]:
            raise CtgError(
                f"{path} : [reports] comparison_levels : {agreed(len(unknown), 'niveau inconnu', 'niveaux inconnus')} "
                f"{', '.join(map(repr, unknown))} "
                f"(attendu {', '.join(REFERENCE_LEVELS)})"
            )
        indicators = _setting(values, "data", "indicators", str)
        colour, logo = _house_style(values, root, path)
        return cls(
            root=root,
            title=_setting(values, "project", "title", str),
            caf=_setting(values, "project", "caf", str),
            author=_setting(values, "project", "author", str),
            colour=colour,
            logo=logo,
            data_dir=root / _setting(values, "data", "folder", str),
            territories_file=root / _setting(values, "data", "territories", str),
            indicators_file=root / indicators if indicators else None,
            census_vintage=_setting(values, "data", "census_vintage", int),
            reports_dir=root / _setting(values, "reports", "folder", str),
            comparison_levels=levels,
        )

    def template(self, name: str = "diagnostic") -> Path:
        """The project's copy of a template (``notebooks/<name>.ipynb`` or ``.py``), else the package's."""
        for candidate in (self.root / "notebooks" / f"{name}.ipynb", self.root / "notebooks" / f"{name}.py"):
            if candidate.is_file():
                return candidate
        return TEMPLATES_DIR / f"{name}.py"


def _validated(content: dict[str, Any], path: Path) -> dict[str, dict[str, object]]:
    values: dict[str, dict[str, object]] = {}
    for section, given in content.items():
        if section not in _SCHEMA:
            raise CtgError(
                f"{path} : section [{section}] inconnue{did_you_mean(section, _SCHEMA)} (attendu {', '.join(_SCHEMA)})"
            )
        if not isinstance(given, dict):
            raise CtgError(f"{path} : {section} doit être une section [{section}]")
    for section, keys in _SCHEMA.items():
        given = content.get(section, {})
        for key in given:
            if key not in keys:
                raise CtgError(
                    f"{path} : [{section}] clé {key!r} inconnue{did_you_mean(key, keys)} (attendu {', '.join(keys)})"
                )
        values[section] = {}
        for key, (kind, default) in keys.items():
            value = given.get(key, default)
            if not isinstance(value, kind) or isinstance(value, bool):
                expected = {str: "un texte entre guillemets", int: "un nombre entier", list: "une liste [...]"}[kind]
                raise CtgError(f"{path} : [{section}] {key} = {value!r} : attendu {expected}")
            values[section][key] = value
    return values


def _house_style(values: dict[str, dict[str, object]], root: Path, path: Path) -> tuple[str, Path | None]:
    """The decks' colour and logo of ``[project]``, checked: a colour as ``#RRGGBB``, a logo that exists and is
    a PNG or JPEG image."""
    colour = _setting(values, "project", "colour", str).strip()
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
        raise CtgError(f"{path} : [project] colour = {colour!r} : attendu une couleur #RRVVBB (par exemple #1F4E79)")
    name = _setting(values, "project", "logo", str).strip()
    if not name:
        return colour, None
    logo = root / name
    if not logo.is_file():
        raise CtgError(f"{path} : [project] logo = {name!r} : fichier introuvable ({logo})")
    if logo.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise CtgError(f"{path} : [project] logo = {name!r} : attendu une image PNG ou JPEG")
    return colour, logo


def _setting(values: dict[str, dict[str, object]], section: str, key: str, kind: type[_T]) -> _T:
    """One validated setting, with its type (:func:`_validated` checked it against ``_SCHEMA``)."""
    value = values[section][key]
    if not isinstance(value, kind):  # pragma: no cover - _SCHEMA and this call disagree: a programming error
        raise TypeError(f"[{section}] {key}: {type(value).__name__} where _SCHEMA says {kind.__name__}")
    return value


def byline(caf: str, author: str, *, demo: bool) -> str:
    """The line under a report's or a deck's title: the CAF and the author (``ctg.toml``). The demo's CAF
    belongs to the demo data: a report on real files names the project's CAF, or none.

    Examples
    --------
    >>> byline("", "Service études", demo=True), byline("", "", demo=False)
    ('CAF de démonstration — Service études', '')
    """
    return " — ".join(part for part in (caf or (DEMO_CAF if demo else ""), author) if part)


def find_project(start: str | Path | None = None) -> Project | None:
    """The project of ``CTG_PROJECT_DIR``, else the nearest folder holding a ``ctg.toml`` from ``start``
    (default: the current folder) up to the root; ``None`` outside any project.

    Examples
    --------
    >>> find_project("/") is None  # doctest: +SKIP
    True
    """
    if env := os.environ.get(PROJECT_ENV):
        return Project.load(env)
    folder = Path(start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / PROJECT_FILE).is_file():
            return Project.load(candidate)
    return None


def current_project() -> Project:
    """The current project; outside any, a :class:`NoProjectError` saying how to start one."""
    project = find_project()
    if project is None:
        raise NoProjectError(
            f"aucun projet ctg-analysis dans {Path.cwd()} ni dans ses dossiers parents : créez-en un avec "
            "« ctg init DOSSIER » (ou essayez la démonstration : « ctg init --demo DOSSIER »), ou indiquez --project "
            "DOSSIER"
        )
    return project


def download_cache_dir() -> Path:
    """Where ``ctg fetch`` keeps the files it downloaded, for every project of the machine:
    ``CTG_DOWNLOAD_CACHE``, else ``$XDG_CACHE_HOME/ctg-analysis/telechargements`` (``~/.cache`` by default)."""
    if env := os.environ.get(DOWNLOAD_CACHE_ENV):
        return Path(env).expanduser().resolve()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "ctg-analysis" / "telechargements"


def cache_dir() -> Path:
    """Where the canonical tables are cached: ``CTG_CACHE_DIR``, else the project's ``data/processed``,
    else ``~/.cache/ctg-analysis``."""
    if env := os.environ.get(CACHE_ENV):
        return Path(env).expanduser().resolve()
    project = find_project()
    return project.root / "data" / "processed" if project else Path.home() / ".cache" / "ctg-analysis"


def data_folder(given: str | Path | None = None) -> Path:
    """The data folder: the one given, else the project's (``[data] folder`` of ``ctg.toml``)."""
    return Path(given) if given else current_project().data_dir


def reports_folder(given: str | Path | None = None, *parts: str) -> Path:
    """The reports folder (and ``parts`` below it): the one given, else the project's."""
    return Path(given) if given else current_project().reports_dir.joinpath(*parts)


def template_file(given: str | Path | None = None) -> Path:
    """The report template: the one given, else the project's ``notebooks/diagnostic``, else the package's."""
    if given:
        return Path(given)
    project = find_project()
    return project.template() if project else TEMPLATES_DIR / "diagnostic.py"


def territories_file(data_dir: str | Path | None = None, given: str | Path | None = None) -> Path:
    """The territories file that goes with a data folder.

    The file given, else the ``territories.yaml`` of the data folder (the demo keeps its territories
    beside its data), else the project's (``data/territories.yaml``).

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> territories_file(DEMO_DIR).relative_to(DEMO_DIR).as_posix()
    'territories.yaml'
    """
    if given:
        return Path(given)
    if not data_dir:
        project = current_project()
        beside = project.data_dir / "territories.yaml"
        return beside if beside.is_file() else project.territories_file
    beside = Path(data_dir) / "territories.yaml"
    return beside if beside.is_file() else current_project().territories_file
