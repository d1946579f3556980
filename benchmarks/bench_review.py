"""What ``narratives review`` costs: serving the next passage, and retraining on decisions.

**Serving**: a review database of 100,000 passages (the shipped corpus's texts, repeated
under new ids) with 1,000 decisions already made; the app runs under uvicorn on 127.0.0.1
and is asked over HTTP, with keep-alive, for (a) a static file, (b) the next passage of the
queue (``/api/next``, order ``next`` and ``reading``), (c) a passage whose suggestion is not
cached (scored and explained on the spot), (d) a decision saved and the next passage
served (``/api/decide``). Times are medians and 95th percentiles, and ratios against (a).

**Retraining**: 1,000 decisions (the challenge file's excerpts, then sample passages
labelled as the shipped model suggests) on top of the shipped corpus, against
``narratives train`` on the shipped corpus (cross-validation included). ``--weights``
also measures how much the decisions should count: half of each writer's challenge
excerpts become decisions, the other half is held out (then the other way round), and
the held-out macro-F1 is reported for each weight.

    python benchmarks/bench_review.py [--passages 100000] [--requests 200] [--weights 0 1 2 4]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from classifier import load_codebook, load_corpus, load_model
from classifier.coding.review.app import ReviewSettings, create_app
from classifier.coding.review.queue import reading_ranks
from classifier.coding.review.retrain import DEFAULT_WEIGHT, retrain
from classifier.coding.review.store import Decision, open_store
from classifier.corpus import DEFAULT_CHALLENGE, DEFAULT_CORPUS
from classifier.model.crossval import label_metrics
from classifier.model.train import train


def fill(db: Path, passages: int, decided: int, model) -> object:
    book = load_codebook()
    store = open_store(db, book)
    texts = load_corpus(DEFAULT_CORPUS, book)["text"].tolist()
    rows = [{"id": f"p{i:06d}", "account": f"account_{i // 200}", "start": 0,
             "end": len(texts[i % len(texts)]), "text": texts[i % len(texts)],
             "before": "", "after": ""} for i in range(passages)]
    store.add_passages({}, rows)
    reading_ranks(store)
    scores = dict.fromkeys(book.ids, 0.5)
    for row in rows[:decided]:
        store.save(Decision(row["id"], "ana", "accept", model.version, scores, [], []))
    return store


def timed(call, n: int) -> dict[str, float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median_ms": statistics.median(times), "p95_ms": times[int(0.95 * (n - 1))]}


def serve_in_thread(app, port: int):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread


def bench_serving(passages: int, requests: int) -> pd.DataFrame:
    model = load_model()
    with tempfile.TemporaryDirectory() as folder:
        store = fill(Path(folder) / "review.sqlite", passages, 1000, model)
        settings = ReviewSettings("ana", 8799, every=10**9)
        server, thread = serve_in_thread(create_app(store, model, settings), settings.port)
        base = f"http://127.0.0.1:{settings.port}"
        client = httpx.Client(base_url=base)
        token = settings.issue_token()
        ids = iter(f"p{i:06d}" for i in range(passages - 1, 0, -7))
        passage = client.get("/api/next").json()["passage"]

        def decide() -> None:
            nonlocal passage
            s = passage["suggestion"]
            passage = client.post("/api/decide", headers={"X-Review-Token": token}, json={
                "passage_id": passage["id"], "action": "accept", "labels": s["labels"],
                "model_version": s["model_version"], "scores": s["scores"],
                "suggested": s["labels"], "note": ""}).json()["passage"]

        rows = {"static file": timed(lambda: client.get("/static/review.css"), requests),
                "next passage (next order)": timed(lambda: client.get("/api/next"), requests),
                "next passage (reading order)": timed(
                    lambda: client.get("/api/next?order=reading"), requests),
                "uncached passage, scored and explained": timed(
                    lambda: client.get(f"/api/next?id={next(ids)}"), requests),
                "decision saved + next passage": timed(decide, requests)}
        server.should_exit = True
        thread.join()
        store.close()
    table = pd.DataFrame(rows).T
    table["ratio"] = table["median_ms"] / table.loc["static file", "median_ms"]
    return table


def decisions_from(frame: pd.DataFrame, store, model, version: str) -> None:
    book = store.codebook
    rows = [{"id": str(r.id), "account": f"{r.hand}-{r.register}", "start": 0,
             "end": len(r.text), "text": r.text, "before": "", "after": ""}
            for r in frame.itertuples()]
    store.add_passages({}, rows)
    scores = dict.fromkeys(book.ids, 0.5)
    for r in frame.itertuples():
        store.save(Decision(str(r.id), "ana", "correct", version, scores, [], list(r.labels)))


def thousand(model) -> pd.DataFrame:
    """The challenge excerpts, then sample passages with the model's labels, up to 1,000."""
    from classifier.pretag.passages import pretag_files

    frame = pd.read_json(DEFAULT_CHALLENGE, lines=True)
    samples = sorted(Path(DEFAULT_CORPUS).parent.joinpath("samples").glob("*.txt"))
    extra = [{"id": f"s{i}", "hand": "samples", "register": "text", "text": t.passage.text,
              "labels": t.suggestion.labels}
             for i, t in enumerate(p for ps in pretag_files(samples, model, sentences=1)
                                   .values() for p in ps)]
    frame = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
    while len(frame) < 1000:  # repeat under new ids if the samples fall short
        frame = pd.concat([frame, frame.assign(id=frame["id"] + "b")], ignore_index=True)
    return frame.head(1000)


def bench_retraining() -> pd.DataFrame:
    model = load_model()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        train(DEFAULT_CORPUS, out=Path(folder) / "m.joblib")
        train_s = time.perf_counter() - start
        store = open_store(Path(folder) / "review.sqlite", load_codebook())
        decisions_from(thousand(model), store, model, model.version)
        start = time.perf_counter()
        card = retrain(store, model, corpus=DEFAULT_CORPUS, weight=DEFAULT_WEIGHT,
                       out_dir=Path(folder) / "models")
        retrain_s = time.perf_counter() - start
        store.close()
    return pd.DataFrame([
        {"run": "narratives train (shipped corpus, 5-fold CV + fit)", "seconds": train_s},
        {"run": f"review retraining ({card['decisions']} decisions × {DEFAULT_WEIGHT} + "
                "shipped corpus)",
         "seconds": retrain_s}]).assign(ratio=lambda t: t["seconds"] / train_s)


def _held_out_f1(card: dict, held: pd.DataFrame, labels: list[str]) -> float:
    fitted = load_model(card["path"], trust_pickle=True)
    proba = fitted.predict_proba(held["text"].tolist())
    predicted = (proba >= [fitted.thresholds[lab] for lab in labels]).astype(int)
    Y = np.array([[int(lab in row) for lab in labels] for row in held["labels"]])
    return float(label_metrics(Y, proba, predicted, labels)["macro_f1"])


def bench_weights(weights: list[int]) -> pd.DataFrame:
    """Held-out macro-F1 per weight, on both halves of the challenge file in turn."""
    model = load_model()
    book = load_codebook()
    challenge = pd.read_json(DEFAULT_CHALLENGE, lines=True)
    half = challenge.groupby("hand").cumcount() % 2
    rows = []
    for split in (0, 1):
        coded, held = challenge[half == split], challenge[half != split]
        with tempfile.TemporaryDirectory() as folder:
            store = open_store(Path(folder) / "review.sqlite", book)
            decisions_from(coded, store, model, model.version)
            for weight in weights:
                card = retrain(store, model, corpus=DEFAULT_CORPUS, weight=weight,
                               out_dir=Path(folder) / f"w{weight}")
                rows.append({"weight": weight, "split": split, "decisions": len(coded),
                             "held_out": len(held),
                             "macro_f1": _held_out_f1(card, held, book.ids)})
            store.close()
    table = pd.DataFrame(rows).pivot(index="weight", columns="split", values="macro_f1")
    table.columns = [f"macro_f1 split {c}" for c in table.columns]
    return table.assign(mean=table.mean(axis=1)).reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--weights", type=int, nargs="*", default=[])
    parser.add_argument("--skip-retraining", action="store_true")
    parser.add_argument("--skip-serving", action="store_true")
    args = parser.parse_args()
    pd.set_option("display.width", 120)
    if not args.skip_serving:
        print(f"serving, {args.passages:,} passages queued, 1,000 decided, "
              f"{args.requests} requests")
        print(bench_serving(args.passages, args.requests).round(2).to_string())
    if not args.skip_retraining:
        print("\nretraining")
        print(bench_retraining().round(2).to_string(index=False))
    if args.weights:
        print("\nweight of a decision: held-out macro-F1 (half of each writer's challenge "
              "excerpts coded, the other half held out, then the other way round)")
        print(bench_weights(args.weights).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
