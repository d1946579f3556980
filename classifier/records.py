"""Read JSONL and CSV files record by record, with the line number of each record.

Every reader here turns broken bytes, broken JSON and truncated files into a
:class:`~classifier.errors.Problem` naming the file and line, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import InputError, Problem

__all__ = ["Record", "iter_records", "open_text_lines"]

Record = tuple[int, dict[str, Any]]
SUFFIXES = (".jsonl", ".csv")


def open_text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for each line of a UTF-8 file, refusing undecodable bytes."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(Problem(str(path), "no such file; check the path")) from None
    except OSError as exc:
        raise InputError(Problem(str(path), f"cannot be read ({exc.strerror})")) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                message = f"is not valid UTF-8 (byte {exc.start}); re-save it as UTF-8"
                raise InputError(Problem(str(path), message, line=number)) from None
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text


def _jsonl(path: Path, problems: list[Problem] | None) -> Iterator[Record]:
    for number, line in open_text_lines(path):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            hint = "the file may be truncated" if not line.endswith("\n") else "fix the JSON"
            problem = Problem(str(path), f"not valid JSON ({exc.msg}); {hint}", line=number)
        else:
            if isinstance(value, dict):
                yield number, value
                continue
            problem = Problem(str(path), f"expected a JSON object, found {type(value).__name__}",
                              line=number)
        if problems is None:
            raise InputError(problem)
        problems.append(problem)


def _csv(path: Path) -> Iterator[Record]:
    text = "".join(line for _, line in open_text_lines(path))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            # DictReader puts surplus cells under the key None; a short row has None values.
            if None in row:
                raise InputError(Problem(str(path), "has more cells than the header",
                                         line=reader.line_num))
            yield reader.line_num, {k: v for k, v in row.items() if v not in (None, "")}
    except csv.Error as exc:
        raise InputError(Problem(str(path), f"is not valid CSV ({exc})",
                                 line=reader.line_num)) from None


def iter_records(path: str | Path, *, problems: list[Problem] | None = None) -> Iterator[Record]:
    """Yield ``(line, record)`` pairs from a ``.jsonl`` or ``.csv`` file.

    With ``problems`` given, a malformed JSON line is recorded there and skipped, so a
    validator can report every bad line at once; without it, the first one raises.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _jsonl(path, problems)
    elif suffix == ".csv":
        yield from _csv(path)
    else:
        raise InputError(Problem(str(path), f"unsupported file type '{suffix}'; "
                                 f"use one of {', '.join(SUFFIXES)}"))
