"""``narratives review``: coders confirm or correct suggestions in the browser.

Modules: ``store`` (the SQLite database), ``inputs`` (passages from accounts and tables),
``queue`` (what comes next, progress), ``app`` (the Starlette routes and their guards),
``retrain`` (the background process that retrains and re-ranks), ``export`` (corpus and
QDA project), ``server`` (starting a review). Imports the package's core (codebook,
corpus, model, next, qdpx), never the CLI.
"""

from .export import codings_table, export_review
from .server import open_review, serve
from .store import open_store

__all__ = ["codings_table", "export_review", "open_review", "open_store", "serve"]
