"""Writing scored rows as JSONL, CSV or Parquet, from the JSONL parts of a run.

JSONL keeps the ``score`` contract as it is: ``{"id", "labels", "scores"}`` (and, for
passages, ``"passage", "start", "end"``). CSV and Parquet are flat: ``labels`` (joined by
``;`` in CSV, a list in Parquet) and one ``score_<label>`` column per label; ids are text.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..formats.files import atomic_path

__all__ = [
    "OUTPUT_SUFFIXES",
    "append_part",
    "count_labels",
    "flat_columns",
    "flatten",
    "join_parts",
    "parquet_schema",
    "write_parquet",
]

OUTPUT_SUFFIXES = (".jsonl", ".csv", ".parquet")
PASSAGE_COLUMNS = ("passage", "start", "end")


def count_labels(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many rows suggest each label (rows without labels, such as rejects, count none)."""
    counts: dict[str, int] = {}
    for row in rows:
        for label in row.get("labels", ()):
            counts[label] = counts.get(label, 0) + 1
    return counts


def flat_columns(labels: Sequence[str], *, passages: bool, explain: bool = False) -> list[str]:
    return ["id", *(PASSAGE_COLUMNS if passages else ()), "labels",
            *[f"score_{label}" for label in labels], *(["reasons"] if explain else [])]


def flatten(row: dict[str, Any], labels: Sequence[str], *, passages: bool) -> dict[str, Any]:
    flat: dict[str, Any] = {"id": str(row["id"])}
    if passages:
        flat.update({key: row.get(key) for key in PASSAGE_COLUMNS})
    flat["labels"] = row["labels"]
    flat.update({f"score_{label}": row["scores"][label] for label in labels})
    if "reasons" in row:
        flat["reasons"] = json.dumps({"reasons": row["reasons"], "against": row["against"]},
                                     ensure_ascii=False)
    return flat


def _rows(parts: Sequence[Path]) -> Iterator[dict[str, Any]]:
    for part in parts:
        with part.open(encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)


def _explained(parts: Sequence[Path]) -> bool:
    return next((("reasons" in row) for row in _rows(parts)), False)


def append_part(part: Path, out: Any) -> None:
    """Append the bytes of ``part`` to the open file ``out``, in the kernel where it can."""
    out.flush()  # what is buffered goes first
    with part.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        copy = getattr(os, "copy_file_range", None)
        try:
            while copy is not None and size > 0:
                done = copy(handle.fileno(), out.fileno(), size)
                if done == 0:
                    break
                size -= done
        except OSError:  # not supported between these files: copy through memory
            pass
        shutil.copyfileobj(handle, out)  # whatever is left (all of it without the call)


def join_parts(parts: Sequence[Path], output: Path, labels: Sequence[str], *, passages: bool,
               raw: bool = False) -> None:
    """Join the parts, in order, into ``output``; it appears whole or not at all."""
    suffix = output.suffix.lower()
    with atomic_path(output) as tmp:
        if raw or suffix == ".jsonl":
            with tmp.open("wb") as out:
                for part in parts:
                    append_part(part, out)
        elif suffix == ".csv":
            _write_csv(parts, tmp, labels, passages)
        else:
            _write_parquet(parts, tmp, labels, passages)


def _write_csv(parts: Sequence[Path], tmp: Path, labels: Sequence[str], passages: bool) -> None:
    columns = flat_columns(labels, passages=passages, explain=_explained(parts))
    with tmp.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for row in _rows(parts):
            flat = flatten(row, labels, passages=passages)
            flat["labels"] = ";".join(flat["labels"])
            writer.writerow(flat)


def parquet_schema(labels: Sequence[str], *, passages: bool, explain: bool) -> Any:
    """The Arrow schema of flat output rows."""
    import pyarrow as pa

    fields = [pa.field("id", pa.string())]
    if passages:
        fields += [pa.field(name, pa.int64()) for name in PASSAGE_COLUMNS]
    fields += [pa.field("labels", pa.list_(pa.string()))]
    fields += [pa.field(f"score_{label}", pa.float64()) for label in labels]
    if explain:
        fields.append(pa.field("reasons", pa.string()))
    return pa.schema(fields)


def write_parquet(batches: Iterator[list[dict[str, Any]]], path: Path, labels: Sequence[str], *,
                  passages: bool, explain: bool) -> None:
    """Write batches of output rows as one Parquet file, a row group per batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(labels, passages=passages, explain=explain)
    with pq.ParquetWriter(path, schema) as writer:
        for rows in batches:
            flat = [flatten(row, labels, passages=passages) for row in rows]
            writer.write_table(pa.Table.from_pylist(flat, schema=schema))


def _write_parquet(parts: Sequence[Path], tmp: Path, labels: Sequence[str],
                   passages: bool) -> None:
    write_parquet((list(_rows([part])) for part in parts), tmp, labels, passages=passages,
                  explain=_explained(parts))
