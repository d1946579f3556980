"""Read JSONL and CSV files record by record, with the line number of each record.

Every reader here turns broken bytes, broken JSON and truncated files into a
:class:`~classifier.errors.Problem` naming the file and line, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem

__all__ = ["Record", "iter_records", "json_value", "open_text_lines"]

Record = tuple[int, dict[str, Any]]
SUFFIXES = (".jsonl", ".csv")
# A \uD800-\uDFFF escape may stand for half a character, which no file can hold as UTF-8.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value; write null or a number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def json_value(text: str) -> Any:
    """The JSON value of ``text``, or ValueError with a message fit to show a user.

    Stricter than :func:`json.loads` where its output would break later: NaN and
    Infinity (written, or a number too large for a float), integers of more than 4,300
    digits, nesting deeper than Python's recursion limit, and escapes of half a
    character (a lone surrogate) are refused, not returned.
    """
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
        if SURROGATE_ESCAPE.search(text):
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except json.JSONDecodeError as exc:
        raise ValueError(exc.msg) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except UnicodeEncodeError as exc:
        raise ValueError(f"an escape stands for half a character "
                         f"({exc.object[exc.start]!r}); it is not text") from None
    except ValueError as exc:  # the checks above, and integers past Python's digit limit
        digits = "integer string conversion" in str(exc)
        raise ValueError("a number has more than 4,300 digits" if digits else str(exc)) from None
    return value


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
            value = json_value(line)
        except ValueError as exc:
            hint = "the file may be truncated" if not line.endswith("\n") else "fix the JSON"
            problem = Problem(str(path), f"not valid JSON ({exc}); {hint}", line=number)
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
