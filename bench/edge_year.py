"""Benchmark: a year (2026-01..2026-12) of managed edge devices for N tenants, planlang against a
hand-written biller.

1. Generates N tenants from a fixed seed (tenant i is the same whatever N): plain dicts, as
   `json.loads(..., parse_float=Decimal)` would give them. Cellular 70%, Satellite 30%, starting
   on any tier; each month's data as `daily` figures on 1 to 3 days (`"15.3 GB"`, a Decimal or a
   whole number of GB), around a level of the tenant's own that drifts, with spikes, quiet spells
   and figures exactly on a tier's limit, so that tiers go up and down, two quiet months bring a
   tier down (hysteresis), and months above the top tier add Small subscriptions. 15% of the
   tenants are suspended for a few months (status events on the timeline, on a day or at an
   instant, some never reactivated, some twice), 3% start the year suspended.
2. Bills the 12 periods of each tenant at once with planlang (the compiled engine when
   `planlang.engine.compiled` is importable, and the interpreter) and with the hand-written biller
   of `bench/reference/edge_year.py`, timing each (see bench/workloads.py), and checks that every
   tenant's next plan, total and lines agree for every month.
3. Prints a table: engine | median s | tenants/s | ratio to the hand-written biller.

Run from the repository root: `.venv/bin/python bench/edge_year.py [--quick] [--n N]`.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from decimal import Decimal

import workloads
from reference import edge_year as reference

CATALOG = workloads.ROOT / "catalogs" / "edge-device.plan"
PERIODS = [f"2026-{month:02d}" for month in range(1, 13)]
LENGTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # days of each month of 2026
LADDERS = {  # tiers and their limits in GB, lowest first (catalogs/edge-device.plan)
    "Cellular": (("Cellular-Small", 10), ("Cellular-Medium", 25), ("Cellular-Large", 40)),
    "Satellite": (("Satellite-Small", 1), ("Satellite-Medium", 5), ("Satellite-Large", 10)),
}


def written(tenths: int, rng: random.Random):
    """A day's figure: text in GB with a decimal, a Decimal (GB) or a whole number (GB)."""
    roll = rng.random()
    if roll < 0.6:
        return f"{Decimal(tenths).scaleb(-1)} GB"
    if roll < 0.9 or tenths % 10:
        return Decimal(tenths).scaleb(-1)
    return tenths // 10


def month_figures(rng: random.Random, ladder: str) -> list[int]:
    """Each month's data in tenths of a GB: a level that drifts, with spikes and quiet spells."""
    tiers = LADDERS[ladder]
    top = tiers[-1][1]
    level = rng.uniform(0.05, 1.2) * top
    quiet = set()  # a quiet spell: one month (no step down) or two to four (a step down)
    if rng.random() < 0.4:
        start, length = rng.randrange(12), rng.choice((1, 2, 2, 3, 4))
        quiet = set(range(start, start + length))
    tenths = []
    for month in range(12):
        level *= rng.uniform(0.88, 1.13)
        figure = level * rng.uniform(0.75, 1.25)
        if month in quiet:
            figure *= rng.uniform(0.0, 0.3)
        if rng.random() < 0.05:  # a spike
            figure *= rng.uniform(1.5, 3.0)
        value = round(figure * 10)
        if rng.random() < 0.04:  # exactly on a limit, or a tenth beside it
            value = 10 * rng.choice(tiers)[1] + rng.choice((-1, 0, 0, 1))
        if rng.random() < 0.03:
            value = 0
        tenths.append(max(0, value))
    return tenths


def daily_data(rng: random.Random, tenths: list[int]) -> dict:
    daily = {}
    for month, total in enumerate(tenths):
        if not total:
            continue
        parts = rng.randint(1, 3)
        days = sorted(rng.sample(range(1, LENGTH[month] + 1), parts))
        cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
        for day, low, high in zip(days, [0, *cuts], [*cuts, total], strict=True):
            daily[f"{PERIODS[month]}-{day:02d}"] = written(high - low, rng)
    return daily


def moment(rng: random.Random, month: int) -> str:
    """A day of the month (00:00 UTC), or an instant of it (never at 00:00: one spelling a time)."""
    day = rng.randint(1, LENGTH[month])
    if rng.random() < 0.5:
        return f"{PERIODS[month]}-{day:02d}"
    return (f"{PERIODS[month]}-{day:02d}T{rng.randint(1, 23):02d}:{rng.randrange(60):02d}:"
            f"{rng.randrange(60):02d}Z")


def suspensions(rng: random.Random) -> tuple[str | None, list[dict]]:
    """(the status at the start, the status events)."""
    roll = rng.random()
    if roll < 0.03:  # suspended from before the year, reactivated during it
        return "suspended", [{"on": moment(rng, rng.randint(1, 6)), "status": "active"}]
    if roll < 0.18:
        timeline = []
        first = rng.randint(0, 9)
        back = first + rng.randint(0, 4)  # the same month now and then
        timeline.append({"on": moment(rng, first), "status": "suspended"})
        if rng.random() < 0.85 and back < 12:
            timeline.append({"on": moment(rng, back), "status": "active"})
            if rng.random() < 0.2 and back + 2 < 12:  # suspended again later
                again = rng.randint(back + 1, 11)
                timeline.append({"on": moment(rng, again), "status": "suspended"})
        timeline.sort(key=lambda event: event["on"])
        return None, timeline
    return None, []


def make_tenant(seed: int, index: int) -> dict:
    rng = random.Random(f"edge-{seed}-{index}")
    ladder = "Cellular" if rng.random() < 0.7 else "Satellite"
    tenths = month_figures(rng, ladder)
    status, timeline = suspensions(rng)
    for event in timeline:  # a suspended device mostly sends nothing
        if event["status"] == "suspended" and rng.random() < 0.7:
            month = int(event["on"][5:7])
            for later in range(month, min(12, month + 2)):
                tenths[later] = 0
    tenant = {"account": f"edge-{index:06d}", "plan": rng.choice(LADDERS[ladder])[0],
              "usage": {"data": {"daily": daily_data(rng, tenths)}}}
    if status:
        tenant["status"] = status
    if timeline:
        tenant["timeline"] = timeline
    return tenant


def summary(records: list[dict], expected: list[list[tuple]]) -> list[str]:
    tiers = {name: index for ladder in LADDERS.values() for index, (name, _) in enumerate(ladder)}
    moves: Counter = Counter()
    for record, bills in zip(records, expected, strict=True):
        plan = record["plan"]
        for next_plan, _, lines in bills:
            if not lines:
                moves["months not billed (suspended)"] += 1
            if any(item == "add-on subscription" for item, _ in lines):
                moves["months with add-ons"] += 1
            if tiers[next_plan] > tiers[plan]:
                moves["tier ups"] += 1
            elif tiers[next_plan] < tiers[plan]:
                moves["tier downs"] += 1
            plan = next_plan
    ladders = Counter(record["plan"].split("-")[0] for record in records)
    daily = sum(len(record["usage"]["data"]["daily"]) for record in records)
    total = sum(bill[1] for bills in expected for bill in bills)
    return [
        f"{len(records):,} tenants × 12 months ({PERIODS[0]}..{PERIODS[-1]}), {daily:,} daily "
        f"figures; " + ", ".join(f"{ladder} {count:,}" for ladder, count in ladders.most_common())
        + f"; {sum('timeline' in record for record in records):,} with status events",
        ", ".join(f"{what} {count:,}" for what, count in moves.most_common()),
        f"total billed: $ {total:,}",
    ]


def main(argv: list[str] | None = None) -> int:
    return workloads.main(argv, __doc__, make_tenant, noun="tenants", kind="edge-device",
                          title="edge-device year 2026", catalog=CATALOG, periods=PERIODS,
                          reference=reference.bill, summary=summary)


if __name__ == "__main__":
    sys.exit(main())
