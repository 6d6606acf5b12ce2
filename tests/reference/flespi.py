"""Reference biller for flespi (shared/seeds/003, PRODUCT.md "flespi"), one month at a time.

The month's bill of an account on one plan for the whole month:

- the plan fee (a `plan fee` line, also for Free at € 0);
- on a commercial plan, for each extendable item whose month's figure exceeds what the fee
  includes, one line: the excess in started blocks × the block's price;
- on Enterprise (SLA Advanced) and Ultimate (SLA Premium), a refund of a share of the plan fee
  when the month's uptime falls in a band;
- the total is the sum of the lines, each rounded once to the cent.

Element counts (channels, streams, devices, plugins, geofences, devices assigned to calculators)
include disabled elements; each UTC day's figure is the time-weighted average of the number of
elements, the month's is the mean of the daily figures over every day of the month (a day without
data counts as zero), rounded up to a whole element. Storage: each day's figure is the mean of the
day's snapshots (or the day's given average), the month's the mean over every day, rounded up to a
whole GB (1 GB = 1,000 MB). SMS and custom engineering: the month's sum.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from .common import ceil, day_of, fmt, instant, money, month_bounds, quantity

# ---- the price tables (seed 003) ---------------------------------------------------------------

FEES = {"Free": 0, "Start": 130, "Pro": 400, "Enterprise": 900, "Ultimate": 3000}
PLANS = list(FEES)
COMMERCIAL = ["Start", "Pro", "Enterprise", "Ultimate"]

COUNTED = ["channels", "streams", "devices", "plugins", "geofences", "calculator_devices"]

# item: (included, price, block) on the commercial plans; storage in MB.
EXTRAS = {
    "channels": (3, 40, 1),                 # extra channel € 40
    "streams": (3, 20, 1),                  # extra stream € 20
    "devices": (1000, 2, 100),              # extra 100 devices € 2
    "plugins": (2, 20, 1),                  # extra plugin € 20
    "geofences": (1000, 1, 100),            # extra 100 geofences € 1
    "calculator_devices": (1000, 2, 100),   # extra 100 devices assigned to calculators € 2
    "storage": (1000, 1, 1000),             # ∞ (1 GB included), extra 1 GB € 1
    "sms": (10, 2, 10),                     # extra 10 SMS € 2
}
# "1 hour of custom engineering € 150"; SLA Premium "includes up to 8 hours per month".
CUSTOM_ENGINEERING = {"Start": (0, 150, 1), "Pro": (0, 150, 1), "Enterprise": (0, 150, 1),
                      "Ultimate": (8, 150, 1)}

# SLA "Uptime responsibility": (lowest uptime, highest uptime, share of the plan fee), inclusive.
SLA_BANDS = {
    "Enterprise": [(Fraction("99.01"), Fraction("99.89"), Fraction(30, 100)),   # Advanced
                   (Fraction(0), Fraction("99.0"), Fraction(70, 100))],
    "Ultimate": [(Fraction(0), Fraction("99.89"), Fraction(70, 100))],          # Premium
}

STORAGE_UNITS = {"MB": Fraction(1), "GB": Fraction(1000)}
HOURS = {"hour": Fraction(1), "hours": Fraction(1)}
COUNT_UNITS = {name: Fraction(1) for name in ("", "each", "sms", *COUNTED, "channel", "stream",
                                                "device", "plugin", "geofence")}
DAY = 86400


def _days(period: str) -> list[dt.date]:
    start, _, days = month_bounds(period)
    return [start.date() + dt.timedelta(days=n) for n in range(days)]


def _seconds(span: dt.timedelta) -> Fraction:
    return span.days * DAY + span.seconds + Fraction(span.microseconds, 10**6)


def count_figure(data: dict, period: str) -> Fraction:
    """The month's average of the time-weighted daily element counts, disabled ones included."""
    daily_given = {day_of(day): value for day, value in (data.get("daily") or {}).items()}
    intervals = []
    for interval in data.get("intervals") or ():
        begin = instant(interval["from"])
        end = instant(interval["to"]) if interval.get("to") is not None else None
        intervals.append((begin, end, int(interval["count"])))
    total = Fraction(0)
    days = _days(period)
    for day in days:
        if day in daily_given:
            total += quantity(daily_given[day], COUNT_UNITS, "")
            continue
        day_start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        day_end = day_start + dt.timedelta(days=1)
        element_seconds = Fraction(0)
        for begin, end, count in intervals:
            lo = max(begin, day_start)
            hi = day_end if end is None else min(end, day_end)
            if hi > lo:
                element_seconds += count * _seconds(hi - lo)
        total += Fraction(element_seconds, DAY)
    return total / len(days)


def storage_figure(data: dict, period: str) -> Fraction:
    """The month's average storage in MB: the mean of the daily means of the snapshots."""
    daily_given = {day_of(day): value for day, value in (data.get("daily") or {}).items()}
    by_day: dict[dt.date, list[Fraction]] = {}
    for at, value in (data.get("snapshots") or {}).items():
        by_day.setdefault(day_of(at), []).append(quantity(value, STORAGE_UNITS, "MB"))
    days = _days(period)
    total = Fraction(0)
    for day in days:
        if day in daily_given:
            total += quantity(daily_given[day], STORAGE_UNITS, "MB")
        elif by_day.get(day):
            total += sum(by_day[day], Fraction(0)) / len(by_day[day])
    return total / len(days)


def usage_figure(data: dict, period: str, units: dict[str, Fraction], default: str) -> Fraction:
    """The month's sum of the usage; a day given under `daily` replaces that day's events."""
    days = set(_days(period))
    daily_given = {day_of(day): value for day, value in (data.get("daily") or {}).items()}
    per_day: dict[dt.date, Fraction] = {}
    for event in data.get("events") or ():
        day = day_of(event["on"])
        per_day[day] = per_day.get(day, Fraction(0)) + quantity(event["amount"], units, default)
    for day, value in daily_given.items():
        per_day[day] = quantity(value, units, default)
    return sum((value for day, value in per_day.items() if day in days), Fraction(0))


def _extra(figure: Fraction, included: int, price: int, block: int) -> Fraction | None:
    """price × started blocks of the excess over the included amount; None when not exceeded."""
    if figure <= included:
        return None
    return price * ceil((figure - included) / block)


def bill(account: dict, period: str) -> dict:
    plan = account["plan"]
    usage = account.get("usage") or {}
    fee = FEES[plan]
    lines: list[tuple[str, Decimal]] = [("plan fee", money(fee))]
    if plan in COMMERCIAL:
        for item in COUNTED:
            if item in usage:
                figure = Fraction(ceil(count_figure(usage[item], period)))
                amount = _extra(figure, *EXTRAS[item])
                if amount is not None:
                    lines.append((item, money(amount)))
        if "storage" in usage:
            gigabytes = ceil(storage_figure(usage["storage"], period) / 1000)
            amount = _extra(Fraction(gigabytes * 1000), *EXTRAS["storage"])
            if amount is not None:
                lines.append(("storage", money(amount)))
        if "sms" in usage:
            amount = _extra(usage_figure(usage["sms"], period, COUNT_UNITS, ""), *EXTRAS["sms"])
            if amount is not None:
                lines.append(("sms", money(amount)))
        if "custom_engineering" in usage:
            figure = usage_figure(usage["custom_engineering"], period, HOURS, "hour")
            amount = _extra(figure, *CUSTOM_ENGINEERING[plan])
            if amount is not None:
                lines.append(("custom_engineering", money(amount)))
    uptime = (account.get("uptime") or {}).get(period)
    if uptime is not None and plan in SLA_BANDS:
        value = Fraction(Decimal(str(uptime).strip().rstrip("%").strip()))
        for low, high, share in SLA_BANDS[plan]:
            if low <= value <= high:
                lines.append(("SLA refund", money(-share * fee)))
                break
    total = sum((amount for _, amount in lines), Decimal("0.00"))
    return {"period": period, "plan": plan, "next_plan": plan, "total": fmt(total),
            "lines": [(item, fmt(amount)) for item, amount in lines]}


def bill_periods(account: dict, periods: list[str]) -> list[dict]:
    return [bill(account, period) for period in periods]
