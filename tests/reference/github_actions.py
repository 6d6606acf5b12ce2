"""Reference biller for GitHub for organizations with Actions (catalogs/github-actions.plan, from
GitHub's pricing page and its Actions billing documentation), written from the page's rules
alone, sharing no code with planlang.

For each month asked for, on the account's one plan:

- a fee per member on Team ($4) and Enterprise ($21), none on Free: each day of the month bills the
  most members the organization had on any day of the month so far (a member present at any
  moment of a day counts for the day; a seat removed stays paid to the month's end); the fee is
  the price × the sum of those daily counts / the days of the month, rounded once;
- minutes: Linux, Windows and macOS minutes draw on the plan's included minutes (Free 2,000, Team
  3,000, Enterprise 50,000) at 1, 2 and 10 minutes a minute, day by day in date order, a day's
  Linux minutes first, then Windows, then macOS; minutes beyond the allowance are billed at
  $0.008 (Linux), $0.016 (Windows) and $0.08 (macOS) a minute, one line per operating system;
- storage: the average over the month's days of each day's storage (days without a figure count
  as 0), rounded to the nearest MB (half up); beyond the plan's 500 MB, 2 GB or 50 GB (1 GB = 1,000
  MB), $0.00025 a MB.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from .common import day_of, money, month_bounds, most_present_by_day

PLANS = {  # fee per member, included minutes, included storage (MB)
    "Free": (None, 2_000, 500),
    "Team": (Decimal(4), 3_000, 2_000),
    "Enterprise": (Decimal(21), 50_000, 50_000),
}
SYSTEMS = (("linux_minutes", 1, Decimal("0.008")), ("windows_minutes", 2, Decimal("0.016")),
           ("macos_minutes", 10, Decimal("0.08")))
MB = {"MB": Fraction(1), "GB": Fraction(1000)}
MB_PRICE = Decimal("0.00025")


def daily(data: dict | None, period: str) -> dict[int, Fraction]:
    """A usage meter's day figures of the month by day number: `daily` figures, or events."""
    out: dict[int, Fraction] = {}
    if not data:
        return out
    given = {day_of(day): Fraction(Decimal(str(value))) for day, value in
             (data.get("daily") or {}).items()}
    for event in data.get("events") or ():
        on = day_of(event["on"])
        if on not in given and on.strftime("%Y-%m") == period:
            out[on.day] = out.get(on.day, Fraction(0)) + Fraction(Decimal(str(event["amount"])))
    for on, value in given.items():
        if on.strftime("%Y-%m") == period:
            out[on.day] = value
    return out


def storage_mb(text) -> Fraction:
    number, _, unit = str(text).partition(" ")
    return Fraction(Decimal(number)) * MB[unit or "MB"]


def bill_periods(data: dict, periods: list[str]) -> list[dict]:
    fee, included_minutes, included_mb = PLANS[data["plan"]]
    usage = data.get("usage", {})
    out = []
    for period in periods:
        start, _, days = month_bounds(period)
        lines = []
        if fee is not None:
            counts = most_present_by_day(usage.get("members"), start, days)
            highest, billed = 0, 0
            for count in counts:
                highest = max(highest, count)
                billed += highest
            lines.append(("plan fee", money(Fraction(fee) * billed / days)))
        else:
            lines.append(("plan fee", money(0)))
        left = Fraction(included_minutes)
        beyond = {name: Fraction(0) for name, _, _ in SYSTEMS}
        figures = {name: daily(usage.get(name), period) for name, _, _ in SYSTEMS}
        for number in range(1, days + 1):
            for name, rate, _ in SYSTEMS:
                need = figures[name].get(number, Fraction(0)) * rate
                if need <= left:
                    left -= need
                else:
                    beyond[name] += (need - left) / rate
                    left = Fraction(0)
        for name, _, price in SYSTEMS:
            if beyond[name] > 0:  # a started minute counts whole
                minutes = -((-beyond[name].numerator) // beyond[name].denominator)
                lines.append((name, money(Fraction(price) * minutes)))
        stored = {day_of(day): storage_mb(value) for day, value in
                  (usage.get("storage", {}).get("daily") or {}).items()}
        average = sum((value for on, value in stored.items() if on.strftime("%Y-%m") == period),
                      Fraction(0)) / days
        whole = average.numerator // average.denominator
        rounded = whole + 1 if average - whole >= Fraction(1, 2) else whole
        if rounded > included_mb:
            lines.append(("storage", money(Fraction(MB_PRICE) * (rounded - included_mb))))
        total = sum((amount for _, amount in lines), Decimal("0.00"))
        out.append({"period": period, "lines": sorted((item, str(amount)) for item, amount in lines),
                    "total": str(total), "plan": data["plan"], "next_plan": data["plan"]})
    return out
