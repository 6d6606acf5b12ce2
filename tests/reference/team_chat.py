"""Reference biller for the team-chat product of catalogs/team-chat.plan (Slack's per-active-member
prices and Fair Billing Policy, a promotion coupon), written from its price sheet alone, sharing
no code with planlang.

Each month, on the account's one plan:

- Free costs nothing; Pro costs $8.75 and Business+ $15 per active member: each day bills the most
  members active at any moment of it, and the fee is the price × the sum of the days' counts /
  the days of the month, rounded once (a member who stops being active is billed only for the
  days they were active);
- file storage: the average over the month's days of each day's figure (days without one count
  as 0), rounded up to a whole GB; beyond Pro's 100 GB or Business+'s 1,000 GB, $0.10 a GB
  (Free's 5 GB cannot be extended: nothing is charged beyond it);
- the coupon PRO50, once redeemed (a second redemption changes nothing), takes 50% off the plan
  fee, rounded half away from zero, on the bills of the month it was redeemed in and the two after.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from .common import day_of, instant, money, month_bounds, most_present_by_day

PRICES = {"Free": None, "Pro": Decimal("8.75"), "Business-Plus": Decimal(15)}
STORAGE = {"Free": None, "Pro": 100, "Business-Plus": 1_000}  # GB included, then $0.10 a GB


def bill_periods(data: dict, periods: list[str]) -> list[dict]:
    plan = data["plan"]
    usage = data.get("usage", {})
    redeemed = sorted(instant(event["on"]) for event in data.get("timeline", ())
                      if event.get("redeem") == "PRO50")
    first = None
    if redeemed:
        first = redeemed[0].year * 12 + redeemed[0].month - 1
    out = []
    for period in periods:
        start, _, days = month_bounds(period)
        price = PRICES[plan]
        fee = money(0) if price is None else money(
            Fraction(price) * sum(most_present_by_day(usage.get("active_members"), start, days))
            / days)
        lines = [("plan fee", fee)]
        stored = [Fraction(Decimal(str(value).split()[0])) for day, value in
                  (usage.get("file_storage", {}).get("daily") or {}).items()
                  if day_of(day).strftime("%Y-%m") == period]
        average = sum(stored, Fraction(0)) / days
        gigabytes = -((-average.numerator) // average.denominator)
        if STORAGE[plan] is not None and gigabytes > STORAGE[plan]:
            lines.append(("file_storage", money(Fraction(Decimal("0.10"))
                                                * (gigabytes - STORAGE[plan]))))
        month = start.year * 12 + start.month - 1
        if first is not None and first <= month < first + 3 and fee > 0:
            lines.append(("coupon PRO50", -money(Fraction(fee) / 2)))
        total = sum((amount for _, amount in lines), Decimal("0.00"))
        out.append({"period": period, "lines": sorted((item, str(a)) for item, a in lines),
                    "total": str(total), "plan": plan, "next_plan": plan})
    return out
