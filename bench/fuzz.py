"""A large fuzzing session: plans, accounts and scenarios, N inputs per target.

    .venv/bin/python bench/fuzz.py                 # 20,000 inputs per target
    .venv/bin/python bench/fuzz.py 500 --targets accounts scenarios --seed 3

Targets:
  plans-grammar   plan text from the grammar with readable names (tests/strategies.py)
  plans-raw       plan text from the grammar as hypothesis draws it (any Unicode)
  plans-mutated   the bundled catalogs, mutated (tests/strategies.py's `mutated`)
  accounts        examples/*.yaml mutated (tests/test_fuzz_io.py) and billed: `planlang bill`
  scenarios       tests/scenarios/**/*.scenario.yaml mutated and run: `planlang test`

Prints, per target, the number of inputs tried, the exit statuses, the distribution of diagnostic
codes, the slowest input, and every input that raised (an exception escaping, a traceback printed,
an exit status other than 0, 1 or 2) or ran longer than --timeout seconds. Each such input is saved
under --crashes (default $TMPDIR/planlang-fuzz-crashes/<target>/) with the command that reproduces it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import re
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from strategies import grammar_text_raw, grammar_text_readable, mutated  # noqa: E402
from test_fuzz_io import (  # noqa: E402
    account_seeds,
    bill_argv,
    mutate_text,
    prepare_tree,
    run_main,
    scenario_seeds,
    write_scenario,
)

from planlang.compile import compile_source  # noqa: E402
from planlang.diagnostics import render_all  # noqa: E402
from planlang.source import Source  # noqa: E402

TARGETS = ("plans-grammar", "plans-raw", "plans-mutated", "accounts", "scenarios")
CODE = re.compile(r"(?:error|warning)\[(PL\d{3})\]")


class Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise Timeout


class Tally:
    def __init__(self, target: str, crashes: Path):
        self.target = target
        self.crashes = crashes / target
        self.tried = 0
        self.status: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.raised: list[tuple[str, str, Path]] = []  # (kind, summary, saved file)
        self.slowest = (0.0, "")
        self.started = time.monotonic()

    def save(self, kind: str, summary: str, text: str, suffix: str, command: str, detail: str):
        self.crashes.mkdir(parents=True, exist_ok=True)
        path = self.crashes / f"{len(self.raised):04d}-{kind}{suffix}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        path.with_name(path.name + ".txt").write_text(
            f"{command.replace('INPUT', str(path))}\n\n{detail}\n", encoding="utf-8")
        self.raised.append((kind, summary, path))


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


# ---- plans -------------------------------------------------------------------------------------


def check_plan(tally: Tally, text: str, timeout: float) -> None:
    tally.tried += 1
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        compiled = compile_source(Source("fuzz.plan", text))
        render_all(compiled.diagnostics)
        codes = [d.code for d in compiled.diagnostics]
        tally.status["clean" if not codes else "diagnostics"] += 1
        tally.codes.update(codes)
    except Timeout:
        tally.status["timeout"] += 1
        tally.save("timeout", f"no answer in {timeout}s", text, ".plan",
                   ".venv/bin/planlang check INPUT", "timeout")
    except Exception as error:  # noqa: BLE001 - every escape is a finding
        tally.status["raised"] += 1
        tally.save(type(error).__name__, f"{type(error).__name__}: {error}"[:200], text, ".plan",
                   ".venv/bin/planlang check INPUT", traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.monotonic() - started
    if elapsed > tally.slowest[0]:
        tally.slowest = (elapsed, text[:80])


def run_plans(tally: Tally, n: int, strategy, seed: int, timeout: float) -> None:
    """Draw `n` plans with hypothesis (generation only: nothing is shrunk, every input counts), in
    runs of at most 1,000 examples: one long run keeps growing in memory (4 GB at 20,000)."""

    @settings(max_examples=min(n, 1_000), deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(text):
        if tally.tried < n:
            check_plan(tally, text, timeout)

    random.seed(seed)
    while tally.tried < n:  # hypothesis may stop early when the space looks exhausted
        before = tally.tried
        one()
        if tally.tried == before:
            break


def catalog_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((REPO / "catalogs").glob("*.plan"))]


# ---- accounts and scenarios --------------------------------------------------------------------


def run_cli(tally: Tally, argv: list[str], text: str, suffix: str, timeout: float) -> None:
    tally.tried += 1
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    command = ".venv/bin/planlang " + " ".join(
        "INPUT" if a == argv_input(argv) else (f"'{a}'" if not a or " " in a else a) for a in argv)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = run_main(argv)
        signal.setitimer(signal.ITIMER_REAL, 0)
        both = out.getvalue() + err.getvalue()
        tally.codes.update(CODE.findall(both))
        if "Traceback" in both or status not in (0, 1, 2):
            tally.status["raised"] += 1
            tally.save("traceback", f"status {status}: {_last_line(err.getvalue())}", text, suffix,
                       command, both)
        else:
            tally.status[f"exit {status}"] += 1
    except Timeout:
        tally.status["timeout"] += 1
        tally.save("timeout", f"no answer in {timeout}s", text, suffix, command, "timeout")
    except BaseException as error:  # noqa: BLE001 - every escape is a finding
        signal.setitimer(signal.ITIMER_REAL, 0)
        if isinstance(error, KeyboardInterrupt):
            raise
        tally.status["raised"] += 1
        tally.save(type(error).__name__, f"{type(error).__name__}: {error}"[:200], text, suffix,
                   command, traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.monotonic() - started
    if elapsed > tally.slowest[0]:
        tally.slowest = (elapsed, " ".join(argv)[:160])


def argv_input(argv: list[str]) -> str:
    return argv[argv.index("--account") + 1] if "--account" in argv else argv[-1]


def run_accounts(tally: Tally, n: int, seed: int, timeout: float, work: Path) -> None:
    seeds = {name: (REPO / name).read_text(encoding="utf-8") for name in account_seeds()}
    names = sorted(seeds)
    for i in range(n):
        rng = random.Random(f"{seed}-accounts-{i}")
        name = rng.choice(names)
        text = mutate_text(seeds[name], rng)
        path = work / "account.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        run_cli(tally, bill_argv(name, str(path), rng), text, ".yaml", timeout)


def run_scenarios(tally: Tally, n: int, seed: int, timeout: float, work: Path) -> None:
    prepare_tree(work)
    seeds = {name: (REPO / name).read_text(encoding="utf-8") for name in scenario_seeds()}
    names = sorted(seeds)
    for i in range(n):
        rng = random.Random(f"{seed}-scenarios-{i}")
        name = rng.choice(names)
        text = mutate_text(seeds[name], rng)
        path = write_scenario(work, name, text)
        run_cli(tally, ["test", path], text, ".scenario.yaml", timeout)
        Path(path).unlink()


# ---- report ------------------------------------------------------------------------------------


def report(tally: Tally) -> str:
    elapsed = time.monotonic() - tally.started
    lines = [f"== {tally.target}: {tally.tried:,} inputs in {elapsed:,.0f}s",
             "   outcomes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tally.status.items())),
             "   codes:    " + (", ".join(f"{c} {v:,}" for c, v in sorted(tally.codes.items()))
                                or "none"),
             f"   slowest:  {tally.slowest[0]:.2f}s ({tally.slowest[1]!r})"]
    if tally.raised:
        kinds = Counter(kind for kind, _, _ in tally.raised)
        lines.append(f"   RAISED:   {len(tally.raised)} inputs ("
                     + ", ".join(f"{k} {v}" for k, v in kinds.items()) + ")")
        seen = set()
        for _kind, summary, path in tally.raised:
            if summary not in seen:
                seen.add(summary)
                lines.append(f"     {path.relative_to(REPO) if path.is_relative_to(REPO) else path}"
                             f": {summary}")
    else:
        lines.append("   raised:   none")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=20_000, help="inputs per target")
    parser.add_argument("--targets", nargs="+", choices=TARGETS, default=list(TARGETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per input")
    parser.add_argument("--crashes", type=Path, default=Path(tempfile.gettempdir()) / "planlang-fuzz-crashes")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, _alarm)
    found = 0
    with tempfile.TemporaryDirectory(prefix="planlang-fuzz-") as tmp:
        work = Path(tmp)
        for target in args.targets:
            tally = Tally(target, args.crashes)
            if target == "plans-grammar":
                run_plans(tally, args.n, grammar_text_readable(), args.seed, args.timeout)
            elif target == "plans-raw":
                run_plans(tally, args.n, grammar_text_raw(), args.seed, args.timeout)
            elif target == "plans-mutated":
                texts = catalog_texts()
                run_plans(tally, args.n, st.sampled_from(texts).flatmap(mutated), args.seed,
                          args.timeout)
            elif target == "accounts":
                run_accounts(tally, args.n, args.seed, args.timeout, work)
            else:
                run_scenarios(tally, args.n, args.seed, args.timeout, work)
            print(report(tally), flush=True)
            found += len(tally.raised)
    print(f"\n{found} input{'s' * (found != 1)} raised or timed out"
          + (f"; saved under {args.crashes}" if found else ""))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
