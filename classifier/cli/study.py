"""`narratives findings`: from scores to case profiles, prevalence and their report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..corpus import BY_FIELDS, DEFAULT_CASES
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


@app.command("findings")
@reports_errors
def findings_cli(
    scores: Annotated[Path, typer.Option(
        help="Output of 'narratives score': .jsonl, .csv, .parquet or a folder of parts.")],
    cases: Annotated[Path, typer.Option(help="Cases file (CSV or JSONL).")] = DEFAULT_CASES,
    coded: Annotated[Path | None, typer.Option(
        help="Coded corpus: places its quotations in cases, and its out-of-fold errors "
             "correct the prevalence.")] = None,
    codebook: CodebookOption = None,
    model_path: Annotated[Path | None, typer.Option(
        "--model", help="The model that made the scores; its configuration is "
                        "cross-validated on --coded. Default: the shipped configuration.")]
    = None,
    case_field: Annotated[str | None, typer.Option(
        help="Column of the scores naming each row's case; default: case_id or case.")] = None,
    min_share: Annotated[float | None, typer.Option(
        help="A case expresses a narrative when this share of its passages do; "
             "default: when one passage does.")] = None,
    by: Annotated[str, typer.Option(help="Case fields to break prevalence down by.")]
    = ",".join(BY_FIELDS),
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report.")]
    = Path("reports/findings"),
    bootstrap: Annotated[int, typer.Option(min=100, help="Bootstrap draws over cases.")] = 1000,
    quantify_bootstrap: Annotated[int, typer.Option(
        min=50, help="Bootstrap draws of the corrected prevalence.")] = 200,
    folds: Annotated[int, typer.Option(min=2, help="Folds of the coded corpus.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and the folds.")]
    = DEFAULT_SEED,
    jobs: Annotated[int, typer.Option(help="Worker processes; -1 for all cores.")] = -1,
    trust_pickle: TrustOption = False,
) -> None:
    """Findings from scores: case profiles, prevalence, co-occurrence, timeline, corrected
    prevalence.

    Example: narratives findings --scores scores.jsonl --coded data/quotations.jsonl
    """
    from ..study.build import make_findings
    from ..study.render import write_findings

    vouch(model_path, trust_pickle)
    results = make_findings(scores, cases=cases, coded=coded, codebook=codebook,
                            model=model_path, case_field=case_field, min_share=min_share,
                            by=[f.strip() for f in by.split(",") if f.strip()], n_boot=bootstrap,
                            quantify_boot=quantify_bootstrap, folds=folds, seed=seed, n_jobs=jobs,
                            progress=lambda m: err.print(f"[dim]{m}[/dim]"))
    written = write_findings(results, out_dir)
    overall = results["prevalence"][results["prevalence"]["by"] == "all"]
    out.print("cases expressing: " + ", ".join(
        f"{r.label} {r.cases_expressing}/{r.cases}" for r in overall.itertuples()))
    q = results["quantification"]
    if q is not None:
        pacc = q["estimates"][q["estimates"]["method"] == "pacc"]
        out.print("share of passages, corrected (pacc): " + ", ".join(
            f"{r.label} {r.estimate:.3f}" for r in pacc.itertuples()))
    out.print(f"report in {written['report.md']} and {written['report.html']}, numbers in "
              f"{written['findings.json']}")
