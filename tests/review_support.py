"""Helpers of the review tests: small accounts, a free port, a review server in a process."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from conftest import PHRASES

LABELS = ["infighting", "brutality", "corruption", "quality_of_life"]


def write_accounts(folder: Path, *, accounts: int = 3, paragraphs: int = 8) -> list[Path]:
    """Accounts of one-sentence paragraphs, each sentence one phrase of the tiny corpus."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds = [*LABELS, "none"]
    paths = []
    for a in range(accounts):
        lines = []
        for p in range(paragraphs):
            phrase = PHRASES[kinds[(a + p) % 5]][(a + 2 * p) % 4]
            lines.append(f"{phrase[0].upper()}{phrase[1:]}, said witness {a} in part {p}.")
        path = folder / f"account_{a}.txt"
        path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def page_state(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="state">(.*?)</script>', html, re.S)
    assert found, "the page carries its state"
    return json.loads(found.group(1))


def decision(passage: dict, action: str = "accept", labels: list[str] | None = None,
             note: str = "") -> dict:
    s = passage["suggestion"]
    return {"passage_id": passage["id"], "action": action,
            "labels": s["labels"] if labels is None else labels, "note": note,
            "model_version": s["model_version"], "scores": s["scores"],
            "suggested": s["labels"]}


@contextmanager
def review_server(db: Path, model: Path, inputs: list[Path], *, port: int, corpus: Path,
                  coder: str = "ana", every: int = 25) -> Iterator[subprocess.Popen]:
    """``narratives review`` in a process of its own, until the block ends (or it is killed)."""
    command = [sys.executable, "-m", "classifier", "review", *map(str, inputs), "--db", str(db),
               "--model", str(model), "--trust-pickle", "--corpus", str(corpus),
               "--coder", coder, "--port", str(port), "--every", str(every), "--no-browser"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: "
                                       f"{process.stderr.read().decode()}") from None
                time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
