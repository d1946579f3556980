"""The features of a fitted model, computed in bulk for scoring large archives.

:class:`FastFeatures` gives exactly what ``pipeline[:-1].transform`` gives (a test checks
it on the shipped corpus), but instead of handing every token and n-gram to Python one at
a time it remembers, per space-free piece of text, the ids of its lemmas, and per lemma
its word column and its character n-gram columns. A batch then becomes a few NumPy and
SciPy operations: a document × lemma count matrix, multiplied by a lemma × n-gram matrix
for the character features, and bigrams matched as pairs of lemma ids. TF-IDF weighting
is scikit-learn's own ``TfidfTransformer`` with the fitted IDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline

__all__ = ["FastFeatures", "supports"]

MAX_LEMMAS = 400_000  # distinct lemmas remembered before the caches start again
MAX_PIECES = 500_000


def supports(pipeline: Pipeline) -> bool:
    """Whether ``pipeline`` has the shape this fast path reproduces."""
    try:
        features = pipeline.named_steps["features"]
        parts = dict(features.transformer_list)
        words, chars = parts["words"], parts["chars"]
        lemmas = pipeline.named_steps["lemmas"]
    except (KeyError, AttributeError):
        return False
    if [name for name, _ in features.transformer_list] not in (["words", "chars"],
                                                               ["words", "chars", "lexicon"]):
        return False
    weights = features.transformer_weights or {}
    plain = (set(weights) <= {"words", "chars", "lexicon"} and words.analyzer == "word"
             and words.token_pattern == r"[^ ]+" and not words.lowercase
             and words.ngram_range in ((1, 1), (1, 2)) and hasattr(lemmas, "lookups_"))
    return plain and (chars == "drop" or list(chars.named_steps) == ["counts", "tfidf"])


class FastFeatures:
    """``pipeline[:-1].transform(texts)``, the same numbers, several times faster."""

    def __init__(self, pipeline: Pipeline):
        self.lemmatizer = pipeline.named_steps["lemmas"]
        features = pipeline.named_steps["features"]
        parts = dict(features.transformer_list)
        self.words = parts["words"]
        self.chars = None if isinstance(parts["chars"], str) else parts["chars"]
        lexicon = parts.get("lexicon")
        self.lexicon = None if lexicon is None or isinstance(lexicon, str) else lexicon
        self.block_weights = dict(features.transformer_weights or {})
        self.word_weights = TfidfTransformer(norm=self.words.norm, use_idf=self.words.use_idf,
                                             smooth_idf=self.words.smooth_idf,
                                             sublinear_tf=self.words.sublinear_tf)
        if self.words.use_idf:
            self.word_weights.idf_ = self.words.idf_
        self.stop = frozenset(self.words.get_stop_words() or ())
        self._columns_of = None if self.chars is None else self.chars.named_steps["counts"]._columns
        self._reset()

    def _reset(self) -> None:
        self.lemma_id: dict[str, int] = {}
        self.unigram: list[int] = []
        self.stopped: list[bool] = []
        self.char_columns: list[list[int]] = []
        # Each space-free piece of text met so far: its lemma ids are
        # piece_lemmas[piece_start[i]:piece_start[i] + piece_length[i]].
        self.piece_index: dict[str, int] = {}
        self.piece_start: list[int] = []
        self.piece_length: list[int] = []
        self.piece_lemmas: list[int] = []
        self._char_matrix: sp.csr_matrix | None = None
        self._char_columns_t = sp.csr_matrix((0, 0))
        self._arrays: dict[str, np.ndarray] = {}
        vocabulary = self.words.vocabulary_
        pairs = []
        for term, column in vocabulary.items():
            if " " in term:
                first, second = term.split(" ")
                pairs.append(((self._id(first) << 32) | self._id(second), column))
            else:
                self._id(term)
        pairs.sort()
        self.pair_codes = np.array([code for code, _ in pairs], dtype=np.int64)
        self.pair_columns = np.array([column for _, column in pairs], dtype=np.int64)

    def _id(self, lemma: str) -> int:
        found = self.lemma_id.get(lemma)
        if found is None:
            found = self.lemma_id[lemma] = len(self.unigram)
            self.unigram.append(self.words.vocabulary_.get(lemma, -1))
            self.stopped.append(lemma in self.stop)
            if self._columns_of is not None:
                self.char_columns.append(self._columns_of(lemma))
        return found

    def _array(self, name: str, dtype: type) -> np.ndarray:
        """``getattr(self, name)`` as an array, rebuilt only when the list has grown."""
        values = getattr(self, name)
        found = self._arrays.get(name)
        if found is None or len(found) != len(values):
            found = self._arrays[name] = np.asarray(values, dtype=dtype)
        return found

    def _learn_pieces(self, pieces: list[str]) -> None:
        self.lemmatizer.learn(pieces)
        words, known, new_id = self.lemmatizer._pieces(), self.lemma_id.get, self._id
        index, start, length, lemmas = (self.piece_index, self.piece_start, self.piece_length,
                                        self.piece_lemmas)
        for piece in pieces:
            # The lemmatizer's own cache may have started again while learning a huge batch.
            found = words.get(piece) or self.lemmatizer._words(piece)
            ids = [known(w) for w in found]
            if None in ids:
                ids = [new_id(w) for w in found]
            index[piece] = len(start)
            start.append(len(lemmas))
            length.append(len(ids))
            lemmas.extend(ids)  # type: ignore[arg-type]

    def _lemma_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The lemma ids of all ``texts`` in a row, and the text each belongs to."""
        if len(self.unigram) > MAX_LEMMAS or len(self.piece_index) > MAX_PIECES:
            self._reset()
        # One split of the joined texts gives every text's pieces in order: the joining
        # spaces add exactly one piece boundary between neighbours.
        pieces = " ".join(texts).split(" ")
        get = self.piece_index.get
        index = np.fromiter(map(get, pieces, repeat(-1)), dtype=np.int64, count=len(pieces))
        missing = np.flatnonzero(index < 0)
        if len(missing):
            new = [pieces[i] for i in missing.tolist()]
            self._learn_pieces(list(dict.fromkeys(new)))
            index[missing] = list(map(self.piece_index.__getitem__, new))
        length = self._array("piece_length", np.int64)[index]
        start = self._array("piece_start", np.int64)[index]
        total = int(length.sum())
        ends = np.cumsum(length)
        within = np.arange(total) - np.repeat(ends - length, length)
        ids = self._array("piece_lemmas", np.int64)[np.repeat(start, length) + within]
        per_text = 1 + np.fromiter(map(str.count, texts, repeat(" ")), dtype=np.int64,
                                   count=len(texts))
        doc = np.repeat(np.repeat(np.arange(len(texts)), per_text), length)
        return ids, doc

    def _word_counts(self, ids: np.ndarray, doc: np.ndarray, n: int) -> sp.csr_matrix:
        unigrams = self._array("unigram", np.int64)
        stopped = self._array("stopped", bool)
        keep = ~stopped[ids]
        seq, seq_doc = ids[keep], doc[keep]
        unigram = unigrams[seq]
        rows, cols = [seq_doc[unigram >= 0]], [unigram[unigram >= 0]]
        if self.words.ngram_range[1] == 2 and len(seq) > 1 and len(self.pair_codes):
            codes = (seq[:-1] << 32) | seq[1:]
            at = np.minimum(np.searchsorted(self.pair_codes, codes), len(self.pair_codes) - 1)
            hit = (self.pair_codes[at] == codes) & (seq_doc[:-1] == seq_doc[1:])
            rows.append(seq_doc[:-1][hit])
            cols.append(self.pair_columns[at[hit]])
        row, col = np.concatenate(rows), np.concatenate(cols)
        counts = sp.csr_matrix((np.ones(len(row), dtype=np.int64), (row, col)),
                               shape=(n, len(self.words.vocabulary_)))
        counts.sum_duplicates()
        return counts

    def _char_counts(self, ids: np.ndarray, doc: np.ndarray, n: int) -> sp.csr_matrix:
        assert self.chars is not None
        built = 0 if self._char_matrix is None else self._char_matrix.shape[0]
        if built < len(self.char_columns):
            # Only the lemmas met since the last batch are added as rows.
            new = self.char_columns[built:]
            lengths = [len(c) for c in new]
            rows = sp.csr_matrix(
                (np.ones(sum(lengths), dtype=np.int64),
                 np.fromiter((c for cs in new for c in cs), dtype=np.int64, count=sum(lengths)),
                 np.concatenate([[0], np.cumsum(lengths)])),
                shape=(len(new), len(self.chars.named_steps["counts"].vocabulary_)))
            self._char_matrix = rows if self._char_matrix is None else \
                sp.vstack([self._char_matrix, rows], format="csr")
            self._char_columns_t = self._char_matrix.T.tocsr()
        matrix = self._char_columns_t
        # n-gram × text, turned into text × n-gram: the turn leaves each row's columns in
        # order, at a fraction of the cost of sorting them (the counts are integers).
        lemmas = sp.csr_matrix((np.ones(len(ids), dtype=np.int64), (ids, doc)),
                               shape=(matrix.shape[1], n))
        counts = (matrix @ lemmas).T.tocsr()
        return counts

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The model's features for ``texts``, as the fitted pipeline computes them."""
        ids, doc = self._lemma_ids(texts)
        n = len(texts)
        blocks: dict[str, Any] = {
            "words": self.word_weights.transform(self._word_counts(ids, doc, n))}
        if self.chars is not None:
            counts = self._char_counts(ids, doc, n)
            blocks["chars"] = self.chars.named_steps["tfidf"].transform(counts)
        if self.lexicon is not None:
            # The codebook's terms may span several words: matched on the lemmas as text.
            names = np.asarray(list(self.lemma_id), dtype=object)
            bounds = np.searchsorted(doc, np.arange(1, n))
            lemmas = [" ".join(part) for part in np.split(names[ids], bounds)]
            blocks["lexicon"] = self.lexicon.transform(lemmas)
        for name, weight in self.block_weights.items():
            if name in blocks:  # each block is a fresh matrix: scaled in place, not copied
                blocks[name].data *= weight
        return sp.hstack(list(blocks.values()), format="csr")
