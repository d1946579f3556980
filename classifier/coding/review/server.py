"""Starting a review: check everything, fill the database, then serve the page on loopback."""

from __future__ import annotations

import contextlib
import errno
import re
import socket
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ...codebook import codebook_from_dict
from ...errors import InputError, Problem
from .app import ReviewSettings, create_app
from .inputs import read_inputs
from .queue import reading_ranks
from .retrain import active_model_path, start_background
from .store import Store, open_store

__all__ = ["CODER_NAME", "check_coder", "check_port", "open_review", "serve"]

CODER_NAME = re.compile(r"^\w{1,40}$")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_coder(name: str) -> str:
    """A coder's name becomes a column (``coder_<name>``): letters, digits and ``_`` only."""
    if not CODER_NAME.match(name):
        raise InputError(Problem("--coder", f"{name!r} is not a coder name; use up to 40 "
                                 "letters, digits or '_' (it becomes the column "
                                 "coder_<name> of the exported corpus)"))
    return name


def check_port(host: str, port: int) -> None:
    """Refuse a port another program holds, before anything slow is done."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            what = "is in use by another program" if exc.errno == errno.EADDRINUSE \
                else f"cannot be opened ({exc.strerror})"
            raise InputError(Problem(f"--port {port}", f"port {port} on {host} {what}; "
                                     "choose another with --port")) from None


def open_review(db: str | Path, inputs: Sequence[str | Path], *, model_path: Path,
                corpus: Path | None = None, trust_pickle: bool = False,
                overlap: float | None = None, sentences: int = 3, stride: int | None = None,
                say: Callable[[str], None] = lambda m: None) -> tuple[Store, Any, bool]:
    """Open (or create) the database, add the inputs' passages, load the active model.

    Returns the store, the model making suggestions, and whether the queue still needs
    ranking by the model (done in the background by :func:`serve`).
    """
    from ...model.artifact import load_model
    from ..pool import training_corpus_of
    from .retrain import _load

    base = load_model(model_path, trust_pickle=trust_pickle)
    book = codebook_from_dict(base.card["codebook"], f"{model_path} (card)")
    accounts, passages = read_inputs(inputs, sentences=sentences, stride=stride) \
        if inputs else ({}, [])
    store = open_store(db, book, create=bool(inputs))
    if store.meta("base_model") is None:
        store.set_meta("base_model", str(Path(model_path).resolve()))
        known = corpus or training_corpus_of(base)
        store.set_meta("corpus", str(Path(known).resolve()) if known else "")
    elif corpus is not None:
        store.set_meta("corpus", str(Path(corpus).resolve()))
    if overlap is not None:
        store.set_meta("overlap", str(overlap))
    added = store.add_passages(accounts, passages)
    total = store.rows("SELECT COUNT(*) AS n FROM passages")[0]["n"]
    if not total:
        raise InputError(Problem(str(db), "holds no passages; give inputs to review"))
    say(f"{added} new passages, {total} in {db}")
    reading_ranks(store)
    path, sha = active_model_path(store)
    model = _load(path, sha) if sha is not None else base
    return store, model, added > 0 or not _ranked(store)


def _ranked(store: Store) -> bool:
    return bool(store.rows("SELECT 1 FROM ranks WHERE model_version != 'reading order' "
                           "LIMIT 1"))


def serve(store: Store, model: Any, settings: ReviewSettings, *, host: str = "127.0.0.1",
          rank: bool = True, open_browser: bool = True,
          say: Callable[[str], None] = lambda m: None) -> None:
    """Serve the review until Ctrl-C; ranking by the model runs meanwhile in the background."""
    import uvicorn

    check_port(host, settings.port)
    app = create_app(store, model, settings)
    if rank:
        start_background(store.path, ranking_only=True)
    address = f"http://{'127.0.0.1' if host in LOOPBACK else host}:{settings.port}/"
    if host not in LOOPBACK:
        say(f"listening on {host}: anyone who can reach this machine can open the review")
    say(f"review of {store.path} for coder {settings.coder}: open {address} (Ctrl-C stops)")
    if open_browser:
        with contextlib.suppress(webbrowser.Error):
            webbrowser.open(address)
    config = uvicorn.Config(app, host=host, port=settings.port, log_level="warning",
                            access_log=False, lifespan="off")
    uvicorn.Server(config).run()
