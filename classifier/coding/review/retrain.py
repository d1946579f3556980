"""The model learns from the review: retraining in a process of its own, never in the page's way.

A retraining fits the reviewed model's configuration (a clone of its pipeline) on the
training corpus plus the coders' decisions so far, each decision counted ``weight`` times
(default 4: the best held-out macro-F1 of the weights 0, 1, 2, 4 and 8 measured in
docs/review.md). Where coders disagree on a passage, a label counts when at least half of
them gave it; a corpus quotation with the same text as a decided passage gives way to the
decision. The new model is written beside the database with its card, the queue is
re-ranked with it, and only then is it recorded as ready, so a server never picks up a
half-made model. Run as ``python -m classifier.coding.review.retrain DB [--weight N]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import CorpusError, NarrativesError, Problem
from .store import Store, now, open_store

__all__ = ["DEFAULT_WEIGHT", "decided_labels", "models_dir", "rank_only", "retrain",
           "retraining", "start_background"]

DEFAULT_WEIGHT = 4


def models_dir(db: str | Path) -> Path:
    """Where the models retrained from a review database live: ``<db>.models/`` beside it."""
    db = Path(db)
    return db.with_name(f"{db.name}.models")


def decided_labels(store: Store, decisions: list[dict[str, Any]] | None = None
                   ) -> list[dict[str, Any]]:
    """One record per decided passage: id, case (its account), text, labels, coders.

    ``decisions`` (default: the store's live decisions now) lets a caller build the
    records from the very decisions it has already read.
    """
    by_passage: dict[str, dict[str, Any]] = {}
    for d in store.decisions() if decisions is None else decisions:
        item = by_passage.setdefault(d["passage_id"], {
            "id": d["passage_id"], "case_id": d["account"], "text": d["text"],
            "start": d["start"], "end": d["end"], "coders": {}, "notes": {}})
        item["coders"][d["coder"]] = d["final"] or []
        if d["note"]:
            item["notes"][d["coder"]] = d["note"]
    for item in by_passage.values():
        votes = [label for labels in item["coders"].values() for label in labels]
        half = len(item["coders"]) / 2
        item["labels"] = [lab for lab in store.codebook.ids if votes.count(lab) >= half]
    return list(by_passage.values())


def _training_set(store: Store, decided: list[dict[str, Any]], corpus: Path | None,
                  weight: int) -> tuple[list[str], Any, Any, Any]:
    """Texts, label matrix, cases and writers' hands (``None`` where the corpus has none).

    A reviewed account is its own case and its own hand: its passages are by one writer.
    """
    from ...corpus import label_matrix, load_corpus

    texts: list[str] = []
    rows: list[list[int]] = []
    groups: list[str] = []
    hands: list[str] | None = []
    ids = store.codebook.ids
    if corpus is not None:
        frame = load_corpus(corpus, store.codebook)
        recoded = {" ".join(d["text"].split()) for d in decided}
        keep = [" ".join(t.split()) not in recoded for t in frame["text"]]
        frame = frame[keep]
        texts += list(frame["text"])
        rows += label_matrix(frame, store.codebook).tolist()
        groups += [str(c) for c in frame["case_id"]]
        hands = [str(h) for h in frame["hand"]] \
            if "hand" in frame and frame["hand"].notna().all() else None
    for d in decided:
        for _ in range(weight):
            texts.append(d["text"])
            rows.append([int(lab in d["labels"]) for lab in ids])
            groups.append(f"review:{d['case_id']}")
    if hands is not None:
        hands += groups[len(hands):]
    return (texts, np.array(rows, dtype=int).reshape(-1, len(ids)), np.array(groups),
            None if hands is None else np.array(hands))


def retrain(store: Store, base: Any, *, corpus: Path | None, weight: int = DEFAULT_WEIGHT,
            out_dir: Path | None = None) -> dict[str, Any]:
    """Fit the base model's configuration on the corpus plus the decisions; save; return card."""
    from sklearn.base import clone

    from ...model.artifact import save_model
    from ...model.pipeline import calibration_groups
    from ...model.train import check_label_support, library_versions

    started = time.perf_counter()
    # One read of the decisions: the model, its version and its card all describe the same
    # set, however many the coder adds while it trains.
    decisions = store.decisions()
    decided = decided_labels(store, decisions)
    texts, Y, groups, hands = _training_set(store, decided, corpus, weight)
    where = str(corpus or store.path)
    pipeline = clone(base.pipeline)
    classifier = pipeline.named_steps["classifier"]
    if not len(texts):
        raise CorpusError(Problem(where, "no training corpus and no decisions yet"))
    check_label_support(Y, groups, store.codebook.ids, where, folds=classifier.n_splits)
    # As `narratives train` does: calibration on held-out writers; thresholds on the hands
    # the base model chose them on, and on the reviewed accounts, the text being scored.
    inner = calibration_groups(hands, groups, classifier.n_splits)
    if inner is hands and classifier.threshold_groups:
        reviewed = sorted({g for g in groups.tolist() if g.startswith("review:")})
        pipeline.set_params(classifier__threshold_groups=(*classifier.threshold_groups,
                                                          *reviewed))
    pipeline.fit(texts, Y, classifier__groups=inner)
    digest = hashlib.sha256(",".join(str(d["id"]) for d in decisions).encode()).hexdigest()
    base_version = base.card.get("base_version", base.version)
    version = f"{base_version}+review{len(decisions)}.{digest[:6]}"
    thresholds = pipeline.named_steps["classifier"].thresholds_
    card = {
        "model_version": version, "base_version": base_version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": store.codebook.ids,
        "thresholds": {lab: round(float(t), 6) for lab, t in zip(store.codebook.ids,
                                                                   thresholds, strict=True)},
        "codebook": store.codebook.to_dict(),
        "training_data": {"file": str(corpus) if corpus else None, "review_db": str(store.path),
                          "quotations": len(texts) - weight * len(decided),
                          "decisions": len(decisions), "decision_weight": weight,
                          "cases": len(set(groups.tolist()))},
        "versions": library_versions(),
    }
    out_dir = out_dir or models_dir(store.path)
    path = out_dir / f"{version.replace('+', '_')}.joblib"
    card = save_model(pipeline, card, path)
    return {**card, "path": str(path), "seconds": time.perf_counter() - started,
            "decisions": len(decisions)}


def _load(path: Path, sha256: str | None) -> Any:
    from ...corpus import file_sha256
    from ...model.artifact import load_model

    if sha256 is not None and file_sha256(path) != sha256:
        raise NarrativesError(f"{path}: changed since the review wrote it; it is not loaded")
    return load_model(path, trust_pickle=sha256 is not None)


def active_model_path(store: Store) -> tuple[Path, str | None]:
    """The newest ready model of the review (path, SHA-256), else the base model (path, None)."""
    found = store.rows("SELECT path, sha256 FROM models WHERE status = 'ready' "
                       "ORDER BY created DESC LIMIT 1")
    if found:
        return Path(found[0]["path"]), found[0]["sha256"]
    return Path(store.meta("base_model") or ""), None


def rank_only(store: Store) -> int:
    """Rank the queue with the active model (the start of a review)."""
    from .queue import rank_queue

    return rank_queue(store, _load(*active_model_path(store)))


def _run(db: Path, weight: int, ranking_only: bool) -> None:
    from ...model.suggest import NarrativeModel
    from .queue import rank_queue

    store = open_store(db, create=False)
    if ranking_only:
        rank_only(store)
        return
    corpus = store.meta("corpus")
    card = retrain(store, _load(*active_model_path(store)),
                   corpus=Path(corpus) if corpus else None, weight=weight)
    model = NarrativeModel(_load(Path(card["path"]), card["artifact_sha256"]).pipeline, card)
    rank_queue(store, model)
    with store.cursor() as cur:
        cur.execute("INSERT OR REPLACE INTO models VALUES (?, ?, ?, ?, ?, ?, 'ready', ?, '')",
                    (card["model_version"], card["path"], card["artifact_sha256"],
                     card["decisions"], now(), round(card["seconds"], 2), os.getpid()))


def retraining(store: Store) -> bool:
    """Whether a retraining process of this database is running now."""
    pid = store.meta("training_pid")
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError):
        return False
    return True


def start_background(db: Path, *, weight: int = DEFAULT_WEIGHT,
                     ranking_only: bool = False) -> subprocess.Popen[bytes]:
    """Start retraining (or only ranking) in a process of its own; return at once."""
    log = models_dir(db) / "retrain.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "classifier.coding.review.retrain", str(db),
               "--weight", str(weight), *(["--rank-only"] if ranking_only else [])]
    with log.open("ab") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Retrain from a review database.")
    parser.add_argument("db", type=Path)
    parser.add_argument("--weight", type=int, default=DEFAULT_WEIGHT)
    parser.add_argument("--rank-only", action="store_true")
    args = parser.parse_args(argv)
    store = open_store(args.db, create=False)
    store.set_meta("training_pid", str(os.getpid()))
    store.set_meta("training_error", "")
    try:
        _run(args.db, args.weight, args.rank_only)
    except (NarrativesError, ValueError, OSError) as exc:
        store.set_meta("training_error", str(exc).splitlines()[0])
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.set_meta("training_pid", "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
