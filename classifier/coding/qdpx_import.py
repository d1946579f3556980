"""A coded REFI-QDA project (``.qdpx``) as a corpus: one quotation per coded selection.

Reading the zip and its XML defensively is :mod:`classifier.coding.qdpx_read`'s job; this module
turns what it reads into quotations. Each quotation keeps who coded it (``coders``),
each coder's own labels (``codings``) and when each decided (``coded_at``, the
``creationDateTime`` of their codings), so ``narratives agreement`` can compare the coders
of an imported project and a coder's decisions can be told from the model's. A selection
a user made without any coding is that user's decision that no narrative applies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import yaml

from ..codebook import Codebook
from ..errors import InputError, Problem
from ..formats.files import atomic_path
from ..pretag.qdpx_codings import MODEL_USER_PREFIX
from .qdpx_read import (
    MAX_MEMBER,
    NS,
    attribute,
    coding_time,
    fail,
    open_project,
    parse_project,
    position,
    project_member,
    read_member,
    source_text,
    time_order,
    where,
)

__all__ = ["MAX_MEMBER", "import_qdpx", "load_code_map", "write_corpus"]


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def load_code_map(path: str | Path, codebook: Codebook) -> dict[str, str | None]:
    """Read a mapping (YAML or JSON) from code names to label ids; ``null`` ignores a code."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(Problem(str(path), "no such mapping file; check the path")) from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        message = " ".join(str(exc).split())
        raise InputError(Problem(str(path), f"cannot be read: {message}")) from None
    if not isinstance(data, dict):
        raise InputError(Problem(str(path), "expected a mapping of code name: label id "
                                 "(or null to ignore the code)"))
    problems = [Problem(str(path), f"'{value}' is not a label; the codebook knows "
                        f"{', '.join(codebook.ids)} (or null to ignore)", field=str(key))
                for key, value in data.items()
                if value is not None and (not isinstance(value, str) or value not in codebook.ids)]
    if problems:
        raise InputError(problems)
    return {str(key): value for key, value in data.items()}


@dataclass
class _Quotation:
    case: str
    start: int
    end: int
    text: str
    labels: set[str] = field(default_factory=set)
    codings: dict[str, set[str]] = field(default_factory=dict)
    times: dict[str, str | None] = field(default_factory=dict)

    def decide(self, coder: str, label: str | None, time: str | None) -> None:
        """Record ``coder``'s label (None: the coder gave no label here) and time."""
        self.codings.setdefault(coder, set())
        if label is not None:
            self.labels.add(label)
            self.codings[coder].add(label)
        known = self.times.get(coder)
        if time is not None and (known is None or time_order(time) > time_order(known)):
            self.times[coder] = time
        else:
            self.times.setdefault(coder, None)


@dataclass
class _Project:
    """What the reader gathered: users, codes, choices, quotations and summary counts."""

    path: Path
    member: str
    codebook: Codebook
    mapping: dict[str, str | None]
    users: dict[str, str]
    codes: dict[str, str]
    chosen: Sequence[str] | None
    found: dict[tuple[str, int, int], _Quotation] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("sources", "skipped_sources", "selections", "codings", "other_users",
         "ignored_codes", "blank", "uncoded_selections"), 0))

    def kept(self, user: str) -> bool:
        name = self.users.get(user, user)
        if self.chosen is None:
            return not name.startswith(MODEL_USER_PREFIX)
        return name in self.chosen or user in {_guid(u) for u in self.chosen}

    def label(self, code: str) -> tuple[bool, str | None]:
        """Whether ``code`` is known, and its label (None: a code deliberately ignored)."""
        if code in self.mapping:
            return True, self.mapping[code]
        folded = " ".join(code.split()).casefold()
        for label in self.codebook.labels:
            if folded in (label.id.casefold(), " ".join(label.name.split()).casefold()):
                return True, label.id
        return False, None


def _users_and_codes(root: Element, path: Path, member: str) -> tuple[dict[str, str],
                                                                       dict[str, str]]:
    users = {}
    for user in root.iterfind(f"{NS}Users/{NS}User"):
        guid = _guid(attribute(user, "guid", path, member, "User"))
        users[guid] = user.get("name") or user.get("id") or guid
    codes = {}
    for code in root.iterfind(f"{NS}CodeBook//{NS}Code"):
        guid = _guid(attribute(code, "guid", path, member, "Code"))
        codes[guid] = attribute(code, "name", path, member, f"Code {guid}")
    return users, codes


def _coding(coding: Element, selection: Element, quotation: _Quotation, project: _Project,
            what: str) -> None:
    path, member = project.path, project.member
    project.counts["codings"] += 1
    ref = coding.find(f"{NS}CodeRef")
    if ref is None:
        raise fail(path, member, "a Coding has no CodeRef", element=what)
    code_guid = _guid(attribute(ref, "targetGUID", path, member, what))
    if code_guid not in project.codes:
        raise fail(path, member, f"CodeRef {code_guid} names no Code of the codebook",
                   element=what)
    user = _guid(coding.get("creatingUser") or selection.get("creatingUser"))
    if not project.kept(user):
        project.counts["other_users"] += 1
        return
    known, label = project.label(project.codes[code_guid])
    if not known:
        project.unknown.add(project.codes[code_guid])
        return
    if label is None:
        project.counts["ignored_codes"] += 1
        return
    time = coding_time(coding, path, member, what) or coding_time(selection, path, member, what)
    quotation.decide(project.users.get(user, user or "unknown"), label, time)
    project.found.setdefault((quotation.case, quotation.start, quotation.end), quotation)


def _selection(selection: Element, text: str, case: str, project: _Project) -> None:
    path, member = project.path, project.member
    what = f"PlainTextSelection {selection.get('guid')}"
    start = position(selection, "startPosition", path, member, what)
    end = position(selection, "endPosition", path, member, what)
    if not 0 <= start < end <= len(text):
        raise fail(path, member, f"positions {start}–{end} are not inside the source's "
                   f"{len(text)} characters", element=what)
    project.counts["selections"] += 1
    quotation = project.found.get((case, start, end)) or _Quotation(case, start, end,
                                                                    text[start:end])
    codings = selection.findall(f"{NS}Coding")
    for coding in codings:
        _coding(coding, selection, quotation, project, what)
    user = _guid(selection.get("creatingUser"))
    if not codings and user and project.kept(user):
        project.counts["uncoded_selections"] += 1
        quotation.decide(project.users.get(user, user), None,
                         coding_time(selection, path, member, what))
        project.found.setdefault((case, start, end), quotation)


def _record(q: _Quotation, codebook: Codebook) -> dict[str, Any]:
    text = q.text.replace("\r\n", "\n").replace("\r", "\n")
    coders = sorted(q.codings)
    return {"id": f"{q.case}:{q.start}-{q.end}", "case_id": q.case, "text": text,
            "labels": [label for label in codebook.ids if label in q.labels],
            "source": q.case, "start": q.start, "end": q.end, "coders": coders,
            "codings": {c: [label for label in codebook.ids if label in q.codings[c]]
                        for c in coders},
            "coded_at": {c: q.times.get(c) for c in coders}}


def _read_sources(root: Element, archive: Any, project: _Project, max_member: int) -> None:
    path, member = project.path, project.member
    cases: dict[str, str] = {}
    for source in root.iterfind(f"{NS}Sources/*"):
        if source.tag != f"{NS}TextSource":
            project.counts["skipped_sources"] += 1
            continue
        guid = _guid(attribute(source, "guid", path, member, "TextSource"))
        text = source_text(source, archive, path, member, max_member)
        name = source.get("name") or guid
        case = name if name not in cases.values() else f"{name}#{guid[:8]}"
        cases[guid] = case
        project.counts["sources"] += 1
        for selection in source.iterfind(f"{NS}PlainTextSelection"):
            _selection(selection, text, case, project)


def import_qdpx(path: str | Path, codebook: Codebook, *, users: Sequence[str] | None = None,
                mapping: dict[str, str | None] | None = None,
                max_member: int = MAX_MEMBER) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read a coded ``.qdpx`` project into corpus records, and counts for a summary.

    ``users`` (names or GUIDs) chooses whose codings count; by default every user's
    but the model's own suggestions. Code names map to labels through ``mapping``,
    then by label id or name (case and spacing aside); a code it cannot place is an
    error that names it. Selections with the same source and offsets become one
    quotation with all their labels (``labels``), each coder's own (``codings``) and
    the time each coder decided (``coded_at``); each source is a case.
    """
    path = Path(path)
    with open_project(path) as archive:
        member = project_member(archive, path)
        root = parse_project(read_member(archive, path, member, max_member), path, member)
        project = _Project(path, member, codebook, mapping or {},
                           *_users_and_codes(root, path, member), chosen=users)
        _read_sources(root, archive, project, max_member)
    if project.unknown:
        raise InputError([Problem(where(path, member), f"code '{code}' is not in the codebook "
                                  f"({', '.join(codebook.ids)}); map it to a label, or to null "
                                  "to ignore it, in a --map file", field="Code")
                          for code in sorted(project.unknown)])
    found = project.found.values()
    records = [_record(q, codebook) for q in found if q.text.strip()]
    project.counts["blank"] = len(found) - len(records)
    if not records:
        raise fail(path, None, f"holds no coded text selection to import "
                   f"({project.counts['codings']} codings, {project.counts['other_users']} by "
                   f"users left out: {', '.join(sorted(set(project.users.values()))) or 'none'}); "
                   "choose users with --users")
    return records, {**project.counts, "quotations": len(records),
                     "cases": len({r["case_id"] for r in records}),
                     "coders": sorted({c for r in records for c in r["coders"]}),
                     "labels": {label: sum(label in r["labels"] for r in records)
                                for label in codebook.ids}}


def write_corpus(records: Sequence[dict[str, Any]], out: str | Path) -> Path:
    """Write imported quotations as a corpus (JSONL) that ``narratives train`` reads."""
    out = Path(out)
    if out.suffix.lower() != ".jsonl":
        raise InputError(Problem(str(out), f"the corpus is written as JSONL; name it "
                                 f"{out.stem}.jsonl"))
    with atomic_path(out) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                       encoding="utf-8")
    return out
