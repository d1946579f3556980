"""Character n-gram counts that remember each word's n-grams.

``CharNgramCounts`` is scikit-learn's ``CountVectorizer(analyzer="char_wb")`` with a faster
``transform``: ``char_wb`` n-grams never cross a word boundary, so each word's n-gram
columns are looked up once and reused, instead of once per occurrence. The counts are
identical to the parent's (a test checks it); fitting is the parent's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils.validation import check_is_fitted

__all__ = ["CharNgramCounts"]

SEPARATOR = "\x1e"  # between the saved training words; a word holding it is not saved
MAX_CACHED = 500_000  # remembered words; bounds memory on endless archives


class CharNgramCounts(CountVectorizer):
    """``CountVectorizer(analyzer="char_wb")`` whose ``transform`` caches n-grams per word.

    Takes the same parameters as ``CountVectorizer``; ``analyzer`` is always ``"char_wb"``.
    ``skip_words`` (e.g. pronouns and other function words) give no n-grams at all: their
    spelling says more about a writer than about a narrative.
    The training words' columns are kept (``column_words_``, ``column_indptr_``,
    ``column_indices_``), so a new process scores everyday words without analysing them.

    Examples
    --------
    >>> counts = CharNgramCounts(ngram_range=(3, 3)).fit(["emir emir", "amir"])
    >>> counts.transform(["emir"]).sum()
    np.int64(4)
    """

    def __init__(self, *, ngram_range: tuple[int, int] = (3, 5), lowercase: bool = False,
                 min_df: float | int = 1, max_df: float | int = 1.0,
                 max_features: int | None = None, dtype: Any = np.int64,
                 skip_words: tuple[str, ...] = ()):
        self.skip_words = skip_words
        super().__init__(analyzer="char_wb", ngram_range=ngram_range, lowercase=lowercase,
                         min_df=min_df, max_df=max_df, max_features=max_features, dtype=dtype)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = {key: getattr(self, key) for key in
                  ("ngram_range", "lowercase", "min_df", "max_df", "max_features", "dtype")}
        return {**params, "skip_words": getattr(self, "skip_words", ())}  # older models lack it

    def fit_transform(self, raw_documents: Iterable[str], y: Any = None) -> sp.csr_matrix:
        documents = raw_documents if isinstance(raw_documents, list) else list(raw_documents)
        skip = frozenset(getattr(self, "skip_words", ()))
        counted = [" ".join(w for w in doc.split() if w not in skip) for doc in documents] \
            if skip else documents
        counts = super().fit_transform(counted, y)
        self.__dict__.pop("_cache", None)
        self.__dict__.pop("_analyze", None)
        # The training words' columns are kept with the model, so a new process scores
        # everyday words without analysing them again.
        # As a string and two arrays rather than a dict: small in any model format.
        words = dict.fromkeys(w for doc in documents
                              for w in (doc.lower() if self.lowercase else doc).split())
        kept = [w for w in words if SEPARATOR not in w]
        columns = [self._columns(w) for w in kept]
        self.column_words_ = SEPARATOR.join(kept)
        self.column_indptr_ = np.cumsum([0, *map(len, columns)], dtype=np.int64)
        self.column_indices_ = np.fromiter(chain.from_iterable(columns), dtype=np.int64)
        return counts

    def _saved_columns(self) -> dict[str, list[int]]:
        words = getattr(self, "column_words_", "")
        if not words:
            return {}
        indices, bounds = self.column_indices_.tolist(), self.column_indptr_.tolist()
        return {w: indices[bounds[i]:bounds[i + 1]] for i, w in enumerate(words.split(SEPARATOR))}

    def _columns(self, word: str) -> list[int]:
        cache: dict[str, list[int]] | None = self.__dict__.get("_cache")
        if cache is None:
            cache = self.__dict__["_cache"] = self._saved_columns()
        found = cache.get(word)
        if found is None and word in getattr(self, "skip_words", ()):
            found = cache[word] = []
        if found is None:
            analyze = self.__dict__.get("_analyze") or self.__dict__.setdefault(
                "_analyze", self.build_analyzer())
            vocabulary = self.vocabulary_
            found = [vocabulary[g] for g in analyze(word) if g in vocabulary]
            if len(cache) >= MAX_CACHED:
                cache.clear()
            cache[word] = found
        return found

    def transform(self, raw_documents: Iterable[str]) -> sp.csr_matrix:
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        check_is_fitted(self, "vocabulary_")
        columns = self._columns
        indices: list[int] = []
        indptr = [0]
        for doc in raw_documents:
            text = doc.lower() if self.lowercase else doc
            for word in text.split():
                indices.extend(columns(word))
            indptr.append(len(indices))
        matrix = sp.csr_matrix((np.ones(len(indices), dtype=self.dtype),
                                np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
                               shape=(len(indptr) - 1, len(self.vocabulary_)))
        matrix.sum_duplicates()
        matrix.sort_indices()
        return matrix

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_cache", None)
        state.pop("_analyze", None)
        return state
