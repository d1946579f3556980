"""The command line, given arbitrary option values and hostile files.

Whatever the arguments, a command ends with a result (exit 0), or one ``Error:`` line or
a usage message and exit status 2: never a traceback, never a half-written output.
Commands that would train are given inputs that fail before training, so no example
trains a model.
"""

from __future__ import annotations

import itertools
import tempfile
import zipfile
from pathlib import Path

import pytest
from fuzzing import budget, within
from hypothesis import event, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from classifier.cli import app

_runs = itertools.count()
HOSTILE = b'\xef\xbb\xbf{"id": 1, "text": "a\\ud800"}\r\n[[[[\x00\xff{"id": NaN}\n'
INTS = st.sampled_from(["1", "0", "-1", "3", "x", "1.5", "", "99999999999999999999999"])
FLOATS = st.sampled_from(["0.5", "nan", "inf", "-1", "x", "1e400", "0"])
TEXTS = st.text(max_size=12) | st.sampled_from(["record", "passage", "\udcff", "a\x00b", "--"])
FLAG = st.just(None)


@pytest.fixture(scope="module")
def files(tmp_path_factory, tiny_model_path, tiny_corpus) -> dict[str, Path]:
    """Good and hostile inputs for every role an argument plays."""
    root = tmp_path_factory.mktemp("cli")
    found = {"model": tiny_model_path, "corpus": tiny_corpus, "dir": root,
             "missing": root / "missing.jsonl"}
    for name in ("bad.jsonl", "bad.csv", "bad.yaml", "bad.txt", "bad.joblib", "bad.skops",
                 "bad.qdpx"):
        (root / name).write_bytes(HOSTILE)
        found[name] = root / name
    (root / "account.txt").write_text("The emir kept the spoils.\r\n\r\nWe fled at night.\r")
    found["account"] = root / "account.txt"
    with zipfile.ZipFile(root / "empty.qdpx", "w") as archive:
        archive.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0"/>')
    found["qdpx"] = root / "empty.qdpx"
    return found


def paths(files: dict[str, Path], *good: str) -> st.SearchStrategy[str]:
    """A path argument: one of the good files for its role, or a hostile one."""
    hostile = ["missing", "dir", "bad.jsonl", "bad.csv", "bad.yaml", "bad.qdpx"]
    odd = (st.sampled_from(hostile).map(lambda k: str(files[k]))
           | st.sampled_from(["", "-", "\udcffx.jsonl", "a\x00b"]))
    if not good:
        return odd
    right = st.sampled_from(good).map(lambda k: str(files[k]))
    return st.one_of(right, right, right, right, odd)


def options(files: dict[str, Path]) -> dict[str, tuple[list[str], dict]]:
    """Each command: its fixed arguments, and the options whose values are drawn."""
    model = {"--model": st.one_of(*[st.just(str(files["model"]))] * 6,
                                  paths(files, "bad.joblib", "bad.skops"))}
    inputs = {"--sentences": INTS, "--stride": INTS}
    return {
        "suggest": (["--trust-pickle"], {**model, "--top": INTS, "--json": FLAG, "": TEXTS}),
        "score": (["--jobs", "1", "--quiet", "--trust-pickle"], {
            **model, **inputs, "": paths(files, "corpus", "account"), "--unit": TEXTS,
            "--text-field": TEXTS, "--id-field": TEXTS, "--min-score": FLOATS,
            "--labels-only": FLAG, "--explain": FLAG, "--skip-bad": FLAG, "--resume": FLAG,
            "--chunk-size": INTS, "--engine": st.sampled_from(["local", "x", ""])}),
        "pretag": (["--trust-pickle"], {**model, **inputs, "": paths(files, "account")}),
        "next": (["--trust-pickle"], {
            **model, "": paths(files, "corpus"), "-k": INTS, "--per-case": INTS,
            "--corpus": paths(files, "corpus"), "--max-similarity": FLOATS,
            "--diversity": FLOATS}),
        "codebook": ([], {"--codebook": paths(files, "bad.yaml")}),
        "import-qdpx": ([], {"": paths(files, "qdpx"), "--users": TEXTS,
                             "--map": paths(files, "bad.yaml"),
                             "--codebook": paths(files, "bad.yaml")}),
        # Commands that train or cross-validate get only inputs that fail first.
        "train": (["--corpus", str(files["bad.jsonl"])], {
            "--seed": INTS, "--cases": paths(files), "--challenge": paths(files),
            "--codebook": paths(files)}),
        "evaluate": (["--corpus", str(files["bad.csv"])], {
            "--folds": INTS, "--repeats": INTS, "--jobs": INTS, "--seed": INTS,
            "--test": paths(files), "--cases": paths(files)}),
        "agreement": (["--corpus", str(files["bad.jsonl"])], {
            "--coders": TEXTS, "--bootstrap": INTS, "--top": INTS, "--jobs": INTS}),
        "findings": (["--scores", str(files["bad.jsonl"])], {
            "--cases": paths(files), "--coded": paths(files), "--min-share": FLOATS,
            "--by": TEXTS, "--bootstrap": INTS, "--folds": INTS}),
    }


@st.composite
def invocations(draw: st.DrawFn, files: dict[str, Path]) -> list[str]:
    name = draw(st.sampled_from(sorted(options(files))))
    fixed, drawn = options(files)[name]
    args = [name, *fixed]
    chosen = draw(st.lists(st.sampled_from(sorted(set(drawn) - {"", "--model"})), max_size=4,
                           unique=True))
    # The model is always drawn, so the shipped one (slow to load) is never used.
    for option in ["", "--model", *chosen] if "--model" in drawn else chosen:
        value = draw(drawn[option])
        args += [value] if option == "" else [option] if value is None else [option, value]
    return args


def check(result, out: Path) -> None:
    """Exit 0 with output, or exit 2 with one Error: line or a usage message; no traceback."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    text = result.output  # stdout and stderr as a terminal shows them
    assert "Traceback" not in text
    assert result.exit_code in (0, 2), text
    if result.exit_code == 2:
        errors = [line for line in text.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 or "Usage:" in text, text
        assert not out.exists() or out.is_dir()


@budget(120, seconds=20)
@given(data=st.data())
def test_any_arguments_give_a_result_or_one_error_line(files, data):
    args = data.draw(invocations(files))
    where = Path(tempfile.mkdtemp(prefix=f"run{next(_runs)}-", dir=files["dir"]))
    out = where / data.draw(st.sampled_from(["out.jsonl", "out.csv", "out.parquet", "out.txt",
                                             "out.qdpx", "out/"]))
    if args[0] in ("score", "import-qdpx", "next", "train", "evaluate", "agreement",
                   "findings"):
        args += ["--out", str(out)]
    with within(30):
        result = CliRunner().invoke(app, args, input="")
    check(result, out)
    event(f"{args[0]} exit {result.exit_code}")
    left = [p.name for p in where.iterdir() if p.name.startswith(".")]
    assert not left, left  # no lock or temporary file left behind


@pytest.mark.parametrize("argv", [
    ["suggest", "bytes \udcff that are not UTF-8"],
    ["score", "\udcff.jsonl", "--out", "x.jsonl"],
    ["codebook", "--codebook", "a\x00b"],
    ["import-qdpx", "missing.qdpx", "--out", "a\udcff.jsonl"],
    ["score", "missing", "--out", "x.jsonl", "--chunk-size", "0"],
    ["agreement", "--corpus", "missing.jsonl", "--bootstrap", "1"],
])
def test_undecodable_and_impossible_arguments_are_one_error(tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, argv)
    check(result, tmp_path / "x.jsonl")
    assert result.exit_code == 2
