"""Scoring on a Dask cluster: the same chunks and rows as the local engine, as Parquet parts.

The model is loaded and checked once, here, then shipped once to every worker
(``Client.scatter(..., broadcast=True)``). Chunks are read here, in order (a worker may
not see the inputs), and at most two per worker are in flight, so memory stays flat.
Each worker writes its chunk as ``part-NNNNNN.parquet`` into a temporary folder beside
the output, which is renamed to the output folder when every part is written; a task
whose worker dies is retried. The workers of a local cluster end with this process, even
when it is killed.
"""

from __future__ import annotations

import json
import shutil
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import InputError, OutputError, Problem
from ..formats.files import atomic_path, output_lock
from ..model.artifact import DEFAULT_MODEL, load_model
from ..model.suggest import NarrativeModel
from .batch import ScoreOptions, first_problem
from .chunks import Chunk, plan
from .lifeline import DASK_PRELOAD, mark_parent
from .outputs import count_labels, write_parquet
from .rows import score_items
from .sources import discover
from .workers import score_chunk

__all__ = ["score_with_dask"]


def _score_part(model: NarrativeModel, chunk: Chunk, options: ScoreOptions,
                path: str) -> dict[str, Any]:
    def write(ready: Sequence[tuple[Any, str, str]]) -> dict[str, Any]:
        rows = score_items(model, ready, options)
        write_parquet(iter([rows]), Path(path), model.labels, passages=options.unit != "record",
                      explain=options.explain)
        return {"rows": len(rows), "suggested": count_labels(rows)}

    return score_chunk(chunk, options, write)


def _result(future: Any) -> Any:
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        # Retries are spent: the chunk itself kills workers (most often, out of memory).
        raise OutputError(f"a chunk ({exc.task}) killed every worker it ran on, "
                          f"{exc.allowed_failures + 1} times; give the workers more memory "
                          "or use a smaller --chunk-size; nothing was written") from None


def _close(client: Any) -> None:
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()


def _client(scheduler: str | None, workers: int) -> Any:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    mark_parent()  # its workers die with this process, even by kill -9
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, preload=[DASK_PRELOAD])
    return Client(cluster)


def score_with_dask(inputs: Sequence[str | Path], output: str | Path, *,
                    model_path: str | Path | None = None, options: ScoreOptions | None = None,
                    scheduler: str | None = None, workers: int = 2, skip_bad: bool = False,
                    client: Any = None,
                    progress: Callable[[int], None] = lambda records: None) -> dict[str, Any]:
    """Score ``inputs`` on a Dask cluster into the folder ``output`` of Parquet parts.

    ``scheduler`` is the address of a running scheduler; without it a local cluster of
    ``workers`` processes is started (and stopped). ``client`` lets a caller bring its own.
    Workers must be able to write to ``output``'s parent folder (a shared file system on
    a real cluster).
    """
    options = options or ScoreOptions()
    output = Path(output)
    if output.exists():
        raise InputError(Problem(str(output), "the output folder exists; remove it or choose "
                                 "another"))
    files = discover(inputs)
    model = load_model(model_path if model_path is not None else DEFAULT_MODEL)
    with output_lock(output):
        return _score_locked(files, inputs, output, model, options, scheduler, workers,
                             skip_bad, client, progress)


def _score_locked(files: list[tuple[Path, Path]], inputs: Sequence[str | Path], output: Path,
                  model: NarrativeModel, options: ScoreOptions, scheduler: str | None,
                  workers: int, skip_bad: bool, client: Any,
                  progress: Callable[[int], None]) -> dict[str, Any]:
    staging = output.with_name(f".{output.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    own = client is None
    client = _client(scheduler, workers) if own else client
    summary: dict[str, Any] = {"output": str(output), "records": 0, "rows": 0, "rejected": 0,
                               "suggested": dict.fromkeys(model.labels, 0), "rejects": None}
    rejected: list[dict[str, Any]] = []
    try:
        # A fresh key each run: re-scattering the same model under its hashed key while the
        # scheduler still forgets it from the last run cancels tasks (lost dependencies).
        shipped = client.scatter(model, broadcast=True, hash=False)
        window: deque[Any] = deque()
        width = 2 * max(len(client.scheduler_info().get("workers", {})), 1)
        chunks = plan(files, options.chunk_size, options.id_field, options.text_field,
                      ranges=False)

        def collect(future: Any) -> None:
            result = _result(future)
            first_problem(result["rejected"], skip_bad)
            rejected.extend(asdict(r) for r in result["rejected"])
            summary["records"] += result["records"]
            summary["rows"] += result["rows"]
            for label, count in result["suggested"].items():
                summary["suggested"][label] += count
            progress(summary["records"])

        for chunk in chunks:
            part = staging / f"part-{chunk.index:06d}.parquet"
            window.append(client.submit(_score_part, shipped, chunk, options, str(part),
                                        pure=False, retries=3))
            if len(window) >= width:
                collect(window.popleft())
        while window:
            collect(window.popleft())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if own:
            _close(client)
    return _finish(inputs, staging, output, summary, rejected if skip_bad else None)


def _finish(inputs: Sequence[str | Path], staging: Path, output: Path, summary: dict[str, Any],
            rejected: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Put the finished parts (and rejects, with ``--skip-bad``) in place as the output."""
    if not summary["records"]:
        shutil.rmtree(staging, ignore_errors=True)
        raise InputError(Problem(", ".join(map(str, inputs)), "holds no records to score"))
    if rejected is not None:
        _write_rejects(rejected, staging / "rejects.jsonl")
        summary["rejected"] = len(rejected)
        summary["rejects"] = str(output / "rejects.jsonl")
    staging.rename(output)
    return summary


def _write_rejects(rejected: list[dict[str, Any]], path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rejected),
                       encoding="utf-8")
