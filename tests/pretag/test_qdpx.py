import uuid
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest
from qdpx_samples import SCHEMA, needs_schema

from classifier import InputError
from classifier.pretag.passages import ExportContext, pretag_accounts
from classifier.pretag.qdpx import (
    CODEBOOK_NS,
    PROJECT_NS,
    codebook_xml,
    login_name,
    model_user,
    write_qdc,
    write_qdpx,
)
from classifier.pretag.qdpx_codings import user_guid

NS = {"q": PROJECT_NS}
WHEN = datetime(2026, 12, 3, 8, 30, 15, tzinfo=UTC)
# CRLF line endings, accented letters and emoji outside the Basic Multilingual Plane.
TRICKY = ("We prayed at dawn 🙏 in the café of Raqqa.\r\n\r\n"
          "The emir stole the spoils and bought a villa 🏠. The foreigners got double salary.\r\n"
          "Then 🔥 the hostages were shot at random, é è ü.\r\n")


@pytest.fixture()
def accounts(tmp_path, tiny_model):
    (tmp_path / "tricky.txt").write_bytes(TRICKY.encode("utf-8"))
    (tmp_path / "plain.txt").write_text("Months of boring guard duty and no bread. We prayed.",
                                        encoding="utf-8")
    return pretag_accounts([tmp_path / "tricky.txt", tmp_path / "plain.txt"], tiny_model,
                           sentences=1)


def _project(path):
    with zipfile.ZipFile(path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                 if name.startswith("sources/")}
    return root, texts


def test_every_selection_is_the_scored_passage_after_crlf_accents_and_emoji(
        tmp_path, accounts, tiny_model):
    summary = write_qdpx(accounts, tmp_path / "p.qdpx", ExportContext.from_model(tiny_model))
    root, texts = _project(tmp_path / "p.qdpx")
    scored = {(a.name, t.passage.start): t.passage.text for a in accounts for t in a.suggested}
    selections = 0
    for account, source in zip(accounts, root.iterfind("q:Sources/q:TextSource", NS),
                               strict=True):
        text = texts["sources/" + source.get("plainTextPath").removeprefix("internal://")]
        assert "\r" not in text and text == account.text
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert text[start:end] == scored[(account.name, start)]
            selections += 1
    assert selections == summary["selections"] == len(scored) >= 3
    assert any("🏠" in passage for passage in scored.values())
    assert summary["sources"] == summary["accounts"] == 2


def test_the_model_is_a_user_whose_codings_carry_codes_and_reasons(tmp_path, accounts,
                                                                   tiny_model):
    ctx = ExportContext.from_model(tiny_model)
    write_qdpx(accounts, tmp_path / "p.qdpx", ctx)
    root, _ = _project(tmp_path / "p.qdpx")
    assert [child.tag.split("}")[1] for child in root] == ["Users", "CodeBook", "Sources"]
    guid, name = model_user(tiny_model.version)
    _, user = root.iterfind("q:Users/q:User", NS)
    assert user.get("guid") == guid and user.get("name") == name
    assert name.endswith(tiny_model.version)
    codes = {c.get("guid"): c for c in root.iterfind("q:CodeBook/q:Codes/q:Code", NS)}
    assert [c.get("name") for c in codes.values()] == [label.name for label in ctx.codebook.labels]
    assert all(c.get("isCodable") == "true" and c.get("color").startswith("#")
               for c in codes.values())
    for selection in root.iter(f"{{{PROJECT_NS}}}PlainTextSelection"):
        assert selection.get("creatingUser") == guid
        assert "raised by" in selection.find("q:Description", NS).text
        for coding in selection.iterfind("q:Coding", NS):
            assert coding.get("creatingUser") == guid
            assert coding.find("q:CodeRef", NS).get("targetGUID") in codes


def test_exporting_twice_gives_the_same_bytes_and_uuid5_guids(tmp_path, accounts, tiny_model):
    ctx = ExportContext.from_model(tiny_model)
    write_qdpx(accounts, tmp_path / "a.qdpx", ctx, coder="Jane", created=WHEN)
    first = (tmp_path / "a.qdpx").read_bytes()
    write_qdpx(accounts, tmp_path / "a.qdpx", ctx, coder="Jane", created=WHEN)
    assert (tmp_path / "a.qdpx").read_bytes() == first
    root, _ = _project(tmp_path / "a.qdpx")
    guids = [e.get("guid") for e in root.iter() if e.get("guid")]
    assert len(guids) == len(set(guids)) and all(uuid.UUID(g).version == 5 for g in guids)
    # A later export differs in its times only: every GUID stays.
    write_qdpx(accounts, tmp_path / "b.qdpx", ctx, coder="Jane", created=WHEN + timedelta(1))
    later, _ = _project(tmp_path / "b.qdpx")
    assert [e.get("guid") for e in later.iter() if e.get("guid")] == guids
    assert (tmp_path / "b.qdpx").read_bytes() != first


def test_every_source_selection_and_coding_says_who_made_it_and_when(tmp_path, accounts,
                                                                     tiny_model):
    ctx = ExportContext.from_model(tiny_model)
    summary = write_qdpx(accounts, tmp_path / "p.qdpx", ctx, coder="Jane Doe",
                         created=datetime(2026, 12, 3, 9, 30, tzinfo=timezone(timedelta(hours=1))))
    root, _ = _project(tmp_path / "p.qdpx")
    jane, model = user_guid("Jane Doe"), model_user(tiny_model.version)[0]
    assert root.get("origin") == "narratives" and root.get("creatingUserGUID") == jane
    assert root.get("creationDateTime") == "2026-12-03T09:30:00+01:00"
    assert [(u.get("name"), u.get("guid")) for u in root.iterfind("q:Users/q:User", NS)] == \
        [("Jane Doe", jane), (f"narratives model {tiny_model.version}", model)]
    assert summary["users"] == ["Jane Doe", f"narratives model {tiny_model.version}"]
    sources = list(root.iterfind("q:Sources/q:TextSource", NS))
    assert {(s.get("creatingUser"), s.get("creationDateTime")) for s in sources} == \
        {(jane, "2026-12-03T09:30:00+01:00")}
    made = [e for e in root.iter() if e.tag.endswith(("}PlainTextSelection", "}Coding"))]
    assert len(made) == summary["selections"] + summary["codings"] >= 6
    assert {(e.get("creatingUser"), e.get("creationDateTime")) for e in made} == \
        {(model, "2026-12-03T09:30:00+01:00")}


def test_the_first_user_is_the_login_name_unless_a_coder_is_named(tmp_path, accounts,
                                                                  tiny_model, monkeypatch):
    ctx = ExportContext.from_model(tiny_model)
    monkeypatch.setattr("getpass.getuser", lambda: "jdoe")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764750615")
    write_qdpx(accounts, tmp_path / "p.qdpx", ctx)
    root, _ = _project(tmp_path / "p.qdpx")
    assert root.find("q:Users/q:User", NS).get("name") == "jdoe"
    assert root.get("creationDateTime") == "2025-12-03T08:30:15Z"

    def no_login() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr("getpass.getuser", no_login)
    assert login_name() == "coder"
    with pytest.raises(InputError, match=r"p.qdpx, field 'coder': the coder's name "
                                         r"'narratives model x' is empty or taken"):
        write_qdpx(accounts, tmp_path / "p.qdpx", ctx, coder="narratives model x")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(InputError, match=r"SOURCE_DATE_EPOCH: 'yesterday' is not a count"):
        write_qdpx(accounts, tmp_path / "p.qdpx", ctx)


@needs_schema
def test_the_project_validates_against_the_refi_qda_schema(tmp_path, accounts, tiny_model):
    import xmlschema

    write_qdpx(accounts, tmp_path / "p.qdpx", ExportContext.from_model(tiny_model),
               coder="Jane Doe")
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        xml = archive.read("project.qde")
    assert list(xmlschema.XMLSchema(SCHEMA).iter_errors(xml)) == []
    root = ET.fromstring(xml)
    assert root.get("origin") == "narratives"
    assert root.find("q:Users/q:User", NS).get("name") == "Jane Doe"
    timed = [e for e in root.iter() if e.tag.endswith(("}TextSource", "}PlainTextSelection",
                                                       "}Coding"))]
    assert len(timed) >= 8
    assert all(e.get("creatingUser") and e.get("creationDateTime") for e in timed)


@needs_schema
def test_the_codebook_file_has_the_schemas_codebook_shape(tmp_path, codebook):
    import xmlschema

    written = write_qdc(codebook, tmp_path / "c.qdc")
    root = ET.fromstring((tmp_path / "c.qdc").read_bytes())
    assert root.tag == f"{{{CODEBOOK_NS}}}CodeBook" and written["codes"] == 4
    # The .qdc's CodeBook is the project's CodeBook in its own namespace: moved into a
    # Project, it must validate against the project schema.
    moved = ET.fromstring(codebook_xml(codebook).replace(CODEBOOK_NS.encode(),
                                                         PROJECT_NS.encode()))
    del moved.attrib["origin"]
    project = ET.Element(f"{{{PROJECT_NS}}}Project", {"name": "codebook"})
    project.append(moved)
    assert list(xmlschema.XMLSchema(SCHEMA).iter_errors(ET.tostring(project))) == []


def test_a_qdc_needs_its_extension_and_an_account_twice_is_refused(tmp_path, codebook,
                                                                   tiny_model):
    with pytest.raises(InputError, match=r"c.xml: a codebook exchange file ends in .qdc"):
        write_qdc(codebook, tmp_path / "c.xml")
    (tmp_path / "a.txt").write_text("The emir stole the spoils.", encoding="utf-8")
    with pytest.raises(InputError, match=r"a.txt: is given twice"):
        pretag_accounts([tmp_path / "a.txt", tmp_path / "a.txt"], tiny_model)
