"""Worker processes that never outlive the command that started them.

A worker calls :func:`bind_to_parent` first thing. On Linux the kernel then sends it
SIGKILL when its parent dies, by any signal, ``kill -9`` included (``PR_SET_PDEATHSIG``).
Because that signal only covers deaths after the call, and only on Linux, a daemon thread
also watches the parent: when ``os.getppid()`` is no longer the process that started the
worker (the orphan was handed to PID 1 or to a subreaper), the worker kills itself.

Dask's local cluster starts its worker processes from an event-loop thread, and the
kernel's signal follows the thread that started a process, not the process; so Dask
workers are bound by the watch alone (:data:`DASK_PRELOAD` as a worker preload).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

__all__ = ["DASK_PRELOAD", "PARENT_ENV", "bind_to_parent", "dask_setup", "mark_parent"]

PARENT_ENV = "NARRATIVES_PARENT_PID"  # read by Dask workers, which are started by Dask
DASK_PRELOAD = __name__
WATCH_EVERY = 0.5  # seconds between two looks at the parent
PR_SET_PDEATHSIG = 1


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    _die()


def _death_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl here: the watch alone will do
        pass


def bind_to_parent(parent: int, *, death_signal: bool = True) -> None:
    """End this process when ``parent`` (the pid that started it) dies.

    ``death_signal=False`` relies on the watch alone (for processes started by a thread
    that may end before the parent does).
    """
    if death_signal:
        _death_signal()
    if os.getppid() != parent:  # the parent died before the signal was set
        _die()
    threading.Thread(target=_watch, args=(parent,), name="narratives-lifeline",
                     daemon=True).start()


def mark_parent() -> None:
    """Tell the Dask workers this process is about to start which process to watch."""
    os.environ[PARENT_ENV] = str(os.getpid())


def dask_setup(worker: object = None) -> None:
    """Dask preload hook: bind the worker process to the command that started the cluster."""
    parent = os.environ.get(PARENT_ENV)
    if parent and parent.isdigit():
        bind_to_parent(int(parent), death_signal=False)
