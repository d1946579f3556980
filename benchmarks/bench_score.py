"""What a user waits for: the whole `narratives score` command against the plain pipeline.

Both sides are whole commands, timed from start to output closed, on the same JSONL file
of excerpts: one to three consecutive sentences cut from the shipped corpus's own texts.

* **plain**: ``benchmarks/plain_pipeline.py``, the ten lines a user would write
  (``TfidfVectorizer`` + one-vs-rest ``LogisticRegression`` trained on the shipped corpus
  beforehand, reading the JSONL, ``predict_proba`` in batches of 10,000, writing JSONL);
* **narratives**: ``narratives score IN.jsonl --out OUT.jsonl --jobs 1``.

Both run on one core (``--jobs 1``, one BLAS thread). Then ``--jobs 2`` against
``--jobs 1`` at the largest size (with a check that the outputs are byte-identical), the
command's peak resident memory at the two largest sizes, and, unless ``--no-dask``, the
Dask engine on a local 2-worker cluster. Targets: ratio ≥ 0.6 (≥ 0.4 at 10k, startup
included), ``--jobs 2`` ≥ 1.8× ``--jobs 1``, memory growth < 50 MB.

    python benchmarks/bench_score.py                    # 10k, 100k, 400k and 1M excerpts
    python benchmarks/bench_score.py --sizes 10000 100000 400000 --repeat 2 --no-dask
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PLAIN = Path(__file__).with_name("plain_pipeline.py")
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                     "MKL_NUM_THREADS")}


def sentences() -> list[list[str]]:
    """The sentences of each text of the shipped corpus."""
    from classifier import load_codebook, load_corpus, split_sentences
    from classifier.corpus import DEFAULT_CORPUS

    corpus = load_corpus(DEFAULT_CORPUS, load_codebook())
    return [[text[a:b] for a, b in split_sentences(text)] for text in corpus["text"]]


def write_excerpts(path: Path, n: int, texts: list[list[str]], seed: int) -> Path:
    """``n`` excerpts of one to three consecutive sentences of a random corpus text."""
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(texts), size=n)
    count = rng.integers(1, 4, size=n)
    where = rng.random(n)
    with path.open("w", encoding="utf-8") as out:
        for i, (t, k, u) in enumerate(zip(which.tolist(), count.tolist(), where.tolist(),
                                              strict=True)):
            sents = texts[t]
            start = int(u * max(len(sents) - k + 1, 1))
            text = " ".join(sents[start:start + k])
            out.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
    return path


def run(command: list[str]) -> tuple[float, float]:
    """Seconds and peak resident MiB (the process's own VmHWM, read while it runs)."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, **ONE_THREAD}, stderr=log)
    peak = 0.0
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    log.seek(0)
    errors = log.read().decode(errors="replace")
    log.close()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed with status {process.returncode}:\n"
                         f"{errors}")
    return seconds, peak


def narratives(source: Path, out: Path, *extra: str) -> list[str]:
    out.unlink(missing_ok=True)
    return [sys.executable, "-m", "classifier", "score", str(source), "--out", str(out),
            "--quiet", *extra]


def best(command: list[str], repeat: int) -> tuple[float, float]:
    runs = [run(command) for _ in range(repeat)]
    return min(s for s, _ in runs), max(p for _, p in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[10_000, 100_000, 400_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each; the fastest "
                        "counts (the machine may be shared).")
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_score_"))
    try:
        texts = sentences()
        reference = folder / "plain.joblib"
        subprocess.run([sys.executable, str(PLAIN), "fit", str(reference)], check=True)
        sizes = sorted(args.sizes)
        print(f"load average {os.getloadavg()[0]:.2f} at start, {os.cpu_count()} cores\n")
        print("| excerpts | plain pipeline | narratives --jobs 1 | ratio | target | peak RSS |")
        print("|---:|---:|---:|---:|---:|---:|")
        peaks: dict[int, float] = {}
        one = 0.0
        for n in sizes:
            source = write_excerpts(folder / f"in_{n}.jsonl", n, texts, seed=n)
            plain, _ = best([sys.executable, str(PLAIN), "score", str(reference), str(source),
                             str(folder / "plain.jsonl")], args.repeat)
            one, peaks[n] = best(narratives(source, folder / "one.jsonl", "--jobs", "1"),
                                 args.repeat)
            print(f"| {n:,} | {n / plain:,.0f}/s ({plain:.1f} s) | {n / one:,.0f}/s "
                  f"({one:.1f} s) | {plain / one:.2f} | ≥ {0.4 if n < 100_000 else 0.6} | "
                  f"{peaks[n]:.0f} MiB |", flush=True)
        largest = sizes[-1]
        source = folder / f"in_{largest}.jsonl"
        two, _ = best(narratives(source, folder / "two.jsonl", "--jobs", "2"), args.repeat)
        same = (folder / "one.jsonl").read_bytes() == (folder / "two.jsonl").read_bytes()
        print(f"\n--jobs 2 against --jobs 1, {largest:,} excerpts: {one:.1f} s → {two:.1f} s, "
              f"speed-up {one / two:.2f}× (target ≥ 1.8×); identical output: {same}")
        if len(sizes) > 1:
            low = 100_000 if 100_000 in peaks and largest > 100_000 else sizes[-2]
            print(f"peak memory from {low:,} to {largest:,} excerpts: "
                  f"{peaks[largest] - peaks[low]:+.0f} MiB (target < 50 MB)")
        if not args.no_dask:
            dask, _ = run(narratives(source, folder / "dask_out", "--engine", "dask",
                                     "--jobs", "2"))
            print(f"Dask, local 2-worker cluster, {largest:,} excerpts: {dask:.1f} s against "
                  f"{two:.1f} s with --jobs 2")
        print(f"load average {os.getloadavg()[0]:.2f} at end")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
