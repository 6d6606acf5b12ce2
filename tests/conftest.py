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


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """planlang.cli.main in-process; argparse's own exits become the status."""
    from planlang import cli

    try:
        status = cli.main(argv)
    except SystemExit as exit:  # argparse exits on a wrong use of the command
        status = exit.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err
