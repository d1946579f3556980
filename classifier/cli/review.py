"""The review command: coders confirm or correct suggestions in the browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError, Problem
from ..model.defaults import DEFAULT_MODEL
from .app import ModelOption, TrustOption, app, err, out, reports_errors, vouch


@app.command("review")
@reports_errors
def review_cli(
    inputs: Annotated[list[Path] | None, typer.Argument(
        help="Accounts (.txt/.md), JSONL, CSV or Parquet, as pretag and score read them; "
             "none to resume the database's review.")] = None,
    db: Annotated[Path, typer.Option(help="Review database (SQLite); made if missing.")]
    = Path("review.sqlite"),
    coder: Annotated[str, typer.Option(help="Your name in the database (letters, digits, _).")]
    = "coder",
    model_path: ModelOption = DEFAULT_MODEL,
    corpus: Annotated[Path | None, typer.Option(
        help="Training corpus retraining adds the decisions to; default: the model's own "
             "when it was trained on the shipped corpus.")] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8765,
    host: Annotated[str, typer.Option(
        help="Address to listen on; anything but loopback lets others reach the page.")]
    = "127.0.0.1",
    order: Annotated[str, typer.Option(help="next (what teaches the model most) or reading.")]
    = "next",
    every: Annotated[int, typer.Option(min=1, help="Retrain after this many decisions.")] = 25,
    overlap: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Share of passages shown to a second coder (set by the lead).")]
    = None,
    export: Annotated[Path | None, typer.Option(
        help="Write the review as corpus.jsonl, corpus.csv or project.qdpx and exit.")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")]
    = False,
    trust_pickle: TrustOption = False,
) -> None:
    """Review suggestions in the browser, one passage at a time; the model learns as you go.

    Example: narratives review data/samples/*.txt --db review.sqlite --coder ana
    Example: narratives review --db review.sqlite --export corpus.jsonl
    """
    from ..coding.review import export_review, open_review, serve
    from ..coding.review.app import ReviewSettings
    from ..coding.review.server import check_coder, check_port

    if export is not None:
        done = export_review(db, export)
        out.print(f"wrote {done['quotations']} quotations coded by "
                  f"{', '.join(done['coders'])} to {export}", markup=False)
        return
    if order not in ("next", "reading"):
        raise InputError(Problem("--order", f"'{order}' is not an order; use next or reading"))
    settings = ReviewSettings(check_coder(coder), port, order=order, every=every,
                              hosts=() if host in ("127.0.0.1", "localhost") else (host,))
    check_port(host, port)
    vouch(model_path, trust_pickle)
    say = lambda message: err.print(message, markup=False)  # noqa: E731
    store, model, rank = open_review(db, inputs or [], model_path=model_path, corpus=corpus,
                                     trust_pickle=trust_pickle, overlap=overlap, say=say)
    serve(store, model, settings, host=host, rank=rank, open_browser=not no_browser, say=say)
