"""Where pre-tagged accounts go besides the terminal: HTML, QDPX, Label Studio, doccano.

Each writer returns its counts; :func:`export_accounts` turns them into one summary line
per file, counts in against counts out, so nothing lost goes unnoticed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem
from ..formats.files import atomic_path
from .annotation_tools import label_studio_config, write_doccano, write_label_studio
from .highlight import write_html
from .passages import Account, ExportContext
from .qdpx import write_qdpx

__all__ = ["Exports", "export_accounts"]


@dataclass(frozen=True)
class Exports:
    """The files to write; None leaves a format out."""

    html: Path | None = None
    qdpx: Path | None = None
    label_studio: Path | None = None
    doccano: Path | None = None
    qdpx_coder: str | None = None  # the QDPX's first user; None: the login name

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.html, self.qdpx, self.label_studio, self.doccano))

    def check(self) -> None:
        """Refuse an output of the wrong kind before anything is scored."""
        wanted = {"--qdpx": (self.qdpx, ".qdpx"), "--label-studio": (self.label_studio, ".json"),
                  "--doccano": (self.doccano, ".jsonl")}
        if self.qdpx_coder is not None and self.qdpx is None:
            raise InputError(Problem("--qdpx-coder", "names the first user of a .qdpx "
                                     "export; give --qdpx OUT.qdpx too"))
        for option, (path, suffix) in wanted.items():
            if path is not None and path.suffix.lower() != suffix:
                raise InputError(Problem(str(path), f"{option} writes a {suffix} file; "
                                         f"name it {path.stem}{suffix}"))


def export_accounts(accounts: Sequence[Account], ctx: ExportContext,
                    exports: Exports) -> list[str]:
    """Write every requested export of ``accounts``; one summary line per export."""
    exports.check()
    lines = []
    passages = sum(len(a.passages) for a in accounts)
    suggested = sum(len(a.suggested) for a in accounts)
    if exports.html is not None:
        pages = write_html(accounts, exports.html, ctx)
        lines.append(f"html: {len(accounts)} accounts and {suggested} suggested passages in, "
                     f"{len(pages)} page(s) out: {', '.join(map(str, pages))}")
    if exports.qdpx is not None:
        q = write_qdpx(accounts, exports.qdpx, ctx, coder=exports.qdpx_coder)
        lines.append(f"qdpx: {q['accounts']} accounts and {q['suggested']} suggested passages "
                     f"in, {q['sources']} sources and {q['selections']} selections "
                     f"({q['codings']} codings) out: {q['path']}, users "
                     + ", ".join(q["users"]))
    if exports.label_studio is not None:
        ls = write_label_studio(accounts, exports.label_studio, ctx)
        config = exports.label_studio.with_suffix(".config.xml")
        with atomic_path(config) as tmp:
            tmp.write_text(label_studio_config(ctx), encoding="utf-8")
        lines.append(f"label studio: {passages} passages in, {ls['tasks']} tasks out "
                     f"({ls['suggested']} predicting labels): {ls['path']}, "
                     f"labelling configuration {config}")
    if exports.doccano is not None:
        dc = write_doccano(accounts, exports.doccano)
        lines.append(f"doccano: {passages} passages in, {dc['tasks']} lines out "
                     f"({dc['suggested']} with labels): {dc['path']}")
    return lines
