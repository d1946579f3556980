"""Coder consistency: agreement between coders, the model as one more coder, and suspects.

Codings come in two forms, which give the same figures: *wide*, a corpus with one
column of labels per coder (``coder_a``, ``coder_b``, ...) or, as ``narratives import-qdpx``
writes it, a ``codings`` field mapping each coder's name to their labels; or *long*, a
CSV with one row per (quotation, coder) and the columns ``id``, ``coder`` and ``labels``
(``;``-separated), optionally ``case_id`` and ``text``. Statistics come from the
``krippendorff`` package and scikit-learn's ``cohen_kappa_score``; nothing is
reimplemented.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from ..codebook import Codebook
from ..corpus import CODER_COLUMN, load_corpus
from ..errors import CorpusError, Problem
from ..formats.records import iter_records

__all__ = [
    "INTERPRETATION",
    "UNDEFINED",
    "agreement_table",
    "coder_matrix",
    "load_codings",
    "model_agreement",
    "pairwise_kappa",
    "rank_suspects",
]

UNDEFINED = "undefined: one value"
REVIEW_SUFFIXES = (".sqlite", ".sqlite3", ".db")
INTERPRETATION = (
    "Krippendorff (2004, Content Analysis, 2nd ed., p. 241): rely on variables with "
    "α ≥ .800; variables with .667 ≤ α < .800 allow only tentative conclusions; below "
    ".667, do not rely on the coding.")


def _long_to_wide(path: Path, codebook: Codebook) -> pd.DataFrame:
    problems: list[Problem] = []
    rows: dict[str, dict[str, Any]] = {}
    for line, record in iter_records(path, problems=problems):
        for field in ("id", "coder"):
            if not str(record.get(field, "")).strip():
                problems.append(Problem(str(path), f"missing {field}", line, field))
        labels = [p.strip() for p in str(record.get("labels", "")).replace("|", ";").split(";")
                  if p.strip()]
        for bad in codebook.unknown(labels):
            problems.append(Problem(str(path), f"unknown label '{bad}'; the codebook knows "
                                    f"{', '.join(codebook.ids)}", line, "labels"))
        if problems:
            continue
        row = rows.setdefault(str(record["id"]), {"id": str(record["id"])})
        coder = str(record["coder"]).strip()
        if coder in row:
            problems.append(Problem(str(path), f"quotation '{record['id']}' is coded twice by "
                                    f"'{coder}'", line, "coder"))
        row[coder] = labels
        for extra in ("case_id", "text"):
            if record.get(extra):
                row[extra] = record[extra]
    if problems:
        raise CorpusError(problems)
    return pd.DataFrame(list(rows.values())).set_index("id", drop=False).rename_axis(None)


def _review_codings(path: Path, codebook: Codebook) -> pd.DataFrame:
    """The codings of a ``narratives review`` database, one ``coder_<name>`` column each."""
    from .review.export import codings_table

    return codings_table(path, codebook)


def _codings_problems(file: str, line: int, codings: Any, codebook: Codebook,
                      names: dict[str, None]) -> list[Problem]:
    if not isinstance(codings, dict):
        wrong = isinstance(codings, list) or pd.notna(codings)
        return [Problem(file, "must map coder names to label lists", line, "codings")] \
            if wrong else []
    problems = []
    for name, labels in codings.items():
        names.setdefault(str(name))
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            problems.append(Problem(file, "must be a list of label ids", line,
                                    f"codings.{name}"))
            continue
        problems += [Problem(file, f"unknown label '{bad}'; the codebook knows "
                             f"{', '.join(codebook.ids)}", line, f"codings.{name}")
                     for bad in codebook.unknown(labels)]
    return problems


def _coders_of_codings(table: pd.DataFrame, file: str, codebook: Codebook) -> list[str]:
    """One column per coder from the ``codings`` field (coder name: labels) of each row."""
    names: dict[str, None] = {}
    lines = table["_line"] if "_line" in table else range(1, len(table) + 1)
    problems = [p for line, codings in zip(lines, table["codings"], strict=True)
                for p in _codings_problems(file, int(line), codings, codebook, names)]
    problems += [Problem(file, f"coder '{name}' has the name of a column; rename the coder",
                         field="codings") for name in names if name in table.columns]
    if problems:
        raise CorpusError(problems)
    for name in names:
        table[name] = [c.get(name) if isinstance(c, dict) else None for c in table["codings"]]
    return list(names)


def load_codings(path: str | Path, codebook: Codebook, *,
                 coders: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read codings in wide or long form; return the table and the coders' names.

    A review database (``.sqlite``, ``.sqlite3``, ``.db``) is read directly. A ``.csv``
    with a ``coder`` column is the long form; anything else is a corpus with one column
    per coder, or with each coder's labels in a ``codings`` field. Raises
    :class:`~classifier.errors.CorpusError` for a coder that is not there or coded
    nothing, fewer than two coders, or coders who never coded the same quotation.
    """
    path = Path(path)
    file = str(path)
    review_db = path.suffix.lower() in REVIEW_SUFFIXES
    first = next(iter_records(path), (0, {}))[1] if path.exists() and not review_db else {}
    if review_db:
        table = _review_codings(path, codebook)
        found = [c for c in table.columns if CODER_COLUMN.match(c)]
    elif path.suffix.lower() == ".csv" and "coder" in first:
        table = _long_to_wide(path, codebook)
        found = [c for c in table.columns if c not in ("id", "case_id", "text")]
    else:
        table = load_corpus(path, codebook, require_case=False)
        found = [c for c in table.columns if CODER_COLUMN.match(c)]
        if not found and "codings" in table:
            found = _coders_of_codings(table, file, codebook)
    chosen = list(coders) if coders else found
    for coder in chosen:
        if coder not in table.columns:
            raise CorpusError(Problem(file, f"coder '{coder}' is not in the file; found "
                                      f"{', '.join(found) or 'no coders'}", field=coder))
        if table[coder].isna().all():
            raise CorpusError(Problem(file, f"coder '{coder}' coded no quotation", field=coder))
    if len(chosen) < 2:
        raise CorpusError(Problem(file, f"agreement needs at least two coders; found "
                                  f"{', '.join(chosen) or 'none'} (name them with --coders)"))
    for a, b in itertools.combinations(chosen, 2):
        if not (table[a].notna() & table[b].notna()).any():
            raise CorpusError(Problem(file, f"coders '{a}' and '{b}' never coded the same "
                                      "quotation, so their agreement cannot be measured"))
    return table, chosen


def coder_matrix(table: pd.DataFrame, coders: Sequence[str], label: str) -> np.ndarray:
    """Coders × quotations, 1/0 for the label, NaN where a coder did not code the quotation."""
    matrix = np.full((len(coders), len(table)), np.nan)
    for k, coder in enumerate(coders):
        for i, labels in enumerate(table[coder]):
            if isinstance(labels, list):
                matrix[k, i] = float(label in labels)
    return matrix


def _alpha(matrix: np.ndarray) -> float | str:
    values = np.unique(matrix[~np.isnan(matrix)])
    if len(values) < 2:
        return UNDEFINED
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


def pairwise_kappa(a: np.ndarray, b: np.ndarray) -> float | str:
    """Cohen's kappa over the units both coded (NaN marks a unit one did not code)."""
    both = ~np.isnan(a) & ~np.isnan(b)
    if len(np.unique(np.concatenate([a[both], b[both]]))) < 2:
        return UNDEFINED
    return float(cohen_kappa_score(a[both], b[both]))


def _bootstrap(matrix: np.ndarray, cases: np.ndarray, n_boot: int,
               rng: np.random.Generator) -> list[float] | str:
    """95% interval of alpha, resampling whole cases with replacement."""
    names, index = np.unique(cases, return_inverse=True)
    members = [np.flatnonzero(index == k) for k in range(len(names))]
    draws = []
    for _ in range(n_boot):
        chosen = np.concatenate([members[k] for k in rng.integers(0, len(names), len(names))])
        value = _alpha(matrix[:, chosen])
        if not isinstance(value, str):
            draws.append(value)
    if len(draws) < n_boot / 2:
        return UNDEFINED
    return [float(np.percentile(draws, 2.5)), float(np.percentile(draws, 97.5))]


def _statistics(matrix: np.ndarray, coders: Sequence[str], cases: np.ndarray, n_boot: int,
                rng: np.random.Generator) -> dict[str, Any]:
    pairs = {}
    for (i, a), (j, b) in itertools.combinations(enumerate(coders), 2):
        both = ~np.isnan(matrix[i]) & ~np.isnan(matrix[j])
        pairs[f"{a} / {b}"] = {
            "quotations": int(both.sum()),
            "percent_agreement": float((matrix[i, both] == matrix[j, both]).mean()),
            "cohen_kappa": pairwise_kappa(matrix[i], matrix[j]),
        }
    coded = matrix[~np.isnan(matrix)]
    return {
        "quotations": int((~np.isnan(matrix)).sum(axis=0).__ge__(2).sum()),
        "prevalence": float(coded.mean()) if coded.size else UNDEFINED,
        "percent_agreement": float(np.mean([p["percent_agreement"] for p in pairs.values()])),
        "pairs": pairs,
        "alpha": _alpha(matrix),
        "alpha_95ci": _bootstrap(matrix, cases, n_boot, rng),
    }


def agreement_table(table: pd.DataFrame, coders: Sequence[str], labels: Sequence[str], *,
                    n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Per label and overall: percent agreement, Cohen's kappa per pair, Krippendorff's alpha
    (nominal) with a bootstrap interval over cases, and prevalence.

    Only quotations coded by at least two coders count. "Overall" pools every
    (quotation, label) decision as one binary unit. Where a statistic is undefined
    because every coding has the same value, it says so instead of giving a number.
    """
    coded_twice = (table[list(coders)].notna().sum(axis=1) >= 2).to_numpy()
    shared = table[coded_twice]
    cases = (shared["case_id"] if "case_id" in shared else shared["id"]).astype(str).to_numpy()
    rng = np.random.default_rng(seed)
    matrices = {label: coder_matrix(shared, coders, label) for label in labels}
    result = {label: _statistics(m, coders, cases, n_boot, rng) for label, m in matrices.items()}
    pooled = np.concatenate([matrices[label] for label in labels], axis=1)
    result["overall"] = _statistics(pooled, coders, np.tile(cases, len(labels)), n_boot, rng)
    return {"coders": list(coders), "quotations_coded_twice": int(coded_twice.sum()),
            "quotations_coded_once": int(len(table) - coded_twice.sum()),
            "labels": result, "interpretation": INTERPRETATION}


def model_agreement(table: pd.DataFrame, coders: Sequence[str], labels: Sequence[str],
                    predicted: np.ndarray) -> dict[str, Any]:
    """The model's out-of-fold suggestions compared with each coder, per label."""
    out: dict[str, Any] = {}
    for j, label in enumerate(labels):
        model = predicted[:, j].astype(float)
        out[label] = {}
        for k, coder in enumerate(coders):
            human = coder_matrix(table, coders, label)[k]
            both = ~np.isnan(human)
            out[label][coder] = {
                "quotations": int(both.sum()),
                "percent_agreement": float((human[both] == model[both]).mean())
                if both.any() else UNDEFINED,
                "cohen_kappa": pairwise_kappa(human, model),
            }
    return out


def rank_suspects(table: pd.DataFrame, labels: Sequence[str], coded: np.ndarray,
                  proba: np.ndarray) -> pd.DataFrame:
    """Quotations whose coding the out-of-fold model contradicts most confidently.

    As in confident learning, each (quotation, label) gets the model's probability of the
    value it was coded with (``p`` when coded present, ``1 - p`` when absent); the lower,
    the more suspect. Each quotation is ranked by its most suspect label.
    """
    self_confidence = np.where(coded == 1, proba, 1 - proba)
    worst = self_confidence.argmin(axis=1)
    rows = []
    for i in np.argsort(self_confidence.min(axis=1), kind="stable"):
        j = worst[i]
        rows.append({
            "id": table["id"].iloc[i],
            "case_id": table["case_id"].iloc[i] if "case_id" in table else "",
            "label": labels[j],
            "coded": "present" if coded[i, j] else "absent",
            "model_score": round(float(proba[i, j]), 3),
            "confidence_in_coding": round(float(self_confidence[i, j]), 3),
            "labels": ";".join(lab for k, lab in enumerate(labels) if coded[i, k]),
            "text": table["text"].iloc[i] if "text" in table else "",
        })
    frame = pd.DataFrame(rows)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame
