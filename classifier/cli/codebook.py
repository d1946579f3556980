"""`narratives codebook`: the labels, and the codebook for QDA software."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .app import (
    CodebookOption,
    app,
    out,
    reports_errors,
)


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
    from ..codebook import load_codebook
    from ..pretag.qdpx import write_qdc

    book = load_codebook(codebook)
    table = Table("label", "name", "colour", box=None, title=f"{book.name} {book.version}")
    for label in book.labels:
        table.add_row(label.id, label.name, label.colour)
    out.print(table)
    if qdc is not None:
        written = write_qdc(book, qdc)
        out.print(f"{len(book.labels)} labels in, {written['codes']} codes out: {qdc}",
                  markup=False)
