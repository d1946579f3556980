"""Where the shipped model lives and the seed of every random choice.

Plain constants, importable without scikit-learn or spaCy, so the command line can show
them in ``--help`` at once.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_MODEL", "DEFAULT_SEED", "MODELS_DIR"]

DEFAULT_SEED = 13
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
DEFAULT_MODEL = MODELS_DIR / "narratives.joblib"
