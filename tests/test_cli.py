"""The command line: exit statuses, output formats, and no traceback whatever the input."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import CATALOGS, EXAMPLE_ACCOUNT, FLESPI, REPO, rel
from conftest import run_cli as run

PLANLANG = REPO / ".venv" / "bin" / "planlang"
CATALOG = rel(FLESPI)
ACCOUNT = rel(EXAMPLE_ACCOUNT)
LOCATION = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+): error\[PL\d{3}\]: ", re.M)




def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text
        assert "Error:" not in text.replace("error[", "")  # a bare Python exception line


def bill(*extra: str) -> list[str]:
    return ["bill", CATALOG, "--account", ACCOUNT, "--period", "2026-11", *extra]


# ---- check -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.name)
def test_check_clean_catalog(path: Path, in_repo, capsys):
    status, out, err = run(["check", rel(path)], capsys)
    assert status == 0
    assert out == "checked 1 file: 0 errors, 0 warnings\n"
    assert err == ""


def test_check_folder_of_catalogs(in_repo, capsys):
    status, out, err = run(["check", "catalogs"], capsys)
    assert status == 0, err
    n = len(CATALOGS)
    assert out == f"checked {n} file{'s' * (n != 1)}: 0 errors, 0 warnings\n"


def test_check_malformed_plan(in_repo, capsys):
    path = "tests/golden/plans/PL211-unknown-item.plan"
    status, out, err = run(["check", path], capsys)
    assert status == 1
    match = LOCATION.search(err)
    assert match and match["file"] == path and match["line"] == "6" and match["col"] == "3"
    assert "^^^^^^^" in err and "help:" in err
    assert out == "checked 1 file: 1 error, 0 warnings\n"


def test_check_reports_every_file(in_repo, capsys):
    paths = ["tests/golden/plans/PL211-unknown-item.plan", CATALOG,
             "tests/golden/plans/PL234-division-by-zero.plan"]
    status, out, err = run(["check", *paths], capsys)
    assert status == 1
    assert {m["file"] for m in LOCATION.finditer(err)} == {paths[0], paths[2]}
    assert out == "checked 3 files: 2 errors, 0 warnings\n"


def test_check_nonexistent_file(in_repo, capsys):
    status, out, err = run(["check", "no/such/file.plan"], capsys)
    assert status == 1
    assert "error[PL401]" in err and "no/such/file.plan" in err
    no_traceback(out, err)


def test_check_folder_without_plans_says_why(in_repo, capsys):
    status, out, err = run(["check", "examples"], capsys)
    assert status == 1
    assert err.strip(), "the failure needs an explanation"


def test_check_subprocess(in_repo):
    good = subprocess.run([str(PLANLANG), "check", CATALOG], capture_output=True, text=True,
                          cwd=REPO)
    assert good.returncode == 0, good.stderr
    bad = subprocess.run([str(PLANLANG), "check", "tests/golden/plans/PL102-unexpected-token.plan"],
                         capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1
    assert bad.stderr.startswith(
        "tests/golden/plans/PL102-unexpected-token.plan:4:29: error[PL102]: ")
    no_traceback(bad.stdout, bad.stderr)


# ---- bill --------------------------------------------------------------------------------------


def test_bill_table(in_repo, capsys):
    status, out, err = run(bill(), capsys)
    assert status == 0, err
    assert err == ""
    lines = out.splitlines()
    assert lines[0].startswith("flespi · account acme-logistics · plan Start · period 2026-11")
    assert re.search(r"^  plan fee\s+Start\s+1 × month\s+€130\.00\s+€130\.00\s+"
                     r"catalogs/flespi\.plan:\d+$", out, re.M)
    total = next(line for line in lines if line.lstrip().startswith("total"))
    assert total.split()[-1] == "€221.00"


def test_bill_json(in_repo, capsys):
    status, out, err = run(bill("--format", "json"), capsys)
    assert status == 0, err
    data = json.loads(out)
    assert data["account"] == "acme-logistics" and data["currency"] == "EUR"
    amounts = [Decimal(line["amount"]) for line in data["lines"]]
    assert Decimal(data["total"]) == sum(amounts, Decimal(0)) == Decimal("221.00")
    for line in data["lines"]:
        assert re.fullmatch(r"catalogs/flespi\.plan:\d+", line["rule"])
        assert isinstance(line["amount"], str)  # exact text, never a float
    decisions = {d["subject"]: d for d in data["decisions"]}
    assert decisions["devices"]["outcome"] == "refused"
    assert decisions["devices"]["lowest_plan"] == "Pro"


def test_bill_json_subprocess(in_repo):
    result = subprocess.run([str(PLANLANG), *bill("--format", "json")], capture_output=True,
                            text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert Decimal(data["total"]) == sum((Decimal(li["amount"]) for li in data["lines"]),
                                         Decimal(0))


def test_bill_explain_names_each_rule(in_repo, capsys):
    status, out, err = run(bill("--explain"), capsys)
    assert status == 0, err
    _, data, _ = run(bill("--format", "json"), capsys)
    lines = json.loads(data)["lines"]
    assert lines
    plan_lines = FLESPI.read_text(encoding="utf-8").splitlines()
    for line in lines:
        file, number = line["rule"].rsplit(":", 1)
        assert file == "catalogs/flespi.plan"
        # The explanation names each line's rule: file, line number and the plan line itself.
        shown = f"catalogs/flespi.plan:{number} {plan_lines[int(number) - 1].strip()}"
        assert re.search(r"^\s+rule\s+" + re.escape(shown) + "$", out, re.M), shown


# ---- bad arguments and bad files: non-zero, no traceback ---------------------------------------


def _binary(tmp: Path) -> str:
    path = tmp / "binary.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    return str(path)


def _empty(tmp: Path) -> str:
    path = tmp / "empty.yaml"
    path.write_text("")
    return str(path)


BAD = {
    "missing --account": (["bill", CATALOG, "--period", "2026-11"], 2, "PL421"),
    "missing --period": (["bill", CATALOG, "--account", ACCOUNT], 2, "PL421"),
    "period month 13": (bill()[:-1] + ["2026-13"], 2, "PL420"),
    "period month 0": (bill()[:-1] + ["2026-00"], 2, "PL420"),
    "period text": (bill()[:-1] + ["November"], 2, "PL420"),
    "unknown format": (bill("--format", "csv"), 2, "PL421"),
    "unknown command": (["invoice"], 2, "PL421"),
    "no command": ([], 2, "PL421"),
    "nonexistent catalog": (["bill", "nope.plan", "--account", ACCOUNT, "--period", "2026-11"], 1,
                            "PL401"),
    "nonexistent account": (["bill", CATALOG, "--account", "nope.yaml", "--period", "2026-11"], 1,
                            "PL401"),
    "folder as account": (["bill", CATALOG, "--account", "examples", "--period", "2026-11"], 1,
                          "PL401"),
    "folder as catalog": (["bill", "catalogs", "--account", ACCOUNT, "--period", "2026-11"], 1,
                          "PL401"),
    "plan file as account": (["bill", CATALOG, "--account", CATALOG, "--period", "2026-11"], 1,
                             "PL40"),
    "account as catalog": (["bill", ACCOUNT, "--account", ACCOUNT, "--period", "2026-11"], 1,
                           "PL1"),
    "binary account": (["bill", CATALOG, "--account", _binary, "--period", "2026-11"], 1, "PL402"),
    "empty account": (["bill", CATALOG, "--account", _empty, "--period", "2026-11"], 1, "PL403"),
    "dev null account": (["bill", CATALOG, "--account", "/dev/null", "--period", "2026-11"], 1,
                         "PL403"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_use_exits_nonzero_without_traceback(case, in_repo, tmp_path, capsys):
    argv, expected_status, code = BAD[case]
    argv = [a(tmp_path) if callable(a) else a for a in argv]
    status, out, err = run(argv, capsys)
    assert status == expected_status, err
    assert out == ""
    assert f"error[{code}" in err
    no_traceback(out, err)


@pytest.mark.parametrize("period", ["0000-01", "9999-12"])
def test_period_out_of_range_is_an_argument_error(period, in_repo, capsys):
    try:
        status, out, err = run(bill()[:-1] + [period], capsys)
    except Exception as error:  # noqa: BLE001 - the bug: an exception escapes main()
        pytest.fail(f"planlang raised {type(error).__name__}: {error}")
    assert status == 2 and "error[PL420]" in err


def test_bad_use_subprocess(in_repo, tmp_path):
    for argv in (["bill", CATALOG, "--period", "2026-13"],
                 ["bill", CATALOG, "--account", _binary(tmp_path), "--period", "2026-11"],
                 ["bill", CATALOG, "--account", "examples", "--period", "2026-11"]):
        result = subprocess.run([str(PLANLANG), *argv], capture_output=True, text=True, cwd=REPO,
                                errors="replace")
        assert result.returncode in (1, 2)
        no_traceback(result.stdout, result.stderr)
        assert "error[PL4" in result.stderr


def test_binary_account_prints_no_control_characters(in_repo, tmp_path, capsys):
    status, _, err = run(["bill", CATALOG, "--account", _binary(tmp_path), "--period", "2026-11"],
                         capsys)
    assert status == 1
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", err)


# ---- --out: the whole file or nothing ----------------------------------------------------------


def test_out_writes_the_whole_file(in_repo, tmp_path, capsys):
    target = tmp_path / "bill.json"
    status, out, err = run(bill("--format", "json", "--out", str(target)), capsys)
    assert status == 0, err
    assert out == ""
    _, printed, _ = run(bill("--format", "json"), capsys)
    assert target.read_text(encoding="utf-8") == printed
    assert [p.name for p in tmp_path.iterdir()] == ["bill.json"]  # no temporary file left


def test_out_table_matches_stdout(in_repo, tmp_path, capsys):
    target = tmp_path / "bill.txt"
    assert run(bill("--explain", "--out", str(target)), capsys)[0] == 0
    assert target.read_text(encoding="utf-8") == run(bill("--explain"), capsys)[1]


def test_out_not_written_when_billing_fails(in_repo, tmp_path, capsys):
    target = tmp_path / "bill.txt"
    bad = "tests/golden/accounts/PL411-unknown-plan.yaml"
    status, out, err = run(["bill", CATALOG, "--account", bad, "--period", "2026-11", "--out",
                            str(target)], capsys)
    assert status == 1 and "error[PL411]" in err
    assert list(tmp_path.iterdir()) == []


def test_out_keeps_the_old_file_when_billing_fails(in_repo, tmp_path, capsys):
    target = tmp_path / "bill.txt"
    target.write_text("previous bill\n")
    status, _, _ = run(bill()[:-1] + ["2026-13", "--out", str(target)], capsys)
    assert status == 2  # a bad argument
    assert target.read_text() == "previous bill\n"
    assert [p.name for p in tmp_path.iterdir()] == ["bill.txt"]


def test_out_into_a_missing_folder(in_repo, tmp_path, capsys):
    status, out, err = run(bill("--out", str(tmp_path / "missing" / "bill.txt")), capsys)
    assert status == 1 and "error[PL422]" in err
    no_traceback(out, err)
    assert list(tmp_path.iterdir()) == []


def test_out_onto_a_folder(in_repo, tmp_path, capsys):
    folder = tmp_path / "folder"
    folder.mkdir()
    try:
        status, out, err = run(bill("--out", str(folder)), capsys)
    except Exception as error:  # noqa: BLE001 - the bug: an exception escapes main()
        pytest.fail(f"planlang raised {type(error).__name__}: {error}")
    assert status == 1 and "error[PL422]" in err
    assert [p.name for p in tmp_path.iterdir()] == ["folder"]


# ---- test --------------------------------------------------------------------------------------


def test_test_command_on_a_nonexistent_path(in_repo, capsys):
    status, out, err = run(["test", "no/such/scenarios"], capsys)
    assert status != 0
    assert "error[PL401]" in err
    no_traceback(out, err)


def test_test_command_on_a_folder_without_scenarios(in_repo, tmp_path, capsys):
    status, out, err = run(["test", str(tmp_path)], capsys)
    assert status != 0
    no_traceback(out, err)


def test_test_command_subprocess_on_a_nonexistent_path(in_repo):
    result = subprocess.run([str(PLANLANG), "test", "no/such/scenarios"], capture_output=True,
                            text=True, cwd=REPO)
    assert result.returncode != 0
    no_traceback(result.stdout, result.stderr)
