"""matplotlib, loaded only when a figure is drawn, and how every figure is saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["pyplot", "save_figure"]


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (no display needed), imported on first use."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path``, close it and return the path."""
    fig.tight_layout()
    # The format is named because the file may be a temporary name without the suffix.
    fig.savefig(path, dpi=110, format="png")
    pyplot().close(fig)
    return path
