"""Scoring a file of excerpts: one output record per input record, in order.

The output contract is ``{"id": ..., "labels": [...], "scores": {label: score}}``.
Output is written to a temporary file beside the target and renamed into place only
when every record is scored, so a failed run leaves no half-written output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from .errors import InputError, Problem
from .files import atomic_path
from .records import iter_records
from .suggest import NarrativeModel

__all__ = ["iter_excerpts", "score_file"]

Excerpt = tuple[Any, str]


def iter_excerpts(path: str | Path, *, id_field: str = "id",
                  text_field: str = "text") -> Iterator[Excerpt]:
    """Yield ``(id, text)`` from a JSONL or CSV file, failing on the first bad record."""
    file = str(path)
    for line, record in iter_records(path):
        if id_field not in record or record[id_field] in (None, ""):
            raise InputError(Problem(file, "missing id; every record needs one", line, id_field))
        text = record.get(text_field)
        if not isinstance(text, str) or not text.strip():
            what = "missing" if text_field not in record else "empty or not a string"
            raise InputError(Problem(file, f"text is {what}", line, text_field))
        yield record[id_field], text


def _batches(items: Iterator[Excerpt], size: int) -> Iterator[list[Excerpt]]:
    while batch := list(islice(items, size)):
        yield batch


def score_file(input_path: str | Path, output_path: str | Path, model: NarrativeModel, *,
               batch_size: int = 1000, explain: bool = False,
               progress: Callable[[int], None] = lambda done: None) -> dict[str, Any]:
    """Score every record of ``input_path`` into JSONL at ``output_path``; return a summary.

    ``progress`` is called with the number of records done after each batch.
    """
    output_path = Path(output_path)
    if output_path.suffix.lower() != ".jsonl":
        raise InputError(Problem(str(output_path), "output must be a .jsonl file"))
    if Path(input_path).resolve() == output_path.resolve():
        raise InputError(Problem(str(output_path), "output would overwrite the input"))
    counts = dict.fromkeys(model.labels, 0)
    done = 0
    with atomic_path(output_path) as tmp, tmp.open("w", encoding="utf-8") as out:
        for batch in _batches(iter_excerpts(input_path), batch_size):
            ids, texts = zip(*batch, strict=True)
            suggestions = model.suggest(list(texts), top=5 if explain else 0)
            for record_id, suggestion in zip(ids, suggestions, strict=True):
                record = {"id": record_id, **suggestion.to_dict()}
                if not explain:
                    del record["reasons"], record["against"]
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                for label in suggestion.labels:
                    counts[label] += 1
            done += len(batch)
            progress(done)
    return {"input": str(input_path), "output": str(output_path), "records": done,
            "suggested": counts}
