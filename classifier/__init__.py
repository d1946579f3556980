"""narratives: suggest which narratives an excerpt of defector testimony expresses.

The public API. Each name loads its module on first use (PEP 562), so ``import
classifier`` and the command line start without scikit-learn, spaCy or pandas; the
package's rooms are ``model``, ``pretag``, ``archive``, ``coding``, ``study``,
``evaluation`` and the shared ``formats``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .archive.batch import score_archive
    from .archive.rows import ScoreOptions
    from .archive.score import score_file
    from .codebook import Codebook, Label, load_codebook
    from .coding.next import rank_next
    from .coding.pool import read_pool
    from .coding.qdpx_import import import_qdpx
    from .corpus import label_matrix, load_cases, load_corpus
    from .errors import CodebookError, CorpusError, InputError, ModelError, NarrativesError
    from .model.artifact import export_model, load_model, save_model
    from .model.explain import Contribution, Explanation, explain
    from .model.pipeline import NarrativeClassifier, build_pipeline
    from .model.suggest import NarrativeModel, Suggestion
    from .model.text import Passage, SpacyLemmatizer, split_passages, split_sentences
    from .model.train import train
    from .pretag.exports import export_accounts
    from .pretag.highlight import write_html
    from .pretag.passages import TaggedPassage, pretag_files, pretag_text
    from .pretag.qdpx import write_qdc, write_qdpx
    from .pretag.qdpx_codings import QdaCoding, write_codings_qdpx
    from .study.build import make_findings
    from .study.findings import case_profiles, cooccurrence, prevalence, timeline
    from .study.quantify import corrected_prevalence
    from .study.scored import load_scores

# public name -> the module (under classifier) that defines it
_MODULES = {
    "Codebook": "codebook",
    "CodebookError": "errors",
    "Contribution": "model.explain",
    "CorpusError": "errors",
    "Explanation": "model.explain",
    "InputError": "errors",
    "Label": "codebook",
    "ModelError": "errors",
    "NarrativeClassifier": "model.pipeline",
    "NarrativeModel": "model.suggest",
    "NarrativesError": "errors",
    "Passage": "model.text",
    "QdaCoding": "pretag.qdpx_codings",
    "ScoreOptions": "archive.rows",
    "SpacyLemmatizer": "model.text",
    "Suggestion": "model.suggest",
    "TaggedPassage": "pretag.passages",
    "build_pipeline": "model.pipeline",
    "case_profiles": "study.findings",
    "cooccurrence": "study.findings",
    "corrected_prevalence": "study.quantify",
    "explain": "model.explain",
    "export_accounts": "pretag.exports",
    "export_model": "model.artifact",
    "import_qdpx": "coding.qdpx_import",
    "label_matrix": "corpus",
    "load_cases": "corpus",
    "load_codebook": "codebook",
    "load_corpus": "corpus",
    "load_model": "model.artifact",
    "load_scores": "study.scored",
    "make_findings": "study.build",
    "pretag_files": "pretag.passages",
    "pretag_text": "pretag.passages",
    "prevalence": "study.findings",
    "rank_next": "coding.next",
    "read_pool": "coding.pool",
    "save_model": "model.artifact",
    "score_archive": "archive.batch",
    "score_file": "archive.score",
    "split_passages": "model.text",
    "split_sentences": "model.text",
    "timeline": "study.findings",
    "train": "model.train",
    "write_html": "pretag.highlight",
    "write_qdc": "pretag.qdpx",
    "write_codings_qdpx": "pretag.qdpx_codings",
    "write_qdpx": "pretag.qdpx",
}

__all__ = [
    "Codebook",
    "CodebookError",
    "Contribution",
    "CorpusError",
    "Explanation",
    "InputError",
    "Label",
    "ModelError",
    "NarrativeClassifier",
    "NarrativeModel",
    "NarrativesError",
    "Passage",
    "QdaCoding",
    "ScoreOptions",
    "SpacyLemmatizer",
    "Suggestion",
    "TaggedPassage",
    "build_pipeline",
    "case_profiles",
    "cooccurrence",
    "corrected_prevalence",
    "explain",
    "export_accounts",
    "export_model",
    "import_qdpx",
    "label_matrix",
    "load_cases",
    "load_codebook",
    "load_corpus",
    "load_model",
    "load_scores",
    "make_findings",
    "pretag_files",
    "pretag_text",
    "prevalence",
    "rank_next",
    "read_pool",
    "save_model",
    "score_archive",
    "score_file",
    "split_passages",
    "split_sentences",
    "timeline",
    "train",
    "write_codings_qdpx",
    "write_html",
    "write_qdc",
    "write_qdpx",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
