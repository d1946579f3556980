"""Scoring chunks, here or on worker processes that read and write their own chunks.

The process that runs the command plans the chunks and joins the parts. A worker gets
a chunk (for a JSONL file, only its byte range), reads and parses it, scores it, writes
its part and sends back a few counts (and the records it could not score). Workers are
forked with the model already loaded where the platform allows, and are bound to the
command (:mod:`classifier.archive.lifeline`): killed with it, even by ``kill -9``.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ..model.artifact import load_model
from ..model.suggest import NarrativeModel
from .chunks import Chunk, read_chunk
from .lifeline import bind_to_parent
from .rows import ScoreOptions, score_to_part

__all__ = ["score_chunk", "score_chunks"]

_WORKER: dict[str, NarrativeModel] = {}


def _init_worker(model_path: str, parent: int) -> None:
    bind_to_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    if "model" not in _WORKER:  # not inherited from the parent (spawned, not forked)
        _WORKER["model"] = load_model(model_path)


def score_chunk(chunk: Chunk, options: ScoreOptions,
                write: Callable[[Sequence[tuple[Any, str, str]]], dict[str, Any]]
                ) -> dict[str, Any]:
    """Read a chunk and hand its records to ``write``; return counts and rejects.

    Records that cannot be scored are returned, in input order, under ``"rejected"``;
    the caller decides whether they stop the run.
    """
    ready, rejected, records = read_chunk(chunk, options.id_field, options.text_field)
    return {**write(ready), "rejected": rejected, "records": records}


def _to_part(model: NarrativeModel, chunk: Chunk, options: ScoreOptions,
             path: Path) -> dict[str, Any]:
    return score_chunk(chunk, options, lambda ready: score_to_part(model, ready, options, path))


def _in_worker(chunk: Chunk, options: ScoreOptions, path: Path) -> dict[str, Any]:
    return _to_part(_WORKER["model"], chunk, options, path)


def score_chunks(chunks: Iterable[Chunk], model: NarrativeModel, options: ScoreOptions,
                 jobs: int, part: Callable[[int], Path]
                 ) -> Iterator[tuple[Chunk, dict[str, Any]]]:
    """Score chunks into their parts, in input order, at most ``2 × jobs`` in flight."""
    if jobs <= 1 or model.path is None:
        for chunk in chunks:
            yield chunk, _to_part(model, chunk, options, part(chunk.index))
        return
    window: deque[tuple[Chunk, Future[dict[str, Any]]]] = deque()
    _WORKER["model"] = model  # forked workers start with it loaded
    try:
        with ProcessPoolExecutor(jobs, initializer=_init_worker,
                                 initargs=(str(model.path), os.getpid())) as pool:
            try:
                for chunk in chunks:
                    window.append((chunk, pool.submit(_in_worker, chunk, options,
                                                      part(chunk.index))))
                    if len(window) >= 2 * jobs:
                        done, future = window.popleft()
                        yield done, future.result()
                while window:
                    done, future = window.popleft()
                    yield done, future.result()
            except BaseException:
                for _, future in window:
                    future.cancel()
                raise
    finally:
        _WORKER.pop("model", None)
