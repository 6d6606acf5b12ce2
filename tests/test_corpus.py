"""The malformed-input corpus: scenario files, accounts and command-line uses, with golden outputs.

- tests/golden/scenarios/<CODE>-<name>.yaml: a malformed scenario; <same>.out is what
  `planlang test FILE` prints (stdout, then `[stderr]` and stderr when there is any) followed by
  the exit status. FAIL-<name>.yaml: a scenario that loads but whose expectations fail (no code).
  The files are named `.yaml`, not `.scenario.yaml`, so that pytest's scenario plugin does not
  collect them as (failing) scenario tests; `planlang test FILE` runs any file it is given.
- tests/golden/accounts/ and tests/golden/cli/: their outputs are pinned by tests/test_golden.py;
  this file adds what every malformed input must show (below).

Every malformed input: a non-zero exit status, no "Traceback", and each diagnostic names the file,
line and column (`file:line:col: error[PLxxx]`), except where no position exists:
  - a path that does not exist or is a folder (PL401): there is no text to point into;
  - command-line arguments (PL420, PL421, PL422): they are not in a file;
  - a FAIL report of `planlang test` names the scenario's file and line (`file:line:`) only.
`planlang test` always ends with its `N passed, N failed` line.

`PLANLANG_UPDATE_GOLDEN=1 pytest tests/test_corpus.py` rewrites the scenario .out files (and
writes the .out of a new account or CLI golden that has none; test_golden.py rewrites the others).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import GOLDEN, REPO, UPDATE_GOLDEN, rel
from conftest import run_cli as run

SCENARIO_GOLDENS = sorted((GOLDEN / "scenarios").glob("*.yaml"))
ACCOUNT_GOLDENS = sorted((GOLDEN / "accounts").glob("*.yaml"))
CLI_GOLDENS = sorted((GOLDEN / "cli").glob("*.args"))
PLAN_GOLDENS = sorted((GOLDEN / "plans").glob("*.plan"))

HEADER = re.compile(r"^(?:planlang: )?(?:(?P<where>\S.*?):(?P<line>\d+):(?P<col>\d+): )?"
                    r"(?:error|warning)\[(?P<code>PL\d{3})\]", re.M)
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.M)

#: Inputs whose diagnostics have no position, and why (see the module's docstring).
NO_POSITION_ACCOUNTS = {
    "PL401-folder": "the account path is a folder: there is no text to point into",
}


def name_of(path: Path) -> str:
    return path.name.removesuffix(".yaml").removesuffix(".args")


def code_of(path: Path) -> str | None:
    match = re.match(r"(PL\d{3})-", path.name)
    if match:
        return match.group(1)
    assert path.name.startswith("FAIL-"), f"{rel(path)} must be named <CODE>-<name> or FAIL-<name>"
    return None


def compare(out: Path, actual: str, rewrite: bool = True) -> None:
    if UPDATE_GOLDEN and (rewrite or not out.exists()):
        out.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert out.exists(), f"{rel(out)} is missing: run PLANLANG_UPDATE_GOLDEN=1 pytest {__file__}"
    expected = out.read_text(encoding="utf-8")
    assert actual == expected, f"{rel(out)} differs (PLANLANG_UPDATE_GOLDEN=1 rewrites it)"




def positioned_in(text: str, files: tuple[str, ...]) -> list[str]:
    """The diagnostic headers of `text` that do not name one of `files` with line and column."""
    wrong = []
    for match in HEADER.finditer(text):
        if match["where"] is None or not match["where"].startswith(files):
            wrong.append(match.group(0))
    return wrong


# ---- scenarios ---------------------------------------------------------------------------------


def scenario_output(status: int, out: str, err: str) -> str:
    return out + (f"[stderr]\n{err}" if err else "") + f"[exit status {status}]\n"


@pytest.mark.parametrize("path", SCENARIO_GOLDENS, ids=name_of)
def test_scenario_golden(path: Path, in_repo, capsys):
    status, out, err = run(["test", rel(path)], capsys)
    compare(path.with_suffix(".out"), scenario_output(status, out, err))
    assert "Traceback" not in out + err
    assert status == 1, f"`planlang test {rel(path)}` exits {status}: the input is accepted"
    summary = SUMMARY.findall(out)
    assert summary == [("0", "1")], out  # the last line: the one scenario failed
    assert out.rstrip("\n").splitlines()[-1] == "0 passed, 1 failed"
    code = code_of(path)
    if code is None:
        assert out.startswith(f"FAIL  {rel(path)}: ")
        assert re.search(rf"^  {re.escape(rel(path))}:\d+: ", out, re.M), out
        return
    assert out.startswith(f"ERROR {rel(path)}: ")
    codes = [m["code"] for m in HEADER.finditer(out + err)]
    assert code in codes, f"{code} not in {codes}"
    # Names the file, line and column of every diagnostic: the scenario's own text has them.
    assert not positioned_in(out + err, (rel(path),)), positioned_in(out + err, (rel(path),))


def test_scenario_outputs_have_inputs():
    for out in (GOLDEN / "scenarios").glob("*.out"):
        assert out.with_suffix(".yaml").exists(), rel(out)


def test_scenario_corpus_is_not_collected_as_scenarios():
    assert not list((GOLDEN / "scenarios").glob("*.scenario.yaml"))


# ---- accounts (outputs pinned by test_golden.py) -----------------------------------------------


def catalog_of(account: Path) -> str:
    first = account.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0] \
        if account.is_file() else ""
    name = first.removeprefix("# catalog:").strip() if first.startswith("# catalog:") else "flespi"
    return name if name.endswith(".plan") else f"catalogs/{name}.plan"


@pytest.mark.parametrize("path", ACCOUNT_GOLDENS, ids=name_of)
def test_account_diagnostics_are_located(path: Path, in_repo, capsys):
    status, out, err = run(["bill", catalog_of(path), "--account", rel(path), "--period",
                            "2026-11"], capsys)
    compare(path.with_suffix(".out"), err, rewrite=False)
    assert status == 1
    assert "Traceback" not in out + err
    assert out == ""
    if name_of(path) in NO_POSITION_ACCOUNTS:
        assert err.startswith(f"error[{code_of(path)}]: ")
        return
    # A bad line of a JSON Lines file is reported in that file (`NAME.jsonl:LINE:COL`).
    stem = rel(path).removesuffix(".yaml")
    wrong = positioned_in(err, (rel(path), stem + ".jsonl"))
    assert not wrong, wrong


# ---- command-line uses (outputs pinned by test_golden.py) --------------------------------------


@pytest.mark.parametrize("path", CLI_GOLDENS, ids=name_of)
def test_cli_uses(path: Path, in_repo, capsys):
    argv = path.read_text(encoding="utf-8").splitlines()
    status, out, err = run(argv, capsys)
    compare(path.with_suffix(".out"), f"{err}[exit status {status}]\n", rewrite=False)
    assert status in (1, 2)
    assert "Traceback" not in out + err
    code = code_of(path)
    assert code in {m["code"] for m in HEADER.finditer(err)}
    for match in HEADER.finditer(err):
        if match["code"] in ("PL401", "PL420", "PL421", "PL422"):
            assert match["where"] is None, match.group(0)  # arguments and paths: no position
        else:  # a diagnostic about a file's text names its line and column
            assert match["where"] is not None, match.group(0)
    if argv and argv[0] == "test" and status != 2:  # argparse refuses before any scenario runs
        assert SUMMARY.search(out), out


# ---- the size of the corpus --------------------------------------------------------------------


def test_corpus_size():
    accounts_and_scenarios = len(ACCOUNT_GOLDENS) + len(SCENARIO_GOLDENS)
    assert accounts_and_scenarios >= 30, accounts_and_scenarios
    assert len(SCENARIO_GOLDENS) >= 20
    assert len(CLI_GOLDENS) >= 20
    assert PLAN_GOLDENS


# ---- crashes found by fuzzing (bench/fuzz.py): each test states the expected diagnostic --------


SCENARIO_WITH_HUGE_AMOUNT = """\
scenario: an expected amount beyond the decimal context
catalog: {catalog}
account:
  account: acme
  plan: Start
periods:
  2026-11:
    lines:
      - {{item: plan fee, amount: 1.0e+1000000}}
"""


def test_huge_expected_amount_is_a_diagnostic(tmp_path, capsys):
    """`amount: 1.0e+1000000` in an expected line: format_number's Decimal.normalize() raised
    decimal.Overflow out of `planlang test` (planlang/money.py, format_number)."""
    path = tmp_path / "huge.scenario.yaml"
    path.write_text(SCENARIO_WITH_HUGE_AMOUNT.format(catalog=REPO / "catalogs" / "flespi.plan"),
                    encoding="utf-8")
    status, out, err = run(["test", str(path)], capsys)
    assert status == 1
    assert "Traceback" not in out + err
    assert SUMMARY.search(out)


def test_huge_storage_figure_is_a_diagnostic(tmp_path, capsys):
    """A day's storage of `999999999999999999999999.5` (no unit): fraction_to_decimal's quantize
    to 12 places needs more than the context's 28 digits and raised decimal.InvalidOperation out
    of `planlang bill` (planlang/money.py, fraction_to_decimal, via engine/metering.py)."""
    path = tmp_path / "account.yaml"
    path.write_text("account: acme\nplan: Start\nusage:\n  storage:\n    daily:\n"
                    "      2026-11-10: 999999999999999999999999.5\n", encoding="utf-8")
    status, out, err = run(["bill", str(REPO / "catalogs" / "flespi.plan"), "--account",
                            str(path), "--period", "2026-11"], capsys)
    assert status in (0, 1)
    assert "Traceback" not in out + err
