"""From scores to findings: every table a study reports, drawn from one scored archive.

:func:`make_findings` reads the scores, places each row in its case, and returns plain
data (data frames and dicts); :mod:`classifier.render_findings` writes them up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from ..codebook import load_codebook
from ..corpus import DEFAULT_CASES, load_cases, load_corpus
from ..errors import InputError, Problem
from ..model.artifact import load_model
from ..model.pipeline import DEFAULT_SEED, build_pipeline
from .findings import BY_FIELDS, case_profiles, case_rule, cooccurrence, prevalence, timeline
from .quantify import METHODS, corrected_prevalence, held_out_check, out_of_fold
from .scored import assign_cases, load_scores, suggested_matrix

__all__ = ["make_findings"]

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


def _fields(by: Sequence[str], cases: pd.DataFrame | None, file: str) -> list[str]:
    if cases is None:
        return []
    unknown = [f for f in by if f not in cases.columns or f == "case_id"]
    if unknown:
        raise InputError(Problem("--by", f"'{unknown[0]}' is not a field of {file}; it has "
                                 f"{', '.join(c for c in cases.columns if c != 'case_id')}"))
    return list(by)


def _quantification(scores: pd.DataFrame, coded: pd.DataFrame, labels: list[str],
                    model: str | Path | None, *, folds: int, n_boot: int, seed: int,
                    n_jobs: int, progress: Progress) -> dict[str, Any]:
    if model is None:
        pipeline = build_pipeline(seed=seed)
    else:
        loaded = load_model(model)
        if loaded.labels != labels:
            raise InputError(Problem(str(model), f"the model's labels {loaded.labels} are not "
                                     f"the codebook's {labels}"))
        pipeline = clone(loaded.pipeline)
    Y = np.asarray([[int(lab in row) for lab in labels] for row in coded["labels"]])
    progress(f"out-of-fold scores of {len(coded)} coded quotations, {folds} folds by case")
    oof = out_of_fold(list(coded["text"]), Y, coded["case_id"].to_numpy(), labels,
                      pipeline=pipeline, folds=folds, seed=seed, n_jobs=n_jobs)
    progress(f"corrected prevalence with {n_boot} bootstrap draws over cases")
    proba = scores[[f"score_{lab}" for lab in labels]].to_numpy(dtype=float)
    estimates, caught = corrected_prevalence(oof, proba, suggested_matrix(scores, labels),
                                             scores["case_id"].to_numpy(), n_boot=n_boot,
                                             seed=seed)
    table, summary = held_out_check(oof, seed=seed)
    truth = None
    if scores.attrs.get("unit") == "record" and set(scores["id"]) <= set(coded["id"]):
        position = dict(zip(coded["id"], range(len(coded)), strict=True))
        shares = Y[[position[i] for i in scores["id"]]].mean(axis=0)
        truth = dict(zip(labels, shares.tolist(), strict=True))
    return {"methods": METHODS, "estimates": estimates, "coded_share": truth, "bootstrap": n_boot,
            "held_out": table, "held_out_summary": summary, "folds": folds,
            "coded_file": coded.attrs.get("path"), "coded_quotations": len(coded),
            "coded_cases": int(coded["case_id"].nunique()), "warnings": caught}


def make_findings(scores: str | Path, *, cases: str | Path | None = DEFAULT_CASES,
                  coded: str | Path | None = None, codebook: str | Path | None = None,
                  model: str | Path | None = None, case_field: str | None = None,
                  min_share: float | None = None, by: Sequence[str] = BY_FIELDS,
                  n_boot: int = 1000, quantify_boot: int = 200, folds: int = 5,
                  seed: int = DEFAULT_SEED, n_jobs: int = 1,
                  progress: Progress = _quiet) -> dict[str, Any]:
    """Case profiles, prevalence by case field, co-occurrence, a timeline and, with a coded
    corpus, the corrected prevalence of the archive's passages.

    ``cases`` may be None: then cases are only the ids the rows are placed in, and there
    are no tables by field and no timeline. ``model`` names the model that scored the
    archive; its configuration is cross-validated on ``coded`` (default: the shipped one).
    ``n_boot`` bootstrap draws give the intervals of the case tables, ``quantify_boot`` those
    of the corrected prevalence (each draw refits every method, so they cost more).
    """
    if min_share is not None and not 0 < min_share <= 1:
        raise InputError(Problem("--min-share", f"{min_share} is not a share; give a number "
                                 "above 0 and at most 1, such as 0.2"))
    book = load_codebook(codebook)
    labels = book.ids
    frame = load_scores(scores, labels)
    case_table = load_cases(cases) if cases is not None else None
    coded_frame = load_corpus(coded, book) if coded is not None else None
    mapping = dict(zip(coded_frame["id"], coded_frame["case_id"], strict=True)) \
        if coded_frame is not None else None
    frame["case_id"], placed = assign_cases(frame, cases=case_table, case_field=case_field,
                                            coded_cases=mapping)
    fields = _fields(by, case_table, str(cases))
    progress(f"{len(frame)} scored rows in {frame['case_id'].nunique()} cases; "
             f"prevalence with {n_boot} bootstrap draws over cases")
    profiles = case_profiles(frame, labels, cases=case_table, min_share=min_share)
    notes = []
    if case_table is not None and len(case_table) > len(profiles):
        notes.append(f"{len(case_table) - len(profiles)} cases of the cases file have no scored "
                     "passage and are left out of every table.")
    result: dict[str, Any] = {
        "labels": labels, "colours": [label.colour for label in book.labels],
        "scores": {"file": str(scores), "unit": frame.attrs["unit"], "rows": len(frame),
                   "records": int(frame["id"].nunique()), "cases": len(profiles)},
        "cases_file": None if cases is None else str(cases),
        "case_rule": case_rule(min_share), "placed": placed, "by": fields,
        "settings": {"bootstrap": n_boot, "quantify_bootstrap": quantify_boot, "seed": seed,
                     "folds": folds, "min_share": min_share},
        "profiles": profiles,
        "prevalence": prevalence(profiles, labels, by=fields, n_boot=n_boot, seed=seed),
        "cooccurrence": {"cases": cooccurrence(profiles[labels]),
                         "passages": cooccurrence(pd.DataFrame(suggested_matrix(frame, labels),
                                                               columns=labels))},
        "timeline": timeline(profiles, labels, n_boot=n_boot, seed=seed)
        if case_table is not None and "left" in profiles else None,
        "quantification": None, "notes": notes,
    }
    if coded_frame is not None:
        result["quantification"] = _quantification(frame, coded_frame, labels, model,
                                                    folds=folds, n_boot=quantify_boot, seed=seed,
                                                    n_jobs=n_jobs, progress=progress)
    else:
        notes.append("No coded corpus (--coded): the corrected prevalence needs the model's "
                     "error rates on coded cases, so only the raw shares are reported.")
    return result
