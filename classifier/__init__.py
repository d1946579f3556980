"""narratives: suggest which narratives an excerpt of defector testimony expresses."""

from .archive.batch import ScoreOptions, score_archive
from .archive.score import score_file
from .codebook import Codebook, Label, load_codebook
from .coding.next import rank_next, read_pool
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
