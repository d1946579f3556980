"""REFI-QDA exchange: pre-tagged accounts as a ``.qdpx`` project, the codebook as ``.qdc``.

A ``.qdpx`` file is a zip holding ``project.qde`` (QDA-XML, namespace
``urn:QDA-XML:project:1.0``) and the accounts under ``sources/`` as UTF-8 text. NVivo,
ATLAS.ti, MAXQDA and QualCoder import it. The model is one ``User``, so its codings can
be reviewed, and removed, apart from a coder's own. Positions count Unicode code points
of the text shipped in ``sources/`` (Python string indices), as the standard does.

Every GUID is a UUID5 of what it names (the codebook and label, the source's name and
text, a selection's offsets), and the zip's dates are fixed, so exporting the same
accounts twice gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from ..codebook import Codebook, hex_colours
from ..errors import InputError, Problem
from ..formats.files import atomic_path
from .passages import Account, ExportContext, TaggedPassage, reasons_text

__all__ = [
    "CODEBOOK_NS",
    "MODEL_USER_PREFIX",
    "PROJECT_NS",
    "code_guid",
    "codebook_xml",
    "model_user",
    "project_xml",
    "write_qdc",
    "write_qdpx",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
MODEL_USER_PREFIX = "narratives model"
# Fixed, so the same thing gets the same GUID in every export, on every machine.
GUID_ROOT = uuid.UUID("5b0f3c1e-8a4d-5e7a-9c61-2f1d7e4b8a90")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(GUID_ROOT, "\x1f".join(str(p) for p in parts)))


def _clean(value: str) -> str:
    """Text for an XML attribute or element: characters XML 1.0 forbids are dropped."""
    return NOT_XML.sub("", value)


def code_guid(codebook: Codebook, label_id: str) -> str:
    """The GUID of a label's ``Code``: the same in the ``.qdc`` and in every ``.qdpx``."""
    return _guid("code", codebook.name, label_id)


def model_user(version: str) -> tuple[str, str]:
    """The GUID and name of the ``User`` whose codings are the model's suggestions."""
    name = f"{MODEL_USER_PREFIX} {version}"
    return _guid("user", name), name


def _codes(parent: ET.Element, ns: str, codebook: Codebook) -> None:
    codes = ET.SubElement(parent, f"{{{ns}}}Codes")
    colours = hex_colours(codebook)
    for label in codebook.labels:
        code = ET.SubElement(codes, f"{{{ns}}}Code", {
            "guid": code_guid(codebook, label.id), "name": _clean(label.name),
            "isCodable": "true", "color": colours[label.id]})
        ET.SubElement(code, f"{{{ns}}}Description").text = _clean(
            f"{label.definition} (label id: {label.id})")


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def codebook_xml(codebook: Codebook) -> bytes:
    """The codebook as a REFI-QDA ``.qdc`` document (namespace ``urn:QDA-XML:codebook:1.0``)."""
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": "narratives"})
    _codes(root, CODEBOOK_NS, codebook)
    return _serialise(root)


def _source_guid(account: Account) -> str:
    return _guid("source", Path(account.name).name,
                 hashlib.sha256(account.text.encode("utf-8")).hexdigest())


def _selection(parent: ET.Element, source: str, item: TaggedPassage, user: str,
               ctx: ExportContext) -> int:
    p, s = item.passage, item.suggestion
    ns = PROJECT_NS
    guid = _guid("selection", source, p.start, p.end)
    name = ", ".join(f"{label} {s.scores[label]:.2f}" for label in s.labels)
    selection = ET.SubElement(parent, f"{{{ns}}}PlainTextSelection", {
        "guid": guid, "name": f"passage {p.index + 1}: {name}", "startPosition": str(p.start),
        "endPosition": str(p.end), "creatingUser": user})
    why = [f"{label} {s.scores[label]:.2f} (threshold {ctx.thresholds[label]:.2f}), "
           f"{reasons_text(s, label)}" for label in s.labels]
    scores = ", ".join(f"{label} {score:.2f}" for label, score in s.scores.items())
    ET.SubElement(selection, f"{{{ns}}}Description").text = _clean(
        f"Suggested by {MODEL_USER_PREFIX} {ctx.model_version}: " + "; ".join(why)
        + f". All scores: {scores}.")
    for label in s.labels:
        coding = ET.SubElement(selection, f"{{{ns}}}Coding", {
            "guid": _guid("coding", guid, label), "creatingUser": user})
        ET.SubElement(coding, f"{{{ns}}}CodeRef",
                      {"targetGUID": code_guid(ctx.codebook, label)})
    return len(s.labels)


def project_xml(accounts: Sequence[Account], ctx: ExportContext, *,
                name: str = "Pre-tagged accounts") -> tuple[bytes, dict[str, str], dict[str, int]]:
    """``project.qde`` for ``accounts``, the ``sources/`` member of each, and counts.

    Returns the XML, a mapping from each account's name to its member name, and
    counts of sources, selections and codings written.
    """
    ET.register_namespace("", PROJECT_NS)
    ns = PROJECT_NS
    user, user_name = model_user(ctx.model_version)
    root = ET.Element(f"{{{ns}}}Project", {"name": _clean(name), "origin": "narratives",
                                           "creatingUserGUID": user})
    ET.SubElement(ET.SubElement(root, f"{{{ns}}}Users"), f"{{{ns}}}User",
                  {"guid": user, "name": _clean(user_name)})
    _codes(ET.SubElement(root, f"{{{ns}}}CodeBook"), ns, ctx.codebook)
    sources = ET.SubElement(root, f"{{{ns}}}Sources")
    members: dict[str, str] = {}
    counts = {"sources": 0, "selections": 0, "codings": 0}
    for account in accounts:
        guid = _source_guid(account)
        member = f"{guid}.txt"
        if member in members.values():
            raise InputError(Problem(account.name, "the same account (name and text) is given "
                                     "twice; give it once"))
        members[account.name] = member
        source = ET.SubElement(sources, f"{{{ns}}}TextSource", {
            "guid": guid, "name": _clean(Path(account.name).name),
            "plainTextPath": f"internal://{member}"})
        ET.SubElement(source, f"{{{ns}}}Description").text = _clean(
            f"{len(account.passages)} passages, {len(account.suggested)} with a suggestion "
            f"by {user_name}.")
        for item in account.suggested:
            counts["codings"] += _selection(source, guid, item, user, ctx)
            counts["selections"] += 1
        counts["sources"] += 1
    return _serialise(root), members, counts


def _write_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def write_qdpx(accounts: Sequence[Account], out: str | Path, ctx: ExportContext) -> dict[str, Any]:
    """Write ``accounts`` and the model's suggestions as a REFI-QDA project (``.qdpx``).

    Returns counts in (accounts, suggested passages) and out (sources, selections,
    codings); a mismatch is a bug and raises before the file appears.
    """
    xml, members, counts = project_xml(accounts, ctx, name=Path(out).stem)
    expected = sum(len(a.suggested) for a in accounts)
    if counts["sources"] != len(accounts) or counts["selections"] != expected:
        raise RuntimeError(f"export lost something: {counts} for {len(accounts)} accounts "
                           f"and {expected} suggested passages")
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        _write_member(archive, "project.qde", xml)
        for account in accounts:
            _write_member(archive, f"sources/{members[account.name]}",
                          account.text.encode("utf-8"))
    return {"path": str(out), "accounts": len(accounts), "suggested": expected, **counts}


def write_qdc(codebook: Codebook, out: str | Path) -> dict[str, Any]:
    """Write ``codebook`` alone as a REFI-QDA codebook exchange file (``.qdc``)."""
    if Path(out).suffix.lower() != ".qdc":
        raise InputError(Problem(str(out), f"a codebook exchange file ends in .qdc; name it "
                                 f"{Path(out).stem}.qdc"))
    with atomic_path(out) as tmp:
        tmp.write_bytes(codebook_xml(codebook))
    return {"path": str(out), "codes": len(codebook.labels)}
