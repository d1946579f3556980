import zipfile
from datetime import datetime
from xml.etree import ElementTree as ET

import pytest
from qdpx_samples import MODEL, SCHEMA, T0, TEXT, decisions, needs_schema

from classifier import InputError
from classifier.pretag.qdpx_codings import PROJECT_NS, QdaCoding, user_guid, write_codings_qdpx

NS = {"q": PROJECT_NS}




@needs_schema
def test_each_coder_is_a_user_with_their_own_dated_selections(tmp_path, codebook):
    import xmlschema

    written = write_codings_qdpx({"a.txt": TEXT}, decisions(), tmp_path / "r.qdpx",
                                 codebook, users=["Ben"], created=T0)
    assert written["users"] == ["Ben", MODEL, "Ada"]
    assert written["by_user"] == {"Ben": 2, MODEL: 1, "Ada": 2}
    assert (written["selections"], written["codings"]) == (5, 5)
    with zipfile.ZipFile(tmp_path / "r.qdpx") as archive:
        xml = archive.read("project.qde")
    assert list(xmlschema.XMLSchema(SCHEMA).iter_errors(xml)) == []
    root = ET.fromstring(xml)
    assert root.get("origin") == "narratives" and root.get("creatingUserGUID") == user_guid("Ben")
    selections = list(root.iter(f"{{{PROJECT_NS}}}PlainTextSelection"))
    seen = [(s.get("startPosition"), s.get("creatingUser"), s.get("creationDateTime"),
             [c.get("creatingUser") for c in s.iterfind("q:Coding", NS)]) for s in selections]
    ada, ben, model = user_guid("Ada"), user_guid("Ben"), user_guid(MODEL)
    # Same span: the first user's decision first; an empty decision has no Coding.
    assert seen == [("0", ben, "2026-12-05T09:00:00Z", [ben]),
                    ("0", model, "2026-12-03T09:00:00Z", [model]),
                    ("0", ada, "2026-12-04T09:00:00Z", [ada, ada]),
                    ("27", ada, "2026-12-04T09:00:00Z", []),
                    ("46", ben, "2026-12-05T09:00:00Z", [ben])]
    assert len({s.get("guid") for s in selections}) == 5


def test_bad_codings_are_all_listed_and_nothing_is_written(tmp_path, codebook):
    naive = datetime(2026, 12, 3, 9, 0)
    bad = [QdaCoding("", "a.txt", 0, 3, [], T0),
           QdaCoding("Ada", "b.txt", 0, 3, [], T0),
           QdaCoding("Ada", "a.txt", 60, 99, [], T0),
           QdaCoding("Ada", "a.txt", 0, 3, ["greed"], naive),
           QdaCoding("Ada", "a.txt", 0, 3, [], T0)]
    with pytest.raises(InputError) as caught:
        write_codings_qdpx({"a.txt": TEXT}, bad, tmp_path / "r.qdpx", codebook)
    message = str(caught.value)
    for expected in ["6 problems in coding 0", "coding 0, field 'coder': the coder's name is "
                     "empty", "coding 1, field 'source': source 'b.txt' is not among the "
                     "sources given (a.txt)", "coding 2, field 'start': positions 60–99 are not "
                     "inside the source's 69 characters", "coding 3, field 'labels': unknown "
                     "label 'greed'", "coding 3, field 'time': the time datetime.datetime(2026, "
                     "12, 3, 9, 0) has no zone", "coding 4, field 'coder': 'Ada' decided on "
                     "a.txt 0–3 twice"]:
        assert expected in message
    assert not (tmp_path / "r.qdpx").exists()
    with pytest.raises(InputError, match=r"created: the time 2026-12-03T09:00:00 has no zone"):
        write_codings_qdpx({"a.txt": TEXT}, [], tmp_path / "r.qdpx", codebook, users=["Ada"],
                           created=naive)
