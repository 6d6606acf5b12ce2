"""Benchmark: the Soracom Air detailed billing CSV, for accounts of N SIMs, planlang against a
hand-written biller that writes the same bytes.

For each N given on the command line (default 1000 and 10000) this script

1. generates, from a fixed seed, an account (YAML, with three VPGs inline and a 50 USD coupon) and
   a JSON Lines file of N SIMs for October 2026 (31 days): daily data events labelled with a
   country and a plan, suspensions and reactivations, SIMs waking from standby or from a long
   suspension, Custom DNS and Harvest options turned on and off, SMS, Harvest requests, tags whose
   values hold commas, quotes and non-ASCII text, and groups;
2. runs, R times each and alternately, the real command, `planlang bill catalogs/soracom-air.plan
   --account ACCOUNT --period 2026-10 --format csv --out OUT.csv`, and the hand-written biller of
   `bench/reference/soracom_csv.py` (plain Python and Decimal, the catalog's prices as constants,
   nothing from planlang) on the same files, each in a subprocess of its own (`run_child` of
   bench/workloads.py: a small `python -c` wrapper that times the child and reports its CPU time
   and peak RSS from `getrusage(RUSAGE_CHILDREN)`: one run per wrapper, so every figure is one
   run's);
3. verifies that planlang's CSV is byte for byte the hand-written biller's, that its R runs wrote
   identical files, and, reading it back by header with the `csv` module, the BOM, the header and
   every row's amount against its unit price times quantity;
4. prints a table (N SIMs, rows, median seconds of each, the ratio planlang / hand-written, the
   same for CPU seconds, planlang's microseconds a SIM, rows/s, peak RSS, RSS against the smallest
   N), whether planlang's time per SIM stays flat as N grows (linear time), and whether memory
   grows with N.

Run from the repository root: `.venv/bin/python bench/soracom_csv.py 1000 10000 [30000]`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from pathlib import Path

import attrs
from reference.soracom_csv import state_at
from workloads import PLANLANG, baseline_mb, run_child, sha256

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalogs" / "soracom-air.plan"
HAND_WRITTEN = ROOT / "bench" / "reference" / "soracom_csv.py"

SEED = 2026
YEAR, MONTH, DAYS = 2026, 10, 31  # October 2026: a 31-day month
PERIOD = f"{YEAR:04d}-{MONTH:02d}"
UTC = dt.timezone.utc
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


def _usage(rng: random.Random, sim: dict, days: list[tuple[str, set[str]]]) -> dict:
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
    events = sorted(sim["timeline"], key=lambda e: e["on"])
    days = [state_at(sim, events, _iso(_day_end(day))) for day in range(1, DAYS + 1)]
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


def generate(folder: Path, n: int, seed: int) -> Path:
    """Write account.yaml and sims.jsonl into `folder`; return the account."""
    rng = random.Random(f"{seed}-{n}")
    with (folder / "sims.jsonl").open("w", encoding="utf-8") as out:
        for index in range(n):
            out.write(json.dumps(make_sim(rng, index), ensure_ascii=False) + "\n")
    account = folder / "account.yaml"
    account.write_text(account_yaml(make_vpgs()), encoding="utf-8")
    return account


# ---- verifying the CSV --------------------------------------------------------------------------

@attrs.define
class Items:
    """A CSV's rows and amounts per bill item, and in all."""

    items: dict = attrs.Factory(lambda: defaultdict(lambda: [0, Decimal(0)]))
    rows: int = 0
    total: Decimal = Decimal(0)

    def add(self, item: str, amount: Decimal) -> None:
        self.items[item][0] += 1
        self.items[item][1] += amount
        self.rows += 1
        self.total += amount


def money(value: Decimal) -> Decimal:
    """Round half away from zero to the cent, exactly."""
    with localcontext(EXACT):
        return (value + 0).quantize(CENT, rounding=ROUND_HALF_UP)


def read_csv(path: Path) -> tuple[Items, list[str]]:
    """The CSV's rows per item, and the problems seen row by row: the BOM, the header, and each
    row's amount against its unit price × quantity."""
    got, problems = Items(), []
    with path.open(encoding="utf-8", newline="") as data:
        if data.read(1) != "\ufeff":
            problems.append("the file does not start with a UTF-8 BOM")
        reader = csv.DictReader(data)
        header = BASE_COLUMNS + ["name", *TAG_KEYS, "group:groupId", "group:name"]
        if reader.fieldnames != header:
            problems.append(f"header {reader.fieldnames} != {header}")
        for number, line in enumerate(reader, 2):
            amount = Decimal(line["amount"])
            if line["billItemName"] in GIVEN_BACK:
                pass  # a sum of billed amounts, not unit price × quantity
            elif (money(Decimal(line["unitPrice"]) * Decimal(line["quantity"])) != amount
                  and len(problems) < 10):
                problems.append(f"line {number}: amount {amount} != unitPrice × quantity")
            got.add(line["billItemName"], amount)
    return got, problems


def compare(expected: Items, got: Items) -> list[str]:
    """Where two CSVs differ, item by item (to say what differs when the bytes do)."""
    problems = []
    for item in sorted(set(expected.items) | set(got.items)):
        want, have = expected.items.get(item, [0, 0]), got.items.get(item, [0, 0])
        if list(want) != list(have):
            problems.append(f"{item}: hand-written {want[0]} rows, {want[1]} USD; "
                            f"planlang {have[0]} rows, {have[1]} USD")
    if expected.rows != got.rows:
        problems.append(f"rows: hand-written {expected.rows}, planlang {got.rows}")
    if expected.total != got.total:
        problems.append(f"total: hand-written {expected.total}, planlang {got.total}")
    return problems


# ---- the benchmark ------------------------------------------------------------------------------

def bill_command(account: Path, out: Path) -> list[str]:
    return [*PLANLANG, "bill", str(CATALOG), "--account", str(account), "--period", PERIOD,
            "--format", "csv", "--out", str(out)]


def hand_written_command(account: Path, out: Path) -> list[str]:
    return [sys.executable, str(HAND_WRITTEN), str(account), PERIOD, str(out)]


@attrs.frozen
class Result:
    n: int
    rows: int
    seconds: float  # planlang, median
    cpu: float
    hand_seconds: float  # the hand-written biller, median
    hand_cpu: float
    rss_mb: float
    total: Decimal
    verified: bool

    @property
    def ratio(self) -> float:
        return self.seconds / self.hand_seconds

    @property
    def cpu_ratio(self) -> float:
        return self.cpu / self.hand_cpu

    @property
    def per_sim_us(self) -> float:
        return self.seconds / self.n * 1e6


def bench_one(folder: Path, n: int, reps: int, seed: int, show_items: bool) -> Result:
    here = folder / f"n{n}"
    here.mkdir()
    account = generate(here, n, seed)
    size = (here / "sims.jsonl").stat().st_size / 2**20
    print(f"N={n}: generated {size:.1f} MB of JSON Lines; running each {reps}×", flush=True)
    runs, hand, digests = [], [], set()
    hand_out = here / "hand-written.csv"
    for rep in range(reps):  # alternately, so that both see the machine's load alike
        out = here / f"out{rep}.csv"
        runs.append(run_child(bill_command(account, out)))
        digests.add(sha256(out))
        hand.append(run_child(hand_written_command(account, hand_out)))
        print(f"  run {rep + 1}: planlang {runs[-1]['seconds']:.2f} s "
              f"(CPU {runs[-1]['cpu']:.2f} s, peak RSS {runs[-1]['maxrss_kb'] / 1024:.1f} MB); "
              f"hand-written {hand[-1]['seconds']:.2f} s (CPU {hand[-1]['cpu']:.2f} s)",
              flush=True)
        if rep:
            out.unlink()
    got, problems = read_csv(here / "out0.csv")
    if sha256(here / "out0.csv") != sha256(hand_out):
        problems.append("planlang's CSV is not the hand-written biller's, byte for byte")
        problems += compare(read_csv(hand_out)[0], got)
    if len(digests) != 1:
        problems.append(f"the {reps} runs wrote different files")
    for problem in problems:
        print(f"  MISMATCH {problem}")
    print(f"  verified: {'yes' if not problems else 'NO'} — {got.rows:,} rows, total "
          f"{got.total} USD", flush=True)
    if show_items:
        for item, (rows, amount) in sorted(got.items.items()):
            print(f"    {item:50} {rows:>9,} rows {amount:>12} USD")
    return Result(n, got.rows, statistics.median(r["seconds"] for r in runs),
                  statistics.median(r["cpu"] for r in runs),
                  statistics.median(r["seconds"] for r in hand),
                  statistics.median(r["cpu"] for r in hand),
                  max(r["maxrss_kb"] for r in runs) / 1024, got.total, not problems)


def table(results: list[Result], baseline: float) -> str:
    first = results[0]
    lines = ["| SIMs | rows | planlang s (median) | hand-written s | ratio | planlang CPU s | "
             "hand-written CPU s | CPU ratio | planlang µs a SIM | rows/s | peak RSS MB | "
             "RSS vs smallest N | same bytes |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
             "| :---: |"]
    for r in results:
        lines.append(f"| {r.n:,} | {r.rows:,} | {r.seconds:.2f} | {r.hand_seconds:.2f} | "
                     f"{r.ratio:.2f}× | {r.cpu:.2f} | {r.hand_cpu:.2f} | {r.cpu_ratio:.2f}× | "
                     f"{r.per_sim_us:,.0f} | {r.rows / r.seconds:,.0f} | {r.rss_mb:.1f} | "
                     f"{r.rss_mb / first.rss_mb:.2f}× | {'yes' if r.verified else 'NO'} |")
    lines.append(f"\nbaseline (`planlang check` of the catalog): peak RSS {baseline:.1f} MB")
    return "\n".join(lines)


def linearity(results: list[Result]) -> str:
    """Whether planlang's time a SIM stays flat from the smallest N to the largest."""
    if len(results) < 2:
        return "one N only: give two or more to see whether time grows linearly with N"
    first, last = results[0], results[-1]
    growth = (last.cpu / last.n) / (first.cpu / first.n)
    shape = "linear" if growth <= 1.15 else "FASTER THAN LINEAR"
    return (f"time is {shape} in N: planlang's CPU time a SIM is {growth:.2f}× at {last.n:,} SIMs "
            f"what it is at {first.n:,} ({first.cpu / first.n * 1e6:,.0f} µs, "
            f"{last.cpu / last.n * 1e6:,.0f} µs)")


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
    parser.add_argument("--items", action="store_true",
                        help="print the rows and amount of every bill item")
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
    print(linearity(results))
    print(verdict(results, baseline))
    return 0 if all(r.verified for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
