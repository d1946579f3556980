"""Pre-tagging long accounts: split into passages and suggest narratives for each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Problem
from .suggest import NarrativeModel, Suggestion
from .text import Passage, split_passages

__all__ = ["TaggedPassage", "pretag_files", "pretag_text", "read_account"]


@dataclass(frozen=True)
class TaggedPassage:
    """A passage of an account with what the model suggests for it."""

    passage: Passage
    suggestion: Suggestion


def read_account(path: str | Path) -> str:
    """Read a UTF-8 text file, refusing missing, undecodable or empty files."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        raise InputError(Problem(str(path), "no such file; check the path")) from None
    except IsADirectoryError:
        raise InputError(Problem(str(path), "is a folder; give text files")) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise InputError(Problem(str(path), f"is not valid UTF-8 (byte {exc.start}); "
                                 "re-save it as UTF-8", line=line)) from None
    if not text.strip():
        raise InputError(Problem(str(path), "is empty"))
    return text


def pretag_text(text: str, model: NarrativeModel, *, sentences: int = 3,
                stride: int | None = None, top: int = 5) -> list[TaggedPassage]:
    """Suggest narratives for each passage of ``text``."""
    passages = split_passages(text, sentences=sentences, stride=stride)
    if not passages:
        return []
    suggestions = model.suggest([p.text for p in passages], top=top)
    return [TaggedPassage(p, s) for p, s in zip(passages, suggestions, strict=True)]


def pretag_files(paths: Sequence[str | Path], model: NarrativeModel, *, sentences: int = 3,
                 stride: int | None = None) -> dict[str, list[TaggedPassage]]:
    """Pre-tag each file; every file is read and checked before any is scored."""
    texts = {str(path): read_account(path) for path in paths}
    return {name: pretag_text(text, model, sentences=sentences, stride=stride)
            for name, text in texts.items()}
