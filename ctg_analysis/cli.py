"""The ``ctg`` command: a thin layer over the library.

Every error a user can cause is printed as one French message on standard error, without a traceback,
and the command exits with code 2.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import signal
import sys
import textwrap
from pathlib import Path

import click
import pandas as pd

from ctg_analysis import config
from ctg_analysis.errors import CtgError, Interrupted
from ctg_analysis.feedback import QUIET_ENV, ConsoleHandler
from ctg_analysis.formatting import MISSING, counted

__all__ = ["main"]

log = logging.getLogger("ctg_analysis")


#: What to do about a system error, by errno; exit code 1 for a run that failed, 2 for a path to change.
_SYSTEM_ERRORS = {
    errno.ENOSPC: ("disque plein : libérez de la place (ou choisissez un autre dossier avec --out) et relancez", 1),
    errno.EDQUOT: ("quota disque atteint : libérez de la place et relancez", 1),
    errno.EACCES: ("permission refusée : choisissez un dossier où vous pouvez écrire, ou demandez l'accès", 2),
    errno.EPERM: ("opération non permise : choisissez un autre dossier, ou demandez l'accès", 2),
    errno.EROFS: ("dossier en lecture seule : choisissez un dossier où vous pouvez écrire (--out)", 2),
    errno.ENOENT: ("introuvable : vérifiez le chemin", 2),
    errno.ENOTDIR: ("n'est pas un dossier : vérifiez le chemin", 2),
}


def _friendly_errors(command):
    """Turn an expected failure into one French line and an exit code: a :class:`CtgError` (bad input) 2;
    a system error (disk full, permission denied, missing folder) 1 or 2 with what to do; no memory left 1.
    ``ctg --debug`` shows the traceback instead."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CtgError as exc:
            click.echo(f"erreur : {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt as exc:
            stopped = exc if isinstance(exc, Interrupted) else Interrupted(signal.SIGINT)
            kept = counted(stopped.finished, "rapport terminé conservé", "rapports terminés conservés")
            done = f" : {kept}" if stopped.finished else ""
            rest = f", {counted(len(stopped.unfinished), 'interrompu')} (voir l'index)" if stopped.unfinished else ""
            click.echo(f"interrompu{done}{rest} ; relancez avec --resume pour terminer", err=True)
            sys.exit(stopped.exit_code)
        except (OSError, MemoryError) as exc:
            context = click.get_current_context(silent=True)
            if context is not None and context.find_root().params.get("debug"):
                raise
            if isinstance(exc, MemoryError):
                message, code = "mémoire insuffisante : traitez moins de territoires à la fois (--territory)", 1
            else:
                advice, code = _SYSTEM_ERRORS.get(exc.errno, (exc.strerror or str(exc), 1))
                message = f"{exc.filename} : {advice}" if exc.filename else advice
            click.echo(f"erreur : {message} (relancez avec ctg --debug pour le détail)", err=True)
            sys.exit(code)

    return wrapper


def _terminated(signum, frame) -> None:
    raise Interrupted(signum)


def _show(frame: pd.DataFrame) -> str:
    with pd.option_context(
        "display.max_rows", None, "display.max_columns", None, "display.width", 250, "display.max_colwidth", 90
    ):
        return frame.to_string(index=False)


#: The width of what the commands print: a terminal's, with room to spare.
_WIDTH = 100


def _listed(entries: list[tuple[str, str]], indent: str = "  ") -> str:
    """Entries as a terminal shows them: each head on its line, its detail wrapped under it."""
    lines = []
    for head, detail in entries:
        lines.append(_wrapped(head, f"{indent}- ", f"{indent}  "))
        if detail:
            lines.append(_wrapped(detail, f"{indent}    ", f"{indent}    "))
    return "\n".join(lines)


def _wrapped(text: str, first: str = "", then: str = "") -> str:
    """A text wrapped to the terminal's width between words, never inside a path or a code."""
    return textwrap.fill(
        text, _WIDTH, initial_indent=first, subsequent_indent=then, break_long_words=False, break_on_hyphens=False
    )


def _tables_found(summary: pd.DataFrame) -> str:
    """The tables of ``DataFolder.summary``, dataset by dataset, one entry per file and vintage with its levels."""
    blocks = []
    for dataset, rows in summary.groupby("jeu de données", sort=False):
        entries = []
        for (path, vintage, cog), levels in rows.groupby(["fichier", "millésime", "COG"], sort=False):
            when = (f"millésime {vintage}" if vintage != MISSING else "") + (f" (COG {cog})" if cog != MISSING else "")
            counts = ", ".join(
                f"{level} {counted(n, 'ligne')}" for level, n in zip(levels["niveau"], levels["lignes"], strict=True)
            )
            entries.append((str(path), f"{when} : {counts}" if when else counts))
        blocks.append(f"  {dataset}\n" + _listed(entries, indent="    "))
    return "\n".join(blocks)


def _years_said(years: list[int]) -> str:
    """Years as a sentence gives them: runs of consecutive years as spans (``2008-2012, 2014``).

    Examples
    --------
    >>> _years_said([2014, 2008, 2009, 2010, 2012])
    '2008-2010, 2012, 2014'
    """
    ordered = sorted(set(years))
    runs: list[list[int]] = []
    for year in ordered:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


#: click's headings, as the help pages say them.
_HEADINGS = {"Options": "Options", "Commands": "Commandes", "Arguments": "Arguments"}


class _FrenchHelp(click.HelpFormatter):
    """click's help page in French: the usage line and the headings (« Commandes : »)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="Utilisation : " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)} :\n")


class _FrenchContext(click.Context):
    formatter_class = _FrenchHelp


class _UsageError(click.UsageError):
    """A mistake on the command line, said in French on one line with where to find help (exit code 2)."""

    def show(self, file=None) -> None:
        where = f" ; « {self.ctx.command_path} -h » pour l'aide" if self.ctx is not None else ""
        click.echo(f"erreur : {self.message}{where}", err=True)


def _in_french(exc: click.UsageError) -> _UsageError:
    """click's usage errors (an unknown option or command, a missing or refused value) in French."""
    if isinstance(exc, click.NoSuchOption):
        close = " ou ".join(f"« {p} »" for p in exc.possibilities or [])
        message = f"option inconnue « {exc.option_name} »" + (f" ; vouliez-vous dire {close} ?" if close else "")
    elif isinstance(exc, click.MissingParameter):
        message = f"{exc.param_hint or 'paramètre'} manquant"
    elif isinstance(exc, click.BadParameter):
        message = f"valeur refusée pour {exc.param_hint or 'un paramètre'} ({exc.message})"
    elif exc.message.startswith("No such command"):
        name = exc.message.removeprefix("No such command").strip(" .'")
        message = f"commande inconnue « {name} »"
    else:
        message = exc.message
    return _UsageError(message, exc.ctx)


class _French:
    """A command whose help page and usage errors are in French."""

    context_class: type[click.Context] = _FrenchContext

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)  # type: ignore[misc]  # the mixin's base is click's
        except click.UsageError as exc:
            raise _in_french(exc) from None

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)  # type: ignore[misc]  # the mixin's base is click's
        if option is not None:
            option.help = "Affiche cette aide et quitte."
        return option


class _Command(_French, click.Command):
    pass


class _Group(_French, click.Group):
    command_class = _Command
    group_class = type  # its subgroups are of its own class

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            raise _in_french(exc) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Affiche le détail des opérations.")
@click.option("-q", "--quiet", is_flag=True, help="Sans barre de progression.")
@click.option(
    "--project",
    type=click.Path(path_type=Path),
    help="Dossier du projet (par défaut : celui du dossier courant ou d'un parent qui contient ctg.toml).",
)
@click.option("--debug", is_flag=True, help="Affiche la trace Python d'une erreur système.")
@click.version_option(package_name="ctg-analysis", help="Affiche la version et quitte.")
@_friendly_errors
def main(verbose: bool, quiet: bool, project: Path | None, debug: bool) -> None:
    """ctg-analysis : diagnostics partagés de Convention Territoriale Globale.

    Les commandes travaillent dans le projet du dossier courant (ctg.toml, créé par « ctg init »).
    """
    for level, name in ((logging.INFO, "info"), (logging.WARNING, "attention"), (logging.ERROR, "erreur")):
        logging.addLevelName(level, name)
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, ConsoleHandler)] + [ConsoleHandler()]
    # Our warnings always; the libraries' (Jupyter, nbconvert) only their errors, unless --verbose.
    root.setLevel(logging.INFO if verbose else logging.ERROR)
    log.setLevel(logging.INFO if verbose else logging.WARNING)
    # Environment variables, so that worker processes and report kernels see the same project and mode.
    if project is not None:
        os.environ[config.PROJECT_ENV] = str(config.Project.load(project).root)
    if quiet:
        os.environ[QUIET_ENV] = "1"


@main.command("init")
@click.argument("folder", type=click.Path(path_type=Path), default=".")
@click.option("--demo", is_flag=True, help="Avec le jeu de démonstration (données fictives) dans data/raw.")
@_friendly_errors
def init(folder: Path, demo: bool) -> None:
    """Crée un projet dans FOLDER (par défaut le dossier courant) : ctg.toml, data/raw, territoires,
    plan d'actions, reports/ et les carnets modifiables."""
    from ctg_analysis.scaffold import init_project

    written = init_project(folder, demo=demo)
    root = written[-1].parent
    click.echo(f"Projet créé dans {root} ({len(written)} fichiers).")
    if demo:
        click.echo(f"Données de démonstration dans data/raw. Essayez : cd {root} && ctg report --all")
    else:
        click.echo(
            "Ensuite : déclarez vos territoires dans data/territories.yaml, téléchargez les fichiers officiels avec "
            "« ctg fetch » (ou déposez-les dans data/raw : voir data/raw/README.md ; « ctg data check » les "
            "vérifie), puis « ctg report --all »."
        )


@main.group()
def data() -> None:
    """Fichiers de données officiels (INSEE, CNAF)."""


def _skip_bad_files(command):
    """The ``--skip-bad-files`` option of every command that reads a data folder."""
    return click.option(
        "--skip-bad-files",
        is_flag=True,
        help="Continuer sans les fichiers officiels illisibles ou vides du dossier (les rapports les citent).",
    )(command)


def _data_option(what: str = "Dossier de données"):
    """The ``--data`` option of every command that reads a data folder."""
    return click.option(
        "--data", "data_dir", type=click.Path(path_type=Path), help=f"{what} (par défaut celui du projet, ctg.toml)."
    )


_territories_option = click.option(
    "--territories",
    "territories_file",
    type=click.Path(path_type=Path),
    help="Fichier des territoires (par défaut celui du dossier de données, sinon celui du projet, "
    "data/territories.yaml).",
)


@data.command("check")
@click.argument("folder", type=click.Path(path_type=Path), required=False)
@click.option("--cache/--no-cache", default=True, show_default=True, help="Utiliser le cache parquet (data/processed).")
@_skip_bad_files
@_friendly_errors
def data_check(folder: Path | None, cache: bool, skip_bad_files: bool) -> None:
    """Liste les jeux de données reconnus dans FOLDER (par défaut le dossier de données du projet) et les
    fichiers non utilisés."""
    from ctg_analysis.geography.reference import dated_commune_lists
    from ctg_analysis.sources.folder import scan_folder

    found = dated_commune_lists(scan_folder(config.data_folder(folder), cache_dir=None if cache else False))
    click.echo(f"Dossier : {found.root}" + (" — données fictives de démonstration" if found.demo else ""))
    if found.tables:
        summary = found.summary()
        files = counted(summary["fichier"].nunique(), "fichier")
        click.echo(f"\n{counted(len(summary), 'table reconnue', 'tables reconnues')} dans {files} :\n")
        click.echo(_tables_found(summary))
        if not (providers := found.providers()).empty:
            said = (
                "Années données par plusieurs fichiers : celui du millésime le plus récent est retenu (à millésime "
                "égal, le premier dans l'ordre des chemins) ; un désaccord entre eux est signalé à la préparation :"
            )
            click.echo(f"\n{_wrapped(said)}\n")
            click.echo(_providers_said(providers))
        if notes := found.notes():
            click.echo("\nCe que disent les fichiers :\n" + "\n".join(f"  - {note}" for note in notes))
    else:
        click.echo("\nAucune table reconnue.")
    if fetched := found.fetched():
        click.echo("\nFichiers téléchargés par ctg fetch (verrou fetch.lock.toml) :\n")
        click.echo(_listed([(path, citation) for path, citation in (line.split(" : ", 1) for line in fetched)]))
    if found.problems:
        click.echo(f"\n{counted(len(found.problems), 'fichier non utilisé', 'fichiers non utilisés')} :\n")
        click.echo(_listed([(p.path + (" (bloquant)" if p.blocking else ""), p.reason) for p in found.problems]))
    found.require_readable(skip_bad_files=skip_bad_files)
    if not found.tables:
        sys.exit(2)


def _providers_said(providers: pd.DataFrame) -> str:
    """The years several files give, grouped by dataset, file kept and files set aside."""
    columns = ["jeu de données", "fichier retenu", "aussi dans"]
    entries = [
        (f"{dataset}, {_years_said(rows['année'].astype(int).tolist())} : {kept}", f"aussi dans {others}")
        for (dataset, kept, others), rows in providers.groupby(columns, sort=False)
    ]
    return _listed(entries)


@main.group()
def territories() -> None:
    """Territoires (regroupements de communes) déclarés dans data/territories.yaml du projet."""


@territories.command("check")
@click.argument("file", type=click.Path(path_type=Path), required=False)
@_data_option()
@_skip_bad_files
@_friendly_errors
def territories_check(file: Path | None, data_dir: Path | None, skip_bad_files: bool) -> None:
    """Valide FILE (par défaut les territoires du dossier de données, sinon ceux du projet) contre
    le référentiel complet des communes, dans la géographie des données."""
    from ctg_analysis import config
    from ctg_analysis.diagnostic import Diagnostic
    from ctg_analysis.territories import load_territories, territory_entries

    territory_entries(config.territories_file(data_dir, file))  # a malformed file is said before the data scan
    diagnostic = Diagnostic.open(data_dir, file, skip_bad_files=skip_bad_files)
    reference = diagnostic.reference
    # Every territory must be valid here (a report leaves the invalid ones out).
    loaded = load_territories(diagnostic.territories_file, reference, diagnostic.movements)
    names = reference.set_index("code")["label"]
    entries = [
        (
            f"{t.id} : {t.label} — {counted(len(t.communes), 'commune')}, "
            f"{counted(len(t.departements), 'département')} ({', '.join(t.departements)})",
            ", ".join(names.reindex(list(t.communes)).fillna("?")),
        )
        for t in loaded
    ]
    valid = counted(len(loaded), "territoire valide", "territoires valides")
    click.echo(_wrapped(f"{valid} (référentiel : {reference.attrs['built_from']}) :") + "\n")
    click.echo(_listed(entries))
    for note in loaded.notes:
        click.echo("\n" + _wrapped(f"Note : {note}", then="  "))


def _project_byline(*, demo: bool) -> str:
    """The CAF and author of the current project (none outside a project), for a deck's title slide."""
    project = config.find_project()
    return config.byline(project.caf if project else "", project.author if project else "", demo=demo)


@main.command("indicators")
@_data_option()
@_territories_option
@click.option(
    "--territory", "territory_ids", multiple=True, help="Identifiant d'un territoire (répétable ; par défaut tous)."
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Fichier de sortie .csv, .xlsx ou .parquet (table longue)."
)
@click.option("--list", "listing", is_flag=True, help="Liste le catalogue des indicateurs, thème par thème, et quitte.")
@_skip_bad_files
@_friendly_errors
def indicators(
    data_dir: Path | None,
    territories_file: Path | None,
    territory_ids: tuple[str, ...],
    out: Path | None,
    listing: bool,
    skip_bad_files: bool,
) -> None:
    """Calcule les indicateurs des territoires à tous les niveaux de comparaison (--list : le catalogue)."""
    if listing:
        click.echo(_catalogue_said())
        return
    from ctg_analysis.diagnostic import Diagnostic
    from ctg_analysis.exports import write_table
    from ctg_analysis.indicators.display import key_figures, partial_legend

    diagnostic = Diagnostic.open(data_dir, territories_file, skip_bad_files=skip_bad_files)
    loaded = diagnostic.territories
    ids = list(territory_ids) or None
    table = diagnostic.table(ids)
    if out is not None:
        write_table(table, out)
        click.echo(f"{len(table)} lignes écrites dans {out}")
        return
    for territory in ids or [t.id for t in loaded]:
        label = loaded.get(territory).label
        click.echo(f"\n{label} ({territory}) — chiffres clés\n")
        figures = key_figures(table, territory)
        click.echo(_show(figures))
        if notes := figures.attrs.get("notes"):
            click.echo("\n" + _wrapped(partial_legend(notes)))
    click.echo("\n* valeur fragile (petits effectifs, partielle ou non disponible pour un regroupement de communes)")
    if diagnostic.demo:
        click.echo("Données fictives de démonstration.")


def _catalogue_said() -> str:
    """The catalogue of indicators in French, theme by theme: each id (what a plan d'actions names), its label,
    unit and the data it is computed from."""
    from ctg_analysis.indicators.catalogue import all_indicators
    from ctg_analysis.sources.datasets import DATASETS
    from ctg_analysis.themes import THEME_IDS, get_theme

    indicators = all_indicators()
    blocks = []
    for theme in THEME_IDS:
        entries = [
            (
                f"{i.id} : {i.label}",
                f"{i.unit} ; données : " + ", ".join(DATASETS[d].label for d in i.datasets if d in DATASETS),
            )
            for i in indicators
            if i.theme == theme
        ]
        if entries:
            blocks.append(f"{get_theme(theme).title} ({counted(len(entries), 'indicateur')})\n\n{_listed(entries)}")
    head = _wrapped(
        f"{counted(len(indicators), 'indicateur')} au catalogue ; un plan d'actions les nomme par leur identifiant "
        "(indicateurs: [naissances, part_0_2…])."
    )
    return head + "\n\n" + "\n\n".join(blocks)


@main.command("export")
@_data_option()
@_territories_option
@click.option("--territory", "territory_id", required=True, help="Identifiant du territoire.")
@click.option(
    "--formats",
    default="png,svg,pptx,xlsx,html",
    show_default=True,
    help="Formats séparés par des virgules : png, svg, pptx, xlsx, html (la page interactive).",
)
@click.option("--out", type=click.Path(path_type=Path), help="Dossier de sortie (par défaut reports/<territoire>).")
@click.option(
    "--size",
    type=click.Choice(["slide", "half"]),
    default="slide",
    show_default=True,
    help="Taille des images : diapositive entière ou demi-diapositive.",
)
@click.option("--template", type=click.Path(path_type=Path), help="Modèle PowerPoint (.pptx) de votre structure.")
@_skip_bad_files
@_friendly_errors
def export(data_dir, territories_file, territory_id, formats, out, size, template, skip_bad_files) -> None:
    """Exporte les graphiques (PNG, SVG), le classeur Excel de référence, le diaporama et la page interactive
    d'un territoire."""
    from ctg_analysis.diagnostic import Diagnostic
    from ctg_analysis.exports.documents import check_formats, write_documents
    from ctg_analysis.files import territory_slug

    wanted = check_formats(formats)
    diagnostic = Diagnostic.open(data_dir, territories_file, skip_bad_files=skip_bad_files)
    diagnostic.territories.get(territory_id)
    table = diagnostic.table([territory_id])
    target = config.reports_folder(out, territory_slug(territory_id))
    written = write_documents(
        table,
        territory_id,
        target,
        wanted,
        cog_year=diagnostic.cog_year,
        byline=_project_byline(demo=diagnostic.demo),
        size=size,
        template=template,
        colour=project.colour if (project := config.find_project()) else config.DEFAULT_COLOUR,
        logo=project.logo if project else None,
        outlines=diagnostic.outlines,
    )
    click.echo(f"{counted(len(written), 'fichier écrit', 'fichiers écrits')} dans {target}")


@main.command("report")
@click.option("--territory", "territory_ids", multiple=True, help="Identifiant d'un territoire (répétable).")
@click.option("--all", "all_territories", is_flag=True, help="Tous les territoires du fichier.")
@click.option(
    "--overview",
    "overviews",
    multiple=True,
    help="Aperçu interactif d'un département (répétable) : 95, 2A — toutes ses communes et tous ses EPCI.",
)
@_data_option()
@_territories_option
@click.option(
    "--out", type=click.Path(path_type=Path), help="Dossier des rapports (par défaut celui du projet, reports/)."
)
@click.option(
    "--template",
    type=click.Path(path_type=Path),
    help="Modèle de rapport (par défaut notebooks/diagnostic du projet, sinon celui du paquet).",
)
@click.option("--workers", type=int, help="Processus en parallèle (par défaut : nombre de cœurs).")
@click.option("--resume", is_flag=True, help="Ne refait pas les rapports à jour (mêmes données, territoire et modèle).")
@click.option("--scheduler", help="Adresse d'un ordonnanceur Dask (tcp://hôte:port) ; extra [dist].")
@click.option("--pdf", is_flag=True, help="Imprime aussi chaque rapport en PDF A4 (extra [pdf] : WeasyPrint).")
@_skip_bad_files
@_friendly_errors
def report(
    territory_ids,
    all_territories,
    overviews,
    data_dir,
    territories_file,
    out,
    template,
    workers,
    resume,
    scheduler,
    pdf,
    skip_bad_files,
) -> None:
    """Produit le diagnostic de chaque territoire (carnet exécuté, HTML, graphiques, classeur, diaporama, page
    interactive) et, avec --overview, l'aperçu interactif d'un département."""
    from ctg_analysis.reports.kernels import without_iri_grammar

    without_iri_grammar()
    from ctg_analysis.reports import render_reports
    from ctg_analysis.reports.metadata import Status

    if territory_ids and all_territories or not (territory_ids or all_territories or overviews):
        raise CtgError("indiquez --territory ID (répétable), --all ou --overview DÉPARTEMENT")
    target = config.reports_folder(out).resolve()
    if overviews:
        from ctg_analysis.reports.overview import write_overviews

        pages = write_overviews(
            overviews,
            data_dir=data_dir,
            territories_file=territories_file,
            reports_dir=out,
            skip_bad_files=skip_bad_files,
        )
        for page in pages:
            click.echo(f"Aperçu : {page.resolve()}")
        if not (territory_ids or all_territories):
            click.echo(f"Index : {target / 'index.html'}")
            return
    signal.signal(signal.SIGTERM, _terminated)  # stopped like Ctrl-C: kernels shut down, nothing half-written
    results = render_reports(
        list(territory_ids) or None,
        data_dir=data_dir,
        territories_file=territories_file,
        reports_dir=out,
        template=template,
        workers=workers,
        resume=resume,
        pdf=pdf,
        scheduler=scheduler,
        progress=None,
        skip_bad_files=skip_bad_files,
    )
    for result in results:
        line = f"{result.status:8} {result.territory_id} ({result.seconds:.1f} s)"
        click.echo(line + (f" : {result.error}" if result.error else ""))
    click.echo(f"Index : {target / 'index.html'}")
    if any(r.status == Status.FAILED for r in results):
        sys.exit(1)


@main.command("fetch")
@click.option("--territory", "territory_ids", multiple=True, help="Identifiant d'un territoire (répétable).")
@click.option("--departement", "departements", multiple=True, help="Un département entier (répétable) : 95, 2A.")
@click.option("--all-france", is_flag=True, help="Les fichiers de toute la France, sans filtre.")
@click.option("--dataset", "datasets", multiple=True, help="Un jeu de données du catalogue (répétable) : naissances…")
@click.option(
    "--millesime", "vintage", default="", help="Le millésime voulu des fichiers Melodi (par défaut le dernier)."
)
@click.option("--dry-run", is_flag=True, help="Dit ce qui serait téléchargé, d'où, et sa taille, sans rien écrire.")
@click.option("--update", is_flag=True, help="Télécharge à nouveau ce que l'éditeur a modifié depuis le verrou.")
@click.option("--check", is_flag=True, help="Vérifie chaque fichier téléchargé contre le verrou (sha256).")
@click.option("--offline", is_flag=True, help="N'utilise que le cache de téléchargement, sans réseau.")
@_data_option()
@_territories_option
@_friendly_errors
def fetch(
    territory_ids,
    departements,
    all_france,
    datasets,
    vintage,
    dry_run,
    update,
    check,
    offline,
    data_dir,
    territories_file,
) -> None:
    """Télécharge les fichiers officiels (Insee, CNAF, IGN) dont les territoires ont besoin dans le dossier de
    données, les vérifie et les inscrit au verrou (fetch.lock.toml)."""
    from ctg_analysis import fetch as fetching

    folder = config.data_folder(data_dir)
    if check:
        lock = fetching.read_lock(folder)
        if not lock:  # nothing was fetched here: « all conform » would vouch for files no one checked
            click.echo(
                f"Aucun fichier téléchargé par ctg fetch dans {folder} ({fetching.LOCK_FILE} absent) : rien à vérifier."
            )
            sys.exit(0)
        problems = fetching.changed_files(folder, lock, {})
        conform = f"Les {counted(len(lock), 'fichier')} du verrou sont conformes ({folder})."
        click.echo("\n".join(f"modifié : {p}" for p in problems) or conform)
        sys.exit(1 if problems else 0)
    sources = fetching.chosen_sources(datasets)
    areas = (
        fetching.Areas()
        if all_france
        else fetching.plan.territories_areas(
            folder, config.territories_file(data_dir, territories_file), territory_ids, departements
        )
    )
    fetcher = fetching.Fetcher(folder, offline=offline, update=update)
    click.echo(
        f"Zones : {areas.said()} ; {counted(len(sources), 'jeu de données', 'jeux de données')} ; dossier : {folder}"
    )
    requests, failures = fetcher.plan(sources, areas, vintage)
    signal.signal(signal.SIGTERM, _terminated)  # stopped like Ctrl-C: the partial download kept for the next run
    try:
        failures += _fetch_each(fetcher, requests, dry_run=dry_run)
    except KeyboardInterrupt as exc:
        click.echo(
            "interrompu : les fichiers finis sont gardés, au verrou ; relancez « ctg fetch » : le téléchargement "
            "en cours reprendra où il s'est arrêté",
            err=True,
        )
        sys.exit(exc.exit_code if isinstance(exc, Interrupted) else 130)
    for failure in failures:
        click.echo(_wrapped(f"échec : {failure}", then="    "), err=True)
    if requests and not dry_run:
        click.echo(f"Verrou : {folder / fetching.LOCK_FILE}")
    sys.exit(1 if failures else 0)


def _fetch_each(fetcher, requests, *, dry_run: bool) -> list[str]:
    """Fetch each request in turn, saying what became of it; the failures (French), the others going on."""
    from ctg_analysis.fetch.run import said

    failures = []
    for request in requests:
        try:
            click.echo(_wrapped(said(fetcher.fetch(request, dry_run=dry_run)), then="    "))
        except CtgError as exc:
            failures.append(f"{request.source.id} : {exc}")
    return failures


def _refresh_index(out: Path | None) -> None:
    """The reports' index lists the documents just written in a territory's folder (not only at the next report)."""
    if out is None:
        from ctg_analysis.reports.index import refresh_index

        refresh_index(config.reports_folder())


_FICHE_FORMATS = ("xlsx", "docx")


@main.command("fiches")
@click.option("--territory", "territory_id", help="Identifiant du territoire (par défaut celui du plan).")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path),
    help="Plan d'actions (.yaml ou .xlsx) ; sans plan, une fiche par thématique.",
)
@_data_option()
@_territories_option
@click.option(
    "--formats", default="xlsx,docx", show_default=True, help="Formats séparés par des virgules : xlsx, docx."
)
@click.option(
    "--phrases",
    "phrases_file",
    type=click.Path(path_type=Path),
    help="Votre copie modifiée de phrases.yaml (formulation du diagnostic initial).",
)
@click.option("--out", type=click.Path(path_type=Path), help="Dossier de sortie (par défaut reports/<territoire>).")
@_skip_bad_files
@_friendly_errors
def fiches(territory_id, plan_file, data_dir, territories_file, formats, phrases_file, out, skip_bad_files) -> None:
    """Produit les fiches actions pré-remplies (diagnostic initial, indicateurs d'évaluation) d'un territoire."""
    from ctg_analysis.actions.fiches import build_fiches, write_fiches_docx, write_fiches_xlsx
    from ctg_analysis.actions.plan import load_plan
    from ctg_analysis.commentary.sentences import load_phrases
    from ctg_analysis.diagnostic import Diagnostic
    from ctg_analysis.exports.documents import check_formats
    from ctg_analysis.files import territory_slug
    from ctg_analysis.reports.metadata import FICHES_DOCX, FICHES_XLSX

    wanted = check_formats(formats, _FICHE_FORMATS)
    phrases = load_phrases(phrases_file) if phrases_file else None
    plan = load_plan(plan_file) if plan_file else None
    territory_id = _plan_territory(territory_id, plan)
    diagnostic = Diagnostic.open(data_dir, territories_file, skip_bad_files=skip_bad_files)
    loaded = diagnostic.territories
    loaded.get(territory_id)
    table = diagnostic.table([territory_id])
    built = build_fiches(table, territory_id, plan, phrases=phrases)
    target = config.reports_folder(out, territory_slug(territory_id))
    written = []
    if "xlsx" in wanted:
        written.append(write_fiches_xlsx(built, target / FICHES_XLSX))
    if "docx" in wanted:
        written.append(write_fiches_docx(built, target / FICHES_DOCX))
    click.echo(f"{counted(len(built), 'fiche action', 'fiches actions')} pour {loaded.get(territory_id).label} :")
    for path in written:
        click.echo(f"  {path}")
    _refresh_index(out)


@main.command("suivi")
@click.option(
    "--territory", "territory_id", help="Identifiant du territoire (par défaut celui du classeur de référence)."
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path),
    required=True,
    help="Classeur de référence (diagnostic.xlsx de « ctg export »).",
)
@_data_option("Dossier des nouvelles données")
@_territories_option
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path),
    help="Plan d'actions : indicateurs d'évaluation et cibles (par défaut tous les indicateurs de la référence).",
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Dossier de sortie (par défaut reports/<territoire>/suivi)."
)
@_skip_bad_files
@_friendly_errors
def suivi(territory_id, baseline_file, data_dir, territories_file, plan_file, out, skip_bad_files) -> None:
    """Suivi annuel des indicateurs d'évaluation : référence, valeur actuelle, cible, validité de la comparaison."""
    from ctg_analysis.actions.followup import follow_up, read_baseline, same_geography
    from ctg_analysis.actions.plan import load_plan
    from ctg_analysis.actions.steering import charted, follow_up_chart, write_follow_up_deck, write_follow_up_xlsx
    from ctg_analysis.charts.export import save_figure
    from ctg_analysis.diagnostic import Diagnostic
    from ctg_analysis.files import territory_slug
    from ctg_analysis.formatting import format_value
    from ctg_analysis.indicators import get_indicator
    from ctg_analysis.reports.metadata import FOLLOW_UP_FOLDER

    baseline = read_baseline(baseline_file)
    plan = load_plan(plan_file) if plan_file else None
    territory_id = territory_id or baseline.territory or _plan_territory(None, plan)
    if baseline.territory and baseline.territory != territory_id:
        raise CtgError(
            f"{baseline_file} : classeur de référence du territoire {baseline.territory!r}, pas de {territory_id!r}"
        )
    diagnostic = Diagnostic.open(data_dir, territories_file, skip_bad_files=skip_bad_files)
    territory = diagnostic.territories.get(territory_id)
    table = diagnostic.table([territory_id])
    geography = same_geography(baseline, frozenset(territory.communes), diagnostic.cog_year, diagnostic.movements)
    follow = follow_up(baseline, table, territory_id, geography=geography, plan=plan)
    target = config.reports_folder(out, territory_slug(territory_id), FOLLOW_UP_FOLDER)
    options = {"baseline": baseline, "label": territory.label, "geography": geography, "demo": diagnostic.demo}
    pictures = []
    for _, row in charted(follow).iterrows():
        figure = follow_up_chart(row, territory.label, demo=diagnostic.demo)
        pictures += save_figure(figure, target / "graphiques" / row["Identifiant"], formats=("png",))
    written = [
        write_follow_up_xlsx(follow, target / "suivi.xlsx", **options),
        write_follow_up_deck(follow, pictures, target / "suivi.pptx", **options),
    ]
    decimals = [get_indicator(i).decimals for i in follow["Identifiant"]]

    def shown(values: str, years: str) -> list[str]:
        return [
            f"{format_value(v, u, d)} ({y})"
            for v, u, d, y in zip(follow[values], follow["Unité"], decimals, follow[years].fillna("–"), strict=True)
        ]

    lines = pd.DataFrame(
        {
            "indicateur": follow["Indicateur"],
            "référence": shown("Valeur de référence", "Année de référence"),
            "actuel": shown("Valeur actuelle", "Année actuelle"),
            "valide": follow["Comparaison valide"],
            "motif": follow["Motif"],
        }
    )
    click.echo(f"Suivi annuel — {territory.label}\n")
    click.echo(_show(lines))
    if diagnostic.demo:
        click.echo("\nDonnées fictives de démonstration.")
    click.echo(f"\n{counted(len(written) + len(pictures), 'fichier écrit', 'fichiers écrits')} dans {target}")
    _refresh_index(out)


def _plan_territory(territory_id: str | None, plan) -> str:
    """The territory asked for, or the plan's; the two must agree."""
    if plan is not None and plan.territory and territory_id and plan.territory != territory_id:
        raise CtgError(f"{plan.source} : plan d'actions du territoire {plan.territory!r}, pas de {territory_id!r}")
    chosen = territory_id or (plan.territory if plan is not None else None)
    if not chosen:
        raise CtgError("indiquez --territory ID (ou « territoire: » dans le plan d'actions)")
    return chosen
