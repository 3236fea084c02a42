"""One Jupyter kernel per worker, reused from notebook to notebook, and the worker processes' side of the
batch.

Starting a kernel and importing pandas, matplotlib and ctg-analysis costs seconds; a batch pays it once
per worker, as the worker spawns (while the batch scans the data folder). Kernels talk over IPC sockets in
a private folder (no TCP port to race for between parallel workers). Between two notebooks the kernel's
namespace is reset and its figures closed, so nothing of one territory reaches the next; after a failure
the kernel is restarted.

A worker imports neither pandas nor matplotlib (its kernel does): this module and the renderer are all it
loads.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_client import KernelManager
from jupyter_client.asynchronous import AsyncKernelClient

from ctg_analysis.files import process_running

if TYPE_CHECKING:
    from ctg_analysis.reports.render import RenderJob, RenderResult

log = logging.getLogger(__name__)

__all__ = [
    "ReusableKernel",
    "clear_stale_kernel_folders",
    "render_in_worker",
    "start_worker",
    "without_iri_grammar",
    "worker_kernel",
]

_PREFIX = "ctg-kernel-"
#: The file of a kernel folder naming the process that owns it.
_OWNER = "owner.pid"
#: What every report imports, imported as the kernel starts, without waiting for it: the report module, and
#: the map classes' library (a second of SciPy and scikit-learn, else imported by the first map). Imported
#: before the data are prepared, they are frozen with them, out of the collections between territories.
_PRELOAD = "import ctg_analysis.reports.notebook, mapclassify"
#: Figures closed (when pyplot is in use), then the namespace emptied; the kernel keeps no output cache, so
#: IPython's reset has none to flush and collects no garbage itself.
_RESET = (
    "import sys as _sys\n"
    "if 'matplotlib.pyplot' in _sys.modules:\n"
    "    _sys.modules['matplotlib.pyplot'].close('all')\n"
    "get_ipython().reset(new_session=False)"
)


class _NotebookClient(AsyncKernelClient):
    """The client the notebooks of a reused kernel execute with: its channels started once, the kernel awaited
    once.

    It waits for messages without blocking its event loop, so that a kernel that dies (killed for want of
    memory) is seen within a second; a blocking one would wait for ever.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._started = self._ready = False

    def start_channels(self, *args, **kwargs) -> None:
        if not self._started:
            super().start_channels(*args, **kwargs)
            self._started = True

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        if not self._ready:
            await super().wait_for_ready(timeout)
            self._ready = True


class _NotebookKernelManager(KernelManager):
    """A kernel manager that gives every notebook the same client (a :class:`_NotebookClient`), until
    :meth:`close_client`.

    Papermill asks for a client for each notebook and waits for the kernel with it: a quarter of a second a
    notebook, the last fifth making sure that no message follows. And it leaves the client open when the kernel
    is not its own: each would keep its ZMQ context and three threads, and receive every later notebook's
    outputs.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(client_class=f"{__name__}._NotebookClient", **kwargs)
        self._client: _NotebookClient | None = None

    def client(self, **kwargs) -> _NotebookClient:
        if self._client is None:
            self._client = super().client(**kwargs)
        return self._client

    def close_client(self) -> None:
        """Close the notebooks' client (the next notebook has a new one)."""
        if self._client is not None:
            self._client.stop_channels()
            self._client = None


class ReusableKernel:
    """A Python kernel on IPC transport that notebooks execute in one after the other."""

    def __init__(self) -> None:
        #: Held while shutting down: a worker stopped by the batch as it exits (its exit hook shutting the
        #: kernel down too) must not close the kernel's sockets from two threads at once.
        self._closing = threading.Lock()
        self._folder = tempfile.mkdtemp(prefix=_PREFIX)
        (Path(self._folder) / _OWNER).write_text(str(os.getpid()), encoding="ascii")
        self.manager = _NotebookKernelManager(
            kernel_name="python3",
            transport="ipc",
            ip=str(Path(self._folder) / "kernel"),
            # In the kernel's folder, not Jupyter's runtime folder: the file holds the kernel's HMAC key, and a run
            # killed before its exit hook leaves it to clear_stale_kernel_folders with the folder.
            connection_file=str(Path(self._folder) / "connexion.json"),
        )
        # No output cache (``Out``, ``_``): nothing of a territory kept for the next, and no full collection
        # of the cyclic garbage as each reset empties it (a tenth of a second a territory); Python's own
        # collector takes the garbage as it goes.
        self.manager.start_kernel(extra_arguments=["--InteractiveShell.cache_size=0"])
        self._client = self.manager.blocking_client()
        self._client.start_channels()
        self._client.wait_for_ready(timeout=60)
        self._client.execute(_PRELOAD, silent=True, store_history=False)
        #: The diagnostic handed over to this kernel (:meth:`adopt`).
        self._adopted = ""
        atexit.register(self.shutdown)

    def reset(self) -> None:
        """Forget everything the previous notebook defined."""
        reply = self._client.execute_interactive(_RESET, timeout=60, store_history=False)
        if reply["content"]["status"] != "ok":
            self.restart()

    def adopt(self, opened: str) -> None:
        """Have the kernel adopt the diagnostic a batch opened and handed over to ``opened``
        (:func:`~ctg_analysis.diagnostic.adopt`), once; sent without waiting, it runs before the next notebook.
        One whose files changed since is declined there, and the notebook opens the data folder itself."""
        if opened and opened != self._adopted:
            code = f"__import__('ctg_analysis.diagnostic', fromlist=['adopt']).adopt({opened!r})"
            self._client.execute(code, silent=True, store_history=False)
            self._adopted = opened

    def restart(self) -> None:
        """A fresh kernel in place of this one (after a failure)."""
        self._adopted = ""
        self.manager.close_client()  # the next notebook's client awaits the new kernel
        self.manager.restart_kernel(now=True)
        self._client.wait_for_ready(timeout=60)

    def kill(self) -> None:
        """Kill the kernel's process at once and remove its folder, with no lock and no word to the kernel: for
        a worker about to exit, whatever its other threads are doing with the kernel (closing its sockets from
        a second thread, or waiting on a lock the interrupted thread holds, hung the batch)."""
        process = getattr(self.manager.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        self.manager.cleanup_connection_file()  # in the temporary folder: files only, no socket touched
        shutil.rmtree(self._folder, ignore_errors=True)

    def shutdown(self) -> None:
        with self._closing:
            if self.manager.has_kernel:
                self._client.stop_channels()
                self.manager.shutdown_kernel(now=True)
                self.manager.close_client()
            shutil.rmtree(self._folder, ignore_errors=True)


#: The kernel of this worker process, if started.
WORKER_KERNEL: ReusableKernel | None = None
#: Held while the worker's kernel starts: a worker stopped meanwhile shuts it down once started.
_STARTING = threading.RLock()
#: Set while this process's main thread starts the kernel. Python runs a signal's handler in the main thread:
#: a SIGTERM arriving then (the pool terminates its other workers once one has exited) is kept in
#: ``_DEFERRED`` and obeyed once the kernel is started, so that the kernel is killed with its folder.
_IN_START = threading.Event()
_DEFERRED: list[int] = []


def worker_kernel() -> ReusableKernel:
    """The kernel of this worker process, started on first use."""
    global WORKER_KERNEL
    with _STARTING:
        if WORKER_KERNEL is None:
            _IN_START.set()
            try:
                WORKER_KERNEL = ReusableKernel()
            finally:
                _IN_START.clear()
                if _DEFERRED:
                    _stop_worker(_DEFERRED[0])
    return WORKER_KERNEL


def without_iri_grammar() -> None:
    """Keep this process from loading jsonschema's IRI format checker: for ctg's own processes only (a report
    worker, the ``ctg`` command), before nbformat is imported.

    nbformat validates notebooks with jsonschema, whose optional IRI checker (rfc3987-syntax, which JupyterLab
    installs) builds some thirty parsers when imported: 1.4 s of each process's start
    (python-jsonschema/jsonschema#1428). No notebook schema uses that format.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def start_worker(stop, reuse_kernel: bool) -> None:
    """Set up a local worker of the batch as it spawns: its kernel started at once (with ``reuse_kernel``)
    and the renderer imported, while the batch prepares the data; stopped when the batch sets ``stop``, or on
    SIGTERM, its kernel shut down. Ctrl-C at the terminal is the batch's to handle.

    The worker and its kernel run at a lower priority than the batch's own process: on a busy machine the
    data's preparation, which every worker waits for, goes first.
    """
    if hasattr(os, "nice"):  # not on Windows
        os.nice(5)
    without_iri_grammar()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    threading.Thread(target=lambda: stop.wait() and _stop_worker(signal.SIGINT), daemon=True).start()
    if reuse_kernel:
        worker_kernel()
    import ctg_analysis.reports.render  # noqa: F401  (now rather than on the first territory)


def _on_sigterm(signum: int, _frame) -> None:
    if _IN_START.is_set():
        _DEFERRED.append(signum)
    else:
        _stop_worker(signum)


def _stop_worker(signum: int) -> None:
    with _STARTING:  # a kernel being started is killed once started
        if WORKER_KERNEL is not None:
            WORKER_KERNEL.kill()
    os._exit(128 + signum)  # the render in progress is abandoned: its staging folder is the batch's to clear


def render_in_worker(job: RenderJob) -> RenderResult:
    """Render with this worker process's kernel (started on first use, reused afterwards)."""
    from ctg_analysis.reports.render import render

    return render(job, kernel=worker_kernel())


def clear_stale_kernel_folders() -> int:
    """Remove the kernel folders of processes that no longer run (killed before their exit hook could
    remove them); return how many. A folder without an owner file is left alone.

    Examples
    --------
    >>> clear_stale_kernel_folders() >= 0
    True
    """
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        try:
            owner = int((folder / _OWNER).read_text(encoding="ascii"))
        except (OSError, ValueError):  # no owner file, or unreadable: kept
            continue
        if not process_running(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
