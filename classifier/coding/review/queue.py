"""The review queue: which passage a coder sees next, and how far the coder has come.

Two orders: **next**, the ranking of ``narratives next`` (what coding teaches the model
most, spread across accounts and free of near-copies; see :mod:`classifier.next`), and
**reading**, the order of the inputs. A passage a coder has answered leaves that coder's
queue; one another coder has answered leaves it too unless it falls in the overlap share
the lead set, in which case it is shown for a second coding. Skipped passages come back
once nothing else is left.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from ...model.suggest import NarrativeModel
from ..next import rank_next
from .store import Store

__all__ = ["ORDERS", "RANK_WINDOW", "READING_OFFSET", "next_passage", "progress",
           "rank_queue", "reading_ranks"]

ORDERS = ("next", "reading")
# The greedy ranking is quadratic in the picks: it ranks this many, best first, and the
# rest follow in reading order. Retraining re-ranks long before a coder gets through them.
RANK_WINDOW = 500
READING_OFFSET = 1_000_000_000
RECENT = 50

_MINE = "SELECT 1 FROM decisions d WHERE d.passage_id = p.id AND d.undone = 0 " \
        "AND d.coder = :coder"
_CODED = "SELECT 1 FROM decisions d WHERE d.passage_id = p.id AND d.undone = 0 " \
         "AND d.action != 'skip'"


def _query(order: str, skipped: bool) -> str:
    mine = _MINE + (" AND d.action != 'skip'" if skipped else "")
    # A passage another coder answered stays in the queue only inside the overlap share.
    others = f"(p.overlap < :share OR NOT EXISTS ({_CODED} AND d.coder != :coder))"
    if order == "reading":
        return (f"SELECT p.* FROM passages p WHERE NOT EXISTS ({mine}) AND {others} "
                "ORDER BY p.seq LIMIT 1")
    # CROSS JOIN keeps SQLite walking the ranks in order: the first match ends the query.
    return (f"SELECT p.*, r.model_version AS ranked_by FROM ranks r INDEXED BY ranks_by_rank "
            f"CROSS JOIN passages p ON p.id = r.passage_id WHERE NOT EXISTS ({mine}) AND {others} "
            "ORDER BY r.rank, p.seq LIMIT 1")


def next_passage(store: Store, coder: str, *, order: str = "next",
                 share: float = 0.0) -> dict[str, Any] | None:
    """The passage ``coder`` should see next, or None when the queue is empty."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}")
    params = {"coder": coder, "share": share}
    for skipped in (False, True):
        found = store.rows(_query(order, skipped), params)
        if found:
            return dict(found[0])
    return None


def reading_ranks(store: Store) -> None:
    """Rank every passage that has no rank yet in reading order, after any ranked one."""
    with store.cursor() as cur:
        cur.execute("INSERT OR IGNORE INTO ranks SELECT id, ? + seq, 'reading order' "
                    "FROM passages", (READING_OFFSET,))


def rank_queue(store: Store, model: NarrativeModel, *, window: int = RANK_WINDOW) -> int:
    """Rank the passages nobody has coded with :func:`classifier.coding.next.rank_next`.

    The best ``window`` come first; every other passage follows in reading order. Returns
    how many were ranked by the model.
    """
    pending = store.rows(f"SELECT p.id, p.account AS case_id, p.text FROM passages p "
                         f"WHERE NOT EXISTS ({_CODED}) ORDER BY p.seq")
    pool = pd.DataFrame([dict(r) for r in pending], columns=["id", "case_id", "text"])
    ranks = {str(r["id"]): READING_OFFSET + int(r["seq"])
             for r in store.rows("SELECT id, seq FROM passages")}
    picked = rank_next(model, pool, k=min(window, len(pool))) if len(pool) else pd.DataFrame()
    for pid, rank in zip(picked.get("id", []), picked.get("rank", []), strict=True):
        ranks[str(pid)] = int(rank)
    store.set_ranks(ranks, model.version)
    return len(picked)


def _counts(store: Store, coder: str, share: float) -> dict[str, int]:
    total = store.rows("SELECT COUNT(*) AS n FROM passages")[0]["n"]
    mine = store.rows("SELECT action = 'skip' AS skipped, COUNT(*) AS n FROM decisions "
                      "WHERE coder = ? AND undone = 0 GROUP BY 1", (coder,))
    done = sum(r["n"] for r in mine if not r["skipped"])
    skipped = sum(r["n"] for r in mine if r["skipped"])
    others = store.rows(
        "SELECT COUNT(DISTINCT d.passage_id) AS n FROM decisions d JOIN passages p ON "
        "p.id = d.passage_id WHERE d.undone = 0 AND d.action != 'skip' AND d.coder != :coder "
        "AND p.overlap >= :share AND NOT EXISTS (SELECT 1 FROM decisions e WHERE "
        "e.passage_id = d.passage_id AND e.coder = :coder AND e.undone = 0)",
        {"coder": coder, "share": share})[0]["n"]
    return {"total": total, "done": done, "skipped": skipped,
            "left": total - done - others, "by_others": others}


def progress(store: Store, coder: str, *, share: float = 0.0) -> dict[str, Any]:
    """Done and left, decisions per label, and whether the last suggestions were right.

    ``recent`` holds, for the coder's last 50 answers (oldest first), 1 where the final
    labels were exactly the suggested ones and 0 where the coder changed them.
    """
    labels = store.codebook.ids
    rows = store.rows("SELECT final, suggested FROM decisions WHERE coder = ? AND undone = 0 "
                      "AND action != 'skip' ORDER BY id", (coder,))
    per_label = dict.fromkeys(labels, 0)
    per_label["none"] = 0
    recent = []
    for row in rows:
        final = json.loads(row["final"] or "[]")
        for label in final:
            per_label[label] = per_label.get(label, 0) + 1
        per_label["none"] += not final
        recent.append(int(sorted(final) == sorted(json.loads(row["suggested"]))))
    recent = recent[-RECENT:]
    return {**_counts(store, coder, share), "per_label": per_label, "recent": recent,
            "right_share": round(sum(recent) / len(recent), 3) if recent else None}
