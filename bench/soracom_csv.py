"""Benchmark: the Soracom Air detailed billing CSV, for accounts of N SIMs.

For each N given on the command line (default 1000 and 10000) this script

1. generates, from a fixed seed, an account (YAML, with three VPGs inline and a 50 USD coupon) and
   a JSON Lines file of N SIMs for October 2026 (31 days): daily data events labelled with a
   country and a plan, suspensions and reactivations, SIMs waking from standby or from a long
   suspension, Custom DNS and Harvest options turned on and off, SMS, Harvest requests, tags whose
   values hold commas, quotes and non-ASCII text, and groups;
2. computes, independently of planlang (plain Decimal arithmetic, from the generated data and the
   prices of `catalogs/soracom-air.plan`), every row the CSV must hold;
3. runs the real command, `planlang bill catalogs/soracom-air.plan --account ACCOUNT --period 2026-10
   --format csv --out OUT.csv`, R times in a subprocess of its own (`run_child` of
   bench/workloads.py: a small `python -c` wrapper that times the child and reports its peak RSS
   from `getrusage(RUSAGE_CHILDREN)`: one run per wrapper, so every figure is one run's);
4. verifies the CSV read back by header with the `csv` module: the header, each row's amount against
   its unit price times quantity, the rows and amounts of every bill item, the total, a
   fingerprint of every row (date, item, IMSI or VPG, quantity, amount, name, tags, group), and
   that the R runs wrote byte-identical files;
5. prints a table (N SIMs, rows, median seconds, rows/s, peak RSS, RSS against the smallest N) and
   says whether memory grows with N.

Run from the repository root: `.venv/bin/python bench/soracom_csv.py 1000 10000 [30000]`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from pathlib import Path

import attrs
from workloads import PLANLANG, baseline_mb, run_child, sha256

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalogs" / "soracom-air.plan"

SEED = 2026
YEAR, MONTH, DAYS = 2026, 10, 31  # October 2026: a 31-day month
PERIOD = f"{YEAR:04d}-{MONTH:02d}"
UTC = dt.timezone.utc

# The prices of catalogs/soracom-air.plan, per base unit (byte, day, each, hour).
PRICE = {
    "basicCharge-ready": Decimal("0.00"), "basicCharge-active": Decimal("0.06"),
    "basicCharge-inactive": Decimal("0.06"), "basicCharge-suspended": Decimal("0.02"),
    "subscriberActivationCharge": Decimal("1.00"), "subscriberContractRenewalCharge": Decimal("1.00"),
    "data": Decimal("0.002") / Decimal(10**6), "sms_delivered": Decimal("0.01"),
    "sms_submitted": Decimal("0.01"), "customDNS": Decimal("0.005"), "harvest": Decimal("0.05"),
    "harvest_requests": Decimal("0.000005"), "vpg_hours": Decimal("0.40"),
}
BASIC = {"ready": "basicCharge-ready", "active": "basicCharge-active",
         "inactive": "basicCharge-inactive", "suspended": "basicCharge-suspended",
         "standby": "basicCharge-suspended"}
OPTION_RECORDS = (("customDNS", "customDNSCharge"), ("harvest", "soracomHarvestCharge"))
DAILY_ITEMS = (("sms_delivered", "soracomSmsDeliveryCharge", 0),
               ("sms_submitted", "soracomSmsSubmitCharge", 0),
               ("harvest_requests", "soracomHarvestRequestCharge", 2000))
ROUND_UNIT = 1024  # bytes: a day's data is rounded up to this
FREE_TIER = 100 * 10**6  # bytes per SIM per month
VOLUME_THRESHOLD = 10**12  # bytes of account traffic per month
VOLUME_PERCENT = Decimal("0.20")
COUPON = Decimal("50")
CENT = Decimal("0.01")
EXACT = Context(prec=60)

COUNTRIES = ("jp", "us", "de", "gb", "fr", "th", "au")
PLANS = ("plan01s", "plan-D", "planX3", "plan-K")
GROUPS = (("6f1c0b52-0000-4000-8000-000000000001", "Vending machines, Kanto"),
          ("6f1c0b52-0000-4000-8000-000000000002", 'Trackers "fleet A"'),
          ("6f1c0b52-0000-4000-8000-000000000003", "Compteurs d'eau — Lyon"),
          ("6f1c0b52-0000-4000-8000-000000000004", "Cold chain"))
SITES = ("Osaka, Kita-ku", 'Plant "B", line 3', "東京都 港区", "Zürich", "Berlin", "Austin, TX",
         "dock 7")
CUSTOMERS = ("ACME Corp.", 'Smith, "Jones" & Co', "Initech", "Umbrella, Inc.", "Globex")
FIRMWARE = ("1.2.0", "1.3.1", "2.0.0-rc1")
GIVEN_BACK = {"dataTrafficFreeTier"}  # discounts that give back rounded amounts
BASE_COLUMNS = ["date", "billItemName", "imsi", "vpgId", "unitPrice", "quantity", "amount"]
TAG_KEYS = ["customer", "firmware", "site"]  # sorted: the order of the CSV's tag columns


# ---- generating the account ---------------------------------------------------------------------

def _day(day: int) -> dt.date:
    return dt.date(YEAR, MONTH, day)


def _moment(rng: random.Random, day: int) -> dt.datetime:
    seconds = rng.randrange(86400)
    return dt.datetime(YEAR, MONTH, day, seconds // 3600, seconds // 60 % 60, seconds % 60,
                       tzinfo=UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _status_story(rng: random.Random) -> tuple[str, str | None, list[tuple[dt.datetime, str]]]:
    """(status at the start, since when, [(moment, new status)]) for one SIM."""
    roll = rng.random()
    if roll < 0.80:
        return "active", None, []
    if roll < 0.90:  # suspended for part of the month, reactivated or not
        start = rng.randrange(2, 25)
        events = [(_moment(rng, start), "suspended")]
        if rng.random() < 0.6:
            events.append((_moment(rng, rng.randrange(start + 1, DAYS + 1)), "active"))
        return "active", None, events
    if roll < 0.94:  # a long suspension: renewal on its anniversary, maybe woken up
        since = dt.date(rng.choice((2023, 2024)), MONTH, rng.randrange(1, 29))
        events = [(_moment(rng, rng.randrange(1, DAYS + 1)), "active")] if rng.random() < 0.5 else []
        return "suspended", since.isoformat(), events
    if roll < 0.97:  # shipped in standby, activated during the month
        return "standby", None, [(_moment(rng, rng.randrange(1, DAYS + 1)), "active")]
    if roll < 0.99:
        return "inactive", None, []
    return "ready", None, []


def _option_story(rng: random.Random) -> tuple[list[str], list[tuple[dt.datetime, str, str]]]:
    """(options at the start, [(moment, "enable" or "disable", option)])."""
    options, events = [], []
    if rng.random() < 0.25:
        options.append("customDNS")
        if rng.random() < 0.12:
            events.append((_moment(rng, rng.randrange(2, DAYS + 1)), "disable", "customDNS"))
    if rng.random() < 0.10:
        options.append("harvest")
    elif rng.random() < 0.06:
        events.append((_moment(rng, rng.randrange(2, DAYS + 1)), "enable", "harvest"))
    return options, events


def _state_at(sim: dict, end: dt.datetime) -> tuple[str, frozenset[str]]:
    """Status and options at `end`, from the SIM's JSON data: the events before `end`."""
    status, options = sim["status"], set(sim["options"])
    for event in sorted(sim["timeline"], key=lambda e: e["on"]):
        if event["on"] >= _iso(end):  # ISO texts in UTC with Z compare as times
            break
        status = event.get("status", status)
        if "enable" in event:
            options.add(event["enable"])
        if "disable" in event:
            options.discard(event["disable"])
    return status, frozenset(options)


def _day_end(day: int) -> dt.datetime:
    return dt.datetime(YEAR, MONTH, day, tzinfo=UTC) + dt.timedelta(days=1)


def _data_amount(rng: random.Random, heavy: bool) -> str:
    if heavy:
        value = int(10 ** rng.uniform(8, 9))  # 100 MB to 1 GB an event (cameras)
    else:
        value = int(10 ** rng.uniform(2.5, 6.5))  # ~300 bytes to ~3 MB an event
    if rng.random() < 0.1:
        return f"{Decimal(value // 1000) / 1000:.3f} MB"  # some devices report in MB
    return f"{value} bytes"


def _usage(rng: random.Random, sim: dict, days: list[tuple[str, frozenset[str]]]) -> dict:
    heavy = rng.random() < 0.08
    home = (rng.choice(COUNTRIES[:3]), rng.choice(PLANS))
    events, sms, submitted, requests = [], {}, {}, {}
    texts = rng.random() < 0.15
    for day, (status, options) in enumerate(days, 1):
        date = _day(day).isoformat()
        if status in ("active", "inactive"):
            for _ in range(rng.randrange(1, 4)):
                country = home[0] if rng.random() < 0.9 else rng.choice(COUNTRIES)
                events.append({"on": _iso(_moment(rng, day)), "amount": _data_amount(rng, heavy),
                               "labels": {"country": country, "plan": home[1]}})
        if texts and rng.random() < 0.3:
            sms[date] = rng.randrange(0, 6)  # a day with 0 messages bills nothing
            if rng.random() < 0.5:
                submitted[date] = rng.randrange(1, 4)
        if "harvest" in options and status == "active":
            requests[date] = rng.randrange(200, 3600)
    usage: dict = {"data": {"events": events}}
    for name, daily in (("sms_delivered", sms), ("sms_submitted", submitted),
                        ("harvest_requests", requests)):
        if daily:
            usage[name] = {"daily": daily}
    return usage


def make_sim(rng: random.Random, index: int) -> dict:
    status, since, status_events = _status_story(rng)
    options, option_events = _option_story(rng)
    timeline = [{"on": _iso(m), "status": s} for m, s in status_events]
    timeline += [{"on": _iso(m), action: o} for m, action, o in option_events]
    rng.shuffle(timeline)  # the file's order is not the order of time
    sim: dict = {"imsi": f"29505091{index:07d}", "status": status, "options": options,
                 "timeline": timeline}
    if since:
        sim["status_since"] = since
    if rng.random() < 0.9:
        sim["name"] = f"sensor-{index:05d}" if rng.random() < 0.8 else f'pump {index}, "north"'
    tags = {"site": rng.choice(SITES), "customer": rng.choice(CUSTOMERS),
            "firmware": rng.choice(FIRMWARE)}
    sim["tags"] = {k: v for k, v in tags.items() if rng.random() < 0.85}
    if rng.random() < 0.8:
        group = rng.choice(GROUPS)
        sim["group"] = {"id": group[0], "name": group[1]}
    days = [_state_at(sim, _day_end(day)) for day in range(1, DAYS + 1)]
    sim["usage"] = _usage(rng, sim, days)
    return sim


def make_vpgs() -> list[dict]:
    """Three gateways: one all month, one created on the 12th at 10:30, one with outages."""
    always = {_day(d).isoformat(): "24 hours" for d in range(1, DAYS + 1)}
    late = {_day(d).isoformat(): ("13.5 hours" if d == 12 else 24) for d in range(12, DAYS + 1)}
    outages = {_day(d).isoformat(): (20 if d % 7 == 0 else "24") for d in range(1, DAYS + 1)}
    return [{"vpg": f"vpg-{name}", "usage": {"vpg_hours": {"daily": daily}}}
            for name, daily in (("tokyo-01", always), ("frankfurt-01", late),
                                ("virginia-01", outages))]


def account_yaml(vpgs: list[dict]) -> str:
    # JSON is YAML: the gateways are written inline as flow mappings.
    lines = ["account: bench-soracom-air", f"coupon: \"{COUPON}\"",
             "subscribers_from: sims.jsonl", "subscribers:"]
    lines += [f"  - {json.dumps(vpg)}" for vpg in vpgs]
    return "\n".join(lines) + "\n"


# ---- the expected rows, computed without planlang ------------------------------------------------

@attrs.define
class Expected:
    """What the CSV must hold, accumulated SIM by SIM."""

    items: dict = attrs.Factory(lambda: defaultdict(lambda: [0, Decimal(0)]))
    fingerprint: int = 0
    rows: int = 0
    total: Decimal = Decimal(0)
    traffic: int = 0  # bytes of dataTrafficCharge in the account

    def add(self, row: tuple) -> None:
        item, amount = row[1], row[5]
        self.items[item][0] += 1
        self.items[item][1] += amount
        self.rows += 1
        self.total += amount
        self.fingerprint = (self.fingerprint + row_hash(row)) % 2**64


def money(value: Decimal) -> Decimal:
    """Round half away from zero to the cent, exactly."""
    with localcontext(EXACT):
        return (value + 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _bytes(amount: str) -> int:
    value, unit = amount.split()
    scale = {"bytes": 1, "MB": 10**6}[unit]
    with localcontext(EXACT):
        return int(Decimal(value) * scale)


def _meta(sim: dict) -> tuple:
    group = sim.get("group") or {}
    return (sim.get("name", ""), *(sim.get("tags", {}).get(k, "") for k in TAG_KEYS),
            group.get("id", ""), group.get("name", ""))


def _row(date: str, item: str, sim: dict, quantity, unit_price: Decimal,
         amount: Decimal | None = None) -> tuple:
    if amount is None:
        with localcontext(EXACT):
            amount = money(unit_price * quantity)
    meta = _meta(sim) if "imsi" in sim else ("",) * (len(TAG_KEYS) + 3)
    return (date, item, sim.get("imsi", ""), sim.get("vpg", ""), Decimal(quantity), amount, meta)


def _anniversaries(sim: dict) -> dict[dt.date, int]:
    """Days of the month on which a full year in suspended or standby is completed."""
    if "status_since" not in sim or sim["status"] not in ("suspended", "standby"):
        return {}
    since = dt.date.fromisoformat(sim["status_since"])
    changes = sorted(e["on"] for e in sim["timeline"] if e.get("status") not in (None, sim["status"]))
    until = changes[0] if changes else None
    day = since.replace(year=YEAR)
    if day.month != MONTH or (until is not None and _iso(_start(day)) > until):
        return {}
    return {day: 1}


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)


def _activations(sim: dict) -> dict[dt.date, int]:
    out: dict[dt.date, int] = defaultdict(int)
    previous = sim["status"]
    for event in sorted(sim["timeline"], key=lambda e: e["on"]):
        if "status" not in event:
            continue
        if previous in ("suspended", "standby") and event["status"] in ("active", "inactive"):
            out[dt.date.fromisoformat(event["on"][:10])] += 1
        previous = event["status"]
    return out


def _data_by_day(sim: dict) -> dict[str, dict[tuple[str, str], int]]:
    out: dict = defaultdict(lambda: defaultdict(int))
    for event in sim["usage"]["data"]["events"]:
        labels = event["labels"]
        out[event["on"][:10]][(labels["country"], labels["plan"])] += _bytes(event["amount"])
    return out


def sim_rows(sim: dict) -> Iterator[tuple | int]:
    """Every row of one SIM, and the bytes of its dataTrafficCharge rows last (as an int)."""
    renewals, activations, data = _anniversaries(sim), _activations(sim), _data_by_day(sim)
    billed: list[tuple[int, Decimal]] = []  # (bytes, amount) of each dataTrafficCharge row
    for day in range(1, DAYS + 1):
        date, iso = _day(day).strftime("%Y%m%d"), _day(day).isoformat()
        status, options = _state_at(sim, _day_end(day))
        yield _row(date, BASIC[status], sim, 1, PRICE[BASIC[status]])
        if activations.get(_day(day)):
            yield _row(date, "subscriberActivationCharge", sim, activations[_day(day)],
                       PRICE["subscriberActivationCharge"])
        if renewals.get(_day(day)):
            yield _row(date, "subscriberContractRenewalCharge", sim, renewals[_day(day)],
                       PRICE["subscriberContractRenewalCharge"])
        for (country, plan), quantity in sorted(data.get(iso, {}).items()):
            if not quantity:  # a day of "0.000 MB" reports bills nothing
                continue
            row = _row(date, f"dataTrafficCharge-{country}-{plan}", sim, quantity, PRICE["data"])
            billed.append((quantity, row[5]))
            yield row
            extra = -(-quantity // ROUND_UNIT) * ROUND_UNIT - quantity
            if extra:
                yield _row(date, f"dataTrafficRoundedUpCharge-{country}-{plan}", sim, extra,
                           PRICE["data"])
        for option, item in OPTION_RECORDS:
            if option in options:
                yield _row(date, item, sim, 1, PRICE[option])
        for meter, item, allowance in DAILY_ITEMS:
            count = sim["usage"].get(meter, {}).get("daily", {}).get(iso, 0)
            if count > allowance:
                yield _row(date, item, sim, count - allowance, PRICE[meter])
    if billed:
        yield free_tier_row(sim, billed)
    yield sum(quantity for quantity, _ in billed)


def free_tier_row(sim: dict, billed: list[tuple[int, Decimal]]) -> tuple:
    """The first 100 MB free: rows covered whole are given back at their billed (rounded) amount,
    the row the allowance ends in for the part it covers, at its price; in the order billed."""
    left, used, value = FREE_TIER, 0, Decimal(0)
    for quantity, amount in billed:
        if left <= 0:
            break
        take = min(quantity, left)
        with localcontext(EXACT):
            value += amount if take == quantity else take * PRICE["data"]
        used, left = used + take, left - take
    return _row(PERIOD.replace("-", ""), "dataTrafficFreeTier", sim, used, -PRICE["data"],
                -money(value))


def vpg_rows(vpg: dict) -> Iterator[tuple]:
    for iso, hours in vpg["usage"]["vpg_hours"]["daily"].items():
        quantity = Decimal(str(hours).split()[0])
        yield _row(iso.replace("-", ""), "virtualPrivateGatewayTypeECharge", vpg, quantity,
                   PRICE["vpg_hours"])


def account_rows(expected: Expected) -> list[tuple]:
    """The month's volume discount and coupon, from the account's totals."""
    rows, month = [], PERIOD.replace("-", "")
    beyond = expected.traffic - VOLUME_THRESHOLD
    none: dict = {}
    if beyond > 0:
        row = _row(month, "soracomAirDataChargeTieredVolumeDiscount", none, beyond,
                   -VOLUME_PERCENT * PRICE["data"])
        if row[5]:
            rows.append(row)
    subtotal = expected.total + sum((r[5] for r in rows), Decimal(0))
    applied = money(min(COUPON, subtotal)) if subtotal > 0 else Decimal(0)
    if applied > 0:
        rows.append(_row(month, "chargeCoupon", none, 1, -applied))
    return rows


def row_hash(row: tuple) -> int:
    date, item, imsi, vpg, quantity, amount, meta = row
    text = "\x1f".join([date, item, imsi, vpg, _canon(quantity), _canon(amount + 0), *meta])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _canon(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def generate(folder: Path, n: int, seed: int) -> tuple[Path, Expected]:
    """Write account.yaml and sims.jsonl into `folder`; return the account and what it bills."""
    rng = random.Random(f"{seed}-{n}")
    expected = Expected()
    vpgs = make_vpgs()
    for vpg in vpgs:
        for row in vpg_rows(vpg):
            expected.add(row)
    with (folder / "sims.jsonl").open("w", encoding="utf-8") as out:
        for index in range(n):
            sim = make_sim(rng, index)
            out.write(json.dumps(sim, ensure_ascii=False) + "\n")
            for made in sim_rows(sim):
                if isinstance(made, int):
                    expected.traffic += made
                else:
                    expected.add(made)
    for row in account_rows(expected):
        expected.add(row)
    account = folder / "account.yaml"
    account.write_text(account_yaml(vpgs), encoding="utf-8")
    return account, expected


# ---- running the command -------------------------------------------------------------------------

def bill_command(account: Path, out: Path) -> list[str]:
    return [*PLANLANG, "bill", str(CATALOG), "--account", str(account), "--period", PERIOD,
            "--format", "csv", "--out", str(out)]


# ---- verifying the CSV --------------------------------------------------------------------------

def read_csv(path: Path) -> tuple[Expected, list[str]]:
    """The CSV's rows accumulated as `Expected` is, and the problems seen row by row."""
    got, problems = Expected(), []
    with path.open(encoding="utf-8", newline="") as data:
        if data.read(1) != "\ufeff":
            problems.append("the file does not start with a UTF-8 BOM")
        reader = csv.DictReader(data)
        header = BASE_COLUMNS + ["name", *TAG_KEYS, "group:groupId", "group:name"]
        if reader.fieldnames != header:
            problems.append(f"header {reader.fieldnames} != {header}")
        for number, line in enumerate(reader, 2):
            row = _parsed(line)
            if row[1] in GIVEN_BACK:
                pass  # a sum of billed amounts, not unit price × quantity
            elif money(Decimal(line["unitPrice"]) * row[4]) != row[5] and len(problems) < 10:
                problems.append(f"line {number}: amount {row[5]} != unitPrice × quantity")
            got.add(row)
    return got, problems


def _parsed(line: dict) -> tuple:
    meta = (line["name"], *(line[k] for k in TAG_KEYS), line["group:groupId"], line["group:name"])
    return (line["date"], line["billItemName"], line["imsi"], line["vpgId"],
            Decimal(line["quantity"]), Decimal(line["amount"]), meta)


def compare(expected: Expected, got: Expected) -> list[str]:
    problems = []
    for item in sorted(set(expected.items) | set(got.items)):
        want, have = expected.items.get(item, [0, 0]), got.items.get(item, [0, 0])
        if list(want) != list(have):
            problems.append(f"{item}: expected {want[0]} rows, {want[1]} USD; "
                            f"got {have[0]} rows, {have[1]} USD")
    if expected.rows != got.rows:
        problems.append(f"rows: expected {expected.rows}, got {got.rows}")
    if expected.total != got.total:
        problems.append(f"total: expected {expected.total}, got {got.total}")
    if expected.fingerprint != got.fingerprint:
        problems.append("row fingerprints differ (a date, IMSI, quantity, name, tag or group)")
    return problems


# ---- the benchmark ------------------------------------------------------------------------------

@attrs.frozen
class Result:
    n: int
    rows: int
    seconds: float
    cpu: float
    rss_mb: float
    total: Decimal
    verified: bool


def bench_one(folder: Path, n: int, reps: int, seed: int, show_items: bool) -> Result:
    here = folder / f"n{n}"
    here.mkdir()
    account, expected = generate(here, n, seed)
    size = (here / "sims.jsonl").stat().st_size / 2**20
    print(f"N={n}: generated {size:.1f} MB of JSON Lines, {expected.rows:,} rows expected; "
          f"running {reps}×", flush=True)
    runs, digests = [], set()
    for rep in range(reps):
        out = here / f"out{rep}.csv"
        runs.append(run_child(bill_command(account, out)))
        digests.add(sha256(out))
        print(f"  run {rep + 1}: {runs[-1]['seconds']:.2f} s, "
              f"peak RSS {runs[-1]['maxrss_kb'] / 1024:.1f} MB", flush=True)
        if rep:
            out.unlink()
    got, problems = read_csv(here / "out0.csv")
    problems += compare(expected, got)
    if len(digests) != 1:
        problems.append(f"the {reps} runs wrote different files")
    for problem in problems:
        print(f"  MISMATCH {problem}")
    print(f"  verified: {'yes' if not problems else 'NO'} — {got.rows:,} rows, total "
          f"{got.total} USD (expected {expected.total})", flush=True)
    if show_items:
        for item, (rows, amount) in sorted(expected.items.items()):
            print(f"    {item:50} {rows:>9,} rows {amount:>12} USD")
    return Result(n, got.rows, statistics.median(r["seconds"] for r in runs),
                  statistics.median(r["cpu"] for r in runs),
                  max(r["maxrss_kb"] for r in runs) / 1024, got.total, not problems)


def table(results: list[Result], baseline: float) -> str:
    first = results[0]
    lines = ["| SIMs | rows | seconds (median) | rows/s | peak RSS MB | RSS vs smallest N | verified |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | :---: |"]
    for r in results:
        lines.append(f"| {r.n:,} | {r.rows:,} | {r.seconds:.2f} | {r.rows / r.seconds:,.0f} | "
                     f"{r.rss_mb:.1f} | {r.rss_mb / first.rss_mb:.2f}× | "
                     f"{'yes' if r.verified else 'NO'} |")
    lines.append(f"\nbaseline (`planlang check` of the catalog): peak RSS {baseline:.1f} MB")
    return "\n".join(lines)


def verdict(results: list[Result], baseline: float) -> str:
    if len(results) < 2:
        return "one N only: give two or more to see whether memory grows with N"
    first, last = results[0], results[-1]
    grown = last.rss_mb - first.rss_mb
    per_1000 = grown / (last.n - first.n) * 1000
    if grown > max(10.0, 0.10 * first.rss_mb):
        return (f"MEMORY GROWS WITH N: +{grown:.1f} MB from {first.n:,} to {last.n:,} SIMs "
                f"(about {per_1000:.2f} MB per 1,000 SIMs; {first.rss_mb - baseline:.1f} MB above "
                f"the baseline at {first.n:,}, {last.rss_mb - baseline:.1f} MB at {last.n:,})")
    return (f"memory is flat in N: {first.rss_mb:.1f} MB at {first.n:,} SIMs, {last.rss_mb:.1f} MB "
            f"at {last.n:,} ({grown:+.1f} MB, {last.rss_mb / first.rss_mb:.2f}×)")


def revision() -> str:
    """The commit the repository is at (read only), `+changes` when its files differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=ROOT, check=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--",
                                "planlang", "catalogs"],  # no index refresh: nothing written
                               capture_output=True, text=True, cwd=ROOT, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "an unknown commit"
    return head + (" +changes" if dirty.strip() else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000], metavar="N",
                        help="numbers of SIMs (default: 1000 10000)")
    parser.add_argument("--reps", type=int, help="runs per N (default 3 up to 10,000 SIMs, else 1)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", metavar="DIR", help="generate into DIR and keep the files")
    parser.add_argument("--items", action="store_true", help="print the expected rows per item")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes))
    with tempfile.TemporaryDirectory(prefix="planlang-bench-") as temporary:
        folder = Path(args.keep) if args.keep else Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        baseline = baseline_mb(CATALOG)
        results = [bench_one(folder, n, args.reps or (3 if n <= 10000 else 1), args.seed,
                             args.items) for n in sizes]
    print()
    print(f"Soracom Air detailed billing CSV, {PERIOD} ({DAYS} days), seed {args.seed}, "
          f"Python {sys.version.split()[0]}, planlang at {revision()}")
    print(table(results, baseline))
    print(verdict(results, baseline))
    return 0 if all(r.verified for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
