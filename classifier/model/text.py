"""Everything that touches spaCy: tokens, lemmas, sentences and passages.

The model needs no downloaded pipeline: ``spacy.blank("en")`` tokenises, the rule-based
``sentencizer`` splits sentences, and lemmas come from spaCy's lookup table, which the
fitted :class:`SpacyLemmatizer` carries inside the saved model.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator, TransformerMixin

if TYPE_CHECKING:  # spaCy is imported when first needed: scoring known words needs none
    from spacy.language import Language

__all__ = ["Passage", "SpacyLemmatizer", "lemma_stop_words", "split_passages", "split_sentences"]

# Negations and the speaker's "we"/"they" carry the stance of testimony; spaCy lists them
# as stop words, so they are put back.
KEPT_STOP_WORDS = frozenset({
    "no", "not", "never", "nothing", "nobody", "none", "n't", "without", "against",
    "we", "they", "us", "them", "our", "their", "nor", "only", "own", "because",
})
NEGATIONS = frozenset({"no", "not", "never", "nothing", "nobody", "none", "n't", "without",
                       "nor"})
# A blank line, whatever wrote the file: LF, CRLF or a lone CR.
PARAGRAPH_BREAK = re.compile(r"(?:\r\n|\n|\r)[ \t]*(?:\r\n|\n|\r)\s*")
MAX_CACHED = 500_000  # remembered chunks of text; bounds memory on endless archives
LEARN_AT_ONCE = 20_000  # new chunks handed to spaCy in one call
SEPARATOR = "\x1e"  # between the saved pieces; a piece holding it is not saved
MAX_BLOCK = 100_000  # characters sentencized at once; far below spaCy's max_length
# The group as speakers and reporters name it: with ``normalise`` each name becomes one
# token, so what the corpus says of "the dawla" holds for "ISIS" and "Daesh" too.
GROUP = "<group>"
GROUP_NAMES = frozenset({"isis", "isil", "daesh", "daish", "da'esh", "dawla", "dawlah",
                         "caliphate", "khilafa", "khilafah"})
GROUP_CASED = frozenset({"IS", "State"})  # only as written: "is" and "state" stay words
# Lookup-table lemmas that change the meaning: "fed up" is not about feeding.
LEMMA_TRAPS = {"fed": "fed", "tired": "tired"}
# Curly quotes and apostrophes become straight ones before tokenising, so "don’t" splits
# and lemmatises as "don't" does; one character for one, so offsets stay the same.
STRAIGHT_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                                 "\u02bc": "'"})


@lru_cache(maxsize=1)
def _tokenizer_nlp() -> Language:
    import spacy

    return spacy.blank("en")


@lru_cache(maxsize=1)
def _sentence_nlp() -> Language:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=1)
def _packaged_lemma_lookups() -> bytes:
    """The English lemma lookup table from ``spacy-lookups-data``, serialised by spaCy."""
    from spacy.lookups import load_lookups

    return bytes(load_lookups("en", ["lemma_lookup"]).to_bytes())


class SpacyLemmatizer(TransformerMixin, BaseEstimator):
    """Turn each text into its lower-cased lemmas, separated by single spaces.

    Punctuation, brackets and white space are dropped; numbers become ``<num>``.
    ``fit`` copies spaCy's lemma lookup table into the estimator (``lookups_``), so a
    saved model lemmatises the same way on any machine with spaCy installed, and keeps
    the training texts' space-free pieces (``pieces_``) with their output words
    (``piece_words_``), each joined by U+001E, so a new process starts with them learned.

    Parameters
    ----------
    lemmatize : bool, default=True
        Map each token to its lemma; with False only lower-case the tokens.
    normalise : bool, default=False
        Read curly quotes as straight ones, write every name of the group (ISIS, IS,
        Daesh, the State, dawla, caliphate) as ``<group>``, and keep lemmas that would
        change the meaning (``fed`` stays ``fed``, not ``feed``).

    Examples
    --------
    >>> SpacyLemmatizer().fit_transform(["The emirs were stealing cars!"])
    ['the emir be steal car']
    """

    def __init__(self, *, lemmatize: bool = True, normalise: bool = False):
        self.lemmatize = lemmatize
        self.normalise = normalise

    def fit(self, X: Iterable[str], y: Any = None) -> SpacyLemmatizer:
        self.lookups_ = _packaged_lemma_lookups() if self.lemmatize else b""
        # A refit starts from nothing: no pieces of an earlier fit or an earlier setting.
        for stale in ("_cache", "_lookup", "pieces_", "piece_words_"):
            self.__dict__.pop(stale, None)
        # The training texts' pieces are learned now and saved with the model, so a new
        # process meets most everyday words already tokenised and lemmatised.
        self.learn(chunk for text in X for chunk in text.split(" ") if chunk)
        # Two strings, not a dict: small, and quick to load in any model format (a skops
        # file would describe every entry of a dict).
        kept = {p: w for p, w in self._pieces().items() if SEPARATOR not in p}
        self.pieces_ = SEPARATOR.join(kept)
        self.piece_words_ = SEPARATOR.join(" ".join(words) for words in kept.values())
        return self

    def _pieces(self) -> dict[str, tuple[str, ...]]:
        cache: dict[str, tuple[str, ...]] | None = self.__dict__.get("_cache")
        if cache is None:
            pieces, words = getattr(self, "pieces_", ""), getattr(self, "piece_words_", "")
            cache = self.__dict__["_cache"] = dict(zip(
                pieces.split(SEPARATOR), (tuple(w.split(" ")) if w else ()
                                          for w in words.split(SEPARATOR)), strict=True)
            ) if pieces else {}
        return cache

    def _output(self, token: Any) -> str | None:
        if token.is_punct or token.is_space or token.is_quote or token.is_bracket:
            return None
        if token.like_num:
            return "<num>"
        form = token.lower_
        if getattr(self, "normalise", False):
            if form in GROUP_NAMES or token.text in GROUP_CASED:
                return GROUP
            if form in LEMMA_TRAPS:
                return LEMMA_TRAPS[form]
        table = self.__dict__["_lookup"]
        return table.get(form, form) if table is not None else form

    def learn(self, chunks: Iterable[str]) -> None:
        """Tokenise and lemmatise new space-free chunks, all in one spaCy call.

        spaCy's tokenizer splits on single spaces before it applies its prefix, suffix,
        infix and exception rules to each piece, so a piece always yields the same tokens
        wherever it occurs, and pieces joined by spaces come apart exactly as they went in.
        """
        cache = self._pieces()
        new = [c for c in dict.fromkeys(chunks) if c not in cache]
        if not new:
            return
        if "_lookup" not in self.__dict__:
            from spacy.lookups import Lookups

            self.__dict__["_lookup"] = (Lookups().from_bytes(self.lookups_).get_table(
                "lemma_lookup") if self.lookups_ else None)
        if len(cache) + len(new) >= MAX_CACHED:
            cache.clear()
        for first in range(0, len(new), LEARN_AT_ONCE):
            batch = new[first:first + LEARN_AT_ONCE]
            ends = list(itertools.accumulate(len(c) + 1 for c in batch))
            words: list[list[str]] = [[] for _ in batch]
            piece = 0
            joined = " ".join(batch)
            if getattr(self, "normalise", False):
                joined = joined.translate(STRAIGHT_QUOTES)
            for token in _tokenizer_nlp().tokenizer(joined):
                while token.idx >= ends[piece]:
                    piece += 1
                word = self._output(token)
                if word is not None:
                    words[piece].append(word)
            for chunk, found in zip(batch, words, strict=True):
                cache[chunk] = tuple(found)

    def _words(self, chunk: str) -> tuple[str, ...]:
        """The output words of one space-free chunk of text, computed once and remembered."""
        found = self._pieces().get(chunk)
        if found is None:
            self.learn([chunk])
            found = self._pieces()[chunk]
        return found

    def transform(self, X: Iterable[str]) -> list[str]:
        if not hasattr(self, "lookups_"):
            raise AttributeError("SpacyLemmatizer is not fitted; call fit first")
        texts = list(X)
        self.learn(chunk for text in texts for chunk in text.split(" ") if chunk)
        words = self._words
        return [" ".join(w for chunk in text.split(" ") if chunk for w in words(chunk))
                for text in texts]

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_cache", None)
        state.pop("_lookup", None)
        return state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def lemma_stop_words(keep: Iterable[str] = KEPT_STOP_WORDS) -> list[str]:
    """spaCy's English stop words as lemmas, without the words in ``keep``.

    By default negations and ``we``/``they`` are kept (not stop words); ``keep=NEGATIONS``
    drops the pronouns too, which differ between writers more than between narratives.
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    lemmatizer = SpacyLemmatizer().fit([])
    words = set(lemmatizer.transform(sorted(STOP_WORDS)))
    return sorted({w for phrase in words for w in phrase.split()} - set(keep))


@dataclass(frozen=True)
class Passage:
    """A run of sentences of a longer text, with character offsets into that text."""

    index: int
    start: int
    end: int
    text: str


def _blocks(start: int, paragraph: str) -> Iterator[tuple[int, str]]:
    # A paragraph longer than MAX_BLOCK (a transcript with no blank lines) is cut at a line
    # break, or else at a space, so spaCy's memory stays bounded whatever the text's length.
    while len(paragraph) > MAX_BLOCK:
        cut = paragraph.rfind("\n", 0, MAX_BLOCK) + 1 or paragraph.rfind(" ", 0, MAX_BLOCK) + 1
        cut = cut or MAX_BLOCK
        yield start, paragraph[:cut]
        start, paragraph = start + cut, paragraph[cut:]
    yield start, paragraph


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    for match in PARAGRAPH_BREAK.finditer(text):
        yield from _blocks(start, text[start:match.start()])
        start = match.end()
    yield from _blocks(start, text[start:])


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``.

    Sentences never cross a blank line, and their spans exclude surrounding white space.
    A paragraph longer than ``MAX_BLOCK`` characters is read in blocks cut at line breaks.
    """
    spans = []
    for offset, paragraph in _paragraphs(text):
        if not paragraph.strip():
            continue
        for sent in _sentence_nlp()(paragraph).sents:
            stripped = sent.text.strip()
            if not stripped:
                continue
            start = offset + sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
            spans.append((start, start + len(stripped)))
    return spans


def split_passages(text: str, *, sentences: int = 3, stride: int | None = None) -> list[Passage]:
    """Cut ``text`` into passages of up to ``sentences`` sentences within one paragraph.

    ``stride`` (default: ``sentences``) is how many sentences the window moves each time;
    a smaller stride gives overlapping passages. ``text[p.start:p.end] == p.text``.

    Examples
    --------
    >>> [p.text for p in split_passages("One. Two. Three.\\n\\nFour.", sentences=2)]
    ['One. Two.', 'Three.', 'Four.']
    """
    if sentences < 1:
        raise ValueError(f"sentences must be at least 1, got {sentences}")
    stride = sentences if stride is None else stride
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    spans = split_sentences(text)
    paragraphs: list[list[tuple[int, int]]] = []
    for start, end in spans:
        gap = text[paragraphs[-1][-1][1]:start] if paragraphs else ""
        if not paragraphs or PARAGRAPH_BREAK.search(gap):
            paragraphs.append([])
        paragraphs[-1].append((start, end))
    passages: list[Passage] = []
    for group in paragraphs:
        for first in range(0, len(group), stride):
            window = group[first:first + sentences]
            start, end = window[0][0], window[-1][1]
            passages.append(Passage(len(passages), start, end, text[start:end]))
            if first + sentences >= len(group):
                break
    return passages
