"""Benchmark: batch billing's memory and speed, for batches of N accounts.

For each N given on the command line (default 10,000, 100,000 and 1,000,000) this script

1. generates, from a fixed seed, a JSON Lines file of N edge-device tenants (one a line), each
   with three months of data usage (daily figures and events), some suspended for a month;
2. runs the real command, `planlang bill catalogs/edge-device.plan --accounts FILE --period
   2026-01..2026-03 --out OUT.jsonl`, in a subprocess of its own (`run_child` of
   bench/workloads.py: a small `python -c` wrapper that times the child and reports its peak RSS
   from `getrusage(RUSAGE_CHILDREN)`: one run per wrapper, so every figure is one run's; with worker
   processes, it is the largest single process's peak, not their sum);
3. checks the output: one line per account and period, in input order;
4. prints a table (N, seconds, accounts/s, peak RSS, RSS against the smallest N) and says whether
   memory grows with N (the target: the largest N within 1.5× of the smallest).

`--scaling [N]` also bills N accounts (default 100,000) with `--workers 1` and `--workers 2` and
checks that the outputs are byte-identical to the single-process one. `--quick` is 1,000, 10,000
and 30,000 accounts.

Run from the repository root: `.venv/bin/python bench/batch_memory.py [--quick] [--scaling [N]] [N…]`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import attrs
from workloads import PLANLANG, baseline_mb, run_child, sha256

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalogs" / "edge-device.plan"

SEED = 2026
PERIODS = "2026-01..2026-03"
MONTHS = 3
PLANS = ("Cellular-Small", "Cellular-Medium", "Cellular-Large", "Satellite-Small",
         "Satellite-Medium", "Satellite-Large")


# ---- generating the accounts ----------------------------------------------------------------------

def tenant(rng: random.Random, index: int) -> dict:
    daily = {f"2026-{month:02d}-{day:02d}": f"{rng.randint(0, 30)}.{rng.randint(0, 9)} GB"
             for month in range(1, MONTHS + 1) for day in rng.sample(range(1, 29), 3)}
    usage: dict = {"daily": daily}
    if rng.random() < 0.3:
        usage["events"] = [{"on": f"2026-{rng.randint(1, MONTHS):02d}-{rng.randint(1, 28):02d}"
                                  f"T{rng.randint(0, 23):02d}:00:00Z",
                            "amount": f"{rng.randint(1, 5000)}000000 bytes"}
                           for _ in range(rng.randint(1, 4))]
    account: dict = {"account": f"tenant-{index:07d}", "plan": rng.choice(PLANS),
                     "since": "2026-01", "usage": {"data": usage}}
    if rng.random() < 0.1:
        account["timeline"] = [{"on": "2026-02-01", "status": "suspended"},
                               {"on": "2026-03-01", "status": "active"}]
    return account


def generate(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for index in range(n):
            out.write(json.dumps(tenant(rng, index), separators=(",", ":")) + "\n")


# ---- running the command -------------------------------------------------------------------------

def bill_command(accounts: Path, out: Path, *extra: str) -> list[str]:
    return [*PLANLANG, "bill", str(CATALOG), "--accounts", str(accounts), "--period", PERIODS,
            "--out", str(out), *extra]


def check_output(out: Path, n: int) -> str:
    """The problems of the output: one line per account and period, in input order."""
    with out.open(encoding="utf-8") as lines:
        count = 0
        for count, line in enumerate(lines, 1):
            if count % 100_003 == 1 or count == n * MONTHS:
                bill = json.loads(line)
                index = (count - 1) // MONTHS
                if bill["account"] != f"tenant-{index:07d}":
                    return f"line {count} bills {bill['account']}, not tenant-{index:07d}"
    return "" if count == n * MONTHS else f"{count} lines, not {n * MONTHS}"


@attrs.frozen
class Result:
    n: int
    workers: str
    seconds: float
    cpu: float
    rss_mb: float
    problem: str


def bench_one(folder: Path, n: int, seed: int, *extra: str, keep: bool = False) -> Result:
    accounts = folder / f"accounts-{n}.jsonl"
    if not accounts.exists():
        started = time.perf_counter()
        generate(accounts, n, seed)
        print(f"N={n:,}: generated {accounts.stat().st_size / 2**20:.1f} MB of JSON Lines in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    out = folder / f"out-{n}-{'-'.join(extra) or 'single'}.jsonl"
    report = run_child(bill_command(accounts, out, *extra))
    problem = check_output(out, n)
    workers = extra[1] if extra[:1] == ("--workers",) else "-"
    print(f"  {' '.join(extra) or 'in process'}: {report['seconds']:.1f} s, "
          f"{n / report['seconds']:,.0f} accounts/s, peak RSS {report['maxrss_kb'] / 1024:.1f} MB"
          f"{'; ' + problem if problem else ''}", flush=True)
    if not keep:
        out.unlink()
    return Result(n, workers, report["seconds"], report["cpu"], report["maxrss_kb"] / 1024,
                  problem)


def table(results: list[Result], baseline: float) -> str:
    first = results[0]
    lines = ["| accounts | workers | seconds | accounts/s | peak RSS MB | RSS vs smallest N | "
             "output |",
             "| ---: | :---: | ---: | ---: | ---: | ---: | :---: |"]
    for r in results:
        lines.append(f"| {r.n:,} | {r.workers} | {r.seconds:,.1f} | {r.n / r.seconds:,.0f} | "
                     f"{r.rss_mb:.1f} | {r.rss_mb / first.rss_mb:.2f}× | "
                     f"{'ok' if not r.problem else 'WRONG'} |")
    lines.append(f"\nbaseline (`planlang check` of the catalog): peak RSS {baseline:.1f} MB")
    return "\n".join(lines)


def verdict(results: list[Result]) -> str:
    if len(results) < 2:
        return "one N only: give two or more to see whether memory grows with N"
    first, last = results[0], results[-1]
    ratio = last.rss_mb / first.rss_mb
    return (f"peak RSS {first.rss_mb:.1f} MB at {first.n:,} accounts, {last.rss_mb:.1f} MB at "
            f"{last.n:,}: {ratio:.2f}× ({'within' if ratio <= 1.5 else 'ABOVE'} the 1.5× target)")


def scaling(folder: Path, n: int, seed: int) -> str:
    """N accounts in process, with 1 and with 2 worker processes: times and identical bytes."""
    runs, digests = [], set()
    for extra in ((), ("--workers", "1"), ("--workers", "2")):
        runs.append(bench_one(folder, n, seed, *extra, keep=True))
        out = folder / f"out-{n}-{'-'.join(extra) or 'single'}.jsonl"
        digests.add(sha256(out))
        out.unlink()
    single, one, two = runs
    lines = ["| run | seconds | accounts/s | CPU s (all processes) | peak RSS MB (largest "
             "process) |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in zip(("in process", "--workers 1", "--workers 2"), runs, strict=True):
        lines.append(f"| {name} | {r.seconds:,.1f} | {n / r.seconds:,.0f} | {r.cpu:,.1f} | "
                     f"{r.rss_mb:.1f} |")
    lines.append(f"\n--workers 2 is {one.seconds / two.seconds:.2f}× as fast as --workers 1 "
                 f"({single.seconds / two.seconds:.2f}× in process); outputs "
                 f"{'byte-identical' if len(digests) == 1 else 'DIFFERENT'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("sizes", nargs="*", type=int, metavar="N",
                        help="numbers of accounts (default: 10000 100000 1000000)")
    parser.add_argument("--quick", action="store_true", help="1,000, 10,000 and 30,000 accounts")
    parser.add_argument("--scaling", type=int, nargs="?", const=100_000, metavar="N",
                        help="also bill N accounts (default 100,000) in process, with --workers 1 "
                        "and with --workers 2")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep the files")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes or ([1000, 10000, 30000] if args.quick
                                      else [10_000, 100_000, 1_000_000])))
    with tempfile.TemporaryDirectory(prefix="planlang-batch-") as temporary:
        folder = Path(args.keep) if args.keep else Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        baseline = baseline_mb(CATALOG)
        results = [bench_one(folder, n, args.seed) for n in sizes]
        scaled = scaling(folder, args.scaling, args.seed) if args.scaling else ""
    print()
    print(f"batch billing, catalogs/edge-device.plan, {PERIODS}, seed {args.seed}, "
          f"Python {sys.version.split()[0]}")
    print(table(results, baseline))
    print(verdict(results))
    if scaled:
        print()
        print(f"scaling at {args.scaling:,} accounts:")
        print(scaled)
    ok = all(not r.problem for r in results) and "DIFFERENT" not in scaled
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
