"""Saving and loading the model: a joblib or skops file plus its JSON model card.

:func:`load_model` reads the card first, checks its format version and that the model
file's SHA-256 matches the one the card records for that format, and only then loads:
a skops file with only trusted types, a joblib file (which runs code when it is
unpickled) only from the project's ``models/`` folder or when trusted (see
:mod:`classifier.exchange`). :func:`export_model` writes a model as skops, to share.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
from sklearn.pipeline import Pipeline

from ..corpus import file_sha256
from ..errors import InputError, ModelError, Problem
from ..formats.files import atomic_path
from .defaults import DEFAULT_MODEL
from .exchange import (
    FLAT_LAYOUT_HINT,
    check_pickle_allowed,
    read_skops,
    saved_by_flat_layout,
    vouch_for,
    write_skops,
)
from .pipeline import NarrativeClassifier
from .suggest import NarrativeModel

__all__ = ["DEFAULT_MODEL", "FORMAT_VERSION", "SHA_FIELDS", "card_path", "export_model",
           "load_model", "model_format", "save_model"]

FORMAT_VERSION = 1
# The card field holding each format's SHA-256; a card exported beside a skops file keeps
# the joblib's too, so one card can describe both files of the same model.
SHA_FIELDS = {"joblib": "artifact_sha256", "skops": "skops_sha256"}
EXPORT_FORMATS = ("skops",)


def card_path(model_path: str | Path) -> Path:
    """The model card that goes with a model file: same name, ``.json``."""
    return Path(model_path).with_suffix(".json")


def model_format(model_path: str | Path) -> str:
    """``"skops"`` for a ``.skops`` file, ``"joblib"`` for any other."""
    return "skops" if Path(model_path).suffix.lower() == ".skops" else "joblib"


def _write_card(card: dict[str, Any], model_path: Path) -> None:
    text = json.dumps(card, indent=2, ensure_ascii=False) + "\n"
    with atomic_path(card_path(model_path)) as tmp:
        tmp.write_text(text, encoding="utf-8")


def save_model(pipeline: Pipeline, card: dict[str, Any], path: str | Path) -> dict[str, Any]:
    """Write ``pipeline`` to ``path`` and the card beside it; return the card as written.

    The card gains ``format_version`` and ``artifact_sha256``. Each file appears whole or
    not at all.
    """
    path = Path(path)
    card = {"format_version": FORMAT_VERSION, **card}

    with atomic_path(path) as tmp:
        joblib.dump(pipeline, tmp, compress=3)
        card["artifact_sha256"] = file_sha256(tmp)
    vouch_for(card["artifact_sha256"])  # this process wrote these bytes itself
    _write_card(card, path)
    return card


def read_card(path: str | Path) -> dict[str, Any]:
    """Read and check a model card without touching the model file."""
    card_file = card_path(path)
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{card_file}: model card not found; a model file is only loaded "
                         "with the card written beside it by 'narratives train'") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_file}: model card is not valid JSON ({exc})") from None
    if not isinstance(card, dict):
        raise ModelError(f"{card_file}: model card must be a JSON object")
    version = card.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(f"{card_file}: format_version {version!r} is not supported by this "
                         f"version of narratives (expects {FORMAT_VERSION}); retrain the model")
    for key in ("labels", "thresholds"):
        if key not in card:
            raise ModelError(f"{card_file}: field '{key}' is missing from the model card")
    if SHA_FIELDS[model_format(path)] not in card:
        raise ModelError(f"{card_file}: field '{SHA_FIELDS[model_format(path)]}' is missing "
                         f"from the model card, so it does not describe {Path(path).name}; "
                         "export the model again with its card")
    return card


def _check_pipeline(pipeline: Any, card: dict[str, Any], path: Path) -> None:
    if not isinstance(pipeline, Pipeline) or not isinstance(pipeline[-1], NarrativeClassifier):
        raise ModelError(f"{path}: does not hold a narratives pipeline")
    if pipeline[-1].n_labels_ != len(card["labels"]):
        raise ModelError(f"{path}: the model has {pipeline[-1].n_labels_} labels but its card "
                         f"lists {len(card['labels'])}")


def _unpickle(path: Path, sha256: str, trust_pickle: bool) -> Any:
    if trust_pickle:
        vouch_for(sha256)
    check_pickle_allowed(path, sha256)
    try:
        return joblib.load(path)
    except Exception as exc:  # a truncated or foreign file fails in many ways
        if saved_by_flat_layout(str(exc)):
            raise ModelError(f"{path}: cannot be loaded: {FLAT_LAYOUT_HINT}") from None
        raise ModelError(f"{path}: cannot be loaded ({type(exc).__name__}: {exc})") from None


def load_model(path: str | Path | None = None, *, trust_pickle: bool = False) -> NarrativeModel:
    """Load a model after checking it against its card; the shipped model by default.

    A ``.skops`` file is loaded with only trusted types. Any other file is joblib, which
    runs code when it is loaded: it is loaded from the project's ``models/`` folder, or,
    elsewhere, with ``trust_pickle=True``, which also trusts those bytes for the rest of
    this process and the worker processes it starts.

    Examples
    --------
    >>> model = load_model()
    >>> model.labels
    ['infighting', 'brutality', 'corruption', 'quality_of_life']
    """
    path = Path(path) if path is not None else DEFAULT_MODEL
    if not path.is_file():
        raise ModelError(f"{path}: model file not found; train one with 'narratives train' "
                         "or pass --model")
    card = read_card(path)
    kind = model_format(path)
    actual, expected = file_sha256(path), str(card[SHA_FIELDS[kind]])
    if actual != expected:
        raise ModelError(f"{path}: SHA-256 {actual[:12]}… does not match its card "
                         f"({expected[:12]}…); the file was changed or replaced, so it is "
                         "not loaded")
    pipeline = read_skops(path) if kind == "skops" else _unpickle(path, actual, trust_pickle)
    _check_pipeline(pipeline, card, path)
    return NarrativeModel(pipeline, card, path)


def _check_card_target(card: dict[str, Any], source: Path, out: Path) -> None:
    """Refuse to replace the card of another model beside ``out``."""
    target = card_path(out)
    if not target.exists() or target.resolve() == card_path(source).resolve():
        return
    try:
        existing = json.loads(target.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        existing = None
    if not isinstance(existing, dict) or existing.get("artifact_sha256") != \
            card.get("artifact_sha256"):
        raise InputError(Problem(str(target), "is the card of another model and would be "
                                 "replaced; choose another --out"))


def export_model(model_path: str | Path | None = None, out: str | Path | None = None, *,
                 format: str = "skops", trust_pickle: bool = False) -> dict[str, Any]:
    """Write a model as a skops file, safe to share, with its card beside it.

    ``out`` defaults to the model's path with ``.skops``; beside the model, the card is
    shared and gains ``skops_sha256``; elsewhere a copy of the card goes with it. Returns
    the card as written, with ``file`` the skops path. The shipped model takes some
    seconds to export, and a skops file loads in seconds where joblib takes a fraction of
    one: the price of building every object from data.
    """
    if format not in EXPORT_FORMATS:
        raise InputError(Problem("--format", f"'{format}' is not an export format; use "
                                 f"{', '.join(EXPORT_FORMATS)}"))
    model = load_model(model_path, trust_pickle=trust_pickle)
    source = Path(model.path or DEFAULT_MODEL)
    out = Path(out) if out is not None else source.with_suffix(".skops")
    if out.suffix.lower() != ".skops":
        raise InputError(Problem(str(out), "a skops model file must end in .skops"))
    if out.resolve() == source.resolve():
        raise InputError(Problem(str(out), "is the model being exported; choose another --out"))
    _check_card_target(model.card, source, out)
    card = {**model.card, SHA_FIELDS["skops"]: write_skops(model.pipeline, out)}
    _write_card(card, out)
    return {**card, "file": str(out)}
