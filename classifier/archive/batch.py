"""Scoring archives: streamed in chunks, on several processes, checkpointed and resumable.

The records of the inputs are dealt, in order, into chunks of ``chunk_size``. Each chunk
is scored (by a worker process when ``jobs > 1``) into a part file under
``OUTPUT.parts/``, and a manifest records which chunks are done. When every chunk is
done, the parts are joined, in order, into the output, which appears in one step; the
parts are then removed. A run that stops (Ctrl-C, ``kill -9``, a crash) keeps its parts,
and the same command with ``resume=True`` scores only what is missing, so the output is
the same as that of an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from ..corpus import file_sha256
from ..errors import InputError, NarrativesError, OutputError, Problem
from ..formats.files import atomic_path, output_lock
from ..model.artifact import load_model
from ..model.suggest import NarrativeModel
from ..model.text import split_passages
from .outputs import OUTPUT_SUFFIXES, count_labels, join_parts
from .sources import Excerpt, Rejected, Unparsed, discover, parse, read_sources

__all__ = ["Interrupted", "ScoreOptions", "score_archive"]

MANIFEST_VERSION = 1


class Interrupted(NarrativesError):
    """Raised when a run is stopped by Ctrl-C or SIGTERM; its finished chunks are kept."""


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


@dataclass
class Summary:
    records: int = 0
    rows: int = 0
    rejected: int = 0
    suggested: dict[str, int] = field(default_factory=dict)


_WORKER: dict[str, NarrativeModel] = {}


def _init_worker(model_path: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    _WORKER["model"] = load_model(model_path)


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


Item = tuple[Any, str, str] | Unparsed | Rejected


def _parsed(items: Sequence[Item], options: ScoreOptions
            ) -> tuple[list[tuple[Any, str, str]], list[Rejected]]:
    ready: list[tuple[Any, str, str]] = []
    rejected: list[Rejected] = []
    for item in items:
        if isinstance(item, Unparsed):
            found = parse(item, id_field=options.id_field, text_field=options.text_field)
            if isinstance(found, Excerpt):
                ready.append((found.id, found.text, found.kind))
            elif found is not None:
                rejected.append(found)
        elif isinstance(item, Rejected):
            rejected.append(item)
        else:
            ready.append(item)
    return ready, rejected


def _write_part(path: Path, rows: list[dict[str, Any]]) -> dict[str, Any]:
    with atomic_path(path) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                       encoding="utf-8")
    return {"rows": len(rows), "suggested": count_labels(rows)}


def score_chunk(model: NarrativeModel, items: Sequence[Item], options: ScoreOptions,
                write: Callable[[list[dict[str, Any]]], dict[str, Any]]) -> dict[str, Any]:
    """Parse and score a chunk, write its rows with ``write``; return counts and rejects.

    Records that cannot be scored are returned, in input order, under ``"rejected"``;
    the caller decides whether they stop the run (:func:`first_problem`).
    """
    ready, rejected = _parsed(items, options)
    return {**write(score_items(model, ready, options)), "rejected": rejected}


def _score_in_worker(items: list[Item], options: ScoreOptions, path: Path) -> dict[str, Any]:
    # The worker parses and writes its own part, so only a few counts travel back.
    return score_chunk(_WORKER["model"], items, options, partial(_write_part, path))


@dataclass
class _Chunk:
    index: int
    items: list[Item]
    records: int


def _chunks(stream: Iterator[Excerpt | Rejected | Unparsed], size: int) -> Iterator[_Chunk]:
    index = 0
    while batch := list(islice(stream, size)):
        items: list[Item] = [(e.id, e.text, e.kind) if isinstance(e, Excerpt) else e
                             for e in batch]
        yield _Chunk(index, items, len(batch))
        index += 1


def first_problem(rejected: Sequence[Rejected], skip_bad: bool) -> None:
    """Stop the run at the first bad record, unless bad records are to be set aside."""
    if rejected and not skip_bad:
        raise InputError(rejected[0].problem())


class _Parts:
    """The checkpoint folder: one part per chunk and a manifest of the chunks done."""

    def __init__(self, output: Path, fingerprint: dict[str, Any], resume: bool):
        self.folder = output.with_name(output.name + ".parts")
        self.manifest = self.folder / "manifest.json"
        self.fingerprint = fingerprint
        self.done: dict[int, dict[str, Any]] = {}
        if self.folder.exists() and not resume:
            raise InputError(Problem(str(self.folder), "a previous run of this output stopped "
                                     "before finishing; add --resume to finish it, or remove "
                                     "the folder to start again"))
        if resume and self.manifest.exists():
            saved = json.loads(self.manifest.read_text(encoding="utf-8"))
            if saved.get("fingerprint") != fingerprint:
                raise InputError(Problem(str(self.manifest), "the inputs, model or options "
                                         "differ from the run being resumed; use the same "
                                         "command, or remove the folder to start again"))
            self.done = {int(k): v for k, v in saved["done"].items()}
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, index: int, kind: str) -> Path:
        return self.folder / f"{kind}-{index:06d}.jsonl"

    def save(self, chunk: _Chunk, written: dict[str, Any]) -> dict[str, Any]:
        """Record a chunk whose part is written: its rejects, then the manifest."""
        rejected = written["rejected"]
        _write_part(self.path(chunk.index, "rejects"), [asdict(r) for r in rejected])
        entry = {"records": chunk.records, "rows": written["rows"],
                 "rejected": len(rejected), "suggested": written["suggested"]}
        self.done[chunk.index] = entry
        state = {"version": MANIFEST_VERSION, "fingerprint": self.fingerprint,
                 "done": {str(k): v for k, v in sorted(self.done.items())}}
        with atomic_path(self.manifest) as tmp:
            tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        return entry


def _fingerprint(files: Sequence[tuple[Path, Path]], model_path: Path | None,
                 options: ScoreOptions) -> dict[str, Any]:
    return {
        "inputs": [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p, _ in files],
        "model_sha256": file_sha256(model_path) if model_path else None,
        "options": asdict(options),
    }


def _results(chunks: Iterable[_Chunk], model: NarrativeModel, model_path: Path | None,
             options: ScoreOptions, jobs: int, parts: _Parts
             ) -> Iterator[tuple[_Chunk, dict[str, Any]]]:
    """Score chunks into their parts, in input order, at most ``2 × jobs`` in flight."""
    if jobs <= 1 or model_path is None:
        for chunk in chunks:
            write = partial(_write_part, parts.path(chunk.index, "part"))
            yield chunk, score_chunk(model, chunk.items, options, write)
        return
    window: deque[tuple[_Chunk, Future[dict[str, Any]]]] = deque()
    with ProcessPoolExecutor(jobs, initializer=_init_worker,
                             initargs=(str(model_path),)) as pool:
        try:
            for chunk in chunks:
                window.append((chunk, pool.submit(_score_in_worker, chunk.items, options,
                                                  parts.path(chunk.index, "part"))))
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


def _summary(entries: Iterable[dict[str, Any]], labels: Sequence[str]) -> Summary:
    summary = Summary(suggested=dict.fromkeys(labels, 0))
    for entry in entries:
        summary.records += entry["records"]
        summary.rows += entry["rows"]
        summary.rejected += entry["rejected"]
        for label, count in entry["suggested"].items():
            summary.suggested[label] += count
    return summary


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _score_all(parts: _Parts, stream: Iterator[Excerpt | Rejected | Unparsed],
               model: NarrativeModel, options: ScoreOptions, jobs: int, skip_bad: bool,
               progress: Callable[[int], None]) -> None:
    read = sum(entry["records"] for entry in parts.done.values())
    pending = (c for c in _chunks(stream, options.chunk_size) if c.index not in parts.done)
    for chunk, written in _results(pending, model, model.path, options, jobs, parts):
        first_problem(written["rejected"], skip_bad)
        parts.save(chunk, written)
        read += chunk.records
        progress(read)


def _finish(parts: _Parts, output: Path, labels: list[str], options: ScoreOptions,
            skip_bad: bool) -> Path | None:
    """Join the parts into the output (rejects first: the output appearing means done)."""
    indices = sorted(parts.done)
    rejects = output.with_name(output.name + ".rejects.jsonl") if skip_bad else None
    if rejects is not None:
        join_parts([parts.path(k, "rejects") for k in indices], rejects, labels,
                   passages=False, raw=True)
    join_parts([parts.path(k, "part") for k in indices], output, labels,
               passages=options.unit != "record")
    shutil.rmtree(parts.folder)
    return rejects


def _check_output(output: Path, files: Sequence[tuple[Path, Path]]) -> None:
    if any(output.resolve() == p.resolve() for p, _ in files):
        raise InputError(Problem(str(output), "output would overwrite an input"))
    output.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(output.parent, os.W_OK):
        raise InputError(Problem(str(output.parent), "the output folder is not writable; "
                                 "choose another --out"))


def score_archive(inputs: Sequence[str | Path], output: str | Path, *,
                  model: NarrativeModel | None = None, model_path: str | Path | None = None,
                  options: ScoreOptions | None = None,
                  jobs: int = 1, resume: bool = False, skip_bad: bool = False,
                  progress: Callable[[int], None] = lambda records: None) -> dict[str, Any]:
    """Score every record of ``inputs`` into ``output`` (.jsonl, .csv or .parquet).

    Returns a summary: records read, rows written, records rejected, labels suggested.
    A malformed record stops the run with :class:`InputError` unless ``skip_bad``, which
    writes it with its reason to ``OUTPUT.rejects.jsonl`` instead. ``progress`` is called
    with the number of records read so far. Another run writing the same output is
    refused; a full disk raises :class:`OutputError` and keeps the finished chunks.
    """
    from ..model.artifact import DEFAULT_MODEL

    options = options or ScoreOptions()
    output = Path(output)
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(Problem(str(output), f"output must end in one of "
                                 f"{', '.join(OUTPUT_SUFFIXES)}"))
    files = discover(inputs)
    _check_output(output, files)
    if model is None:
        model = load_model(model_path if model_path is not None else DEFAULT_MODEL)
    with output_lock(output):
        parts = _Parts(output, _fingerprint(files, model.path, options), resume)
        stream = read_sources(files, id_field=options.id_field, text_field=options.text_field,
                              defer=True)
        previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            _score_all(parts, stream, model, options, jobs, skip_bad, progress)
            if not any(entry["records"] for entry in parts.done.values()):
                shutil.rmtree(parts.folder)
                raise InputError(Problem(", ".join(map(str, inputs)),
                                         "holds no records to score"))
            rejects = _finish(parts, output, model.labels, options, skip_bad)
        except KeyboardInterrupt:
            raise Interrupted(f"stopped; {len(parts.done)} chunks are saved in {parts.folder}: "
                              "run the same command with --resume to finish") from None
        except InputError:
            shutil.rmtree(parts.folder, ignore_errors=True)  # a bad record cannot be resumed
            raise
        except OSError as exc:
            raise OutputError.from_os_error(exc, output, parts.folder, len(parts.done)) from None
        finally:
            signal.signal(signal.SIGTERM, previous)
    summary = _summary(parts.done.values(), model.labels)
    return {"output": str(output), **asdict(summary),
            "rejects": str(rejects) if rejects is not None else None}
