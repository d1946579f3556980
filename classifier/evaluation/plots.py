"""Figures of an evaluation, written as PNG files (matplotlib through formats.charts)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from ..formats.charts import pyplot, save_figure

__all__ = [
    "calibration",
    "cooccurrence",
    "generalisation",
    "learning_curve",
    "lengths",
    "pr_curves",
]


def pr_curves(Y: np.ndarray, proba: np.ndarray, labels: Sequence[str], colours: Sequence[str],
              thresholds: Sequence[float], path: Path) -> Path:
    """Precision–recall curve per label, the chosen threshold marked on each."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for j, label in enumerate(labels):
        if not 0 < Y[:, j].sum() < len(Y):
            continue  # no curve without both kinds of example
        precision, recall, _ = precision_recall_curve(Y[:, j], proba[:, j])
        ap = average_precision_score(Y[:, j], proba[:, j])
        ax.step(recall, precision, where="post", color=colours[j], label=f"{label} (AP {ap:.2f})")
        guess = proba[:, j] >= thresholds[j]
        tp = (guess & (Y[:, j] == 1)).sum()
        ax.plot(tp / max(Y[:, j].sum(), 1), tp / max(guess.sum(), 1), "o", color=colours[j])
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left")
    ax.set_title("Precision–recall, out of fold (dots: chosen thresholds)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    return save_figure(fig, path)


def calibration(Y: np.ndarray, proba: np.ndarray, labels: Sequence[str],
                colours: Sequence[str], path: Path) -> Path:
    """Reliability curve per label: mean score against observed frequency, in bins."""
    from sklearn.calibration import calibration_curve

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfectly calibrated")
    for j, label in enumerate(labels):
        if not 0 < Y[:, j].sum() < len(Y):
            continue
        observed, predicted = calibration_curve(Y[:, j], proba[:, j], n_bins=10,
                                                strategy="quantile")
        ax.plot(predicted, observed, "o-", color=colours[j], label=label)
    ax.set_xlabel("mean score in bin")
    ax.set_ylabel("share coded with the label")
    ax.set_title("Calibration, out of fold")
    ax.legend(loc="upper left")  # the diagonal always has a label
    return save_figure(fig, path)


def learning_curve(points: Sequence[dict[str, float]], path: Path) -> Path:
    """Macro-F1 against the number of coded cases trained on."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    x = [p["cases"] for p in points]
    y = np.array([p["macro_f1"] for p in points])
    sd = np.array([p["sd"] for p in points])
    ax.plot(x, y, "o-", color="#1f77b4")
    ax.fill_between(x, y - sd, y + sd, alpha=0.2, color="#1f77b4")
    ax.set_xlabel("cases in the training folds")
    ax.set_ylabel("macro-F1 on held-out cases")
    ax.set_title("Learning curve")
    ax.set_ylim(0, 1)
    return save_figure(fig, path)


def cooccurrence(Y: np.ndarray, predicted: np.ndarray, labels: Sequence[str],
                 path: Path) -> Path:
    """Left: how often coded labels occur together. Right: coded label → suggested label."""
    plt = pyplot()
    names = [*labels, "none"]
    gold = np.column_stack([Y, Y.sum(axis=1) == 0]).astype(int)
    guess = np.column_stack([predicted, predicted.sum(axis=1) == 0]).astype(int)
    together = gold.T @ gold
    rates = (gold.T @ guess) / np.maximum(gold.sum(axis=0)[:, None], 1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    for ax, matrix, title, fmt in ((axes[0], together, "coded together (quotations)", "d"),
                                   (axes[1], rates, "coded (row) → suggested (column)", ".2f")):
        ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
        ax.set_yticks(range(len(names)), names)
        for (r, c), value in np.ndenumerate(matrix):
            ax.text(c, r, format(value, fmt), ha="center", va="center", fontsize=8,
                    color="white" if value > matrix.max() * 0.6 else "black")
        ax.set_title(title)
    return save_figure(fig, path)


def generalisation(rows: dict[str, dict[str, float]], labels: Sequence[str], path: Path) -> Path:
    """F1 per label for each way of testing (cross-validated, other hands, challenge)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    width = 0.8 / max(len(rows), 1)
    x = np.arange(len(labels) + 1)
    for k, (name, scores) in enumerate(rows.items()):
        values = [scores[label] for label in labels] + [scores["macro"]]
        ax.bar(x + k * width - 0.4 + width / 2, values, width, label=name)
    ax.set_xticks(x, [*labels, "macro"])
    ax.set_ylabel("F1")
    ax.set_ylim(0, 1)
    ax.set_title("How far the figures travel")
    ax.legend(loc="lower left", fontsize=8)
    return save_figure(fig, path)


def lengths(train: dict[str, Any], test: dict[str, Any], path: Path) -> Path:
    """Share of texts by length in words, training corpus beside the test set."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    bins = train["bins"]
    names = [f"{lo}–{hi - 1}" if hi < 1000 else f"{lo}+" for lo, hi in pairwise(bins)]
    x = np.arange(len(names))
    for offset, (name, hist) in zip((-0.2, 0.2), (("training", train), ("test", test)),
                                    strict=True):
        counts = np.asarray(hist["counts"], dtype=float)
        ax.bar(x + offset, counts / max(counts.sum(), 1), width=0.4,
               label=f"{name} (mean {hist['mean']:.0f} words)")
    ax.set_xticks(x, names, rotation=45)
    ax.set_xlabel("words per text")
    ax.set_ylabel("share of texts")
    ax.legend()
    ax.set_title("Lengths: training corpus and test set")
    return save_figure(fig, path)
