"""How fast the command line starts, as ratios to Python's own start and to scikit-learn's.

Times whole commands in fresh processes (the median of several runs):

1. ``narratives --help`` — should cost about what ``python -c pass`` costs plus Typer;
2. ``narratives suggest "…"`` cold — loads the model, so its floor is
   ``python -c "import sklearn"`` plus spaCy and the model file.

    python benchmarks/bench_startup.py
    python benchmarks/bench_startup.py --runs 9
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

EXCERPT = "The emir took the best houses for the foreigners while we went hungry."
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    'python -c "import sklearn"': [sys.executable, "-c", "import sklearn"],
    "narratives --help": [sys.executable, "-m", "classifier", "--help"],
    'narratives suggest "…"': [sys.executable, "-m", "classifier", "suggest", EXCERPT],
}


def seconds(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(runs: int) -> dict[str, float]:
    """Median seconds per command; one untimed run each first warms the file cache."""
    for argv in COMMANDS.values():
        seconds(argv)
    return {name: statistics.median(seconds(argv) for _ in range(runs))
            for name, argv in COMMANDS.items()}


def table(times: dict[str, float]) -> str:
    python, sklearn = times["python -c pass"], times['python -c "import sklearn"']
    rows = ["| command | median s | × python -c pass | × import sklearn |",
            "|---|---:|---:|---:|"]
    rows += [f"| `{name}` | {t:.2f} | {t / python:.1f} | {t / sklearn:.2f} |"
             for name, t in times.items()]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Timed runs per command.")
    args = parser.parse_args()
    print(table(measure(args.runs)))


if __name__ == "__main__":
    main()
