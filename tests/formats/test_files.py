import pytest

from classifier.errors import InputError
from classifier.formats.files import atomic_path, output_lock


def test_atomic_path_leaves_nothing_when_writing_fails(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk gone")
    assert list(tmp_path.iterdir()) == []


def test_a_second_writer_of_the_same_output_is_refused(tmp_path):
    out = tmp_path / "new" / "out.jsonl"
    with output_lock(out):
        busy = r"out\.jsonl: another run is writing this output"
        with pytest.raises(InputError, match=busy), output_lock(out):
            pass
        with output_lock(tmp_path / "new" / "other.jsonl"):
            pass
    assert list(out.parent.iterdir()) == []  # the lock file goes with the run
    with output_lock(out):  # and the output can be written again
        pass
