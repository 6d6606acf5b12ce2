"""The command line: exit statuses, output formats, and no traceback whatever the input."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import threading
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


# ---- --out: never over an input, special files, permissions (planlang/outputs/files.py) -------------


def test_out_never_replaces_an_input(in_repo, tmp_path, capsys):
    """--out naming the account, the catalog (by another path, a symbolic link or a hard link)
    is refused before anything is billed; the inputs are left as they were."""
    account = tmp_path / "account.yaml"
    account.write_bytes(EXAMPLE_ACCOUNT.read_bytes())
    catalog = tmp_path / "flespi.plan"
    catalog.write_bytes(FLESPI.read_bytes())
    (tmp_path / "link.plan").symlink_to(catalog)
    os.link(account, tmp_path / "hard.yaml")
    for out in (account, tmp_path / "." / "account.yaml", catalog, tmp_path / "link.plan",
                tmp_path / "hard.yaml"):
        status, printed, err = run(["bill", str(catalog), "--account", str(account), "--period",
                                    "2026-11", "--out", str(out)], capsys)
        assert (status, printed) == (2, ""), err
        assert "error[PL421]: --out `" in err and "is an input of this command" in err
    assert account.read_bytes() == EXAMPLE_ACCOUNT.read_bytes()
    assert catalog.read_bytes() == FLESPI.read_bytes()
    assert (tmp_path / "link.plan").is_symlink()


def test_out_never_replaces_an_account_file_of_the_folder(in_repo, tmp_path, capsys):
    folder = tmp_path / "accounts"
    folder.mkdir()
    lines = '{"account": "a", "plan": "Cellular-Small"}\n'
    (folder / "a.jsonl").write_text(lines, encoding="utf-8")
    status, _, err = run(["bill", "catalogs/edge-device.plan", "--accounts", str(folder),
                          "--period", "2026-02", "--out", str(folder / "a.jsonl")], capsys)
    assert status == 2 and "is an input of this command" in err
    assert (folder / "a.jsonl").read_text(encoding="utf-8") == lines
    # a new file in the folder is written, and not read as accounts
    status, _, err = run(["bill", "catalogs/edge-device.plan", "--accounts", str(folder),
                          "--period", "2026-02", "--out", str(folder / "bills.csv"),
                          "--format", "csv"], capsys)
    assert status == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["a.jsonl", "bills.csv"]


def test_out_through_a_symbolic_link(in_repo, tmp_path, capsys):
    """A link at --out stays a link; its target gets the output (replaced whole)."""
    target = tmp_path / "real" / "bill.json"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    status, _, err = run(bill("--format", "json", "--out", str(link)), capsys)
    assert status == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text(encoding="utf-8"))["account"] == "acme-logistics"
    assert sorted(p.name for p in target.parent.iterdir()) == ["bill.json"]
    dangling = tmp_path / "next.json"
    dangling.symlink_to(tmp_path / "real" / "new.json")
    assert run(bill("--format", "json", "--out", str(dangling)), capsys)[0] == 0
    assert dangling.is_symlink() and (tmp_path / "real" / "new.json").is_file()


def test_out_to_dev_null_and_a_fifo_is_written_in_place(in_repo, tmp_path, capsys):
    status, printed, err = run(bill("--out", "/dev/null"), capsys)
    assert (status, printed, err) == (0, "", "")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    status, _, err = run(bill("--format", "json", "--out", str(fifo)), capsys)
    reader.join(timeout=60)
    assert status == 0, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO
    assert json.loads(got[0])["account"] == "acme-logistics"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary file


def test_out_to_dev_stdout_subprocess(in_repo, tmp_path):
    """/dev/stdout names standard output, written in place: on a pipe, and appended to a file
    that standard output is (`>>`), not replacing it."""
    result = subprocess.run([str(PLANLANG), *bill("--format", "json", "--out", "/dev/stdout")],
                            capture_output=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["account"] == "acme-logistics"
    log = tmp_path / "log.txt"
    log.write_text("before\n")
    with log.open("a") as out:
        status = subprocess.run([str(PLANLANG), *bill("--out", "/dev/stdout")], stdout=out,
                                cwd=REPO).returncode
    assert status == 0
    assert log.read_text(encoding="utf-8").startswith("before\nflespi · account acme-logistics")


def test_out_keeps_the_mode_of_the_file_it_replaces(in_repo, tmp_path, capsys):
    old = os.umask(0o027)
    try:
        new = tmp_path / "new.txt"
        assert run(bill("--out", str(new)), capsys)[0] == 0
        assert stat.S_IMODE(new.stat().st_mode) == 0o640  # 0666 & ~umask, as `>` gives
        existing = tmp_path / "existing.txt"
        existing.write_text("old")
        existing.chmod(0o664)
        assert run(bill("--out", str(existing)), capsys)[0] == 0
        assert stat.S_IMODE(existing.stat().st_mode) == 0o664
        assert existing.read_text(encoding="utf-8").startswith("flespi · account")
    finally:
        os.umask(old)


def test_out_with_the_longest_file_name(in_repo, tmp_path, capsys):
    """A valid 254-character name: the temporary file's name is short, beside it."""
    out = tmp_path / ("b" * 250 + ".txt")
    status, _, err = run(bill("--out", str(out)), capsys)
    assert status == 0, err
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_out_cannot_be_a_block_device(tmp_path):
    from planlang.diagnostics import PlanlangError
    from planlang.outputs.files import output_target

    devices = [p for p in Path("/dev").iterdir() if p.exists() and stat.S_ISBLK(p.stat().st_mode)]
    if not devices:
        pytest.skip("no block device here")
    with pytest.raises(PlanlangError) as raised:
        output_target(str(devices[0]))
    assert raised.value.diagnostics[0].code == "PL422"
    assert raised.value.diagnostics[0].message.endswith("it is a block device")


def test_every_command_writes_through_the_one_function():
    """bill, batch and the CSV write files only through planlang/outputs/files.py."""
    writer = REPO / "planlang" / "outputs" / "files.py"
    for path in sorted((REPO / "planlang").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path != writer:
            assert "mkstemp" not in text and "os.replace" not in text and "os.rename" not in text, path


# ---- output encoding ---------------------------------------------------------------------------


@pytest.mark.parametrize("environment", [{"PYTHONIOENCODING": "latin-1"},
                                         {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"}])
def test_output_is_utf8_whatever_the_locale(environment, in_repo):
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONIOENCODING", "LANG", "LC_ALL", "LC_CTYPE")} | environment
    table = subprocess.run([str(PLANLANG), *bill()], capture_output=True, cwd=REPO, env=env)
    assert table.returncode == 0, table.stderr
    assert "€130.00".encode() in table.stdout
    batch_csv = subprocess.run([str(PLANLANG), "bill", CATALOG, "--accounts", ACCOUNT,
                                "--period", "2026-11", "--format", "csv"], capture_output=True,
                               cwd=REPO, env=env)
    assert batch_csv.returncode == 0, batch_csv.stderr
    assert batch_csv.stdout.startswith("\ufeffaccount,period,".encode())
    error = subprocess.run([str(PLANLANG), "bill", CATALOG, "--account",
                            "tests/golden/accounts/PL411-unknown-plan.yaml", "--period",
                            "2026-11"], capture_output=True, cwd=REPO, env=env)
    assert error.returncode == 1
    no_traceback(error.stderr.decode("utf-8"))


# ---- named pipes among the inputs ----------------------------------------------------------------


def test_check_skips_a_named_pipe_in_a_folder(tmp_path, capsys):
    """A FIFO named `*.plan` in a folder is not a plan file: reading it would block forever."""
    (tmp_path / "good.plan").write_bytes(FLESPI.read_bytes())
    os.mkfifo(tmp_path / "stuck.plan")
    status, out, err = run(["check", str(tmp_path)], capsys)
    assert status == 0, err
    assert out == "checked 1 file: 0 errors, 0 warnings\n"


def test_a_named_pipe_given_by_name_is_refused(tmp_path, monkeypatch, capsys):
    """Named on the command line (to check, as a catalog or an account), a FIFO is PL401, at
    once, not a wait for a writer that may never come."""
    from conftest import GOLDEN, UPDATE_GOLDEN

    monkeypatch.chdir(tmp_path)
    os.mkfifo("plans.plan")
    status, out, err = run(["check", "plans.plan"], capsys)
    golden = GOLDEN / "generated" / "PL401-check-named-pipe.out"
    if UPDATE_GOLDEN:
        golden.write_text(err, encoding="utf-8", newline="\n")
    assert err == golden.read_text(encoding="utf-8")
    assert status == 1 and out == "checked 1 file: 1 error, 0 warnings\n"
    status, _, err = run(["bill", str(FLESPI), "--account", "plans.plan", "--period", "2026-11"],
                         capsys)
    assert status == 1 and "error[PL401]: `plans.plan` is a named pipe, not a file" in err


def test_out_never_replaces_the_subscribers_file(tmp_path, monkeypatch, capsys):
    """A records catalog's account reads its SIMs from `subscribers_from`: an input too."""
    from test_csv import CATALOG as RECORDS_CATALOG
    from test_csv import write_streamed

    write_streamed(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / "sims.jsonl").read_bytes()
    status, out, err = run(["bill", str(REPO / RECORDS_CATALOG), "--account", "account.yaml",
                            "--period", "2026-11", "--format", "csv", "--out", "sims.jsonl"],
                           capsys)
    assert (status, out) == (2, ""), err
    assert "error[PL421]: --out `sims.jsonl` is an input of this command" in err
    assert (tmp_path / "sims.jsonl").read_bytes() == before
