"""Mutation fuzzing of account files and scenario files, through the command line.

The bundled accounts (examples/*.yaml) and scenarios (tests/scenarios/**/*.scenario.yaml) are
mutated (lines and characters deleted, duplicated, swapped; values' types changed: a number where
text is expected, a list where a mapping is, null, true, huge or odd numbers, broken dates, YAML
anchors and aliases) and fed to `planlang bill` and `planlang test` through planlang.drivers.cli.main.
Only the diagnostics are asserted: the exit status is 0, 1 or 2, no Python exception escapes and
nothing prints a traceback.

CI-friendly and reproducible by default (150 examples per target, derandomized, no example
database); PLANLANG_FUZZ_EXAMPLES=5000 for a deeper, random run. bench/fuzz.py runs the same
mutations at a large size (20,000 inputs per target) and saves any input that raised.
"""

from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]

# ---- the seeds ---------------------------------------------------------------------------------

#: Each bundled account, with the catalog it is billed on and the periods its story covers.
ACCOUNT_SEEDS: dict[str, tuple[str, str]] = {
    "examples/coediting-account.yaml": ("catalogs/coediting.plan", "2026-03"),
    "examples/edge-device-account.yaml": ("catalogs/edge-device.plan", "2026-01..2026-04"),
    "examples/flespi-account.yaml": ("catalogs/flespi.plan", "2026-11"),
    "examples/soracom-air-account.yaml": ("catalogs/soracom-air.plan", "2026-11"),
    "examples/soracom-flux-account.yaml": ("catalogs/soracom-flux.plan", "2026-02..2026-03"),
    "examples/github-actions-account.yaml": ("catalogs/github-actions.plan", "2026-11"),
    "examples/sms-api-account.yaml": ("catalogs/sms-api.plan", "2026-11"),
    "examples/team-chat-account.yaml": ("catalogs/team-chat.plan", "2026-11..2026-12"),
    "examples/payments-account.yaml": ("catalogs/payments.plan", "2026-11"),
}


def account_seeds() -> list[str]:
    """Every examples/*.yaml (a new example is fuzzed too, on flespi unless listed above)."""
    return sorted(p.relative_to(REPO).as_posix() for p in (REPO / "examples").glob("*.yaml"))


def scenario_seeds() -> list[str]:
    return sorted(p.relative_to(REPO).as_posix()
                  for p in (REPO / "tests" / "scenarios").rglob("*.scenario.yaml"))


def catalog_and_period(account: str) -> tuple[str, str]:
    return ACCOUNT_SEEDS.get(account, ("catalogs/flespi.plan", "2026-11"))


# ---- mutations ---------------------------------------------------------------------------------

#: Values that change a value's type or push it out of range.
VALUES = [
    "", "~", "null", "true", "false", "0", "-1", "1", "2.5", "0.1", "-0.0", "1e3", "1.0e+400",
    "1.0e-400", "1.0e+1000000", "999999999999999999999999", ".inf", "-.inf", ".nan", "[]", "{}",
    "[1, 2]", "{a: 1}", "'text'", '"2026-11-01"', "2026-11-31", "2026-02-30", "2026-13-01",
    "0000-01-01", "9999-12-31", "2026-11-01T25:00:00Z", "2026-11-01T10:00:00+99:00", "2026-11",
    "2026-00", "12:30", "100.5%", "-5%", "3000 MB", "3 GB", "1 hour", "-3000 MB", "1,000,000",
    "1_000", "x", "Start", "Free", "Pro", "PL404", "&anchor 1", "*anchor", "!!binary aGVsbG8=",
    "!!python/object:os.system x", "!!str 1", "!!int x", "!!float x", "<<", "|", ">", "- a",
    "? a", "'unclosed", '"unclosed', "{unclosed", "[unclosed", "\t", "\u00a0", "\ufeff",
    "ä", "😀", "\\x00", "%", "#", "@", "`",
    # numbers in the forms the readers refuse (PL407) and text that is not text (PL402)
    "010", "0x10", "0o17", "0b1", "1:30", "+12", '"10,5 GB"', '"1,0,0,0"', ".5", "5.", "NaN",
    "1.5e-99999999999999999999", "9" * 5000, "\x07", "\x1b[31m", "\x7f", "\ufffe",
    '"\\ud800"', '"\\ud83d\\ude00"', "[" * 300 + "]" * 300, "20261105", '"2026-11-01T01:00:00+01:00"',
]

#: Characters inserted by character mutations (YAML's indicators and a few odd ones).
CHARS = list(" \t\n:-[]{},&*!|>'\"%@`#?0123456789.eE+_~\\") + ["\u00a0", "\ufeff", "é", "\r"]

_VALUE = re.compile(r"(:\s+|-\s+)([^\s#][^#\n]*?)(\s*(?:#.*)?)$")


def mutate_text(text: str, rng: random.Random, max_mutations: int = 4) -> str:
    """`text` with 1 to `max_mutations` random mutations of its lines, characters and values."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, max_mutations)):
        i = rng.randrange(len(lines))
        op = rng.choice(("delete-line", "duplicate-line", "swap-lines", "indent", "dedent",
                         "delete-char", "duplicate-char", "swap-chars", "insert-char",
                         "value", "value", "value", "flow-value", "key", "truncate"))
        line = lines[i]
        if op == "delete-line" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate-line":
            lines.insert(i, line)
        elif op == "swap-lines":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = " " * rng.randint(1, 4) + line
        elif op == "dedent":
            lines[i] = line.lstrip()
        elif op in ("delete-char", "duplicate-char", "swap-chars", "insert-char") and line:
            k = rng.randrange(len(line))
            if op == "delete-char":
                lines[i] = line[:k] + line[k + 1:]
            elif op == "duplicate-char":
                lines[i] = line[:k] + line[k] + line[k:]
            elif op == "swap-chars" and k + 1 < len(line):
                lines[i] = line[:k] + line[k + 1] + line[k] + line[k + 2:]
            else:
                lines[i] = line[:k] + rng.choice(CHARS) + line[k:]
        elif op == "value":
            match = _VALUE.search(line)
            if match:
                lines[i] = line[:match.start(2)] + rng.choice(VALUES) + match.group(3)
        elif op == "flow-value":  # a value inside {…} or […]
            spots = [m for m in re.finditer(r"(?<=[:,\[{]) ?([^,\[\]{}:]+?)(?=[,}\]])", line)]
            if spots:
                m = rng.choice(spots)
                lines[i] = line[:m.start(1)] + rng.choice(VALUES) + line[m.end(1):]
        elif op == "key":  # rename a key: unknown keys, keys of another kind
            m = re.match(r"^(\s*(?:- )?\{?\s*)([A-Za-z_][\w-]*)(:)", line)
            if m:
                lines[i] = line[:m.start(2)] + rng.choice(
                    ["acount", "plann", "usage", "periods", "lines", "on", "from", "2026-11",
                     "1", "true", "null", "<<", "x"]) + line[m.end(2):]
        elif op == "truncate":
            cut = rng.randrange(len(text) + 1)
            return "\n".join(lines)[:cut]
    return "\n".join(lines)


def mutated(seed_texts: dict[str, str]):
    """A strategy of (seed name, mutated text)."""
    return st.tuples(st.sampled_from(sorted(seed_texts)), st.randoms(use_true_random=False)).map(
        lambda pair: (pair[0], mutate_text(seed_texts[pair[0]], pair[1])))


# ---- running the command line ------------------------------------------------------------------

ALLOWED_STATUS = (0, 1, 2)
CODE = re.compile(r"(?:error|warning)\[(PL\d{3})\]")


def run_main(argv: list[str]) -> int:
    """planlang.drivers.cli.main, with argparse's SystemExit turned into its status."""
    from planlang.drivers import cli

    try:
        return cli.main(argv)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 2


def prepare_tree(root: Path) -> None:
    """A folder standing in for the repository: scenarios written under root/tests/scenarios/…
    find their catalogs (`../../../catalogs/…`, `../../data/…`, a folder's own `suite.plan`)
    through links."""
    (root / "tests" / "scenarios").mkdir(parents=True, exist_ok=True)
    for name in ("catalogs", "examples"):
        if not (root / name).exists():
            (root / name).symlink_to(REPO / name, target_is_directory=True)
    if not (root / "tests" / "data").exists():
        (root / "tests" / "data").symlink_to(REPO / "tests" / "data", target_is_directory=True)
    for plan in (REPO / "tests" / "scenarios").glob("*/*.plan"):  # a folder's own catalog
        linked = root / plan.relative_to(REPO)
        linked.parent.mkdir(parents=True, exist_ok=True)
        if not linked.exists():
            linked.symlink_to(plan)


def bill_argv(seed: str, account_file: str, rng: random.Random | None = None) -> list[str]:
    catalog, period = catalog_and_period(seed)
    argv = ["bill", str(REPO / catalog), "--account", account_file, "--period", period]
    if rng is not None:
        argv += rng.choice([[], ["--format", "json"], ["--explain"]]
                           + ([["--format", "csv"]] if "soracom-air" in catalog else []))
    return argv


def write_scenario(root: Path, seed: str, text: str) -> str:
    """Write the mutated scenario where its relative catalog path still resolves."""
    relative = Path(seed).relative_to("tests/scenarios")
    path = root / "tests" / "scenarios" / relative.parent / ("fuzz-" + relative.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return str(path)


# ---- the tests ---------------------------------------------------------------------------------

DEEP = os.environ.get("PLANLANG_FUZZ_EXAMPLES")
EXAMPLES = int(DEEP or "150")
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=DEEP is None,
                database=None if DEEP is None else settings.default.database,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

ACCOUNT_TEXTS = {name: (REPO / name).read_text(encoding="utf-8") for name in account_seeds()}
SCENARIO_TEXTS = {name: (REPO / name).read_text(encoding="utf-8") for name in scenario_seeds()}


def assert_only_diagnostics(status, out: str, err: str) -> None:
    assert status in ALLOWED_STATUS, (status, err[-2000:])
    assert "Traceback" not in out + err, err[-2000:]


@FUZZ
@given(mutated(ACCOUNT_TEXTS), st.randoms(use_true_random=False))
def test_mutated_account_bills_or_reports(tmp_path_factory, capsys, seed_and_text, rng):
    seed, text = seed_and_text
    folder = tmp_path_factory.mktemp("account")
    path = folder / "account.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    status = run_main(bill_argv(seed, str(path), rng))
    captured = capsys.readouterr()
    assert_only_diagnostics(status, captured.out, captured.err)
    if status != 0:
        assert CODE.search(captured.err), captured.err[-2000:]


@pytest.fixture(scope="module")
def scenario_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    prepare_tree(root)
    return root


@FUZZ
@given(mutated(SCENARIO_TEXTS))
def test_mutated_scenario_runs_or_reports(scenario_root, capsys, seed_and_text):
    seed, text = seed_and_text
    path = write_scenario(scenario_root, seed, text)
    status = run_main(["test", path])
    captured = capsys.readouterr()
    assert_only_diagnostics(status, captured.out, captured.err)
    assert re.search(r"^\d+ passed, \d+ failed$", captured.out, re.M), captured.out[-2000:]


def test_the_seeds_run_cleanly(scenario_root, capsys):
    """The unmutated seeds bill and pass: the mutations start from working inputs."""
    for seed in ACCOUNT_TEXTS:
        assert run_main(bill_argv(seed, str(REPO / seed))) == 0, capsys.readouterr().err
    capsys.readouterr()
    for seed, text in list(SCENARIO_TEXTS.items())[:10]:
        status = run_main(["test", write_scenario(scenario_root, seed, text)])
        assert status == 0, capsys.readouterr().out
    capsys.readouterr()


def test_mutation_is_reproducible():
    text = ACCOUNT_TEXTS["examples/flespi-account.yaml"]
    assert mutate_text(text, random.Random(7)) == mutate_text(text, random.Random(7))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
