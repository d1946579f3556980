"""Cutting archives into chunks of work, and reading a chunk where it is scored.

A plain (not gzipped) JSONL file is cut into byte ranges of ``chunk_size`` lines: the
process that plans only finds line ends, and the process that scores a chunk reads and
parses its own range, so no record passes between processes. Other files (text, CSV,
Parquet, gzipped JSONL) can only be read from the start: they are read where they are
planned and their chunks carry their records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from .sources import (
    MAX_RECORD_BYTES,
    Excerpt,
    Rejected,
    Unparsed,
    _check,
    _lines,
    _too_large,
    kind_of,
    parse,
    read_sources,
)

__all__ = ["Chunk", "Item", "plan", "read_chunk"]

Item = tuple[Any, str, str] | Unparsed | Rejected
BLOCK = 1 << 20  # bytes scanned at once for line ends


@dataclass
class Chunk:
    """One unit of work: a byte range of a JSONL file, or records already read."""

    index: int
    file: str = ""
    start: int = 0
    end: int = 0
    first_line: int = 1
    items: list[Item] = field(default_factory=list)
    records: int = 0  # known for read records; counted where a range is read

    @property
    def is_range(self) -> bool:
        return bool(self.file)


def _ranges(path: Path, lines: int) -> Iterator[tuple[int, int, int]]:
    """``(start, end, first line)`` of each run of ``lines`` lines of ``path``."""
    start, line, seen, offset = 0, 1, 0, 0
    with path.open("rb", buffering=0) as handle:
        while block := handle.read(BLOCK):
            ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            # Every ``lines``-th line end in this block closes a chunk.
            first = (lines - seen - 1) % lines
            for at in ends[first::lines].tolist():
                end = offset + at + 1
                yield start, end, line
                start, line = end, line + lines
            seen = (seen + len(ends)) % lines
            offset += len(block)
    if offset > start:
        yield start, offset, line


def _items(stream: Iterator[Excerpt | Rejected | Unparsed]) -> list[Item]:
    return [(e.id, e.text, e.kind) if isinstance(e, Excerpt) else e for e in stream]


def plan(files: Sequence[tuple[Path, Path]], chunk_size: int, id_field: str,
         text_field: str, *, ranges: bool = True) -> Iterator[Chunk]:
    """The chunks of every file, in order, numbered from 0.

    With ``ranges=False`` every chunk carries its records, for workers that may not see
    the files (on another machine).
    """
    index = 0
    for path, root in files:
        kind, gzipped = kind_of(path)
        if ranges and kind == "jsonl" and not gzipped:
            try:
                for start, end, line in _ranges(path, chunk_size):
                    yield Chunk(index, str(path), start, end, line)
                    index += 1
            except PermissionError:
                from ..errors import InputError, Problem

                raise InputError(Problem(str(path), "cannot be read (permission "
                                         "denied)")) from None
            continue
        stream = read_sources([(path, root)], id_field=id_field, text_field=text_field,
                              defer=True)
        while batch := _items(islice(stream, chunk_size)):
            yield Chunk(index, items=batch, records=len(batch))
            index += 1


def _range_lines(chunk: Chunk) -> Iterator[tuple[bytes | None, int]]:
    with open(chunk.file, "rb") as handle:
        handle.seek(chunk.start)
        size = chunk.end - chunk.start
        if size <= MAX_RECORD_BYTES:  # no line here can pass the limit: read at once
            lines = handle.read(size).split(b"\n")
            if lines and not lines[-1]:
                lines.pop()
            for raw in lines:
                yield raw, len(raw) + 1
            return
        left = size
        for found, length in _lines(handle):
            yield found, length
            left -= length
            if left <= 0:
                return


def _record(raw: bytes, file: str, line: int, id_field: str,
            text_field: str) -> tuple[Any, str, str] | Rejected | None:
    import orjson

    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        record = None
    if type(record) is dict:
        record_id, text = record.get(id_field), record.get(text_field)
        # The common case, checked here; anything else is left to the full checks.
        if (type(record_id) is int or (type(record_id) is str and record_id)) \
                and type(text) is str and not text.isspace() and text:
            return record_id, text, "record"
        if type(record_id) is not float:  # orjson reads very long integers as floats
            found = _check(record, file, line, id_field, text_field)
            return (found.id, found.text, found.kind) if isinstance(found, Excerpt) else found
    # Errors are described by the stricter reader, which also knows very long integers.
    parsed = parse(Unparsed(file, line, raw), id_field=id_field, text_field=text_field)
    return (parsed.id, parsed.text, parsed.kind) if isinstance(parsed, Excerpt) else parsed


def _range_items(chunk: Chunk, id_field: str, text_field: str
                 ) -> Iterator[tuple[Any, str, str] | Rejected | None]:
    for number, (raw, size) in enumerate(_range_lines(chunk), start=chunk.first_line):
        if raw is None:
            yield _too_large(chunk.file, number, size, "the line")
            continue
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if raw.strip():
            yield _record(raw, chunk.file, number, id_field, text_field)


def _given_items(chunk: Chunk, id_field: str, text_field: str
                 ) -> Iterator[tuple[Any, str, str] | Rejected | None]:
    for item in chunk.items:
        yield _record(item.raw, item.file, item.line, id_field, text_field) \
            if isinstance(item, Unparsed) else item


def read_chunk(chunk: Chunk, id_field: str, text_field: str
               ) -> tuple[list[tuple[Any, str, str]], list[Rejected], int]:
    """The records of ``chunk`` ready to score, those rejected, and how many were read."""
    ready: list[tuple[Any, str, str]] = []
    rejected: list[Rejected] = []
    records = 0
    read = _range_items if chunk.is_range else _given_items
    for item in read(chunk, id_field, text_field):
        records += 1
        if isinstance(item, Rejected):
            rejected.append(item)
        elif item is not None:
            ready.append(item)
    return ready, rejected, records
