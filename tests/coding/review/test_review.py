"""The review app through Starlette's test client: routes, guards, queue, store, export."""

from __future__ import annotations

import json
import sqlite3
import warnings
from dataclasses import replace

import pytest
from review_support import decision, page_state, write_accounts

from classifier.codebook import codebook_from_dict
from classifier.coding.agreement import agreement_table, load_codings
from classifier.coding.qdpx_import import import_qdpx
from classifier.coding.review import export_review, open_review, open_store
from classifier.coding.review.app import ReviewSettings, create_app
from classifier.coding.review.queue import next_passage
from classifier.corpus import load_corpus
from classifier.errors import InputError

with warnings.catch_warnings():  # Starlette prefers httpx2, which this project does not pin
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

BASE = "http://127.0.0.1:8765"


@pytest.fixture
def review(tmp_path, tiny_model_path, tiny_corpus):
    accounts = write_accounts(tmp_path / "accounts")
    store, model, _ = open_review(tmp_path / "review.sqlite", accounts,
                                  model_path=tiny_model_path, corpus=tiny_corpus)
    yield store, model
    store.close()


def client_for(store, model, coder="ana", **options) -> TestClient:
    return TestClient(create_app(store, model, ReviewSettings(coder, 8765, **options)),
                      base_url=BASE)


def token_of(client: TestClient) -> tuple[str, dict]:
    state = page_state(client.get("/").text)
    return state["token"], state


def test_decisions_are_saved_undone_and_counted(review):
    store, model = review
    client = client_for(store, model)
    token, state = token_of(client)
    first = state["passage"]
    assert first["suggestion"]["model_version"] == model.version
    assert set(first["suggestion"]["scores"]) == set(store.codebook.ids)
    assert client.post("/api/decide", json=decision(first)).status_code == 403  # no token
    answer = client.post("/api/decide", json=decision(first, "correct", ["brutality"], "sure?"),
                         headers={"X-Review-Token": token}).json()
    saved = store.decisions("ana")
    assert [d["id"] for d in saved] == [answer["saved"]]
    assert saved[0]["final"] == ["brutality"] and saved[0]["note"] == "sure?"
    assert saved[0]["scores"] == first["suggestion"]["scores"]
    assert saved[0]["text"] == first["text"] and saved[0]["start"] == first["start"]
    assert answer["progress"]["done"] == 1
    assert answer["progress"]["per_label"]["brutality"] == 1
    assert answer["passage"]["id"] != first["id"]
    undone = client.post("/api/undo", headers={"X-Review-Token": token}).json()
    assert undone["undone"] == first["id"] and undone["passage"]["id"] == first["id"]
    assert store.decisions("ana") == [] and undone["progress"]["done"] == 0
    history = store.rows("SELECT undone FROM decisions")
    assert [r["undone"] for r in history] == [1]  # kept, marked undone


def test_accepting_as_shown_is_recorded_as_right(review):
    store, model = review
    client = client_for(store, model)
    token, state = token_of(client)
    headers = {"X-Review-Token": token}
    passage = state["passage"]
    for _ in range(3):
        passage = client.post("/api/decide", json=decision(passage), headers=headers) \
            .json()["passage"]
    wrong = [lab for lab in store.codebook.ids if lab not in passage["suggestion"]["labels"]]
    result = client.post("/api/decide", json=decision(passage, "accept", wrong[:1]),
                         headers=headers).json()
    assert result["progress"]["recent"] == [1, 1, 1, 0]
    assert [d["action"] for d in store.decisions("ana")] == ["accept"] * 3 + ["correct"]


@pytest.mark.parametrize("headers", [{"Host": "evil.example"},
                                     {"Host": "attacker.example:8765"},
                                     {"Origin": "http://evil.example"}])
def test_foreign_hosts_and_origins_are_refused(review, headers):
    store, model = review
    client = client_for(store, model)
    token, _ = token_of(client)
    assert client.get("/api/status", headers=headers).status_code == 403
    response = client.post("/api/undo", headers={**headers, "X-Review-Token": token})
    assert response.status_code == 403
    assert store.rows("SELECT COUNT(*) AS n FROM decisions")[0]["n"] == 0


def test_a_stale_token_is_refused(review):
    store, model = review
    client = client_for(store, model)
    response = client.post("/api/retrain", headers={"X-Review-Token": "made-up"})
    assert response.status_code == 403 and "token" in response.text


@pytest.mark.parametrize("change", [{"labels": ["treason"]}, {"action": "maybe"},
                                    {"scores": {"infighting": 2}}, {"passage_id": "nope"},
                                    {"note": "x" * 5001}])
def test_bad_decisions_are_refused(review, change):
    store, model = review
    client = client_for(store, model)
    token, state = token_of(client)
    response = client.post("/api/decide", json={**decision(state["passage"]), **change},
                           headers={"X-Review-Token": token})
    assert response.status_code == 400 and response.json()["error"]
    assert store.decisions() == []


def test_script_in_an_account_shows_as_text(tmp_path, tiny_model_path, tiny_corpus):
    hostile = tmp_path / "<script>alert(1)<,script>.txt"
    hostile.write_text("<script>alert('x')</script> the emir stole the spoils and bought a "
                       "villa.\n", encoding="utf-8")
    store, model, _ = open_review(tmp_path / "r.sqlite", [hostile], model_path=tiny_model_path,
                                  corpus=tiny_corpus)
    html = client_for(store, model, coder="ana").get("/").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert page_state(html)["passage"]["text"].startswith("<script>alert('x')")
    store.close()


def test_reading_order_and_the_next_ranking(review):
    store, model = review
    from classifier.coding.review.queue import rank_queue

    reading = next_passage(store, "ana", order="reading")
    assert reading["seq"] == 1
    assert rank_queue(store, model, window=5) == 5
    ranked = next_passage(store, "ana", order="next")
    assert ranked["ranked_by"] == model.version
    client = client_for(store, model)
    assert client.get("/api/next?order=reading").json()["passage"]["seq"] == 1


def test_second_coder_sees_only_the_overlap_share(review):
    store, _ = review
    total = store.rows("SELECT COUNT(*) AS n FROM passages")[0]["n"]
    for _ in range(total):
        passage = next_passage(store, "ana", order="reading")
        store.save(decision_of(store, passage, "ana"))
    assert next_passage(store, "ben", order="reading") is None
    store.set_meta("overlap", "0.5")
    seen = 0
    while (passage := next_passage(store, "ben", share=0.5, order="reading")) is not None:
        assert passage["overlap"] < 0.5
        store.save(decision_of(store, passage, "ben"))
        seen += 1
    assert 0 < seen < total


def decision_of(store, passage, coder, labels=("corruption",)):
    from classifier.coding.review.store import Decision

    scores = dict.fromkeys(store.codebook.ids, 0.1)
    return Decision(passage["id"], coder, "correct", "v0", scores, [], list(labels))


def test_export_writes_a_corpus_train_and_agreement_read(review, tmp_path):
    store, _ = review
    store.set_meta("overlap", "1")
    for coder, labels in (("ana", ["corruption"]), ("ben", ["corruption", "brutality"])):
        for _ in range(6):
            passage = next_passage(store, coder, share=1.0, order="reading")
            store.save(decision_of(store, passage, coder, labels))
    summary = export_review(store.path, tmp_path / "corpus.jsonl")
    assert summary["quotations"] == 6 and summary["coders"] == ["ana", "ben"]
    corpus = load_corpus(tmp_path / "corpus.jsonl", store.codebook)
    assert corpus["labels"].tolist() == [["brutality", "corruption"]] * 6  # half of two coders
    assert corpus["coder_ana"].tolist() == [["corruption"]] * 6
    export_review(store.path, tmp_path / "corpus.csv")
    assert load_corpus(tmp_path / "corpus.csv", store.codebook)["labels"].tolist() == \
        corpus["labels"].tolist()
    table, coders = load_codings(store.path, store.codebook)
    assert coders == ["coder_ana", "coder_ben"] and len(table) == 6
    agreement = agreement_table(table, coders, store.codebook.ids, n_boot=100)
    assert agreement["labels"]["corruption"]["percent_agreement"] == 1.0
    assert agreement["labels"]["brutality"]["percent_agreement"] == 0.0
    counts = export_review(store.path, tmp_path / "project.qdpx")
    assert counts["users"] == ["ana", "ben"]
    assert counts["selections"] == 12 and counts["codings"] == 18
    records, found = import_qdpx(tmp_path / "project.qdpx", store.codebook, users=["ben"])
    assert found["other_users"] == 6 and len(records) == 6
    assert {tuple(r["labels"]) for r in records} == {("brutality", "corruption")}


def test_a_database_of_another_codebook_is_refused(review, tmp_path):
    store, _ = review
    data = json.loads(json.dumps(store.codebook.to_dict()))
    other = codebook_from_dict({**data, "labels": [
        {**label, "id": f"x_{label['id']}"} for label in data["labels"]]})
    with pytest.raises(InputError, match="was made with the codebook"):
        open_store(store.path, other)
    renamed = replace(store.codebook, name="Another codebook")
    with pytest.raises(InputError, match="not 'Another codebook'"):
        open_store(store.path, renamed)


def test_missing_and_unreadable_databases_are_refused(tmp_path):
    with pytest.raises(InputError, match="no such review database"):
        open_store(tmp_path / "missing.sqlite", create=False)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is no database at all" * 100)
    with pytest.raises(InputError, match="cannot be read as a review database"):
        open_store(garbage, create=False)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(InputError, match="is not a review database"):
        open_store(foreign, create=False)


def test_suggestions_are_the_models_scores_and_explanations(review):
    from classifier.model.explain import explain

    store, model = review
    passage = next_passage(store, "ana", order="reading")
    shown = client_for(store, model).get("/api/next?order=reading").json()["passage"]
    assert shown["id"] == passage["id"]
    expected = model.predict_proba([passage["text"]])[0]
    assert list(shown["suggestion"]["scores"].values()) == pytest.approx(expected, abs=1e-4)
    why = explain(model.pipeline, [passage["text"]], model.labels)[0]
    for j, label in enumerate(model.labels):
        assert [t for t, _ in shown["suggestion"]["up"][label]] == \
            [c.term for c in why[j].up(5)]
        assert [t for t, _ in shown["suggestion"]["down"][label]] == \
            [c.term for c in why[j].down(5)]


def test_a_retrained_model_changed_on_disk_is_not_loaded(review, tmp_path, tiny_model_path):
    import time

    from classifier.coding.review.store import now
    from conftest import copy_model

    store, model = review
    copy = copy_model(tiny_model_path, tmp_path / "swapped.joblib")
    with store.cursor() as cur:
        cur.execute("INSERT INTO models VALUES ('v2', ?, ?, 5, ?, 1.0, 'ready', 0, '')",
                    (str(copy), "0" * 64, now()))
    client = client_for(store, model)
    client.get("/api/status")  # the newer model is loaded in a thread, and refused
    deadline = time.monotonic() + 30
    while not store.meta("training_error") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "changed since the review wrote it" in store.meta("training_error")
    status = client.get("/api/status").json()
    assert status["model_version"] == model.version
    assert "changed since" in status["training_error"]


def test_retraining_chooses_thresholds_on_the_base_hands_and_the_reviewed_accounts(tmp_path):
    from classifier.coding.review.retrain import retrain
    from classifier.coding.review.store import Decision
    from classifier.model.artifact import load_model
    from classifier.model.train import train
    from conftest import make_corpus

    corpus = make_corpus(tmp_path / "five_hands.jsonl", cases=10)
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    for row in rows:  # five writers, two cases each
        row["hand"] = f"h{int(row['case_id'][1:]) % 5}"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    train(corpus, out=tmp_path / "base.joblib", cv_folds=3, threshold_hands=["h0", "h1"])
    base = load_model(tmp_path / "base.joblib")
    assert base.pipeline.named_steps["classifier"].threshold_groups == ("h0", "h1")

    store = open_store(tmp_path / "review.sqlite", codebook_from_dict(base.card["codebook"]))
    texts = {f"p{i}": rows[i]["text"] + " As I told them." for i in range(0, 40, 4)}
    store.add_passages({}, [{"id": pid, "account": "letters", "start": 0, "end": len(text),
                             "text": text, "before": "", "after": ""}
                            for pid, text in texts.items()])
    for i, pid in enumerate(texts):
        store.save(Decision(pid, "ana", "correct", base.version,
                            dict.fromkeys(base.labels, 0.5), [], rows[4 * i]["labels"]))
    card = retrain(store, base, corpus=corpus, weight=2, out_dir=tmp_path / "models")
    store.close()
    retrained = load_model(card["path"], trust_pickle=True)
    # the base model's threshold hands, and the coders' own account beside them
    assert retrained.pipeline.named_steps["classifier"].threshold_groups == (
        "h0", "h1", "review:letters")
    assert card["training_data"]["decisions"] == 10
