"""Golden tests: every diagnostic code, rendered exactly as a user sees it.

- tests/golden/plans/<CODE>-<name>.plan: a malformed plan file; <same>.out is what
  `planlang check FILE` prints to stderr before its summary (render_all of the diagnostics).
- tests/golden/accounts/<CODE>-<name>.yaml: a malformed account file (or a folder, for PL401);
  <same>.out is the stderr of `planlang bill catalogs/flespi.plan --account FILE --period 2026-11`
  (another catalog when the file's first line says `# catalog: NAME`).
- tests/golden/cli/<CODE>-<name>.args: command-line arguments, one a line; <same>.out is the stderr
  followed by the exit status.
- tests/golden/generated/<CODE>-<name>.out: inputs too large or too odd to commit (a plan over
  2,000,000 characters, 10,001 definitions, bytes that are not UTF-8, NUL bytes), built here.

Every input runs with the repository root as the working folder and a relative path, so the outputs
are stable. `PLANLANG_UPDATE_GOLDEN=1 pytest tests/test_golden.py` rewrites the .out files; read the
diff before committing it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import GOLDEN, REPO, UPDATE_GOLDEN, rel, run_cli

from planlang.compile import compile_source, read_source
from planlang.diagnostics import Diagnostic, render_all
from planlang.drivers import cli
from planlang.source import Source, plan_text

PLAN_GOLDENS = sorted((GOLDEN / "plans").glob("*.plan"))
ACCOUNT_GOLDENS = sorted((GOLDEN / "accounts").glob("*.yaml"))
CLI_GOLDENS = sorted((GOLDEN / "cli").glob("*.args"))

CODE = re.compile(r"\bPL\d{3}\b")

#: Codes in planlang's source that no input can reach, and why. Keep this list short and honest.
UNREACHABLE = {
    # parse.py: the fallback for an UnexpectedInput that is neither UnexpectedCharacters nor
    # UnexpectedToken (Lark's LALR parser with the contextual lexer raises only those two), and the
    # defensive catch of other LarkErrors and RecursionError around an iterative LALR parse.
    "PL101",
    # parse.py: the end of a file where the grammar still expects something. Every such place
    # the grammar has (a block header with no indented lines) is matched by PL114's examples
    # first; PL103 stays as the fallback should the grammar grow one (truncating every catalog
    # at every 7th character reaches no PL103).
    "PL103",
}


def code_of(path: Path) -> str:
    match = re.match(r"(PL\d{3})-", path.name)
    assert match, f"golden file {path.name} must be named <CODE>-<short-name>"
    return match.group(1)


def compare(out: Path, actual: str) -> None:
    if UPDATE_GOLDEN:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert out.exists(), f"{rel(out)} is missing: run PLANLANG_UPDATE_GOLDEN=1 pytest {__file__}"
    expected = out.read_text(encoding="utf-8")
    assert actual == expected, f"{rel(out)} differs (PLANLANG_UPDATE_GOLDEN=1 rewrites it)"


def plan_output(source: Source) -> tuple[str, tuple[Diagnostic, ...]]:
    diagnostics = compile_source(source).diagnostics
    return render_all(diagnostics) + "\n", diagnostics


def codes_in_output(text: str) -> set[str]:
    return set(re.findall(r"(?:error|warning)\[(PL\d{3})\]", text))


# ---- plan files --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PLAN_GOLDENS, ids=lambda p: p.stem)
def test_plan_golden(path: Path, in_repo):
    source = read_source(rel(path))
    assert isinstance(source, Source)
    source = plan_text(source)  # the text as the stages read it: CR line ends made LF
    actual, diagnostics = plan_output(source)
    compare(path.with_suffix(".out"), actual)
    assert code_of(path) in {d.code for d in diagnostics}
    for d in diagnostics:
        assert d.is_error
        # Names the line and underlines the text: every diagnostic about a plan has a span in it.
        assert d.span is not None and d.span.path == rel(path), d
        assert 1 <= d.span.line <= max(1, source.text.count("\n") + 1)
        assert d.message


@pytest.mark.parametrize("path", PLAN_GOLDENS, ids=lambda p: p.stem)
def test_check_command_prints_the_golden(path: Path, in_repo, capsys):
    """`planlang check FILE` prints exactly the golden text, a blank line, and its summary."""
    out = path.with_suffix(".out")
    if UPDATE_GOLDEN or not out.exists():
        pytest.skip("golden being written")
    status = cli.main(["check", rel(path)])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err == out.read_text(encoding="utf-8") + "\n"
    assert re.fullmatch(r"checked 1 file: [1-9]\d* errors?, 0 warnings\n", captured.out)


# ---- account files -----------------------------------------------------------------------------


def catalog_of(account: str) -> str:
    """flespi, unless the account's first line names another catalog (`# catalog: NAME`, or a
    plan file's path from the repository's root)."""
    first = Path(account).read_text(encoding="utf-8", errors="replace").split("\n", 1)[0] \
        if Path(account).is_file() else ""
    name = first.removeprefix("# catalog:").strip() if first.startswith("# catalog:") else "flespi"
    return name if name.endswith(".plan") else f"catalogs/{name}.plan"


def bill_stderr(account: str, capsys) -> tuple[int, str, str]:
    status = cli.main(["bill", catalog_of(account), "--account", account, "--period", "2026-11"])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("path", ACCOUNT_GOLDENS, ids=lambda p: p.stem)
def test_account_golden(path: Path, in_repo, capsys):
    status, out, err = bill_stderr(rel(path), capsys)
    compare(path.with_suffix(".out"), err)
    assert status == 1
    assert out == ""
    assert "Traceback" not in err
    assert code_of(path) in codes_in_output(err)


# ---- command-line arguments --------------------------------------------------------------------




@pytest.mark.parametrize("path", CLI_GOLDENS, ids=lambda p: p.stem)
def test_cli_golden(path: Path, in_repo, capsys):
    argv = path.read_text(encoding="utf-8").splitlines()
    status, out, err = run_cli(argv, capsys)
    compare(path.with_suffix(".out"), f"{err}[exit status {status}]\n")
    assert status == (2 if code_of(path) in ("PL420", "PL421") else 1)
    assert "Traceback" not in out + err
    assert code_of(path) in codes_in_output(err)
    assert not list(REPO.glob("tests/golden/cli/no-such-folder*"))


# ---- generated inputs --------------------------------------------------------------------------

HEADER = "catalog demo\n  currency EUR\n"


def _too_large() -> str:
    return HEADER + "# padding to make the file too large\n" * 54_055  # > 2,000,000 characters


def _too_many_definitions() -> str:
    return HEADER + "".join(f"unit u{i}\n" for i in range(10_001))


PLAN_TEXTS = {
    "PL106-too-large": _too_large,
    "PL265-too-many-definitions": _too_many_definitions,
    "PL100-nul-byte": lambda: HEADER + "unit MB\x00\n",
}


@pytest.mark.parametrize("name", sorted(PLAN_TEXTS))
def test_generated_plan_golden(name: str):
    text = PLAN_TEXTS[name]()
    if name.startswith("PL106"):
        assert len(text) > 2_000_000
    source = Source(f"tests/golden/generated/{name}.plan", text)
    actual, diagnostics = plan_output(source)
    compare(GOLDEN / "generated" / f"{name}.out", actual)
    assert [d.code for d in diagnostics] == [name[:5]]


BYTE_FILES = {
    # name → (file name, bytes, command)
    "PL402-plan-not-utf8": ("latin-1.plan", HEADER.encode() + "unit \xb5s\n".encode("latin-1"),
                            "check"),
    "PL402-account-not-utf8": ("latin-1.yaml", "account: caf\xe9\nplan: Start\n".encode("latin-1"),
                               "bill"),
    "PL402-account-nul-byte": ("nul.yaml", b"account: acme\nplan: Start\x00\n", "bill"),
    "PL402-account-control-character": ("bel.yaml", b"account: acme\x07\nplan: Start\n", "bill"),
    "PL402-account-escape-sequence": ("esc.yaml", b"account: \x1b]0;pwned\x07acme\nplan: Start\n",
                                      "bill"),
    "PL402-account-non-character": ("fffe.yaml", "account: acme\ufffe\nplan: Start\n".encode(),
                                    "bill"),
}


@pytest.mark.parametrize("name", sorted(BYTE_FILES))
def test_generated_file_golden(name: str, tmp_path, monkeypatch, capsys):
    file_name, data, command = BYTE_FILES[name]
    (tmp_path / file_name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    if command == "check":
        status, out, err = run_cli(["check", file_name], capsys)
        assert out == "checked 1 file: 1 error, 0 warnings\n"
    else:
        status, out, err = run_cli(["bill", str(REPO / "catalogs" / "flespi.plan"), "--account",
                                    file_name, "--period", "2026-11"], capsys)
        assert out == ""
    compare(GOLDEN / "generated" / f"{name}.out", err)
    assert status == 1
    assert name[:5] in codes_in_output(err)


# ---- every code has a golden -------------------------------------------------------------------


def codes_in_source() -> set[str]:
    codes: set[str] = set()
    for path in (REPO / "planlang").rglob("*.py"):
        codes |= set(CODE.findall(path.read_text(encoding="utf-8")))
    return codes


def codes_with_goldens() -> set[str]:
    names = [p.name for p in GOLDEN.rglob("*.out")]
    return {m.group(1) for m in (re.match(r"(PL\d{3})-", n) for n in names) if m}


def test_every_code_has_a_golden():
    missing = codes_in_source() - codes_with_goldens() - UNREACHABLE
    assert not missing, f"codes without a golden file under tests/golden/: {sorted(missing)}"


def test_unreachable_list_is_current():
    assert UNREACHABLE <= codes_in_source(), "a code listed as unreachable no longer exists"
    assert not UNREACHABLE & codes_with_goldens(), "a code listed as unreachable has a golden"


def test_every_golden_input_has_its_output():
    inputs = PLAN_GOLDENS + ACCOUNT_GOLDENS + CLI_GOLDENS
    assert inputs
    for path in inputs:
        assert path.with_suffix(".out").exists() or UPDATE_GOLDEN, rel(path)
    for out in GOLDEN.rglob("*.out"):
        if out.parent.name == "generated":
            continue
        assert any(out.with_suffix(s).exists() for s in (".plan", ".yaml", ".args")), rel(out)


# ---- what the goldens show that is wrong (see the report; each test states the fix) -----------


def _all_golden_diagnostics(in_repo) -> list[Diagnostic]:
    found = []
    for path in PLAN_GOLDENS:
        source = read_source(rel(path))
        found += compile_source(source).diagnostics
    return found


def test_every_plan_diagnostic_has_a_help(in_repo):
    without = sorted({f"{d.code}: {d.message}" for d in _all_golden_diagnostics(in_repo)
                      if not d.help})
    assert not without


def test_missing_catalog_reports_no_python_none():
    text = "plan Start: € 130 per month\n"
    diagnostics = compile_source(Source("x.plan", text)).diagnostics
    assert [d.code for d in diagnostics] == ["PL260"]
    assert "None" not in render_all(diagnostics)


def test_interval_ending_before_start_message(in_repo, capsys):
    status, _, err = bill_stderr("tests/golden/accounts/PL414-interval-ends-before-start.yaml",
                                 capsys)
    assert status == 1
    assert "ends before it starts" in err or "must end after it starts" in err


def test_requests_as_mapping_says_a_list_is_expected(in_repo, capsys):
    status, _, err = bill_stderr("tests/golden/accounts/PL404-list-expected.yaml", capsys)
    assert status == 1
    assert "object has no attribute" not in err
    assert err.count("error[PL404]") == 1
    assert "expected a list" in err


def test_malformed_yaml_points_at_the_open_bracket(in_repo, capsys):
    status, _, err = bill_stderr("tests/golden/accounts/PL403-malformed-yaml.yaml", capsys)
    assert status == 1
    assert err.startswith("tests/golden/accounts/PL403-malformed-yaml.yaml:6:")


def test_unknown_plan_in_plans_block_reports_only_the_name(in_repo):
    source = read_source("tests/golden/plans/PL212-unknown-plan.plan")
    assert [d.code for d in compile_source(source).diagnostics] == ["PL212"]


def test_source_not_first_underlines_the_steps():
    text = HEADER + "meter channels: daily average, count including disabled\n"
    (d,) = compile_source(Source("x.plan", text)).diagnostics
    assert d.code == "PL261"
    assert d.span is not None and d.span.text != "channels"
