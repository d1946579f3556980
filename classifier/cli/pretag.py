"""`narratives pretag`: accounts into passages with suggestions, on screen or exported."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..model.defaults import DEFAULT_MODEL
from .app import (
    ModelOption,
    TrustOption,
    app,
    out,
    reports_errors,
    require_files,
    terms_for,
)

if TYPE_CHECKING:
    from ..pretag.passages import TaggedPassage


def _print_account(name: str, tagged: list[TaggedPassage]) -> None:
    from ..pretag.passages import terms_text

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
            out.print(f"  {lab} because of: {terms_for(s, lab)}"
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
    from ..model.artifact import load_model
    from ..pretag.exports import Exports, export_accounts
    from ..pretag.passages import ExportContext, pretag_accounts

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
