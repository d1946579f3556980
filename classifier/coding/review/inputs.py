"""What a review reads: the inputs ``pretag`` and ``score`` read, as passages with context.

An account (``.txt``/``.md``) is split into passages as ``pretag`` splits it; its id is
``<file>#<start>-<end>``. A table (JSONL, CSV, Parquet) gives one passage per record, whose
id is the record's id. The passage before and after, in the same account or file, is kept
as context.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...archive.sources import Excerpt, Rejected, discover, read_sources
from ...errors import InputError, Problem
from ...model.text import split_passages

__all__ = ["read_inputs"]

CONTEXT_CHARS = 400


def _with_context(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for i, item in enumerate(items):
        item["before"] = items[i - 1]["text"][-CONTEXT_CHARS:] if i else ""
        item["after"] = items[i + 1]["text"][:CONTEXT_CHARS] if i + 1 < len(items) else ""
    return items


def _account(name: str, text: str, *, sentences: int,
             stride: int | None) -> list[dict[str, Any]]:
    return _with_context([
        {"id": f"{name}#{p.start}-{p.end}", "account": name, "start": p.start, "end": p.end,
         "text": p.text} for p in split_passages(text, sentences=sentences, stride=stride)])


def _check_ids(passages: list[dict[str, Any]], id_field: str, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for p in passages:
        if p["id"] in seen:
            problems.append(Problem(p.get("file", p["account"]), f"id {p['id']!r} is given "
                                    "twice; ids must be unique", p.get("line"), id_field))
        seen.add(p["id"])
        p.pop("file", None)
        p.pop("line", None)


def read_inputs(inputs: Sequence[str | Path], *, sentences: int = 3, stride: int | None = None,
                id_field: str = "id",
                text_field: str = "text") -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The accounts' texts (by name) and every passage, in reading order.

    Raises :class:`InputError` for a missing file, a bad record (naming file, line and
    field), an id given twice, or inputs that hold no passage at all.
    """
    accounts: dict[str, str] = {}
    passages: list[dict[str, Any]] = []
    problems: list[Problem] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    for item in read_sources(discover(inputs), id_field=id_field, text_field=text_field):
        if isinstance(item, Rejected):
            problems.append(item.problem())
        elif isinstance(item, Excerpt) and item.kind == "text":
            name = Path(item.file).name
            if name in accounts:
                problems.append(Problem(item.file, f"an account named {name!r} is given "
                                        "twice; give each account once"))
                continue
            # Line endings as pretag reads them, so offsets do not depend on the system.
            text = accounts[name] = item.text.replace("\r\n", "\n").replace("\r", "\n")
            found = _account(name, text, sentences=sentences, stride=stride)
            if not found:
                problems.append(Problem(item.file, "holds no sentences to review"))
            passages += found
        elif isinstance(item, Excerpt):
            name = Path(item.file).name
            tables.setdefault(name, []).append(
                {"id": str(item.id), "account": name, "start": 0, "end": len(item.text),
                 "text": item.text, "line": item.line, "file": item.file})
    for rows in tables.values():
        passages += _with_context(rows)
    _check_ids(passages, id_field, problems)
    if problems:
        raise InputError(problems)
    if not passages:
        raise InputError(Problem(", ".join(map(str, inputs)), "holds no passages to review; "
                                 "give accounts or tables with text"))
    return accounts, passages
