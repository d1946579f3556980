"""narratives: suggest which narratives an excerpt of defector testimony expresses."""

from .artifact import export_model, load_model, save_model
from .batch import ScoreOptions, score_archive
from .codebook import Codebook, Label, load_codebook
from .corpus import label_matrix, load_cases, load_corpus
from .errors import CodebookError, CorpusError, InputError, ModelError, NarrativesError
from .explain import Contribution, Explanation, explain
from .model import NarrativeClassifier, build_pipeline
from .next import rank_next, read_pool
from .pretag import TaggedPassage, pretag_files, pretag_text
from .score import score_file
from .study import make_findings
from .suggest import NarrativeModel, Suggestion
from .text import Passage, SpacyLemmatizer, split_passages, split_sentences
from .train import train

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
    "ScoreOptions",
    "SpacyLemmatizer",
    "Suggestion",
    "TaggedPassage",
    "build_pipeline",
    "explain",
    "export_model",
    "label_matrix",
    "load_cases",
    "load_codebook",
    "load_corpus",
    "load_model",
    "make_findings",
    "pretag_files",
    "pretag_text",
    "rank_next",
    "read_pool",
    "save_model",
    "score_archive",
    "score_file",
    "split_passages",
    "split_sentences",
    "train",
]
