import zipfile
from pathlib import Path

import pytest

from classifier import InputError
from classifier.pretag.exports import Exports, export_accounts
from classifier.pretag.passages import ExportContext, pretag_accounts


def test_every_export_reports_counts_in_and_out(tmp_path, tiny_model):
    (tmp_path / "a.txt").write_text("We prayed. The emir stole the spoils.", encoding="utf-8")
    accounts = pretag_accounts([tmp_path / "a.txt"], tiny_model, sentences=1)
    exports = Exports(html=tmp_path / "o.html", qdpx=tmp_path / "o.qdpx",
                      label_studio=tmp_path / "o.json", doccano=tmp_path / "o.jsonl")
    lines = export_accounts(accounts, ExportContext.from_model(tiny_model), exports)
    assert lines[0].startswith("html: 1 accounts and 1 suggested passages in, 1 page(s) out")
    assert lines[1].startswith("qdpx: 1 accounts and 1 suggested passages in, 1 sources and "
                               "1 selections (1 codings) out")
    assert lines[2].startswith("label studio: 2 passages in, 2 tasks out (1 predicting labels)")
    assert lines[3].startswith("doccano: 2 passages in, 2 lines out (1 with labels)")
    assert zipfile.is_zipfile(tmp_path / "o.qdpx") and (tmp_path / "o.config.xml").exists()
    assert not Exports()


@pytest.mark.parametrize(("field", "name", "message"), [
    ("qdpx", "o.zip", "o.zip: --qdpx writes a .qdpx file; name it o.qdpx"),
    ("label_studio", "o.jsonl", "o.jsonl: --label-studio writes a .json file"),
    ("doccano", "o.json", "o.json: --doccano writes a .jsonl file"),
])
def test_an_output_of_the_wrong_kind_is_refused(field, name, message):
    with pytest.raises(InputError, match=message):
        Exports(**{field: Path(name)}).check()


def test_a_qdpx_coder_needs_a_qdpx_export():
    with pytest.raises(InputError, match=r"--qdpx-coder: names the first user of a .qdpx "
                                         r"export; give --qdpx OUT.qdpx too"):
        Exports(html=Path("o.html"), qdpx_coder="Jane").check()
    Exports(qdpx=Path("o.qdpx"), qdpx_coder="Jane").check()
