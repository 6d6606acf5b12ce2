"""Benchmark: a full flespi month (November 2026) for N accounts, planlang against a hand-written biller.

1. Generates N accounts from a fixed seed (account i is the same whatever N): plain dicts, as
   `json.loads(..., parse_float=Decimal)` would give them. Plans Free 25%, Start 40%, Pro 25%,
   Enterprise 10%; for every day of the month, `daily` element counts of channels, devices, streams,
   plugins and geofences (growth or decline over the month, a few days off, some daily averages
   with decimals, some `{count, disabled}`), 15% with devices assigned to calculators; storage
   daily figures in MB (`"3000 MB"`, `"2.5 GB"` or a number; 10% with a few days missing); sms as
   events or daily sums; custom engineering hours on 5% of the commercial accounts; the month's
   uptime for 60% (some in the SLA refund bands and on their edges). Free accounts stay within what
   Free includes; the commercial ones go beyond what their fee includes for extras, within what
   their plan allows.
2. Bills them for 2026-11 with planlang (the compiled engine when `planlang.engine.compiled` is
   importable, and the interpreter) and with the hand-written biller of
   `bench/reference/flespi_month.py`, timing each (see bench/workloads.py), and checks that every
   account's next plan, total and lines agree.
3. Prints a table: engine | median s | accounts/s | ratio to the hand-written biller.

Run from the repository root: `.venv/bin/python bench/flespi_month.py [--quick] [--n N]`.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from decimal import Decimal

import workloads
from reference import flespi_month as reference

CATALOG = workloads.ROOT / "catalogs" / "flespi.plan"
PERIOD = "2026-11"
DAYS = [f"{PERIOD}-{day:02d}" for day in range(1, 31)]

PLANS = (("Free", 25), ("Start", 40), ("Pro", 25), ("Enterprise", 10))
# What each plan's accounts hold at most: Free within what it includes; the commercial plans
# beyond what the fee includes (3 channels, 3 streams, 1,000 devices, 2 plugins, 1,000 geofences,
# 1 GB), with devices under the plan's ceiling (Start 5,000, Pro 50,000, Enterprise 200,000).
SCALE = {  # item: {plan: (low, high)} of the month's level
    "channels": {"Free": (0, 2), "Start": (1, 8), "Pro": (2, 25), "Enterprise": (5, 80)},
    "streams": {"Free": (0, 1), "Start": (0, 6), "Pro": (1, 15), "Enterprise": (2, 40)},
    "devices": {"Free": (0, 10), "Start": (50, 4600), "Pro": (500, 45000),
                "Enterprise": (5000, 180000)},
    "plugins": {"Free": (0, 1), "Start": (0, 4), "Pro": (0, 8), "Enterprise": (1, 20)},
    "geofences": {"Free": (0, 10), "Start": (0, 1500), "Pro": (0, 6000), "Enterprise": (0, 30000)},
    "calculator_devices": {"Free": (0, 50), "Start": (0, 2500), "Pro": (0, 20000),
                           "Enterprise": (0, 100000)},
}
STORAGE_MB = {"Free": (0, 90), "Start": (100, 20_000), "Pro": (500, 200_000),
              "Enterprise": (5_000, 2_000_000)}
UPTIME_EDGES = ("99.90", "99.89", "99.88", "99.02", "99.01", "99.00", "98.99", "100")


def decimal(units: int, places: int) -> Decimal:
    """`units` × 10^-places, written with its places as JSON gives it: 3.012, 99.90, never 1E+2."""
    return Decimal(units).scaleb(-places)


def daily_counts(rng: random.Random, low: int, high: int) -> dict:
    """Every day's count: from a start level to an end level (growth, or a decline now and then),
    a few days off (elements removed for the day), sometimes a day's average with decimals or
    `{count, disabled}`."""
    first = rng.randint(low, high)
    last = max(0, min(high, first + rng.randint(-(high - low) // 8, (high - low) // 3)))
    values = [first + (last - first) * day // 29 for day in range(30)]
    for day in rng.sample(range(30), rng.choice((0, 0, 1, 2, 3))):
        values[day] = values[day] // rng.choice((2, 3, 100))
    roll = rng.random()
    if roll < 0.10:  # daily averages: elements that came and went during the day
        return {day: decimal(100 * value + 25 * rng.randrange(4), 2) if 0 < value < high else value
                for day, value in zip(DAYS, values, strict=True)}
    if roll < 0.15:
        return {day: {"count": value, "disabled": value // 10}
                for day, value in zip(DAYS, values, strict=True)}
    return dict(zip(DAYS, values, strict=True))


def daily_storage(rng: random.Random, low: int, high: int) -> dict:
    first = rng.randint(low, high)
    growth = rng.randint(0, max(1, (high - first) // 60))
    values = [first + growth * day + rng.randrange(-first // 50 - 1, first // 50 + 2)
              for day in range(30)]
    days = list(DAYS)
    if rng.random() < 0.10:  # a few days without a measurement: they count as 0
        for day in sorted(rng.sample(range(30), rng.randint(1, 3)), reverse=True):
            del days[day], values[day]
    roll = rng.random()
    if roll < 0.65:
        return {day: f"{max(0, value)} MB" for day, value in zip(days, values, strict=True)}
    if roll < 0.75:
        return {day: f"{decimal(max(0, value), 3)} GB" for day, value in zip(days, values, strict=True)}
    if roll < 0.90:  # a number: in the meter's unit, MB, with a decimal
        return {day: decimal(max(0, value) * 10 + rng.randrange(10), 1)
                for day, value in zip(days, values, strict=True)}
    return {day: max(0, value) for day, value in zip(days, values, strict=True)}


def sms(rng: random.Random, plan: str) -> dict:
    most = 10 if plan == "Free" else rng.choice((12, 40, 150, 600))
    total = rng.randint(0, most)
    count = rng.randint(1, 8)
    cuts = sorted(rng.randint(0, total) for _ in range(count - 1))
    amounts = [high - low for low, high in zip([0, *cuts], [*cuts, total], strict=True)]
    days = sorted(rng.sample(range(30), count))
    if rng.random() < 0.5:
        return {"daily": {DAYS[day]: amount for day, amount in zip(days, amounts, strict=True)}}
    events = []
    for day, amount in zip(days, amounts, strict=True):
        on = DAYS[day] if rng.random() < 0.5 else (
            f"{DAYS[day]}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z")
        events.append({"on": on, "amount": amount})
    return {"events": events}


def engineering(rng: random.Random) -> dict:
    return {"events": [{"on": DAYS[day], "amount": f"{decimal(5 * rng.randint(1, 12), 1)} hours"}
                       for day in sorted(rng.sample(range(30), rng.randint(1, 3)))]}


def uptime(rng: random.Random):
    roll = rng.random()
    if roll < 0.70:
        text = str(decimal(rng.randint(9990, 10000), 2))
    elif roll < 0.82:
        text = str(decimal(rng.randint(9901, 9989), 2))
    elif roll < 0.88:
        text = str(decimal(rng.randint(9500, 9900), 2))
    else:
        text = rng.choice(UPTIME_EDGES)
    form = rng.random()
    if form < 0.6:
        return text + "%"
    return int(text) if text == "100" else Decimal(text)


def make_account(seed: int, index: int) -> dict:
    rng = random.Random(f"flespi-{seed}-{index}")
    plan = rng.choices([p for p, _ in PLANS], [w for _, w in PLANS])[0]
    usage = {}
    for item, scales in SCALE.items():
        if item == "calculator_devices" and rng.random() >= 0.15:
            continue
        if item != "devices" and rng.random() < 0.1:  # not every account uses every item
            continue
        usage[item] = {"daily": daily_counts(rng, *scales[plan])}
    if rng.random() < 0.9:
        usage["storage"] = {"daily": daily_storage(rng, *STORAGE_MB[plan])}
    if rng.random() < 0.6:
        usage["sms"] = sms(rng, plan)
    if plan != "Free" and rng.random() < 0.05:
        usage["custom_engineering"] = engineering(rng)
    account = {"account": f"flespi-{index:06d}", "plan": plan, "usage": usage}
    if rng.random() < 0.6:
        account["uptime"] = {PERIOD: uptime(rng)}
    return account


def summary(records: list[dict], expected: list[list[tuple]]) -> list[str]:
    plans = Counter(record["plan"] for record in records)
    lines = Counter(item for bills in expected for _, _, bill_lines in bills
                    for item, _ in bill_lines)
    daily = sum(len(data.get("daily", ())) for record in records
                for data in record["usage"].values())
    total = sum(bill[1] for bills in expected for bill in bills)
    return [
        f"{len(records):,} accounts, {PERIOD} (30 days), {daily:,} daily figures; plans: "
        + ", ".join(f"{plan} {plans[plan]:,}" for plan, _ in PLANS),
        "lines billed: " + ", ".join(f"{item} {count:,}" for item, count in lines.most_common()),
        f"total billed: € {total:,}",
    ]


def main(argv: list[str] | None = None) -> int:
    return workloads.main(argv, __doc__, make_account, noun="accounts", kind="flespi",
                          title=f"flespi month {PERIOD}", catalog=CATALOG, periods=[PERIOD],
                          reference=reference.bill, summary=summary)


if __name__ == "__main__":
    sys.exit(main())
