"""The shipped corpus, challenge set, cases and model meet what the datasheet promises."""

from collections import Counter

import pytest

from classifier import label_matrix, load_cases, load_corpus, load_model
from classifier.corpus import (
    DEFAULT_CASES,
    DEFAULT_CHALLENGE,
    DEFAULT_CORPUS,
    file_sha256,
    load_hands,
    near_duplicates,
)
from conftest import ROOT


@pytest.fixture(scope="module")
def cases():
    return load_cases(DEFAULT_CASES)


@pytest.fixture(scope="module")
def corpus(codebook, cases):
    return load_corpus(DEFAULT_CORPUS, codebook, cases=cases)


@pytest.fixture(scope="module")
def challenge(codebook):
    return load_corpus(DEFAULT_CHALLENGE, codebook, require_case=False)


def test_cases_cover_sixty_defectors_with_every_field(cases):
    assert len(cases) >= 60
    assert set(cases["source"]) >= {"interview (press)", "court testimony",
                                    "social-media post", "television", "memoir"}
    assert (cases["left"] >= cases["joined"]).all()
    origins = Counter(cases["origin"])
    assert origins.most_common(2)[0][0] in {"Syria", "Iraq"}
    assert (cases["gender"] == "female").sum() >= 6


def test_corpus_size_and_label_balance(corpus, codebook):
    Y = label_matrix(corpus, codebook)
    assert len(corpus) >= 1500
    assert (Y.sum(axis=0) >= 250).all(), dict(zip(codebook.ids, Y.sum(axis=0), strict=True))
    assert (Y.sum(axis=1) == 0).sum() >= 500
    # Short statements as real reporting quotes them seldom carry two narratives at once,
    # so the hands written for real speech hold fewer; the corpus still has plenty.
    assert (Y.sum(axis=1) >= 2).sum() >= 800 and (Y.sum(axis=1) >= 2).mean() >= 0.06


def test_every_case_has_quotations_and_every_quotation_a_case(corpus, cases):
    assert set(corpus["case_id"]) == set(cases["case_id"])


def test_at_least_four_hands_each_covering_every_label(corpus, codebook):
    hands = corpus["hand"].value_counts()
    broad = 0
    for hand in hands.index:
        Y = label_matrix(corpus[corpus["hand"] == hand], codebook)
        # Every hand, a targeted one too, covers every label, so leaving it out tests it.
        assert (Y.sum(axis=0) >= 10).all() and (Y.sum(axis=1) == 0).sum() >= 25, hand
        broad += bool((Y.sum(axis=0) >= 30).all() and (Y.sum(axis=1) == 0).sum() >= 50)
    assert broad >= 4


def test_every_hand_has_a_register_and_the_reporting_hands_choose_the_thresholds(corpus):
    registers = load_hands()
    assert set(registers) == set(corpus["hand"])
    assert set(registers.values()) == {"narrative", "reporting"}
    reporting = sorted(h for h, r in registers.items() if r == "reporting")
    card = load_model().card
    assert card["threshold_rule"].endswith("on the hands " + ", ".join(reporting))


def test_three_hundred_quotations_are_double_coded(corpus):
    coded = corpus.dropna(subset=["coder_a", "coder_b"])
    assert len(coded) >= 300
    disagreements = sum(a != b for a, b in zip(coded["coder_a"], coded["coder_b"], strict=True))
    assert 0 < disagreements < len(coded) / 2


def test_no_two_quotations_differ_only_in_slotted_words(corpus, challenge):
    texts = list(corpus["text"]) + list(challenge["text"])
    pairs = near_duplicates(texts, threshold=0.8)
    shown = [(texts[i][:60], texts[j][:60]) for i, j, _ in pairs[:3]]
    assert not pairs, shown


def test_near_duplicates_finds_a_templated_pair():
    texts = ["The emir took my car and my house in Raqqa last winter.",
             "The emir took my gun and my phone in Raqqa last winter.",
             "Nothing alike here at all, a different sentence."]
    assert [(i, j) for i, j, _ in near_duplicates(texts)] == [(0, 1)]


def test_challenge_set_is_separate_and_large_enough(challenge, corpus, codebook):
    Y = label_matrix(challenge, codebook)
    assert len(challenge) >= 250
    assert (Y.sum(axis=0) >= 40).all()
    assert (Y.sum(axis=1) == 0).sum() >= 100
    assert not set(challenge["text"]) & set(corpus["text"])


def test_quotations_vary_in_length(corpus):
    lengths = corpus["text"].str.split().str.len()
    assert lengths.min() <= 6 and lengths.max() >= 60


def test_the_shipped_model_matches_the_shipped_data():
    model = load_model()
    assert model.card["training_data"]["sha256"] == file_sha256(DEFAULT_CORPUS)
    assert model.card["metrics"]["challenge"]["sha256"] == file_sha256(DEFAULT_CHALLENGE)
    assert model.labels == ["infighting", "brutality", "corruption", "quality_of_life"]


def test_sample_accounts_exist():
    samples = sorted((ROOT / "data" / "samples").glob("*.txt"))
    assert len(samples) >= 3


def test_the_datasheet_counts_match_the_data(corpus, challenge, codebook):
    from classifier.corpus import describe_corpus

    sheet = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for frame in (corpus, challenge):
        for name, row in describe_corpus(frame, codebook).iterrows():
            cells = " | ".join(str(int(v)) for v in row.to_numpy())
            assert any(line.startswith(f"| {name} ") and line.replace(" ", "").endswith(
                "|" + cells.replace(" ", "") + "|") for line in sheet.splitlines()), name


def test_the_readme_figures_are_the_shipped_model_card():
    card = load_model().card["metrics"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"**{card['cross_validated']['macro_f1']:.2f}**" in readme
    assert f"**{card['challenge']['macro_f1']:.2f}**" in readme
    real = card["real_statements"]  # the first column of the README's table
    assert f"**{real['macro_f1']:.2f}**" in readme
    assert f"{real['none_fpr']:.2f}" in readme


REAL = ROOT.parent / "shared" / "real-dev" / "statements.jsonl"


@pytest.mark.skipif(not REAL.exists(), reason="the shared real statements are not at hand")
def test_the_cards_real_statement_figures_are_a_fresh_evaluation():
    from classifier.codebook import codebook_from_dict
    from classifier.model.crossval import held_out_metrics

    model = load_model()
    recorded = model.card["metrics"]["real_statements"]
    assert recorded["sha256"] == file_sha256(REAL), "the real statements changed: make train"
    book = codebook_from_dict(model.card["codebook"], "model card")
    fresh = held_out_metrics(model.pipeline, REAL, book)["overall"]
    assert recorded["n"] == fresh["n"] and recorded["none"] == fresh["none"]
    assert recorded["macro_f1"] == pytest.approx(fresh["macro_f1"], abs=1e-9)
    assert recorded["none_fpr"] == pytest.approx(fresh["none_fpr"], abs=1e-9)
    for label, figures in fresh["labels"].items():
        assert recorded["labels"][label]["f1"] == pytest.approx(figures["f1"], abs=1e-9)
        assert recorded["labels"][label]["support"] == figures["support"]
