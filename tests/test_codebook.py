import json

import pytest
import yaml

from classifier.codebook import codebook_from_dict, load_codebook
from classifier.errors import CodebookError


def test_shipped_codebook_has_the_four_narratives_in_order(codebook):
    assert codebook.ids == ["infighting", "brutality", "corruption", "quality_of_life"]
    for label in codebook.labels:
        assert label.definition and label.apply_when and label.do_not_apply_when
        assert len(label.indicative_terms) >= 10
        assert 2 <= len(label.examples) <= 3


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_yaml_json_and_toml_give_the_same_codebook(tmp_path, codebook, suffix):
    data = codebook.to_dict()
    path = tmp_path / f"book{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(data))
    else:
        lines = [f'name = "{data["name"]}"', f'version = "{data["version"]}"']
        for label in data["labels"]:
            lines.append("[[labels]]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in label.items()]
        path.write_text("\n".join(lines))
    assert load_codebook(path).labels == codebook.labels


def test_a_team_can_bring_its_own_labels(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"name": "mine", "labels": [
        {"id": "grievance", "name": "Grievance", "definition": "A grievance."},
        {"id": "hope", "name": "Hope", "definition": "Hope for the future."}]}))
    book = load_codebook(path)
    assert book.ids == ["grievance", "hope"]
    assert book["hope"].colour.startswith("#")


def test_every_problem_names_the_field():
    with pytest.raises(CodebookError) as caught:
        codebook_from_dict({"labels": [{"id": "Bad Id", "name": "x", "definition": ""},
                                       {"id": "ok", "name": "ok", "definition": "d",
                                        "examples": "not a list"}]}, "book.yaml")
    message = str(caught.value)
    assert "field 'labels[0].definition'" in message
    assert "'Bad Id' is not a valid id" in message
    assert "field 'labels[1].examples': must be a list of strings" in message


def test_duplicate_label_and_missing_labels():
    one = {"id": "a", "name": "A", "definition": "d"}
    with pytest.raises(CodebookError, match="label 'a' is defined twice"):
        codebook_from_dict({"labels": [one, one]})
    with pytest.raises(CodebookError, match="expected a mapping with a 'labels' list"):
        codebook_from_dict(["a"])


def test_unreadable_codebooks(tmp_path):
    with pytest.raises(CodebookError, match="no such codebook file"):
        load_codebook(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("labels: [unclosed")
    with pytest.raises(CodebookError, match=r"bad.yaml: cannot be parsed"):
        load_codebook(bad)
    (tmp_path / "book.ini").write_text("x")
    with pytest.raises(CodebookError, match="unsupported codebook type"):
        load_codebook(tmp_path / "book.ini")
