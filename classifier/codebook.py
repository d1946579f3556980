"""The codebook: which labels exist and what they mean, read from YAML, TOML or JSON.

Nothing else in the package knows the label names; everything asks a :class:`Codebook`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import CodebookError, Problem
from .formats.records import json_value

__all__ = ["DEFAULT_CODEBOOK", "PALETTE", "Codebook", "Label", "hex_colours",
           "load_codebook"]

DEFAULT_CODEBOOK = Path(__file__).resolve().parent.parent / "data" / "codebook.yaml"
LABEL_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# Okabe and Ito's colour-blind-safe palette (black left out: it hides text it marks).
PALETTE = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#999999")
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
REQUIRED = ("id", "name", "definition")
LISTS = ("apply_when", "do_not_apply_when", "indicative_terms", "examples")


@dataclass(frozen=True)
class Label:
    """One code of the codebook."""

    id: str
    name: str
    definition: str
    apply_when: tuple[str, ...] = ()
    do_not_apply_when: tuple[str, ...] = ()
    indicative_terms: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    colour: str = "#888888"


@dataclass(frozen=True)
class Codebook:
    """An ordered set of labels; the order is the column order of every score table."""

    name: str
    labels: tuple[Label, ...]
    version: str = "1"
    description: str = ""
    source: str = field(default="", compare=False)

    @property
    def ids(self) -> list[str]:
        return [label.id for label in self.labels]

    def __getitem__(self, label_id: str) -> Label:
        for label in self.labels:
            if label.id == label_id:
                return label
        raise KeyError(label_id)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("source")
        return data

    def unknown(self, labels: list[str]) -> list[str]:
        """The members of ``labels`` that are not in this codebook."""
        known = set(self.ids)
        return [label for label in labels if label not in known]


def hex_colours(codebook: Codebook) -> dict[str, str]:
    """Each label's colour as ``#rrggbb``, for formats that take nothing else (HTML, QDPX).

    A colour that is not written in hex (``red``, ``rgb(...)``) is replaced by the
    label's colour of :data:`PALETTE`, so nothing but a hex colour reaches a file.
    """
    out = {}
    for index, label in enumerate(codebook.labels):
        colour = label.colour if HEX_COLOUR.fullmatch(label.colour) \
            else PALETTE[index % len(PALETTE)]
        if len(colour) == 4:
            colour = "#" + "".join(c * 2 for c in colour[1:])
        out[label.id] = colour.lower()
    return out


def _parse(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CodebookError(Problem(str(path), "no such codebook file; check the path")) from None
    except UnicodeDecodeError as exc:
        raise CodebookError(Problem(str(path), f"is not valid UTF-8 (byte {exc.start})")) from None
    except OSError as exc:
        raise CodebookError(Problem(str(path), f"cannot be read ({exc.strerror})")) from None
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            return yaml.safe_load(text)
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix == ".json":
            return json_value(text)
    except RecursionError:
        raise CodebookError(Problem(str(path), "cannot be parsed: nested too deeply")) from None
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError) as exc:
        message = " ".join(str(exc).split())
        raise CodebookError(Problem(str(path), f"cannot be parsed: {message}")) from None
    raise CodebookError(Problem(str(path), f"unsupported codebook type '{suffix}'; "
                                "use .yaml, .toml or .json"))


def _label(entry: Any, index: int, file: str, problems: list[Problem]) -> Label | None:
    where = f"labels[{index}]"
    if not isinstance(entry, dict):
        problems.append(Problem(file, "each label must be a mapping", field=where))
        return None
    for key in REQUIRED:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(file, "missing or empty; every label needs one",
                                    field=f"{where}.{key}"))
    for key in LISTS:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(file, "must be a list of strings", field=f"{where}.{key}"))
    if "colour" in entry and not isinstance(entry["colour"], str | None):
        problems.append(Problem(file, "must be a colour, such as #e69f00 or red",
                                field=f"{where}.colour"))
    label_id = entry.get("id")
    if isinstance(label_id, str) and not LABEL_ID.fullmatch(label_id):
        problems.append(Problem(file, f"{label_id!r} is not a valid id; use lower-case letters, "
                                "digits and underscores", field=f"{where}.id"))
    if problems:
        return None
    colour = entry.get("colour") or PALETTE[index % len(PALETTE)]
    return Label(id=entry["id"], name=entry["name"].strip(), definition=entry["definition"].strip(),
                 colour=str(colour), **{key: tuple(entry.get(key, [])) for key in LISTS})


def codebook_from_dict(data: Any, file: str = "<codebook>") -> Codebook:
    """Build and validate a :class:`Codebook` from parsed YAML/TOML/JSON data."""
    if not isinstance(data, dict) or not isinstance(data.get("labels"), list):
        raise CodebookError(Problem(file, "expected a mapping with a 'labels' list",
                                    field="labels"))
    problems: list[Problem] = []
    labels: list[Label] = []
    for index, entry in enumerate(data["labels"]):
        found: list[Problem] = []
        label = _label(entry, index, file, found)
        problems.extend(found)
        if label is not None:
            labels.append(label)
    seen: set[str] = set()
    for label in labels:
        if label.id in seen:
            problems.append(Problem(file, f"label '{label.id}' is defined twice", field="labels"))
        seen.add(label.id)
    if not data["labels"]:
        problems.append(Problem(file, "the codebook has no labels", field="labels"))
    # A list here would be printed whole, and YAML aliases can make a small file a huge list.
    problems += [Problem(file, "must be text or a number", field=key)
                 for key in ("name", "version", "description")
                 if isinstance(data.get(key), list | dict)]
    if problems:
        raise CodebookError(problems)
    return Codebook(name=str(data.get("name", Path(file).stem)), labels=tuple(labels),
                    version=str(data.get("version", "1")),
                    description=str(data.get("description", "")).strip(), source=file)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read a codebook from ``path`` (YAML, TOML or JSON); the shipped one by default.

    Examples
    --------
    >>> codebook = load_codebook()
    >>> codebook.ids
    ['infighting', 'brutality', 'corruption', 'quality_of_life']
    """
    path = Path(path) if path is not None else DEFAULT_CODEBOOK
    return codebook_from_dict(_parse(path), str(path))
