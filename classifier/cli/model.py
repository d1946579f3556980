"""Commands of the model: train one, export it to share safely, suggest for one excerpt."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ..corpus import DEFAULT_CORPUS
from ..errors import InputError, Problem
from ..model.defaults import DEFAULT_MODEL, DEFAULT_SEED
from .app import (
    CodebookOption,
    ModelOption,
    TrustOption,
    app,
    err,
    out,
    reports_errors,
    terms_for,
)

if TYPE_CHECKING:
    from ..model.suggest import Suggestion


def print_suggestion(suggestion: Suggestion, thresholds: dict[str, float]) -> None:
    from ..pretag.passages import terms_text

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("narrative", "score", "threshold", "suggested", "terms that pushed it up",
                   "and down"):
        table.add_column(column)
    for label, score in suggestion.scores.items():
        chosen = label in suggestion.labels
        table.add_row(label, f"{score:.2f}", f"{thresholds[label]:.2f}", "yes" if chosen else "",
                      terms_for(suggestion, label) if chosen else "",
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
    real: Annotated[Path | None, typer.Option(
        help="Real statements (id, text, labels) scored into the model card, first; never "
             "trained on, nothing fitted on them.")] = None,
    threshold_hands: Annotated[str | None, typer.Option(
        help="Hands (comma-separated) whose held-out scores choose the thresholds: the "
             "writers most like the text you will score. Default: every hand; with the "
             "shipped corpus, the 'reporting' hands of data/hands.csv.")] = None,
) -> None:
    """Train a model on a coded corpus and save it with its model card.

    Example: narratives train --corpus data/quotations.jsonl --out models/narratives.joblib
    """
    from ..model.train import train

    card = train(corpus, codebook=codebook, cases=cases, out=out_path, challenge=challenge,
                 seed=seed, char_ngrams=char_ngrams, real=real,
                 threshold_hands=None if threshold_hands is None
                 else [h.strip() for h in threshold_hands.split(",") if h.strip()],
                 progress=lambda message: err.print(f"[dim]{message}[/dim]"))
    cv = card["metrics"]["cross_validated"]
    table = Table("narrative", "precision", "recall", "F1", "support", box=None,
                  title="case-grouped cross-validation")
    for label, m in cv["labels"].items():
        table.add_row(label, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}",
                      str(m["support"]))
    out.print(table)
    if "real_statements" in card["metrics"]:
        r = card["metrics"]["real_statements"]
        fpr = "–" if r["none_fpr"] is None else f"{r['none_fpr']:.3f}"
        interval = r.get("macro_f1_interval")
        spread = "" if not interval else \
            f" (95% interval {interval[0]:.2f} to {interval[1]:.2f})"
        out.print(f"macro-F1 {r['macro_f1']:.3f}{spread}, none-FPR {fpr} (real statements "
                  f"{r['file']}, {r['n']} of them, measured only)")
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
    from ..model.artifact import export_model

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
    from ..model.artifact import load_model

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
