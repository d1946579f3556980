"""Scored rows read back for findings, and the case each row belongs to.

:func:`load_scores` reads what ``narratives score`` writes (JSONL, CSV, Parquet, or a folder
of Parquet parts) into one frame: ``id``, ``passage``/``start``/``end`` for passages,
``labels`` (a list) and one ``score_<label>`` column per label, plus any other column the
file has. :func:`assign_cases` says which case each row belongs to.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..formats.records import iter_records

__all__ = ["CASE_COLUMNS", "as_scores", "assign_cases", "load_scores", "suggested_matrix"]

CASE_COLUMNS = ("case_id", "case")
PASSAGE_COLUMNS = ("passage", "start", "end")


def _parquet_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), f"not a readable Parquet file or folder ({exc})")) \
            from None
    for number, record in enumerate(frame.to_dict("records"), start=1):
        yield number, {str(key): value for key, value in record.items()}


def _labels(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v) for v in value]
    return [] if value is None else None


def _score(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0.0 <= number <= 1.0 and not math.isnan(number) else None


def _row(record: dict[str, Any], line: int, file: str, labels: Sequence[str],
         problems: list[Problem]) -> dict[str, Any] | None:
    found: list[Problem] = []
    row_id = record.get("id")
    if row_id is None or str(row_id).strip() == "" or isinstance(row_id, dict | list):
        found.append(Problem(file, "missing id; every scored row needs one", line, "id"))
    suggested = _labels(record.get("labels"))
    if suggested is None:
        found.append(Problem(file, "must be a list of labels (';'-joined in CSV)", line, "labels"))
    for bad in sorted(set(suggested or ()) - set(labels)):
        found.append(Problem(file, f"unknown label '{bad}'; the codebook knows "
                             f"{', '.join(labels)}", line, "labels"))
    nested = record.get("scores") if isinstance(record.get("scores"), dict) else None
    out: dict[str, Any] = {k: v for k, v in record.items()
                           if k != "scores" and not str(k).startswith("score_")}
    for label in labels:
        field = "scores" if nested is not None else f"score_{label}"
        value = _score(nested.get(label) if nested is not None else record.get(field))
        if value is None:
            found.append(Problem(file, f"no score in [0, 1] for '{label}'; score the file "
                                 "with a model of this codebook", line, field))
        out[f"score_{label}"] = value
    for column in PASSAGE_COLUMNS:
        if record.get(column) is not None:
            try:
                out[column] = int(record[column])
            except (TypeError, ValueError):
                found.append(Problem(file, f"'{record[column]}' is not a whole number",
                                     line, column))
    problems.extend(found)
    if found:
        return None
    out.update(id=str(row_id), labels=suggested, _line=line)
    return out


def load_scores(path: str | Path, labels: Sequence[str]) -> pd.DataFrame:
    """Read scored rows; one row per record or passage, in file order.

    Every row is checked (an id, labels the codebook knows, a score in [0, 1] for every
    label, whole-number passage offsets) and every problem is reported at once. For a
    Parquet file or folder, the line of a problem is its row number.
    """
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise InputError(Problem(file, "no such file or folder; check the path"))
    problems: list[Problem] = []
    records = _parquet_rows(path) if path.is_dir() or path.suffix.lower() == ".parquet" \
        else iter_records(path, problems=problems)
    rows = [row for line, record in records
            if (row := _row(record, line, file, labels, problems)) is not None]
    keys = [(row["id"], row.get("passage")) for row in rows]
    seen: dict[tuple[str, Any], int] = {}
    for key, row in zip(keys, rows, strict=True):
        if key in seen:
            problems.append(Problem(file, f"row '{key[0]}' appears twice (first on line "
                                    f"{seen[key]})", row["_line"], "id"))
        seen.setdefault(key, row["_line"])
    if not rows and not problems:
        problems.append(Problem(file, "holds no scored rows"))
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame(rows)
    frame.attrs.update(path=file, unit="passage" if "passage" in frame else "record")
    return frame


def as_scores(ids: Sequence[Any], proba: np.ndarray, predicted: np.ndarray,
              labels: Sequence[str], *, case_ids: Sequence[Any] | None = None) -> pd.DataFrame:
    """Scores made in Python (e.g. out-of-fold predictions) in the frame :func:`load_scores`
    returns, so that every finding can be drawn from them too."""
    frame = pd.DataFrame({"id": [str(i) for i in ids],
                          "labels": [[lab for j, lab in enumerate(labels) if row[j]]
                                     for row in np.asarray(predicted)]})
    for j, label in enumerate(labels):
        frame[f"score_{label}"] = np.asarray(proba)[:, j]
    if case_ids is not None:
        frame["case_id"] = [str(c) for c in case_ids]
    frame["_line"] = np.arange(1, len(frame) + 1)
    frame.attrs.update(path="(in memory)", unit="record")
    return frame


def suggested_matrix(scores: pd.DataFrame, labels: Sequence[str]) -> np.ndarray:
    """A 0/1 matrix, one row per scored row, one column per label: what the model suggested."""
    index = {label: j for j, label in enumerate(labels)}
    matrix = np.zeros((len(scores), len(labels)), dtype=np.int8)
    for i, suggested in enumerate(scores["labels"]):
        for label in suggested:
            matrix[i, index[label]] = 1
    return matrix


def _by_prefix(row_id: str, known: Sequence[str]) -> str | None:
    """The longest known case id that ``row_id`` is, or begins with before a non-alphanumeric
    character (``C001``, ``C001/interview.txt``, ``C001-03``)."""
    for case in known:
        if row_id == case or re.match(re.escape(case) + r"[^0-9A-Za-z]", row_id):
            return case
    return None


def assign_cases(scores: pd.DataFrame, *, cases: pd.DataFrame | None = None,
                 case_field: str | None = None,
                 coded_cases: dict[str, str] | None = None) -> tuple[pd.Series, dict[str, int]]:
    """The case of each scored row, and how many rows each rule placed.

    The rules, in order: the column ``case_field`` of the scores (by default ``case_id`` or
    ``case``, when the scores have one); the case of the coded quotation with the same id
    (``coded_cases`` maps quotation ids to case ids); the case id from the cases file that the
    row's id is or begins with (a folder or file named after its case). A row no rule
    places, or placed in a case the cases file lacks, is an error.
    """
    file = scores.attrs.get("path", "scores")
    if case_field is not None and case_field not in scores:
        shown = ", ".join(c for c in scores.columns if c != "_line")
        raise InputError(Problem(file, f"no column '{case_field}'; columns are {shown}",
                                 field=case_field))
    column = case_field or next((c for c in CASE_COLUMNS if c in scores), None)
    known = sorted(cases["case_id"], key=len, reverse=True) if cases is not None else []
    placed: list[str | None] = []
    counts = {"case column": 0, "coded quotation": 0, "id names the case": 0}
    for i, row_id in enumerate(scores["id"]):
        value = scores[column].iloc[i] if column else None
        case, rule = (str(value), "case column") if value is not None and str(value).strip() \
            and not (isinstance(value, float) and math.isnan(value)) else (None, "")
        if case is None and coded_cases and row_id in coded_cases:
            case, rule = coded_cases[row_id], "coded quotation"
        if case is None and (case := _by_prefix(row_id, known)) is not None:
            rule = "id names the case"
        placed.append(case)
        if case is not None:
            counts[rule] += 1
    _check_placed(scores, placed, cases, column, file)
    return pd.Series(placed, index=scores.index, name="case_id", dtype=object), counts


def _check_placed(scores: pd.DataFrame, placed: list[str | None], cases: pd.DataFrame | None,
                  column: str | None, file: str) -> None:
    problems = []
    known = set(cases["case_id"]) if cases is not None else None
    for line, row_id, case in zip(scores["_line"], scores["id"], placed, strict=True):
        if case is None:
            problems.append(Problem(file, f"row '{row_id}' belongs to no case: give the scores a "
                                    "case_id column (or --case-field), pass the coded corpus "
                                    "with --coded, or name each file after its case "
                                    "(C001/account.txt)", int(line), column or "id"))
        elif known is not None and case not in known:
            problems.append(Problem(file, f"case '{case}' is not in the cases file", int(line),
                                    column or "id"))
    if problems:
        raise InputError(problems)
