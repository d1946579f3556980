"""The review web app (Starlette): one page, a JSON API, and the guards of a shared machine.

Every request must name the app's own host (``127.0.0.1:<port>`` or ``localhost:<port>``)
and, when it has an ``Origin``, come from the app's own page: a page on another site, or a
DNS-rebinding name that resolves to this machine, gets 403. Every write carries the token
the page was served with. Account text reaches the page only through autoescaped Jinja2
templates, a JSON block escaped by ``tojson``, and ``textContent`` in the script.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from ...codebook import hex_colours
from ...model.suggest import NarrativeModel
from .queue import ORDERS, next_passage, progress
from .retrain import DEFAULT_WEIGHT, retraining, start_background
from .store import ACTIONS, Decision, Store
from .suggestions import Models

__all__ = ["ReviewSettings", "create_app"]

HERE = Path(__file__).resolve().parent
MAX_NOTE = 5000


@dataclass
class ReviewSettings:
    """What one coder's server was started with."""

    coder: str
    port: int
    order: str = "next"
    every: int = 25
    weight: int = DEFAULT_WEIGHT
    hosts: tuple[str, ...] = ()
    tokens: OrderedDict[str, None] = field(default_factory=OrderedDict)

    def issue_token(self) -> str:
        """A new token for a page; the oldest are forgotten past 64 pages."""
        token = secrets.token_urlsafe(24)
        self.tokens[token] = None
        while len(self.tokens) > 64:
            self.tokens.popitem(last=False)
        return token

    def allowed_hosts(self) -> set[str]:
        names = ("127.0.0.1", "localhost", "[::1]", *self.hosts)
        return {f"{name}:{self.port}" for name in names} | set(self.hosts)


class Guard:
    """Refuse foreign hosts and origins, and writes without the page's token (403)."""

    def __init__(self, app: ASGIApp, settings: ReviewSettings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            hosts = self.settings.allowed_hosts()
            reason = None
            if headers.get("host") not in hosts:
                reason = "this app answers only to its own address"
            elif "origin" in headers and headers["origin"].removeprefix("http://") not in hosts:
                reason = "requests from other sites are refused"
            elif scope["method"] != "GET" and \
                    headers.get("x-review-token") not in self.settings.tokens:
                reason = "the page's token is missing or stale; reload the page"
            if reason:
                await PlainTextResponse(reason, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class Review:
    """The state behind the routes: the database, the model, the settings."""

    def __init__(self, store: Store, models: Models, settings: ReviewSettings):
        self.store, self.models, self.settings = store, models, settings
        self.process: Any = None

    @property
    def share(self) -> float:
        return float(self.store.meta("overlap", "0") or 0)

    def training(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            self.process = None  # reaped
        return self.process is not None or retraining(self.store)

    def status(self) -> dict[str, Any]:
        self.models.refresh()
        return {"coder": self.settings.coder, "model_version": self.models.model.version,
                "training": self.training(), "training_error": self.store.meta(
                    "training_error", "") or "",
                "progress": progress(self.store, self.settings.coder, share=self.share)}

    def passage(self, order: str, passage_id: str | None = None) -> dict[str, Any] | None:
        self.models.refresh()
        found = self.store.passage(passage_id) if passage_id else next_passage(
            self.store, self.settings.coder, order=order, share=self.share)
        if found is None:
            return None
        found.pop("overlap", None)
        return {**found, "suggestion": self.models.suggestion(found)}

    def maybe_retrain(self, *, now: bool = False) -> bool:
        if self.training():
            return False
        done = self.store.rows("SELECT COUNT(*) AS n FROM decisions WHERE undone = 0 "
                               "AND action != 'skip'")[0]["n"]
        last = self.store.rows("SELECT MAX(decisions) AS n FROM models WHERE status = 'ready'")
        since = done - (last[0]["n"] or 0)
        if now or since >= self.settings.every:
            self.process = start_background(self.store.path, weight=self.settings.weight)
            return True
        return False


def _bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _decision(body: Any, review: Review) -> Decision | str:
    """The decision a request body describes, or what is wrong with it."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    ids = review.store.codebook.ids
    labels, suggested, scores = body.get("labels", []), body.get("suggested"), body.get("scores")
    action, note = body.get("action"), body.get("note", "")
    if action not in ACTIONS:
        return f"action must be one of {', '.join(ACTIONS)}"
    for name, value in (("labels", labels), ("suggested", suggested)):
        if not isinstance(value, list) or any(v not in ids for v in value):
            return f"{name} must be a list of label ids among {', '.join(ids)}"
    if not isinstance(scores, dict) or set(scores) != set(ids) or not all(
            isinstance(v, int | float) and 0 <= v <= 1 for v in scores.values()):
        return "scores must give each label a number from 0 to 1"
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        return f"note must be text of at most {MAX_NOTE} characters"
    if not isinstance(body.get("model_version"), str) or \
            review.store.passage(str(body.get("passage_id"))) is None:
        return "passage_id and model_version must name a passage and a model"
    shown = [lab for lab in ids if lab in (suggested or [])]
    final = None if action == "skip" else [] if action == "none" else \
        [lab for lab in ids if lab in labels]
    if action in ("accept", "correct"):
        action = "accept" if final == shown else "correct"
    return Decision(str(body["passage_id"]), review.settings.coder, action,
                    body["model_version"], {k: float(v) for k, v in scores.items()},
                    shown, final, note.strip())


def _review(request: Request) -> Review:
    review: Review = request.app.state.review
    return review


def _order(request: Request) -> str:
    settings = _review(request).settings
    order = request.query_params.get("order", settings.order)
    return order if order in ORDERS else settings.order


async def page(request: Request) -> Response:
    review = _review(request)
    book = review.store.codebook
    colours = hex_colours(book)
    labels = [{"id": lab.id, "name": lab.name, "colour": colours[lab.id], "key": str(i + 1),
               "definition": lab.definition} for i, lab in enumerate(book.labels)]
    first = review.passage(_order(request))
    state = {"token": review.settings.issue_token(), "order": _order(request),
             "labels": labels, "passage": first, **review.status()}
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "review.html", {
        "state": state, "passage": first, "labels": labels, "codebook": book,
        "coder": review.settings.coder})


async def next_(request: Request) -> Response:
    review = _review(request)
    found = review.passage(_order(request), request.query_params.get("id"))
    return JSONResponse({"passage": found, **review.status()})


async def decide(request: Request) -> Response:
    review = _review(request)
    try:
        body = await request.json()
    except ValueError:
        return _bad("the body is not JSON")
    decision = _decision(body, review)
    if isinstance(decision, str):
        return _bad(decision)
    saved = review.store.save(decision)
    started = review.maybe_retrain()
    return JSONResponse({"saved": saved, "retraining_started": started,
                         "passage": review.passage(_order(request)), **review.status()})


async def undo(request: Request) -> Response:
    review = _review(request)
    passage_id = review.store.undo(review.settings.coder)
    return JSONResponse({"undone": passage_id, "passage": review.passage(
        _order(request), passage_id) if passage_id else None, **review.status()})


async def retrain(request: Request) -> Response:
    review = _review(request)
    return JSONResponse({"retraining_started": review.maybe_retrain(now=True),
                         **review.status()})


async def status(request: Request) -> Response:
    return JSONResponse(_review(request).status())


async def favicon(request: Request) -> Response:
    return Response(status_code=204)


def create_app(store: Store, model: NarrativeModel, settings: ReviewSettings) -> ASGIApp:
    """The review app for one coder, guarded; serve it with uvicorn or a test client."""
    routes = [Route("/", page), Route("/api/next", next_), Route("/api/status", status),
              Route("/api/decide", decide, methods=["POST"]),
              Route("/api/undo", undo, methods=["POST"]),
              Route("/api/retrain", retrain, methods=["POST"]),
              Route("/favicon.ico", favicon),
              Mount("/static", StaticFiles(directory=HERE / "static"), name="static")]
    inner = Starlette(routes=routes)
    inner.state.review = Review(store, Models(store, model), settings)
    inner.state.templates = Jinja2Templates(env=Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=True))
    return Guard(inner, settings)
