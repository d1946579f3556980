"""What the fuzz tests share: hostile file contents, the invariant, and a time bound.

Every reader must give a result or one :class:`~classifier.errors.NarrativesError` whose
first line names the file, with no line breaks or terminal escapes inside a problem.
"""

from __future__ import annotations

import csv
import io
import json
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from classifier.errors import NarrativesError

T = TypeVar("T")
LABELS = ["infighting", "brutality", "corruption", "quality_of_life"]
FIELDS = ["id", "text", "case_id", "case", "labels", "coder_a", "coder_b", "coder", "alias",
          "origin", "role", "joined", "left", "source"]
BOM = b"\xef\xbb\xbf"


def budget(examples: int, *, seconds: float = 10) -> settings:
    """Settings for a fuzz test: ``examples`` under the "ci" profile (scaled up by others),
    each allowed ``seconds``; temporary folders are made per example, not per test."""
    scale = max(1, settings().max_examples // 100)
    return settings(max_examples=examples * scale, deadline=timedelta(seconds=seconds),
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail with TimeoutError if the block runs longer than ``seconds``: a hang, not a wait."""
    def stop(signum: int, frame: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def clear(exc: NarrativesError, file: str | Path) -> None:
    """Assert that an error is one clear line per problem, the first naming ``file``."""
    message = str(exc)
    assert str(file) in message.split("\n")[0], message
    for problem in getattr(exc, "problems", []):
        text = str(problem)
        assert not any(c in text for c in "\n\r\x1b\x00"), text


def outcome(call: Callable[[], T], file: str | Path) -> T | NarrativesError:
    """The result of ``call``, or the clear NarrativesError it raised; anything else fails."""
    found: T | NarrativesError
    try:
        found = call()
    except NarrativesError as exc:
        clear(exc, file)
        found = exc
    if currently_in_test_context():  # what each test saw, for --hypothesis-show-statistics
        event(type(found).__name__)
    return found


# Values where text is expected: text, numbers, nulls, lists, objects, and the labels.
scalars = (st.none() | st.booleans() | st.integers() | st.text(max_size=12)
           | st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                           max_leaves=6)
field_values = (json_values | st.sampled_from(LABELS)
                | st.lists(st.sampled_from([*LABELS, "bogus", ""]), max_size=3)
                | st.text(st.characters(codec="utf-8"), min_size=1, max_size=40))
texts = st.text(min_size=1, max_size=40).filter(str.strip) | st.sampled_from(
    ["The emir kept the spoils.", "They shot the hostages.", "Café ☕ 😀", "a\r\nb\rc"])
ids = st.sampled_from(["q1", "q2", "q3", "q1 "]) | st.integers(0, 3) | st.text(max_size=6)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """A record that would be valid (a quotation, a case, an excerpt, a coding), with some
    of its fields replaced by hostile values or added."""
    record: dict[str, Any] = {
        "id": draw(ids), "case_id": draw(st.sampled_from(["C1", "C2", 3])), "text": draw(texts),
        "labels": draw(st.lists(st.sampled_from(LABELS), max_size=2, unique=True)),
        "coder": draw(st.sampled_from(["a", "b"])), "alias": "x", "origin": "y", "role": "z",
        "joined": draw(st.sampled_from([2013, "2014", 1e300, "x"])), "left": 2015,
        "source": "press", "coder_a": draw(st.lists(st.sampled_from(LABELS), max_size=1))}
    for key in draw(st.lists(st.sampled_from(sorted(record)), max_size=8)):
        record.pop(key, None)
    record.update(draw(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=4),
                                       field_values, max_size=2)))
    return record


@st.composite
def json_line(draw: st.DrawFn) -> str:
    """One JSONL line: an object, sometimes with a duplicate key, a non-object, deep
    nesting, NaN, a lone surrogate escape, a huge number, or junk."""
    record = draw(records())
    text = json.dumps(record, ensure_ascii=draw(st.booleans()))
    kind = draw(st.sampled_from(["object"] * 12 + ["duplicate", "value", "deep", "odd", "junk"]))
    if kind == "duplicate" and record:
        key = draw(st.sampled_from(sorted(record)))
        text = "{" + json.dumps(key) + ": " + json.dumps(draw(field_values)) + ", " + text[1:]
    elif kind == "value":
        text = json.dumps(draw(json_values))
    elif kind == "deep":
        depth = draw(st.sampled_from([10, 500, 5000, 100_000]))
        text = "[" * depth + "]" * depth
    elif kind == "odd":
        odd = draw(st.sampled_from(["NaN", "-Infinity", "1e400", "1" * 5000, '"\\ud800"',
                                    '"\\udc00x"', "[]", "{}"]))
        text = '{"id": ' + odd + ', "text": "x"}'
    elif kind == "junk":
        text = draw(st.text(max_size=30))
    return text


@st.composite
def csv_text(draw: st.DrawFn) -> str:
    """A CSV file: a header of known and odd columns, rows with too few or too many cells,
    quotes, commas and line breaks in cells."""
    header = draw(st.permutations(FIELDS).map(lambda f: f[:7]) | st.lists(
        st.sampled_from(FIELDS) | st.text(max_size=4), min_size=1, max_size=6))
    cells = {"id": ids.map(str), "text": texts, "labels": st.sampled_from(
        ["", "corruption", "corruption;brutality", "bogus", "corruption|infighting"]),
             "joined": st.sampled_from(["2013", "x", "1e400"]), "left": st.just("2015")}
    rows = draw(st.lists(st.tuples(*[cells.get(h, st.sampled_from(["C1", "a", "b"]))
                                     for h in header]).map(list)
                         | st.lists(st.text(max_size=15), max_size=len(header) + 1),
                         max_size=5))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with some of: a BOM, CRLF or lone CR line ends, a NUL, a cut, stray bytes."""
    ops = ["bom", "crlf", "cr", "nul", "cut", "bytes"]
    for op in draw(st.lists(st.sampled_from(ops), max_size=3) | st.just([])):
        at = draw(st.integers(0, len(data)))
        if op == "bom":
            data = BOM + data
        elif op == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif op == "cr":
            data = data.replace(b"\n", b"\r")
        elif op == "nul":
            data = data[:at] + b"\x00" + data[at:]
        elif op == "cut":
            data = data[:at]
        else:
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


@st.composite
def jsonl_bytes(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(json_line(), max_size=5))
    return draw(damaged("".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass")))


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    return draw(damaged(draw(csv_text()).encode("utf-8")))


# Whole files of anything: JSONL and CSV made to look right, or arbitrary bytes.
table_bytes = jsonl_bytes() | csv_bytes() | st.binary(max_size=200)
