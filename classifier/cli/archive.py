"""`narratives score`: archives scored record by record, locally or on a Dask cluster."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from ..errors import InputError, Problem
from ..model.defaults import DEFAULT_MODEL
from .app import (
    ModelOption,
    TrustOption,
    app,
    err,
    reports_errors,
    vouch,
)


@app.command("score")
@reports_errors
def score_cli(
    inputs: Annotated[list[Path], typer.Argument(
        help="Files or folders: .txt/.md, .jsonl, .csv, .parquet, each optionally .gz.")],
    out_path: Annotated[Path, typer.Option(
        "--out", help="Output .jsonl, .csv or .parquet (a folder of Parquet parts with dask).")],
    model_path: ModelOption = DEFAULT_MODEL,
    unit: Annotated[str | None, typer.Option(
        help="record or passage; default: passages for text files, records for tables.")]
    = None,
    sentences: Annotated[int, typer.Option(min=1, help="Sentences per passage.")] = 3,
    stride: Annotated[int | None, typer.Option(min=1, help="Sentences the window moves.")]
    = None,
    text_field: Annotated[str, typer.Option(help="Text column of tables.")] = "text",
    id_field: Annotated[str, typer.Option(help="Id column of tables.")] = "id",
    min_score: Annotated[float | None, typer.Option(
        help="Keep only rows whose highest score reaches this.")] = None,
    labels_only: Annotated[bool, typer.Option(
        help="Keep only rows that suggest at least one label.")] = False,
    explain: Annotated[bool, typer.Option(help="Add the terms behind each label.")] = False,
    jobs: Annotated[int, typer.Option(
        min=-1, max=128, help="Worker processes, at most 128; default (0 or -1): all cores.")] = 0,
    resume: Annotated[bool, typer.Option(help="Finish a run that was stopped.")] = False,
    skip_bad: Annotated[bool, typer.Option(
        help="Write malformed records to OUT.rejects.jsonl instead of stopping.")] = False,
    engine: Annotated[str, typer.Option(help="local, or dask for a Dask cluster.")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (tcp://host:8786); default: a local cluster.")] = None,
    chunk_size: Annotated[int, typer.Option(
        min=1, help="Records per chunk: the unit of work and of checkpointing.")] = 2000,
    quiet: Annotated[bool, typer.Option(help="No progress display.")] = False,
    trust_pickle: TrustOption = False,
) -> None:
    """Score archives: one row per record (or passage), id, labels and scores.

    Example: narratives score archive/ --out scores.parquet --jobs 2 --resume
    """
    from ..archive.batch import ScoreOptions, score_archive
    from ..archive.sources import count_records, discover

    if unit not in (None, "record", "passage"):
        raise InputError(Problem("--unit", f"'{unit}' is not a unit; use record or passage"))
    if engine not in ("local", "dask"):
        raise InputError(Problem("--engine", f"'{engine}' is not an engine; use local or dask"))
    options = ScoreOptions(unit=unit, sentences=sentences, stride=stride, id_field=id_field,
                           text_field=text_field, min_score=min_score, labels_only=labels_only,
                           explain=explain, chunk_size=chunk_size)
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    vouch(model_path, trust_pickle)
    shown = not quiet and err.is_terminal
    total = count_records(discover(inputs)) if shown else None
    with Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]} records/s"), TimeRemainingColumn(),
                  console=err, disable=not shown, transient=True) as bar:
        task = bar.add_task("score", total=total, rate="–")

        def advance(done: int) -> None:
            elapsed = bar.tasks[task].elapsed or 0
            bar.update(task, completed=done, rate=f"{done / elapsed:,.0f}" if elapsed else "–")

        if engine == "dask":
            from ..archive.dask_engine import score_with_dask

            summary = score_with_dask(inputs, out_path, model_path=model_path, options=options,
                                      scheduler=scheduler, workers=jobs, skip_bad=skip_bad,
                                      progress=advance)
        else:
            summary = score_archive(inputs, out_path, model_path=model_path, options=options,
                                    jobs=jobs, resume=resume, skip_bad=skip_bad,
                                    progress=advance)
    counts = ", ".join(f"{k} {v}" for k, v in summary["suggested"].items())
    rejected = f", {summary['rejected']} rejected into {summary['rejects']}" \
        if summary.get("rejects") else ""
    err.print(f"scored {summary['records']} records into {summary['rows']} rows in {out_path}"
              f"{rejected} ({counts})", markup=False)
