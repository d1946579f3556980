"""Speed and memory of `narratives score`, as ratios against reference runs in one process.

Builds synthetic excerpts (10–60 words drawn from the shipped corpus's vocabulary) and
reports:

1. throughput of the scoring path, from parsed records to scores, against plain
   scikit-learn (``TfidfVectorizer`` with its default analyzer and a logistic regression's
   ``predict_proba``) on the same excerpts, one core — the target is at least 0.6;
2. ``--jobs 2`` against ``--jobs 1`` on the whole command — the target is at least 1.7×;
3. the command's peak resident memory at the two largest sizes — growth under 50 MB;
4. the Dask engine on a local 2-worker cluster against ``--jobs 2``.

    python benchmarks/bench_score.py                 # 10k, 100k and 1M excerpts
    python benchmarks/bench_score.py --sizes 10000 50000
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from classifier import label_matrix, load_codebook, load_corpus, load_model
from classifier.corpus import DEFAULT_CORPUS


def excerpts(n: int, vocabulary: np.ndarray, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(10, 61, size=n)
    words = rng.choice(vocabulary, size=int(lengths.sum()))
    cuts = np.concatenate([[0], np.cumsum(lengths)])
    return [" ".join(words[a:b]) for a, b in itertools.pairwise(cuts)]


def write(path: Path, texts: list[str]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i, text in enumerate(texts):
            out.write(json.dumps({"id": i, "text": text}) + "\n")
    return path


def command(source: Path, out: Path, *extra: str) -> tuple[float, float]:
    """Seconds and peak resident MiB of one `narratives score` run.

    The peak is the child's own high-water mark (VmHWM), read while it runs: the rusage
    of a child started by fork or vfork also counts this process's pages.
    """
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "classifier", "score", str(source),
                                "--out", str(out), "--quiet", *extra])
    peak = 0.0
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.05)
    if process.returncode:
        raise SystemExit(f"score failed with status {process.returncode}")
    return time.perf_counter() - started, peak


def throughput(texts: list[str], corpus_texts: list[str], Y: np.ndarray) -> dict[str, float]:
    model = load_model()
    reference_features = TfidfVectorizer().fit(corpus_texts)
    reference = OneVsRestClassifier(LogisticRegression(max_iter=1000)).fit(
        reference_features.transform(corpus_texts), Y)
    chunk = 2000
    start = time.perf_counter()
    for k in range(0, len(texts), chunk):
        reference.predict_proba(reference_features.transform(texts[k:k + chunk]))
    plain = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(0, len(texts), chunk):
        model.predict_proba(texts[k:k + chunk])
    ours = time.perf_counter() - start
    return {"excerpts": len(texts), "reference_per_s": len(texts) / plain,
            "narratives_per_s": len(texts) / ours, "ratio": plain / ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    codebook = load_codebook()
    corpus = load_corpus(DEFAULT_CORPUS, codebook)
    vocabulary = np.array(" ".join(corpus["text"]).split(), dtype=object)
    folder = Path(tempfile.mkdtemp(prefix="bench_score_"))
    try:
        sizes = sorted(args.sizes)
        files = {n: write(folder / f"in_{n}.jsonl", excerpts(n, vocabulary, n)) for n in sizes}
        for n in sizes:
            # A fresh model each time: its caches start cold, as in a new run.
            speed = throughput(excerpts(n, vocabulary, n), list(corpus["text"]),
                               label_matrix(corpus, codebook))
            print(f"1. throughput on one core, {n:,} excerpts: narratives "
                  f"{speed['narratives_per_s']:,.0f}/s, plain scikit-learn "
                  f"{speed['reference_per_s']:,.0f}/s, ratio {speed['ratio']:.2f} "
                  "(target ≥ 0.6)")
        largest = sizes[-1]
        peaks, one = {}, 0.0
        for n in sizes[-2:]:
            one, peaks[n] = command(files[n], folder / f"one_{n}.jsonl", "--jobs", "1")
            print(f"   {n:,} excerpts with --jobs 1: {one:.1f}s, peak {peaks[n]:.0f} MiB")
        two, _ = command(files[largest], folder / "two.jsonl", "--jobs", "2")
        same = (folder / f"one_{largest}.jsonl").read_bytes() == \
            (folder / "two.jsonl").read_bytes()
        print(f"2. whole command, {largest:,} excerpts: --jobs 1 {one:.1f}s, --jobs 2 "
              f"{two:.1f}s, speed-up {one / two:.2f}× (target ≥ 1.7×); identical output: {same}")
        if len(peaks) == 2:
            low, high = sorted(peaks)
            print(f"3. peak memory from {low:,} to {high:,} excerpts: "
                  f"{peaks[high] - peaks[low]:+.0f} MiB (target < 50 MB)")
        if not args.no_dask:
            dask, _ = command(files[largest], folder / "dask_out", "--engine", "dask",
                              "--jobs", "2")
            print(f"4. Dask, local 2-worker cluster, {largest:,} excerpts: {dask:.1f}s against "
                  f"{two:.1f}s with --jobs 2 (ratio {two / dask:.2f})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
