import csv
import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit
from typer.testing import CliRunner

from classifier import load_corpus
from classifier.cli import app
from classifier.coding.next import (
    TrainingSet,
    code_next,
    rank_next,
    read_pool,
    read_training,
    training_corpus_of,
)
from classifier.corpus import DEFAULT_CORPUS, file_sha256, near_duplicates
from classifier.errors import InputError
from classifier.model.suggest import NarrativeModel
from conftest import write_jsonl

LABELS = ["infighting", "brutality", "corruption", "quality_of_life"]
SPY = "a spy in the square"  # the tiny model gives it a middling brutality score
CONFIDENT = ["They executed villagers in the square for nothing. The hostages were shot.",
             "I crossed the border at night with my cousin.",
             "The emir stole the spoils and bought a villa."]
OTHERS = ["the commander", "the brigade next door", "the car never came", "they were killed",
          "spoils of the brothers", "no bread and no villa", "We prayed at dawn",
          "The emir was there"]


def pool_frame(texts, cases=None):
    return pd.DataFrame({"id": [f"p{i:02d}" for i in range(len(texts))],
                         "case_id": cases or [f"K{i}" for i in range(len(texts))],
                         "text": texts})


@pytest.fixture(scope="module")
def spy_model(tiny_model):
    """The tiny model with brutality's threshold set at the score of SPY."""
    score = float(tiny_model.predict_proba([SPY])[0, LABELS.index("brutality")])
    thresholds = {**tiny_model.thresholds, "brutality": score}
    return NarrativeModel(tiny_model.pipeline, {**tiny_model.card, "thresholds": thresholds})


def margins(model, texts):
    """The documented measure, computed here from the public scores and thresholds."""
    proba = np.clip(model.predict_proba(texts), 1e-9, 1 - 1e-9)
    cut = np.array([model.thresholds[label] for label in model.labels])
    return np.abs(logit(proba) - logit(cut)).min(axis=1)


def test_excerpts_near_a_threshold_come_before_confident_ones(spy_model):
    texts = [*CONFIDENT, *OTHERS, SPY]
    frame = rank_next(spy_model, pool_frame(texts), k=len(texts), diversity=0.0,
                      max_similarity=1.0)
    assert frame["text"].iloc[0] == SPY
    assert frame["reason"].iloc[0].startswith("brutality ")
    assert "vs threshold" in frame["reason"].iloc[0]
    # The whole order is the order of the smallest log-odds distance to a threshold.
    expected = pd.Series(margins(spy_model, texts), index=texts).sort_values(kind="stable")
    assert frame["text"].tolist() == expected.index.tolist()
    assert frame["margin"].is_monotonic_increasing
    assert set(frame["text"].tail(3)) <= set(CONFIDENT) | set(OTHERS)
    assert frame["rank"].tolist() == list(range(1, len(texts) + 1))


def test_each_reason_names_the_closest_label_its_score_and_threshold(spy_model):
    frame = rank_next(spy_model, pool_frame([*OTHERS, SPY]), k=5)
    for row in frame.itertuples():
        label, score, _, _, threshold = str(row.reason).split(";")[0].split(" ")
        assert label in LABELS
        assert score == f"{getattr(row, f'score_{label}'):.2f}"
        assert threshold == f"{spy_model.thresholds[label]:.2f}"


def test_no_two_picks_are_near_copies_when_the_pool_has_many(spy_model):
    copies = [SPY, "A spy in the square.", "a spy   in the square", "then a spy in the square",
              "A spy in the square today.", "a spy in the square!", "so, a spy in the square",
              "a spy in the square again", "a spy in the square, truly", "A SPY in the square"]
    pool = pool_frame([*copies, *OTHERS])
    frame = rank_next(spy_model, pool, k=6, diversity=0.0)
    assert len(frame) == 6
    assert len(set(frame["text"]) & set(copies)) == 1
    assert near_duplicates(frame["text"].tolist()) == []
    assert frame.attrs["summary"]["near_copies"] >= 8
    # Without the filter the copies would have crowded the list.
    crowded = rank_next(spy_model, pool, k=6, diversity=0.0, max_similarity=1.0)
    assert len(set(crowded["text"]) & set(copies)) >= 4


def test_picks_spread_across_cases(spy_model):
    texts = [SPY + tail for tail in ("", " today", " again", " then", " now", " still")]
    texts += OTHERS
    cases = ["A"] * 6 + ["B", "B", "C", "C", "D", "D", "E", "E"]
    pool = pool_frame(texts, cases)
    frame = rank_next(spy_model, pool, k=6, per_case=2, diversity=0.0, max_similarity=1.0)
    assert frame["case_id"].value_counts().max() <= 2
    assert frame["case_id"].nunique() >= 3
    default = rank_next(spy_model, pool, k=6, diversity=0.0, max_similarity=1.0)
    # Twice the even share of k: 2 * 6 / 5 cases, rounded up.
    assert default.attrs["summary"]["per_case"] == 3
    assert default["case_id"].value_counts().max() <= 3


def test_the_ranking_is_deterministic_and_ties_go_to_the_smaller_id(spy_model):
    pool = pool_frame([*OTHERS, SPY, SPY], cases=[f"K{i}" for i in range(len(OTHERS) + 2)])
    first = rank_next(spy_model, pool, k=5)
    again = rank_next(spy_model, pool.sample(frac=1, random_state=3), k=5)
    pd.testing.assert_frame_equal(first, again)
    twins = pool["id"].iloc[-2:].tolist()
    assert first["id"].iloc[0] == min(twins) and max(twins) not in set(first["id"])


def test_excerpts_already_in_the_training_corpus_are_skipped(tmp_path, tiny_model, tiny_corpus):
    training = [json.loads(line) for line in tiny_corpus.read_text().splitlines()]
    pool = write_jsonl(tmp_path / "pool.jsonl", [
        {"id": training[0]["id"], "case_id": "N1", "text": "An excerpt the corpus lacks."},
        {"id": "new-1", "case_id": "N1", "text": "  " + training[1]["text"].replace(" ", "\n ")},
        {"id": "new-2", "case_id": "N2", "text": SPY},
        {"id": "new-3", "case_id": "N3", "text": "the brigade next door"}])
    frame = code_next(pool, tiny_model, out=tmp_path / "next.csv", corpus=tiny_corpus, k=5)
    summary = frame.attrs["summary"]
    assert (summary["skipped_same_id"], summary["skipped_same_text"]) == (1, 1)
    assert summary["candidates"] == 2 and summary["training"] == str(tiny_corpus)
    assert sorted(frame["id"]) == ["new-2", "new-3"]
    with pytest.raises(InputError, match="every excerpt is already in the training corpus"):
        code_next(write_jsonl(tmp_path / "old.jsonl", training[:3]), tiny_model,
                  out=tmp_path / "none.csv", corpus=tiny_corpus)
    assert not (tmp_path / "none.csv").exists()


def test_the_training_corpus_is_the_shipped_one_only_when_the_card_says_so(tiny_model):
    assert training_corpus_of(tiny_model) is None
    card = {**tiny_model.card, "training_data": {"sha256": file_sha256(DEFAULT_CORPUS)}}
    assert training_corpus_of(NarrativeModel(tiny_model.pipeline, card)) == DEFAULT_CORPUS
    keys = read_training(DEFAULT_CORPUS)
    assert isinstance(keys, TrainingSet) and "q0001" in keys.ids


def test_the_filled_in_csv_loads_as_a_corpus(tmp_path, tiny_model, codebook):
    texts = [SPY, 'The emir said "no", then took the car, the house and the bread.',
             "Café talk:\nthe emir beheaded his own fighter 🙂", *OTHERS]
    rows = [{"id": f"x{i}", "case": f"C{i % 3}", "text": t} for i, t in enumerate(texts)]
    pool = write_jsonl(tmp_path / "pool.jsonl", rows)
    out = tmp_path / "next.csv"
    frame = code_next(pool, tiny_model, out=out, k=len(texts), per_case=len(texts),
                      max_similarity=1.0)
    assert frame["labels"].eq("").all()
    with out.open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0])[:6] == ["rank", "id", "case_id", "text", "labels", "reason"]
    assert {f"score_{label}" for label in LABELS} <= set(table[0])
    coded = dict(zip([r["id"] for r in table],
                     itertools.cycle(["brutality", "", "corruption;quality_of_life"]),
                     strict=False))
    for row in table:
        row["labels"] = coded[row["id"]]
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    corpus = load_corpus(out, codebook)
    by_id = {r["id"]: r for r in rows}
    assert sorted(corpus["id"]) == sorted(by_id)
    for record in corpus.to_dict("records"):
        assert record["text"] == by_id[record["id"]]["text"]
        assert record["case_id"] == by_id[record["id"]]["case"]
        assert record["labels"] == [lab for lab in coded[record["id"]].split(";") if lab]


def test_a_pool_without_cases_counts_each_excerpt_as_its_own_case(tmp_path, tiny_model):
    pool = tmp_path / "pool.csv"
    pool.write_text("id,text\n" + "".join(f"{i},{t}\n" for i, t in enumerate(OTHERS)))
    frame = rank_next(tiny_model, read_pool(pool), k=4)
    summary = frame.attrs["summary"]
    assert summary["cases"] == len(OTHERS) and summary["picked_without_case"] == 4
    assert frame["case_id"].eq("").all()


def test_a_bad_pool_names_every_bad_record(tmp_path):
    pool = tmp_path / "pool.jsonl"
    pool.write_text('{"id": "a", "text": "fine"}\n{"id": "a", "text": "again"}\n'
                    '{"text": "no id"}\n{"id": "c", "text": "  "}\n'
                    '{"id": "d", "text": "x", "case": ["A"]}\n')
    with pytest.raises(InputError) as caught:
        read_pool(pool)
    message = str(caught.value)
    assert message.startswith(f"4 problems in {pool}")
    assert "line 2, field 'id': duplicate id 'a' (first on line 1)" in message
    assert "line 3, field 'id': missing id" in message
    assert "line 4, field 'text': text is empty" in message
    assert "line 5, field 'case': must be a case id" in message


runner = CliRunner()


def test_the_command_prints_the_list_and_a_summary(tmp_path, tiny_model_path):
    pool = write_jsonl(tmp_path / "pool.jsonl", [
        {"id": f"p{i}", "case_id": f"K{i % 3}", "text": t}
        for i, t in enumerate([*OTHERS, SPY, SPY + " again"])])
    out = tmp_path / "next.csv"
    result = runner.invoke(app, ["next", str(pool), "-k", "4", "--out", str(out),
                                 "--model", str(tiny_model_path)])
    assert result.exit_code == 0, result.output
    assert "vs threshold" in result.output
    assert "ranked 10 of 10 excerpts from 3 cases" in result.output
    assert "no training corpus known" in result.output
    assert re.search(rf"wrote 4 from [23] cases \(at most 3 per case\) to {re.escape(str(out))}",
                     result.output)
    assert len(pd.read_csv(out)) == 4


@pytest.mark.parametrize(("content", "message"), [
    (None, "Error: {pool}: no such file"),
    ('{"id": "a", "text": "fine"}\n{"id": "b"}\n', "Error: {pool}, line 2, field 'text': "
                                                     "text is missing"),
    ('{"id": "a", "text": "fine"}\n{"id": "b", "te', "Error: {pool}, line 2: not valid JSON"),
])
def test_a_bad_pool_exits_2_with_one_line_and_no_output(tmp_path, tiny_model_path, content,
                                                         message):
    pool = tmp_path / "pool.jsonl"
    if content is not None:
        pool.write_text(content)
    out = tmp_path / "next.csv"
    result = runner.invoke(app, ["next", str(pool), "--out", str(out),
                                 "--model", str(tiny_model_path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(message.format(pool=pool))
    assert not out.exists()


def test_the_list_must_be_written_as_csv(tmp_path, tiny_model_path):
    pool = write_jsonl(tmp_path / "pool.jsonl", [{"id": "a", "text": SPY}])
    result = runner.invoke(app, ["next", str(pool), "--out", str(tmp_path / "next.xlsx"),
                                 "--model", str(tiny_model_path)])
    assert result.exit_code == 2 and "give a file name ending in .csv" in result.stderr
