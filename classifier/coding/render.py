"""Writing a consistency check: report.md, report.html, agreement.json, suspects.csv, figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import markdown

from ..formats.files import atomic_path
from ..formats.html import CSS, markdown_table, number
from . import plots
from .agreement import UNDEFINED

__all__ = ["reading", "write_agreement_report"]


def reading(alpha: float | str) -> str:
    """The usual reading of an alpha (Krippendorff 2004)."""
    if isinstance(alpha, str):
        return alpha
    if alpha >= 0.8:
        return "reliable"
    return "tentative" if alpha >= 0.667 else "not reliable"


def _value(value: Any) -> str:
    return value if isinstance(value, str) else number(value)


def _interval(ci: Any) -> str:
    return ci if isinstance(ci, str) else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def render_agreement(results: dict[str, Any], figures: dict[str, str]) -> str:
    a = results["agreement"]
    pairs = list(a["labels"]["overall"]["pairs"])
    rows = []
    for label, s in a["labels"].items():
        rows.append([label, _value(s["prevalence"]), _value(s["percent_agreement"]),
                     *[_value(s["pairs"][p]["cohen_kappa"]) for p in pairs],
                     _value(s["alpha"]), _interval(s["alpha_95ci"]), reading(s["alpha"])])
    out = ["# Coder consistency", "",
           f"`{results['file']}`: coders {', '.join(a['coders'])}; "
           f"{a['quotations_coded_twice']} quotations coded by at least two of them "
           f"({a['quotations_coded_once']} coded by fewer are left out of the agreement "
           "figures). *Overall* pools every (quotation, label) decision.", "",
           "## Agreement between coders", "",
           *markdown_table(["label", "prevalence", "percent agreement",
                             *[f"Cohen's κ {p}" for p in pairs], "Krippendorff's α (nominal)",
                             "α 95% CI (cases resampled)", "reading"], rows),
           f"*Reading*: {a['interpretation']} “{UNDEFINED}” means every coding of that "
           "label had the same value, so chance agreement cannot be separated from real.", ""]
    if "model" in results:
        coders = a["coders"]
        model_rows = [[label, *[f"{_value(v[c]['cohen_kappa'])} "
                                f"({_value(v[c]['percent_agreement'])})" for c in coders]]
                      for label, v in results["model"].items()]
        out += ["## The model as one more coder", "",
                "Out-of-fold suggestions (folds grouped by case) against each coder: "
                "Cohen's κ (percent agreement).", "",
                *markdown_table(["label", *coders], model_rows)]
    out += ["## Figures", "", *[f"![{n}]({f})\n" for n, f in figures.items()]]
    if "suspects" in results:
        top = results["suspects"].head(10)
        out += ["## Most likely miscoded", "",
                "Ranked by the out-of-fold probability of the coded value (lowest first), as "
                "confident learning does. The full list, with a column to re-code, is in "
                "`suspects.csv`.", "",
                *markdown_table(["rank", "id", "label", "coded", "model score", "terms", "text"],
                                 [[r.rank, r.id, r.label, r.coded, f"{r.model_score:.3f}",
                                   r.terms, r.text.replace("|", "/")[:160]]
                                  for r in top.itertuples()])]
    out += [f"- {note}" for note in results["notes"]]
    return "\n".join(out) + "\n"


def write_agreement_report(results: dict[str, Any], out: str | Path) -> dict[str, Path]:
    """Write agreement.json, suspects.csv, report.md, report.html and figures into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    labels = [*results["labels"], "overall"]
    figures = {"alpha per label": plots.alpha_intervals(
        {lab: results["agreement"]["labels"][lab] for lab in labels},
        out / "alpha.png").name}
    if "matrix" in results:
        figures["coder by coder"] = plots.coder_matrix(results["matrix"], out / "coders.png").name
    text = render_agreement(results, figures)
    numbers = {k: results[k] for k in ("file", "agreement", "model", "matrix", "notes")
               if k in results}
    written: dict[str, Path] = {}
    contents = {
        "agreement.json": json.dumps(numbers, indent=2, ensure_ascii=False) + "\n",
        "report.md": text,
        "report.html": f"<!doctype html><meta charset='utf-8'><title>Coder consistency</title>"
                       f"<style>{CSS}</style>\n{markdown.markdown(text, extensions=['tables'])}",
    }
    if "suspects" in results:
        contents["suspects.csv"] = results["suspects"].to_csv(index=False)
    for name, content in contents.items():
        with atomic_path(out / name) as tmp:
            tmp.write_text(content, encoding="utf-8")
        written[name] = out / name
    return written
