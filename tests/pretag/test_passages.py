import pytest

from classifier import InputError, pretag_files, pretag_text


def test_each_passage_gets_suggestions_and_offsets(tiny_model):
    text = ("I crossed the border at night with my cousin. We prayed at dawn.\n\n"
            "The emir stole the spoils and bought a villa. The foreigners got double salary.")
    tagged = pretag_text(text, tiny_model, sentences=2)
    assert [t.passage.index for t in tagged] == [0, 1]
    assert tagged[0].suggestion.labels == []
    assert tagged[1].suggestion.labels == ["corruption"]
    for t in tagged:
        assert text[t.passage.start:t.passage.end] == t.passage.text == t.suggestion.text


def test_files_are_all_checked_before_scoring(tmp_path, tiny_model):
    good = tmp_path / "good.txt"
    good.write_text("They shot the hostages at random.", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(InputError, match=r"empty.txt: is empty"):
        pretag_files([good, empty], tiny_model)
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"line one\nline \xff two\n")
    with pytest.raises(InputError, match=r"broken.txt, line 2: is not valid UTF-8"):
        pretag_files([broken], tiny_model)
    assert list(pretag_files([good], tiny_model)) == [str(good)]


def test_line_endings_become_newlines_so_crlf_paragraphs_split(tmp_path, tiny_model):
    from classifier.pretag.passages import pretag_accounts, reasons_text

    (tmp_path / "dos.txt").write_bytes(b"We prayed at dawn.\r\n\r\nThe emir stole the spoils.\r"
                                       b"The foreigners got double salary.\r\n")
    [account] = pretag_accounts([tmp_path / "dos.txt"], tiny_model, sentences=3)
    assert "\r" not in account.text
    assert [t.passage.text for t in account.passages] == [
        "We prayed at dawn.", "The emir stole the spoils.\nThe foreigners got double salary."]
    [suggested] = account.suggested
    assert reasons_text(suggested.suggestion, "corruption").startswith("raised by ")
