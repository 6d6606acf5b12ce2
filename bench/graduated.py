"""Benchmark: a month of API calls priced in five graduated bands for N accounts, planlang
against a hand-written biller.

1. Generates N accounts from a fixed seed (account i is the same whatever N): plain dicts, as
   `json.loads(..., parse_float=Decimal)` would give them, each on the one plan of
   `bench/graduated.plan` with its calls of November 2026 as whole-number `daily` figures on 1 to
   5 days; the month's calls spread evenly on a log scale from 1,000 to 20,000,000 (5% of the
   accounts with none), so that every band is reached by some accounts and about a quarter of
   them stay in the free band.
2. Bills the month of each account with planlang (the compiled engine and the interpreter) and
   with the hand-written biller of `bench/reference/graduated.py`, timing each (see
   bench/workloads.py), and checks that every account's total and lines agree.
3. Prints a table: engine | median s | accounts/s | ratio to the hand-written biller.

Run from the repository root: `.venv/bin/python bench/graduated.py [--quick] [--n N]`.
"""

from __future__ import annotations

import math
import random
import sys
from collections import Counter

import workloads
from reference import graduated as reference

CATALOG = workloads.ROOT / "bench" / "graduated.plan"
PERIODS = ["2026-11"]
EDGES = (10_000, 100_000, 1_000_000, 10_000_000)


def make_account(seed: int, index: int) -> dict:
    rng = random.Random(f"graduated-{seed}-{index}")
    calls = 0 if rng.random() < 0.05 else int(math.exp(rng.uniform(math.log(1_000),
                                                                   math.log(20_000_000))))
    days = sorted(rng.sample(range(1, 31), rng.randint(1, 5)))
    parts = sorted(rng.randint(0, calls) for _ in days[1:])
    figures = [high - low for low, high in zip([0, *parts], [*parts, calls], strict=True)]
    return {"account": f"api-{index:06d}", "plan": "Metered",
            "usage": {"api_calls": {"daily": {f"2026-11-{day:02d}": figure
                                              for day, figure in zip(days, figures, strict=True)}}}}


def summary(records: list[dict], expected: list[list[tuple]]) -> list[str]:
    bands: Counter = Counter()
    for bills in expected:
        for _, _, lines in bills:
            bands[f"{len(lines) - 1} priced band{'s' if len(lines) != 2 else ''}"] += 1
    total = sum(bill[1] for bills in expected for bill in bills)
    days = sum(len(record["usage"]["api_calls"]["daily"]) for record in records)
    return [f"{len(records):,} accounts, 2026-11, {days:,} daily figures",
            "accounts by the bands they reach beyond the free one: "
            + ", ".join(f"{what} {count:,}" for what, count in sorted(bands.items())),
            f"total billed: $ {total:,}"]


def main(argv: list[str] | None = None) -> int:
    return workloads.main(argv, __doc__, make_account, noun="accounts", kind="graduated-tier",
                          title="graduated tiers, 2026-11", catalog=CATALOG, periods=PERIODS,
                          reference=reference.bill, summary=summary)


if __name__ == "__main__":
    sys.exit(main())
