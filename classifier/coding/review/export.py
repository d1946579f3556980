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
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

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


def write_review_qdpx(store: Store, out: Path) -> dict[str, int]:
    """The review as a REFI-QDA project: every coder a ``User``, every answer their coding.

    Each account is a ``TextSource`` (a table record is a source of its own); each coder's
    answer on a passage is a ``PlainTextSelection`` by that coder with one ``Coding`` per
    label and the note as its description. Built on :mod:`classifier.qdpx`'s helpers.
    """
    from ...pretag.qdpx import (
        PROJECT_NS,
        _clean,
        _codes,
        _guid,
        _serialise,
        _write_member,
        code_guid,
    )

    ET.register_namespace("", PROJECT_NS)
    ns = f"{{{PROJECT_NS}}}"
    book = store.codebook
    records = decided_labels(store)
    coders = sorted({c for r in records for c in r["coders"]})
    users = {c: _guid("user", "review", c) for c in coders}
    root = ET.Element(f"{ns}Project", {"name": _clean(out.stem), "origin": "narratives review"})
    user_list = ET.SubElement(root, f"{ns}Users")
    for coder, guid in users.items():
        ET.SubElement(user_list, f"{ns}User", {"guid": guid, "name": _clean(coder)})
    _codes(ET.SubElement(root, f"{ns}CodeBook"), PROJECT_NS, book)
    sources = ET.SubElement(root, f"{ns}Sources")
    texts = {r["name"]: r["text"] for r in store.rows("SELECT name, text FROM accounts")}
    members: dict[str, bytes] = {}
    made: dict[str, ET.Element] = {}
    counts = {"sources": 0, "selections": 0, "codings": 0, "users": len(users)}
    for r in records:
        whole = r["case_id"] in texts
        name = r["case_id"] if whole else f"{r['case_id']}#{r['id']}"
        text = texts[r["case_id"]] if whole else r["text"]
        start, end = (r["start"], r["end"]) if whole else (0, len(text))
        if name not in made:
            guid = _guid("review source", name)
            members[f"{guid}.txt"] = text.encode("utf-8")
            made[name] = ET.SubElement(sources, f"{ns}TextSource", {
                "guid": guid, "name": _clean(name), "plainTextPath": f"internal://{guid}.txt"})
            counts["sources"] += 1
        for coder, labels in r["coders"].items():
            guid = _guid("review selection", name, start, end, coder)
            selection = ET.SubElement(made[name], f"{ns}PlainTextSelection", {
                "guid": guid, "name": f"{coder}: {', '.join(labels) or 'none'}",
                "startPosition": str(start), "endPosition": str(end),
                "creatingUser": users[coder]})
            if r["notes"].get(coder):
                ET.SubElement(selection, f"{ns}Description").text = _clean(r["notes"][coder])
            for label in labels:
                coding = ET.SubElement(selection, f"{ns}Coding", {
                    "guid": _guid("review coding", guid, label), "creatingUser": users[coder]})
                ET.SubElement(coding, f"{ns}CodeRef", {"targetGUID": code_guid(book, label)})
                counts["codings"] += 1
            counts["selections"] += 1
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        _write_member(archive, "project.qde", _serialise(root))
        for member, data in members.items():
            _write_member(archive, f"sources/{member}", data)
    return counts


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
