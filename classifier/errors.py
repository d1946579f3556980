"""The exceptions the library raises; the CLI turns each into one ``Error:`` line and exit 2."""

from __future__ import annotations

import errno
from dataclasses import dataclass

__all__ = [
    "CodebookError",
    "CorpusError",
    "InputError",
    "ModelError",
    "NarrativesError",
    "OutputError",
    "Problem",
]

MAX_SHOWN = 10
# Control characters from a file (a line break, a terminal escape) are shown escaped, so a
# problem stays one line and cannot drive the terminal it is printed on.
CONTROLS = {c: repr(chr(c))[1:-1] for c in (*range(32), *range(127, 160))}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place of an input file."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}".translate(CONTROLS)


class NarrativesError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(NarrativesError, ValueError):
    """Raised when an input file cannot be read or one of its records is invalid.

    Holds every problem found, so a user can fix a file in one pass; the message
    shows the first ten and counts the rest.
    """

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__(self._format())

    def _format(self) -> str:
        shown = [str(p) for p in self.problems[:MAX_SHOWN]]
        if len(self.problems) == 1:
            return shown[0]
        head = f"{len(self.problems)} problems in {self.problems[0].file}"
        more = len(self.problems) - MAX_SHOWN
        tail = [f"... and {more} more"] if more > 0 else []
        return "\n  ".join([head, *shown, *tail])


class CodebookError(InputError):
    """Raised when a codebook file is missing, malformed or names a label twice."""


class CorpusError(InputError):
    """Raised when a corpus or cases file has invalid records (unknown label, empty text, ...)."""


class ModelError(NarrativesError):
    """Raised when a model file is missing, does not match its card, or cannot be trusted."""


class OutputError(NarrativesError):
    """Raised when output cannot be written (a full disk, a file-size limit, a lost folder).

    The work finished so far is kept, so the same command with ``--resume`` goes on from it.
    """

    @classmethod
    def from_os_error(cls, exc: OSError, output: object, folder: object,
                      done: int) -> OutputError:
        full = exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
        reason = ("the disk is full or a file-size limit was reached" if full
                  else f"a file could not be written or read ({exc.filename or exc})")
        fix = "free some space" if full else "fix that"
        return cls(f"{output}: {reason} ({exc.strerror or exc}); {done} finished chunks are "
                   f"kept in {folder}: {fix}, then run the same command with --resume")
