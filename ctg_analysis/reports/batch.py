"""Render the reports of one, several or all territories: parallel workers with reused kernels, a
progress bar, failures isolated, ``resume`` for what is up to date, and a Dask cluster when asked."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from ctg_analysis import config
from ctg_analysis.diagnostic import Diagnostic
from ctg_analysis.errors import CtgError, Interrupted
from ctg_analysis.feedback import progress_bar
from ctg_analysis.files import clear_stale_staging, staging_folder, territory_slug
from ctg_analysis.formatting import agreed
from ctg_analysis.reports.index import write_index
from ctg_analysis.reports.kernels import clear_stale_kernel_folders, render_in_worker, start_worker
from ctg_analysis.reports.metadata import Status
from ctg_analysis.reports.pdf import require_pdf
from ctg_analysis.reports.render import RenderJob, RenderResult, render, up_to_date
from ctg_analysis.reports.templates import Template, project_parameters
from ctg_analysis.territories import Territories

log = logging.getLogger(__name__)

__all__ = ["render_reports"]


def render_reports(
    territory_ids: list[str] | None = None,
    *,
    data_dir: str | Path | None = None,
    territories_file: str | Path | None = None,
    reports_dir: str | Path | None = None,
    template: str | Path | None = None,
    parameters: dict | None = None,
    workers: int | None = None,
    resume: bool = False,
    pdf: bool = False,
    scheduler: str | None = None,
    reuse_kernels: bool = True,
    progress: bool | None = None,
    skip_bad_files: bool = False,
) -> list[RenderResult]:
    """Render the diagnostic of each territory into ``<reports>/<slug>/`` and write ``index.html``.

    Parameters
    ----------
    territory_ids
        Territories to render (default: all the valid ones of the file; the invalid ones are failed
        results, marked in the index).
    data_dir, territories_file, reports_dir, template
        Default: the project's data folder, the territories of the data folder (else the project's),
        the project's reports folder, the project's ``notebooks/diagnostic`` (else the package's).
    parameters
        Further template parameters (checked against the template: an unknown one is an error). The
        project's title, CAF, author, comparison levels and census vintage are passed to the templates
        that declare them.
    workers
        Parallel worker processes (default: the number of cores).
    resume
        Skip territories whose report is up to date for the same data, definition and template.
    pdf
        Print each report's page to ``diagnostic.pdf`` as well (A4; WeasyPrint, the ``pdf`` extra).
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:port``) to run on instead of local workers,
        or a ``distributed.Client``.
    reuse_kernels
        Keep one kernel per worker (default); ``False`` starts a fresh kernel for every territory.
    progress
        Show a progress bar (default: when the output is a terminal).
    skip_bad_files
        Go on without the official files of the data folder that cannot be read (the reports list them).

    Returns
    -------
    list of RenderResult
        One per territory, in order; ``status`` is ``ok``, ``échec`` or ``à jour``.

    Examples
    --------
    >>> results = render_reports(workers=2)  # doctest: +SKIP
    >>> [r.status for r in results]  # doctest: +SKIP
    ['ok', 'ok', 'ok']
    """
    if pdf:
        require_pdf()  # said before any report is rendered, not after each one
    count = workers or os.cpu_count() or 1
    if territory_ids:
        count = min(count, len(territory_ids))
    # Local workers spawned now start their kernels while the data folder is scanned (not for a resume,
    # which may find every report up to date).
    early = _LocalWorkers(count, reuse_kernels) if scheduler is None and count > 1 and not resume else None
    with contextlib.ExitStack() as run:
        if early is not None:
            run.enter_context(early)
        diagnostic = Diagnostic.open(data_dir, territories_file, skip_bad_files=skip_bad_files, progress=False)
        reports = config.reports_folder(reports_dir).resolve()
        ids, invalid = _requested(diagnostic.territories, territory_ids)
        _clear_killed_runs(reports)
        workdir = _template_folder()
        run.callback(shutil.rmtree, workdir, ignore_errors=True)  # the template's copy is the run's alone
        model = Template(config.template_file(template), workdir)
        values = _template_values(model, diagnostic, parameters, skip_bad_files)
        # This machine's reused kernels take the data as scanned, validated and prepared here, once.
        opened = str(workdir / "diagnostic.pickle") if reuse_kernels and scheduler is None else ""
        jobs = _jobs(ids, diagnostic, model, values, reports, pdf=pdf, opened=opened)
        results = {
            job.territory_id: fresh for job in jobs if resume and (fresh := up_to_date(reports, job)) is not None
        }
        pending = [job for job in jobs if job.territory_id not in results]
        if pending and opened:
            _ = diagnostic.prepared  # here once rather than in each kernel
            diagnostic.hand_over(opened)
        stopped = _execute_with_bar(pending, results, count, scheduler, reuse_kernels, early, reports, progress)
        failures = _invalid_results(invalid)
        unfinished = tuple(job.territory_id for job in pending if job.territory_id not in results)
        _write_run_index(reports, diagnostic, ids, failures, unfinished if stopped is not None else ())
        if stopped is not None:
            signum = stopped.signum if isinstance(stopped, Interrupted) else signal.SIGINT
            raise Interrupted(signum, len(pending) - len(unfinished), unfinished) from None
        return [results[job.territory_id] for job in jobs] + list(failures.values())


def _requested(
    territories: Territories, territory_ids: list[str] | None
) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """The territories to render, and the invalid ones that fail alone (only when all are asked for)."""
    ids = territory_ids or [t.id for t in territories]
    for territory_id in ids:
        territories.get(territory_id)  # an unknown or invalid id fails before any report is rendered
    return ids, {} if territory_ids else territories.invalid


def _clear_killed_runs(reports: Path) -> None:
    """What killed runs left: their kernels' sockets in the temporary folder, their unfinished reports."""
    clear_stale_kernel_folders()
    if reports.is_dir():
        clear_stale_staging(reports)


def _template_values(
    model: Template, diagnostic: Diagnostic, parameters: dict[str, object] | None, skip_bad_files: bool
) -> dict[str, object]:
    """The template's parameters of every territory: the data, the caller's, the project's settings."""
    values: dict[str, object] = {
        "data_dir": str(diagnostic.folder.root),
        "territories_file": str(diagnostic.territories_file),
        # A path given as a parameter reaches the notebook as text (its parameters are JSON).
        **{k: str(v) if isinstance(v, os.PathLike) else v for k, v in (parameters or {}).items()},
    }
    if skip_bad_files:
        values["skip_bad_files"] = True
    model.check({**values, "territory_id": "", "output_dir": ""})
    # The project's settings, for the templates that declare them (an older copy may not).
    project = config.find_project()
    settings = project_parameters(project) if project else {}
    if unused := [key for key in settings if key not in model.parameters]:
        log.warning(
            "%s : copie d'un modèle antérieur à cette version de l'outil, %s de ctg.toml y %s sans effet ; "
            "supprimez-la pour utiliser le modèle de l'outil (synthèse « Enjeux et points d'appui », couleurs du "
            "diaporama), ou reportez-y ses nouvelles cellules",
            model.source,
            f"{agreed(len(unused), 'le réglage', 'les réglages')} {', '.join(unused)}",
            agreed(len(unused), "est", "sont"),
        )
    return {**{k: v for k, v in settings.items() if k in model.parameters}, **values}


def _jobs(
    ids: list[str],
    diagnostic: Diagnostic,
    model: Template,
    values: dict[str, object],
    reports: Path,
    *,
    pdf: bool,
    opened: str,
) -> list[RenderJob]:
    """One job per territory, keyed by everything its report depends on (for ``--resume``)."""
    # The project's own indicators are computed with the data: a change to them renders again.
    data_hash = diagnostic.data_digest()
    jobs = []
    for territory_id in ids:
        territory = diagnostic.territories.get(territory_id)
        definition = json.dumps(
            [territory.id, territory.label, territory.communes, territory.comparisons, values, pdf],
            sort_keys=True,
            default=str,
        )
        inputs = hashlib.sha256(f"{data_hash}|{model.digest}|{definition}".encode()).hexdigest()
        jobs.append(
            RenderJob(
                territory.id, territory.label, str(model.notebook), str(reports), inputs, values, pdf=pdf, opened=opened
            )
        )
    return jobs


def _execute_with_bar(
    pending: list[RenderJob],
    results: dict[str, RenderResult],
    count: int,
    scheduler: object,
    reuse_kernels: bool,
    early: _LocalWorkers | None,
    reports: Path,
    progress: bool | None,
) -> KeyboardInterrupt | None:
    """Render the pending jobs into ``results`` under a progress bar; the interruption that stopped them."""
    bar = progress_bar(total=len(pending), desc="Rapports", unit="territoire", show=progress)
    try:
        for result in _execute(pending, count, scheduler, reuse_kernels, early):
            results[result.territory_id] = result
            bar.update()
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM from the CLI: the workers are stopped already
        return exc
    finally:
        bar.close()
        # What a worker killed mid-territory (a Dask worker, a kernel out of memory) was filling, now or at the end.
        if reports.is_dir():
            clear_stale_staging(reports)
    return None


def _invalid_results(invalid: dict[str, tuple[str, ...]]) -> dict[str, RenderResult]:
    return {
        tid: RenderResult(
            tid, tid, territory_slug(tid), Status.FAILED, error="territoire invalide : " + " ; ".join(problems)
        )
        for tid, problems in invalid.items()
    }


def _write_run_index(
    reports: Path,
    diagnostic: Diagnostic,
    ids: list[str],
    failures: dict[str, RenderResult],
    interrupted: tuple[str, ...],
) -> None:
    """The index of the reports folder: this run's territories, the earlier reports still there, the failures."""
    listed = [
        (t.id, t.label, territory_slug(t.id))
        for t in diagnostic.territories
        if t.id in set(ids) or (reports / territory_slug(t.id)).exists()
    ]
    listed += [(tid, tid, territory_slug(tid)) for tid in failures]
    write_index(
        reports,
        listed,
        demo=diagnostic.demo,
        failures={tid: r.error for tid, r in failures.items()},
        interrupted=interrupted,
    )


def _template_folder() -> Path:
    """A folder of this run's own for the template's notebook, in the project's cache (the system's temporary
    folder when the cache cannot be written); those of killed runs are removed first."""
    for parent in (config.cache_dir() / "modeles", Path(tempfile.gettempdir())):
        try:
            parent.mkdir(parents=True, exist_ok=True)
            clear_stale_staging(parent)
            return staging_folder(parent, ".ctg-modele.")
        except OSError:
            continue
    raise CtgError(f"{config.cache_dir()} : impossible d'y écrire le modèle de rapport (dossier en lecture seule ?)")


class _LocalWorkers:
    """Worker processes on this machine, spawned at once, each starting its kernel (when kernels are
    reused): made before the data folder is scanned, they start meanwhile. Leaving on an exception stops
    them at once, their kernels shut down; otherwise they finish their work first."""

    def __init__(self, count: int, reuse_kernels: bool) -> None:
        # "spawn": each worker starts clean (no forked ZMQ context or kernel from the parent).
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._task = render_in_worker if reuse_kernels else render
        self._pool = ProcessPoolExecutor(
            count, mp_context=context, initializer=start_worker, initargs=(self._stop, reuse_kernels)
        )
        for _ in range(count):
            self._pool.submit(int)  # a worker is spawned for each task waiting: all of them, now

    def __enter__(self) -> _LocalWorkers:
        return self

    def __exit__(self, kind, *_) -> None:
        self.close(now=kind is not None)

    def close(self, *, now: bool) -> None:
        """Wait for the workers to exit: ``now``, their kernels shut down and their renders abandoned; else once
        their work is done."""
        if now:
            self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def results(self, jobs: list[RenderJob]):
        """Yield results as territories complete."""
        futures = {self._pool.submit(self._task, job): job for job in jobs}
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    yield future.result()
                except Exception as exc:  # a worker that died: its territory fails, the others go on
                    yield RenderResult(
                        job.territory_id,
                        job.label,
                        territory_slug(job.territory_id),
                        Status.FAILED,
                        error=f"{type(exc).__name__}: {exc}",
                    )
        except BaseException:  # interrupted: every worker exits before the batch clears their unfinished reports
            self.close(now=True)
            raise


def _execute(jobs: list[RenderJob], workers: int, scheduler, reuse_kernels: bool, local: _LocalWorkers | None):
    """Yield results as territories complete: on ``local`` workers when started, else on a Dask cluster, in
    this process, or on workers started now."""
    if not jobs:
        return
    if scheduler is not None:
        yield from _on_dask(jobs, scheduler)
    elif local is not None:
        yield from local.results(jobs)
    elif workers <= 1 or len(jobs) == 1:
        from ctg_analysis.reports.kernels import ReusableKernel

        kernel = ReusableKernel() if reuse_kernels else None
        try:
            for job in jobs:
                yield render(job, kernel=kernel)
        finally:
            if kernel is not None:
                kernel.shutdown()
    else:
        with _LocalWorkers(min(workers, len(jobs)), reuse_kernels) as started:
            yield from started.results(jobs)


def _on_dask(jobs: list[RenderJob], scheduler):
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:
        from ctg_analysis.errors import CtgError

        raise CtgError("l'exécution sur un cluster Dask demande : pip install 'ctg-analysis[dist]'") from exc
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = client.map(render_in_worker, jobs, pure=False)
        for future in dask_completed(futures):
            yield future.result()
    finally:
        if client is not scheduler:
            client.close()
