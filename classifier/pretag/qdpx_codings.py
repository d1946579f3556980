"""Codings by several users, the model's and people's, as one REFI-QDA project (``.qdpx``).

Each :class:`QdaCoding` is one user's decision on one span of a source: the labels given
(none: the span was looked at and no narrative given) and when. Every user is a ``User``
(the first listed is the one QDA tools take as the current coder); every decision is a
``PlainTextSelection`` created by its user at its time, with one ``Coding`` per label;
every ``TextSource`` is created by the first user at ``created``. Positions count Unicode
code points of the text shipped in ``sources/`` (Python string indices).

Every GUID is a UUID5 of what it names (the codebook and label, a user's name, the source's
name and text, a selection's offsets and user), never of a time, and the zip's dates are
fixed, so the same codings at the same times give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree as ET

from ..codebook import Codebook, hex_colours
from ..errors import InputError, Problem
from ..formats.files import atomic_path

__all__ = [
    "MODEL_USER_PREFIX",
    "PROJECT_NS",
    "QdaCoding",
    "code_guid",
    "iso_time",
    "project_xml",
    "user_guid",
    "write_codings_qdpx",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
MODEL_USER_PREFIX = "narratives model"
# Fixed, so the same thing gets the same GUID in every export, on every machine.
GUID_ROOT = uuid.UUID("5b0f3c1e-8a4d-5e7a-9c61-2f1d7e4b8a90")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class QdaCoding(NamedTuple):
    """One user's decision on ``source[start:end]``: its labels (may be none) and its time.

    ``time`` must carry its zone (``datetime.now(UTC)``, not ``datetime.now()``);
    ``name`` and ``note`` become the selection's name and ``Description``.
    """

    coder: str
    source: str
    start: int
    end: int
    labels: Sequence[str]
    time: datetime
    note: str = ""
    name: str = ""


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(GUID_ROOT, "\x1f".join(str(p) for p in parts)))


def _clean(value: str) -> str:
    """Text for an XML attribute or element: characters XML 1.0 forbids are dropped."""
    return NOT_XML.sub("", value)


def code_guid(codebook: Codebook, label_id: str) -> str:
    """The GUID of a label's ``Code``: the same in the ``.qdc`` and in every ``.qdpx``."""
    return _guid("code", codebook.name, label_id)


def user_guid(name: str) -> str:
    """The GUID of the ``User`` called ``name``: the same in every export."""
    return _guid("user", name)


def iso_time(time: datetime) -> str:
    """``time`` as an ISO 8601 ``xsd:dateTime`` with its zone, to the second (UTC as ``Z``)."""
    if time.utcoffset() is None:
        raise InputError(Problem("created", f"the time {time.isoformat()} has no zone; give "
                                 "an aware datetime, e.g. datetime.now(UTC)"))
    return time.isoformat(timespec="seconds").replace("+00:00", "Z")


def codes_xml(parent: ET.Element, ns: str, codebook: Codebook) -> None:
    """The codebook's labels as ``Code`` elements (name, colour, definition) under ``parent``."""
    codes = ET.SubElement(parent, f"{{{ns}}}Codes")
    colours = hex_colours(codebook)
    for label in codebook.labels:
        code = ET.SubElement(codes, f"{{{ns}}}Code", {
            "guid": code_guid(codebook, label.id), "name": _clean(label.name),
            "isCodable": "true", "color": colours[label.id]})
        ET.SubElement(code, f"{{{ns}}}Description").text = _clean(
            f"{label.definition} (label id: {label.id})")


def serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def source_guid(name: str, text: str) -> str:
    return _guid("source", Path(name).name, hashlib.sha256(text.encode("utf-8")).hexdigest())


def _problems(codings: Sequence[QdaCoding], sources: Mapping[str, str],
              codebook: Codebook) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str, int, int]] = set()
    for i, c in enumerate(codings):
        def bad(message: str, field: str, i: int = i) -> None:
            problems.append(Problem(f"coding {i}", message, field=field))
        key = (c.coder, c.source, c.start, c.end)
        if not isinstance(c.coder, str) or not c.coder.strip():
            bad("the coder's name is empty; name who made the decision", "coder")
        if c.source not in sources:
            bad(f"source '{c.source}' is not among the sources given "
                f"({', '.join(map(str, sources)) or 'none'})", "source")
        elif not (isinstance(c.start, int) and isinstance(c.end, int)
                  and 0 <= c.start < c.end <= len(sources[c.source])):
            bad(f"positions {c.start}–{c.end} are not inside the source's "
                f"{len(sources[c.source])} characters", "start")
        if isinstance(c.labels, str):
            bad(f"labels {c.labels!r} is a string; give a list of label ids", "labels")
        for label in [] if isinstance(c.labels, str) else codebook.unknown(list(c.labels)):
            bad(f"unknown label '{label}'; the codebook knows {', '.join(codebook.ids)}",
                "labels")
        if not isinstance(c.time, datetime) or c.time.utcoffset() is None:
            bad(f"the time {c.time!r} has no zone; give an aware datetime, e.g. "
                "datetime.now(UTC)", "time")
        if key in seen:
            bad(f"'{c.coder}' decided on {c.source} {c.start}–{c.end} twice; give each "
                "coder's final decision once", "coder")
        seen.add(key)
    return problems


def _users(codings: Sequence[QdaCoding], users: Sequence[str]) -> list[str]:
    """``users`` in their order, then every other coder in order of appearance."""
    return list(dict.fromkeys([*(u.strip() for u in users), *(c.coder for c in codings)]))


def _selection(parent: ET.Element, source: str, c: QdaCoding, codebook: Codebook) -> int:
    ns, user = PROJECT_NS, user_guid(c.coder)
    # The model's selections keep the GUIDs of the exports before users were recorded.
    owner = () if c.coder.startswith(MODEL_USER_PREFIX) else (user,)
    guid = _guid("selection", source, c.start, c.end, *owner)
    when = iso_time(c.time)
    name = c.name or f"{c.coder}: {', '.join(c.labels) or 'no narrative'}"
    selection = ET.SubElement(parent, f"{{{ns}}}PlainTextSelection", {
        "guid": guid, "name": _clean(name), "startPosition": str(c.start),
        "endPosition": str(c.end), "creatingUser": user, "creationDateTime": when})
    if c.note:
        ET.SubElement(selection, f"{{{ns}}}Description").text = _clean(c.note)
    labels = [label for label in codebook.ids if label in set(c.labels)]
    for label in labels:
        coding = ET.SubElement(selection, f"{{{ns}}}Coding", {
            "guid": _guid("coding", guid, label), "creatingUser": user,
            "creationDateTime": when})
        ET.SubElement(coding, f"{{{ns}}}CodeRef", {"targetGUID": code_guid(codebook, label)})
    return len(labels)


def project_xml(sources: Mapping[str, str], codings: Iterable[QdaCoding], codebook: Codebook,
                *, users: Sequence[str] = (), created: datetime | None = None,
                name: str = "Coded accounts",
                descriptions: Mapping[str, str] | None = None
                ) -> tuple[bytes, dict[str, str], dict[str, Any]]:
    """``project.qde`` for ``codings`` of ``sources``, the member of each source, and counts.

    Raises :class:`~classifier.errors.InputError` listing every bad coding (a source not
    given, positions outside the text, an unknown label, a time without zone, the same
    coder twice on one span) before anything is built.
    """
    codings = list(codings)
    problems = _problems(codings, sources, codebook)
    if problems:
        raise InputError(problems)
    created = created or datetime.now(UTC)
    order = _users(codings, users)
    if not order:
        raise InputError(Problem(name, "a project needs a user; name the coder"))
    ET.register_namespace("", PROJECT_NS)
    ns = PROJECT_NS
    root = ET.Element(f"{{{ns}}}Project", {
        "name": _clean(name), "origin": "narratives", "creatingUserGUID": user_guid(order[0]),
        "creationDateTime": iso_time(created)})
    people = ET.SubElement(root, f"{{{ns}}}Users")
    for user in order:
        ET.SubElement(people, f"{{{ns}}}User", {"guid": user_guid(user), "name": _clean(user)})
    codes_xml(ET.SubElement(root, f"{{{ns}}}CodeBook"), ns, codebook)
    xml_sources = ET.SubElement(root, f"{{{ns}}}Sources")
    members: dict[str, str] = {}
    rank = {user: k for k, user in enumerate(order)}
    by_source: dict[str, list[QdaCoding]] = {}
    for coding in codings:
        by_source.setdefault(coding.source, []).append(coding)
    counts: dict[str, Any] = {"sources": 0, "selections": 0, "codings": 0, "users": order,
                              "by_user": dict.fromkeys(order, 0)}
    for source_name, text in sources.items():
        guid = source_guid(source_name, text)
        member = f"{guid}.txt"
        if member in members.values():
            raise InputError(Problem(source_name, "the same account (name and text) is given "
                                     "twice; give it once"))
        members[source_name] = member
        source = ET.SubElement(xml_sources, f"{{{ns}}}TextSource", {
            "guid": guid, "name": _clean(Path(source_name).name),
            "plainTextPath": f"internal://{member}", "creatingUser": user_guid(order[0]),
            "creationDateTime": iso_time(created)})
        if descriptions and source_name in descriptions:
            ET.SubElement(source, f"{{{ns}}}Description").text = _clean(
                descriptions[source_name])
        mine = sorted(by_source.get(source_name, ()),
                      key=lambda c: (c.start, c.end, rank[c.coder]))
        for c in mine:
            counts["codings"] += _selection(source, guid, c, codebook)
            counts["by_user"][c.coder] += 1
        counts["selections"] += len(mine)
        counts["sources"] += 1
    return serialise(root), members, counts


def write_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def write_project(xml: bytes, members: Mapping[str, str], sources: Mapping[str, str],
                  out: str | Path) -> None:
    """The ``.qdpx`` zip: ``project.qde`` and each source's text under ``sources/``."""
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        write_member(archive, "project.qde", xml)
        for source_name, text in sources.items():
            write_member(archive, f"sources/{members[source_name]}", text.encode("utf-8"))


def write_codings_qdpx(sources: Mapping[str, str], codings: Iterable[QdaCoding],
                       out: str | Path, codebook: Codebook, *, users: Sequence[str] = (),
                       created: datetime | None = None) -> dict[str, Any]:
    """Write the decisions of several coders on ``sources`` as one REFI-QDA project.

    ``sources`` maps each account's name to its text; ``users`` puts names first, in
    order (the first is the current coder in QDA tools); every other coder follows in
    order of appearance. ``created`` (default: now) dates the sources and the project.
    Returns the path and counts: sources, selections, codings, users, by_user.

    Examples
    --------
    >>> import tempfile
    >>> from datetime import UTC, datetime
    >>> from classifier import load_codebook
    >>> when = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    >>> decisions = [QdaCoding("Ada", "a.txt", 0, 14, ["corruption"], when),
    ...              QdaCoding("Ben", "a.txt", 0, 14, [], when)]
    >>> folder = tempfile.TemporaryDirectory()
    >>> out = Path(folder.name) / "review.qdpx"
    >>> written = write_codings_qdpx({"a.txt": "The emir stole."}, decisions, out,
    ...                              load_codebook(), created=when)
    >>> written["users"], written["selections"], written["codings"]
    (['Ada', 'Ben'], 2, 1)
    >>> folder.cleanup()
    """
    codings = list(codings)
    xml, members, counts = project_xml(sources, codings, codebook, users=users,
                                       created=created, name=Path(out).stem)
    write_project(xml, members, sources, out)
    return {"path": str(out), **counts}
