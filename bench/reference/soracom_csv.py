"""A hand-written Soracom Air biller: the detailed billing CSV of one month for the accounts
bench/soracom_csv.py generates, byte for byte what `planlang bill catalogs/soracom-air.plan
--account ACCOUNT --period YYYY-MM --format csv` writes for them.

    python bench/reference/soracom_csv.py ACCOUNT.yaml YYYY-MM OUT.csv

The rules, from catalogs/soracom-air.plan (prices in USD, data per byte; a day is a UTC day):

- for each subscriber (the account's inline ones, then those of its `subscribers_from` JSON Lines
  file, in order) and each day of the month, in the catalog's order of records:
  a basic charge by the SIM's status at the end of the day (ready 0, active and inactive 0.06,
  suspended and standby 0.02); an activation (1.00 each) for each change that day from suspended
  or standby to active or inactive; a renewal (1.00) on the day a full year in suspended or
  standby is completed; data by (country, plan) label, a row for the day's bytes and one for the
  bytes that round them up to 1,024; SMS delivered and submitted (0.01 each); Custom DNS (0.005)
  and Harvest (0.05) for each day the option is on at the end of the day; Harvest requests beyond
  2,000 a day (0.000005 each); VPG hours (0.40 an hour);
- per SIM, after its days, the free tier: the first 100 MB of its data rows given back, a row
  covered whole at its billed (rounded) amount, the row the 100 MB end in for the part covered;
- for the account, dated YYYYMM: 20% of the data beyond 1 TB of the month's data rows, then the
  coupon against what the month adds up to (at most its balance);
- amounts are price x quantity rounded half away from zero to the cent; the CSV is UTF-8 with a
  BOM, CRLF line ends, the tag keys of every subscriber sorted between `name` and the group, and a
  text a spreadsheet would take for a formula written after an apostrophe.

It reads the forms the generator writes: times in UTC with `Z` (as text they compare as the
instants they name), data amounts `"N bytes"` or `"N.NNN MB"`, VPG hours as numbers or
`"N hours"`. It imports nothing from planlang.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import json
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

BASIC = {"ready": ("basicCharge-ready", Decimal("0.00")),
         "active": ("basicCharge-active", Decimal("0.06")),
         "inactive": ("basicCharge-inactive", Decimal("0.06")),
         "suspended": ("basicCharge-suspended", Decimal("0.02")),
         "standby": ("basicCharge-suspended", Decimal("0.02"))}
ACTIVATION = Decimal("1.00")
RENEWAL = Decimal("1.00")
DATA = Decimal("0.002") / 1000000  # per byte
ROUND_UNIT = 1024  # bytes: a day's data is rounded up to this
SMS = Decimal("0.01")
CUSTOM_DNS = Decimal("0.005")
HARVEST = Decimal("0.05")
HARVEST_REQUEST = Decimal("0.000005")
HARVEST_FREE_REQUESTS = 2000  # a day
VPG_HOUR = Decimal("0.40")
FREE_TIER = 100 * 1000000  # bytes per SIM per month
VOLUME_THRESHOLD = 1000000000000  # bytes of the account's data rows in a month
VOLUME_PERCENT = Decimal("0.20")
PAUSED = ("suspended", "standby")
WORKING = ("active", "inactive")
CENT = Decimal("0.01")
BOM = "\ufeff"


def money(value: Decimal) -> Decimal:
    """Half away from zero to the cent; never -0.00."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP) + 0


def plain(value: Decimal) -> str:
    """A price or a quantity as the CSV writes it: `0.4`, `24`, `0.000000002`."""
    return format(value.normalize(), "f")


def safe(text: str) -> str:
    """Text a spreadsheet would run as a formula is written after an apostrophe."""
    if text.startswith(("=", "+", "-", "@", "\t", "\r")):
        try:
            Decimal(text)
        except ArithmeticError:
            return "'" + text
    return text


def data_bytes(amount: str) -> int:
    value, unit = amount.split()
    return int(Decimal(value) * {"bytes": 1, "MB": 1000000}[unit])


def hours(value) -> Decimal:
    return Decimal(str(value).split()[0])


def subscribers(account: dict, folder: Path):
    yield from account.get("subscribers", [])
    if account.get("subscribers_from"):
        with open(folder / account["subscribers_from"], encoding="utf-8-sig") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line, parse_float=Decimal)


def state_at(sim: dict, events: list[dict], end: str) -> tuple[str, set[str]]:
    """The status and options of a SIM at the instant `end` (its events before it)."""
    status, options = sim.get("status", "active"), set(sim.get("options", []))
    for event in events:
        if event["on"] >= end:
            break
        status = event.get("status", status)
        if "enable" in event:
            options.add(event["enable"])
        if "disable" in event:
            options.discard(event["disable"])
    return status, options


def activations(sim: dict, events: list[dict]) -> dict[str, int]:
    """{day: changes that day from suspended or standby to active or inactive}."""
    out: dict[str, int] = {}
    previous = sim.get("status", "active")
    for event in events:
        if "status" in event:
            if previous in PAUSED and event["status"] in WORKING:
                out[event["on"][:10]] = out.get(event["on"][:10], 0) + 1
            previous = event["status"]
    return out


def renewal_day(sim: dict, events: list[dict], year: int) -> str | None:
    """The day of `year` on which the SIM completes a full year in suspended or standby."""
    if sim.get("status") not in PAUSED or "status_since" not in sim:
        return None
    since = dt.date.fromisoformat(sim["status_since"])
    woken = [e["on"] for e in events if "status" in e and e["status"] not in PAUSED]
    day = since.replace(year=year).isoformat()
    if since.year >= year or (woken and day + "T00:00:00Z" > woken[0]):
        return None
    return day


def bill(account: dict, folder: Path, period: str, out) -> None:
    year, month = int(period[:4]), int(period[5:])
    days = [dt.date(year, month, d).isoformat() for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    tag_keys = sorted({key for sub in subscribers(account, folder) for key in sub.get("tags", {})})
    writer = csv.writer(out, lineterminator="\r\n")
    out.write(BOM)
    writer.writerow(["date", "billItemName", "imsi", "vpgId", "unitPrice", "quantity", "amount",
                     "name", *[safe(k) for k in tag_keys], "group:groupId", "group:name"])
    total = Decimal(0)
    traffic = 0
    blank = [""] * (len(tag_keys) + 3)
    for sub in subscribers(account, folder):
        imsi, vpg = sub.get("imsi", ""), sub.get("vpg", "")
        if imsi:
            group = sub.get("group") or {}
            tags = sub.get("tags", {})
            meta = [safe(t) for t in [sub.get("name") or "", *[tags.get(k, "") for k in tag_keys],
                                      group.get("id", ""), group.get("name", "")]]
        else:
            meta = blank
        usage = sub.get("usage", {})
        events = sorted(sub.get("timeline", []), key=lambda e: e["on"])
        woke = activations(sub, events)
        renewal = renewal_day(sub, events, year)
        data: dict[str, dict[tuple[str, str], int]] = {}
        for event in usage.get("data", {}).get("events", []):
            day = data.setdefault(event["on"][:10], {})
            labels = (event["labels"]["country"], event["labels"]["plan"])
            day[labels] = day.get(labels, 0) + data_bytes(event["amount"])
        daily = {meter: usage.get(meter, {}).get("daily", {})
                 for meter in ("sms_delivered", "sms_submitted", "harvest_requests", "vpg_hours")}
        billed = []  # (bytes, amount) of each data row, in order
        for day in days:
            date = day.replace("-", "")
            end = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat() + "T00:00:00Z"
            status, options = state_at(sub, events, end)
            rows = []
            if imsi:
                rows.append((BASIC[status][0], BASIC[status][1], 1))
            if woke.get(day):
                rows.append(("subscriberActivationCharge", ACTIVATION, woke[day]))
            if renewal == day:
                rows.append(("subscriberContractRenewalCharge", RENEWAL, 1))
            for (country, plan), quantity in sorted(data.get(day, {}).items()):
                if quantity:
                    rows.append((f"dataTrafficCharge-{country}-{plan}", DATA, quantity))
                    extra = -(-quantity // ROUND_UNIT) * ROUND_UNIT - quantity
                    if extra:
                        rows.append((f"dataTrafficRoundedUpCharge-{country}-{plan}", DATA, extra))
            if daily["sms_delivered"].get(day, 0) > 0:
                rows.append(("soracomSmsDeliveryCharge", SMS, daily["sms_delivered"][day]))
            if daily["sms_submitted"].get(day, 0) > 0:
                rows.append(("soracomSmsSubmitCharge", SMS, daily["sms_submitted"][day]))
            if "customDNS" in options:
                rows.append(("customDNSCharge", CUSTOM_DNS, 1))
            if "harvest" in options:
                rows.append(("soracomHarvestCharge", HARVEST, 1))
            if daily["harvest_requests"].get(day, 0) > HARVEST_FREE_REQUESTS:
                rows.append(("soracomHarvestRequestCharge", HARVEST_REQUEST,
                             daily["harvest_requests"][day] - HARVEST_FREE_REQUESTS))
            if hours(daily["vpg_hours"].get(day, 0)) > 0:
                rows.append(("virtualPrivateGatewayTypeECharge", VPG_HOUR,
                             hours(daily["vpg_hours"][day])))
            for item, price, quantity in rows:
                amount = money(price * quantity)
                writer.writerow([date, item, imsi, vpg, plain(price), plain(Decimal(quantity)),
                                 amount, *meta])
                total += amount
                if item.startswith("dataTrafficCharge-"):
                    billed.append((quantity, amount))
                    traffic += quantity
        if imsi and billed:  # the free tier
            left, used, value = FREE_TIER, 0, Decimal(0)
            for quantity, amount in billed:
                if left <= 0:
                    break
                take = min(quantity, left)
                value += amount if take == quantity else take * DATA
                used, left = used + take, left - take
            amount = money(-value)
            writer.writerow([period.replace("-", ""), "dataTrafficFreeTier", imsi, vpg,
                             plain(-DATA), used, amount, *meta])
            total += amount
    month = period.replace("-", "")
    if traffic > VOLUME_THRESHOLD:  # the volume discount
        price = -VOLUME_PERCENT * DATA
        amount = money(price * (traffic - VOLUME_THRESHOLD))
        if amount:
            writer.writerow([month, "soracomAirDataChargeTieredVolumeDiscount", "", "",
                             plain(price), traffic - VOLUME_THRESHOLD, amount, *blank])
            total += amount
    coupon = Decimal(str(account.get("coupon", 0)))
    if total > 0 and coupon > 0:
        applied = money(min(coupon, total))
        writer.writerow([month, "chargeCoupon", "", "", -applied, 1, -applied, *blank])


def main(argv: list[str]) -> int:
    account_path, period, out_path = argv
    account = yaml.safe_load(Path(account_path).read_text(encoding="utf-8"))
    with open(out_path, "w", encoding="utf-8", newline="") as out:
        bill(account, Path(account_path).parent, period, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
