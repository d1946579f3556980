"""Saving and loading the model: a joblib file plus its JSON model card.

A joblib file runs code when it is loaded, so :func:`load_model` reads the card first,
checks its format version and that the model file's SHA-256 matches the one the card
records, and only then unpickles. A file that does not match is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
from sklearn.pipeline import Pipeline

from .corpus import file_sha256
from .errors import ModelError
from .files import atomic_path
from .model import NarrativeClassifier
from .suggest import NarrativeModel

__all__ = ["DEFAULT_MODEL", "FORMAT_VERSION", "card_path", "load_model", "save_model"]

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "narratives.joblib"
FORMAT_VERSION = 1


def card_path(model_path: str | Path) -> Path:
    """The model card that goes with a model file: same name, ``.json``."""
    return Path(model_path).with_suffix(".json")


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
    text = json.dumps(card, indent=2, ensure_ascii=False) + "\n"
    with atomic_path(card_path(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")
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
    for key in ("labels", "thresholds", "artifact_sha256"):
        if key not in card:
            raise ModelError(f"{card_file}: field '{key}' is missing from the model card")
    return card


def _check_pipeline(pipeline: Any, card: dict[str, Any], path: Path) -> None:
    if not isinstance(pipeline, Pipeline) or not isinstance(pipeline[-1], NarrativeClassifier):
        raise ModelError(f"{path}: does not hold a narratives pipeline")
    if pipeline[-1].n_labels_ != len(card["labels"]):
        raise ModelError(f"{path}: the model has {pipeline[-1].n_labels_} labels but its card "
                         f"lists {len(card['labels'])}")


def load_model(path: str | Path | None = None) -> NarrativeModel:
    """Load a model after checking it against its card; the shipped model by default.

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
    actual = file_sha256(path)
    if actual != card["artifact_sha256"]:
        raise ModelError(f"{path}: SHA-256 {actual[:12]}… does not match its card "
                         f"({str(card['artifact_sha256'])[:12]}…); the file was changed or "
                         "replaced, so it is not loaded")
    try:
        pipeline = joblib.load(path)
    except Exception as exc:  # a truncated or foreign file fails in many ways
        raise ModelError(f"{path}: cannot be loaded ({type(exc).__name__}: {exc})") from None
    _check_pipeline(pipeline, card, path)
    return NarrativeModel(pipeline, card, path)
