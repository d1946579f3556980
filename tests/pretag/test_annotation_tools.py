import json
from xml.etree import ElementTree as ET

import pytest

from classifier.pretag.annotation_tools import (
    doccano_lines,
    label_studio_config,
    label_studio_tasks,
    write_doccano,
    write_label_studio,
)
from classifier.pretag.passages import ExportContext, pretag_accounts


@pytest.fixture()
def accounts(tmp_path, tiny_model):
    (tmp_path / "a.txt").write_text("We prayed at dawn. The emir stole the spoils 💰.\r\n"
                                    "They shot the hostages at random.", encoding="utf-8")
    return pretag_accounts([tmp_path / "a.txt"], tiny_model, sentences=1)


def test_label_studio_tasks_carry_text_scores_and_choice_predictions(accounts, tiny_model):
    ctx = ExportContext.from_model(tiny_model)
    tasks = label_studio_tasks(accounts, ctx)
    assert len(tasks) == len(accounts[0].passages) == 3
    first, stolen = tasks[0], tasks[1]
    assert first["predictions"][0]["result"] == []
    assert stolen["data"]["text"] == "The emir stole the spoils 💰."
    assert stolen["data"]["start"] == accounts[0].text.index("The emir")
    [prediction] = stolen["predictions"]
    assert prediction["model_version"] == tiny_model.version
    assert prediction["result"] == [{"from_name": "narratives", "to_name": "text",
                                     "type": "choices", "value": {"choices": ["corruption"]}}]
    assert prediction["score"] == max(stolen["data"][f"score_{k}"] for k in ctx.codebook.ids)
    assert 0 <= prediction["score"] <= 1 and "corruption: raised by" in stolen["data"]["reasons"]


def test_the_labelling_configuration_names_every_label(tiny_model):
    config = ET.fromstring(label_studio_config(ExportContext.from_model(tiny_model)))
    choices = config.find("Choices")
    assert choices is not None
    assert choices.get("name") == "narratives" and choices.get("toName") == "text"
    assert [c.get("value") for c in choices] == tiny_model.labels


def test_doccano_lines_are_text_and_label(accounts):
    lines = doccano_lines(accounts)
    assert [line["label"] for line in lines] == [[], ["corruption"], ["brutality"]]
    assert lines[2]["text"] == "They shot the hostages at random."


def test_writers_count_every_passage(tmp_path, accounts, tiny_model):
    ctx = ExportContext.from_model(tiny_model)
    summary = write_label_studio(accounts, tmp_path / "t.json", ctx)
    assert summary["tasks"] == summary["passages"] == 3 and summary["suggested"] == 2
    assert len(json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))) == 3
    summary = write_doccano(accounts, tmp_path / "d.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert summary["tasks"] == len(rows) == 3 and "💰" in rows[1]["text"]
