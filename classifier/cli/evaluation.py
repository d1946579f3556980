"""`narratives evaluate`: cross-validation, baselines and a report, or a model on a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..corpus import DEFAULT_CORPUS
from ..errors import InputError, Problem
from ..model.defaults import DEFAULT_SEED
from .app import (
    CodebookOption,
    TrustOption,
    app,
    err,
    out,
    reports_errors,
    vouch,
)


@app.command("evaluate")
@reports_errors
def evaluate_cli(
    corpus: Annotated[Path, typer.Option(help="Coded quotations (JSONL or CSV).")] = DEFAULT_CORPUS,
    codebook: CodebookOption = None,
    cases: Annotated[Path | None, typer.Option(help="Cases file.")] = None,
    challenge: Annotated[Path | None, typer.Option(
        help="Held-out labelled file; default: data/challenge.jsonl with the shipped corpus.")]
    = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report.")]
    = Path("reports/evaluation"),
    folds: Annotated[int, typer.Option(min=2, help="Folds per repeat.")] = 5,
    repeats: Annotated[int, typer.Option(min=1, help="Repeats with other folds.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the folds and the model.")] = DEFAULT_SEED,
    jobs: Annotated[int, typer.Option(help="Worker processes; -1 for all cores.")] = -1,
    model_path: Annotated[Path | None, typer.Option(
        "--model", help="Evaluate this saved model on --test instead.")] = None,
    test: Annotated[Path | None, typer.Option(
        help="External labelled file (id, text, labels) to evaluate --model on.")] = None,
    trust_pickle: TrustOption = False,
) -> None:
    """Evaluate: case-grouped cross-validation, baselines, ablations, plots and a report.

    Example: narratives evaluate --out reports/evaluation
    Example: narratives evaluate --model models/narratives.joblib --test other.jsonl
    """
    from ..evaluation.report import evaluate_corpus, evaluate_model, write_report

    say = lambda message: err.print(f"[dim]{message}[/dim]")  # noqa: E731
    vouch(model_path, trust_pickle)
    if test is not None:
        results = evaluate_model(model_path, test, progress=say)
    elif model_path is not None:
        raise InputError(Problem(str(model_path), "--model evaluates on a file: add --test"))
    else:
        results = evaluate_corpus(corpus, codebook=codebook, cases=cases, challenge=challenge,
                                  folds=folds, repeats=repeats, seed=seed, n_jobs=jobs,
                                  progress=say)
    written = write_report(results, out_dir)
    m = results["metrics"]
    overall = m["test"]["overall"] if results["kind"] == "model" else m["cross_validated"]
    macro = overall["macro_f1"]
    macro_text = f"{macro['mean']:.3f} ± {macro['sd']:.3f}" if isinstance(macro, dict) \
        else f"{macro:.3f}"
    interval = m["test"].get("macro_f1_interval") if results["kind"] == "model" else None
    if interval:
        macro_text += f" (95% interval {interval[0]:.2f} to {interval[1]:.2f})"
    out.print(f"macro-F1 {macro_text}; report in {written['report.md']} and "
              f"{written['report.html']}, numbers in {written['metrics.json']}")
