import json
import zipfile
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qdpx_samples import MODEL, decisions
from qdpx_samples import TEXT as REVIEWED

from classifier import InputError, load_corpus
from classifier.coding.agreement import agreement_table, load_codings
from classifier.coding.qdpx_import import import_qdpx, load_code_map, write_corpus
from classifier.pretag.passages import ExportContext, pretag_accounts
from classifier.pretag.qdpx import model_user, write_qdpx
from classifier.pretag.qdpx_codings import write_codings_qdpx

TEXT = ("We prayed at dawn 🙏 in the café.\r\n\r\n"
        "The emir stole the spoils and bought a villa 🏠. The hostages were shot at random.\r\n")
NS = 'xmlns="urn:QDA-XML:project:1.0"'
USER = "11111111-1111-1111-1111-111111111111"
CODE = "22222222-2222-2222-2222-222222222222"
SOURCE = "33333333-3333-3333-3333-333333333333"


@pytest.fixture()
def exported(tmp_path, tiny_model):
    (tmp_path / "account.txt").write_bytes(TEXT.encode("utf-8"))
    accounts = pretag_accounts([tmp_path / "account.txt"], tiny_model, sentences=1)
    write_qdpx(accounts, tmp_path / "p.qdpx", ExportContext.from_model(tiny_model))
    return tmp_path / "p.qdpx", accounts


def project(selections="", code="Corruption, privilege and unfairness", text="One. Two.",
            user_name="Coder A", path="internal://s.txt", extra=""):
    """A small hand-written project, as a QDA tool would write it."""
    return (f'<?xml version="1.0" encoding="utf-8"?><Project {NS} name="x">'
            f'<Users><User guid="{USER}" name="{user_name}"/></Users>'
            f'<CodeBook><Codes><Code guid="{CODE}" name="{code}" isCodable="true"/></Codes>'
            f'</CodeBook><Sources><TextSource guid="{SOURCE}" name="s.txt" '
            f'plainTextPath="{path}">{selections}</TextSource>{extra}</Sources></Project>'), text


def selection(start=0, end=4, code=CODE, user=USER, time=None):
    when = f' creationDateTime="{time}"' if time else ""
    return (f'<PlainTextSelection guid="44444444-4444-4444-4444-444444444444" '
            f'startPosition="{start}" endPosition="{end}"><Coding '
            f'guid="55555555-5555-5555-5555-555555555555" creatingUser="{user}"{when}>'
            f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>')


def qdpx(tmp_path, xml, text="One. Two.", name="t.qdpx"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
        archive.writestr("sources/s.txt", text)
    return path


def test_round_trip_gives_the_same_passages_and_labels(exported, codebook, tmp_path,
                                                       tiny_model):
    path, [account] = exported
    _, user = model_user(tiny_model.version)
    records, summary = import_qdpx(path, codebook, users=[user])
    assert [(r["start"], r["end"], r["text"], r["labels"]) for r in records] == \
        [(t.passage.start, t.passage.end, t.passage.text, t.suggestion.labels)
         for t in account.suggested]
    assert summary["quotations"] == len(account.suggested) and summary["cases"] == 1
    assert {r["case_id"] for r in records} == {"account.txt"}
    corpus = write_corpus(records, tmp_path / "corpus.jsonl")
    assert len(load_corpus(corpus, codebook)) == len(records)


def test_round_trip_keeps_who_coded_and_when(exported, codebook, tmp_path, tiny_model):
    _, [account] = exported
    when = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    path = tmp_path / "timed.qdpx"
    write_qdpx([account], path, ExportContext.from_model(tiny_model), coder="Jane Doe",
               created=when)
    _, model = model_user(tiny_model.version)
    records, summary = import_qdpx(path, codebook, users=[model])
    assert summary["coders"] == [model] and len(records) == len(account.suggested)
    for record, item in zip(records, account.suggested, strict=True):
        assert record["coders"] == [model]
        assert record["codings"] == {model: item.suggestion.labels}
        assert record["coded_at"] == {model: "2026-12-03T09:30:00Z"}


def test_an_imported_review_compares_its_coders_and_keeps_the_models_apart(tmp_path,
                                                                          codebook):
    path = tmp_path / "review.qdpx"
    write_codings_qdpx({"a.txt": REVIEWED}, decisions(), path, codebook)
    records, summary = import_qdpx(path, codebook)
    assert summary["coders"] == ["Ada", "Ben"] and summary["other_users"] == 1
    assert summary["uncoded_selections"] == 1
    assert [(r["start"], r["codings"], r["coded_at"]) for r in records] == [
        (0, {"Ada": ["brutality", "corruption"], "Ben": ["corruption"]},
         {"Ada": "2026-12-04T09:00:00Z", "Ben": "2026-12-05T09:00:00Z"}),
        (27, {"Ada": []}, {"Ada": "2026-12-04T09:00:00Z"}),
        (46, {"Ben": ["brutality"]}, {"Ben": "2026-12-05T09:00:00Z"})]
    corpus = write_corpus(records, tmp_path / "review.jsonl")
    table, coders = load_codings(corpus, codebook)
    assert coders == ["Ada", "Ben"]
    result = agreement_table(table, coders, codebook.ids, n_boot=100)
    assert result["quotations_coded_twice"] == 1 and result["quotations_coded_once"] == 2
    assert result["labels"]["brutality"]["pairs"]["Ada / Ben"]["percent_agreement"] == 0.0
    with_model, _ = import_qdpx(path, codebook, users=["Ada", MODEL])
    assert with_model[0]["codings"] == {"Ada": ["brutality", "corruption"],
                                        MODEL: ["corruption"]}
    table, coders = load_codings(write_corpus(with_model, tmp_path / "m.jsonl"), codebook)
    assert coders == ["Ada", MODEL]


def test_the_models_own_codings_are_left_out_by_default(exported, codebook):
    path, _ = exported
    with pytest.raises(InputError, match=r"p.qdpx: holds no coded text selection.*by users "
                                         r"left out: narratives model"):
        import_qdpx(path, codebook)


def test_human_codings_of_the_same_span_become_one_quotation(tmp_path, codebook):
    two = selection(0, 4, time="2026-12-03T09:00:00+01:00") + selection(
        0, 4, time="2026-12-03T08:30:00Z").replace("4444", "6666").replace("5555", "7777")
    xml, text = project(two)
    records, summary = import_qdpx(qdpx(tmp_path, xml, text), codebook)
    # The later of the two decisions, whatever the zones they were written in.
    assert records == [{"id": "s.txt:0-4", "case_id": "s.txt", "text": "One.",
                        "labels": ["corruption"], "source": "s.txt", "start": 0, "end": 4,
                        "coders": ["Coder A"], "codings": {"Coder A": ["corruption"]},
                        "coded_at": {"Coder A": "2026-12-03T08:30:00Z"}}]
    assert summary["selections"] == 2 and summary["codings"] == 2


def test_code_names_map_by_id_name_or_a_mapping_file(tmp_path, codebook):
    xml, text = project(selection(), code="  BRUTALITY ")
    assert import_qdpx(qdpx(tmp_path, xml, text), codebook)[0][0]["labels"] == ["brutality"]
    xml, text = project(selection(), code="Greed")
    path = qdpx(tmp_path, xml, text, "greed.qdpx")
    with pytest.raises(InputError, match=r"greed.qdpx, member 'project.qde', field 'Code': "
                                         r"code 'Greed' is not in the codebook"):
        import_qdpx(path, codebook)
    (tmp_path / "map.yaml").write_text("Greed: corruption\n")
    mapping = load_code_map(tmp_path / "map.yaml", codebook)
    assert import_qdpx(path, codebook, mapping=mapping)[0][0]["labels"] == ["corruption"]
    (tmp_path / "ignore.json").write_text(json.dumps({"Greed": None}))
    with pytest.raises(InputError, match="holds no coded text selection"):
        import_qdpx(path, codebook, mapping=load_code_map(tmp_path / "ignore.json", codebook))
    (tmp_path / "bad.yaml").write_text("Greed: avarice\n")
    with pytest.raises(InputError, match=r"bad.yaml, field 'Greed': 'avarice' is not a label"):
        load_code_map(tmp_path / "bad.yaml", codebook)


@pytest.mark.parametrize(("xml", "message"), [
    (project(selection(0, 99))[0], r"field 'PlainTextSelection 4444.*': positions 0–99 are not "
                                   r"inside the source's 9 characters"),
    (project(selection(0, 4).replace('endPosition="4"', 'endPosition="four"'))[0],
     "endPosition 'four' is not a whole number"),
    (project(selection(code="99999999-9999-9999-9999-999999999999"))[0],
     "CodeRef 99999999-9999-9999-9999-999999999999 names no Code"),
    (project(selection().replace('<CodeRef targetGUID="2222', '<Other x="'))[0],
     "a Coding has no CodeRef"),
    (project(path="file:///etc/passwd")[0], "plainTextPath 'file:///etc/passwd' is outside"),
    (project(path="internal://absent.txt")[0], "member 'sources/absent.txt': is missing"),
    ("<Project name='x'/>", r"the root element is <Project> in no namespace; a project is"),
    (f"<Project {NS} name='x'>\n<Users>\n<User/>", r"member 'project.qde', line 3: is not "
                                                   "well-formed XML"),
    (f'<!DOCTYPE p [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Project {NS}>&b;</Project>',
     "uses a forbidden XML feature"),
    (f"<Project {NS} name='x'><Users><User name='u'/></Users></Project>",
     "field 'User': attribute 'guid' is missing"),
    (project(selection(time="yesterday"))[0], r"field 'PlainTextSelection 4444.*': "
                                             r"creationDateTime 'yesterday' is not an ISO 8601"),
])
def test_malformed_projects_name_file_member_and_element(tmp_path, codebook, xml, message):
    with pytest.raises(InputError, match=message) as caught:
        import_qdpx(qdpx(tmp_path, xml), codebook)
    assert str(caught.value).startswith(f"{tmp_path / 't.qdpx'}")


def test_broken_zips_and_oversized_members_are_refused(tmp_path, codebook):
    (tmp_path / "plain.qdpx").write_text("not a zip")
    with pytest.raises(InputError, match=r"plain.qdpx: is not a readable zip"):
        import_qdpx(tmp_path / "plain.qdpx", codebook)
    with zipfile.ZipFile(tmp_path / "empty.qdpx", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match=r"empty.qdpx: holds no project.qde"):
        import_qdpx(tmp_path / "empty.qdpx", codebook)
    xml, _ = project(selection())
    bomb = qdpx(tmp_path, xml, "x" * 5000, "bomb.qdpx")
    with pytest.raises(InputError, match=r"bomb.qdpx, member 'sources/s.txt': inflates to "
                                         r"5,000 bytes, over the limit of 4,096; refused"):
        import_qdpx(bomb, codebook, max_member=4096)
    bad_utf8 = qdpx(tmp_path, xml, b"One \xff.", "utf.qdpx")
    with pytest.raises(InputError, match=r"'sources/s.txt': is not valid UTF-8 \(byte 4"):
        import_qdpx(bad_utf8, codebook)
    with pytest.raises(InputError, match=r"absent.qdpx: no such file"):
        import_qdpx(tmp_path / "absent.qdpx", codebook)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 700), junk=st.binary(max_size=8))
def test_a_damaged_project_is_an_input_error_or_reads(tmp_path, codebook, cut, junk):
    xml, text = project(selection())
    data = xml.encode("utf-8")
    damaged = data[:cut] + junk + data[cut + len(junk):]
    path = qdpx(tmp_path, damaged, text, "fuzz.qdpx")
    try:
        records, _ = import_qdpx(path, codebook)
    except InputError as exc:
        assert str(exc).startswith(str(path))
    else:
        assert all(r["text"] for r in records)
