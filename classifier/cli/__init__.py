"""The ``narratives`` command line: each command parses, calls one library function, prints.

One module per job's commands (``model``, ``archive``, ``evaluation``, ``coding``,
``study``, ``pretag``, ``codebook``, ``review``) registers them on the app of :mod:`.app`. A command
imports what it uses when it runs, so ``--help`` starts at once. Library errors become one
``Error: ...`` line on stderr and exit status 2.

Import rule: the command line may import every room of the package; nothing imports it.
"""

from __future__ import annotations

from .app import app

# Importing a command module registers its commands; --help lists them in this order.
# isort: off
from . import model  # noqa: F401  train, model export, suggest
from . import archive  # noqa: F401  score
from . import evaluation  # noqa: F401  evaluate
from . import coding  # noqa: F401  agreement, import-qdpx, next
from . import study  # noqa: F401  findings
from . import pretag  # noqa: F401  pretag
from . import codebook  # noqa: F401  codebook
from . import review  # noqa: F401  review
# isort: on

__all__ = ["app", "main"]


def main() -> None:
    """Run the ``narratives`` command line (the console script)."""
    app()
