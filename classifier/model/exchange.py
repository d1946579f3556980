"""Model files that are safe to receive: the skops format, and when a joblib file may load.

A joblib file is a pickle: loading it runs whatever code it names, and the SHA-256 in its
card only proves that the model file and the card belong together, not who wrote them.
A skops file stores the same fitted pipeline as data; loading it builds only the types it
is told to trust (:data:`TRUSTED_TYPES`, this project's estimators, besides the
scikit-learn, NumPy and SciPy types skops trusts itself) and refuses a file that holds
any other, naming them.

A joblib file is loaded only from the project's ``models/`` folder, or once the user has
vouched for it (``--trust-pickle``). A model this process wrote, or was told to trust,
is remembered by its SHA-256 in the environment, so the worker processes it starts load
the same bytes without asking again, and a changed file is not trusted.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

from ..corpus import file_sha256
from ..errors import ModelError
from ..formats.files import atomic_path
from .defaults import MODELS_DIR

__all__ = [
    "FLAT_LAYOUT_HINT",
    "MODELS_DIR",
    "TRUSTED_TYPES",
    "TRUST_ENV",
    "check_pickle_allowed",
    "read_skops",
    "saved_by_flat_layout",
    "trust_pickle_file",
    "vouch_for",
    "write_skops",
]

TRUST_ENV = "NARRATIVES_TRUSTED_PICKLES"
# Every type of a narratives pipeline that skops does not already trust; a file that
# needs any other type is refused, so this list is the whole of what a received model
# may construct beyond scikit-learn, NumPy and SciPy.
TRUSTED_TYPES = (
    "classifier.model.features.CharNgramCounts",
    "classifier.model.lexicon.CodebookLexicon",
    "classifier.model.pipeline.NarrativeClassifier",
    "classifier.model.text.SpacyLemmatizer",
)
# Where these types lived before the package was arranged by job: a model file saved then
# names them so, and no longer loads.
FLAT_LAYOUT_TYPES = (
    "classifier.features.CharNgramCounts",
    "classifier.lexicon.CodebookLexicon",
    "classifier.model.NarrativeClassifier",
    "classifier.text.SpacyLemmatizer",
)
FLAT_LAYOUT_HINT = ("it was saved by an older narratives, whose modules have since moved; "
                    "retrain it with narratives train on the same corpus and --seed (the "
                    "metrics come out the same) and export it again")


def saved_by_flat_layout(message: str) -> bool:
    """Whether a loading error names a module or type of the older, flat layout.

    >>> saved_by_flat_layout("No module named 'classifier.text'")
    True
    >>> saved_by_flat_layout("Can't get attribute 'NarrativeClassifier' on <module 'x'>")
    True
    >>> saved_by_flat_layout("unexpected end of data")
    False
    """
    old = {name.rsplit(".", 1)[0] for name in FLAT_LAYOUT_TYPES} - {"classifier.model"}
    return any(f"'{module}'" in message for module in old) or \
        "Can't get attribute 'NarrativeClassifier'" in message or \
        any(name in message for name in FLAT_LAYOUT_TYPES)


def _trusted() -> set[str]:
    return set(os.environ.get(TRUST_ENV, "").split())


def vouch_for(sha256: str) -> None:
    """Trust the joblib file with these bytes, in this process and the ones it starts."""
    os.environ[TRUST_ENV] = " ".join(sorted(_trusted() | {sha256}))


def trust_pickle_file(path: str | Path) -> None:
    """Vouch for the joblib file at ``path`` as it is now (``--trust-pickle``).

    A missing file is left for the loader to report.
    """
    if Path(path).is_file():
        vouch_for(file_sha256(path))


def check_pickle_allowed(path: str | Path, sha256: str) -> None:
    """Refuse a joblib file outside ``models/`` that nobody vouched for, before unpickling."""
    if Path(path).resolve().is_relative_to(MODELS_DIR.resolve()) or sha256 in _trusted():
        return
    raise ModelError(f"{path}: a joblib model file runs code when it is loaded, and this one "
                     f"is outside the project's models/ folder ({MODELS_DIR}), so it is not "
                     "loaded; ask for the model as a .skops file ('narratives model export "
                     "--format skops'), or pass --trust-pickle if you trust who made it")


def write_skops(pipeline: Any, path: str | Path) -> str:
    """Write ``pipeline`` as a skops file, whole or not at all; return its SHA-256.

    A pipeline holding a type outside :data:`TRUSTED_TYPES` is refused here, so a file
    that its receiver would refuse is never written.
    """
    import skops.io as sio

    with atomic_path(path) as tmp:
        sio.dump(pipeline, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        foreign = sorted(set(sio.get_untrusted_types(file=tmp)) - set(TRUSTED_TYPES))
        if foreign:
            raise ModelError(f"{path}: the model holds types a receiver would not trust "
                             f"({', '.join(foreign)}); it cannot be exported as skops")
        return file_sha256(tmp)


def read_skops(path: str | Path) -> Any:
    """Load a skops file, building nothing but trusted types.

    Raises :class:`~classifier.errors.ModelError` naming every untrusted type the file
    holds, or saying why it is not a skops file.
    """
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        return sio.load(path, trusted=list(TRUSTED_TYPES))
    except UntrustedTypesFoundException:
        foreign = sorted(set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES))
        if foreign and set(foreign) <= set(FLAT_LAYOUT_TYPES):
            raise ModelError(f"{path}: cannot be loaded: {FLAT_LAYOUT_HINT}") from None
        raise ModelError(f"{path}: holds types this project does not trust, so it is not "
                         f"loaded: {', '.join(foreign)}; a narratives model holds only "
                         "scikit-learn, NumPy and SciPy types and "
                         f"{', '.join(TRUSTED_TYPES)}") from None
    except Exception as exc:  # not a zip, a broken schema, a type that no longer exists
        raise ModelError(f"{path}: cannot be loaded as a skops model file "
                         f"({type(exc).__name__}: {exc})") from None
