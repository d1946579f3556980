"""The package's tree shows its jobs, and imports flow one way between them.

Each module belongs to a room: the top-level modules every job uses, the shared
``formats``, the ``model``, the jobs (``pretag``, ``archive``, ``coding``, ``study``,
``evaluation``) and the command line. A room may import only the rooms below it; the
rules here are the ones each subpackage's ``__init__`` docstring states.
"""

import ast
import json
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "classifier"
BASE = {"errors", "formats", "codebook", "corpus"}
JOB = BASE | {"model"}
# room -> the rooms its modules may import (besides itself)
MAY_IMPORT = {
    "errors": set(),
    "formats": {"errors"},
    "codebook": {"errors", "formats"},
    "corpus": {"errors", "formats", "codebook"},
    "model": BASE,
    "pretag": JOB,
    "archive": JOB,
    "evaluation": JOB,
    "study": JOB,
    "coding": JOB | {"pretag", "archive"},
    "cli": JOB | {"pretag", "archive", "evaluation", "study", "coding"},
    "__main__": {"cli"},
}
JOBS = ("model", "pretag", "archive", "coding", "study", "evaluation")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    """The room of a dotted module name under ``classifier``."""
    return module.split(".")[1] if "." in module else "__init__"


def _is_module(dotted: str) -> bool:
    where = PACKAGE.parent / dotted.replace(".", "/")
    return where.is_dir() or where.with_suffix(".py").is_file()


def imported(source: str, name: str, *, package: bool = False) -> set[str]:
    """Every ``classifier`` module that the module ``name`` imports, anywhere in it."""
    here = name if package else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = here.split(".")
                base = parts[: len(parts) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            # "from . import plots" imports the module classifier.<room>.plots
            found |= {f"{target}.{a.name}" for a in node.names if _is_module(f"{target}.{a.name}")}
    return {m for m in found if m == "classifier" or m.startswith("classifier.")}


def imports_of(path: Path) -> set[str]:
    return imported(path.read_text(encoding="utf-8"), module_name(path),
                    package=path.name == "__init__.py")


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_flow_one_way(path):
    here = room(module_name(path))
    if here == "__init__":  # the public API may gather from every room but the CLI
        assert not {m for m in imports_of(path) if room(m) == "cli"}
        return
    allowed = MAY_IMPORT[here] | {here}
    wrong = sorted(m for m in imports_of(path) if m != "classifier" and room(m) not in allowed)
    assert not wrong, f"{module_name(path)} ({here}) may not import {wrong}"
    assert "classifier" not in imports_of(path) or here == "cli", \
        f"{module_name(path)} imports the package's public API; import the module instead"


def test_every_room_is_known_and_every_job_has_its_folder():
    rooms = {room(module_name(p)) for p in MODULES}
    assert rooms <= set(MAY_IMPORT) | {"__init__"}, rooms - set(MAY_IMPORT)
    for job in (*JOBS, "formats", "cli"):
        assert (PACKAGE / job / "__init__.py").is_file(), job


@pytest.mark.parametrize("job", [*JOBS, "formats"])
def test_each_subpackage_states_its_import_rule(job):
    doc = ast.get_docstring(ast.parse((PACKAGE / job / "__init__.py").read_text()))
    assert doc and "Import rule:" in doc, f"classifier/{job}/__init__.py: say what it may import"


def test_the_rule_catches_a_sideways_import():
    found = imported("from ..evaluation import report\nfrom . import text\n",
                     "classifier.model.probe")
    assert found == {"classifier.evaluation", "classifier.evaluation.report",
                     "classifier.model", "classifier.model.text"}
    assert {room(m) for m in found} - MAY_IMPORT["model"] - {"model"} == {"evaluation"}


def _outside_modules() -> list[tuple[str, str]]:
    """(file, module) for every classifier module named by tests, benchmarks, fuzz and notebooks."""
    root = PACKAGE.parent
    sources = [(p, p.read_text(encoding="utf-8"))
               for folder in ("tests", "benchmarks", "fuzz") for p in (root / folder).rglob("*.py")]
    for notebook in (root / "notebooks").glob("*.ipynb"):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        sources.append((notebook, "\n".join("".join(c["source"]) for c in cells
                                            if c["cell_type"] == "code")))
    pattern = re.compile(r"^\s*(?:from|import) (classifier(?:\.\w+)*)", re.M)
    return [(str(path.relative_to(root)), module) for path, text in sources
            for module in pattern.findall(text)]


def test_tests_benchmarks_fuzz_and_notebooks_import_modules_that_exist():
    missing = sorted({(where, m) for where, m in _outside_modules() if not _is_module(m)})
    assert not missing, missing
