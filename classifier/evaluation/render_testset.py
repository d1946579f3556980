"""The parts of a saved model's evaluation report that read a test set closely.

Baselines beside the model, the coded → suggested table, the false positives' terms,
the unseen vocabulary and the lengths; :mod:`classifier.evaluation.render` places them.
"""

from __future__ import annotations

from typing import Any

from ..formats.html import markdown_table, number

__all__ = ["testset_sections"]


def _beside(m: dict[str, Any], labels: list[str]) -> list[str]:
    baselines = m.get("baselines")
    ways = {"this model": m["test"]["overall"], **(baselines or {})}
    rows = [[name, *[number(w["labels"][lab]["f1"]) for lab in labels], number(w["macro_f1"]),
             number(w["none_fpr"]),
             number(sum(w["labels"][lab]["average_precision"] or 0 for lab in labels)
                / len(labels))]
            for name, w in ways.items()]
    return ["## The model beside the baselines", "",
            "Each baseline is fitted on the shipped corpus and scored on the same file. "
            "none-FPR: share of the texts coded none that get any suggestion."
            + ("" if baselines else " No baselines here: they were not asked for, or the "
               "shipped corpus does not fit this model's codebook."), "",
            *markdown_table(["model", *[f"F1 {lab}" for lab in labels], "macro-F1", "none-FPR",
                     "mean AP"], rows)]


def _confusion(table: dict[str, dict[str, int]]) -> list[str]:
    names = list(table)
    rows = [[f"coded {row}", *[table[row][col] for col in names]] for row in names]
    return ["## Coded → suggested", "",
            "Rows: the coded label (or none); columns: the suggested label (or none). A "
            "text with two coded labels or two suggestions counts in each of its cells.", "",
            *markdown_table(["", *[f"suggested {c}" for c in names]], rows)]


def _fp_terms(terms: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = ["## Terms behind the false positives", "",
             "Summed contribution of each term to the decision values of a label's false "
             "positives over the whole set, and in how many of them it occurs: the cues "
             "that mislead the model here, and the first candidates for hard negatives.", ""]
    for label, items in terms.items():
        shown = ", ".join(f"{t['term']} (+{t['weight']:.2f} in {t['texts']})" for t in items)
        lines.append(f"- **{label}**: {shown or '–'}")
    return [*lines, ""]


def _vocabulary(v: dict[str, Any], lengths: dict[str, Any]) -> list[str]:
    share = v["unseen_in_training"]
    lines = ["## Vocabulary and length", "",
             f"{v['tokens']} tokens (lemmas) in the test set; "
             f"{'–' if share is None else f'{share:.1%}'} of them never occur in the "
             f"training texts, and {v['outside_word_features']:.1%} are not among the "
             "model's word features (stop words, rare or unseen). Commonest unseen: "
             f"{', '.join(v['most_frequent_unseen']) or '–'}.", ""]
    train, test = lengths.get("training"), lengths["test"]
    if train is not None:
        lines.append(f"Mean length: {train['mean']:.1f} words in training, "
                     f"{test['mean']:.1f} in the test set (medians {train['median']:.0f} and "
                     f"{test['median']:.0f}).")
    return [*lines, ""]


def testset_sections(m: dict[str, Any], labels: list[str]) -> list[str]:
    """Markdown lines of the test-set sections, in reading order."""
    out: list[str] = []
    out += _beside(m, labels)
    if "coded_suggested" in m:
        out += _confusion(m["coded_suggested"])
    if "false_positive_terms" in m:
        out += _fp_terms(m["false_positive_terms"])
    if "vocabulary" in m:
        out += _vocabulary(m["vocabulary"], m["lengths"])
    return out
