"""Commands of coding: agreement and suspects, coded QDPX projects read back, what to code
next."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..corpus import DEFAULT_CORPUS
from ..model.defaults import DEFAULT_MODEL, DEFAULT_SEED
from .app import (
    CodebookOption,
    ModelOption,
    TrustOption,
    app,
    err,
    out,
    reports_errors,
    require_files,
)


@app.command("agreement")
@reports_errors
def agreement_cli(
    corpus: Annotated[Path, typer.Option(
        help="Corpus with one column per coder, or a long CSV (id, coder, labels, ...).")]
    = DEFAULT_CORPUS,
    codebook: CodebookOption = None,
    coders: Annotated[list[str] | None, typer.Option(
        help="Coders to compare: --coders coder_a,coder_b (or repeat --coders); "
             "default: every coder_* column.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report.")]
    = Path("reports/agreement"),
    bootstrap: Annotated[int, typer.Option(min=100, help="Bootstrap draws over cases.")] = 1000,
    top: Annotated[int, typer.Option(min=1, help="Suspects listed in suspects.csv.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap and the folds.")]
    = DEFAULT_SEED,
    jobs: Annotated[int, typer.Option(help="Worker processes; -1 for all cores.")] = -1,
) -> None:
    """Agreement between coders and with the model, and the quotations most likely miscoded.

    Example: narratives agreement --coders coder_a,coder_b --out reports/agreement
    """
    from ..coding.consistency import check_consistency
    from ..coding.render import reading, write_agreement_report

    names = [name.strip() for item in coders or [] for name in item.split(",") if name.strip()]
    results = check_consistency(corpus, codebook=codebook, coders=names or None,
                                n_boot=bootstrap, top=top, seed=seed, n_jobs=jobs,
                                progress=lambda m: err.print(f"[dim]{m}[/dim]"))
    written = write_agreement_report(results, out_dir)
    overall = results["agreement"]["labels"]["overall"]
    alpha = overall["alpha"]
    shown = alpha if isinstance(alpha, str) else f"{alpha:.3f}"
    out.print(f"Krippendorff's alpha, all labels pooled: {shown} ({reading(alpha)}); report in "
              f"{written['report.md']}" + (f", suspects in {written['suspects.csv']}"
                                           if "suspects.csv" in written else ""))


@app.command("import-qdpx")
@reports_errors
def import_qdpx_cli(
    project: Annotated[Path, typer.Argument(help="A coded REFI-QDA project (.qdpx).")],
    out_path: Annotated[Path, typer.Option("--out", help="Corpus to write (.jsonl).")],
    codebook: CodebookOption = None,
    users: Annotated[list[str] | None, typer.Option(
        help="Whose codings to take (names or GUIDs, comma-separated or repeated); "
             "default: everyone's but the model's.")] = None,
    code_map: Annotated[Path | None, typer.Option(
        "--map", help="YAML/JSON mapping of code names to label ids (null ignores a code).")]
    = None,
) -> None:
    """Turn a coded QDA project into a corpus: one quotation per coded selection.

    Example: narratives import-qdpx coded.qdpx --out corpus.jsonl --users "Coder A"
    """
    from ..codebook import load_codebook
    from ..coding.qdpx_import import import_qdpx, load_code_map, write_corpus

    book = load_codebook(codebook)
    names = [n.strip() for item in users or [] for n in item.split(",") if n.strip()]
    mapping = load_code_map(code_map, book) if code_map is not None else None
    records, summary = import_qdpx(project, book, users=names or None, mapping=mapping)
    write_corpus(records, out_path)
    labels = ", ".join(f"{k} {v}" for k, v in summary["labels"].items())
    out.print(f"read {summary['sources']} sources, {summary['selections']} selections, "
              f"{summary['codings']} codings ({summary['other_users']} by users left out, "
              f"{summary['ignored_codes']} of ignored codes); wrote {summary['quotations']} "
              f"quotations from {summary['cases']} cases to {out_path} ({labels})", markup=False)


def _next_summary(summary: dict[str, Any], k: int, out_path: Path) -> str:
    skipped = summary["skipped_same_id"] + summary["skipped_same_text"]
    training = (f"skipped {skipped} already in the training corpus {summary['training']} "
                f"({summary['skipped_same_id']} same id, {summary['skipped_same_text']} same "
                "text)") if summary["training"] else \
        "no training corpus known, so none skipped (name it with --corpus)"
    short = "" if summary["picked"] == k else (
        f" (only {summary['picked']} of {k}: the rest are near-copies of a pick or in cases "
        f"at the cap; see --per-case and --max-similarity)")
    caseless = f"; {summary['picked_without_case']} have no case_id: fill it in too" \
        if summary["picked_without_case"] else ""
    return (f"ranked {summary['candidates']} of {summary['pool']} excerpts from "
            f"{summary['cases']} cases with model {summary['model_version']}; {training}; "
            f"near-copies of a pick passed over: {summary['near_copies']}; wrote "
            f"{summary['picked']} from {summary['picked_cases']} cases (at most "
            f"{summary['per_case']} per case) to {out_path}{short}{caseless}")


@app.command("next")
@reports_errors
def next_cli(
    pool: Annotated[Path, typer.Argument(
        help="Uncoded excerpts, JSONL or CSV: id, text, optionally case_id (or case).")],
    k: Annotated[int, typer.Option("-k", "--count", min=1, help="How many to pick.")] = 50,
    out_path: Annotated[Path, typer.Option("--out", help="CSV to fill in.")] = Path("next.csv"),
    model_path: ModelOption = DEFAULT_MODEL,
    corpus: Annotated[Path | None, typer.Option(
        help="Training corpus whose excerpts are skipped; default: the shipped corpus "
             "when the model was trained on it.")] = None,
    per_case: Annotated[int | None, typer.Option(
        min=1, help="Most picks from one case; default: twice the even share of k.")] = None,
    max_similarity: Annotated[float, typer.Option(
        min=0.01, max=1.0, help="Cosine at which an excerpt is a near-copy of a pick.")] = 0.8,
    diversity: Annotated[float, typer.Option(
        min=0.0, help="Weight of the similarity to earlier picks against uncertainty.")] = 0.5,
    trust_pickle: TrustOption = False,
) -> None:
    """Rank uncoded excerpts by what coding them would teach the model, as a CSV to fill in.

    Example: narratives next pool.jsonl -k 50 --out next.csv
    """
    from ..coding.next import code_next
    from ..model.artifact import load_model

    require_files([pool])
    model = load_model(model_path, trust_pickle=trust_pickle)
    frame = code_next(pool, model, out=out_path, corpus=corpus, k=k, per_case=per_case,
                      max_similarity=max_similarity, diversity=diversity)
    table = Table("rank", "id", "case", "closest to its threshold", box=None)
    for row in frame.itertuples():
        table.add_row(str(row.rank), str(row.id), str(row.case_id), str(row.reason))
    out.print(table)
    out.print(_next_summary(frame.attrs["summary"], k, out_path), markup=False)
    out.print("Fill in 'labels' (label ids separated by ';', empty for none) and delete the "
              "rows left uncoded; the file then loads as a corpus: add it to yours, or "
              f"narratives train --corpus {out_path}", markup=False)
