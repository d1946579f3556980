"""The Typer app, the two consoles and what every command shares: options, the error
wrapper that turns a library error into one ``Error:`` line and exit status 2, and the
checks run before a model is loaded."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from ..errors import InputError, NarrativesError, Problem

if TYPE_CHECKING:
    from ..model.suggest import Suggestion


app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Suggest which narratives an excerpt of defector testimony expresses.")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])

ModelOption = Annotated[Path, typer.Option(
    "--model", help="Model file (.joblib or .skops) with its card.")]
TrustOption = Annotated[bool, typer.Option(
    "--trust-pickle", help="Load a .joblib model from outside the project's models/ folder. "
    "A joblib file runs code when it is loaded: only for a file from someone you trust.")]
CodebookOption = Annotated[Path | None, typer.Option(
    "--codebook", help="Codebook (YAML, TOML or JSON); default: data/codebook.yaml.")]


def reports_errors(command: F) -> F:
    """Turn library and file-system errors into one ``Error:`` line and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except NarrativesError as exc:
            batch = sys.modules.get("classifier.archive.batch")  # loaded if it raised
            if batch is not None and isinstance(exc, batch.Interrupted):
                err.print(f"Interrupted: {exc}", markup=False)
                raise typer.Exit(130) from None
            err.print(f"Error: {exc}", markup=False)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            err.print(f"Error: {where}{exc.strerror or exc}", markup=False)
        raise typer.Exit(2)

    return wrapper  # type: ignore[return-value]


def require_files(paths: list[Path]) -> None:
    """Fail on a missing input before the model is loaded, so the error names the input."""
    for path in paths:
        if not path.exists():
            raise InputError(Problem(str(path), "no such file; check the path"))


def vouch(model_path: Path | None, trust_pickle: bool) -> None:
    """--trust-pickle: trust this joblib file here and in the worker processes."""
    if trust_pickle and model_path is not None:
        from ..model.exchange import trust_pickle_file

        trust_pickle_file(model_path)


def terms_for(suggestion: Suggestion, label: str) -> str:
    """The terms that pushed ``label`` up for this suggestion, with their weights."""
    return ", ".join(f"{c.term} (+{c.weight:.2f})" for c in suggestion.reasons.get(label, []))
