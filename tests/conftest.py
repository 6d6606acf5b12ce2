"""Shared fixtures for the diagnostics, parser and CLI tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"
CATALOGS = sorted((REPO / "catalogs").glob("*.plan"))
FLESPI = REPO / "catalogs" / "flespi.plan"
EXAMPLE_ACCOUNT = REPO / "examples" / "flespi-account.yaml"

#: `PLANLANG_UPDATE_GOLDEN=1 pytest tests/test_golden.py` rewrites the expected outputs.
UPDATE_GOLDEN = os.environ.get("PLANLANG_UPDATE_GOLDEN") == "1"


@pytest.fixture
def in_repo(monkeypatch):
    """Run with the repository root as the working folder, so paths in outputs are relative."""
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps its usage text to the terminal width
    return REPO


def rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()
