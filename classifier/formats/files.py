"""Writing files so that they appear whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import InputError, Problem

__all__ = ["atomic_path", "output_lock"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    On any error (or Ctrl-C) the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def output_lock(output: str | Path) -> Iterator[None]:
    """Hold a lock on ``output`` so that a second run writing it is refused, not interleaved.

    The lock is a hidden file beside the output, removed when the run ends; the operating
    system releases it if the process dies, so a crash never leaves the output locked.
    """
    output = Path(output)
    path = output.with_name(f".{output.name}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InputError(Problem(str(output), f"another run is writing this output (it holds "
                                 f"{path.name}); wait for it to finish, or choose another "
                                 "--out")) from None
    try:
        yield
    finally:
        path.unlink(missing_ok=True)  # while still held, so no other run can be holding it
        lock.release()
