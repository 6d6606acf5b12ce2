"""Benchmark: `planlang bill --accounts` on N edge-device tenants x 3 months, against a plainly
written batch biller timed in the same run.

For each N given (default 10,000, 100,000 and 1,000,000) this script

1. generates, from a fixed seed, a JSON Lines file of N tenants of catalogs/edge-device.plan
   (`tenant`: either ladder, 1 to 3 days of data a month as `"15.3 GB"` text, JSON numbers with
   a point or whole numbers, around a level of the tenant's own so that tiers go up and down and
   add-ons are added; 12% suspended in the quarter, most of them reactivated; above 100,000
   tenants, the first 100,000 repeated);
2. runs, each in a child process of its own (`workloads.run_child`: wall seconds and the largest
   single process's peak RSS), alternately, `--repeat` times (once at 1,000,000 and above):
   - `planlang bill catalogs/edge-device.plan --accounts FILE --period 2026-01..2026-03
     --format json --workers 2 --out OUT` (and, with `--in-process`, without `--workers`);
   - the plainly written biller `bench/reference/edge_batch.py` (read each line with `json.loads`,
     bill it with bench/reference/edge_year.py, write a JSON line per account-month; one process);
3. checks that both outputs bill the same plan, total and next plan for every account-month;
4. prints a table: N | run | median s | µs per account-month | ratio to the plain biller | median
   CPU s (user + system, the workers' included) | peak RSS.

`--stages N` only times, in this process, the stages of N tenants: reading the lines, billing,
writing the bills (and writing them as the batch did before `results.json_line`), billing and
writing at once as the batch does (`engine.billing.bill_json`), and a worker's whole chunk
(`batch.bill_chunk`).
`--source DIR` bills with the planlang of another source tree (e.g. `git archive main | tar -x -C
DIR`), for figures before and after a change from one run; `--quick` is N = 10,000 only.

Run from the repository root: `.venv/bin/python bench/batch_edge.py [--quick] [--repeat R]
[--in-process] [--source DIR]... [N…]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from edge_year import written
from workloads import PLANLANG, ROOT, revision, run_child

CATALOG = ROOT / "catalogs" / "edge-device.plan"
PERIODS = ("2026-01", "2026-02", "2026-03")
SEED = 2026
PLAIN = ROOT / "bench" / "reference" / "edge_batch.py"


# ---- the tenants ---------------------------------------------------------------------------------

LADDERS = {"Cellular": (10, 25, 40), "Satellite": (1, 5, 10)}  # tier limits in GB, lowest first
LENGTH = (31, 28, 31)


def tenant(rng: random.Random, index: int) -> dict:
    """A tenant: a tier of either ladder, 1 to 3 days of data a month around a level of its own
    (so that tiers go up, down and past the top), and now and then a suspension."""
    ladder = "Cellular" if rng.random() < 0.7 else "Satellite"
    tier = rng.randrange(3)
    top = LADDERS[ladder][-1]
    level = rng.uniform(0.05, 1.3) * top * 10
    daily = {}
    for month, length in enumerate(LENGTH, 1):
        total = max(0, round(level * rng.uniform(0.6, 1.4)))
        days = sorted(rng.sample(range(1, length + 1), rng.randint(1, 3)))
        cuts = sorted(rng.randint(0, total) for _ in days[1:])
        for day, low, high in zip(days, [0, *cuts], [*cuts, total], strict=True):
            daily[f"2026-{month:02d}-{day:02d}"] = written(high - low, rng)
    record: dict = {"account": f"edge-{index:07d}",
                    "plan": f"{ladder}-{('Small', 'Medium', 'Large')[tier]}",
                    "usage": {"data": {"daily": daily}}}
    if rng.random() < 0.12:
        month, day = rng.randint(1, 3), rng.randint(1, 28)
        timeline = [{"on": f"2026-{month:02d}-{day:02d}", "status": "suspended"}]
        if month < 3 and rng.random() < 0.6:
            timeline.append({"on": f"2026-{month + 1:02d}-{rng.randint(1, 28):02d}T"
                             f"{rng.randint(1, 23):02d}:30:00Z", "status": "active"})
        record["timeline"] = timeline
    return record


def dumps(value) -> str:
    """Compact JSON, Decimals as JSON numbers (`15.3`), as a JSON Lines export would write them."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(key)}:{dumps(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(map(dumps, value)) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


DRAWN = 100_000  # tenants drawn; a larger N repeats them (drawing a million takes minutes here)


def generate(path: Path, n: int) -> None:
    if n > DRAWN:
        drawn = path.with_name(f"edge-{DRAWN}.jsonl")
        if not drawn.exists():
            generate(drawn, DRAWN)
        lines = drawn.read_text(encoding="utf-8").splitlines(keepends=True)
        with path.open("w", encoding="utf-8") as out:
            for start in range(0, n, DRAWN):
                out.writelines(lines[:n - start])
        return
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8") as out:
        for index in range(n):
            out.write(dumps(tenant(rng, index)) + "\n")


# ---- the runs ------------------------------------------------------------------------------------

def planlang(accounts: Path, out: Path, source: str | None, *extra: str) -> list[str]:
    command = [*PLANLANG, "bill", str(CATALOG), "--accounts", str(accounts), "--period",
               f"{PERIODS[0]}..{PERIODS[-1]}", "--format", "json", "--out", str(out), *extra]
    if source is None:
        return command
    # the planlang of another source tree, with this environment's libraries; `-P`: without it,
    # `-m` puts the current folder (this tree) before PYTHONPATH, and this tree's planlang ran
    return ["env", f"PYTHONPATH={source}", sys.executable, "-P", "-m", "planlang.drivers.cli",
            *command[1:]]


def plain(accounts: Path, out: Path) -> list[str]:
    return [sys.executable, str(PLAIN), str(accounts), str(out), *PERIODS]


def disagreements(ours: Path, theirs: Path) -> str:
    """The first account-month whose plan, total or next plan differ, or ""."""
    with ours.open(encoding="utf-8") as a, theirs.open(encoding="utf-8") as b:
        count = 0
        for count, (left, right) in enumerate(zip(a, b, strict=False), 1):
            x, y = json.loads(left), json.loads(right)
            for key in ("account", "period", "plan", "total", "next_plan"):
                if x[key] != y[key]:
                    return f"line {count}: {key} {x[key]!r} against {y[key]!r}"
        extra = a.readline() or b.readline()
    return f"{count} lines, then one side has more" if extra else ""


def bench(folder: Path, n: int, repeat: int, runs: dict[str, object]) -> list[dict]:
    accounts = folder / f"edge-{n}.jsonl"
    if not accounts.exists():
        started = time.perf_counter()
        generate(accounts, n)
        print(f"N={n:,}: {accounts.stat().st_size / 2**20:.1f} MB of JSON Lines generated in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    rss: dict[str, float] = {name: 0.0 for name in runs}
    outputs = {name: folder / f"out-{n}-{index}.jsonl" for index, name in enumerate(runs)}
    for rep in range(repeat):
        for name, make in runs.items():
            report = run_child(make(accounts, outputs[name]))
            seconds[name].append(report["seconds"])
            cpu[name].append(report["cpu"])
            rss[name] = max(rss[name], report["maxrss_kb"] / 1024)
            print(f"  N={n:,} run {rep + 1}/{repeat} {name}: {report['seconds']:.1f} s, "
                  f"CPU {report['cpu']:.1f} s, peak RSS "
                  f"{report['maxrss_kb'] / 1024:.0f} MB", flush=True)
    reference = outputs["plain biller"]
    problems = {name: disagreements(path, reference) for name, path in outputs.items()
                if name != "plain biller"}
    for path in outputs.values():
        path.unlink()
    base = statistics.median(seconds["plain biller"])
    rows = []
    for name in runs:
        median = statistics.median(seconds[name])
        rows.append({"n": n, "run": name, "runs": repeat, "median": median,
                     "us": median / (n * len(PERIODS)) * 1e6, "ratio": median / base,
                     "cpu": statistics.median(cpu[name]),
                     "rss": rss[name], "problem": problems.get(name, "")})
    return rows


def stages(folder: Path, n: int, repeat: int) -> str:
    """Where one process's time goes, per account-month, over n tenants: reading the JSON lines
    (`batch.parse_line`), billing (`batch.bill_one`), writing the bills (`results.json_line`, and
    for comparison `json.dumps(to_data(bill))`, what the batch wrote before), billing and writing
    at once as the batch does (`engine.billing.bill_json`: the JSON lines written from the
    compiled path's outcomes) and a worker's whole chunk of 1,000 tenants (`batch.bill_chunk`:
    each line read, billed, written, the chunk encoded); CPU seconds (this process's), medians of
    `repeat`. Under `PYTHONPATH=DIR`, the planlang of the tree DIR (one without `bill_json` times
    the rest)."""
    from planlang.compile import load_catalog
    from planlang.drivers import batch
    from planlang.engine import billing
    from planlang.engine.results import json_line, to_data

    accounts = folder / f"edge-{n}.jsonl"
    if not accounts.exists():
        generate(accounts, n)
    catalog = load_catalog(CATALOG)
    entries = list(batch.open_accounts(str(accounts)))
    data = [batch.parse_line(entry) for entry in entries]
    bills = [bill for record in data for bill in batch.bill_one(catalog, record, PERIODS, False)]

    def before(bill) -> str:
        out = to_data(bill)
        for entry in out["lines"] + out["decisions"] + out["messages"]:
            entry.pop("steps", None)
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n"

    work = {"read (parse_line)": lambda: [batch.parse_line(entry) for entry in entries],
            "bill (bill_one)": lambda: [batch.bill_one(catalog, record, PERIODS, False)
                                        for record in data],
            "write (json_line)": lambda: [json_line(bill, False) for bill in bills],
            "write before (json.dumps(to_data))": lambda: [before(bill) for bill in bills]}
    if hasattr(billing, "bill_json"):
        work["bill and write (bill_json)"] = lambda: [billing.bill_json(catalog, record, PERIODS)
                                                      for record in data]
    job = batch.Job(catalog, PERIODS)
    work["a worker's chunks (bill_chunk)"] = lambda: [
        batch.bill_chunk(job, entries[start:start + 1000])
        for start in range(0, len(entries), 1000)]
    times: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(repeat):
        for name, run in work.items():
            started = time.process_time()
            run()
            times[name].append(time.process_time() - started)
    months = len(bills)
    lines = [f"in one process ({batch.__file__.rsplit('/planlang/', 1)[0]}), {n:,} tenants x "
             f"{len(PERIODS)} months, CPU time, medians of {repeat}:",
             "| stage | µs / account-month |", "| --- | ---: |"]
    lines += [f"| {name} | {statistics.median(values) / months * 1e6:.1f} |"
              for name, values in times.items()]
    return "\n".join(lines)


def table(rows: list[dict]) -> str:
    lines = ["| accounts | run | runs | median s | µs / account-month | ratio to plain | CPU s "
             "| peak RSS MB | output |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['run']} | {r['runs']} | {r['median']:,.1f} | "
                     f"{r['us']:.1f} | {r['ratio']:.2f}× | {r['cpu']:,.1f} | {r['rss']:.0f} | "
                     f"{'WRONG: ' + r['problem'] if r['problem'] else 'ok'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("sizes", nargs="*", type=int, metavar="N",
                        help="numbers of tenants (default: 10000 100000 1000000)")
    parser.add_argument("--quick", action="store_true", help="10,000 tenants only")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each command below 1,000,000 tenants (default 3)")
    parser.add_argument("--in-process", action="store_true",
                        help="also time planlang without --workers")
    parser.add_argument("--source", action="append", default=[], metavar="DIR",
                        help="also time the planlang of the source tree DIR (repeatable)")
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep the inputs")
    parser.add_argument("--stages", type=int, metavar="N",
                        help="only time, in this process, the stages of N tenants: reading, "
                        "billing, writing")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes or ([10_000] if args.quick else [10_000, 100_000, 1_000_000])))
    runs: dict[str, object] = {"plain biller": plain}
    for source in [None, *args.source]:
        tag = "" if source is None else f" ({os.path.basename(os.path.normpath(source))})"
        runs[f"planlang --workers 2{tag}"] = (
            lambda accounts, out, source=source: planlang(accounts, out, source, "--workers", "2"))
        if args.in_process:
            runs[f"planlang in process{tag}"] = (
                lambda accounts, out, source=source: planlang(accounts, out, source))
    rows = []
    with tempfile.TemporaryDirectory(prefix="planlang-batch-edge-") as temporary:
        folder = Path(args.keep or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        if args.stages:
            print(stages(folder, args.stages, args.repeat))
            return 0
        for n in sizes:
            rows += bench(folder, n, 1 if n >= 1_000_000 else args.repeat, runs)
    print()
    print(f"batch billing, catalogs/edge-device.plan, {PERIODS[0]}..{PERIODS[-1]}, "
          f"{revision()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(table(rows))
    for name in runs:
        if name == "plain biller":
            continue
        mine = [r for r in rows if r["run"] == name]
        if len(mine) > 1:
            print(f"{name}: peak RSS {mine[0]['rss']:.0f} MB at {mine[0]['n']:,} tenants, "
                  f"{mine[-1]['rss']:.0f} MB at {mine[-1]['n']:,} "
                  f"({mine[-1]['rss'] / mine[0]['rss']:.2f}×)")
    return 1 if any(r["problem"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
