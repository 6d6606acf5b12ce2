"""Reference biller for managed edge devices (shared/seeds/004, PRODUCT.md "edge-device").

Walks the account's months in order from the first one asked for:

- a month at whose end the tenant is suspended is not billed (no lines, total 0.00) and not
  evaluated: no tier step, no add-on, and it stays out of the look-back;
- a billed month has a `plan fee` line for the tier, and an `add-on subscription` line when the
  last evaluation added Small subscriptions (an add-on covers one billed month: decided before a
  suspension, it shows on the first bill after reactivation, as the tier step does);
- at the end of a billed month the ladder is evaluated on the month's data (monthly sum, GB):
  one tier up when strictly above the tier's limit; otherwise one tier down when the last two
  evaluated months (this one included) are both strictly below the limit of the tier below;
  when the figure is above the top tier's limit and the account will be on the top tier next
  month, next month adds one Small per started Small limit above the top limit.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from .common import ceil, day_of, fmt, instant, money, month_bounds, next_period, quantity

# PRODUCT.md (assumed): limits in GB and fees in USD per month, lowest tier first.
LADDERS = {
    "Cellular": [("Cellular-Small", 10, 30), ("Cellular-Medium", 25, 55),
                 ("Cellular-Large", 40, 90)],
    "Satellite": [("Satellite-Small", 1, 60), ("Satellite-Medium", 5, 200),
                  ("Satellite-Large", 10, 350)],
}
LOOK_BACK = 2  # "evaluates monthly data usage for the current month and the previous month"
GB_UNITS = {"GB": Fraction(1), "byte": Fraction(1, 10**9), "bytes": Fraction(1, 10**9)}


def _ladder_of(plan: str) -> tuple[list, int]:
    for tiers in LADDERS.values():
        for index, (name, _, _) in enumerate(tiers):
            if name == plan:
                return tiers, index
    raise KeyError(plan)


def _data_gb(data: dict, period: str) -> Fraction:
    start, end, _ = month_bounds(period)
    per_day = {}
    for event in data.get("events") or ():
        day = day_of(event["on"])
        per_day[day] = per_day.get(day, Fraction(0)) + quantity(event["amount"], GB_UNITS, "GB")
    for day, value in (data.get("daily") or {}).items():
        per_day[day_of(day)] = quantity(value, GB_UNITS, "GB")
    return sum((value for day, value in per_day.items() if start.date() <= day < end.date()),
               Fraction(0))


def _status_at_end(account: dict, period: str) -> str:
    _, end, _ = month_bounds(period)
    status = account.get("status") or "active"
    # Events in time order; at the same instant, the order of the list.
    events = sorted(((instant(event["on"]), index, event["status"])
                     for index, event in enumerate(account.get("timeline") or ())
                     if event.get("status") is not None))
    for at, _, value in events:
        if at < end:
            status = value
    return status


def bill_periods(account: dict, periods: list[str]) -> list[dict]:
    """Bills for consecutive `periods`, walking from the first."""
    tiers, tier = _ladder_of(account["plan"])
    small_fee = tiers[0][2]
    small_limit = tiers[0][1]
    top = len(tiers) - 1
    top_limit = tiers[top][1]
    data = (account.get("usage") or {}).get("data") or {}
    history: list[Fraction] = []  # figures of the evaluated months
    add_ons = 0  # Small subscriptions added to this month by the last evaluation
    bills = []
    period = periods[0]
    for expected in periods:
        assert period == expected, "the reference walks consecutive months"
        name, _, fee = tiers[tier]
        if _status_at_end(account, period) == "suspended":
            bills.append({"period": period, "plan": name, "next_plan": name, "total": "0.00",
                          "lines": [], "billed": False})
            # Seed: "automatic subscription plan adjustments do not take effect until the
            # tenant is reactivated": the tier and the add-ons decided before the suspension
            # show on the first bill after it.
            period = next_period(period)
            continue
        lines: list[tuple[str, Decimal]] = [("plan fee", money(fee))]
        if add_ons:
            lines.append(("add-on subscription", money(add_ons * small_fee)))
        figure = _data_gb(data, period)
        history.append(figure)
        new_tier = tier
        if figure > tiers[tier][1]:
            new_tier = min(tier + 1, top)
        elif tier > 0 and len(history) >= LOOK_BACK and all(
                value < tiers[tier - 1][1] for value in history[-LOOK_BACK:]):
            new_tier = tier - 1
        add_ons = 0
        if new_tier == top and figure > top_limit:
            add_ons = ceil((figure - top_limit) / small_limit)
        total = sum((amount for _, amount in lines), Decimal("0.00"))
        bills.append({"period": period, "plan": name, "next_plan": tiers[new_tier][0],
                      "total": fmt(total), "lines": [(item, fmt(a)) for item, a in lines],
                      "billed": True})
        tier = new_tier
        period = next_period(period)
    return bills
