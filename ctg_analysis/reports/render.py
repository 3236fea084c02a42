"""Render one territory's report: execute the template with papermill, convert it to HTML without the
code, write the charts, workbook and deck, and move the whole folder into place only when complete."""

from __future__ import annotations

import html
import logging
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import nbformat
import papermill
from nbconvert import HTMLExporter

from ctg_analysis.errors import CtgError
from ctg_analysis.files import staging_folder, territory_slug, write_bytes
from ctg_analysis.reports.metadata import (
    FAILURE_NOTEBOOK,
    FAILURE_PAGE,
    MANIFEST,
    OTHER_COMMANDS,
    REPORT_DATA,
    Status,
    read_json,
    write_json,
)
from ctg_analysis.reports.pdf import write_pdf

log = logging.getLogger(__name__)

__all__ = ["RenderJob", "RenderResult", "render", "up_to_date"]


@dataclass(frozen=True)
class RenderJob:
    """Everything a worker needs to render one territory (picklable, absolute paths only)."""

    territory_id: str
    label: str
    notebook: str
    reports_dir: str
    inputs_hash: str
    parameters: dict = field(default_factory=dict)
    timeout: int = 600
    #: Print the HTML page to an A4 PDF as well (WeasyPrint, the ``pdf`` extra).
    pdf: bool = False
    #: The diagnostic the batch opened, handed over for a reused kernel to adopt (empty: none).
    opened: str = ""


@dataclass
class RenderResult:
    """How a territory's rendering went."""

    territory_id: str
    label: str
    slug: str
    status: Status
    seconds: float = 0.0
    error: str = ""
    #: The report's key figures as it wrote them (:data:`~ctg_analysis.reports.metadata.REPORT_DATA`).
    key_figures: list[dict] = field(default_factory=list)


@cache
def _exporter() -> HTMLExporter:
    """One HTML exporter per process (loading its templates costs more than a conversion)."""
    return HTMLExporter(
        template_name="report",  # resources/report: JupyterLab's page, offline, in French, printable on A4
        extra_template_basedirs=[str(resources.files("ctg_analysis.resources"))],
        language_code="fr",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def _html(notebook: nbformat.NotebookNode, title: str) -> str:
    body, _ = _exporter().from_notebook_node(notebook, resources={"metadata": {"name": title}})
    return _live_contents(body)


#: An entry of the report's table of contents (:meth:`~ctg_analysis.reports.notebook.Report.contents`).
_CONTENTS_ENTRY = re.compile(r'<li><a href="#([^"]+)">[^<]*</a></li>')


def _live_contents(body: str) -> str:
    """The page with the contents' entries whose section it holds: a project's copy of an older template (without
    the synthesis), or a template run on some themes, left links to nowhere."""
    anchors = set(re.findall(r'\bid="([^"]+)"', body))
    return _CONTENTS_ENTRY.sub(lambda entry: entry.group(0) if entry.group(1) in anchors else "", body)


def render(job: RenderJob, kernel=None) -> RenderResult:
    """Render a territory into ``<reports>/<slug>/`` through a staging folder.

    Parameters
    ----------
    job
        What to render.
    kernel
        A :class:`~ctg_analysis.reports.kernels.ReusableKernel` to execute in; ``None`` starts a fresh
        kernel for this notebook alone.
    """
    reports = Path(job.reports_dir)
    reports.mkdir(parents=True, exist_ok=True)
    staging = staging_folder(reports, f".{territory_slug(job.territory_id)}.")
    try:
        return _render_into(staging, job, kernel)
    finally:  # renamed into place when complete; whatever stopped it (a full disk, Ctrl-C), nothing left
        shutil.rmtree(staging, ignore_errors=True)


def _render_into(staging: Path, job: RenderJob, kernel) -> RenderResult:
    reports = Path(job.reports_dir)
    slug = territory_slug(job.territory_id)
    final = reports / slug
    started = time.perf_counter()
    parameters = {**job.parameters, "territory_id": job.territory_id, "output_dir": str(staging)}
    executed = staging / "diagnostic.ipynb"
    try:
        if kernel is not None:
            kernel.reset()
            kernel.adopt(job.opened)
        # The executed notebook is written once, at the end or on a cell's error, not after every cell.
        notebook = papermill.execute_notebook(
            job.notebook,
            str(executed),
            parameters=parameters,
            request_save_on_cell_execute=False,
            kernel_name="python3",
            km=kernel.manager if kernel is not None else None,
            progress_bar=False,
            execution_timeout=job.timeout,
        )
    except papermill.PapermillExecutionError as exc:
        if kernel is not None:
            kernel.restart()
        return _failed(job, slug, final, executed, f"{exc.ename}: {exc.evalue}", started)
    except Exception as exc:  # a kernel that died, a timeout: this territory fails, the batch goes on
        if kernel is not None:
            kernel.restart()
        return _failed(job, slug, final, executed, f"{type(exc).__name__}: {exc}", started)
    page = _html(notebook, job.label)
    write_bytes(staging / "diagnostic.html", page.encode("utf-8"))
    if job.pdf:
        try:
            write_pdf(page, staging / "diagnostic.pdf")
        except CtgError as exc:
            return _failed(job, slug, final, executed, str(exc), started)
    data = read_json(staging / REPORT_DATA) or {}  # written by the notebook with its exports
    result = RenderResult(
        job.territory_id,
        job.label,
        slug,
        Status.OK,
        time.perf_counter() - started,
        key_figures=data.get("key_figures", []),
    )
    _manifest(staging, job, result)
    _swap(staging, final)
    return result


def _manifest(folder: Path, job: RenderJob, result: RenderResult) -> None:
    write_json(folder / MANIFEST, {"inputs_hash": job.inputs_hash, **asdict(result)})


def up_to_date(reports: Path, job: RenderJob) -> RenderResult | None:
    """The territory's report when its manifest says it was rendered without failure from the same inputs
    (for ``resume``), else None."""
    try:
        info = read_json(reports / territory_slug(job.territory_id) / MANIFEST)
    except CtgError as exc:  # a manifest cut short by a crash proves nothing: render again
        log.warning("%s", exc)
        return None
    if info is None or info.get("status") != Status.OK or info.get("inputs_hash") != job.inputs_hash:
        return None
    return RenderResult(
        job.territory_id,
        job.label,
        territory_slug(job.territory_id),
        Status.UP_TO_DATE,
        key_figures=info.get("key_figures", []),
    )


def _swap(staging: Path, final: Path) -> None:
    """Put a complete staging folder in place of the previous report, never leaving a half-written one.

    What other commands wrote in the territory's folder (fiches, follow-up) is copied into the new one
    first: a crash before the swap leaves the previous folder whole.
    """
    for name in OTHER_COMMANDS:
        kept = final / name
        if kept.is_dir():
            shutil.copytree(kept, staging / name, symlinks=True)
        elif kept.is_file():
            shutil.copy2(kept, staging / name)
    previous = None
    if final.exists():
        previous = final.with_name(f".{final.name}.previous")
        shutil.rmtree(previous, ignore_errors=True)
        final.rename(previous)
    staging.rename(final)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def _failed(job: RenderJob, slug: str, final: Path, executed: Path, error: str, started: float) -> RenderResult:
    """Keep the executed notebook with its error beside the previous report, which stays intact."""
    result = RenderResult(job.territory_id, job.label, slug, Status.FAILED, time.perf_counter() - started, error=error)
    log.warning("%s : échec (%s)", job.territory_id, error)
    created = not final.exists()
    # A notebook the kernel could not finish writing (a full disk) is no record of the failure: not kept.
    notebook = executed.is_file() and executed.stat().st_size > 0
    try:
        final.mkdir(parents=True, exist_ok=True)
        if notebook:
            write_bytes(final / FAILURE_NOTEBOOK, executed.read_bytes())
        page = _failure_page(job, error, notebook=notebook, previous=final)
        write_bytes(final / FAILURE_PAGE, page.encode("utf-8"))
        _manifest(final, job, result)
    except OSError:
        if created:  # a full disk leaves no empty or half folder behind; a previous report stays whole
            shutil.rmtree(final, ignore_errors=True)
        raise
    return result


def _failure_page(job: RenderJob, error: str, *, notebook: bool, previous: Path) -> str:
    """The French page the index links for a failed territory: what failed and what to do."""
    steps = [
        f"Relancez ce territoire seul pour voir le message complet : <code>ctg report --territory "
        f"{html.escape(job.territory_id)}</code>.",
        "Vérifiez les fichiers de données : <code>ctg data check</code> dit ce qui est lu, écarté ou illisible.",
        "Vérifiez la définition du territoire : <code>ctg territories check</code>.",
    ]
    if notebook:
        steps.insert(
            0,
            f'Ouvrez <a href="{FAILURE_NOTEBOOK}">le carnet exécuté</a> dans JupyterLab : la cellule en erreur '
            "porte le message et la ligne en cause.",
        )
    kept = (
        '<p>Le rapport précédent est conservé : <a href="diagnostic.html">ouvrir le rapport précédent</a>.</p>'
        if (previous / "diagnostic.html").is_file()
        else ""
    )
    items = "".join(f"<li>{step}</li>" for step in steps)
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>Échec — {html.escape(job.label)}</title>"
        '<style>body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222; max-width: 50em; }'
        " h1 { color: #b42318; } pre { background: #f6f6f6; padding: 1em; white-space: pre-wrap; }</style>"
        f"</head><body><h1>Le rapport de {html.escape(job.label)} n'a pas pu être produit</h1>"
        f"<p>Erreur rencontrée :</p><pre>{html.escape(error)}</pre>{kept}"
        f'<h2>Que faire ?</h2><ol>{items}</ol><p><a href="../index.html">Retour à la liste des rapports</a></p>'
        "</body></html>\n"
    )
