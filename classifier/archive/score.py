"""Scoring one file of excerpts: the simple case of :func:`classifier.archive.batch.score_archive`.

The output contract is ``{"id": ..., "labels": [...], "scores": {label: score}}``, one
record per input record, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model.suggest import NarrativeModel
from .batch import ScoreOptions, score_archive

__all__ = ["score_file"]


def score_file(input_path: str | Path, output_path: str | Path, model: NarrativeModel, *,
               batch_size: int = 1000, explain: bool = False,
               progress: Callable[[int], None] = lambda done: None) -> dict[str, Any]:
    """Score every record of a JSONL or CSV file into ``output_path``; return a summary.

    Each record is scored whole; the first malformed record stops the run and no output
    is left behind.
    """
    options = ScoreOptions(unit="record", explain=explain, chunk_size=batch_size)
    return score_archive([input_path], output_path, model=model, options=options,
                         progress=progress)
