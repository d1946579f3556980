"""The ten-line scikit-learn pipeline a user would write, as the reference of bench_score.py.

    python benchmarks/plain_pipeline.py fit MODEL.joblib          # on the shipped corpus
    python benchmarks/plain_pipeline.py score MODEL.joblib IN.jsonl OUT.jsonl

``fit`` trains ``TfidfVectorizer`` + one-vs-rest ``LogisticRegression`` on the shipped
corpus; ``score`` reads a JSONL file of ``{"id", "text"}``, scores it in batches of 10,000
with ``predict_proba`` and writes ``{"id", "labels", "scores"}`` lines, as
``narratives score`` does.
"""

from __future__ import annotations

import json
import sys
from itertools import islice

import joblib

BATCH = 10_000


def fit(path: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    from classifier import label_matrix, load_codebook, load_corpus
    from classifier.corpus import DEFAULT_CORPUS

    codebook = load_codebook()
    corpus = load_corpus(DEFAULT_CORPUS, codebook)
    pipeline = make_pipeline(TfidfVectorizer(),
                             OneVsRestClassifier(LogisticRegression(max_iter=1000)))
    pipeline.fit(list(corpus["text"]), label_matrix(corpus, codebook))
    joblib.dump((pipeline, [label.id for label in codebook.labels]), path)


def score(model: str, source: str, target: str) -> None:
    pipeline, labels = joblib.load(model)
    with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
        while batch := [json.loads(line) for line in islice(lines, BATCH)]:
            proba = pipeline.predict_proba([r["text"] for r in batch])
            for record, row in zip(batch, proba.tolist(), strict=True):
                scores = {label: round(p, 4) for label, p in zip(labels, row, strict=True)}
                out.write(json.dumps({"id": record["id"],
                                      "labels": [k for k, p in scores.items() if p >= 0.5],
                                      "scores": scores}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["fit"]:
        fit(sys.argv[2])
    else:
        score(*sys.argv[2:5])
