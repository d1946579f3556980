"""Markdown tables and the page style the reports share (evaluation, agreement, findings)."""

from __future__ import annotations

from typing import Any

__all__ = ["CSS", "markdown_table", "number"]

CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}th{background:#f3f3f3}
img{max-width:100%}blockquote{color:#444;border-left:3px solid #ccc;margin-left:0;
padding-left:1rem}code{background:#f6f6f6}"""


def number(value: Any, digits: int = 3) -> str:
    """A figure as text: a dash for none, ``mean ± sd`` for a repeated measure.

    >>> number(0.81234), number(None), number({"mean": 0.8, "sd": 0.01}, 2)
    ('0.812', '–', '0.80 ± 0.01')
    """
    if value is None:
        return "–"
    if isinstance(value, dict):
        return f"{value['mean']:.{digits}f} ± {value['sd']:.{digits}f}"
    return f"{value:.{digits}f}"


def markdown_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    """A Markdown table as lines, followed by a blank line.

    >>> markdown_table(["a", "b"], [[1, 2]])
    ['| a | b |', '|---|---|', '| 1 | 2 |', '']
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]
