"""REFI-QDA exchange: pre-tagged accounts as a ``.qdpx`` project, the codebook as ``.qdc``.

A ``.qdpx`` file is a zip holding ``project.qde`` (QDA-XML, namespace
``urn:QDA-XML:project:1.0``) and the accounts under ``sources/`` as UTF-8 text. NVivo,
ATLAS.ti, MAXQDA and QualCoder import it. The model is a ``User`` of its own, so its
codings can be reviewed, and removed, apart from a coder's own; the coder who will review
them is listed first, since QDA tools take the first user as the current coder. Every
source, selection and coding says who created it and when (``creatingUser``,
``creationDateTime``). Positions count Unicode code points of the text shipped in
``sources/`` (Python string indices), as the standard does.

Every GUID is a UUID5 of what it names (the codebook and label, a user's name, the
source's name and text, a selection's offsets), and the zip's dates are fixed, so
exporting the same accounts at the same time gives the same bytes. Codings by several
people go through :func:`~classifier.pretag.qdpx_codings.write_codings_qdpx`.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from ..codebook import Codebook
from ..errors import InputError, Problem
from ..formats.files import atomic_path
from .passages import Account, ExportContext, TaggedPassage, reasons_text
from .qdpx_codings import (
    MODEL_USER_PREFIX,
    PROJECT_NS,
    QdaCoding,
    code_guid,
    codes_xml,
    project_xml,
    serialise,
    user_guid,
    write_project,
)

__all__ = [
    "CODEBOOK_NS",
    "MODEL_USER_PREFIX",
    "PROJECT_NS",
    "code_guid",
    "codebook_xml",
    "login_name",
    "model_user",
    "pretag_codings",
    "suggestion_time",
    "write_qdc",
    "write_qdpx",
]

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
FALLBACK_CODER = "coder"


def model_user(version: str) -> tuple[str, str]:
    """The GUID and name of the ``User`` whose codings are the model's suggestions."""
    name = f"{MODEL_USER_PREFIX} {version}"
    return user_guid(name), name


def login_name() -> str:
    """The name of the person logged in, or ``coder`` where the system cannot tell."""
    try:
        name = getpass.getuser().strip()
    except (OSError, KeyError, ImportError):  # no login name, no passwd entry, no pwd
        name = ""
    return name or FALLBACK_CODER


def suggestion_time() -> datetime:
    """Now in UTC, or ``SOURCE_DATE_EPOCH`` when set, so a build can fix the time."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if fixed:
        try:
            return datetime.fromtimestamp(int(fixed), UTC)
        except (ValueError, OverflowError, OSError):
            raise InputError(Problem("SOURCE_DATE_EPOCH", f"'{fixed}' is not a count of "
                                     "seconds since 1970; unset it or give one")) from None
    return datetime.now(UTC).replace(microsecond=0)


def codebook_xml(codebook: Codebook) -> bytes:
    """The codebook as a REFI-QDA ``.qdc`` document (namespace ``urn:QDA-XML:codebook:1.0``)."""
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": "narratives"})
    codes_xml(root, CODEBOOK_NS, codebook)
    return serialise(root)


def _suggestion(account: Account, item: TaggedPassage, ctx: ExportContext,
                time: datetime) -> QdaCoding:
    p, s = item.passage, item.suggestion
    name = ", ".join(f"{label} {s.scores[label]:.2f}" for label in s.labels)
    why = [f"{label} {s.scores[label]:.2f} (threshold {ctx.thresholds[label]:.2f}), "
           f"{reasons_text(s, label)}" for label in s.labels]
    scores = ", ".join(f"{label} {score:.2f}" for label, score in s.scores.items())
    note = (f"Suggested by {MODEL_USER_PREFIX} {ctx.model_version}: " + "; ".join(why)
            + f". All scores: {scores}.")
    return QdaCoding(model_user(ctx.model_version)[1], account.name, p.start, p.end,
                     s.labels, time, note=note, name=f"passage {p.index + 1}: {name}")


def pretag_codings(accounts: Sequence[Account], ctx: ExportContext,
                   time: datetime) -> list[QdaCoding]:
    """The model's suggestions on ``accounts`` as codings by its user, made at ``time``."""
    return [_suggestion(a, item, ctx, time) for a in accounts for item in a.suggested]


def write_qdpx(accounts: Sequence[Account], out: str | Path, ctx: ExportContext, *,
               coder: str | None = None, created: datetime | None = None) -> dict[str, Any]:
    """Write ``accounts`` and the model's suggestions as a REFI-QDA project (``.qdpx``).

    ``coder`` (default: the login name) is the first ``User``, the person who reviews
    the suggestions; the model is the second, and its suggestions are its codings, made
    at ``created`` (default: now, see :func:`suggestion_time`). Returns counts in
    (accounts, suggested passages) and out (sources, selections, codings); a mismatch is
    a bug and raises before the file appears.
    """
    coder = (coder if coder is not None else login_name()).strip()
    _, model = model_user(ctx.model_version)
    if not coder or coder.startswith(MODEL_USER_PREFIX):
        raise InputError(Problem(str(out), f"the coder's name '{coder}' is empty or taken by "
                                 f"the model's user; give a person's name", field="coder"))
    created = created or suggestion_time()
    sources = {a.name: a.text for a in accounts}
    if len(sources) != len(accounts):
        raise InputError(Problem(str(out), "an account is given twice; give each once"))
    descriptions = {a.name: f"{len(a.passages)} passages, {len(a.suggested)} with a "
                            f"suggestion by {model}." for a in accounts}
    xml, members, counts = project_xml(sources, pretag_codings(accounts, ctx, created),
                                       ctx.codebook, users=[coder, model], created=created,
                                       name=Path(out).stem, descriptions=descriptions)
    expected = sum(len(a.suggested) for a in accounts)
    if counts["sources"] != len(accounts) or counts["selections"] != expected:
        raise RuntimeError(f"export lost something: {counts} for {len(accounts)} accounts "
                           f"and {expected} suggested passages")
    write_project(xml, members, sources, out)
    return {"path": str(out), "accounts": len(accounts), "suggested": expected,
            **{k: counts[k] for k in ("sources", "selections", "codings", "users")}}


def write_qdc(codebook: Codebook, out: str | Path) -> dict[str, Any]:
    """Write ``codebook`` alone as a REFI-QDA codebook exchange file (``.qdc``)."""
    if Path(out).suffix.lower() != ".qdc":
        raise InputError(Problem(str(out), f"a codebook exchange file ends in .qdc; name it "
                                 f"{Path(out).stem}.qdc"))
    with atomic_path(out) as tmp:
        tmp.write_bytes(codebook_xml(codebook))
    return {"path": str(out), "codes": len(codebook.labels)}
