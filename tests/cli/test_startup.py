"""The command line starts at once: ``--help`` loads none of the heavy libraries, and the
light commands load only what they use.

Each check runs the CLI's ``main`` in a fresh interpreter and reads ``sys.modules``.
"""

import ast
import json
import subprocess
import sys

import pytest

from conftest import ROOT

HEAVY = ("sklearn", "spacy", "pandas", "pyarrow", "matplotlib", "dask")

# Runs every `narratives ... --help` in one interpreter, in order; modules only pile up,
# so the first command after which a heavy module is loaded is the one that loaded it.
HELP_ALL = """
import json, sys
import click, typer
from classifier.cli import app, main

def commands(group, path):
    yield path
    for name, command in getattr(group, "commands", {}).items():
        yield from commands(command, [*path, name])

tree = typer.main.get_command(app)
report = []
for path in commands(tree, []):
    sys.argv = ["narratives", *path, "--help"]
    try:
        main()
    except SystemExit:
        pass
    report.append([" ".join(path), [m for m in HEAVY if m in sys.modules]])
print(json.dumps(report))
"""

# Runs one command and names, for each heavy module loaded, the file that imported it.
RUN_ONE = """
import json, sys, traceback

importers = {}

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name in HEAVY and name not in importers:
            frames = [f.filename for f in traceback.extract_stack()[:-1]
                      if not f.filename.startswith("<")]
            importers[name] = frames[-1]
        return None

sys.meta_path.insert(0, Watch())
from classifier.cli import main
sys.argv = ["narratives", *ARGS]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
ours = sorted(m for m in sys.modules if m == "classifier" or m.startswith("classifier."))
print(json.dumps({"code": code, "importers": importers, "modules": ours}), file=sys.stderr)
"""


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    code = f"HEAVY = {HEAVY!r}\nARGS = {list(args)!r}\n{script}"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False)


def test_help_of_every_command_loads_no_heavy_library():
    child = run(HELP_ALL)
    assert child.returncode == 0, child.stderr[-2000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert len(report) >= 12, report  # the app, its commands and the model group's
    loaded = [(command or "(narratives)", heavy) for command, heavy in report if heavy]
    assert not loaded, f"--help loaded heavy libraries: {loaded[0]}"


@pytest.mark.parametrize("args", [
    ["suggest", "The emir took the best houses for the foreigners."],
    ["pretag", "data/samples/memoir_chapter.txt"],
], ids=["suggest", "pretag"])
def test_suggest_and_pretag_load_neither_matplotlib_nor_dask_nor_pandas_of_their_own(args):
    child = run(RUN_ONE, *args)
    outcome = json.loads(child.stderr.strip().splitlines()[-1])
    assert outcome["code"] in (0, None), child.stderr[-2000:]
    importers = outcome["importers"]
    assert "matplotlib" not in importers and "dask" not in importers, importers
    # scikit-learn itself imports pandas when it is installed (sklearn/utils/fixes.py),
    # and pandas pyarrow; no module of this package may be the one that does.
    package = str(ROOT / "classifier")
    ours = {name: where for name, where in importers.items() if where.startswith(package)}
    assert not {"pandas", "pyarrow"} & set(ours), ours
    if "pandas" in importers:
        assert "/sklearn/" in importers["pandas"], importers
    # and no module the command loaded imports them at its top, even after scikit-learn did
    for module in outcome["modules"]:
        top = top_level_imports(module)
        assert not {"pandas", "pyarrow", "matplotlib", "dask"} & top, (module, top)


def top_level_imports(module: str) -> set[str]:
    """The libraries a module imports when it loads (not inside functions or TYPE_CHECKING)."""
    path = ROOT / module.replace(".", "/")
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found
