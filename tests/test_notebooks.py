"""The notebooks run from top to bottom, on a tiny corpus, so they cannot rot."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


# What each notebook must print on the tiny corpus, to show it ran through.
EXPECTED = {"findings.ipynb": ["quotations from 10 cases", "mean absolute error"],
            "walkthrough.ipynb": ["quotations from 10 cases", "macro-F1"]}


def test_there_is_a_walkthrough():
    assert [p.name for p in NOTEBOOKS] == sorted(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, tiny_corpus, monkeypatch, tmp_path):
    monkeypatch.setenv("NARRATIVES_CORPUS", str(tiny_corpus))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert all(expected in text for expected in EXPECTED[path.name])
    assert os.environ["NARRATIVES_CORPUS"] == str(tiny_corpus)
