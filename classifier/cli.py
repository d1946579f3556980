"""The ``narratives`` command line: each command parses, calls one library function, prints.

Library errors become one ``Error: ...`` line on stderr and exit status 2.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from .archive.batch import Interrupted, ScoreOptions, score_archive
from .archive.dask_engine import score_with_dask
from .archive.sources import count_records, discover
from .codebook import load_codebook
from .coding.consistency import check_consistency
from .coding.next import code_next
from .coding.qdpx_import import import_qdpx, load_code_map, write_corpus
from .coding.render import reading, write_agreement_report
from .corpus import DEFAULT_CASES, DEFAULT_CORPUS
from .errors import InputError, NarrativesError, Problem
from .evaluation.report import evaluate_corpus, evaluate_model, write_report
from .model.artifact import DEFAULT_MODEL, export_model, load_model
from .model.exchange import trust_pickle_file
from .model.pipeline import DEFAULT_SEED
from .model.suggest import Suggestion
from .model.train import train
from .pretag.exports import Exports, export_accounts
from .pretag.passages import ExportContext, TaggedPassage, pretag_accounts, terms_text
from .pretag.qdpx import write_qdc
from .study.build import make_findings
from .study.findings import BY_FIELDS
from .study.render import write_findings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Suggest which narratives an excerpt of defector testimony expresses.")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])

ModelOption = Annotated[Path, typer.Option(
    "--model", help="Model file (.joblib or .skops) with its card.")]
TrustOption = Annotated[bool, typer.Option(
    "--trust-pickle", help="Load a .joblib model from outside the project's models/ folder. "
    "A joblib file runs code when it is loaded: only for a file from someone you trust.")]
CodebookOption = Annotated[Path | None, typer.Option(
    "--codebook", help="Codebook (YAML, TOML or JSON); default: data/codebook.yaml.")]


def reports_errors(command: F) -> F:
    """Turn library and file-system errors into one ``Error:`` line and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except Interrupted as exc:
            err.print(f"Interrupted: {exc}", markup=False)
            raise typer.Exit(130) from None
        except NarrativesError as exc:
            err.print(f"Error: {exc}", markup=False)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            err.print(f"Error: {where}{exc.strerror or exc}", markup=False)
        raise typer.Exit(2)

    return wrapper  # type: ignore[return-value]


def require_files(paths: list[Path]) -> None:
    """Fail on a missing input before the model is loaded, so the error names the input."""
    for path in paths:
        if not path.exists():
            raise InputError(Problem(str(path), "no such file; check the path"))


def vouch(model_path: Path | None, trust_pickle: bool) -> None:
    """--trust-pickle: trust this joblib file here and in the worker processes."""
    if trust_pickle and model_path is not None:
        trust_pickle_file(model_path)


def _terms(suggestion: Suggestion, label: str) -> str:
    return ", ".join(f"{c.term} (+{c.weight:.2f})" for c in suggestion.reasons.get(label, []))


def print_suggestion(suggestion: Suggestion, thresholds: dict[str, float]) -> None:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("narrative", "score", "threshold", "suggested", "terms that pushed it up",
                   "and down"):
        table.add_column(column)
    for label, score in suggestion.scores.items():
        chosen = label in suggestion.labels
        table.add_row(label, f"{score:.2f}", f"{thresholds[label]:.2f}", "yes" if chosen else "",
                      _terms(suggestion, label) if chosen else "",
                      terms_text(suggestion.against.get(label, [])) if chosen else "")
    out.print(table)
    out.print(f"suggested: {', '.join(suggestion.labels) or 'none'}")


@app.command("train")
@reports_errors
def train_cli(
    corpus: Annotated[Path, typer.Option(help="Coded quotations (JSONL or CSV).")] = DEFAULT_CORPUS,
    codebook: CodebookOption = None,
    cases: Annotated[Path | None, typer.Option(
        help="Cases file; default: data/cases.csv with the shipped corpus.")] = None,
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the model.")]
    = DEFAULT_MODEL,
    challenge: Annotated[Path | None, typer.Option(
        help="Held-out labelled file scored into the model card (never trained on).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of every random choice.")] = DEFAULT_SEED,
    char_ngrams: Annotated[bool, typer.Option(help="Character n-gram features.")] = True,
) -> None:
    """Train a model on a coded corpus and save it with its model card.

    Example: narratives train --corpus data/quotations.jsonl --out models/narratives.joblib
    """
    card = train(corpus, codebook=codebook, cases=cases, out=out_path, challenge=challenge,
                 seed=seed, char_ngrams=char_ngrams,
                 progress=lambda message: err.print(f"[dim]{message}[/dim]"))
    cv = card["metrics"]["cross_validated"]
    table = Table("narrative", "precision", "recall", "F1", "support", box=None,
                  title="case-grouped cross-validation")
    for label, m in cv["labels"].items():
        table.add_row(label, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}",
                      str(m["support"]))
    out.print(table)
    out.print(f"macro-F1 {cv['macro_f1']:.3f} (cross-validated)")
    if "challenge" in card["metrics"]:
        out.print(f"macro-F1 {card['metrics']['challenge']['macro_f1']:.3f} "
                  f"(held-out {card['metrics']['challenge']['file']})")
    out.print(f"saved {out_path} and its card {out_path.with_suffix('.json')}")


model_app = typer.Typer(no_args_is_help=True, help="Model files: export one to share safely.")
app.add_typer(model_app, name="model")


@model_app.command("export")
@reports_errors
def model_export_cli(
    format_: Annotated[str, typer.Option(
        "--format", help="skops: loading it builds only trusted types and runs no code.")]
    = "skops",
    model_path: ModelOption = DEFAULT_MODEL,
    out_path: Annotated[Path | None, typer.Option(
        "--out", help="Where to write it; default: the model's path with .skops.")] = None,
    trust_pickle: TrustOption = False,
) -> None:
    """Write a model as a .skops file, safe to send and receive, with its card beside it.

    Example: narratives model export --format skops --out shared/narratives.skops
    """
    card = export_model(model_path, out_path, format=format_, trust_pickle=trust_pickle)
    out.print(f"exported {model_path} to {card['file']} (SHA-256 {card['skops_sha256'][:12]}…) "
              f"and its card {Path(card['file']).with_suffix('.json')}; send both",
              markup=False)


@app.command("suggest")
@reports_errors
def suggest_cli(
    text: Annotated[str | None, typer.Argument(help="The excerpt; read from stdin if absent.")]
    = None,
    model_path: ModelOption = DEFAULT_MODEL,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    top: Annotated[int, typer.Option(help="Terms shown per suggested label.")] = 5,
    trust_pickle: TrustOption = False,
) -> None:
    """Score one excerpt: each narrative's score, the suggested labels and why.

    Example: narratives suggest "The emir took the best houses for the foreigners."
    """
    try:
        text = sys.stdin.read() if text is None else text
        text.encode("utf-8")  # bytes that are not UTF-8 arrive as lone surrogates
    except UnicodeError:
        raise InputError(Problem("the excerpt", "is not valid UTF-8; re-save it as UTF-8")) \
            from None
    if not text.strip():
        err.print("Error: the excerpt is empty; pass it as an argument or on stdin")
        raise typer.Exit(2)
    model = load_model(model_path, trust_pickle=trust_pickle)
    suggestion = model.suggest([text], top=top)[0]
    if as_json:
        out.print(json.dumps({"text": text, **suggestion.to_dict(),
                              "model_version": model.version}, ensure_ascii=False),
                  markup=False)
    else:
        print_suggestion(suggestion, model.thresholds)


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
    out.print(f"macro-F1 {macro_text}; report in {written['report.md']} and "
              f"{written['report.html']}, numbers in {written['metrics.json']}")


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

def _print_account(name: str, tagged: list[TaggedPassage]) -> None:
    out.rule(f"[bold]{name}[/bold]")
    for item in tagged:
        s = item.suggestion
        labels = ", ".join(f"{lab} {s.scores[lab]:.2f}" for lab in s.labels) or "none"
        out.print(f"[bold]passage {item.passage.index + 1}[/bold] "
                  f"[dim](chars {item.passage.start}-{item.passage.end})[/dim]  "
                  f"[bold]suggested:[/bold] {labels}")
        out.print(item.passage.text, markup=False)
        for lab in s.labels:
            against = terms_text(s.against.get(lab, []))
            out.print(f"  {lab} because of: {_terms(s, lab)}"
                      + (f"; lowered by: {against}" if against else ""), style="dim",
                      markup=False)
        out.print()


@app.command("pretag")
@reports_errors
def pretag_cli(
    accounts: Annotated[list[Path], typer.Argument(help="Account files (UTF-8 text).")],
    model_path: ModelOption = DEFAULT_MODEL,
    trust_pickle: TrustOption = False,
    sentences: Annotated[int, typer.Option(min=1, help="Sentences per passage.")] = 3,
    stride: Annotated[int | None, typer.Option(min=1, help="Sentences the window moves.")]
    = None,
    html: Annotated[Path | None, typer.Option(
        help="Highlighted page: OUT.html for one page, or a folder for a page per account.")]
    = None,
    qdpx: Annotated[Path | None, typer.Option(
        help="REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder.")] = None,
    label_studio: Annotated[Path | None, typer.Option(
        help="Label Studio tasks with pre-annotations (.json).")] = None,
    doccano: Annotated[Path | None, typer.Option(help="doccano JSONL (.jsonl).")] = None,
    qdpx_coder: Annotated[str | None, typer.Option(
        help="The person who reviews the .qdpx, its first user; default: the login name.")]
    = None,
) -> None:
    """Split accounts into passages and suggest narratives for each passage.

    With an export option the passages go to that file instead of the terminal.

    Example: narratives pretag data/samples/*.txt --html pretag.html --qdpx pretag.qdpx
    """
    exports = Exports(html=html, qdpx=qdpx, label_studio=label_studio, doccano=doccano,
                      qdpx_coder=qdpx_coder)
    exports.check()
    require_files(accounts)
    model = load_model(model_path, trust_pickle=trust_pickle)
    tagged = pretag_accounts(accounts, model, sentences=sentences, stride=stride)
    for account in tagged if not exports else []:
        _print_account(account.name, account.passages)
    for line in export_accounts(tagged, ExportContext.from_model(model), exports):
        out.print(line, markup=False)
    total = sum(len(a.passages) for a in tagged)
    flagged = sum(len(a.suggested) for a in tagged)
    out.print(f"{len(tagged)} accounts, {total} passages, {flagged} with a suggestion "
              f"(model {model.version})")


@app.command("codebook")
@reports_errors
def codebook_cli(
    codebook: CodebookOption = None,
    qdc: Annotated[Path | None, typer.Option(
        help="Write the codebook as a REFI-QDA codebook file (.qdc).")] = None,
) -> None:
    """Show the codebook's labels; with --qdc, write it for QDA software.

    Example: narratives codebook --qdc narratives.qdc
    """
    book = load_codebook(codebook)
    table = Table("label", "name", "colour", box=None, title=f"{book.name} {book.version}")
    for label in book.labels:
        table.add_row(label.id, label.name, label.colour)
    out.print(table)
    if qdc is not None:
        written = write_qdc(book, qdc)
        out.print(f"{len(book.labels)} labels in, {written['codes']} codes out: {qdc}",
                  markup=False)


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


def main() -> None:
    app()
