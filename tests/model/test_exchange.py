"""Safe model exchange: skops files, and joblib files only from models/ or when trusted."""

import json
import re
import shutil
from pathlib import Path

import joblib
import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from typer.testing import CliRunner

from classifier import InputError, ModelError, export_model, load_model
from classifier.cli import app
from classifier.corpus import file_sha256
from classifier.model.artifact import card_path
from classifier.model.exchange import MODELS_DIR, TRUST_ENV, TRUSTED_TYPES
from conftest import ROOT, copy_model, write_jsonl

runner = CliRunner()
TEXTS = ["They shot the hostages at random.", "The emir stole the spoils.", "We prayed at dawn."]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


class Plant:
    """Unpickling this creates a file: ``open(path, "w")`` runs as the pickle is loaded."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


class PlantOnState:
    """Building this from a skops file creates a file, in ``__setstate__``."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __setstate__(self, state):
        Path(state["path"]).write_text("planted")


@pytest.fixture
def untrusted(monkeypatch):
    """No model is trusted yet in this test, not even the ones this session trained."""
    monkeypatch.delenv(TRUST_ENV, raising=False)


@pytest.fixture
def outside(tmp_path, tiny_model_path):
    """A copy of the tiny model and its card outside the project's models/ folder."""
    return copy_model(tiny_model_path, tmp_path / "theirs.joblib")


@pytest.fixture(scope="module")
def skops_model(tmp_path_factory, tiny_model_path):
    return Path(export_model(tiny_model_path, tmp_path_factory.mktemp("skops") / "m.skops")
                ["file"])


def with_card(path: Path, like: Path, field: str) -> Path:
    """Give ``path`` a card that matches it, as a forger would."""
    card = json.loads(card_path(like).read_text())
    card[field] = file_sha256(path)
    card_path(path).write_text(json.dumps(card))
    return path


def test_a_skops_file_scores_as_the_joblib_does(tiny_model, skops_model):
    received = load_model(skops_model)
    assert np.array_equal(received.predict_proba(TEXTS), tiny_model.predict_proba(TEXTS))
    assert np.array_equal(received.pipeline.predict_proba(TEXTS),
                          tiny_model.pipeline.predict_proba(TEXTS))
    assert received.card["skops_sha256"] == file_sha256(skops_model)
    assert received.labels == tiny_model.labels
    assert set(sio.get_untrusted_types(file=skops_model)) <= set(TRUSTED_TYPES)


def test_the_default_export_sits_beside_the_model_and_shares_its_card(outside):
    card = export_model(outside, trust_pickle=True)
    assert card["file"] == str(outside.with_suffix(".skops"))
    shared = json.loads(card_path(outside).read_text())
    assert shared["skops_sha256"] == file_sha256(outside.with_suffix(".skops"))
    assert shared["artifact_sha256"] == file_sha256(outside)
    assert load_model(outside).labels == load_model(outside.with_suffix(".skops")).labels


def test_export_refuses_a_wrong_suffix_a_format_and_another_models_card(tmp_path, outside):
    with pytest.raises(InputError, match=r"m\.joblib: a skops model file must end in \.skops"):
        export_model(outside, tmp_path / "m.joblib", trust_pickle=True)
    with pytest.raises(InputError, match="'onnx' is not an export format; use skops"):
        export_model(outside, tmp_path / "m.skops", format="onnx")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"artifact_sha256": "0" * 64}))
    with pytest.raises(InputError, match=r"other\.json: is the card of another model"):
        export_model(outside, tmp_path / "other.skops", trust_pickle=True)
    assert json.loads(other.read_text()) == {"artifact_sha256": "0" * 64}
    assert not (tmp_path / "other.skops").exists()


def test_a_changed_skops_file_or_a_card_without_its_sha_is_refused(tmp_path, skops_model):
    copy = tmp_path / "m.skops"
    copy_model(skops_model, copy)
    with copy.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="does not match its card"):
        load_model(copy)
    card = json.loads(card_path(copy).read_text())
    del card["skops_sha256"]
    card_path(copy).write_text(json.dumps(card))
    with pytest.raises(ModelError, match=r"field 'skops_sha256' is missing .* does not "
                                         r"describe m\.skops"):
        load_model(copy)


def test_a_joblib_file_outside_models_loads_only_when_trusted(untrusted, outside):
    with pytest.raises(ModelError, match=r"runs code when it is loaded, and this one is "
                                         r"outside the project's models/ folder"):
        load_model(outside)
    assert load_model(outside, trust_pickle=True).labels
    assert load_model(outside).labels  # trusted, by its bytes, for the rest of the process
    with outside.open("ab") as handle:
        handle.write(b"\0")
    with_card(outside, outside, "artifact_sha256")
    with pytest.raises(ModelError, match="outside the project's models/ folder"):
        load_model(outside)  # other bytes under the same name are not trusted


def test_the_shipped_model_in_models_needs_no_trust(untrusted):
    assert load_model(MODELS_DIR / "narratives.joblib").labels


def command_lines(model: Path, tmp: Path) -> dict[str, list[object]]:
    """Every command that takes --model, ready to run on ``model``."""
    excerpts = write_jsonl(tmp / "in.jsonl", [{"id": str(i), "text": t}
                                              for i, t in enumerate(TEXTS)])
    coded = write_jsonl(tmp / "coded.jsonl", [
        {"id": "1", "text": TEXTS[0], "labels": ["brutality"]},
        {"id": "2", "text": TEXTS[1], "labels": ["corruption"]},
        {"id": "3", "text": TEXTS[2], "labels": []}])
    account = tmp / "account.txt"
    account.write_text(" ".join(TEXTS))
    return {
        "suggest": ["suggest", TEXTS[0]],
        "score": ["score", excerpts, "--out", tmp / "scores.jsonl", "--jobs", "2", "--quiet"],
        "pretag": ["pretag", account],
        "evaluate": ["evaluate", "--test", coded, "--out", tmp / "report"],
        "model export": ["model", "export", "--out", tmp / "exported.skops"],
        "next": ["next", excerpts, "-k", "1", "--out", tmp / "next.csv"],
    }


COMMANDS = ["suggest", "score", "pretag", "evaluate", "model export", "next"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_model_command_refuses_an_untrusted_joblib_and_takes_trust_pickle(
        untrusted, tmp_path, outside, command):
    line = command_lines(outside, tmp_path)[command]
    refused = run(*line, "--model", outside)
    assert refused.exit_code == 2
    assert re.fullmatch(r"Error: \S*theirs\.joblib: a joblib model file runs code when it is "
                        r"loaded, .* or pass --trust-pickle if you trust who made it\n",
                        refused.output)
    assert not (tmp_path / "scores.jsonl").exists() and not (tmp_path / "report").exists()
    trusted = run(*line, "--model", outside, "--trust-pickle")
    assert trusted.exit_code == 0, trusted.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_model_command_takes_a_skops_file(untrusted, tmp_path, skops_model, command):
    result = run(*command_lines(skops_model, tmp_path)[command], "--model", skops_model)
    assert result.exit_code == 0, result.output


def crafted_pickle(folder: Path, marker: Path) -> Path:
    """A joblib file whose loading would create ``marker``, with a card that matches it."""
    path = folder / "gift.joblib"
    joblib.dump(Plant(marker), path)
    return path


def test_the_crafted_pickle_is_live(tmp_path):
    control = tmp_path / "control"
    joblib.load(crafted_pickle(tmp_path, control)).close()
    assert control.exists()  # so its absence below means it was never unpickled


def test_a_crafted_pickle_never_runs_by_either_path(untrusted, tmp_path, tiny_model_path):
    marker = tmp_path / "pwned"
    gift = with_card(crafted_pickle(tmp_path, marker), tiny_model_path, "artifact_sha256")
    with pytest.raises(ModelError, match="outside the project's models/ folder"):
        load_model(gift)
    for command, line in command_lines(gift, tmp_path).items():
        result = run(*line, "--model", gift)
        assert result.exit_code == 2 and "Error: " in result.output, command
    as_skops = gift.with_suffix(".skops")
    shutil.copy(gift, as_skops)
    with_card(as_skops, tiny_model_path, "skops_sha256")
    with pytest.raises(ModelError, match="cannot be loaded as a skops model file"):
        load_model(as_skops)
    assert run("suggest", "x", "--model", as_skops, "--trust-pickle").exit_code == 2
    assert not marker.exists()


def test_a_skops_file_with_a_foreign_type_is_refused_naming_it(untrusted, tmp_path, tiny_model,
                                                               tiny_model_path):
    marker = tmp_path / "pwned"
    steps = [*tiny_model.pipeline.steps, ("extra", PlantOnState(marker))]
    gift = tmp_path / "gift.skops"
    sio.dump(Pipeline(steps), gift)
    with_card(gift, tiny_model_path, "skops_sha256")
    with pytest.raises(ModelError, match=r"holds types this project does not trust, so it is "
                                         r"not loaded: test_exchange\.PlantOnState;"):
        load_model(gift)
    result = run("suggest", "x", "--model", gift)
    assert result.exit_code == 2 and "test_exchange.PlantOnState" in result.output
    assert not marker.exists()
    sio.load(gift, trusted=sio.get_untrusted_types(file=gift))  # the payload is live
    assert marker.exists()


def test_model_export_prints_where_and_is_documented(tmp_path, skops_model):
    result = run("model", "export", "--model", skops_model, "--out", tmp_path / "again.skops")
    assert result.exit_code == 0, result.output
    assert "again.skops" in result.output and "again.json; send both" in result.output
    assert (tmp_path / "again.skops").exists() and (tmp_path / "again.json").exists()
    assert "Example:" in run("model", "export", "--help").output
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert "narratives model export" in reference and "--trust-pickle" in reference
