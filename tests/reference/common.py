"""Plain helpers of the reference biller: months, instants, exact amounts and money."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from fractions import Fraction

UTC = dt.timezone.utc
CENT = Decimal("0.01")


def month_bounds(period: str) -> tuple[dt.datetime, dt.datetime, int]:
    """The first instant of the month, the first instant of the next month, the number of days."""
    year, month = (int(part) for part in period.split("-"))
    days = calendar.monthrange(year, month)[1]
    start = dt.datetime(year, month, 1, tzinfo=UTC)
    end = start + dt.timedelta(days=days)
    return start, end, days


def next_period(period: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"


def instant(text) -> dt.datetime:
    """`2026-11-05` (00:00 UTC), `2026-11-05T14:30:00Z`, or with an offset (converted to UTC)."""
    if isinstance(text, dt.datetime):
        value = text
    elif isinstance(text, dt.date):
        value = dt.datetime(text.year, text.month, text.day)
    else:
        text = str(text).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def day_of(text) -> dt.date:
    return instant(text).date()


def quantity(value, units: dict[str, Fraction], default: str) -> Fraction:
    """An exact amount as written (`14`, `"3.9 GB"`, `"4000 MB"`), in the base unit of `units`."""
    if isinstance(value, dict):  # {count: 5, disabled: 1}
        value = value["count"]
    if isinstance(value, float):
        raise TypeError("the reference takes no floats")
    text = str(value).strip().replace(",", "")
    number, _, unit = text.partition(" ")
    unit = unit.strip() or default
    return Fraction(Decimal(number)) * units[unit]


def money(value: Fraction | Decimal | int) -> Decimal:
    """Round once, half up (halves away from zero), to the cent; exact, never through a float."""
    fraction = Fraction(value)
    sign = -1 if fraction < 0 else 1
    cents = abs(fraction) * 100
    whole = cents.numerator // cents.denominator
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return (Decimal(sign * whole) / 100).quantize(CENT)


def ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)


def fmt(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def usage_events(data: dict) -> list[tuple[dt.datetime, object]]:
    """A usage meter's data as (instant, amount) events, in the file's order: a day given under
    `daily` replaces that day's events with one event of the day's figure at 00:00 UTC."""
    daily = {day_of(day): value for day, value in (data.get("daily") or {}).items()}
    events = [(instant(e["on"]), e["amount"]) for e in data.get("events") or ()
              if day_of(e["on"]) not in daily]
    return events + [(instant(day), value) for day, value in daily.items()]


def most_present(data: dict | None, start: dt.datetime, end: dt.datetime) -> int:
    """The most elements present at any moment from `start` to `end` (excluded), by a count's
    `intervals` (each from its `from`, included, to its `to`, excluded)."""
    intervals = [(instant(i["from"]), instant(i["to"]) if "to" in i else None, int(i["count"]))
                 for i in (data or {}).get("intervals", ())]
    moments = {start} | {a for a, _, _ in intervals if start <= a < end}
    return max(sum(count for a, b, count in intervals if a <= m and (b is None or m < b))
               for m in moments)


def most_present_by_day(data: dict | None, start: dt.datetime, days: int) -> list[int]:
    """`most_present` on each of `days` days from `start`."""
    return [most_present(data, start + dt.timedelta(days=number),
                         start + dt.timedelta(days=number + 1)) for number in range(days)]
