"""Case-level findings from scored passages: what a study reports, as data frames.

A *case* expresses a narrative when at least one of its passages is suggested for it, or,
with ``min_share``, when at least that share of its passages are. Prevalence counts cases
and passages per narrative, overall and by the case fields, with bootstrap intervals that
resample whole cases, since passages of one case are not independent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..corpus import BY_FIELDS
from ..model.defaults import DEFAULT_SEED
from .scored import suggested_matrix

__all__ = ["BY_FIELDS", "case_profiles", "case_rule", "cooccurrence", "prevalence", "timeline"]



def case_rule(min_share: float | None) -> str:
    """The rule by which a case expresses a narrative, in words."""
    if min_share is None:
        return "a case expresses a narrative when at least one of its passages does"
    return (f"a case expresses a narrative when at least {min_share:.0%} of its passages do")


def _ref(row: pd.Series) -> str:
    if "passage" in row and pd.notna(row.get("passage")):
        return f"{row['id']}#{int(row['passage'])}"
    return str(row["id"])


def case_profiles(scores: pd.DataFrame, labels: Sequence[str], *,
                  cases: pd.DataFrame | None = None,
                  min_share: float | None = None) -> pd.DataFrame:
    """One row per case that has scored passages: which narratives it expresses and where.

    ``scores`` needs a ``case_id`` column (see :func:`classifier.scored.assign_cases`).
    Columns: ``case_id``, the case fields from ``cases``, ``passages``, and for each label
    ``<label>`` (expressed or not), ``<label>_passages`` (how many passages suggest it),
    ``<label>_share`` and ``<label>_carried_by`` (the passages, as ``id`` or ``id#passage``).
    """
    if min_share is not None and not 0 < min_share <= 1:
        raise ValueError(f"min_share must be in (0, 1], got {min_share}")
    matrix = pd.DataFrame(suggested_matrix(scores, labels), columns=list(labels),
                          index=scores.index)
    refs = scores.apply(_ref, axis=1) if len(scores) else pd.Series([], dtype=object)
    grouped = matrix.groupby(scores["case_id"].to_numpy(), sort=True)
    profile = pd.DataFrame({"passages": grouped.size()})
    for label in labels:
        count = grouped[label].sum()
        share = count / profile["passages"]
        profile[label] = (count > 0) if min_share is None else (share >= min_share - 1e-12)
        profile[f"{label}_passages"] = count.astype(int)
        profile[f"{label}_share"] = share
        carried: dict[str, list[str]] = {case: [] for case in profile.index}
        for case, ref in zip(scores["case_id"][matrix[label] == 1],
                             refs[matrix[label] == 1], strict=True):
            carried[case].append(ref)
        profile[f"{label}_carried_by"] = list(carried.values())
    profile = profile.rename_axis("case_id").reset_index()
    if cases is not None:
        fields = [c for c in cases.columns if c != "case_id"]
        profile = profile.merge(cases, on="case_id", how="left")[
            ["case_id", *fields, *[c for c in profile.columns if c != "case_id"]]]
    return profile


def _interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - level) / 2 * 100
    return (np.nanpercentile(draws, tail, axis=0), np.nanpercentile(draws, 100 - tail, axis=0))


def _shares(part: pd.DataFrame, labels: Sequence[str], rng: np.random.Generator, n_boot: int,
            level: float) -> list[dict[str, object]]:
    n = len(part)
    expressed = part[list(labels)].to_numpy(dtype=float)
    carrying = part[[f"{lab}_passages" for lab in labels]].to_numpy(dtype=float)
    passages = part["passages"].to_numpy(dtype=float)
    # Each draw weighs every case by how often a resample of the cases picked it.
    weights = rng.multinomial(n, np.full(n, 1 / n), size=n_boot).astype(float)
    case_draws = weights @ expressed / n
    passage_draws = (weights @ carrying) / (weights @ passages)[:, None]
    case_low, case_high = _interval(case_draws, level)
    passage_low, passage_high = _interval(passage_draws, level)
    rows = []
    for j, label in enumerate(labels):
        rows.append({"label": label, "cases": n, "cases_expressing": int(expressed[:, j].sum()),
                     "case_share": expressed[:, j].mean(), "case_low": case_low[j],
                     "case_high": case_high[j], "passages": int(passages.sum()),
                     "passages_expressing": int(carrying[:, j].sum()),
                     "passage_share": carrying[:, j].sum() / passages.sum(),
                     "passage_low": passage_low[j], "passage_high": passage_high[j]})
    return rows


def prevalence(profiles: pd.DataFrame, labels: Sequence[str], *,
               by: Sequence[str] = (), n_boot: int = 1000, seed: int = DEFAULT_SEED,
               level: float = 0.95) -> pd.DataFrame:
    """Cases and passages per narrative, overall and for each value of each field in ``by``.

    Columns: ``by`` (the field, or ``all``), ``value``, ``label``, ``cases``,
    ``cases_expressing``, ``case_share`` with ``case_low``/``case_high``, ``passages``,
    ``passages_expressing``, ``passage_share`` with ``passage_low``/``passage_high``. The
    intervals are percentile intervals over ``n_boot`` resamples of the cases (of that group).
    """
    rng = np.random.default_rng(seed)
    rows = [{"by": "all", "value": "all", **row}
            for row in _shares(profiles, labels, rng, n_boot, level)]
    for field in by:
        for value, part in profiles.groupby(field, sort=True):
            rows += [{"by": field, "value": value, **row}
                     for row in _shares(part, labels, rng, n_boot, level)]
    return pd.DataFrame(rows)


def cooccurrence(matrix: pd.DataFrame) -> pd.DataFrame:
    """How many units (cases or passages) express both the row's and the column's narrative.

    ``matrix`` holds one 0/1 (or boolean) column per label; the diagonal counts the units
    that express that label at all.
    """
    values = matrix.to_numpy(dtype=int)
    return pd.DataFrame(values.T @ values, index=matrix.columns, columns=matrix.columns)


def timeline(profiles: pd.DataFrame, labels: Sequence[str], *, field: str = "left",
             n_boot: int = 1000, seed: int = DEFAULT_SEED, level: float = 0.95) -> pd.DataFrame:
    """Share of cases expressing each narrative by year of ``field`` (leaving, by default).

    One row per year from the first to the last (a year without cases has 0 cases and no
    shares); columns ``cases``, and per label ``<label>``, ``<label>_low``, ``<label>_high``.
    """
    table = prevalence(profiles, labels, by=[field], n_boot=n_boot, seed=seed, level=level)
    table = table[table["by"] == field]
    years = range(int(profiles[field].min()), int(profiles[field].max()) + 1)
    out = pd.DataFrame(index=pd.Index(years, name=field))
    counts = table.groupby("value")["cases"].first()
    out["cases"] = [int(counts.get(y, 0)) for y in years]
    for label in labels:
        part = table[table["label"] == label].set_index("value")
        for column, source in ((label, "case_share"), (f"{label}_low", "case_low"),
                               (f"{label}_high", "case_high")):
            out[column] = [float(part[source][y]) if y in part.index else np.nan for y in years]
    return out
