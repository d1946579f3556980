"""How training and evaluation cost grow with the corpus: 1×, 4× and 16× the shipped one.

Larger corpora are made by resampling whole cases with replacement (each copy a new case),
so the mix of labels and lengths stays that of the shipped corpus. Times are reported as
ratios against the 1× run in the same process, with peak memory of the process.

    python benchmarks/bench_train.py            # 1×, 4×, 16×
    python benchmarks/bench_train.py --sizes 1 2 --folds 3
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from classifier import build_pipeline, label_matrix, load_codebook, load_corpus
from classifier.corpus import DEFAULT_CORPUS
from classifier.model.crossval import cross_validate


def resample(corpus: pd.DataFrame, factor: int, seed: int = 0) -> pd.DataFrame:
    """``factor`` times as many cases, drawn with replacement; each draw is a new case."""
    rng = np.random.default_rng(seed)
    cases = corpus["case_id"].unique()
    drawn = rng.choice(cases, size=len(cases) * factor, replace=True)
    parts = [corpus[corpus["case_id"] == case].assign(case_id=f"{case}#{k}")
             for k, case in enumerate(drawn)]
    return pd.concat(parts, ignore_index=True)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    codebook = load_codebook()
    corpus = load_corpus(DEFAULT_CORPUS, codebook)
    rows = []
    for factor in args.sizes:
        frame = resample(corpus, factor)
        texts, Y = list(frame["text"]), label_matrix(frame, codebook)
        groups = frame["case_id"].to_numpy()
        start = time.perf_counter()
        build_pipeline().fit(texts, Y, classifier__groups=groups)
        train = time.perf_counter() - start
        start = time.perf_counter()
        cross_validate(build_pipeline(), texts, Y, groups, codebook.ids, n_splits=args.folds)
        evaluate = time.perf_counter() - start
        rows.append({"size": f"{factor}×", "quotations": len(frame), "train_s": train,
                     "evaluate_s": evaluate, "peak_MiB": peak_mib()})
    table = pd.DataFrame(rows)
    table["train_ratio"] = table["train_s"] / table["train_s"].iloc[0]
    table["evaluate_ratio"] = table["evaluate_s"] / table["evaluate_s"].iloc[0]
    table["size_ratio"] = table["quotations"] / table["quotations"].iloc[0]
    print(table.round(2).to_string(index=False))


if __name__ == "__main__":
    main()
