"""Reading a REFI-QDA project (``.qdpx``) from elsewhere: the zip, its XML, its sources.

The project is untrusted: ``project.qde`` is parsed with :mod:`defusedxml` (no DTDs,
entities or external references), a zip member larger than ``max_member`` bytes is
refused before it is inflated (and while it is, since a zip's sizes can lie), only
``internal://`` sources inside the zip are read, and every malformed part is an
:class:`~classifier.errors.InputError` naming the file, the member and the element.
"""

from __future__ import annotations

import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..errors import InputError, Problem
from ..pretag.qdpx_codings import PROJECT_NS

__all__ = ["MAX_MEMBER", "NS", "attribute", "coding_time", "fail", "open_project",
           "parse_project", "position", "project_member", "read_member", "source_text",
           "time_order", "where"]

MAX_MEMBER = 128 * 1024 * 1024  # bytes of one inflated zip member
NS = f"{{{PROJECT_NS}}}"


def where(path: Path, member: str | None = None) -> str:
    return str(path) if member is None else f"{path}, member '{member}'"


def fail(path: Path, member: str | None, message: str, *, line: int | None = None,
         element: str | None = None) -> InputError:
    return InputError(Problem(where(path, member), message, line=line, field=element))


def open_project(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise fail(path, None, "no such file; check the path") from None
    except IsADirectoryError:
        raise fail(path, None, "is a folder; give a .qdpx file") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError,
            NotImplementedError) as exc:  # NotImplementedError: a zip of a later version
        raise fail(path, None, f"is not a readable zip ({exc}); export the project again "
                   "as REFI-QDA (.qdpx)") from None
    except OSError as exc:
        raise fail(path, None, f"cannot be read ({exc.strerror or exc})") from None


def read_member(archive: zipfile.ZipFile, path: Path, member: str, max_member: int) -> bytes:
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise fail(path, member, "is missing from the zip") from None
    if info.file_size > max_member:
        raise fail(path, member, f"inflates to {info.file_size:,} bytes, over the limit of "
                   f"{max_member:,}; refused")
    try:
        with archive.open(info) as handle:
            data = handle.read(max_member + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError,
            OSError, ValueError) as exc:
        raise fail(path, member, f"cannot be read from the zip ({exc})") from None
    if len(data) > max_member:
        raise fail(path, member, f"inflates past the limit of {max_member:,} bytes; refused")
    return data


def project_member(archive: zipfile.ZipFile, path: Path) -> str:
    names = archive.namelist()
    if "project.qde" in names:
        return "project.qde"
    found = [n for n in names if "/" not in n and n.lower().endswith(".qde")]
    if len(found) != 1:
        raise fail(path, None, "holds no project.qde; is it a REFI-QDA project (.qdpx)?")
    return found[0]


def parse_project(data: bytes, path: Path, member: str) -> Element:
    try:
        root = fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise fail(path, member, f"is not well-formed XML ({exc})", line=line) from None
    except DefusedXmlException as exc:
        raise fail(path, member, f"uses a forbidden XML feature ({type(exc).__name__}); "
                   "a project needs none") from None
    except (ValueError, LookupError, RecursionError) as exc:  # LookupError: its encoding
        raise fail(path, member, f"cannot be parsed ({exc})") from None
    if root.tag != f"{NS}Project":
        space, _, tag = root.tag.rpartition("}")
        found = f"<{tag}> in " + (f"the namespace {space[1:]}" if space else "no namespace")
        raise fail(path, member, f"the root element is {found}; a project is <Project> in "
                   f"the namespace {PROJECT_NS}")
    return root


def attribute(element: Element, name: str, path: Path, member: str, what: str) -> str:
    value = element.get(name)
    if value is None or not value.strip():
        raise fail(path, member, f"attribute '{name}' is missing", element=what)
    return value


def position(element: Element, name: str, path: Path, member: str, what: str) -> int:
    value = attribute(element, name, path, member, what)
    try:
        return int(value)
    except ValueError:
        raise fail(path, member, f"{name} '{value}' is not a whole number",
                   element=what) from None


def coding_time(element: Element, path: Path, member: str, what: str) -> str | None:
    """The element's ``creationDateTime`` as written, checked to be ISO 8601; None if absent."""
    value = (element.get("creationDateTime") or "").strip()
    if not value:
        return None
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise fail(path, member, f"creationDateTime '{value}' is not an ISO 8601 date and "
                   "time (e.g. 2026-12-03T09:30:00Z)", element=what) from None
    return value


def time_order(value: str) -> datetime:
    """A checked ISO 8601 time, comparable with any other (no zone is read as UTC)."""
    time = datetime.fromisoformat(value)
    return time if time.utcoffset() is not None else time.replace(tzinfo=UTC)


def source_text(source: Element, archive: zipfile.ZipFile, path: Path, member: str,
                max_member: int) -> str:
    """The text of a ``TextSource``: inline, or its ``internal://`` member of the zip."""
    what = f"TextSource {source.get('guid')}"
    content = source.find(f"{NS}PlainTextContent")
    if content is not None:
        return content.text or ""
    target = attribute(source, "plainTextPath", path, member, what)
    if not target.startswith("internal://"):
        raise fail(path, member, f"plainTextPath '{target}' is outside the project; only "
                   "sources inside the .qdpx (internal://) are read", element=what)
    inner = f"sources/{target.removeprefix('internal://')}"
    data = read_member(archive, path, inner, max_member)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise fail(path, inner, f"is not valid UTF-8 (byte {exc.start})") from None
