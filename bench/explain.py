"""Benchmark: what `--explain` costs — one account's bills with every step against the same bills
without them, and against the interpreter's explained bills.

`planlang bill --account A --explain` bills the account's data through
`engine.bill_account(..., explain=True)`: the compiled path where it covers the account, every
line and decision with its steps worded from the compiled walk's own figures (the interpreter
otherwise). Without `--explain`, `bill_account(..., explain=False)`: the same path, the bills
without their steps. For reference, the interpreter's explained bills (`CompiledCatalog.
interpret`, what `--explain` ran before the compiled path explained). For N accounts of each
workload (the generators of `flespi_month.py` and `edge_year.py`, the same seed), this times the
three in one process, in turn, R times each, and prints the medians per account and the ratios
explained / unexplained and interpreter / unexplained; it checks that the explained bills are the
interpreter's, steps and all, and that the unexplained ones are the same less their steps (exit
status 1 otherwise).

With `--fresh`, each timed run bills accounts never billed before in the process (a new set of
N for each run and each of the three, drawn further on from the same generator): the figures'
texts, the runner's readings of `3000 MB` and the like start cold, as for a batch of new
accounts, where the repeated runs over the same N accounts find them kept. The bills are checked
on the first N as without it.

Run from the repository root: `.venv/bin/python bench/explain.py [--n 200] [--reps 5] [--fresh]`.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

import edge_year
import flespi_month

from planlang.compile import load_catalog
from planlang.engine import bill_account
from planlang.engine.compiled import compile_catalog
from planlang.engine.results import to_data

WORKLOADS = (  # name, catalog, the account generator, the periods billed
    ("flespi month", flespi_month.CATALOG, flespi_month.make_account, [flespi_month.PERIOD]),
    ("edge-device month", edge_year.CATALOG, edge_year.make_tenant, ["2026-12"]),
    ("edge-device year", edge_year.CATALOG, edge_year.make_tenant, edge_year.PERIODS),
)
SEED = 2026


def without_steps(bills) -> list:
    out = []
    for bill in bills:
        data = to_data(bill)
        for line in data["lines"]:
            line.pop("steps", None)
        for decision in data["decisions"]:
            decision.pop("steps", None)
        for message in data.get("messages", ()):
            message.pop("steps", None)
        out.append(data)
    return out


def timed(bill, records) -> tuple[float, list]:
    gc.collect()
    start = time.perf_counter()
    bills = [bill(record) for record in records]
    return time.perf_counter() - start, bills


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="accounts per workload (200)")
    parser.add_argument("--reps", type=int, default=5, help="timed runs of each (5)")
    parser.add_argument("--fresh", action="store_true",
                        help="time each run on accounts never billed before")
    args = parser.parse_args(argv)
    rows, differ = [], 0
    for name, path, make, periods in WORKLOADS:
        catalog = load_catalog(path)
        compiled = compile_catalog(catalog)
        records = [make(SEED, index) for index in range(args.n)]
        ways = {"explained": lambda r: bill_account(catalog, r, periods, True),  # noqa: B023
                "without": lambda r: bill_account(catalog, r, periods, False),  # noqa: B023
                "interpreter": lambda r: compiled.interpret(r, periods)}  # noqa: B023
        times: dict[str, list[float]] = {way: [] for way in ways}
        made: dict[str, list] = {}
        for bill in ways.values():  # warm up: parser caches, compiled runner
            timed(bill, records[:20])
        for rep in range(args.reps):
            for number, (way, bill) in enumerate(ways.items()):
                if args.fresh:  # accounts of their own, never billed before
                    first = (1 + rep * len(ways) + number) * args.n
                    seconds, _ = timed(bill, [make(SEED, first + index)
                                              for index in range(args.n)])
                    made[way] = [bill(record) for record in records]
                else:
                    seconds, made[way] = timed(bill, records)
                times[way].append(seconds)
        mismatched = sum(
            [to_data(b) for b in explained] != [to_data(b) for b in interpreted]
            or without_steps(explained) != without_steps(without)
            for explained, without, interpreted
            in zip(made["explained"], made["without"], made["interpreter"], strict=True))
        differ += mismatched
        e, p, i = (statistics.median(times[way]) for way in ways)
        rows.append((name, len(periods), e / args.n * 1e6, p / args.n * 1e6, i / args.n * 1e6,
                     e / p, i / p, mismatched))
    print(f"{'workload':<20} {'periods':>7} {'explained µs':>13} {'without µs':>11} "
          f"{'interpreter µs':>15} {'ratio':>6} {'interp.':>8} {'differ':>6}")
    for name, periods, e, p, i, ratio, interpreted, mismatched in rows:
        print(f"{name:<20} {periods:>7} {e:>13,.0f} {p:>11,.0f} {i:>15,.0f} {ratio:>5.1f}x "
              f"{interpreted:>7.1f}x {mismatched:>6}")
    print(f"(medians of {args.reps} runs of {args.n} accounts each"
          f"{', each run on accounts never billed before' if args.fresh else ''}; µs per "
          "account; ratios to the bills without steps)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
