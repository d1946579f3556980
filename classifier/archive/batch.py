"""Scoring archives: streamed in chunks, on several processes, checkpointed and resumable.

The inputs are cut, in order, into chunks of ``chunk_size`` records (a JSONL file into
byte ranges, see :mod:`classifier.archive.chunks`). Each chunk is read, scored and written (by a
worker process when ``jobs > 1``, see :mod:`classifier.archive.workers`) as a part file under
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..corpus import file_sha256
from ..errors import InputError, NarrativesError, OutputError, Problem
from ..formats.files import atomic_path, output_lock
from ..model.artifact import load_model
from ..model.suggest import NarrativeModel
from .chunks import Chunk, plan
from .outputs import OUTPUT_SUFFIXES, append_part, join_parts
from .rows import ScoreOptions, write_rows
from .sources import Rejected, discover
from .workers import score_chunks

__all__ = ["Interrupted", "ScoreOptions", "score_archive"]

# 2: chunks are cut per file, a JSONL file by lines; rejects parts only for chunks with rejects
MANIFEST_VERSION = 2


class Interrupted(NarrativesError):
    """Raised when a run is stopped by Ctrl-C or SIGTERM; its finished chunks are kept."""


@dataclass
class Summary:
    records: int = 0
    rows: int = 0
    rejected: int = 0
    suggested: dict[str, int] = field(default_factory=dict)


def first_problem(rejected: Sequence[Rejected], skip_bad: bool) -> None:
    """Stop the run at the first bad record, unless bad records are to be set aside."""
    if rejected and not skip_bad:
        raise InputError(rejected[0].problem())


class _Parts:
    """The checkpoint folder: one part per chunk and a manifest of the chunks done.

    Chunks are done in input order. For a JSONL output each part is appended, as soon as
    it is done, to ``joined.jsonl``, which becomes the output, and removed: the joining
    and the removing happen while the workers score, not after them. The manifest
    records how many bytes of ``joined.jsonl`` belong to the chunks done; a resumed run
    cuts off anything after them.
    """

    def __init__(self, output: Path, fingerprint: dict[str, Any], resume: bool):
        self.folder = output.with_name(output.name + ".parts")
        self.manifest = self.folder / "manifest.json"
        self.joined = self.folder / "joined.jsonl" if output.suffix.lower() == ".jsonl" \
            else None
        self.joined_bytes = 0
        self.fingerprint = fingerprint
        self.done: dict[int, dict[str, Any]] = {}
        if self.folder.exists() and not resume:
            raise InputError(Problem(str(self.folder), "a previous run of this output stopped "
                                     "before finishing; add --resume to finish it, or remove "
                                     "the folder to start again"))
        if resume and self.manifest.exists():
            saved = json.loads(self.manifest.read_text(encoding="utf-8"))
            if saved.get("fingerprint") != fingerprint \
                    or saved.get("version") != MANIFEST_VERSION:
                raise InputError(Problem(str(self.manifest), "the inputs, model or options "
                                         "differ from the run being resumed (or another "
                                         "version of narratives made it); use the same "
                                         "command, or remove the folder to start again"))
            self.done = {int(k): v for k, v in saved["done"].items()}
            self.joined_bytes = int(saved.get("joined_bytes", 0))
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.joined is not None:
            self._cut_joined()

    def _cut_joined(self) -> None:
        assert self.joined is not None
        with self.joined.open("ab") as handle:
            if os.fstat(handle.fileno()).st_size < self.joined_bytes:
                raise InputError(Problem(str(self.joined), "is shorter than its manifest "
                                         "records (was the folder changed?); remove the "
                                         "folder to start again"))
            handle.truncate(self.joined_bytes)

    def _join(self, index: int) -> None:
        assert self.joined is not None
        with self.joined.open("ab") as out:
            append_part(self.path(index, "part"), out)
            out.flush()
            self.joined_bytes = os.fstat(out.fileno()).st_size

    def path(self, index: int, kind: str) -> Path:
        return self.folder / f"{kind}-{index:06d}.jsonl"

    def save(self, chunk: Chunk, written: dict[str, Any]) -> dict[str, Any]:
        """Record a chunk whose part is written: its rejects, then the manifest."""
        rejected = written["rejected"]
        if rejected:
            write_rows(self.path(chunk.index, "rejects"), [asdict(r) for r in rejected])
        if self.joined is not None:
            self._join(chunk.index)
        entry = {"records": written["records"], "rows": written["rows"],
                 "rejected": len(rejected), "suggested": written["suggested"]}
        self.done[chunk.index] = entry
        state = {"version": MANIFEST_VERSION, "fingerprint": self.fingerprint,
                 "done": {str(k): v for k, v in sorted(self.done.items())},
                 "joined_bytes": self.joined_bytes}
        with atomic_path(self.manifest) as tmp:
            tmp.write_text(json.dumps(state), encoding="utf-8")  # the C encoder: no indent
        if self.joined is not None:
            self.path(chunk.index, "part").unlink()
        return entry


def _fingerprint(files: Sequence[tuple[Path, Path]], model_path: Path | None,
                 options: ScoreOptions) -> dict[str, Any]:
    return {
        "inputs": [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p, _ in files],
        "model_sha256": file_sha256(model_path) if model_path else None,
        "options": asdict(options),
    }


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


def _score_all(parts: _Parts, files: Sequence[tuple[Path, Path]], model: NarrativeModel,
               options: ScoreOptions, jobs: int, skip_bad: bool,
               progress: Callable[[int], None]) -> None:
    read = sum(entry["records"] for entry in parts.done.values())
    chunks = plan(files, options.chunk_size, options.id_field, options.text_field)
    pending = (c for c in chunks if c.index not in parts.done)
    for chunk, written in score_chunks(pending, model, options, jobs,
                                       lambda index: parts.path(index, "part")):
        first_problem(written["rejected"], skip_bad)
        parts.save(chunk, written)
        read += written["records"]
        progress(read)


def _finish(parts: _Parts, output: Path, labels: list[str], options: ScoreOptions,
            skip_bad: bool) -> Path | None:
    """Join the parts into the output (rejects first: the output appearing means done)."""
    indices = sorted(parts.done)
    rejects = output.with_name(output.name + ".rejects.jsonl") if skip_bad else None
    if rejects is not None:
        join_parts([parts.path(k, "rejects") for k in indices if parts.done[k]["rejected"]],
                   rejects, labels, passages=False, raw=True)
    if parts.joined is not None:
        os.replace(parts.joined, output)
    else:
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
        previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            _score_all(parts, files, model, options, jobs, skip_bad, progress)
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
