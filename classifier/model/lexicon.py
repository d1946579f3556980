"""The codebook's indicative terms as features: how many of each label's terms a text uses.

A team brings its codebook; its ``indicative_terms`` say, in the team's words, what each
narrative is about. :class:`CodebookLexicon` counts each label's terms in a lemmatised
text (one column per label, ``log(1 + hits)``), so the linear model can lean on the
codebook where the corpus is thin: a writer's words the corpus never used still count
if the codebook names them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

__all__ = ["CodebookLexicon", "codebook_terms"]


def codebook_terms(codebook: Any, lemmatizer: Any) -> tuple[tuple[str, ...], ...]:
    """Each label's indicative terms, lemmatised by ``lemmatizer`` (fitted) as texts are."""
    return tuple(tuple(sorted({t for t in lemmatizer.transform(list(label.indicative_terms))
                               if t}))
                 for label in codebook.labels)


class CodebookLexicon(TransformerMixin, BaseEstimator):
    """One column per label: ``weight * log(1 + n)``, ``n`` the label's terms in the text.

    Works on lemmatised text (space-separated lemmas); a term of several words matches as
    a whole phrase. Stateless: ``fit`` only compiles the patterns.

    Parameters
    ----------
    terms : tuple of tuple of str
        One tuple of lemmatised terms per label.
    names : tuple of str
        The labels, for the feature names.
    weight : float, default=1.0
        Scale of the columns beside the TF-IDF blocks (whose rows have unit length).

    Examples
    --------
    >>> lexicon = CodebookLexicon(terms=(("kill", "behead"), ("steal",)), names=("b", "c"))
    >>> lexicon.fit_transform(["they kill and kill", "no"]).toarray().round(2).tolist()
    [[1.1, 0.0], [0.0, 0.0]]
    """

    def __init__(self, *, terms: tuple[tuple[str, ...], ...] = (),
                 names: tuple[str, ...] = (), weight: float = 1.0):
        self.terms = terms
        self.names = names
        self.weight = weight

    def fit(self, X: Iterable[str], y: Any = None) -> CodebookLexicon:
        if len(self.terms) != len(self.names):
            raise ValueError(f"CodebookLexicon needs one list of terms per name: "
                             f"{len(self.terms)} lists for {len(self.names)} names")
        # The patterns say, as regular expressions, what ``matches`` finds.
        self.patterns_ = [r"(?<!\S)(?:" + "|".join(re.escape(t) for t in ts) + r")(?!\S)"
                          if ts else "" for ts in self.terms]
        self.__dict__.pop("_by_first_word", None)
        self.n_features_out_ = len(self.names)
        return self

    def _starts(self) -> dict[str, list[tuple[int, list[str], str]]]:
        """First word of a term → (label, the term's words, the term), in pattern order.

        Matching walks the words once and looks each up here, which finds what each
        label's pattern finds (leftmost, first alternative, no overlap within a label)
        several times faster than running one pattern per label over every text.
        """
        starts = self.__dict__.get("_by_first_word")
        if starts is None:
            starts = {}
            for label, terms in enumerate(self.terms):
                for term in terms:
                    words = term.split(" ")
                    starts.setdefault(words[0], []).append((label, words, term))
            self.__dict__["_by_first_word"] = starts
        return starts

    def matches(self, text: str) -> list[list[str]]:
        """Each label's terms found in one lemmatised text, once per occurrence."""
        found: list[list[str]] = [[] for _ in self.patterns_]
        starts = self._starts()
        words = text.split()
        free = [0] * len(found)  # where each label's next match may begin
        for i, word in enumerate(words):
            for label, term_words, term in starts.get(word, ()):
                if i >= free[label] and words[i:i + len(term_words)] == term_words:
                    found[label].append(term)
                    free[label] = i + len(term_words)
        return found

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        hits = np.array([[len(terms) for terms in self.matches(text)] for text in X],
                        dtype=float)
        return sp.csr_matrix(self.weight * np.log1p(hits.reshape(-1, len(self.patterns_))))

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_by_first_word", None)
        return state

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        return np.asarray(list(self.names), dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags
