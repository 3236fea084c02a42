"""One Jupyter kernel per worker, reused from notebook to notebook.

Starting a kernel and importing pandas, matplotlib and ctg-analysis costs seconds; a batch pays it once
per worker. Kernels talk over IPC sockets in a private folder (no TCP port to race for between parallel
workers). Between two notebooks the kernel's namespace is reset and its figures closed, so nothing of one
territory reaches the next; after a failure the kernel is restarted.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from pathlib import Path

from jupyter_client import KernelManager

log = logging.getLogger(__name__)

__all__ = ["ReusableKernel", "worker_kernel"]

_RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt"


class ReusableKernel:
    """A Python kernel on IPC transport that notebooks execute in one after the other."""

    def __init__(self) -> None:
        self._folder = tempfile.mkdtemp(prefix="ctg-kernel-")
        self.manager = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(self._folder) / "kernel"))
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


_WORKER_KERNEL: ReusableKernel | None = None


def worker_kernel() -> ReusableKernel:
    """The kernel of this worker process, started on first use."""
    global _WORKER_KERNEL
    if _WORKER_KERNEL is None:
        _WORKER_KERNEL = ReusableKernel()
    return _WORKER_KERNEL
