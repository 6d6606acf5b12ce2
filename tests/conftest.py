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


def plain(bill) -> dict:
    """A bill's data (`results.to_data`) less the computation steps: what the batch writes
    without `--explain`, and what every evaluation mode must agree on."""
    from planlang.engine.results import to_data

    data = to_data(bill)
    for entry in data["lines"] + data["decisions"] + data["messages"]:
        entry.pop("steps", None)
    return data


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """planlang.drivers.cli.main in-process; argparse's own exits become the status."""
    from planlang.drivers import cli

    try:
        status = cli.main(argv)
    except SystemExit as exit:  # argparse exits on a wrong use of the command
        status = exit.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ---- figures a run gathers, shown at its end -----------------------------------------------------

#: Lines for the end of the run (`pytest_terminal_summary`), by topic: figures that tests gather
#: as they run (how many scenario specs each evaluation mode billed, the share of valid accounts
#: among the random records, ...).
SUMMARY: dict[str, str] = {}

#: Random account records drawn by a property test, per family (`record_draw`): how many were
#: drawn, how many of them the interpreter billed (`valid`), and of those how many the compiled
#: path billed itself (`compiled`).
DRAWS: dict[str, dict[str, int]] = {}

#: The least share of valid accounts among a family's random records, judged over the whole run
#: once it has drawn MIN_DRAWS of them: a generator that draws mostly invalid accounts tests the
#: refusals, not the billing.
MIN_VALID_SHARE = 0.8
MIN_DRAWS = 100


def record_draw(family: str, valid: bool, compiled: bool = False) -> None:
    counts = DRAWS.setdefault(family, {"drawn": 0, "valid": 0, "compiled": 0})
    counts["drawn"] += 1
    counts["valid"] += valid
    counts["compiled"] += compiled


def too_few_valid() -> list[str]:
    return [family for family, counts in sorted(DRAWS.items())
            if counts["drawn"] >= MIN_DRAWS
            and counts["valid"] < MIN_VALID_SHARE * counts["drawn"]]


def pytest_sessionfinish(session, exitstatus):
    if too_few_valid() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if not SUMMARY and not DRAWS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("figures of this run")
    for topic, text in sorted(SUMMARY.items()):
        write(f"{topic}: {text}")
    for family, counts in sorted(DRAWS.items()):
        drawn, valid, compiled = counts["drawn"], counts["valid"], counts["compiled"]
        write(f"random records, {family}: {drawn} drawn, {valid} valid ({valid / drawn:.0%}); "
              f"of the valid, {compiled} billed by the compiled path, {valid - compiled} by the "
              "interpreter")
    for family in too_few_valid():
        write(f"FAILED: fewer than {MIN_VALID_SHARE:.0%} of the random records of {family} are "
              "valid accounts (tests/test_compiled.py draws them)", red=True)
