"""Every command example in the README and docs/ exists in the command line, and the cheap
ones run.

The ```sh blocks are read; each ``narratives ...`` line (continuation lines joined,
comments and ``[...]`` brackets of optional parts dropped) must name a command of the
Typer app and only options that command has. The examples of ``suggest``, ``codebook``
and ``pretag`` on the samples are run in a temporary folder, as a reader would.
"""

import glob
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from classifier.cli import app
from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNABLE = {"suggest", "codebook", "pretag"}
PLACEHOLDER = re.compile(r"^[A-Z][A-Z_/]*$|\.\.\.|…")


def sh_lines(path: Path) -> list[tuple[str, str]]:
    """(file:line, command) for each command of the file's ```sh blocks, continuations joined."""
    found = []
    text = path.read_text(encoding="utf-8")
    for block in re.finditer(r"```sh\n(.*?)```", text, re.S):
        first = text.count("\n", 0, block.start(1)) + 1
        pending, start = "", 0
        for n, line in enumerate(block.group(1).splitlines()):
            start = start if pending else first + n
            pending += line.rstrip("\\").strip() + " "
            if line.endswith("\\"):
                continue
            if re.search(r"(^|\|\s*)narratives\b", pending.strip()):
                found.append((f"{path.name}:{start}", pending.strip()))
            pending = ""
    return found


EXAMPLES = [example for path in DOCS for example in sh_lines(path)]


def words(line: str) -> tuple[list[str], str | None]:
    """The words of the ``narratives`` part of a line, and what is piped into it."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    tokens = list(lexer)
    stdin = None
    if "|" in tokens:
        cut = tokens.index("|")
        before, tokens = tokens[:cut], tokens[cut + 1:]
        stdin = " ".join(before[1:]) + "\n" if before[:1] == ["echo"] else None
    assert tokens[0] == "narratives", line
    return [t.strip("[]") for t in tokens[1:] if t.strip("[]")], stdin


def is_group(command: Any) -> bool:
    return hasattr(command, "commands")


def command_of(args: list[str]) -> tuple[Any, list[str], list[str]]:
    """The click command the words name, its path, and the words after it."""
    command = typer.main.get_command(app)
    path = []
    while is_group(command) and args and args[0] in command.commands:
        path.append(args[0])
        command = command.commands[args.pop(0)]
    return command, path, args


def test_the_docs_have_examples_of_every_command():
    named = {" ".join(command_of(words(line)[0])[1]) for _, line in EXAMPLES}
    tree: Any = typer.main.get_command(app)
    expected = {name if not is_group(c) else f"{name} {sub}"
                for name, c in tree.commands.items()
                for sub in (c.commands if is_group(c) else [None])}
    assert expected <= named, expected - named


@pytest.mark.parametrize("where,line", EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_every_example_names_a_command_and_its_options(where, line):
    command, path, rest = command_of(words(line)[0])
    assert path and not is_group(command), f"{where}: no command in {line!r}"
    known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    used = {w.split("=")[0] for w in rest if w.startswith("-") and not re.match(r"-\d", w)}
    assert used <= known | {"--help"}, f"{where}: {sorted(used - known)} not in {path}"


def runnable(line: str) -> bool:
    args, _ = words(line)
    _, path, rest = command_of(list(args))
    return bool(path) and path[0] in RUNNABLE and not any(PLACEHOLDER.search(w) for w in rest)


CHEAP = [(where, line) for where, line in EXAMPLES if runnable(line)]


@pytest.mark.parametrize("where,line", CHEAP, ids=[w for w, _ in CHEAP])
def test_the_cheap_examples_run(where, line, tmp_path, monkeypatch):
    for name in ("data", "models"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    args, stdin = words(line)
    expanded = [hit for w in args for hit in (sorted(glob.glob(w)) or [w])]
    missing = [w for w in expanded[1:] if not w.startswith("-") and "/" in w
               and not Path(w).exists() and not w.endswith((".html", ".qdpx", ".qdc", ".json",
                                                              ".jsonl", "/"))]
    if missing:
        pytest.skip(f"{where}: an input of the example is not shipped: {missing}")
    result = CliRunner().invoke(app, expanded, input=stdin)
    assert result.exit_code == 0, f"{where}: {line}\n{result.output}"
    assert result.output.strip()


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_relative_link_leads_to_a_file(path):
    text = path.read_text(encoding="utf-8")
    links = re.findall(r"\]\((?!https?:|mailto:|#)([^)#\s]+)", text)
    broken = [link for link in links if not (path.parent / link).exists()]
    assert not broken, f"{path.name}: {broken}"
