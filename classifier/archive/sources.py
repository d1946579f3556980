"""Reading archives to score: folders and files of text, JSONL, CSV and Parquet, gzipped or not.

Every reader streams: it yields one :class:`Excerpt` (or one :class:`Rejected`, naming the
file, line and field) at a time, in file order, so memory stays flat however large the
archive. Text files are one excerpt each, identified by their path relative to the folder
given; tables yield one excerpt per record.
"""

from __future__ import annotations

import csv
import gzip
import io
import shutil
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import InputError, Problem
from ..formats.records import json_value

__all__ = ["Excerpt", "Rejected", "Unparsed", "count_records", "discover", "kind_of", "parse",
           "read_sources"]

TEXT_SUFFIXES = {".txt", ".md"}
TABLE_SUFFIXES = {".jsonl", ".csv", ".parquet"}
# One record (a text file, a JSONL line, a CSV field, a Parquet text) is read whole, so its
# size bounds the memory a run needs; larger ones are rejected without being read into memory.
MAX_RECORD_BYTES = 10 * 1024 * 1024
csv.field_size_limit(MAX_RECORD_BYTES)


@dataclass(frozen=True)
class Excerpt:
    """One record to score: its id, its text, and where it came from."""

    id: Any
    text: str
    file: str
    line: int
    kind: str


@dataclass(frozen=True)
class Rejected:
    """A record that cannot be scored, with the reason."""

    file: str
    line: int
    field: str | None
    reason: str

    def problem(self) -> Problem:
        return Problem(self.file, self.reason, self.line, self.field)


@dataclass(frozen=True)
class Unparsed:
    """A JSONL line read but not yet parsed; :func:`parse` turns it into a record.

    Reading lines is cheap and parsing them is not, so the process that reads an archive
    can leave the parsing to the worker processes that score it.
    """

    file: str
    line: int
    raw: bytes


def kind_of(path: Path) -> tuple[str, bool]:
    """``(kind, gzipped)`` of a file by its suffixes: text, jsonl, csv or parquet."""
    suffixes = [s.lower() for s in path.suffixes]
    gzipped = bool(suffixes) and suffixes[-1] == ".gz"
    suffix = suffixes[-2] if gzipped and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if suffix in TEXT_SUFFIXES:
        return "text", gzipped
    if suffix in TABLE_SUFFIXES:
        return suffix[1:], gzipped
    return "", gzipped


def discover(inputs: Sequence[str | Path]) -> list[tuple[Path, Path]]:
    """Every file to read, as ``(file, root)``: folders are walked recursively and sorted.

    Raises :class:`InputError` for a missing input or a file of unknown type, before any work.
    """
    found: list[tuple[Path, Path]] = []
    for given in map(Path, inputs):
        if given.is_dir():
            files = sorted(p for p in given.rglob("*") if p.is_file() and kind_of(p)[0])
            found += [(p, given) for p in files]
        elif given.is_file():
            if not kind_of(given)[0]:
                raise InputError(Problem(str(given), "unsupported file type; use .txt, .md, "
                                         ".jsonl, .csv or .parquet, optionally .gz"))
            found.append((given, given.parent))
        else:
            raise InputError(Problem(str(given), "no such file or folder; check the path"))
    if not found:
        raise InputError(Problem(", ".join(map(str, inputs)), "no files to score were found"))
    return found


def _open(path: Path, gzipped: bool) -> IO[bytes]:
    # The callers close it: each reads inside its own ``with``.
    handle: Any = gzip.open(path, "rb") if gzipped else path.open("rb")  # noqa: SIM115
    return handle


def _too_large(file: str, line: int, size: int, what: str) -> Rejected:
    return Rejected(file, line, None, f"{what} is {size:,} bytes, above the limit of "
                    f"{MAX_RECORD_BYTES:,} for one record; split it into smaller records")


def _text_file(path: Path, root: Path, gzipped: bool) -> Iterator[Excerpt | Rejected]:
    name = path.relative_to(root).as_posix()
    with _open(path, gzipped) as handle:
        raw = handle.read(MAX_RECORD_BYTES + 1)
        if len(raw) > MAX_RECORD_BYTES:
            size = path.stat().st_size if not gzipped else len(raw) + sum(
                len(block) for block in iter(lambda: handle.read(1 << 20), b""))
            yield _too_large(str(path), 1, size, "the file")
            return
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        yield Rejected(str(path), line, None, f"not valid UTF-8 (byte {exc.start})")
        return
    if not text.strip():
        yield Rejected(str(path), 1, None, "the file is empty")
        return
    yield Excerpt(name, text, str(path), 1, "text")


def _check(record: Any, file: str, line: int, id_field: str,
           text_field: str) -> Excerpt | Rejected:
    if not isinstance(record, dict):
        return Rejected(file, line, None, f"expected an object, found {type(record).__name__}")
    record_id = record.get(id_field)
    if isinstance(record_id, dict | list) or record_id in (None, "") \
            or (isinstance(record_id, float) and record_id != record_id):  # NaN: missing
        return Rejected(file, line, id_field, "missing id")
    if not isinstance(record_id, str | int | float):  # a Parquet date, decimal or bytes
        return Rejected(file, line, id_field, f"the id is a {type(record_id).__name__}; "
                        "ids are text or numbers (cast the column to text)")
    text = record.get(text_field)
    if not isinstance(text, str) or not text.strip():
        what = "missing" if text_field not in record else "empty or not a string"
        return Rejected(file, line, text_field, f"text is {what}")
    return Excerpt(record_id, text, file, line, "record")


def parse(entry: Unparsed, *, id_field: str = "id",
          text_field: str = "text") -> Excerpt | Rejected | None:
    """The record on a JSONL line, a :class:`Rejected` saying why not, or None if it is blank."""
    try:
        line = entry.raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejected(entry.file, entry.line, None, f"not valid UTF-8 (byte {exc.start})")
    if not line.strip():
        return None
    try:
        record = json_value(line)
    except ValueError as exc:
        return Rejected(entry.file, entry.line, None, f"not valid JSON ({exc})")
    return _check(record, entry.file, entry.line, id_field, text_field)


def _lines(handle: IO[bytes]) -> Iterator[tuple[bytes | None, int]]:
    """Each line and its size in bytes; a line past the limit comes back as None, unread."""
    while raw := handle.readline(MAX_RECORD_BYTES + 1):
        if len(raw) <= MAX_RECORD_BYTES or raw.endswith(b"\n"):
            yield raw, len(raw)
            continue
        size = len(raw)
        while raw and not raw.endswith(b"\n"):
            raw = handle.readline(1 << 20)
            size += len(raw)
        yield None, size


def _jsonl(path: Path, gzipped: bool, id_field: str, text_field: str,
           defer: bool) -> Iterator[Excerpt | Rejected | Unparsed]:
    with _open(path, gzipped) as handle:
        for number, (raw, size) in enumerate(_lines(handle), start=1):
            if raw is None:
                yield _too_large(str(path), number, size, "the line")
                continue
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if not raw.strip():
                continue
            entry = Unparsed(str(path), number, raw)
            if defer:
                yield entry
            elif (found := parse(entry, id_field=id_field, text_field=text_field)) is not None:
                yield found


def _csv(path: Path, gzipped: bool, id_field: str,
         text_field: str) -> Iterator[Excerpt | Rejected]:
    with _open(path, gzipped) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig",
                                                      newline="") as handle:
        reader = csv.DictReader(handle)
        row_number = 1
        try:
            for row in reader:
                row_number = reader.line_num
                yield _check(row, str(path), row_number, id_field, text_field)
        except UnicodeDecodeError as exc:
            yield Rejected(str(path), row_number + 1, None,
                           f"not valid UTF-8 (byte {exc.start}); the rest of the file is skipped")
        except csv.Error as exc:
            yield Rejected(str(path), reader.line_num, None, f"not valid CSV ({exc})")


def _parquet(path: Path, gzipped: bool, id_field: str,
             text_field: str) -> Iterator[Excerpt | Rejected]:
    if not gzipped:
        yield from _parquet_rows(path, path, id_field, text_field)
        return
    # Parquet is read by seeking, so the file is unpacked to disk, not into memory.
    with tempfile.TemporaryFile() as unpacked:
        with _open(path, True) as handle:
            shutil.copyfileobj(handle, unpacked, 1 << 20)
        unpacked.seek(0)
        yield from _parquet_rows(path, unpacked, id_field, text_field)


def _parquet_rows(path: Path, source: Any, id_field: str,
                  text_field: str) -> Iterator[Excerpt | Rejected]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(source)
        missing = [f for f in (id_field, text_field) if f not in table.schema_arrow.names]
        if missing:
            raise InputError(Problem(str(path), f"no column '{missing[0]}'; columns are "
                                     f"{', '.join(table.schema_arrow.names)}", field=missing[0]))
        number = 0
        for batch in table.iter_batches(batch_size=4096, columns=[id_field, text_field]):
            for record in batch.to_pylist():
                number += 1
                text = record.get(text_field)
                if isinstance(text, str) and len(text) > MAX_RECORD_BYTES:
                    yield _too_large(str(path), number, len(text.encode()), "the text")
                else:
                    yield _check(record, str(path), number, id_field, text_field)
    except (OSError, ValueError, pa.ArrowException) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(Problem(str(path), f"not a readable Parquet file ({exc})")) from None


def read_sources(files: Sequence[tuple[Path, Path]], *, id_field: str = "id",
                 text_field: str = "text",
                 defer: bool = False) -> Iterator[Excerpt | Rejected | Unparsed]:
    """Stream excerpts (and rejected records) from every file, in order.

    With ``defer``, JSONL lines come as :class:`Unparsed`, for :func:`parse` to finish.
    """
    for path, root in files:
        kind, gzipped = kind_of(path)
        try:
            if kind == "text":
                yield from _text_file(path, root, gzipped)
            elif kind == "jsonl":
                yield from _jsonl(path, gzipped, id_field, text_field, defer)
            elif kind == "csv":
                yield from _csv(path, gzipped, id_field, text_field)
            else:
                yield from _parquet(path, gzipped, id_field, text_field)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise InputError(Problem(str(path), f"the compressed file is truncated or corrupt "
                                     f"({exc})")) from None
        except PermissionError:
            raise InputError(Problem(str(path), "cannot be read (permission denied)")) from None


def count_records(files: Sequence[tuple[Path, Path]]) -> int | None:
    """A quick count of records for a progress bar's total; None if too costly to know."""
    total = 0
    for path, _ in files:
        kind, gzipped = kind_of(path)
        if kind == "text":
            total += 1
        elif kind == "parquet" and not gzipped:
            import pyarrow.parquet as pq

            total += pq.ParquetFile(path).metadata.num_rows
        elif kind in ("jsonl", "csv") and not gzipped:
            with path.open("rb") as handle:
                total += sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20),
                                                                  b""))
            total -= kind == "csv"
        else:
            return None
    return max(total, 0)
