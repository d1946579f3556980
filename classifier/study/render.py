"""Writing findings: report.md, report.html, findings.json, profiles.csv, prevalence.csv and
PNG figures, each appearing whole or not at all."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import markdown
import numpy as np
import pandas as pd

from ..formats.files import atomic_path
from ..formats.html import CSS, markdown_table
from . import plots as plots_findings

__all__ = ["findings_json", "render_findings", "write_findings"]

FIELD_TITLES = {"left": "year of leaving", "joined": "year of joining", "origin": "origin",
                "role": "role", "source": "kind of source", "gender": "gender"}
SHOWN_REFS = 3


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars as Python numbers, NaN as null, frames as lists of rows."""
    if isinstance(value, pd.DataFrame):
        return [_plain(row) for row in value.to_dict("records")]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _profiles_json(profiles: pd.DataFrame, labels: list[str]) -> list[dict[str, Any]]:
    rows = []
    for row in profiles.to_dict("records"):
        fields = {str(k): v for k, v in row.items() if not any(
            str(k) == lab or str(k).startswith(f"{lab}_") for lab in labels)}
        fields["narratives"] = {lab: {"expressed": bool(row[lab]),
                                      "passages": row[f"{lab}_passages"],
                                      "share": row[f"{lab}_share"],
                                      "carried_by": row[f"{lab}_carried_by"]} for lab in labels}
        rows.append(fields)
    return _plain(rows)


def findings_json(results: dict[str, Any]) -> dict[str, Any]:
    """Every number of the report, as plain JSON data."""
    labels = results["labels"]
    out: dict[str, Any] = {key: _plain(results[key]) for key in
                           ("labels", "scores", "cases_file", "case_rule", "placed", "by",
                            "settings", "notes")}
    out["profiles"] = _profiles_json(results["profiles"], labels)
    out["prevalence"] = _plain(results["prevalence"])
    out["cooccurrence"] = {unit: _plain(frame.to_dict("index"))
                           for unit, frame in results["cooccurrence"].items()}
    if results["timeline"] is not None:
        out["timeline"] = _plain(results["timeline"].reset_index())
    q = results["quantification"]
    if q is not None:
        estimates = {lab: {row.method: {"estimate": row.estimate, "low": row.low,
                                        "high": row.high}
                           for row in q["estimates"][q["estimates"]["label"] == lab]
                           .itertuples()} for lab in labels}
        out["corrected_prevalence"] = _plain({
            "unit": "passages", "methods": q["methods"], "estimates": estimates,
            "coded_share": q["coded_share"], "warnings": q["warnings"],
            "fitted_on": {"file": q["coded_file"], "quotations": q["coded_quotations"],
                          "cases": q["coded_cases"], "folds": q["folds"]}})
        out["held_out"] = _plain({"summary": q["held_out_summary"],
                                  "estimates": q["held_out"]})
    return out


def _pct(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.0%}"


def _share(row: Any, unit: str) -> str:
    return f"{_pct(row[f'{unit}_share'])} [{_pct(row[f'{unit}_low'])}, {_pct(row[f'{unit}_high'])}]"


def _profile_rows(profiles: pd.DataFrame, labels: list[str]) -> list[str]:
    fields = [f for f in ("alias", "left", "origin", "source") if f in profiles]
    rows = []
    for row in profiles.to_dict("records"):
        cells = []
        for lab in labels:
            refs = row[f"{lab}_carried_by"]
            more = ", …" if len(refs) > SHOWN_REFS else ""
            mark = "✓" if row[lab] else "·"
            cells.append(f"{mark} {row[f'{lab}_passages']}" +
                         (f": {', '.join(refs[:SHOWN_REFS])}{more}" if refs else ""))
        rows.append([row["case_id"], *[row[f] for f in fields], row["passages"], *cells])
    return markdown_table(["case", *fields, "passages", *labels], rows)


def _prevalence_rows(table: pd.DataFrame, field: str, labels: list[str]) -> list[str]:
    part = table[table["by"] == field]
    rows = []
    for value, group in part.groupby("value", sort=False):
        first = group.iloc[0]
        cells = [f"{r['cases_expressing']} · {_share(r, 'case')} · {_pct(r['passage_share'])}"
                 for _, r in group.set_index("label").loc[labels].reset_index().iterrows()]
        rows.append([value, first["cases"], first["passages"], *cells])
    return markdown_table([FIELD_TITLES.get(field, field), "cases", "passages", *labels], rows)


def _overall(table: pd.DataFrame) -> list[str]:
    rows = [[r["label"], r["cases_expressing"], r["cases"], _share(r, "case"),
             r["passages_expressing"], r["passages"], _share(r, "passage")]
            for _, r in table[table["by"] == "all"].iterrows()]
    return markdown_table(["narrative", "cases expressing", "of cases",
                           "share of cases [95% CI]", "passages suggesting", "of passages",
                           "share of passages [95% CI]"], rows)


def _matrix(frame: pd.DataFrame) -> list[str]:
    rows = [[i, *row] for i, row in zip(frame.index, frame.to_numpy().tolist(), strict=True)]
    return markdown_table(["", *frame.columns], rows)


def _timeline_rows(table: pd.DataFrame, labels: list[str]) -> list[str]:
    rows = [[year, int(row["cases"]), *[f"{_pct(row[lab])} [{_pct(row[f'{lab}_low'])}, "
                                          f"{_pct(row[f'{lab}_high'])}]" for lab in labels]]
            for year, row in table.iterrows()]
    name = str(table.index.name)
    return markdown_table([FIELD_TITLES.get(name, name), "cases", *labels], rows)


def _quantification(q: dict[str, Any], labels: list[str], figure: str) -> list[str]:
    estimates = q["estimates"]
    header = ["narrative", *q["methods"], *(["coded"] if q["coded_share"] else [])]
    rows = []
    for lab in labels:
        part = estimates[estimates["label"] == lab].set_index("method")
        rows.append([lab, *[f"{part.loc[m, 'estimate']:.3f} [{part.loc[m, 'low']:.3f}, "
                            f"{part.loc[m, 'high']:.3f}]" for m in q["methods"]],
                     *([f"{q['coded_share'][lab]:.3f}"] if q["coded_share"] else [])])
    summary = q["held_out_summary"]
    check = [[r["sample"], r["method"], r["estimates"], f"{r['mean_absolute_error']:.4f}",
              f"{r['bias']:+.4f}"] for _, r in summary.iterrows()]
    out = ["## Corrected prevalence of passages", "",
           f"The error rates come from out-of-fold predictions on `{q['coded_file']}` "
           f"({q['coded_quotations']} coded quotations, {q['coded_cases']} cases, "
           f"{q['folds']} folds grouped by case). Methods: " +
           "; ".join(f"`{m}`, {d}" for m, d in q["methods"].items()) +
           f". Intervals: 95% percentile bootstrap ({q['bootstrap']} draws) resampling the cases "
           "of both the coded corpus and the archive.", "", *markdown_table(header, rows)]
    if q["coded_share"]:
        out += ["*coded*: the scored records are coded quotations, so their coded share is "
                "shown. If the model was trained on them, its suggestions are in-sample and "
                "closer to the codes than on new testimony.", ""]
    out += ["### How close each method comes on cases it never saw", "",
            "For each fold, the methods learn the error rates from the other folds and "
            "estimate the held-out fold's coded prevalence: as the fold was dealt, and "
            "resampled so that one narrative has another share (as an archive that differs "
            "from the corpus would). Error = estimate − coded share.", "",
            *markdown_table(["held-out sample", "method", "estimates", "mean absolute error",
                             "bias (mean signed error)"], check),
            f"![quantification]({figure})", ""]
    if q["warnings"]:
        out += [f"- quapy warned: {w}" for w in q["warnings"]] + [""]
    return out


def render_findings(results: dict[str, Any], figures: dict[str, str]) -> str:
    """The findings report as Markdown; ``figures`` maps a figure's name to its file."""
    labels, s = results["labels"], results["scores"]
    placed = ", ".join(f"{n} by {rule}" for rule, n in results["placed"].items() if n)
    out = ["# Findings", "",
           f"Scores `{s['file']}`: {s['rows']} {s['unit']}s"
           + (f" of {s['records']} records" if s["unit"] == "passage" else "")
           + f" in {s['cases']} cases (rows placed in cases: {placed}). Cases file: "
           f"`{results['cases_file']}`. {results['settings']['bootstrap']} bootstrap draws, "
           f"seed {results['settings']['seed']}.", "",
           "## Prevalence", "", f"Rule: {results['case_rule']}. Intervals resample whole cases.",
           "", *_overall(results["prevalence"]), f"![prevalence]({figures['prevalence']})", ""]
    for field in results["by"]:
        out += [f"### By {FIELD_TITLES.get(field, field)}", "",
                "Each cell: cases expressing · share of cases [95% CI] · share of passages.", "",
                *_prevalence_rows(results["prevalence"], field, labels)]
    co = results["cooccurrence"]
    out += ["## Co-occurrence", "", "Cases expressing both narratives (diagonal: the "
            "narrative at all):", "", *_matrix(co["cases"]),
            "Passages suggesting both:", "", *_matrix(co["passages"]),
            f"![co-occurrence]({figures['co-occurrence']})", ""]
    if results["timeline"] is not None:
        out += ["## Timeline", "", "Share of cases expressing each narrative by year of "
                "leaving [95% CI].", "", *_timeline_rows(results["timeline"], labels),
                f"![timeline]({figures['timeline']})", ""]
    if results["quantification"] is not None:
        out += _quantification(results["quantification"], labels, figures["quantification"])
    out += ["## Case profiles", "", f"Rule: {results['case_rule']}. Each cell: ✓ expressed "
            "(· not), the passages suggesting it and the first of them; all of them are in "
            "`profiles.csv` and `findings.json`.", "",
            *_profile_rows(results["profiles"], labels)]
    out += [f"- {note}" for note in results["notes"]]
    return "\n".join(out) + "\n"


def _figures(results: dict[str, Any], out: Path) -> dict[str, str]:
    labels, colours = results["labels"], results["colours"]
    draw: dict[str, tuple[str, Callable[[Path], Path]]] = {
        "prevalence": ("prevalence.png", lambda p: plots_findings.prevalence_bars(
            results["prevalence"], colours, p)),
        "co-occurrence": ("cooccurrence.png", lambda p: plots_findings.cooccurrence_maps(
            results["cooccurrence"]["cases"], results["cooccurrence"]["passages"], p)),
    }
    if results["timeline"] is not None:
        draw["timeline"] = ("timeline.png", lambda p: plots_findings.timeline_lines(
            results["timeline"], labels, colours, p))
    q = results["quantification"]
    if q is not None:
        draw["quantification"] = ("quantification.png", lambda p: plots_findings.
                                  quantification_points(q["estimates"], q["held_out_summary"],
                                                        q["coded_share"], p))
    for file, make in draw.values():
        with atomic_path(out / file) as tmp:
            make(tmp)
    return {name: file for name, (file, _) in draw.items()}


def write_findings(results: dict[str, Any], out: str | Path) -> dict[str, Path]:
    """Write the figures, findings.json, profiles.csv, prevalence.csv, report.md and
    report.html into folder ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures = _figures(results, out)
    text = render_findings(results, figures)
    profiles = results["profiles"].copy()
    for lab in results["labels"]:
        profiles[f"{lab}_carried_by"] = profiles[f"{lab}_carried_by"].str.join(";")
    contents = {
        "findings.json": json.dumps(findings_json(results), indent=2, ensure_ascii=False) + "\n",
        "profiles.csv": profiles.to_csv(index=False),
        "prevalence.csv": results["prevalence"].to_csv(index=False),
        "report.md": text,
        "report.html": f"<!doctype html><meta charset='utf-8'><title>Findings</title>"
                       f"<style>{CSS}</style>\n{markdown.markdown(text, extensions=['tables'])}",
    }
    written = {}
    for name, content in contents.items():
        with atomic_path(out / name) as tmp:
            tmp.write_text(content, encoding="utf-8")
        written[name] = out / name
    return written
