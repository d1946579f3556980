"""Failure drills for `narratives score`: signals, a full disk, a read-only folder, locks.

Each drill runs the real command in a subprocess, bounded in time, and checks what a user
is promised: one clear line, a non-zero status, no half-written output, and a state that
``--resume`` finishes into the same bytes as an uninterrupted run.
"""

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time

import pytest
from test_batch import archive

from classifier.formats.files import output_lock

TIMEOUT = 180


def command(source, model_path, out, *extra):
    return [sys.executable, "-m", "classifier", "score", str(source), "--out", str(out),
            "--model", str(model_path), "--trust-pickle", "--chunk-size", "100", "--quiet",
            *extra]


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, check=False,
                          **kwargs)


@pytest.fixture(scope="module")
def job(tmp_path_factory, tiny_model_path):
    folder = tmp_path_factory.mktemp("drills")
    source = archive(folder / "in.jsonl", 2000)
    clean = folder / "clean.jsonl"
    done = run(command(source, tiny_model_path, clean, "--jobs", "1"))
    assert done.returncode == 0, done.stderr
    return source, clean


def wait_for_chunks(manifest, process, count=2):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
            if len(json.loads(manifest.read_text())["done"]) >= count:
                return
        time.sleep(0.01)
    pytest.fail("the run finished or stalled before it could be stopped")


@pytest.mark.parametrize(("signum", "jobs"), [(signal.SIGINT, "1"), (signal.SIGTERM, "2")])
def test_a_signal_mid_run_leaves_a_state_that_resume_finishes(tmp_path, tiny_model_path, job,
                                                               signum, jobs):
    source, clean = job
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(command(source, tiny_model_path, out, "--jobs", jobs),
                               stderr=subprocess.PIPE, text=True)
    wait_for_chunks(tmp_path / "out.jsonl.parts" / "manifest.json", process)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 130
    assert "--resume" in stderr and "Traceback" not in stderr
    assert not out.exists()
    resumed = run(command(source, tiny_model_path, out, "--jobs", jobs, "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == clean.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_a_full_disk_stops_with_one_line_and_no_output(tmp_path, tiny_model_path, job):
    source, clean = job
    out = tmp_path / "out.jsonl"
    limit = clean.stat().st_size // 2  # the parts fit, the joined output does not

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    full = run(command(source, tiny_model_path, out, "--jobs", "1"), preexec_fn=small_disk)
    assert full.returncode == 2
    [line] = full.stderr.strip().splitlines()
    assert line.startswith(f"Error: {out}: the disk is full") and "--resume" in line
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    resumed = run(command(source, tiny_model_path, out, "--jobs", "1", "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == clean.read_bytes()


@pytest.fixture
def read_only_folder(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    # root writes through permission bits; only a read-only file system stops it.
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                             capture_output=True, check=False)
    if mounted.returncode:
        pytest.skip("running as root and cannot mount a read-only file system here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_output_folder_is_refused_before_any_work(tmp_path, tiny_model_path, job,
                                                              read_only_folder):
    source, _ = job
    refused = run(command(source, tiny_model_path, read_only_folder / "out.jsonl"))
    assert refused.returncode == 2
    assert refused.stderr.strip() == (f"Error: {read_only_folder}: the output folder is not "
                                      "writable; choose another --out")


def test_a_missing_input_folder_is_refused_before_any_work(tmp_path, tiny_model_path):
    out = tmp_path / "results" / "out.jsonl"
    refused = run(command(tmp_path / "no-such-folder", tiny_model_path, out))
    assert refused.returncode == 2
    assert refused.stderr.strip() == (f"Error: {tmp_path / 'no-such-folder'}: no such file or "
                                      "folder; check the path")
    assert not (tmp_path / "results").exists()


def test_a_second_run_on_the_same_output_is_refused(tmp_path, tiny_model_path, job):
    source, _ = job
    out = tmp_path / "out.jsonl"
    with output_lock(out):  # as a first run, in another process, holds it
        refused = run(command(source, tiny_model_path, out, "--resume"))
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith(f"Error: {out}: another run is writing this output")
    assert list(tmp_path.iterdir()) == []
