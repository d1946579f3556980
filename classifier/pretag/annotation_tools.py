"""Pre-annotations for annotation tools: Label Studio tasks and doccano JSONL.

Every passage of every account becomes one task (a passage with no suggestion too, so a
coder sees the whole account), carrying the account's name and the passage's offsets
so a corrected task can go back to its place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..formats.files import atomic_path
from .passages import Account, ExportContext, TaggedPassage, reasons_text

__all__ = ["doccano_lines", "label_studio_config", "label_studio_tasks", "write_doccano",
           "write_label_studio"]

FROM_NAME = "narratives"  # the <Choices> name in the labelling configuration
TO_NAME = "text"


def _place(account: Account, item: TaggedPassage) -> dict[str, Any]:
    return {"account": account.name, "passage": item.passage.index,
            "start": item.passage.start, "end": item.passage.end}


def label_studio_tasks(accounts: Sequence[Account], ctx: ExportContext) -> list[dict[str, Any]]:
    """One Label Studio task per passage, the model's suggestion as its prediction.

    ``data`` holds the passage's ``text``, its place, each label's score as
    ``score_<label>`` (sortable in Label Studio's data manager) and the reasons; the
    prediction's ``score`` is the passage's highest label score.
    """
    tasks = []
    for account in accounts:
        for item in account.passages:
            s = item.suggestion
            result = [{"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                       "value": {"choices": list(s.labels)}}] if s.labels else []
            reasons = "\n".join(f"{label}: {reasons_text(s, label)}" for label in s.labels)
            data = {"text": item.passage.text, **_place(account, item),
                    **{f"score_{label}": round(score, 4) for label, score in s.scores.items()},
                    "reasons": reasons}
            tasks.append({"data": data, "predictions": [{
                "model_version": ctx.model_version,
                "score": round(max(s.scores.values()), 4), "result": result}]})
    return tasks


def label_studio_config(ctx: ExportContext) -> str:
    """A labelling configuration matching the tasks: the text, the reasons, one choice per label."""
    choices = "\n".join(f'    <Choice value="{label.id}" hint="{_attr(label.name)}"/>'
                        for label in ctx.codebook.labels)
    return (f'<View>\n  <Text name="{TO_NAME}" value="$text"/>\n'
            f'  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="multiple" '
            f'showInline="true">\n{choices}\n  </Choices>\n'
            '  <Header value="Why the model suggested it" size="6"/>\n'
            '  <Text name="reasons" value="$reasons"/>\n</View>\n')


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def doccano_lines(accounts: Sequence[Account]) -> list[dict[str, Any]]:
    """One doccano text-classification record per passage: ``text``, ``label`` and its place.

    doccano keeps the extra keys (``account``, ``passage``, ``start``, ``end``) as metadata.
    """
    return [{"text": item.passage.text, "label": list(item.suggestion.labels),
             **_place(account, item)}
            for account in accounts for item in account.passages]


def _counts(accounts: Sequence[Account], path: str | Path, written: int) -> dict[str, Any]:
    passages = sum(len(a.passages) for a in accounts)
    if written != passages:
        raise RuntimeError(f"export lost passages: {written} written of {passages}")
    return {"path": str(path), "accounts": len(accounts), "passages": passages,
            "tasks": written, "suggested": sum(len(a.suggested) for a in accounts)}


def write_label_studio(accounts: Sequence[Account], out: str | Path,
                       ctx: ExportContext) -> dict[str, Any]:
    """Write Label Studio tasks with pre-annotations as one JSON list."""
    tasks = label_studio_tasks(accounts, ctx)
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return _counts(accounts, out, len(tasks))


def write_doccano(accounts: Sequence[Account], out: str | Path) -> dict[str, Any]:
    """Write doccano JSONL, one ``{"text": ..., "label": [...]}`` line per passage."""
    lines = doccano_lines(accounts)
    with atomic_path(out) as tmp:
        tmp.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                       encoding="utf-8")
    return _counts(accounts, out, len(lines))
