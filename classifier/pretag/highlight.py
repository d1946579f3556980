"""A pre-tagged account as one self-contained HTML page: highlights, legend, scores, reasons.

The page carries its own CSS and nothing else (no scripts, fonts or images), so it
opens from a mail attachment or a shared drive and prints as it shows. Every piece of
the account's text, names and reasons is escaped.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError, Problem
from ..formats.files import atomic_path
from .passages import Account, ExportContext, TaggedPassage, reasons_text

__all__ = ["render_html", "write_html"]

BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")

CSS = """
:root{--ink:#1d1d1d;--muted:#5b5b5b;--rule:#d9d9d9}
*{box-sizing:border-box}
body{font:16px/1.6 Georgia,'DejaVu Serif',serif;color:var(--ink);margin:0 auto;
 max-width:76rem;padding:1.5rem 2rem;-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1,h2,.legend,.note,.meta,nav,sup.ref{font-family:system-ui,'DejaVu Sans',sans-serif}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .25rem}
.meta{color:var(--muted);font-size:.85rem;margin:.2rem 0 1rem}
.legend{list-style:none;padding:.6rem .8rem;margin:0 0 1rem;border:1px solid var(--rule);
 border-radius:6px;font-size:.85rem;display:grid;gap:.3rem 1rem;
 grid-template-columns:repeat(auto-fill,minmax(17rem,1fr))}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;vertical-align:-.1rem;
 margin-right:.35rem}
nav ol{font-size:.85rem;columns:2;margin:.25rem 0 1rem}
.row{display:grid;grid-template-columns:minmax(0,1fr) 19rem;gap:1.5rem;padding:.6rem 0;
 border-top:1px solid var(--rule)}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
mark{color:inherit;background:var(--tint);border-bottom:3px solid var(--line);padding:0 1px;
 -webkit-box-decoration-break:clone;box-decoration-break:clone}
mark:hover{background:var(--line);color:#000}
sup.ref{font-size:.7rem;font-weight:700;padding:0 .25rem;border-radius:3px;background:var(--line);
 color:#000;margin-right:.15rem}
.notes{font-size:.8rem;line-height:1.4}
.note{border-left:4px solid var(--line);padding:.2rem .5rem;margin:0 0 .6rem;break-inside:avoid}
.note b.num{font-size:.75rem;margin-right:.3rem}
.chip{display:inline-block;border-radius:3px;padding:0 .3rem;margin:0 .2rem .15rem 0;color:#000;
 background:var(--chip);font-weight:600}
.why{color:var(--muted);margin:.1rem 0 0}
.others{color:var(--muted);font-size:.75rem}
@media (max-width:50rem){.row{grid-template-columns:1fr}}
@media print{@page{margin:15mm}body{font-size:10.5pt;max-width:none;padding:0}nav{display:none}
 .account+.account{break-before:page}.row{grid-template-columns:minmax(0,1fr) 6.2cm;gap:.5cm}
 mark:hover{background:var(--tint)}.hint{display:none}}
"""


def _tint(colour: str, alpha: float = 0.24) -> str:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _top_label(item: TaggedPassage) -> str:
    s = item.suggestion
    return max(s.labels, key=lambda label: s.scores[label])


def _scores_title(number: int, item: TaggedPassage, ctx: ExportContext) -> str:
    s = item.suggestion
    scores = ", ".join(f"{label} {s.scores[label]:.2f}" + (" ✓" if label in s.labels else "")
                       for label in ctx.codebook.ids)
    return f"passage {number} (characters {item.passage.start}–{item.passage.end}): {scores}"


def _segments(start: int, end: int, marked: Sequence[TaggedPassage]) -> list[tuple[int, int]]:
    cuts = {start, end}
    for item in marked:
        cuts.update(c for c in (item.passage.start, item.passage.end) if start < c < end)
    ordered = sorted(cuts)
    return list(itertools.pairwise(ordered))


def _row_text(text: str, start: int, end: int, marked: Sequence[TaggedPassage],
              numbers: dict[int, int], ctx: ExportContext) -> str:
    parts = []
    for a, b in _segments(start, end, marked):
        covering = [m for m in marked if m.passage.start <= a and b <= m.passage.end]
        piece = html.escape(text[a:b])
        if not covering:
            parts.append(piece)
            continue
        # Where stride makes passages overlap, the most confident one colours the words.
        item = max(covering, key=lambda m: m.suggestion.scores[_top_label(m)])
        colour = ctx.colours[_top_label(item)]
        number = numbers[item.passage.index]
        ref = "".join(f'<sup class="ref" style="--line:{ctx.colours[_top_label(m)]}">'
                      f"{numbers[m.passage.index]}</sup>"
                      for m in covering if m.passage.start == a)
        title = html.escape(_scores_title(number, item, ctx))
        parts.append(f'{ref}<mark style="--tint:{_tint(colour)};--line:{colour}" '
                     f'title="{title}">{piece}</mark>')
    return "".join(parts)


def _note(number: int, item: TaggedPassage, ctx: ExportContext) -> str:
    s = item.suggestion
    top = ctx.colours[_top_label(item)]
    chips = "".join(f'<span class="chip" style="--chip:{_tint(ctx.colours[label], 0.45)}">'
                    f"{html.escape(label)} {s.scores[label]:.2f}</span>" for label in s.labels)
    why = "".join(f'<p class="why"><b>{html.escape(label)}</b> '
                  f"{html.escape(reasons_text(s, label))}</p>" for label in s.labels)
    others = ", ".join(f"{label} {s.scores[label]:.2f}" for label in ctx.codebook.ids
                       if label not in s.labels)
    rest = f'<div class="others">not suggested: {html.escape(others)}</div>' if others else ""
    return (f'<div class="note" style="--line:{top}"><b class="num">{number}</b>{chips}'
            f"{why}{rest}</div>")


def _rows(text: str) -> list[tuple[int, int]]:
    """Paragraphs as (start, end) offsets, the blank lines between them left out."""
    rows, start = [], 0
    for match in BLANK_LINE.finditer(text):
        rows.append((start, match.start()))
        start = match.end()
    rows.append((start, len(text)))
    return [(a, b) for a, b in rows if b > a]


def _account(position: int, account: Account, ctx: ExportContext) -> str:
    marked = account.suggested
    numbers = {m.passage.index: n for n, m in enumerate(marked, start=1)}
    body, noted = [], 0
    for start, end in _rows(account.text):
        inside = [m for m in marked if m.passage.start < end and start < m.passage.end]
        # Each note sits beside the paragraph where its passage begins.
        mine = [m for m in marked[noted:] if m.passage.start < end]
        noted += len(mine)
        notes = "".join(_note(numbers[m.passage.index], m, ctx) for m in mine)
        body.append(f'<div class="row"><div class="text">'
                    f"{_row_text(account.text, start, end, inside, numbers, ctx)}</div>"
                    f'<aside class="notes">{notes}</aside></div>')
    name = html.escape(account.name)
    return (f'<section class="account" id="account-{position}"><h2>{name}</h2>'
            f'<p class="meta">{len(account.passages)} passages, {len(marked)} with a suggestion. '
            '<span class="hint">Hover over a highlight for every score.</span></p>'
            f"{''.join(body)}</section>")


def _legend(ctx: ExportContext) -> str:
    items = "".join(
        f'<li title="{html.escape(label.definition)}"><span class="swatch" '
        f'style="background:{ctx.colours[label.id]}"></span><b>{html.escape(label.id)}</b> '
        f"{html.escape(label.name)} (threshold {ctx.thresholds.get(label.id, 0.5):.2f})</li>"
        for label in ctx.codebook.labels)
    return f'<ul class="legend">{items}</ul>'


def render_html(accounts: Sequence[Account], ctx: ExportContext) -> str:
    """One HTML page showing ``accounts`` with their suggested passages highlighted."""
    heading = "Pre-tagged account" if len(accounts) == 1 else "Pre-tagged accounts"
    title = f"{heading}: {accounts[0].name}" if len(accounts) == 1 else heading
    passages = sum(len(a.passages) for a in accounts)
    suggested = sum(len(a.suggested) for a in accounts)
    nav = ""
    if len(accounts) > 1:
        links = "".join(f'<li><a href="#account-{i}">{html.escape(a.name)}</a> '
                        f"({len(a.suggested)} of {len(a.passages)})</li>"
                        for i, a in enumerate(accounts, start=1))
        nav = f"<nav><ol>{links}</ol></nav>"
    sections = "".join(_account(i, a, ctx) for i, a in enumerate(accounts, start=1))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{heading}</h1><p class=\"meta\">Model "
            f"{html.escape(ctx.model_version)}: {len(accounts)} accounts, {passages} passages, "
            f"{suggested} with a suggestion. Suggestions are for a coder to confirm; the "
            f"margin gives each one's scores and the terms for and against it.</p>"
            f"{_legend(ctx)}</header>{nav}{sections}</body></html>\n")


def write_html(accounts: Sequence[Account], out: str | Path, ctx: ExportContext) -> list[Path]:
    """Write one page for all ``accounts`` when ``out`` ends in .html, else one page each.

    A folder ``out`` gets ``<account name>.html`` per account; every page appears whole
    or not at all. Returns the pages written.
    """
    out = Path(out)
    if out.suffix.lower() in (".html", ".htm"):
        pages = {out: list(accounts)}
    else:
        pages = {out / f"{Path(a.name).stem}.html": [a] for a in accounts}
        if len(pages) < len(accounts):
            raise InputError(Problem(str(out), "two accounts share a file name; write them "
                                     "to one page with --html OUT.html"))
    for path, group in pages.items():
        with atomic_path(path) as tmp:
            tmp.write_text(render_html(group, ctx), encoding="utf-8")
    return list(pages)
