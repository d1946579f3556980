import numpy as np
import pytest

from classifier.coding.agreement import (
    UNDEFINED,
    agreement_table,
    coder_matrix,
    load_codings,
    rank_suspects,
)
from classifier.errors import CorpusError
from conftest import write_jsonl

# Ten quotations, two coders, one label. Coder A says yes to 1,2,5,7,8; coder B to
# 1,5,7,8,9. By hand: observed agreement 8/10 = 0.8; each coder says yes half the time,
# so chance agreement is 0.5·0.5 + 0.5·0.5 = 0.5 and Cohen's kappa = (0.8 − 0.5)/0.5 = 0.6.
# Krippendorff's alpha (nominal): 20 pairable values, ten of each; the two disagreeing
# quotations give 4 of 20 mismatched ordered pairs, Do = 0.2; De = 2·10·10/(20·19) =
# 10/19; alpha = 1 − 0.2·19/10 = 0.62.
A = [1, 1, 0, 0, 1, 0, 1, 1, 0, 0]
B = [1, 0, 0, 0, 1, 0, 1, 1, 1, 0]


def rows(a=A, b=B, label="brutality"):
    return [{"id": f"q{i}", "case_id": f"C{i % 5}", "text": f"text {i}",
             "labels": [label] if x else [], "coder_a": [label] if x else [],
             "coder_b": [label] if y else []} for i, (x, y) in enumerate(zip(a, b, strict=True))]


@pytest.fixture
def wide(tmp_path):
    return write_jsonl(tmp_path / "wide.jsonl", rows())


def test_kappa_and_alpha_match_the_hand_computed_example(wide, codebook):
    table, coders = load_codings(wide, codebook)
    stats = agreement_table(table, coders, codebook.ids, n_boot=200)["labels"]["brutality"]
    assert stats["percent_agreement"] == pytest.approx(0.8)
    assert stats["pairs"]["coder_a / coder_b"]["cohen_kappa"] == pytest.approx(0.6)
    assert stats["alpha"] == pytest.approx(0.62)
    low, high = stats["alpha_95ci"]
    assert low <= 0.62 <= high and stats["prevalence"] == pytest.approx(0.5)


def test_a_label_nobody_used_is_undefined_not_nan(wide, codebook):
    table, coders = load_codings(wide, codebook)
    stats = agreement_table(table, coders, codebook.ids, n_boot=100)["labels"]["corruption"]
    assert stats["alpha"] == UNDEFINED
    assert stats["pairs"]["coder_a / coder_b"]["cohen_kappa"] == UNDEFINED
    assert stats["percent_agreement"] == 1.0


def test_long_and_wide_forms_give_the_same_figures(wide, tmp_path, codebook):
    long = tmp_path / "long.csv"
    lines = ["id,case_id,text,coder,labels"]
    for r in rows():
        for coder in ("coder_a", "coder_b"):
            lines.append(f"{r['id']},{r['case_id']},{r['text']},{coder},{';'.join(r[coder])}")
    long.write_text("\n".join(lines) + "\n", encoding="utf-8")
    wide_table, wide_coders = load_codings(wide, codebook)
    long_table, long_coders = load_codings(long, codebook)
    assert wide_coders == long_coders
    assert agreement_table(wide_table, wide_coders, codebook.ids, n_boot=100) == \
        agreement_table(long_table, long_coders, codebook.ids, n_boot=100)


def test_a_codings_field_as_import_qdpx_writes_it_gives_the_same_figures(wide, tmp_path,
                                                                         codebook):
    imported = [{"id": r["id"], "case_id": r["case_id"], "text": r["text"],
                 "labels": r["labels"], "codings": {"Ada": r["coder_a"], "Ben": r["coder_b"]}}
                for r in rows()]
    table, coders = load_codings(write_jsonl(tmp_path / "i.jsonl", imported), codebook)
    wide_table, wide_coders = load_codings(wide, codebook)
    assert coders == ["Ada", "Ben"]
    ours = agreement_table(table, coders, codebook.ids, n_boot=100)
    theirs = agreement_table(wide_table, wide_coders, codebook.ids, n_boot=100)
    assert ours["labels"]["brutality"]["alpha"] == theirs["labels"]["brutality"]["alpha"]
    assert ours["labels"]["brutality"]["pairs"]["Ada / Ben"] == \
        theirs["labels"]["brutality"]["pairs"]["coder_a / coder_b"]
    imported[3]["codings"]["Ben"] = ["greed"]
    imported[5]["codings"] = "Ada"
    with pytest.raises(CorpusError, match=r"(?s)2 problems in .*i.jsonl, line 4, field "
                                          r"'codings.Ben': unknown label 'greed'.*line 6, "
                                          r"field 'codings': must map coder names"):
        load_codings(write_jsonl(tmp_path / "i.jsonl", imported), codebook)


def test_missing_codings_are_allowed_and_counted(tmp_path, codebook):
    data = rows()
    for r in data[:3]:
        del r["coder_b"]
    table, coders = load_codings(write_jsonl(tmp_path / "w.jsonl", data), codebook)
    assert np.isnan(coder_matrix(table, coders, "brutality")[1, :3]).all()
    result = agreement_table(table, coders, codebook.ids, n_boot=100)
    assert result["quotations_coded_twice"] == 7 and result["quotations_coded_once"] == 3


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: [{k: v for k, v in x.items() if k != "coder_b"} for x in r],
     "agreement needs at least two coders; found coder_a"),
    (lambda r: [{**x, "coder_b": ["greed"]} for x in r], "unknown label 'greed'"),
    (lambda r: [{k: v for k, v in x.items() if k != ("coder_a" if i < 5 else "coder_b")}
                for i, x in enumerate(r)], "never coded the same quotation"),
])
def test_bad_codings_get_clear_messages(tmp_path, codebook, change, message):
    path = write_jsonl(tmp_path / "w.jsonl", change(rows()))
    with pytest.raises(CorpusError, match=message):
        load_codings(path, codebook)


def test_a_named_coder_must_exist_and_have_coded(wide, tmp_path, codebook):
    with pytest.raises(CorpusError, match="coder 'coder_c' is not in the file; found coder_a"):
        load_codings(wide, codebook, coders=["coder_a", "coder_c"])
    data = [{**r, "coder_c": None} for r in rows()]
    for r in data:
        del r["coder_c"]
    data[0]["coder_c"] = None
    path = write_jsonl(tmp_path / "c.jsonl", data)
    with pytest.raises(CorpusError, match="coder 'coder_c' coded no quotation"):
        load_codings(path, codebook, coders=["coder_a", "coder_c"])


def test_suspects_rank_the_coding_the_model_contradicts_most_first():
    import pandas as pd

    table = pd.DataFrame({"id": ["a", "b", "c"], "text": ["x", "y", "z"]})
    coded = np.array([[1, 0], [0, 0], [1, 1]])
    proba = np.array([[0.9, 0.1], [0.2, 0.97], [0.6, 0.5]])
    ranked = rank_suspects(table, ["l1", "l2"], coded, proba)
    assert list(ranked["id"]) == ["b", "c", "a"]
    assert ranked.iloc[0][["label", "coded", "model_score"]].tolist() == ["l2", "absent", 0.97]
