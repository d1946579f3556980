"""Coverage-guided fuzzing of the JSONL readers and the QDPX reader, with atheris.

Each input is written to a file and read the way the tool reads it; an error the tool
raises on purpose (:class:`~classifier.errors.NarrativesError`) is a right answer, and
any other exception is a crash, saved by libFuzzer with the input that caused it.

Targets:

- ``jsonl``: the bytes as a ``.jsonl`` file through the corpus reader
  (``records.iter_records``), the archive reader of ``score`` (``sources.read_sources``,
  reading lines and parsing them in one process, and deferred, as ``--jobs`` does), and
  each line through ``sources.parse``.
- ``qdpx``: the first byte chooses whether the rest is a whole ``.qdpx`` file or the
  ``project.qde`` inside a zip beside a source text; then ``qdpx_import.import_qdpx``.

Usage (atheris is not a dependency of the package; install it into the venv first)::

    .venv/bin/pip install atheris
    nice -n 19 .venv/bin/python fuzz/fuzz_readers.py jsonl -atheris_runs=200000
    nice -n 19 .venv/bin/python fuzz/fuzz_readers.py qdpx -max_total_time=300

Arguments after the target go to libFuzzer. The corpus grows in ``fuzz/corpus/TARGET/``
(seeded with a few valid and broken files on the first run) and crashes are written to
``fuzz/crashes/``. What the runs found is in ``fuzz/README.md``.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import zipfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["classifier"]):
    from classifier.archive.sources import Unparsed, parse, read_sources
    from classifier.codebook import load_codebook
    from classifier.coding.qdpx_import import import_qdpx
    from classifier.errors import NarrativesError
    from classifier.formats.records import iter_records

HERE = Path(__file__).resolve().parent
WORK = Path(tempfile.mkdtemp(prefix="narratives-fuzz-"))
CODEBOOK = load_codebook()
NS = 'xmlns="urn:QDA-XML:project:1.0"'
PROJECT = (f'<?xml version="1.0" encoding="utf-8"?><Project {NS} name="p">'
           '<Users><User guid="11111111-1111-1111-1111-111111111111" name="A"/></Users>'
           '<CodeBook><Codes><Code guid="22222222-2222-2222-2222-222222222222" '
           'name="corruption"/></Codes></CodeBook><Sources><TextSource '
           'guid="33333333-3333-3333-3333-333333333333" name="s" '
           'plainTextPath="internal://s.txt"><PlainTextSelection guid="4" startPosition="0" '
           'endPosition="4" creatingUser="11111111-1111-1111-1111-111111111111"><Coding '
           'guid="5"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>'
           '</PlainTextSelection></TextSource></Sources></Project>')


def _zip(project: bytes, text: bytes = b"One. Two.") -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project)
        archive.writestr("sources/s.txt", text)
    return sink.getvalue()


SEEDS = {
    "jsonl": [b'{"id": "q1", "case_id": "C1", "text": "The emir took it.", "labels": []}\n',
              b'\xef\xbb\xbf{"id": 1, "text": "a\\u00e9"}\r\n{"id": 2, "text": "b"}\r',
              b'[1]\n{"id": null}\n{"text": 5}\n\n{"id": "x", "text": "\\ud83d\\ude00"}',
              b'{"id": 1, "id": 2, "text": "dup"}\n{"id": [[[[]]]], "text": "x"}\n'],
    "qdpx": [b"\x00" + _zip(PROJECT.encode()), b"\x01" + PROJECT.encode(),
             b"\x01" + PROJECT.replace('endPosition="4"', 'endPosition="99"').encode()],
}


def _jsonl(data: bytes) -> None:
    path = WORK / "in.jsonl"
    path.write_bytes(data)
    for read in (lambda: list(iter_records(path)),
                 lambda: list(read_sources([(path, WORK)])),
                 lambda: [parse(e) if isinstance(e, Unparsed) else e
                          for e in read_sources([(path, WORK)], defer=True)]):
        with contextlib.suppress(NarrativesError):
            read()
    for number, line in enumerate(data.split(b"\n"), start=1):
        parse(Unparsed(str(path), number, line))


def _qdpx(data: bytes) -> None:
    path = WORK / "in.qdpx"
    path.write_bytes(data[1:] if data[:1] == b"\x00" else _zip(data[1:]))
    with contextlib.suppress(NarrativesError):
        import_qdpx(path, CODEBOOK, max_member=1 << 20)


TARGETS = {"jsonl": _jsonl, "qdpx": _qdpx}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    target = sys.argv[1]
    corpus = HERE / "corpus" / target
    if not corpus.is_dir():
        corpus.mkdir(parents=True)
        for number, seed in enumerate(SEEDS[target]):
            (corpus / f"seed-{number}").write_bytes(seed)
    crashes = HERE / "crashes"
    crashes.mkdir(exist_ok=True)
    argv = [sys.argv[0], *sys.argv[2:], f"-artifact_prefix={crashes}/{target}-", str(corpus)]
    atheris.Setup(argv, TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
