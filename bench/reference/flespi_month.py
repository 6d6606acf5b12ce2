"""A hand-written flespi biller for one month of the accounts bench/flespi_month.py generates.

The rules, from catalogs/flespi.plan (prices in EUR):

- every plan has a `plan fee` line: Free 0, Start 130, Pro 400, Enterprise 900, Ultimate 3,000;
- on a commercial plan (not Free), each item measured beyond what the fee includes has a line, in
  the catalog's order: channels, streams, devices, plugins, geofences, calculator_devices, storage,
  sms, custom_engineering. Free includes fixed amounts and cannot extend them, so it has no extras;
- element counts (disabled elements included): the month's figure is the mean of the daily figures
  over every day of the month (a day without a figure counts as 0), rounded up to a whole element;
  the extra is `price × started blocks` of the excess (devices and geofences in blocks of 100);
- storage: the mean of the daily figures (MB) over every day of the month, rounded up to a whole
  GB (1 GB = 1,000 MB); 1 GB included, then € 1 per GB;
- sms: the month's sum (a `daily` figure replaces that day's events); 10 included, then € 2 per
  started 10; custom engineering: the month's hours, € 150 per started hour beyond what is
  included (8 hours on Ultimate, none on the other commercial plans);
- SLA refunds of a share of the plan fee, by the month's uptime (bands inclusive): Enterprise
  (Advanced) 30% from 99.01% to 99.89%, 70% at 99.0% or below; Ultimate (Premium) 70% at 99.89% or
  below. Free, Start and Pro (Best Effort, Priority) have no refund;
- the total is the sum of the lines; nothing changes the plan, so the next plan is the plan.

It reads exactly the forms the generator writes: counts as `daily` figures (a whole number, a
Decimal daily average or `{count, disabled}`), storage as `daily` figures (`"3000 MB"`, `"2.5 GB"`
or a number of MB), sms as `events` or `daily` sums, custom engineering as `events` ("1.5 hours"),
and dates in UTC (`2026-11-05` or `2026-11-05T10:30:00Z`). All amounts here are whole euros except
the refunds, so money stays in ints until the line is written as a Decimal in cents.
"""

from __future__ import annotations

import calendar
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
FEES = {"Free": 0, "Start": 130, "Pro": 400, "Enterprise": 900, "Ultimate": 3000}

# Counted items of the commercial plans, in the catalog's order: (item, included, € price, block).
COUNTED = (
    ("channels", 3, 40, 1),
    ("streams", 3, 20, 1),
    ("devices", 1000, 2, 100),
    ("plugins", 2, 20, 1),
    ("geofences", 1000, 1, 100),
    ("calculator_devices", 1000, 2, 100),
)
STORAGE_INCLUDED_GB, STORAGE_PRICE = 1, 1  # € 1 per GB beyond 1 GB
SMS_INCLUDED, SMS_PRICE, SMS_BLOCK = 10, 2, 10  # € 2 per 10 sms beyond 10
ENGINEERING = {"Start": (0, 150), "Pro": (0, 150), "Enterprise": (0, 150), "Ultimate": (8, 150)}
MB = {"MB": 1, "GB": 1000}

# SLA refunds: plan -> ((lowest uptime %, highest uptime %, share of the plan fee), ...).
REFUNDS = {
    "Enterprise": ((Decimal("99.01"), Decimal("99.89"), Decimal("0.30")),
                   (Decimal("0"), Decimal("99.0"), Decimal("0.70"))),
    "Ultimate": ((Decimal("0"), Decimal("99.89"), Decimal("0.70")),),
}


def euros(amount: int) -> Decimal:
    return Decimal(amount).quantize(CENT)


def ceil_div(a, b: int) -> int:
    """⌈a / b⌉ for a ≥ 0, an int or a Decimal, exactly."""
    whole, rest = divmod(a, b)
    return int(whole) + (rest > 0)


def count_sum(daily: dict, period: str):
    """The sum of the daily element counts of the month (int, or Decimal with daily averages)."""
    total = 0
    for day, value in daily.items():
        if day.startswith(period):
            total += value["count"] if type(value) is dict else value
    return total


def megabytes(value) -> Decimal | int:
    if type(value) is str:
        number, _, unit = value.partition(" ")
        return Decimal(number) * MB[unit or "MB"]
    return value


def storage_sum(daily: dict, period: str):
    total = 0
    for day, value in daily.items():
        if day.startswith(period):
            total += megabytes(value)
    return total


def number(value):
    """`14`, `Decimal("1.5")`, "1.5 hours" → the number (the unit is the meter's own)."""
    if type(value) is str:
        return Decimal(value.partition(" ")[0])
    return value


def usage_sum(data: dict, period: str):
    """The month's sum of usage events; a `daily` figure replaces that day's events."""
    days: dict[str, object] = {}
    for event in data.get("events", ()):
        day = event["on"][:10]
        days[day] = days.get(day, 0) + number(event["amount"])
    for day, value in data.get("daily", {}).items():
        days[day] = number(value)
    return sum(value for day, value in days.items() if day.startswith(period))


def refund(plan: str, uptime) -> Decimal | None:
    if uptime is None or plan not in REFUNDS:
        return None
    value = Decimal(uptime.rstrip("%")) if type(uptime) is str else Decimal(uptime)
    for low, high, share in REFUNDS[plan]:
        if low <= value <= high:
            return -(FEES[plan] * share).quantize(CENT, ROUND_HALF_UP)
    return None


def bill_month(account: dict, period: str) -> tuple:
    plan = account["plan"]
    usage = account.get("usage", {})
    lines = [("plan fee", euros(FEES[plan]))]
    if plan != "Free":
        days = calendar.monthrange(int(period[:4]), int(period[5:7]))[1]
        for item, included, price, block in COUNTED:
            data = usage.get(item)
            if data:
                count = ceil_div(count_sum(data["daily"], period), days)
                if count > included:
                    lines.append((item, euros(price * ceil_div(count - included, block))))
        data = usage.get("storage")
        if data:
            gigabytes = ceil_div(storage_sum(data["daily"], period), days * 1000)
            if gigabytes > STORAGE_INCLUDED_GB:
                lines.append(("storage", euros(STORAGE_PRICE * (gigabytes - STORAGE_INCLUDED_GB))))
        data = usage.get("sms")
        if data:
            sent = usage_sum(data, period)
            if sent > SMS_INCLUDED:
                lines.append(("sms", euros(SMS_PRICE * ceil_div(sent - SMS_INCLUDED, SMS_BLOCK))))
        data = usage.get("custom_engineering")
        if data:
            included, price = ENGINEERING[plan]
            hours = usage_sum(data, period)
            if hours > included:
                lines.append(("custom_engineering", euros(price * ceil_div(hours - included, 1))))
    back = refund(plan, account.get("uptime", {}).get(period))
    if back is not None:
        lines.append(("SLA refund", back))
    total = sum(amount for _, amount in lines)
    return plan, total, tuple(lines)


def bill(account: dict, periods: list[str]) -> list[tuple]:
    return [bill_month(account, period) for period in periods]
