"""A coded REFI-QDA project (``.qdpx``) as a corpus: one quotation per coded selection.

The project comes from elsewhere, so it is read defensively: ``project.qde`` is parsed
with :mod:`defusedxml` (no DTDs, entities or external references), a zip member larger
than ``max_member`` bytes is refused before it is inflated (and while it is, since a
zip's sizes can lie), only ``internal://`` sources inside the zip are read, and every
malformed part is an :class:`~classifier.errors.InputError` naming the file, the member
and the element.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import yaml
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..codebook import Codebook
from ..errors import InputError, Problem
from ..formats.files import atomic_path
from ..pretag.qdpx import MODEL_USER_PREFIX, PROJECT_NS

__all__ = ["MAX_MEMBER", "import_qdpx", "load_code_map", "write_corpus"]

MAX_MEMBER = 128 * 1024 * 1024  # bytes of one inflated zip member
NS = f"{{{PROJECT_NS}}}"


def _where(path: Path, member: str | None = None) -> str:
    return str(path) if member is None else f"{path}, member '{member}'"


def _fail(path: Path, member: str | None, message: str, *, line: int | None = None,
          element: str | None = None) -> InputError:
    return InputError(Problem(_where(path, member), message, line=line, field=element))


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise _fail(path, None, "no such file; check the path") from None
    except IsADirectoryError:
        raise _fail(path, None, "is a folder; give a .qdpx file") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError,
            NotImplementedError) as exc:  # NotImplementedError: a zip of a later version
        raise _fail(path, None, f"is not a readable zip ({exc}); export the project again "
                    "as REFI-QDA (.qdpx)") from None
    except OSError as exc:
        raise _fail(path, None, f"cannot be read ({exc.strerror or exc})") from None


def _read(archive: zipfile.ZipFile, path: Path, member: str, max_member: int) -> bytes:
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise _fail(path, member, "is missing from the zip") from None
    if info.file_size > max_member:
        raise _fail(path, member, f"inflates to {info.file_size:,} bytes, over the limit of "
                    f"{max_member:,}; refused")
    try:
        with archive.open(info) as handle:
            data = handle.read(max_member + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError,
            OSError, ValueError) as exc:
        raise _fail(path, member, f"cannot be read from the zip ({exc})") from None
    if len(data) > max_member:
        raise _fail(path, member, f"inflates past the limit of {max_member:,} bytes; refused")
    return data


def _project_member(archive: zipfile.ZipFile, path: Path) -> str:
    names = archive.namelist()
    if "project.qde" in names:
        return "project.qde"
    found = [n for n in names if "/" not in n and n.lower().endswith(".qde")]
    if len(found) != 1:
        raise _fail(path, None, "holds no project.qde; is it a REFI-QDA project (.qdpx)?")
    return found[0]


def _parse(data: bytes, path: Path, member: str) -> Element:
    try:
        root = fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise _fail(path, member, f"is not well-formed XML ({exc})", line=line) from None
    except DefusedXmlException as exc:
        raise _fail(path, member, f"uses a forbidden XML feature ({type(exc).__name__}); "
                    "a project needs none") from None
    except (ValueError, LookupError, RecursionError) as exc:  # LookupError: its encoding
        raise _fail(path, member, f"cannot be parsed ({exc})") from None
    if root.tag != f"{NS}Project":
        space, _, tag = root.tag.rpartition("}")
        found = f"<{tag}> in " + (f"the namespace {space[1:]}" if space else "no namespace")
        raise _fail(path, member, f"the root element is {found}; a project is <Project> in "
                    f"the namespace {PROJECT_NS}")
    return root


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _attr(element: Element, name: str, path: Path, member: str, what: str) -> str:
    value = element.get(name)
    if value is None or not value.strip():
        raise _fail(path, member, f"attribute '{name}' is missing", element=what)
    return value


def _position(element: Element, name: str, path: Path, member: str, what: str) -> int:
    value = _attr(element, name, path, member, what)
    try:
        return int(value)
    except ValueError:
        raise _fail(path, member, f"{name} '{value}' is not a whole number",
                    element=what) from None


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
class _Project:
    """What the reader gathered: users, codes, and the counts of the summary."""

    path: Path
    member: str
    users: dict[str, str]
    codes: dict[str, str]
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("sources", "skipped_sources", "selections", "codings", "other_users",
         "ignored_codes", "blank"), 0))


def _users_and_codes(root: Element, path: Path, member: str) -> tuple[dict[str, str],
                                                                       dict[str, str]]:
    users = {}
    for user in root.iterfind(f"{NS}Users/{NS}User"):
        guid = _guid(_attr(user, "guid", path, member, "User"))
        users[guid] = user.get("name") or user.get("id") or guid
    codes = {}
    for code in root.iterfind(f"{NS}CodeBook//{NS}Code"):
        guid = _guid(_attr(code, "guid", path, member, "Code"))
        codes[guid] = _attr(code, "name", path, member, f"Code {guid}")
    return users, codes


def _source_text(source: Element, archive: zipfile.ZipFile, project: _Project,
                 max_member: int) -> tuple[str, str]:
    path, member = project.path, project.member
    what = f"TextSource {source.get('guid')}"
    content = source.find(f"{NS}PlainTextContent")
    if content is not None:
        return content.text or "", member
    target = _attr(source, "plainTextPath", path, member, what)
    if not target.startswith("internal://"):
        raise _fail(path, member, f"plainTextPath '{target}' is outside the project; only "
                    "sources inside the .qdpx (internal://) are read", element=what)
    inner = f"sources/{target.removeprefix('internal://')}"
    data = _read(archive, path, inner, max_member)
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), inner
    except UnicodeDecodeError as exc:
        raise _fail(path, inner, f"is not valid UTF-8 (byte {exc.start})") from None


def _label(code: str, codebook: Codebook,
           mapping: dict[str, str | None]) -> tuple[bool, str | None]:
    """Whether ``code`` is known, and its label (None: a code deliberately ignored)."""
    if code in mapping:
        return True, mapping[code]
    folded = " ".join(code.split()).casefold()
    for label in codebook.labels:
        if folded in (label.id.casefold(), " ".join(label.name.split()).casefold()):
            return True, label.id
    return False, None


def _kept(user: str, project: _Project, users: Sequence[str] | None) -> bool:
    name = project.users.get(user, user)
    if users is None:
        return not name.startswith(MODEL_USER_PREFIX)
    return name in users or user in {_guid(u) for u in users}


@dataclass
class _Quotation:
    case: str
    start: int
    end: int
    text: str
    labels: set[str] = field(default_factory=set)
    coders: set[str] = field(default_factory=set)


def _selection(selection: Element, text: str, found: dict[tuple[str, int, int], _Quotation],
               case: str, ctx: tuple[_Project, Codebook, dict[str, str | None],
                                     Sequence[str] | None, set[str]]) -> None:
    project, codebook, mapping, users, unknown = ctx
    path, member = project.path, project.member
    what = f"PlainTextSelection {selection.get('guid')}"
    start = _position(selection, "startPosition", path, member, what)
    end = _position(selection, "endPosition", path, member, what)
    if not 0 <= start < end <= len(text):
        raise _fail(path, member, f"positions {start}–{end} are not inside the source's "
                    f"{len(text)} characters", element=what)
    project.counts["selections"] += 1
    for coding in selection.iterfind(f"{NS}Coding"):
        project.counts["codings"] += 1
        ref = coding.find(f"{NS}CodeRef")
        if ref is None:
            raise _fail(path, member, "a Coding has no CodeRef", element=what)
        code_guid = _guid(_attr(ref, "targetGUID", path, member, what))
        if code_guid not in project.codes:
            raise _fail(path, member, f"CodeRef {code_guid} names no Code of the codebook",
                        element=what)
        user = _guid(coding.get("creatingUser") or selection.get("creatingUser"))
        if not _kept(user, project, users):
            project.counts["other_users"] += 1
            continue
        known, label = _label(project.codes[code_guid], codebook, mapping)
        if not known:
            unknown.add(project.codes[code_guid])
            continue
        if label is None:
            project.counts["ignored_codes"] += 1
            continue
        quotation = found.setdefault((case, start, end), _Quotation(case, start, end,
                                                                    text[start:end]))
        quotation.labels.add(label)
        quotation.coders.add(project.users.get(user, user or "unknown"))


def _record(q: _Quotation, codebook: Codebook) -> dict[str, Any]:
    text = q.text.replace("\r\n", "\n").replace("\r", "\n")
    return {"id": f"{q.case}:{q.start}-{q.end}", "case_id": q.case, "text": text,
            "labels": [label for label in codebook.ids if label in q.labels],
            "source": q.case, "start": q.start, "end": q.end, "coders": sorted(q.coders)}


def import_qdpx(path: str | Path, codebook: Codebook, *, users: Sequence[str] | None = None,
                mapping: dict[str, str | None] | None = None,
                max_member: int = MAX_MEMBER) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read a coded ``.qdpx`` project into corpus records, and counts for a summary.

    ``users`` (names or GUIDs) chooses whose codings count; by default every user's
    but the model's own suggestions. Code names map to labels through ``mapping``,
    then by label id or name (case and spacing aside); a code it cannot place is an
    error that names it. Selections with the same source and offsets become one
    quotation with all their labels; each source is a case.
    """
    path = Path(path)
    mapping = mapping or {}
    with _open(path) as archive:
        member = _project_member(archive, path)
        root = _parse(_read(archive, path, member, max_member), path, member)
        project = _Project(path, member, *_users_and_codes(root, path, member))
        found: dict[tuple[str, int, int], _Quotation] = {}
        unknown: set[str] = set()
        cases: dict[str, str] = {}
        for source in root.iterfind(f"{NS}Sources/*"):
            if source.tag != f"{NS}TextSource":
                project.counts["skipped_sources"] += 1
                continue
            guid = _guid(_attr(source, "guid", path, member, "TextSource"))
            text, _ = _source_text(source, archive, project, max_member)
            name = source.get("name") or guid
            case = name if name not in cases.values() else f"{name}#{guid[:8]}"
            cases[guid] = case
            project.counts["sources"] += 1
            for selection in source.iterfind(f"{NS}PlainTextSelection"):
                _selection(selection, text, found, case,
                           (project, codebook, mapping, users, unknown))
    if unknown:
        raise InputError([Problem(_where(path, member), f"code '{code}' is not in the codebook "
                                  f"({', '.join(codebook.ids)}); map it to a label, or to null "
                                  "to ignore it, in a --map file", field="Code")
                          for code in sorted(unknown)])
    records = [_record(q, codebook) for q in found.values() if q.text.strip()]
    project.counts["blank"] = len(found) - len(records)
    if not records:
        raise _fail(path, None, f"holds no coded text selection to import "
                    f"({project.counts['codings']} codings, {project.counts['other_users']} by "
                    f"users left out: {', '.join(sorted(set(project.users.values()))) or 'none'}); "
                    "choose users with --users")
    return records, {**project.counts, "quotations": len(records),
                     "cases": len({r["case_id"] for r in records}),
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
