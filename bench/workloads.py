"""What bench/flespi_month.py and bench/edge_year.py share: the command line, the engines, the timing,
the check; and what bench/soracom_csv.py and bench/batch_memory.py share: planlang in a child process.

A workload script hands `main` how to make its account i (a plain dict, as
`json.loads(..., parse_float=Decimal)` gives it), its catalog, its periods and its hand-written
biller (`bench/reference/`). `main` reads the options (`--n`, `--quick`, …), makes the N accounts
(the time that takes is printed, and counted nowhere else) and hands them to `run`. `run` then

1. finds the planlang engines: the compiled engine (`planlang.engine.compiled.compile_catalog`,
   `CompiledCatalog.bill_periods(record, periods)`) when it is importable, and always the
   interpreter (`planlang.inputs.convert.converter.structure(record, Account)`, `planlang.prepare`,
   `planlang.engine.evaluate_periods`: the cheapest public way from a dict to bills, no file);
2. warms each engine up on 200 accounts, then times it R times (`--reps`) over its accounts, chunk
   by chunk: only the billing calls are timed (for planlang, from the dict to its result; for the
   hand-written biller, from the dict to its tuples), never the generation, nor the turning of
   results into comparable tuples between chunks. The interpreter is timed on the first K accounts
   (`--planlang-n`, default 5,000), the compiled engine on all of them unless that would take
   more than `--budget` seconds (default 60; then on the first K, a multiple of 5,000, from a
   second warm-up's pace; or `--compiled-n`); a figure for all N scaled from a subset is marked
   "scaled". `--quick`: 10,000 accounts, K 2,000, 30 s, multiples of 1,000;
3. checks every account an engine billed against the hand-written biller: the next plan, the total
   and every line `(item, amount)` of every period, in order; the compiled engine's outcomes, and
   for the first `--bill-check` accounts also the `Bill` of `Outcome.bill()`. `--verify-all` bills
   the accounts beyond a subset too (untimed) and checks them all, `Outcome.bill()` included;
4. prints a table: engine | accounts timed | median s | s for all N | accounts/s | µs per account |
   ratio to the hand-written biller | median CPU s. The exit status is 1 when a bill differs.

The generated data are frozen out of the garbage collector (`gc.freeze()`) before any timing, and
so are the results kept for the check after each chunk (untimed `gc.collect()`, `gc.freeze()`): a
collection inside an engine's timed region walks only what that engine made in it, never the
millions of objects the benchmark holds (which would more than double the hand-written biller's
time at 100,000 accounts, and charge each engine for the others' results).

`run_child` runs a command (such as `PLANLANG` and its arguments) once in a child process of a small
`python -c` wrapper of its own, which times the child and reports its peak RSS from
`getrusage(RUSAGE_CHILDREN)`: one run per wrapper, so every figure is one run's. `baseline_mb` is
that peak for `planlang check` of a catalog; `sha256`, to see that runs wrote the same bytes.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A bill as the check compares it: (next plan, total, ((item, amount), ...)).
Result = tuple
WARM_UP = 200  # accounts billed by each engine before it is timed (and again to size a subset)
BUDGET = 60.0  # seconds of timed runs the compiled engine may take when its subset is not given
STEP = 5000  # a subset sized by the budget is a multiple of this


def add_arguments(parser: argparse.ArgumentParser, default_n: int, quick_n: int, what: str) -> None:
    parser.add_argument("--n", type=int, default=default_n, help=f"{what} (default {default_n:,})")
    parser.add_argument("--quick", action="store_true",
                        help=f"{quick_n:,} {what}, the interpreter timed on 2,000 of them, the "
                        "compiled engine within 30 s")
    parser.add_argument("--reps", type=int, default=3, help="timed runs of each engine (default 3)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--planlang-n", type=int, metavar="K",
                        help="time the planlang interpreter on the first K accounts (default 5,000; "
                        "0: all; 2,000 with --quick), its figure for all N scaled from them")
    parser.add_argument("--compiled-n", type=int, metavar="K",
                        help="the same for the compiled engine; default: all, or as many as "
                        "--budget allows")
    parser.add_argument("--budget", type=float, metavar="S",
                        help=f"seconds of timed runs (all reps) the compiled engine may take when "
                        f"--compiled-n is not given: K is then cut to a multiple of {STEP:,} that "
                        f"fits (default {BUDGET:g}; {BUDGET / 2:g} with --quick)")
    parser.add_argument("--bill-check", type=int, default=2000, metavar="K",
                        help="check the first K accounts of the compiled engine through "
                        "`Outcome.bill()` as well (default 2,000)")
    parser.add_argument("--verify-all", action="store_true",
                        help="also bill, untimed, the accounts beyond an engine's timed subset, and "
                        "check every account of the compiled engine through `Outcome.bill()`")
    parser.add_argument("--chunk", type=int, default=1000, help="accounts per timed call batch")


def size(args) -> int:
    """The number of accounts; fills in the defaults that `--quick` changes."""
    if args.planlang_n is None:
        args.planlang_n = 2000 if args.quick else 5000
    if args.budget is None:
        args.budget = BUDGET / 2 if args.quick else BUDGET
    args.step = 1000 if args.quick else STEP
    return 10_000 if args.quick else args.n


# ---- engines ------------------------------------------------------------------------------------

def from_bill(bill) -> Result:
    return bill.next_plan, bill.total, tuple((line.item, line.amount) for line in bill.lines)


@dataclass
class Engine:
    name: str
    bill: Callable[[list[dict], list[str]], list]  # timed: records -> one raw result per record
    results: Callable[[list], list[list[Result]]]  # untimed: raw results -> comparable tuples
    limit: int | None = 0  # accounts timed (0: all; None: as many as the budget allows)
    notes: list[str] = field(default_factory=list)
    bills: Callable[[list], list[list[Result]]] | None = None  # untimed: through the Bill objects
    paths: list[int] = field(default_factory=lambda: [0, 0])  # compiled outcomes, all outcomes
    compiled_path: list[bool] = field(default_factory=list)  # per account: billed by the compiled path


def hand_written(bill_one: Callable[[dict, list[str]], list[Result]]) -> Engine:
    def bill(records, periods):
        return [bill_one(record, periods) for record in records]

    return Engine("hand-written Python", bill, lambda raw: raw)


def interpreter(catalog, limit: int | None) -> Engine:
    from planlang import prepare
    from planlang.engine import evaluate_periods
    from planlang.inputs.account import Account
    from planlang.inputs.convert import converter

    structure = converter.structure

    def bill(records, periods):
        out = []
        for record in records:
            prepared, problems = prepare(catalog, structure(record, Account))
            if prepared is None:
                raise SystemExit(f"planlang refused account {record.get('account')}: {problems}")
            out.append(evaluate_periods(catalog, prepared, periods))
        return out

    def results(raw):
        return [[from_bill(b) for b in bills] for bills in raw]

    return Engine("planlang interpreter", bill, results, limit)


def compiled(catalog, limit: int | None, batch: bool = False) -> Engine | str:
    """The compiled engine, or why it is not there. It bills one account per call
    (`CompiledCatalog.bill_periods`, as a service billing accounts one by one calls it) or, with
    `batch`, a chunk of accounts per call (`CompiledCatalog.bill_batch`, as `planlang bill
    --accounts` and an engineer billing a population call it)."""
    try:
        from planlang.engine.compiled import compile_catalog
    except ImportError as error:
        return f"planlang.engine.compiled is not importable ({error})"
    started = time.perf_counter()
    table = compile_catalog(catalog)
    took = time.perf_counter() - started

    def bill(records, periods):
        if batch:  # the outcomes of each record's periods, one after the other
            outcomes = table.bill_batch(records, periods)
            width = len(periods)
            return [outcomes[start:start + width] for start in range(0, len(outcomes), width)]
        bill_periods = table.bill_periods
        return [bill_periods(record, periods) for record in records]

    def results(raw):
        out = []
        for outcomes in raw:
            out.append([(o.next_plan, o.total, tuple((line.item, line.amount) for line in o.lines))
                        for o in outcomes])
            flags = [getattr(o, "compiled", False) is True for o in outcomes]
            engine.paths[0] += sum(flags)
            engine.paths[1] += len(flags)
            engine.compiled_path.append(all(flags))
        return out

    def bills(raw):
        return [[from_bill(o.bill()) for o in outcomes] for outcomes in raw]

    engine = Engine("planlang compiled, batch" if batch else "planlang compiled", bill, results,
                    limit, bills=bills)
    reason = getattr(table, "reason", None)
    engine.notes.append(f"compile_catalog: {took * 1000:.1f} ms (once, untimed)"
                        + (f"; compiled path off for this catalog: {reason}" if reason else ""))
    return engine


# ---- timing and checking ------------------------------------------------------------------------

@dataclass
class Timing:
    engine: Engine
    accounts: int
    seconds: list[float]
    cpu: list[float]  # CPU seconds of the same runs (waiting for a busy machine is not counted)
    results: list[list[Result]]  # of the first run
    bills: list[list[Result]]  # through `Outcome.bill()`, for the engines that have it

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def per_account(self) -> float:
        return self.median / self.accounts


def time_engine(engine: Engine, records: list[dict], periods: list[str], reps: int, chunk: int,
                bill_count: int, budget: float, step: int = STEP) -> Timing:
    """Run `engine` `reps` times over its accounts; only its billing calls are timed."""
    engine.results(engine.bill(records[:WARM_UP], periods))  # warm-up
    if engine.limit is None:  # as many accounts as fit in the budget, from a second warm-up
        probe = records[WARM_UP:2 * WARM_UP] or records[:WARM_UP]
        began = time.perf_counter()
        engine.bill(probe, periods)
        per_account = (time.perf_counter() - began) / len(probe)
        fits = int(budget / reps / per_account) // step * step
        engine.limit = 0 if fits >= len(records) else max(step, fits)
        if engine.limit:
            print(f"  {engine.name}: about {per_account * 1e3:.2f} ms an account: timed on "
                  f"{engine.limit:,} accounts to stay within {budget:g} s", flush=True)
    subset = records[:engine.limit] if engine.limit else records
    engine.paths[:] = [0, 0]
    engine.compiled_path.clear()
    seconds: list[float] = []
    cpu: list[float] = []
    results: list[list[Result]] = []
    bills: list[list[Result]] = []
    for rep in range(reps):
        took = used = 0.0
        for start in range(0, len(subset), chunk):
            part = subset[start:start + chunk]
            began, began_cpu = time.perf_counter(), time.process_time()
            raw = engine.bill(part, periods)
            took += time.perf_counter() - began
            used += time.process_time() - began_cpu
            if rep == 0:
                results += engine.results(raw)
                if engine.bills is not None and len(bills) < bill_count:
                    bills += engine.bills(raw[:bill_count - len(bills)])
            del raw
            gc.collect()  # the chunk's garbage, untimed; what is kept (results) is then frozen:
            gc.freeze()  # no timed region pays for walking what the benchmark holds
        seconds.append(took)
        cpu.append(used)
        print(f"  {engine.name}: run {rep + 1}: {took:.2f} s ({used:.2f} s CPU) for "
              f"{len(subset):,} accounts", flush=True)
    return Timing(engine, len(subset), seconds, cpu, results, bills)


def split_paths(engine: Engine, records: list[dict], periods: list[str], most: int) -> list[str]:
    """The compiled engine's pace on the accounts its compiled path billed and on those it gave to
    its interpreter fallback, apart: one more pass over at most `most` of each, CPU time."""
    out: list[str] = []
    if len(set(engine.compiled_path)) < 2:  # one path only: the table says it all
        return out
    for flag, what in ((True, "its compiled path"), (False, "its interpreter fallback")):
        group = [r for r, f in zip(records, engine.compiled_path, strict=False) if f is flag][:most]
        began = time.process_time()
        engine.bill(group, periods)
        used = time.process_time() - began
        gc.collect()
        out.append(f"{engine.name}: {used / len(group) * 1e6:,.1f} µs CPU per account on {len(group):,} "
                   f"accounts billed by {what} (one pass)")
    return out


def describe(value: object, limit: int = 3000) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def compare(name: str, records: list[dict], periods: list[str], ours: list[list[Result]],
            theirs: list[list[Result]], start: int = 0) -> list[tuple[int, str]]:
    """Each account's bills against the hand-written biller's, from index `start`: the
    differences, as (account index, what differs)."""
    problems = []
    for index, (mine, expected) in enumerate(zip(ours, theirs[start:], strict=False), start):
        if mine == expected:
            continue
        for period, got, want in zip(periods, mine, expected, strict=True):
            if got == want:
                continue
            what = []
            if got[0] != want[0]:
                what.append(f"next plan {got[0]} (reference {want[0]})")
            if got[1] != want[1]:
                what.append(f"total {got[1]} (reference {want[1]})")
            if got[2] != want[2]:
                order = " (the same lines in another order)" if sorted(got[2]) == sorted(want[2]) else ""
                what.append(f"lines {list(got[2])}{order} (reference {list(want[2])})")
            problems.append((index, f"{name}: account {records[index].get('account')} {period}: "
                             + "; ".join(what)))
    return problems


def table(timings: list[Timing], n: int) -> str:
    reference = timings[0]
    out = ["| engine | accounts timed | median s | s for all N | accounts/s | µs per account | "
           "vs hand-written | median CPU s |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for t in timings:
        scaled = t.per_account * n
        whole = f"{scaled:.2f}" if t.accounts == n else f"{scaled:.1f} (scaled ×{n / t.accounts:.3g})"
        out.append(f"| {t.engine.name} | {t.accounts:,} | {t.median:.2f} | {whole} | "
                   f"{1 / t.per_account:,.0f} | {t.per_account * 1e6:,.1f} | "
                   f"{t.per_account / reference.per_account:,.1f}× | {statistics.median(t.cpu):.2f} |")
    return "\n".join(out)


def revision() -> str:
    """The commit the repository is at (read only), `+changes` when planlang's files differ."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=ROOT, check=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--",
                                "planlang", "catalogs"], capture_output=True, text=True, cwd=ROOT,
                               check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "an unknown commit"
    return head + (" +changes" if dirty.strip() else "")


def exact_json_types(value: object) -> bool:
    """Whether `value` holds only what `json.loads(..., parse_float=Decimal)` can give."""
    if isinstance(value, dict):
        return all(type(k) is str and exact_json_types(v) for k, v in value.items())
    if isinstance(value, list):
        return all(exact_json_types(v) for v in value)
    return value is None or type(value) in (str, int, bool, Decimal)


def run(title: str, catalog_path: Path, records: list[dict], periods: Sequence[str],
        reference: Callable[[dict, list[str]], list[Result]], args,
        summary: Callable[[list[dict], list[list[Result]]], list[str]]) -> int:
    """Time and check the engines on `records`; print the table; 0 when every account agrees."""
    import planlang

    periods = list(periods)
    n = len(records)
    if not all(exact_json_types(record) for record in records[:1000]):
        raise SystemExit("the generated accounts hold values JSON would not give")
    catalog = planlang.load_catalog(str(catalog_path))
    subset = lambda k: None if k is None else 0 if not k or k >= n else k  # noqa: E731
    engines = [hand_written(reference)]
    found = compiled(catalog, subset(args.compiled_n))
    if isinstance(found, str):
        print(f"planlang engine: the interpreter only; {found}")
    else:
        print("planlang engines: compiled (planlang.engine.compiled.compile_catalog) and the "
              "interpreter")
        engines.append(found)
        batch = compiled(catalog, subset(args.compiled_n), batch=True)
        assert not isinstance(batch, str)
        engines.append(batch)
    engines.append(interpreter(catalog, subset(args.planlang_n)))
    bill_count = n if args.verify_all else min(n, args.bill_check)
    gc.collect()
    gc.freeze()  # the generated accounts: out of every collection from now on
    timings = [time_engine(engine, records, periods, args.reps, args.chunk, bill_count, args.budget,
                           args.step) for engine in engines]
    expected = timings[0].results
    splits = [line for t in timings if t.engine.compiled_path
              for line in split_paths(t.engine, records, periods, 2000)]
    problems: list[tuple[int, str]] = []
    checked = []
    for t in timings[1:]:
        found_problems = compare(t.engine.name, records, periods, t.results, expected)
        billed = t.accounts
        if args.verify_all and billed < n:
            print(f"  {t.engine.name}: billing the other {n - billed:,} accounts (untimed) to "
                  "check them", flush=True)
            for start in range(billed, n, args.chunk):
                raw = t.engine.bill(records[start:start + args.chunk], periods)
                found_problems += compare(t.engine.name, records, periods, t.engine.results(raw),
                                          expected, start)
                if t.engine.bills is not None:
                    t.bills += t.engine.bills(raw)
            billed = n
        wrong = len({index for index, _ in found_problems})
        checked.append(f"{t.engine.name}: {billed - wrong:,} of {billed:,} accounts agree")
        if t.engine.bills is not None and t.bills:
            through = compare(t.engine.name + " through Outcome.bill()", records, periods, t.bills,
                              expected)
            wrong = len({index for index, _ in through})
            checked.append(f"{t.engine.name} through Outcome.bill(): {len(t.bills) - wrong:,} of "
                           f"{len(t.bills):,} accounts agree")
            found_problems += through
        problems += found_problems
    print()
    print(f"{title}, seed {args.seed}, Python {sys.version.split()[0]}, planlang at {revision()}")
    for line in summary(records, expected):
        print(line)
    print()
    print(table(timings, n))
    print()
    for t in timings:
        for note in t.engine.notes:
            print(f"{t.engine.name}: {note}")
        if t.engine.paths[1]:
            print(f"{t.engine.name}: {t.engine.paths[0]:,} of {t.engine.paths[1]:,} account-periods "
                  "billed by the compiled path (the others by its interpreter fallback)")
        if t.engine.compiled_path:
            for line in splits:
                print(line)
        if t.accounts < n:
            print(f"{t.engine.name}: timed on the first {t.accounts:,} of {n:,} accounts; its "
                  f"'s for all N' is {t.median:.2f} s × {n / t.accounts:.3g}, scaled")
    print("checked against the hand-written biller (next plan, total, every line, every period): "
          + "; ".join(checked))
    if problems:
        print(f"\nMISMATCH: {len(problems):,} bills differ from the hand-written biller; the first:")
        for _, problem in problems[:8]:
            print(f"  {problem}")
        print(f"  the first account: {describe(records[problems[0][0]])}")
        return 1
    return 0


# ---- a workload script's command line ---------------------------------------------------------

def main(argv: list[str] | None, doc: str, make: Callable[[int, int], dict], *, noun: str, kind: str,
         title: str, catalog: Path, periods: Sequence[str],
         reference: Callable[[dict, list[str]], list[Result]],
         summary: Callable[[list[dict], list[list[Result]]], list[str]]) -> int:
    """A workload script's command line: its options, its N accounts `make(seed, index)` (`noun`,
    e.g. "tenants"; `kind`, e.g. "edge-device"), then `run`. `doc`: the script's docstring."""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    add_arguments(parser, 100_000, 10_000, noun)
    args = parser.parse_args(argv)
    n = size(args)
    started = time.perf_counter()
    records = [make(args.seed, index) for index in range(n)]
    print(f"generated {n:,} {kind} {noun} in {time.perf_counter() - started:.1f} s (untimed)",
          flush=True)
    return run(title, catalog, records, periods, reference, args, summary)


# ---- planlang in a child process (bench/soracom_csv.py, bench/batch_memory.py) ------------------

_SCRIPT = Path(sys.executable).parent / "planlang"  # the venv's console script, if there is one
PLANLANG = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "planlang.drivers.cli"]

# One wrapper per run: it times its one child and reports that child's peak RSS (KiB on Linux).
WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "seconds": seconds, "maxrss_kb": usage.ru_maxrss,
                  "cpu": usage.ru_utime + usage.ru_stime}))
"""


def run_child(command: list[str]) -> dict:
    """Run `command` once from the repository root, under a wrapper of its own: {"code", "seconds",
    "maxrss_kb" (the child's peak RSS), "cpu" (user + system seconds, its own children's included)};
    exits when it fails."""
    done = subprocess.run([sys.executable, "-c", WRAPPER, *command], capture_output=True,
                          text=True, cwd=ROOT)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report["code"] != 0:
        raise SystemExit(f"`{' '.join(command)}` failed ({report['code']}):\n{done.stderr}")
    return report


def baseline_mb(catalog: Path) -> float:
    """Peak RSS of loading the catalog alone: the interpreter, planlang and the plan file."""
    return run_child([*PLANLANG, "check", str(catalog)])["maxrss_kb"] / 1024


def sha256(path: Path) -> str:
    """The SHA-256 of a file the command wrote (to see that runs wrote the same bytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
