"""Figures of findings, written as PNG files. Like :mod:`classifier.plots`, only this module
and that one touch matplotlib, and only when a figure is drawn."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..formats.charts import pyplot, save_figure

__all__ = ["cooccurrence_maps", "prevalence_bars", "quantification_points", "timeline_lines"]


F = TypeVar("F", bound=Callable[..., Path])


def _small(draw: F) -> F:
    """Draw with a font small enough for four narratives side by side."""

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> Path:
        with pyplot().rc_context({"font.size": 9, "axes.titlesize": 10}):
            return draw(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@_small
def prevalence_bars(table: pd.DataFrame, colours: Sequence[str], path: Path) -> Path:
    """Share of cases and of passages per narrative, overall, with bootstrap intervals."""
    plt = pyplot()
    overall = table[table["by"] == "all"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, unit in zip(axes, ("case", "passage"), strict=True):
        share = overall[f"{unit}_share"].to_numpy()
        low, high = overall[f"{unit}_low"].to_numpy(), overall[f"{unit}_high"].to_numpy()
        x = np.arange(len(overall))
        ax.bar(x, share, color=colours, alpha=0.85)
        ax.errorbar(x, share, yerr=[share - low, high - share], fmt="none", color="black",
                    capsize=4)
        ax.set_xticks(x, list(overall["label"]), rotation=20, ha="right")
        ax.set_ylim(0, 1)
        ax.set_title(f"share of {unit}s (95% CI, cases resampled)")
    return save_figure(fig, path)


@_small
def cooccurrence_maps(cases: pd.DataFrame, passages: pd.DataFrame, path: Path) -> Path:
    """Heat maps of how often two narratives come together, in one case and in one passage."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    for ax, matrix, title in ((axes[0], cases, "cases expressing both"),
                              (axes[1], passages, "passages suggesting both")):
        values = matrix.to_numpy()
        ax.imshow(values, cmap="Purples")
        names = list(matrix.columns)
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
        ax.set_yticks(range(len(names)), names)
        for (r, c), value in np.ndenumerate(values):
            ax.text(c, r, str(value), ha="center", va="center", fontsize=9,
                    color="white" if value > values.max() * 0.6 else "black")
        ax.set_title(title)
    return save_figure(fig, path)


@_small
def timeline_lines(table: pd.DataFrame, labels: Sequence[str], colours: Sequence[str],
                   path: Path) -> Path:
    """Share of cases expressing each narrative by year of leaving, with intervals."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    years = table.index.to_numpy()
    for label, colour in zip(labels, colours, strict=True):
        ax.plot(years, table[label], "o-", color=colour, label=label)
        ax.fill_between(years, table[f"{label}_low"], table[f"{label}_high"], color=colour,
                        alpha=0.12)
    for year, n in zip(years, table["cases"], strict=True):
        ax.text(year, 1.02, f"n={n}", ha="center", fontsize=8, color="grey")
    ax.set_xticks(years)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("year of leaving" if table.index.name == "left" else str(table.index.name))
    ax.set_ylabel("share of cases (95% CI)")
    ax.set_title("Narratives by year of leaving")
    ax.legend(loc="lower left", fontsize=8)
    return save_figure(fig, path)


@_small
def quantification_points(estimates: pd.DataFrame, summary: pd.DataFrame,
                          coded: dict[str, float] | None, path: Path) -> Path:
    """Left: each method's estimate per narrative with its interval. Right: each method's
    error on held-out cases, as dealt and with their prevalence shifted."""
    plt = pyplot()
    methods = list(dict.fromkeys(estimates["method"]))
    labels = list(dict.fromkeys(estimates["label"]))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / len(methods)
    for k, method in enumerate(methods):
        part = estimates[estimates["method"] == method]
        x = np.arange(len(labels)) - 0.4 + width * (k + 0.5)
        value = part["estimate"].to_numpy()
        axes[0].errorbar(x, value, yerr=[value - part["low"], part["high"] - value], fmt="o",
                         capsize=3, label=method)
    if coded:
        axes[0].scatter(np.arange(len(labels)), [coded[lab] for lab in labels], marker="_",
                        s=600, color="black", label="coded", zorder=3)
    axes[0].set_xticks(range(len(labels)), labels, rotation=20, ha="right")
    axes[0].set_ylabel("share of passages (95% CI)")
    axes[0].set_title("Corrected prevalence of the archive")
    axes[0].legend(fontsize=8)
    kinds = list(dict.fromkeys(summary["sample"]))
    for k, kind in enumerate(kinds):
        part = summary[summary["sample"] == kind].set_index("method").loc[methods]
        axes[1].bar(np.arange(len(methods)) - 0.2 + 0.4 * k, part["mean_absolute_error"], 0.4,
                    label=f"held-out cases, {kind}")
    axes[1].set_xticks(range(len(methods)), methods)
    axes[1].set_ylabel("mean absolute error")
    axes[1].set_title("Error against coded prevalence")
    axes[1].legend(fontsize=8)
    return save_figure(fig, path)
