"""Checking a team's coding before it publishes counts: run every agreement statistic,
compare the model with each coder, and rank the quotations most likely miscoded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import load_codebook
from ..corpus import DEFAULT_CORPUS
from ..model.crossval import cross_validate
from ..model.explain import explain
from ..model.pipeline import DEFAULT_SEED, build_pipeline
from .agreement import (
    agreement_table,
    coder_matrix,
    load_codings,
    model_agreement,
    pairwise_kappa,
    rank_suspects,
)

__all__ = ["check_consistency"]


def _coded(table: pd.DataFrame, coders: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """The coding the model learns from: ``labels`` if adjudicated, else the coders' majority.

    Without adjudication a label counts as present when at least half of the coders who
    coded the quotation gave it.
    """
    if "labels" in table:
        return np.array([[int(lab in row) for lab in labels] for row in table["labels"]])
    votes = np.zeros((len(table), len(labels)))
    counts = table[list(coders)].notna().sum(axis=1).to_numpy()
    for coder in coders:
        for i, row in enumerate(table[coder]):
            if isinstance(row, list):
                votes[i] += [lab in row for lab in labels]
    return (votes >= counts[:, None] / 2).astype(int)


def _pairwise(table: pd.DataFrame, coders: Sequence[str], labels: Sequence[str],
              predicted: np.ndarray) -> dict[str, Any]:
    """Cohen's kappa over every (quotation, label) decision, for each pair, model included."""
    names = [*coders, "model"]
    extended = table.copy()
    extended["model"] = pd.Series([[lab for j, lab in enumerate(labels) if row[j]]
                                   for row in predicted], index=table.index, dtype=object)
    pooled = np.concatenate([coder_matrix(extended, names, lab) for lab in labels], axis=1)
    values = [[1.0 if a == b else pairwise_kappa(pooled[i], pooled[k])
               for k, b in enumerate(names)] for i, a in enumerate(names)]
    return {"names": names, "kappa": values}


def check_consistency(corpus: str | Path = DEFAULT_CORPUS, *, codebook: str | Path | None = None,
                      coders: Sequence[str] | None = None, n_boot: int = 1000,
                      folds: int = 5, top: int = 100, seed: int = DEFAULT_SEED, n_jobs: int = 1,
                      progress: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    """Agreement between coders and with the model, and the most suspect codings.

    The model's codings are out of fold, with folds grouped by case, trained on the
    adjudicated ``labels`` (or the coders' majority). Returns a dict: ``agreement``,
    ``model`` (per label and coder), ``suspects`` (a data frame) and notes.
    """
    book = load_codebook(codebook)
    table, chosen = load_codings(corpus, book, coders=coders)
    progress(f"agreement of {', '.join(chosen)} with {n_boot} bootstrap draws over cases")
    result: dict[str, Any] = {
        "file": str(corpus), "labels": book.ids,
        "colours": [label.colour for label in book.labels],
        "agreement": agreement_table(table, chosen, book.ids, n_boot=n_boot, seed=seed),
        "notes": [],
    }
    if "text" not in table or "case_id" not in table or table["case_id"].isna().any():
        result["notes"].append("No text or case ids for every quotation: the model was not "
                               "compared and no suspects were ranked.")
        return result
    coded = _coded(table, chosen, book.ids)
    groups = table["case_id"].astype(str).to_numpy()
    progress(f"out-of-fold model over {len(table)} quotations, {folds} folds grouped by case")
    cv = cross_validate(build_pipeline(seed=seed), list(table["text"]), coded, groups, book.ids,
                        n_splits=folds, seed=seed, n_jobs=n_jobs, keep_models=True)
    proba, predicted = cv.proba[0], cv.predicted[0]
    result["model"] = model_agreement(table, chosen, book.ids, predicted)
    suspects = rank_suspects(table, book.ids, coded, proba).head(top)
    position = {qid: i for i, qid in enumerate(table["id"])}
    terms = []
    for qid, label in zip(suspects["id"], suspects["label"], strict=True):
        i = position[qid]
        why = explain(cv.models[cv.fold_of[i]], [table["text"].iloc[i]], book.ids)[0]
        found = why[book.ids.index(label)]
        strongest = found.up(4) if proba[i, book.ids.index(label)] >= 0.5 else found.down(4)
        terms.append(", ".join(f"{c.term} ({c.weight:+.2f})" for c in strongest))
    suspects["terms"] = terms
    for coder in chosen:
        suspects[coder] = [";".join(table[coder].iloc[position[q]])
                           if isinstance(table[coder].iloc[position[q]], list) else ""
                           for q in suspects["id"]]
    suspects["recoded"] = ""
    result["suspects"] = suspects
    result["matrix"] = _pairwise(table, chosen, book.ids, predicted)
    result["model_scores"] = {"proba": proba, "coded": coded}
    return result
