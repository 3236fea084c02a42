"""One Jupyter kernel per worker, reused from notebook to notebook.

Starting a kernel and importing pandas, matplotlib and ctg-analysis costs seconds; a batch pays it once
per worker. Kernels talk over IPC sockets in a private folder (no TCP port to race for between parallel
workers). Between two notebooks the kernel's namespace is reset and its figures closed, so nothing of one
territory reaches the next; after a failure the kernel is restarted.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path

from jupyter_client import KernelManager

from ctg_analysis.files import process_running

log = logging.getLogger(__name__)

__all__ = ["ReusableKernel", "clear_stale_kernel_folders", "worker_kernel"]

_PREFIX = "ctg-kernel-"
#: The file of a kernel folder naming the process that owns it.
_OWNER = "owner.pid"
_RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt"


class ReusableKernel:
    """A Python kernel on IPC transport that notebooks execute in one after the other."""

    def __init__(self) -> None:
        self._folder = tempfile.mkdtemp(prefix=_PREFIX)
        (Path(self._folder) / _OWNER).write_text(str(os.getpid()), encoding="ascii")
        self.manager = KernelManager(
            kernel_name="python3",
            transport="ipc",
            ip=str(Path(self._folder) / "kernel"),
            # The notebook's client waits for messages without blocking its event loop, so that a kernel that
            # dies (killed for want of memory) is seen within a second; a blocking one would wait for ever.
            client_class="jupyter_client.asynchronous.AsyncKernelClient",
        )
        self.manager.start_kernel()
        self._client = self.manager.blocking_client()
        self._client.start_channels()
        self._client.wait_for_ready(timeout=60)
        atexit.register(self.shutdown)

    def reset(self) -> None:
        """Forget everything the previous notebook defined."""
        reply = self._client.execute_interactive(_RESET, timeout=60, store_history=False)
        if reply["content"]["status"] != "ok":
            self.restart()

    def restart(self) -> None:
        """A fresh kernel in place of this one (after a failure)."""
        self.manager.restart_kernel(now=True)
        self._client.wait_for_ready(timeout=60)

    def shutdown(self) -> None:
        if self.manager.has_kernel:
            self._client.stop_channels()
            self.manager.shutdown_kernel(now=True)
        shutil.rmtree(self._folder, ignore_errors=True)


#: The kernel of this worker process, if started.
WORKER_KERNEL: ReusableKernel | None = None


def worker_kernel() -> ReusableKernel:
    """The kernel of this worker process, started on first use."""
    global WORKER_KERNEL
    if WORKER_KERNEL is None:
        WORKER_KERNEL = ReusableKernel()
    return WORKER_KERNEL


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
