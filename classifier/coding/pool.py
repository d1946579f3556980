"""The pool of uncoded excerpts, and the training corpus whose excerpts it must not repeat."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..corpus import DEFAULT_CORPUS, file_sha256
from ..errors import InputError, Problem
from ..formats.records import iter_records

if TYPE_CHECKING:
    from ..model.suggest import NarrativeModel

__all__ = ["CASE_FIELDS", "TrainingSet", "normalise", "read_pool", "read_training",
           "skip_training", "training_corpus_of"]

CASE_FIELDS = ("case_id", "case")  # the corpus's name first, then the plain one
def normalise(text: str) -> str:
    """A text with every run of white space made one space, for matching copies."""
    return " ".join(text.split())


@dataclass(frozen=True)
class TrainingSet:
    """What identifies the excerpts a model was trained on: their ids and texts."""

    file: str | None = None
    ids: frozenset[str] = field(default_factory=frozenset)
    texts: frozenset[str] = field(default_factory=frozenset)


def _scalar(value: Any) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value)
    return None


def read_pool(path: str | Path) -> pd.DataFrame:
    """Read uncoded excerpts (JSONL or CSV: ``id``, ``text``, optional ``case_id`` or ``case``).

    Returns one row per excerpt with ``id``, ``case_id`` (None when absent), ``text`` and
    ``line``. Raises :class:`InputError` listing every bad record: a missing id or text,
    a duplicate id, a case that is not a plain value.
    """
    file = str(path)
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, record in iter_records(path, problems=problems):
        qid = _scalar(record.get("id"))
        text = record.get("text")
        if qid is None:
            problems.append(Problem(file, "missing id; every excerpt needs a unique id",
                                    line, "id"))
        elif qid in seen:
            problems.append(Problem(file, f"duplicate id '{qid}' (first on line {seen[qid]}); "
                                    "ids must be unique", line, "id"))
        if not isinstance(text, str) or not text.strip():
            what = "missing" if "text" not in record else "empty or not a string"
            problems.append(Problem(file, f"text is {what}; give the excerpt's words",
                                    line, "text"))
        name = next((f for f in CASE_FIELDS if record.get(f) not in (None, "")), None)
        case = None if name is None else _scalar(record[name])
        if name is not None and case is None:
            problems.append(Problem(file, "must be a case id (text or a number)", line, name))
        if qid is not None and qid not in seen:
            seen[qid] = line
        rows.append({"id": qid, "case_id": case, "text": text, "line": line})
    if not rows and not problems:
        problems.append(Problem(file, "holds no excerpts"))
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows, columns=["id", "case_id", "text", "line"])


def read_training(path: str | Path) -> TrainingSet:
    """The ids and white-space-normalised texts of a training corpus (JSONL or CSV)."""
    ids, texts = set(), set()
    for _, record in iter_records(path):
        if (qid := _scalar(record.get("id"))) is not None:
            ids.add(qid)
        if isinstance(record.get("text"), str):
            texts.add(normalise(record["text"]))
    return TrainingSet(str(path), frozenset(ids), frozenset(texts))


def training_corpus_of(model: NarrativeModel) -> Path | None:
    """The shipped corpus if the model's card says it was trained on it, else None."""
    recorded = model.card.get("training_data", {}).get("sha256")
    if recorded and DEFAULT_CORPUS.is_file() and file_sha256(DEFAULT_CORPUS) == recorded:
        return DEFAULT_CORPUS
    return None


def skip_training(pool: pd.DataFrame, training: TrainingSet) -> tuple[pd.DataFrame, int, int]:
    """The pool without the excerpts already in training, and how many had the same id or text."""
    same_id = pool["id"].isin(training.ids)
    same_text = ~same_id & pool["text"].map(normalise).isin(training.texts)
    kept = pool[~same_id & ~same_text]
    return kept, int(same_id.sum()), int(same_text.sum())
