"""narratives: suggest which narratives an excerpt of defector testimony expresses."""

from .artifact import export_model, load_model, save_model
from .batch import ScoreOptions, score_archive
from .codebook import Codebook, Label, load_codebook
from .corpus import label_matrix, load_cases, load_corpus
from .errors import CodebookError, CorpusError, InputError, ModelError, NarrativesError
from .explain import Contribution, Explanation, explain
from .findings import case_profiles, cooccurrence, prevalence, timeline
from .highlight import write_html
from .model import NarrativeClassifier, build_pipeline
from .next import rank_next, read_pool
from .pretag import TaggedPassage, pretag_files, pretag_text
from .pretag_exports import export_accounts
from .qdpx import write_qdc, write_qdpx
from .qdpx_codings import QdaCoding, write_codings_qdpx
from .qdpx_import import import_qdpx
from .quantify import corrected_prevalence
from .score import score_file
from .scored import load_scores
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
