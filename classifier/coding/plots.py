"""Figures of an agreement check: alpha per label, and kappa coder by coder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..formats.charts import pyplot, save_figure

__all__ = ["alpha_intervals", "coder_matrix"]


def alpha_intervals(stats: dict[str, dict[str, Any]], path: Path) -> Path:
    """Krippendorff's alpha per label with its bootstrap interval and the usual cut-offs."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    names = list(stats)
    for k, name in enumerate(names):
        alpha, ci = stats[name]["alpha"], stats[name]["alpha_95ci"]
        if isinstance(alpha, str):
            ax.text(k, 0.05, alpha, rotation=90, ha="center", fontsize=8)
            continue
        low, high = (alpha, alpha) if isinstance(ci, str) else ci
        ax.errorbar(k, alpha, yerr=[[alpha - low], [high - alpha]], fmt="o", capsize=4,
                    color="#1f77b4")
    for cut, style in ((0.8, "--"), (0.667, ":")):
        ax.axhline(cut, ls=style, color="grey", lw=1)
        ax.text(len(names) - 0.5, cut, f" {cut}", va="center", fontsize=8, color="grey")
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("Krippendorff's α (95% CI)")
    ax.set_title("Agreement per label")
    return save_figure(fig, path)


def coder_matrix(matrix: dict[str, Any], path: Path) -> Path:
    """Cohen's kappa between each pair of coders, the model included."""
    plt = pyplot()
    names = matrix["names"]
    values = np.array([[v if isinstance(v, float) else np.nan for v in row]
                       for row in matrix["kappa"]])
    fig, ax = plt.subplots(figsize=(1.4 * len(names) + 2, 1.2 * len(names) + 1.5))
    ax.imshow(values, cmap="Greens", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    for (r, c), value in np.ndenumerate(values):
        ax.text(c, r, "–" if np.isnan(value) else f"{value:.2f}", ha="center", va="center",
                color="white" if value > 0.6 else "black")
    ax.set_title("Cohen's κ, all labels pooled")
    return save_figure(fig, path)
