"""Scan a folder of published files and keep what can be used.

:func:`scan_folder` walks a folder recursively, recognises each file by its content, reads it into
canonical tables (through the parquet cache), and reports what it found and what it could not use.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from ctg_analysis import config
from ctg_analysis.codes import departement_of, departements
from ctg_analysis.errors import CtgError, SourceFileError, UnreadableFileError, UnrecognisedFileError
from ctg_analysis.feedback import progress_bar
from ctg_analysis.formatting import MISSING, counted, format_count
from ctg_analysis.levels import LEVEL_NAMES_IN_TEXT, SOURCE_LEVELS
from ctg_analysis.sources._io import DATA_SUFFIXES
from ctg_analysis.sources._layout import years_in_name
from ctg_analysis.sources.cache import TableCache
from ctg_analysis.sources.datasets import DATASETS, get_dataset
from ctg_analysis.sources.iris import iris_to_communes
from ctg_analysis.sources.lock import changed_files, read_lock
from ctg_analysis.sources.outlines import OUTLINE_SIDECARS, OUTLINE_SUFFIXES, OutlineLayer, recognise_outlines
from ctg_analysis.sources.registry import file_hash, read_file
from ctg_analysis.sources.tables import SourceTable, first_per_column

log = logging.getLogger(__name__)

__all__ = ["DEMO_MARKER", "DataFolder", "Problem", "scan_folder"]

#: A file of this name marks its folder as synthetic demo data (*données fictives de démonstration*).
DEMO_MARKER = "ctg-demo.json"
# Files that sit beside data as documentation or configuration: not worth a line in the report.
#: What a data check calls the official files it could not read (singular, plural).
_UNREADABLE = (
    "fichier de données officiel illisible ou vide",
    "fichiers de données officiels illisibles ou vides",
)
_QUIET_SUFFIXES = {".md", ".pdf", ".json", ".yaml", ".yml", ".html", ".gitkeep", ".py", ".parquet", ".toml"}


# Names of the official files: a file named so that cannot be read is a broken official file, not a
# stranger to ignore.
#: The share of INSEE's own value for a département that its communes may miss without the file being cut.
_TOLERATED_GAP = 0.005
_OFFICIAL_NAME = re.compile(
    r"base[-_](cc|ic)[-_]|base[-_]naissances|^ensemble|filo\d{4}|base_td_filo|data_caf_|^(v_)?commune_?\d{4}"
    r"|mvtcommune|^(v_)?departement_?\d{4}|^(v_)?region_?\d{4}|intercommunalite|^epci_",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Problem:
    """A file of the folder that could not be used, and why (in French).

    Attributes
    ----------
    path
        The file, relative to the scanned folder.
    reason
        Why it was not used.
    blocking
        The file is (by its name or its content) an official dataset that could not be read or holds
        no row: every command stops on it unless told to go on without it.
    """

    path: str
    reason: str
    blocking: bool = False


@dataclass
class DataFolder:
    """The canonical tables found in a folder, and the files that could not be used.

    Attributes
    ----------
    root
        The scanned folder.
    tables
        Every canonical table read.
    problems
        Files not used, with the reason.
    outlines
        The layers of outline files (for maps), read when a map is drawn.
    """

    root: Path
    tables: list[SourceTable]
    problems: list[Problem]
    outlines: list[OutlineLayer] = dataclasses.field(default_factory=list)

    @property
    def demo(self) -> bool:
        """True when the tables are the synthetic demo data."""
        return bool(self.tables) and all(t.demo for t in self.tables)

    @property
    def blocking(self) -> list[Problem]:
        """The official files of the folder that could not be read (or hold no row)."""
        return [p for p in self.problems if p.blocking]

    def require_readable(self, *, skip_bad_files: bool = False) -> list[Problem]:
        """Stop on the official files that could not be read, or go on without them.

        Parameters
        ----------
        skip_bad_files
            Go on without those files (they are returned, for the report's list of sources left out).

        Returns
        -------
        list of Problem
            The files left out.

        Raises
        ------
        CtgError
            Some official file could not be read and ``skip_bad_files`` is false; the message names
            each file and the reason, and the option that goes on without them.
        """
        blocking = self.blocking
        if blocking and not skip_bad_files:
            lines = "\n".join(f"  - {p.path} : {p.reason}" for p in blocking)
            raise CtgError(
                f"{self.root} : {counted(len(blocking), *_UNREADABLE)}\n{lines}\n"
                "Remplacez-les par le fichier tel que publié, retirez-les du dossier, ou relancez avec "
                "--skip-bad-files pour continuer sans eux (les rapports le diront)."
            )
        for problem in blocking:
            log.warning("%s : fichier écarté (%s)", problem.path, problem.reason)
        return blocking

    def find(self, dataset: str, level: str | None = None, vintage: int | None = None) -> list[SourceTable]:
        """Tables of a dataset (optionally of one level and vintage), latest vintage first."""
        found = [
            t for t in self.tables if t.dataset == dataset and level in (None, t.level) and vintage in (None, t.vintage)
        ]
        return sorted(found, key=lambda t: t.vintage or 0, reverse=True)

    def commune_sources(self, dataset: str) -> list[SourceTable]:
        """The tables that give a dataset's commune values, latest vintage first: its commune tables, and its
        IRIS tables of the vintages no commune table has (summed to communes by the preparation)."""
        tables = self.find(dataset, "commune")
        covered = {t.vintage for t in tables}
        iris = [t for t in self.find(dataset, "iris") if t.vintage not in covered]
        return sorted(tables + iris, key=lambda t: t.vintage or 0, reverse=True)

    def table(
        self, dataset: str, level: str = "commune", vintage: int | None = None, *, from_iris: bool = False
    ) -> SourceTable:
        """The table of a dataset at a level: the given vintage, or the latest one (several files of that
        vintage, such as a Melodi table and INSEE's base, as one: each variable from the first file that has it).

        With ``from_iris=True``, a commune-level table missing from the folder is built by summing the
        IRIS-level table of the same dataset (see :func:`~ctg_analysis.sources.iris.iris_to_communes`).

        Raises
        ------
        CtgError
            No such table in the folder; the message lists what there is.

        Examples
        --------
        >>> folder.table("legal_population").data.loc[:, ["geo", "period", "label", "PMUN"]].head(2)
             geo  period            label    PMUN
        0  95205    2019           Écouen  7412.0
        1  95395    2019  Le Mesnil-Aubry  1074.0
        """
        label = get_dataset(dataset).label
        found = self.find(dataset, level, vintage)
        if found:
            alike = [t for t in found if (t.vintage, t.cog_year) == (found[0].vintage, found[0].cog_year)]
            if len(alike) == 1:
                return found[0]
            return dataclasses.replace(found[0], data=first_per_column([t.data for t in alike])[0])
        if from_iris and level == "commune" and (iris := self.find(dataset, "iris", vintage)):
            return iris_to_communes(iris[0])
        have = sorted({f"{t.level} {t.vintage}" for t in self.find(dataset)})
        wanted = f"« {label} » au niveau {level}" + (f", millésime {vintage}" if vintage else "")
        detail = f" ; disponible : {', '.join(have)}" if have else ""
        raise CtgError(f"{self.root} : aucune table {wanted}{detail}")

    def providers(self) -> pd.DataFrame:
        """Which file gives a year that several files give at commune level, with some of the same variables
        (French, for display): the latest vintage (of equal vintages, the first path), the others named beside
        it (the rule of the preparation: one source per figure, see
        :func:`~ctg_analysis.indicators.harmonisation.stack_vintages`).

        Examples
        --------
        >>> folder.providers().empty  # the demo has one file per dataset
        True
        """
        rows = []
        for dataset in DATASETS:
            tables = [t for t in self.commune_sources(dataset) if "period" in t.data.columns]  # not the COG lists
            if len(tables) < 2:
                continue
            periods = pd.DataFrame(
                [(int(p), n) for n, t in enumerate(tables) for p in t.data["period"].unique()], columns=["year", "file"]
            )
            variables = [set(t.data.columns) - {"geo", "period", "label", "commune"} for t in tables]
            for year, files in periods.groupby("year")["file"]:
                chosen, *others = files.sort_values().tolist()
                # Files giving other variables of the year (the CNAF's rates beside its places) hide nothing.
                others = [n for n in others if variables[n] & variables[chosen]]
                if not others:
                    continue
                rows.append(
                    {
                        "jeu de données": get_dataset(dataset).label,
                        "année": year,
                        "fichier retenu": _file_name(tables[chosen]),
                        "aussi dans": ", ".join(_file_name(tables[n]) for n in others),
                    }
                )
        return pd.DataFrame(rows, columns=["jeu de données", "année", "fichier retenu", "aussi dans"])

    def notes(self) -> list[str]:
        """What the files say that no row carries (rows the publisher could not place in an area…), each once,
        in French, with its file.

        Examples
        --------
        >>> print(folder.notes()[0][:59])
        caf/s_ben_com_f.csv : 1 ligne sans code commune (foyers que
        """
        return list(dict.fromkeys(f"{t.path} : {note}" for t in self.tables for note in t.notes))

    def fetched(self) -> list[str]:
        """The folder's files that ``ctg fetch`` downloaded, each cited from the lock file (publisher, version,
        date, size, checksum), and said when it no longer matches its entry (French, in path order).

        Examples
        --------
        >>> folder.fetched()  # the demo was not fetched
        []
        """
        entries = read_lock(self.root)
        digests = {t.path: t.sha256 for t in self.tables} | {o.path: o.sha256 for o in self.outlines}
        changed = {line.split(" : ", 1)[0] for line in changed_files(self.root, entries, digests)}
        return [
            entries[path].cite() + (" — ne correspond plus au verrou (modifié depuis)" if path in changed else "")
            for path in sorted(entries)
        ]

    def ordered(self) -> list[SourceTable]:
        """The tables in the order of the datasets' declaration (the census first, the geography's files last),
        then level and vintage.

        Examples
        --------
        >>> folder.ordered()[0].label
        'Recensement – évolution et structure de la population'
        """
        return sorted(
            self.tables, key=lambda t: (list(DATASETS).index(t.dataset), SOURCE_LEVELS.index(t.level), t.vintage or 0)
        )

    def summary(self) -> pd.DataFrame:
        """What was found, one row per table and outline layer, with French column labels (for display)."""
        rows = [
            {
                "jeu de données": t.label,
                "niveau": t.level,
                "millésime": t.vintage,
                "COG": t.cog_year,
                "lignes": len(t.data),
                "fichier": _file_name(t),
            }
            for t in self.ordered()
        ]
        rows += [
            {
                "jeu de données": "Contours (cartes)",
                "niveau": o.level,
                "millésime": o.named_year,
                "COG": None,
                "lignes": o.features,
                "fichier": o.path + (f" [{o.layer}]" if o.path.endswith(".gpkg") else ""),
            }
            for o in self.outlines
        ]
        columns = ["jeu de données", "niveau", "millésime", "COG", "lignes", "fichier"]
        frame = pd.DataFrame(rows, columns=columns)
        # As a reader sees it (JupyterLab, the terminal): levels named in French, a dash for a year not stated.
        frame["niveau"] = frame["niveau"].map(LEVEL_NAMES_IN_TEXT)
        for column in ("millésime", "COG"):
            frame[column] = frame[column].astype("Int64").astype("string").fillna(MISSING)
        return frame


def _is_demo(path: Path, root: Path) -> bool:
    return any(
        (folder / DEMO_MARKER).is_file()
        for folder in [path.parent, *path.parent.parents]
        if folder.is_relative_to(root)
    )


def scan_folder(
    folder: str | Path,
    *,
    cache_dir: str | Path | None | Literal[False] = None,
    progress: bool | None = None,
) -> DataFolder:
    """Read every published file of a folder (recursively) into canonical tables.

    Parameters
    ----------
    folder
        A folder of files exactly as downloaded from INSEE and the CNAF (for example ``data/raw``).
    cache_dir
        Where to cache the canonical tables; default :func:`ctg_analysis.config.cache_dir` (the project's
        ``data/processed``); ``False`` disables the cache.
    progress
        Show a progress bar (default: when the output is a terminal).

    Returns
    -------
    DataFolder
        The tables found, and the files that could not be used with the reason.

    Raises
    ------
    CtgError
        The folder does not exist.

    Examples
    --------
    >>> from ctg_analysis.resources import DEMO_DIR
    >>> scan_folder(DEMO_DIR, progress=False).summary()["jeu de données"].iloc[0]
    'Recensement – évolution et structure de la population'
    """
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise CtgError(f"{folder} : dossier introuvable")
    cache = TableCache(None if cache_dir is False else Path(cache_dir or config.cache_dir()))
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    tables: list[SourceTable] = []
    problems: list[Problem] = []
    outlines: list[OutlineLayer] = []
    for path in progress_bar(files, desc="Lecture des fichiers", unit="fichier", show=progress):
        scanned = _scan_file(path, root, cache)
        tables += scanned.tables
        problems += scanned.problems
        outlines += scanned.outlines
    tables, cut = _without_files_cut_short(root, tables)
    problems += cut
    log.info("%s : %d tables lues, %d fichiers non utilisés", root, len(tables), len(problems))
    return DataFolder(root, tables, problems, outlines)


class _Scanned(NamedTuple):
    """What one file of the folder gave."""

    tables: list[SourceTable]
    problems: list[Problem]
    outlines: list[OutlineLayer]


def _scan_file(path: Path, root: Path, cache: TableCache) -> _Scanned:
    """One file of the folder: its tables, or its outlines, or why it is not used (never skipped silently)."""
    relative = str(path.relative_to(root))
    suffix = path.suffix.lower()
    if suffix in _QUIET_SUFFIXES or path.name == DEMO_MARKER:
        return _Scanned([], [], [])
    if suffix in OUTLINE_SIDECARS and path.with_suffix(".shp").is_file():
        return _Scanned([], [], [])  # read with its Shapefile
    if suffix in OUTLINE_SUFFIXES:
        try:
            return _Scanned([], [], recognise_outlines(path, relative, *_area_names(), sha256=file_hash(path)))
        except CtgError as exc:
            return _Scanned([], [Problem(relative, exc.problem if isinstance(exc, SourceFileError) else str(exc))], [])
    if suffix not in DATA_SUFFIXES:
        return _Scanned(
            [],
            [
                Problem(
                    relative,
                    f"format non lu ({suffix or 'sans extension'}) : attendu CSV, ZIP, XLS, XLSX, ou des contours "
                    "GeoJSON, GeoPackage ou Shapefile",
                )
            ],
            [],
        )
    try:
        found = _read_cached(path, root, relative, _is_demo(path, root), cache)
    except CtgError as exc:
        return _Scanned([], [_problem(relative, exc)], [])
    problems = []
    empty = [t for t in found if t.data.empty]
    if empty:
        where = ", ".join(dict.fromkeys(t.part or path.name for t in empty))
        problems.append(
            Problem(
                relative,
                f"aucune ligne de données ({where}) : fichier tronqué ou réduit à son en-tête ?",
                blocking=True,
            )
        )
    for warning in [*_misleading_names(found, relative), *_departements_not_summed(found, relative)]:
        log.warning(warning)
    return _Scanned([t for t in found if not t.data.empty], problems, [])


def _without_files_cut_short(root: Path, tables: list[SourceTable]) -> tuple[list[SourceTable], list[Problem]]:
    """The tables without those of a CSV file that does not end with a line end where its siblings (the other
    CSV files of its dataset and vintage in the same folder: one release, one convention) do: a download cut at
    a row's end, whose last value may have lost digits. Releases differ (the CNAF's IRIS files of 2016 and 2017
    stop without a line end, those of 2018 end with one; INSEE's Filosofi 2014–2019 never do)."""
    plain = [t for t in tables if t.part is None and Path(t.path).suffix.lower() in {".csv", ".txt"}]
    if not plain:
        return tables, []
    files = pd.DataFrame(
        {
            "path": [t.path for t in plain],
            "siblings": [(t.dataset, t.vintage, str(Path(t.path).parent)) for t in plain],
            "line_end": [_ends_with_line_end(root / t.path) for t in plain],
        }
    ).drop_duplicates("path")
    with_one = files.groupby("siblings")["line_end"].transform("any")
    cut = files.loc[with_one & ~files["line_end"], "path"].tolist()
    problems = [
        Problem(
            path,
            "le fichier ne se termine pas par un saut de ligne, contrairement aux autres fichiers du même jeu de "
            "données dans ce dossier : téléchargement interrompu (sa dernière valeur a pu perdre des chiffres) ; "
            "téléchargez-le à nouveau",
            blocking=True,
        )
        for path in cut
    ]
    refused = set(cut)
    return [t for t in tables if t.path not in refused], problems


def _ends_with_line_end(path: Path) -> bool:
    with path.open("rb") as file:
        file.seek(-1, 2)
        return file.read(1) in (b"\n", b"\r")


def _departements_not_summed(tables: list[SourceTable], relative: str) -> list[str]:
    """Warnings for a file whose communes do not add up to its own value for their département (INSEE's
    row, in a Melodi file or a legal populations workbook): a cut or mixed file, which loses whole communes.
    A gap of a few units is INSEE's own (a département's births count a few whose commune is unknown: Cantal,
    2014, 1 214 against its communes' 1 213): under half a per cent, it is not said. Said at every scan."""
    said = []
    for communes in (t for t in tables if t.level == "commune"):
        departements = [t for t in tables if t.level == "departement" and t.dataset == communes.dataset]
        if not departements:
            continue
        dataset = get_dataset(communes.dataset)
        published = departements[0].data.set_index(["geo", "period"])
        columns = ["geo", "period", *communes.variables]
        summed = (
            communes.data[columns]
            .assign(geo=departement_of(communes.data["geo"]))
            .groupby(["geo", "period"])
            .sum(min_count=1)
        )
        gaps = {}
        for variable in (v for v in communes.variables if v in published.columns and dataset.is_additive(v)):
            both = pd.concat([summed[variable].rename("summed"), published[variable].rename("published")], axis=1)
            both = both.dropna()
            close = np.isclose(both["summed"], both["published"], rtol=_TOLERATED_GAP, atol=0.5)
            if not close.all():
                gaps[variable] = both.loc[~close]
        if gaps:
            # One warning per file, whatever the number of its variables that miss.
            (variable, first), *_ = gaps.items()
            (code, year), values = first.index[0], first.iloc[0]
            units = {key for rows in gaps.values() for key in rows.index}
            said.append(
                f"{relative} : ses communes ne font pas la valeur qu'il donne pour leur département "
                f"({counted(len(units), 'département × année', 'départements × années')}, "
                f"{counted(len(gaps), 'variable')} ; par exemple {variable} du {code} "
                f"en {year} : {format_count(values['summed'])} contre {format_count(values['published'])}) : "
                "fichier coupé ou mélangé ? Les indicateurs somment les communes présentes"
            )
    return said


def _misleading_names(tables: list[SourceTable], relative: str) -> list[str]:
    """Warnings for a file whose name says a year its content contradicts: the content is what counts.

    Said at every scan, whether the tables were read or found in the cache; a name with two years
    (``ensemble_RP2019_en_vigueur_2022``) agrees when the vintage or the COG year is one of them.
    """
    said = []
    for table in tables:
        named = set(years_in_name(f"{Path(relative).name} {table.part or ''}"))
        dated = {table.vintage, table.cog_year} - {None}
        if named and dated and not named & dated:
            said.append(
                f"{relative} : millésime {table.vintage} d'après son contenu, et non "
                f"{' ou '.join(map(str, sorted(named)))} comme le dit son nom ; le contenu fait foi"
            )
    return list(dict.fromkeys(said))


def _area_names() -> tuple[set[str], set[str]]:
    """French names of the départements and régions (an outline file of 2-character codes is one or the other)."""
    shipped = departements()
    return set(shipped["departement_label"]), set(shipped["region_label"])


def _problem(relative: str, exc: CtgError) -> Problem:
    """The problem of a file that failed, blocking when it is an official file gone wrong."""
    reason = exc.problem if isinstance(exc, SourceFileError) else str(exc)
    official_name = bool(_OFFICIAL_NAME.search(Path(relative).name))
    if isinstance(exc, UnreadableFileError):
        return Problem(relative, reason, blocking=official_name)
    if isinstance(exc, UnrecognisedFileError):
        # Documentation and known files that are not used are said, never blocking.
        stranger = "mise en page inconnue" in reason or "aucune feuille" in reason
        return Problem(relative, reason, blocking=stranger and official_name)
    return Problem(relative, reason, blocking=True)  # recognised by its content, but broken


def _read_cached(path: Path, root: Path, relative: str, demo: bool, cache: TableCache) -> list[SourceTable]:
    sha256 = file_hash(path)
    cached = cache.get(sha256)
    if isinstance(cached, str):
        raise UnrecognisedFileError(path, cached)
    if cached is not None:
        # The same bytes may sit under another name or folder: identity comes from this scan.
        return [dataclasses.replace(t, path=relative, demo=demo) for t in cached]
    try:
        tables = read_file(path, root=root, demo=demo, sha256=sha256)
    except UnrecognisedFileError as exc:
        cache.put(sha256, exc.problem)  # readable, of no known layout: not read again
        raise
    cache.put(sha256, tables)
    return tables


def _file_name(table: SourceTable) -> str:
    """A table's file, and its part (zip member, sheet), as the listings show it."""
    return table.path + (f" [{table.part}]" if table.part else "")
