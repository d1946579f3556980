"""Pre-tagging long accounts: split into passages and suggest narratives for each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..codebook import Codebook, codebook_from_dict, hex_colours
from ..errors import InputError, Problem
from ..model.explain import Contribution
from ..model.suggest import NarrativeModel, Suggestion
from ..model.text import Passage, split_passages

__all__ = ["Account", "ExportContext", "TaggedPassage", "pretag_accounts", "pretag_files",
           "pretag_text", "read_account", "reasons_text", "terms_text"]


@dataclass(frozen=True)
class TaggedPassage:
    """A passage of an account with what the model suggests for it."""

    passage: Passage
    suggestion: Suggestion


@dataclass(frozen=True)
class Account:
    """One pre-tagged account: its name, the exact text scored and its passages."""

    name: str
    text: str
    passages: list[TaggedPassage]

    @property
    def suggested(self) -> list[TaggedPassage]:
        """The passages with at least one suggested label."""
        return [t for t in self.passages if t.suggestion.labels]


@dataclass(frozen=True)
class ExportContext:
    """What an export needs besides the accounts: codebook, thresholds, model version."""

    codebook: Codebook
    thresholds: dict[str, float]
    model_version: str

    @classmethod
    def from_model(cls, model: NarrativeModel) -> ExportContext:
        """The codebook the model was trained with (from its card), and its thresholds."""
        book = codebook_from_dict(model.card["codebook"], "the model card's codebook")
        return cls(book, model.thresholds, model.version)

    @property
    def colours(self) -> dict[str, str]:
        return hex_colours(self.codebook)


def read_account(path: str | Path) -> str:
    """Read a UTF-8 text file, refusing missing, undecodable or empty files.

    Line endings become ``\\n`` (Windows ``\\r\\n`` and old Mac ``\\r`` alike), so
    character offsets into the text do not depend on the system that wrote the file,
    and a blank line between CRLF paragraphs is a paragraph break as anywhere else.
    """
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
    return text.replace("\r\n", "\n").replace("\r", "\n")


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


def pretag_accounts(paths: Sequence[str | Path], model: NarrativeModel, *, sentences: int = 3,
                    stride: int | None = None) -> list[Account]:
    """Pre-tag each file and keep its text, for exports that need both (HTML, QDPX).

    Every file is read and checked before any is scored; a file given twice is refused,
    since an export would hold the same account twice.
    """
    texts: dict[str, str] = {}
    for path in paths:
        if str(path) in texts:
            raise InputError(Problem(str(path), "is given twice; give each account once"))
        texts[str(path)] = read_account(path)
    return [Account(name, text, pretag_text(text, model, sentences=sentences, stride=stride))
            for name, text in texts.items()]


def terms_text(contributions: Sequence[Contribution]) -> str:
    """``emir (+0.52), spoil (+0.31)``: terms with their signed contributions."""
    return ", ".join(f"{c.term} ({c.weight:+.2f})" for c in contributions)


def reasons_text(suggestion: Suggestion, label: str) -> str:
    """One line of why ``label`` was suggested: the terms for it, then those against."""
    up = terms_text(suggestion.reasons.get(label, [])) or "no single term"
    down = terms_text(suggestion.against.get(label, []))
    return f"raised by {up}" + (f"; lowered by {down}" if down else "")
