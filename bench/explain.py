"""Benchmark: what `--explain` costs — one account's bills with every step against the same bills
without them.

`planlang bill --account A --explain` bills through `engine.bill_account(..., explain=True)`: the
interpreter, every line and decision with its computation steps. Without `--explain`, the same
account given as data is billed by `bill_account(..., explain=False)`: the compiled path where the
catalog is on it, the interpreter otherwise (the steps are then made and not shown). For N
accounts of each workload (the generators of `flespi_month.py` and `edge_year.py`, the same
seed), this times both in one process, alternately, R times each, and prints the medians per
account and the ratio explained / unexplained; it also checks that the two give the same bills
less their steps (exit status 1 otherwise).

Run from the repository root: `.venv/bin/python bench/explain.py [--n 200] [--reps 5]`.
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


def timed(catalog, records, periods, explain: bool) -> tuple[float, list]:
    gc.collect()
    start = time.perf_counter()
    bills = [bill_account(catalog, record, periods, explain) for record in records]
    return time.perf_counter() - start, bills


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="accounts per workload (200)")
    parser.add_argument("--reps", type=int, default=5, help="timed runs of each (5)")
    args = parser.parse_args(argv)
    rows, differ = [], 0
    for name, path, make, periods in WORKLOADS:
        catalog = load_catalog(path)
        records = [make(SEED, index) for index in range(args.n)]
        timed(catalog, records[:20], periods, True)  # warm up: parser caches, compiled runner
        timed(catalog, records[:20], periods, False)
        explained, plain = [], []
        for _ in range(args.reps):
            seconds, with_steps = timed(catalog, records, periods, True)
            explained.append(seconds)
            seconds, without = timed(catalog, records, periods, False)
            plain.append(seconds)
        mismatched = sum(without_steps(a) != without_steps(b) for a, b in zip(with_steps, without))
        differ += mismatched
        e, p = statistics.median(explained), statistics.median(plain)
        rows.append((name, len(periods), e / args.n * 1e6, p / args.n * 1e6, e / p, mismatched))
    print(f"{'workload':<20} {'periods':>7} {'explained µs':>13} {'without µs':>11} {'ratio':>6} "
          f"{'differ':>6}")
    for name, periods, e, p, ratio, mismatched in rows:
        print(f"{name:<20} {periods:>7} {e:>13,.0f} {p:>11,.0f} {ratio:>5.1f}x {mismatched:>6}")
    print(f"(medians of {args.reps} runs of {args.n} accounts each; µs per account)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
