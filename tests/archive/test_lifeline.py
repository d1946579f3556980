"""Worker processes never outlive `narratives score`, even when it is killed with SIGKILL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_batch import archive

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
GRACE = 5.0  # seconds a worker may take to notice that the command is gone


def _stat(pid):
    """``(parent pid, state, start time)`` of a process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), fields[0], fields[19]


def descendants(root):
    """Every process below ``root``, with its start time (to tell a reused pid apart)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _stat(int(entry.name))) is not None:
            children.setdefault(found[0], []).append(int(entry.name))
    found, todo = {}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if (stat := _stat(child)) is not None:
                found[child] = stat[2]
                todo.append(child)
    return found


def alive(processes):
    """Those of ``processes`` still running (a zombie waiting to be reaped has ended)."""
    return [pid for pid, started in processes.items()
            if (stat := _stat(pid)) is not None and stat[2] == started and stat[1] != "Z"]


def kill_mid_run(command, ready, expected):
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            workers = descendants(process.pid)
            if ready() and len(workers) >= expected:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the run finished or stalled before its workers could be seen")
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + GRACE
        while alive(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(workers), f"workers {alive(workers)} outlived the killed command"
    finally:  # whatever the outcome, leave no process behind (orphans no longer descend)
        process.kill()
        for pid in alive({**workers, **descendants(process.pid)}):
            os.kill(pid, signal.SIGKILL)


def test_killing_the_command_with_sigkill_kills_its_workers(tmp_path, tiny_model_path):
    source = archive(tmp_path / "in.jsonl", 40_000)
    manifest = tmp_path / "out.jsonl.parts" / "manifest.json"  # a chunk is done
    command = [sys.executable, "-m", "classifier", "score", str(source), "--out",
               str(tmp_path / "out.jsonl"), "--model", str(tiny_model_path), "--trust-pickle",
               "--chunk-size", "200", "--jobs", "2", "--quiet"]
    kill_mid_run(command, manifest.exists, expected=2)


def test_killing_the_command_kills_its_dask_workers(tmp_path, tiny_model_path):
    source = archive(tmp_path / "in.jsonl", 40_000)
    staging = tmp_path / ".dask.partial"
    command = [sys.executable, "-m", "classifier", "score", str(source), "--out",
               str(tmp_path / "dask"), "--engine", "dask", "--model", str(tiny_model_path),
               "--trust-pickle", "--chunk-size", "200", "--jobs", "2", "--quiet"]
    kill_mid_run(command, lambda: any(staging.glob("part-*.parquet")), expected=2)


def test_a_worker_whose_parent_is_already_gone_ends_at_once():
    # The parent dies between starting the worker and the worker binding itself to it.
    code = ("import os, sys, time; from classifier.archive.lifeline import bind_to_parent; "
            "time.sleep(0.5); bind_to_parent(int(sys.argv[1])); time.sleep(30)")
    middle = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, sys; p = subprocess.Popen([sys.executable, "
                               f"'-c', {code!r}, str(__import__('os').getpid())]); "
                               "print(p.pid, flush=True)"],
                              stdout=subprocess.PIPE, text=True)
    worker = int(middle.stdout.readline())
    middle.wait()
    deadline = time.monotonic() + 10
    while _stat(worker) is not None and _stat(worker)[1] != "Z" \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    state = _stat(worker)
    assert state is None or state[1] == "Z"

