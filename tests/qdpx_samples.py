"""Shared samples of the QDPX tests: the schema, and reviewers' decisions on one text."""

from datetime import UTC, datetime, timedelta

import pytest

from classifier.pretag.qdpx import model_user
from classifier.pretag.qdpx_codings import QdaCoding
from conftest import ROOT

# The standard's own schema, kept beside the project (see ../shared/refi-qda/README.md).
SCHEMA = ROOT.parent / "shared" / "refi-qda" / "Project.xsd"
needs_schema = pytest.mark.skipif(not SCHEMA.exists(),
                                  reason=f"the REFI-QDA schema is not at {SCHEMA}")
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
TEXT = "The emir stole the spoils. We prayed at dawn. The hostages were shot."
MODEL = model_user("0.1.0")[1]


def decisions():
    """The model's suggestion and two reviewers' decisions on the same passages."""
    return [QdaCoding(MODEL, "a.txt", 0, 26, ["corruption"], T0, note="raised by emir"),
            QdaCoding("Ada", "a.txt", 0, 26, ["corruption", "brutality"], T0 + timedelta(1)),
            QdaCoding("Ben", "a.txt", 0, 26, ["corruption"], T0 + timedelta(2)),
            QdaCoding("Ada", "a.txt", 27, 45, [], T0 + timedelta(1)),
            QdaCoding("Ben", "a.txt", 46, 69, ["brutality"], T0 + timedelta(2))]
