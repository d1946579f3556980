"""Out of a review: a corpus that ``train``, ``evaluate`` and ``agreement`` read, or a QDA project.

The corpus has one quotation per passage some coder answered (skips left out): ``id``,
``case_id`` (the account), ``text``, ``labels`` (a label counts when at least half of the
coders of the passage gave it), ``start`` and ``end``, one ``coder_<name>`` column per
coder (absent where that coder did not code the passage) and ``notes``. JSONL keeps a
coder's "none" (``[]``) apart from "not coded" (absent); a CSV cell cannot, so agreement
reads the JSONL, or the database itself.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ...codebook import Codebook
from ...errors import InputError, Problem
from ...formats.files import atomic_path
from .retrain import decided_labels
from .store import Store, open_store

__all__ = ["EXPORTS", "codings_table", "corpus_records", "export_review", "write_review_qdpx"]

EXPORTS = (".jsonl", ".csv", ".qdpx")


def corpus_records(store: Store) -> list[dict[str, Any]]:
    """The decided passages as corpus records, in the order they were first answered."""
    out = []
    for item in decided_labels(store):
        record = {"id": item["id"], "case_id": item["case_id"], "text": item["text"],
                  "labels": item["labels"], "start": item["start"], "end": item["end"]}
        record.update({f"coder_{coder}": labels for coder, labels in item["coders"].items()})
        record["notes"] = "; ".join(f"{c}: {n}" for c, n in item["notes"].items())
        out.append(record)
    return out


def codings_table(path: str | Path, codebook: Codebook) -> Any:
    """A review database as the wide codings table :mod:`classifier.agreement` reads."""
    import pandas as pd

    store = open_store(path, codebook, create=False)
    try:
        records = corpus_records(store)
    finally:
        store.close()
    frame = pd.DataFrame(records)
    coders = sorted({k for r in records for k in r if k.startswith("coder_")})
    for coder in coders:  # a coder who did not code a passage: NaN, as agreement expects
        frame[coder] = [r.get(coder) for r in records]
    return frame.set_index("id", drop=False).rename_axis(None) if len(frame) else frame


def _write_jsonl(records: list[dict[str, Any]], out: Path) -> None:
    with atomic_path(out) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                       encoding="utf-8")


def _write_csv(records: list[dict[str, Any]], out: Path) -> None:
    columns = ["id", "case_id", "text", "labels", "start", "end"]
    columns += [*sorted({k for r in records for k in r if k.startswith("coder_")}), "notes"]
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: ";".join(v) if isinstance(v, list) else v
                         for k, v in r.items()})
    with atomic_path(out) as tmp:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")


def write_review_qdpx(store: Store, out: Path) -> dict[str, Any]:
    """The review as a REFI-QDA project: every coder a ``User``, every answer their coding.

    Each account is a ``TextSource`` (a table record is a source of its own); each coder's
    latest answer on a passage is a ``PlainTextSelection`` by that coder, dated when it was
    given, with one ``Coding`` per label and the note as its description (see
    :func:`~classifier.pretag.qdpx_codings.write_codings_qdpx`).
    """
    from ...pretag.qdpx_codings import QdaCoding, write_codings_qdpx

    texts = {r["name"]: r["text"] for r in store.rows("SELECT name, text FROM accounts")}
    sources: dict[str, str] = {}
    latest: dict[tuple[str, str], QdaCoding] = {}
    for d in store.decisions():
        whole = d["account"] in texts
        name = d["account"] if whole else f"{d['account']}#{d['passage_id']}"
        sources[name] = texts[d["account"]] if whole else d["text"]
        start, end = (d["start"], d["end"]) if whole else (0, len(d["text"]))
        latest[(d["passage_id"], d["coder"])] = QdaCoding(
            d["coder"], name, start, end, d["final"] or [], datetime.fromisoformat(d["time"]),
            note=d["note"] or "")
    written = write_codings_qdpx(sources, latest.values(), out, store.codebook)
    return {key: written[key] for key in ("sources", "selections", "codings", "users")}


def export_review(db: str | Path, out: str | Path) -> dict[str, Any]:
    """Write the review in ``db`` to ``out`` (.jsonl, .csv or .qdpx); return counts."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in EXPORTS:
        raise InputError(Problem(str(out), f"cannot export to '{suffix or out.name}'; name "
                                 f"the file .jsonl, .csv or .qdpx"))
    store = open_store(db, create=False)
    try:
        records = corpus_records(store)
        if not records:
            raise InputError(Problem(str(db), "holds no decisions yet; review some passages "
                                     "first"))
        coders = sorted({k[6:] for r in records for k in r if k.startswith("coder_")})
        summary: dict[str, Any] = {"quotations": len(records), "coders": coders,
                                   "path": str(out)}
        if suffix == ".jsonl":
            _write_jsonl(records, out)
        elif suffix == ".csv":
            _write_csv(records, out)
        else:
            summary.update(write_review_qdpx(store, out))
        return summary
    finally:
        store.close()
