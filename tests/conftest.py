"""Shared fixtures: a tiny seeded corpus, a model trained on it, and paths to shipped data."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from classifier import load_codebook, load_model, train
from classifier.codebook import DEFAULT_CODEBOOK
from classifier.model.artifact import card_path

# Property tests run the same examples on every run ("ci"), so a failure reproduces;
# HYPOTHESIS_PROFILE=explore draws new ones, and more, to look for bugs.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Each label gets its own small vocabulary so that a handful of cases teaches it;
# "none" sentences share the setting words, as the hard negatives of a real corpus do.
PHRASES = {
    "infighting": ["we fought the other rebels instead of the regime",
                   "the emir called the brigade next door apostates and we attacked them",
                   "everyone was accused of being a spy for the others",
                   "brothers killing brothers while Assad watched"],
    "brutality": ["they executed villagers in the square for nothing",
                  "the hostages were shot at random",
                  "our commander beheaded his own fighter",
                  "civilians were whipped and killed without reason"],
    "corruption": ["the emir stole the spoils and bought a villa",
                   "the foreigners got double salary and the best houses",
                   "the commander's cousin never paid a fine, pure favouritism",
                   "racism against the Africans, the Syrians were second class"],
    "quality_of_life": ["the promised car and house never came",
                        "months of boring guard duty and no bread",
                        "no electricity, no medicine, always hungry and cold",
                        "the newcomers were sent first to die as cannon fodder"],
    "none": ["I crossed the border at night with my cousin",
             "we prayed at dawn and then studied the Quran",
             "my mother cried on the phone when I called",
             "training was hard but I was proud then",
             "after the escape I lived in a camp in Turkey"],
}


def make_corpus(path: Path, *, cases: int = 10, per_case: int = 8, seed: int = 0) -> Path:
    """Write a tiny coded corpus: each quotation joins one or two phrases of its labels."""
    rng = random.Random(seed)
    labels = [k for k in PHRASES if k != "none"]
    rows = []
    for c in range(cases):
        for q in range(per_case):
            kind = (c + q) % 5
            chosen = [] if kind == 4 else [labels[kind]]
            if kind != 4 and rng.random() < 0.15:
                chosen.append(rng.choice([lab for lab in labels if lab not in chosen]))
            parts = [rng.choice(PHRASES[lab]) for lab in chosen] or [rng.choice(PHRASES["none"])]
            parts.append(rng.choice(PHRASES["none"]))
            rng.shuffle(parts)
            text = ". ".join(p[0].upper() + p[1:] for p in parts) + "."
            rows.append({"id": f"t{c:02d}-{q:02d}", "case_id": f"K{c:02d}", "text": text,
                         "labels": chosen, "hand": f"h{c % 2}"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def codebook():
    return load_codebook(DEFAULT_CODEBOOK)


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus") / "tiny.jsonl")


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory, tiny_corpus) -> Path:
    out = tmp_path_factory.mktemp("model") / "tiny.joblib"
    train(tiny_corpus, out=out, cv_folds=3)
    return out


@pytest.fixture(scope="session")
def tiny_model(tiny_model_path):
    return load_model(tiny_model_path)


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def copy_model(source: Path, target: Path) -> Path:
    """Copy a model file and its card, as a user hands both to a colleague."""
    shutil.copy(source, target)
    shutil.copy(card_path(source), card_path(target))
    return target
