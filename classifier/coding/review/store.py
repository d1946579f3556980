"""The review database: one SQLite file (WAL) holding passages, queue ranks, decisions, models.

Every decision is one committed row, written before the page is told it is saved, with
``synchronous=FULL``: killing the server at any moment loses nothing the page showed as
saved. An undo never deletes; it marks the decision ``undone``, so the history stays.
The database records the fingerprint of its codebook (its name and label ids in order),
and is refused when opened with another codebook.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...codebook import Codebook, codebook_from_dict
from ...errors import InputError, Problem

__all__ = ["SCHEMA_VERSION", "Store", "codebook_fingerprint", "now", "open_store",
           "overlap_key"]

SCHEMA_VERSION = "1"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, account TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    before TEXT NOT NULL DEFAULT '', after TEXT NOT NULL DEFAULT '', overlap REAL NOT NULL);
CREATE TABLE IF NOT EXISTS ranks (
    passage_id TEXT PRIMARY KEY, rank INTEGER NOT NULL, model_version TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ranks_by_rank ON ranks(rank);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, passage_id TEXT NOT NULL, coder TEXT NOT NULL,
    time TEXT NOT NULL, action TEXT NOT NULL, model_version TEXT NOT NULL,
    scores TEXT NOT NULL, suggested TEXT NOT NULL, final TEXT, note TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL, account TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS decisions_live ON decisions(passage_id, coder) WHERE undone = 0;
CREATE TABLE IF NOT EXISTS models (
    version TEXT PRIMARY KEY, path TEXT, sha256 TEXT, decisions INTEGER NOT NULL,
    created TEXT NOT NULL, seconds REAL, status TEXT NOT NULL, pid INTEGER, message TEXT);
"""
ACTIONS = ("accept", "correct", "none", "skip")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def codebook_fingerprint(codebook: Codebook) -> str:
    """What makes decisions comparable: the codebook's name and its label ids, in order."""
    key = json.dumps({"name": codebook.name, "labels": codebook.ids}, sort_keys=True)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def overlap_key(passage_id: str) -> float:
    """A fixed number in [0, 1) per passage: below the overlap share, a second coder sees it."""
    return int(hashlib.sha256(passage_id.encode("utf-8")).hexdigest()[:8], 16) / 2**32


@dataclass(frozen=True)
class Decision:
    """One coder's answer on one passage, as stored."""

    passage_id: str
    coder: str
    action: str
    model_version: str
    scores: dict[str, float]
    suggested: list[str]
    final: list[str] | None
    note: str = ""


class Store:
    """A connection to a review database, safe to share between the threads of one process."""

    def __init__(self, path: Path, connection: sqlite3.Connection, codebook: Codebook):
        self.path = path
        self.codebook = codebook
        self._db = connection
        self._lock = threading.RLock()

    @contextmanager
    def cursor(self) -> Iterator[sqlite3.Cursor]:
        """A cursor inside one transaction: committed on success, rolled back on error."""
        with self._lock, self._db:
            yield self._db.cursor()

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def meta(self, key: str, default: str | None = None) -> str | None:
        found = self.rows("SELECT value FROM meta WHERE key = ?", (key,))
        return found[0]["value"] if found else default

    def set_meta(self, key: str, value: str) -> None:
        with self.cursor() as cur:
            cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add_passages(self, accounts: dict[str, str], passages: list[dict[str, Any]]) -> int:
        """Add passages not already there (by id); return how many were new."""
        with self.cursor() as cur:
            cur.executemany("INSERT OR IGNORE INTO accounts VALUES (?, ?)", accounts.items())
            start = cur.execute("SELECT COALESCE(MAX(seq), 0) FROM passages").fetchone()[0]
            before = cur.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
            cur.executemany(
                'INSERT OR IGNORE INTO passages (id, seq, account, start, "end", text, before, '
                "after, overlap) VALUES (:id, :seq, :account, :start, :end, :text, :before, "
                ":after, :overlap)",
                ({**p, "seq": start + i, "overlap": overlap_key(p["id"])}
                 for i, p in enumerate(passages, start=1)))
            return int(cur.execute("SELECT COUNT(*) FROM passages").fetchone()[0] - before)

    def passage(self, passage_id: str) -> dict[str, Any] | None:
        found = self.rows("SELECT * FROM passages WHERE id = ?", (passage_id,))
        return dict(found[0]) if found else None

    def save(self, decision: Decision) -> int:
        """Store one decision, committed before this returns; return its row id."""
        if decision.action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}")
        passage = self.passage(decision.passage_id)
        if passage is None:
            raise KeyError(decision.passage_id)
        with self.cursor() as cur:
            cur.execute("UPDATE decisions SET undone = 1 WHERE passage_id = ? AND coder = ? "
                        "AND undone = 0", (decision.passage_id, decision.coder))
            cur.execute(
                'INSERT INTO decisions (passage_id, coder, time, action, model_version, scores, '
                'suggested, final, note, text, account, start, "end") '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (decision.passage_id, decision.coder, now(), decision.action,
                 decision.model_version, json.dumps(decision.scores),
                 json.dumps(decision.suggested),
                 None if decision.final is None else json.dumps(decision.final), decision.note,
                 passage["text"], passage["account"], passage["start"], passage["end"]))
            return int(cur.lastrowid or 0)

    def undo(self, coder: str) -> str | None:
        """Mark the coder's latest live decision undone; return its passage id."""
        with self.cursor() as cur:
            last = cur.execute("SELECT id, passage_id FROM decisions WHERE coder = ? AND "
                               "undone = 0 ORDER BY id DESC LIMIT 1", (coder,)).fetchone()
            if last is None:
                return None
            cur.execute("UPDATE decisions SET undone = 1 WHERE id = ?", (last["id"],))
            return str(last["passage_id"])

    def decisions(self, coder: str | None = None, *,
                  coded_only: bool = True) -> list[dict[str, Any]]:
        """Live decisions, oldest first, with JSON fields decoded; skips left out if coded_only."""
        sql = "SELECT * FROM decisions WHERE undone = 0"
        params: list[Any] = []
        if coder is not None:
            sql += " AND coder = ?"
            params.append(coder)
        if coded_only:
            sql += " AND action != 'skip'"
        out = []
        for row in self.rows(sql + " ORDER BY id", params):
            item = dict(row)
            for key in ("scores", "suggested", "final"):
                item[key] = None if item[key] is None else json.loads(item[key])
            out.append(item)
        return out

    def set_ranks(self, ranks: dict[str, int], model_version: str) -> None:
        with self.cursor() as cur:
            cur.executemany("INSERT OR REPLACE INTO ranks VALUES (?, ?, ?)",
                            ((pid, rank, model_version) for pid, rank in ranks.items()))


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA busy_timeout=30000")
    db.isolation_level = "DEFERRED"
    return db


def _refuse(path: Path, message: str) -> InputError:
    return InputError(Problem(str(path), message))


def _check_meta(path: Path, db: sqlite3.Connection, codebook: Codebook | None) -> Codebook:
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("schema") != SCHEMA_VERSION or "codebook" not in meta:
        raise _refuse(path, "is not a review database of this version of narratives (no "
                            "schema or codebook recorded); give another --db")
    stored = codebook_from_dict(json.loads(meta["codebook"]), f"{path} (stored codebook)")
    if codebook is not None and meta["fingerprint"] != codebook_fingerprint(codebook):
        raise _refuse(path, f"was made with the codebook {stored.name!r} (labels "
                            f"{', '.join(stored.ids)}), not {codebook.name!r} (labels "
                            f"{', '.join(codebook.ids)}); use a model with that codebook, "
                            "or another --db")
    return stored


def open_store(path: str | Path, codebook: Codebook | None = None, *,
               create: bool = True) -> Store:
    """Open (or, with ``create`` and a codebook, make) a review database and check it.

    Raises :class:`InputError` for a missing database when ``create`` is false, a file that
    is not SQLite or cannot be read, or a database made with another codebook.
    """
    path = Path(path)
    exists = path.exists()
    if not exists and not (create and codebook is not None):
        raise _refuse(path, "no such review database; check --db, or start a review with "
                            "inputs to create it")
    if exists and not path.is_file():
        raise _refuse(path, "is a folder, not a review database; give a file for --db")
    try:
        db = _connect(path)
        if not exists or not db.execute("SELECT name FROM sqlite_master WHERE "
                                        "name = 'meta'").fetchone():
            if codebook is None or (exists and path.stat().st_size):
                raise _refuse(path, "is not a review database; give another --db")
            with db:
                db.executescript(SCHEMA)
                db.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("schema", SCHEMA_VERSION), ("fingerprint", codebook_fingerprint(codebook)),
                    ("codebook", json.dumps(codebook.to_dict())), ("created", now())])
        stored = _check_meta(path, db, codebook)
    except sqlite3.DatabaseError as exc:
        raise _refuse(path, f"cannot be read as a review database ({exc}); check the file "
                            "and its permissions, or give another --db") from None
    return Store(path, db, codebook or stored)
