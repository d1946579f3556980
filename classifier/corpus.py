"""The coded corpus: quotations tied to cases, validated against the codebook.

A quotation file is JSONL (one object per line) or CSV with the columns ``id``,
``case_id``, ``text`` and ``labels``; in CSV the labels of a quotation are one cell,
separated by ``;``. Optional columns ``hand``, ``coder_a``, ``coder_b`` (and any
other ``coder_*``) are kept. Every record is checked and every problem reported.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .codebook import Codebook
from .errors import CorpusError, Problem
from .formats.records import iter_records

if TYPE_CHECKING:  # numpy, pandas and scikit-learn load when a corpus is read, not before
    import numpy as np
    import pandas as pd

__all__ = [
    "BY_FIELDS",
    "CASE_FIELDS",
    "DEFAULT_CASES",
    "DEFAULT_CHALLENGE",
    "DEFAULT_CORPUS",
    "DEFAULT_HANDS",
    "companions",
    "describe_corpus",
    "file_sha256",
    "label_matrix",
    "load_cases",
    "load_corpus",
    "load_hands",
    "near_duplicates",
]

DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_CORPUS = DATA / "quotations.jsonl"
DEFAULT_CASES = DATA / "cases.csv"
DEFAULT_CHALLENGE = DATA / "challenge.jsonl"
DEFAULT_HANDS = DATA / "hands.csv"
HAND_FIELDS = ("hand", "register")
CASE_FIELDS = ("case_id", "alias", "origin", "role", "joined", "left", "source")
# The case fields findings break prevalence down by, unless told otherwise.
BY_FIELDS = ("left", "origin", "role", "source")
CODER_COLUMN = re.compile(r"^coder_\w+$")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as recorded in the model card."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None


def _labels(value: Any, *, allow_missing: bool = False) -> list[str] | None:
    if value is None:
        return None if allow_missing else []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[;|]", value) if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    return None


def _check_labels(labels: list[str], codebook: Codebook, where: Problem,
                  problems: list[Problem]) -> None:
    for bad in codebook.unknown(labels):
        problems.append(Problem(where.file, f"unknown label '{bad}'; the codebook "
                                f"{codebook.name!r} knows {', '.join(codebook.ids)}",
                                line=where.line, field=where.field))
    if len(set(labels)) != len(labels):
        problems.append(Problem(where.file, f"a label is repeated in {labels}",
                                line=where.line, field=where.field))


def _quotation(record: dict[str, Any], line: int, file: str, codebook: Codebook,
               problems: list[Problem], require_case: bool) -> dict[str, Any] | None:
    found: list[Problem] = []
    qid = record.get("id")
    if not isinstance(qid, str | int) or isinstance(qid, bool) or str(qid).strip() == "":
        found.append(Problem(file, "missing id; every quotation needs a unique id", line, "id"))
    if _text(record.get("text")) is None:
        what = "missing" if "text" not in record else "empty or not a string"
        found.append(Problem(file, f"text is {what}; give the quotation's words", line, "text"))
    case_id = record.get("case_id")
    if require_case and (not isinstance(case_id, str | int) or str(case_id).strip() == ""):
        found.append(Problem(file, "missing case_id; every quotation belongs to a case",
                             line, "case_id"))
    out = {key: value for key, value in record.items()}
    for column in ["labels", *[k for k in record if CODER_COLUMN.match(k)]]:
        parsed = _labels(record.get(column), allow_missing=column != "labels")
        if parsed is None and record.get(column) is not None:
            found.append(Problem(file, "must be a list of label ids", line, column))
        elif parsed is not None:
            _check_labels(parsed, codebook, Problem(file, "", line, column), found)
            out[column] = parsed
    problems.extend(found)
    if found:
        return None
    out["id"] = str(qid)
    out["case_id"] = None if case_id is None else str(case_id)
    out["_line"] = line
    return out


def load_corpus(path: str | Path, codebook: Codebook, *, cases: pd.DataFrame | None = None,
                require_case: bool = True) -> pd.DataFrame:
    """Read and validate a coded corpus; one row per quotation, ``labels`` a list.

    Raises :class:`~classifier.errors.CorpusError` listing every invalid record
    (unknown label, empty text, duplicate id, case not in ``cases``, ...).
    """
    import pandas as pd
    path = Path(path)
    file = str(path)
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    known_cases = set(cases["case_id"]) if cases is not None else None
    for line, record in iter_records(path, problems=problems):
        row = _quotation(record, line, file, codebook, problems, require_case)
        if row is None:
            continue
        if row["id"] in seen:
            problems.append(Problem(file, f"duplicate id '{row['id']}' (first on line "
                                    f"{seen[row['id']]}); ids must be unique", line, "id"))
            continue
        seen[row["id"]] = line
        if known_cases is not None and row["case_id"] is not None \
                and row["case_id"] not in known_cases:
            problems.append(Problem(file, f"case '{row['case_id']}' is not in the cases file",
                                    line, "case_id"))
            continue
        rows.append(row)
    if not rows and not problems:
        problems.append(Problem(file, "holds no quotations"))
    if problems:
        raise CorpusError(problems)
    frame = pd.DataFrame(rows)
    frame.attrs["path"] = file
    return frame.set_index("id", drop=False).rename_axis(None)


def companions(corpus: str | Path, cases: str | Path | None,
               challenge: str | Path | None) -> tuple[Path | None, Path | None]:
    """The cases and challenge files that go with a corpus: the shipped ones with the
    shipped corpus unless others are given; otherwise only what is given."""
    if Path(corpus).resolve() == DEFAULT_CORPUS.resolve():
        cases = DEFAULT_CASES if cases is None else cases
        challenge = DEFAULT_CHALLENGE if challenge is None else challenge
    return (None if cases is None else Path(cases),
            None if challenge is None else Path(challenge))


def load_hands(path: str | Path = DEFAULT_HANDS) -> dict[str, str]:
    """Read the hands file (CSV or JSONL, ``hand``, ``register``, any notes): hand → register.

    The shipped corpus calls a hand ``reporting`` when it was written the way real
    statements are quoted in reporting, and ``narrative`` when it tells scenes at length.
    """
    problems: list[Problem] = []
    registers: dict[str, str] = {}
    for line, record in iter_records(path, problems=problems):
        missing = [f for f in HAND_FIELDS if str(record.get(f) or "").strip() == ""]
        problems += [Problem(str(path), "missing; every hand needs it", line, f)
                     for f in missing]
        hand = str(record.get("hand") or "").strip()
        if hand in registers:
            problems.append(Problem(str(path), f"hand {hand!r} is listed twice", line, "hand"))
        elif not missing:
            registers[hand] = str(record["register"]).strip()
    if not registers and not problems:
        problems.append(Problem(str(path), "lists no hand: give each hand of the corpus a "
                                "row with its register", field="hand"))
    if problems:
        raise CorpusError(problems)
    return registers


def load_cases(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the cases file (CSV or JSONL): one row per coded case."""
    import pandas as pd
    path = Path(path) if path is not None else DEFAULT_CASES
    file = str(path)
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line, record in iter_records(path, problems=problems):
        missing = [f for f in CASE_FIELDS if str(record.get(f, "")).strip() == ""]
        for name in missing:
            problems.append(Problem(file, "missing; every case needs it", line, name))
        if missing:
            continue
        case_id = str(record["case_id"])
        if case_id in seen:
            problems.append(Problem(file, f"duplicate case_id '{case_id}'", line, "case_id"))
        seen.add(case_id)
        for year in ("joined", "left"):
            try:
                record[year] = int(record[year])
            except (TypeError, ValueError, OverflowError):
                problems.append(Problem(file, f"'{record[year]}' is not a year", line, year))
        rows.append({**record, "case_id": case_id})
    if not rows and not problems:
        problems.append(Problem(file, "holds no cases"))
    if problems:
        raise CorpusError(problems)
    return pd.DataFrame(rows)


def label_matrix(corpus: pd.DataFrame, codebook: Codebook, column: str = "labels") -> np.ndarray:
    """A 0/1 matrix, one row per quotation, one column per codebook label in order."""
    import numpy as np
    matrix = np.zeros((len(corpus), len(codebook.labels)), dtype=np.int8)
    index = {label: j for j, label in enumerate(codebook.ids)}
    for i, labels in enumerate(corpus[column]):
        for label in labels if isinstance(labels, list) else []:
            matrix[i, index[label]] = 1
    return matrix


def near_duplicates(texts: Sequence[str], *, threshold: float = 0.8,
                    candidate_cosine: float = 0.5) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, similarity)`` of texts that differ only in a few slotted words.

    Candidates are pairs whose word TF-IDF cosine exceeds ``candidate_cosine``; each is
    then compared word by word (difflib's ratio over lower-cased tokens), and pairs at
    or above ``threshold`` are returned, most similar first.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    if len(texts) < 2:
        return []
    matrix = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b").fit_transform(texts)
    cosine = (matrix @ matrix.T).tocoo()
    words = [text.lower().split() for text in texts]
    found = []
    for i, j, value in zip(cosine.row, cosine.col, cosine.data, strict=True):
        if i < j and value > candidate_cosine:
            ratio = difflib.SequenceMatcher(None, words[i], words[j], autojunk=False).ratio()
            if ratio >= threshold:
                found.append((int(i), int(j), round(ratio, 3)))
    return sorted(found, key=lambda pair: -pair[2])


def describe_corpus(corpus: pd.DataFrame, codebook: Codebook, *, by: str = "hand") -> pd.DataFrame:
    """Quotations per label, with none and two-or-more, for each value of ``by`` and in all."""
    import numpy as np
    import pandas as pd
    Y = label_matrix(corpus, codebook)

    def counts(rows: np.ndarray) -> dict[str, int]:
        part = Y[rows]
        return {"quotations": len(part), **dict(zip(codebook.ids, part.sum(axis=0).tolist(),
                                                         strict=True)),
                "none": int((part.sum(axis=1) == 0).sum()),
                "two or more": int((part.sum(axis=1) >= 2).sum())}

    table = {}
    if by in corpus:
        for value, rows in corpus.groupby(by, sort=False).indices.items():
            table[str(value)] = counts(np.asarray(rows))
    table["all"] = counts(np.arange(len(corpus)))
    return pd.DataFrame(table).T.rename_axis(by if by in corpus else None)


LENGTH_BINS = (0, 5, 10, 15, 20, 30, 40, 60, 80, 120, 100_000)  # words per text


def length_histogram(texts: Sequence[str]) -> dict[str, Any]:
    """Counts of texts by length in words, in the fixed bins ``LENGTH_BINS``, and the mean."""
    import numpy as np

    lengths = np.array([len(t.split()) for t in texts])
    counts, _ = np.histogram(lengths, bins=LENGTH_BINS)
    return {"bins": list(LENGTH_BINS), "counts": counts.tolist(),
            "mean": float(lengths.mean()) if len(lengths) else 0.0,
            "median": float(np.median(lengths)) if len(lengths) else 0.0}
