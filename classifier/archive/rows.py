"""From records to output rows: the units scored, the filters, and JSONL lines in bulk.

A row is ``{"id", "labels", "scores"}`` (with ``"passage", "start", "end"`` for passages,
and ``"reasons", "against"`` with explanations). Without explanations the JSONL lines of
a whole chunk are formatted at once from the score matrix, the same bytes as
``json.dumps`` of each row, without building the rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

import numpy as np

from ..formats.files import atomic_path
from ..model.suggest import NarrativeModel
from ..model.text import split_passages
from .outputs import count_labels

__all__ = ["ScoreOptions", "jsonl_rows", "score_items", "write_part"]

DIGITS = 4  # as Suggestion.to_dict rounds


@dataclass(frozen=True)
class ScoreOptions:
    """Everything that decides what the output holds; a resumed run must use the same."""

    unit: str | None = None  # "record", "passage", or None: passages for text files only
    sentences: int = 3
    stride: int | None = None
    id_field: str = "id"
    text_field: str = "text"
    min_score: float | None = None
    labels_only: bool = False
    explain: bool = False
    chunk_size: int = 2000


def _units(items: Sequence[tuple[Any, str, str]], options: ScoreOptions
           ) -> tuple[list[dict[str, Any]], list[str]]:
    heads: list[dict[str, Any]] = []
    texts: list[str] = []
    for record_id, text, kind in items:
        unit = options.unit or ("passage" if kind == "text" else "record")
        if unit == "record":
            heads.append({"id": record_id})
            texts.append(text)
            continue
        for p in split_passages(text, sentences=options.sentences, stride=options.stride):
            heads.append({"id": record_id, "passage": p.index, "start": p.start, "end": p.end})
            texts.append(p.text)
    return heads, texts


def score_items(model: NarrativeModel, items: Sequence[tuple[Any, str, str]],
                options: ScoreOptions) -> list[dict[str, Any]]:
    """Output rows for a chunk of ``(id, text, kind)`` items, filters applied."""
    heads, texts = _units(items, options)
    rows: list[dict[str, Any]] = []
    if not texts:
        return rows
    for head, suggestion in zip(heads, model.suggest(texts, top=5 if options.explain else 0),
                                strict=True):
        if options.labels_only and not suggestion.labels:
            continue
        if options.min_score is not None and max(suggestion.scores.values()) < options.min_score:
            continue
        row = {**head, **suggestion.to_dict()}
        if not options.explain:
            del row["reasons"], row["against"]
        rows.append(row)
    return rows


def _json_id(value: Any) -> str:
    if type(value) is int:
        return str(value)
    if type(value) is str:
        return str(encode_basestring(value))
    return json.dumps(value, ensure_ascii=False)


def _head(head: dict[str, Any]) -> str:
    text = '{"id": ' + _json_id(head["id"])
    if "passage" in head:
        text += f', "passage": {head["passage"]}, "start": {head["start"]}, "end": {head["end"]}'
    return text


def jsonl_rows(model: NarrativeModel, items: Sequence[tuple[Any, str, str]],
               options: ScoreOptions) -> tuple[str, int, dict[str, int]]:
    """The JSONL lines of a chunk without explanations, their number and label counts."""
    heads, texts = _units(items, options)
    if not texts:
        return "", 0, {}
    labels = model.labels
    proba = model.predict_proba(texts)
    chosen = proba >= np.array([model.thresholds[label] for label in labels])
    keep = np.ones(len(texts), dtype=bool)
    if options.labels_only:
        keep &= chosen.any(axis=1)
    if options.min_score is not None:
        keep &= proba.max(axis=1) >= options.min_score
    if not keep.all():
        index = np.flatnonzero(keep)
        heads = [heads[i] for i in index.tolist()]
        proba, chosen = proba[index], chosen[index]
    # Each row's set of labels, as a number, picks its ready-made JSON list.
    names = [json.dumps(label, ensure_ascii=False) for label in labels]
    # Python integers past 62 labels, where an int64 code would overflow.
    bits = chosen.astype(np.int64 if len(labels) < 63 else object)
    codes = (bits << np.arange(len(labels))).sum(axis=1)
    lists = {code: "[" + ", ".join(n for j, n in enumerate(names) if code >> j & 1) + "]"
             for code in set(codes.tolist())}
    line = ', "labels": %s, "scores": {' + ", ".join(f"{n}: %r" for n in names) + "}}\n"
    width = len(labels)
    scores = list(map(round, proba.ravel().tolist(), repeat(DIGITS)))
    text = "".join([_head(head) + line % (lists[code], *scores[i * width:(i + 1) * width])
                    for i, (head, code) in enumerate(zip(heads, codes.tolist(), strict=True))])
    suggested = {label: count for label, count in zip(labels, chosen.sum(axis=0).tolist(),
                                                      strict=True) if count}
    return text, len(heads), suggested


def write_part(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_rows(path: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Write rows as a JSONL part; return their number and label counts."""
    write_part(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return {"rows": len(rows), "suggested": count_labels(rows)}


def score_to_part(model: NarrativeModel, items: Sequence[tuple[Any, str, str]],
                  options: ScoreOptions, path: Path) -> dict[str, Any]:
    """Score records into the JSONL part ``path``; return the rows written and labels."""
    if options.explain:
        return write_rows(path, score_items(model, items, options))
    text, rows, suggested = jsonl_rows(model, items, options)
    write_part(path, text)
    return {"rows": rows, "suggested": suggested}
