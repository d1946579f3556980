"""Writing an evaluation's results: metrics.json, report.md, report.html and figures."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import markdown

from ..formats.files import atomic_path
from ..formats.html import CSS, markdown_table, number
from . import plots
from .render_testset import testset_sections

__all__ = ["render_markdown", "write_report"]

def _per_label(metrics: dict[str, Any], labels: list[str]) -> list[str]:
    keys = ["precision", "recall", "f1", "average_precision", "roc_auc"]
    rows = [[label, *[number(metrics["labels"][label][k]) for k in keys],
             number(metrics["labels"][label]["support"], 0)
             if isinstance(metrics["labels"][label]["support"], dict)
             else metrics["labels"][label]["support"]] for label in labels]
    lines = markdown_table(["label", "precision", "recall", "F1", "average precision",
                            "ROC AUC", "support"], rows)
    totals = [["macro-F1", number(metrics["macro_f1"])], ["micro-F1", number(metrics["micro_f1"])],
              ["Hamming loss", number(metrics["hamming_loss"])],
              ["exact match", number(metrics["exact_match"])]]
    return lines + markdown_table(["overall", "value"], totals)


def _mean(value: Any) -> float:
    return float(value["mean"]) if isinstance(value, dict) else float(value)


def _headline(m: dict[str, Any], labels: list[str]) -> tuple[list[str], dict[str, Any]]:
    ways = {"cross-validated by case": m["cross_validated"]}
    if "leave_one_hand_out" in m:
        ways["leave one hand out"] = m["leave_one_hand_out"]["overall"]
    if "challenge" in m:
        ways["held-out challenge set"] = m["challenge"]["overall"]
    rows = [[name, *[number(w["labels"][lab]["f1"]) for lab in labels], number(w["macro_f1"])]
            for name, w in ways.items()]
    lines = markdown_table(["evaluated on", *labels, "macro-F1"], rows)
    if "challenge" in m:
        gap = _mean(m["cross_validated"]["macro_f1"]) - m["challenge"]["overall"]["macro_f1"]
        lines.insert(0, f"**Headline: macro-F1 falls by {gap:.3f} from the cross-validated "
                     "figure to excerpts written by hands the training never saw.** That gap "
                     "is how far the cross-validated figures can be trusted on testimony "
                     "from elsewhere; real testimony may be further still.\n")
    bars = {name: {**{lab: _mean(w["labels"][lab]["f1"]) for lab in labels},
                   "macro": _mean(w["macro_f1"])} for name, w in ways.items()}
    return lines, bars


def _compared(m: dict[str, Any], labels: list[str]) -> list[str]:
    full = m["compared"]["full model"]["macro_f1"]["mean"]
    held = "challenge_macro_f1" in m["compared"]["full model"]
    rows = []
    for name, s in m["compared"].items():
        delta = s["macro_f1"]["mean"] - full
        extra = [number(s["challenge_macro_f1"])] if held else []
        rows.append([name, number(s["macro_f1"]), f"{delta:+.3f}", *extra, number(s["micro_f1"]),
                     *[number(s["labels"][lab]["f1"]["mean"], 2) for lab in labels]])
    header = ["model", "macro-F1", "Δ vs full", *(["challenge macro-F1"] if held else []),
              "micro-F1", *[f"F1 {lab}" for lab in labels]]
    return markdown_table(header, rows)


def _groups(title: str, groups: dict[str, Any], labels: list[str]) -> list[str]:
    rows = [[name, g["n"], *[number(g["labels"][lab]["f1"], 2) for lab in labels],
             number(g["macro_f1"])] for name, g in groups.items()]
    return [f"### {title}", "", *markdown_table(["hand", "n", *labels, "macro-F1"], rows)]


def _errors(errors: dict[str, Any]) -> list[str]:
    lines = []
    for label, kinds in errors.items():
        lines.append(f"### {label}")
        for kind, items in kinds.items():
            lines.append(f"**{kind.replace('_', ' ')}**\n")
            for e in items:
                terms = ", ".join(f"{t} ({w:+.2f})" for t, w in e["terms"]) or "–"
                where = f"{e['id']}, case {e['case_id']}" if e.get("case_id") else e["id"]
                lines.append(f"- `{where}` coded {e['coded'] or ['none']}, score "
                             f"{e['scores'][label]:.2f}: “{html.escape(e['text'])}” — terms: "
                             f"{terms}")
            lines.append("")
    return lines


def _thresholds(t: dict[str, Any]) -> list[str]:
    rows = [[lab, number(r["threshold"]), number(r["precision_tuned"]), number(r["recall_tuned"]),
             number(r["precision_at_0.5"]), number(r["recall_at_0.5"])] for lab, r in t.items()]
    return markdown_table(["label", "threshold", "precision at it", "recall at it",
                           "precision at 0.5", "recall at 0.5"], rows)


def render_markdown(results: dict[str, Any], figures: dict[str, str]) -> str:
    """The report as Markdown; ``figures`` maps a figure's name to its file name."""
    m, labels = results["metrics"], results["labels"]
    if results["kind"] == "model":
        return _render_model(m, labels, figures)
    d = m["design"]
    out = ["# Evaluation report", "",
           f"Corpus `{m['corpus']['file']}`: {m['corpus']['quotations']} quotations from "
           f"{m['corpus']['cases']} cases (SHA-256 `{m['corpus']['sha256'][:16]}…`). "
           f"{d['repeats']} repeats of {d['folds']}-fold cross-validation grouped by case, "
           f"stratified on {d['stratified_on']}, seed {d['seed']}; cases found on both sides "
           f"of a fold: {d['cases_on_both_sides']}. Figures are mean ± sd over the repeats.",
           "", "## How far the figures travel", ""]
    headline, _ = _headline(m, labels)
    out += [*headline, f"![generalisation]({figures['generalisation']})", ""]
    out += ["## Cross-validated metrics per label", "", *_per_label(m["cross_validated"], labels)]
    out += ["## Baselines and ablations (same folds)", "",
            "The label prior guesses each label at its prevalence; the keyword matcher "
            "suggests a label when one of the codebook's indicative terms occurs. Each "
            "ablation removes one piece of the full model. Cross-validated figures are "
            "mean ± sd over the repeats; the challenge column fits each on the whole corpus "
            "and scores the held-out challenge set.", "", *_compared(m, labels)]
    if "leave_one_hand_out" in m:
        out += _groups("Leave one hand out (train on the others, test on this hand)",
                       m["leave_one_hand_out"]["hands"], labels)
    if m.get("challenge", {}).get("hands"):
        out += _groups("Challenge set by hand", m["challenge"]["hands"], labels)
    out += ["## Thresholds", "",
            "Each label's threshold is the middle of the calibrated scores whose "
            "out-of-fold F1 inside the training data is within "
            f"{m['design']['threshold_tolerance']:g} of the best. Below, "
            "the precision and recall it gives on the cross-validated scores, beside a "
            "plain 0.5.", "",
            *_thresholds(m["thresholds"])]
    out += ["## Figures", ""] + [f"![{name}]({file})\n" for name, file in figures.items()
                                 if name != "generalisation"]
    lc = m["learning_curve"]
    out += ["## Learning curve", "",
            *markdown_table(["training cases", "macro-F1"],
                            [[f"{p['cases']:.0f}", number(p["macro_f1"])] for p in lc])]
    lk = m["leakage"]
    out += ["## Leakage check", "",
            f"{len(lk['pairs'])} pairs of near-duplicate quotations (word similarity ≥ "
            f"{lk['threshold']}) fall in different folds, involving "
            f"{lk['quotations_involved']} quotations. Macro-F1 without them: "
            f"{number(lk['macro_f1_without'])} (with them: "
            f"{number(m['cross_validated']['macro_f1'])}).", ""]
    out += [f"- {p['similarity']:.2f}: “{html.escape(p['text_a'][:90])}” ~ "
            f"“{html.escape(p['text_b'][:90])}”" for p in lk["pairs"][:10]]
    out += ["", "## Most confident errors (out of fold)", "", *_errors(m["errors"])]
    return "\n".join(out) + "\n"


def _interval(interval: list[float] | None) -> list[str]:
    if not interval:
        return []
    low, high = interval
    return [f"macro-F1, 95% bootstrap interval over the texts: {number(low)} to "
            f"{number(high)} (another sample of the same kind of text could score anywhere "
            "in it).", ""]


def _render_model(m: dict[str, Any], labels: list[str], figures: dict[str, str]) -> str:
    out = ["# Evaluation of a saved model", "",
           f"Model `{m['model']['file']}` ({m['model']['version']}) on `{m['test']['file']}` "
           f"(SHA-256 `{m['test']['sha256'][:16]}…`).", "", "## Metrics per label", "",
           *_per_label(m["test"]["overall"], labels),
           *_interval(m["test"].get("macro_f1_interval")),
           f"none-FPR (texts coded none that get a suggestion): "
           f"{number(m['test']['overall'].get('none_fpr'))} of "
           f"{m['test']['overall'].get('none', '–')}.", "",
           *testset_sections(m, labels)]
    if m["test"]["hands"]:
        out += _groups("By hand", m["test"]["hands"], labels)
    out += ["## Thresholds", "", *_thresholds(m["thresholds"]), "## Figures", ""]
    out += [f"![{name}]({file})\n" for name, file in figures.items()]
    out += ["## Most confident errors", "", *_errors(m["errors"])]
    return "\n".join(out) + "\n"


def _figures(results: dict[str, Any], out: Path) -> dict[str, str]:
    a, labels, colours = results["arrays"], results["labels"], results["colours"]
    thresholds = [results["metrics"]["thresholds"][lab]["threshold"] for lab in labels]
    made = {
        "precision–recall": plots.pr_curves(a["Y"], a["proba"], labels, colours, thresholds,
                                            out / "precision_recall.png"),
        "calibration": plots.calibration(a["Y"], a["proba"], labels, colours,
                                         out / "calibration.png"),
        "co-occurrence": plots.cooccurrence(a["Y"], a["predicted"], labels,
                                            out / "cooccurrence.png"),
    }
    m = results["metrics"]
    if results["kind"] == "corpus":
        made["learning curve"] = plots.learning_curve(m["learning_curve"],
                                                      out / "learning_curve.png")
        made["generalisation"] = plots.generalisation(_headline(m, labels)[1], labels,
                                                      out / "generalisation.png")
    elif m.get("lengths", {}).get("training") is not None:
        made["lengths"] = plots.lengths(m["lengths"]["training"], m["lengths"]["test"],
                                        out / "lengths.png")
    return {name: path.name for name, path in made.items()}


def write_report(results: dict[str, Any], out: str | Path) -> dict[str, Path]:
    """Write metrics.json, report.md, report.html and the figures into folder ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures = _figures(results, out)
    text = render_markdown(results, figures)
    page = markdown.markdown(text, extensions=["tables"])
    written = {}
    for name, content in (("metrics.json", json.dumps(results["metrics"], indent=2,
                                                      ensure_ascii=False) + "\n"),
                          ("report.md", text),
                          ("report.html", f"<!doctype html><meta charset='utf-8'>"
                                          f"<title>Evaluation report</title><style>{CSS}"
                                          f"</style>\n{page}")):
        with atomic_path(out / name) as tmp:
            tmp.write_text(content, encoding="utf-8")
        written[name] = out / name
    return written
