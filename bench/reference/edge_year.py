"""A hand-written edge-device biller for the tenants bench/edge_year.py generates, month by month.

The rules, from catalogs/edge-device.plan (fees in USD, limits in GB of data a month):

- two ladders of three tiers, lowest first: Cellular Small/Medium/Large ($30/$55/$90, 10/25/40 GB)
  and Satellite Small/Medium/Large ($60/$200/$350, 1/5/10 GB);
- a month at whose end the tenant is suspended is not billed (no lines, total 0) and not
  evaluated: the tier stays, nothing is decided, and the month is left out of the look-back;
- a billed month has a `plan fee` line for its tier, and an `add-on subscription` line for the
  Small subscriptions the last evaluation added (decided before a suspension, they show on the
  first bill after it, as a tier step does);
- at the end of a billed month the month's data (the sum of its daily figures) decides the next
  month's tier: one tier up when strictly above the tier's limit; otherwise one tier down when
  this month and the previous evaluated month are both strictly below the limit of the tier
  below (the look-back spans tier changes); and when the next tier is the top one and the month is
  above the top limit, the next month adds one Small per started Small limit above it.

It reads exactly the forms the generator writes: data as `daily` figures (`"15.3 GB"` or a number
of GB), a `status` at the start and `status` events on the timeline dated in UTC (`2026-04-01` or
`2026-04-14T09:30:00Z`: as text they sort and compare as the instants they name), and consecutive
periods.
"""

from __future__ import annotations

from decimal import Decimal

ZERO = Decimal("0.00")
GB = {"GB": 1}

# ladder: ((tier, limit in GB, fee), ...), lowest first
LADDERS = {
    "Cellular": (("Cellular-Small", 10, Decimal("30.00")),
                 ("Cellular-Medium", 25, Decimal("55.00")),
                 ("Cellular-Large", 40, Decimal("90.00"))),
    "Satellite": (("Satellite-Small", 1, Decimal("60.00")),
                  ("Satellite-Medium", 5, Decimal("200.00")),
                  ("Satellite-Large", 10, Decimal("350.00"))),
}
TIER_OF = {name: (tiers, index) for tiers in LADDERS.values()
           for index, (name, _, _) in enumerate(tiers)}


def gigabytes(value):
    if type(value) is str:
        number, _, unit = value.partition(" ")
        return Decimal(number) * GB[unit or "GB"]
    return value


def monthly_data(account: dict) -> dict[str, Decimal | int]:
    """The sum of the daily figures of each month, by `YYYY-MM`."""
    months: dict[str, Decimal | int] = {}
    for day, value in account.get("usage", {}).get("data", {}).get("daily", {}).items():
        month = day[:7]
        months[month] = months.get(month, 0) + gigabytes(value)
    return months


def next_month_start(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + 1}-01-01" if month == 12 else f"{year}-{month + 1:02d}-01"


ENDS: dict[str, str] = {}  # period -> the day after it, as text


def statuses(account: dict, periods: list[str]) -> list[str]:
    """The status at the end of each period (status events in time order, list order at a tie)."""
    status = account.get("status", "active")
    timeline = account.get("timeline")
    if not timeline:
        return [status] * len(periods)
    events = sorted((event["on"], index, event["status"])
                    for index, event in enumerate(timeline) if "status" in event)
    k = 0
    out = []
    for period in periods:
        end = ENDS.get(period) or ENDS.setdefault(period, next_month_start(period))
        while k < len(events) and events[k][0] < end:
            status = events[k][2]
            k += 1
        out.append(status)
    return out


def bill(account: dict, periods: list[str]) -> list[tuple]:
    tiers, tier = TIER_OF[account["plan"]]
    top = len(tiers) - 1
    top_limit = tiers[top][1]
    small_limit, small_fee = tiers[0][1], tiers[0][2]
    data = monthly_data(account)
    history = []  # the data of the evaluated months
    add_ons = 0  # Small subscriptions added to the next billed month
    out = []
    for period, status in zip(periods, statuses(account, periods), strict=True):
        name, limit, fee = tiers[tier]
        if status == "suspended":
            out.append((name, ZERO, ()))
            continue
        lines = [("plan fee", fee)]
        total = fee
        if add_ons:
            lines.append(("add-on subscription", add_ons * small_fee))
            total += add_ons * small_fee
        figure = data.get(period, 0)
        history.append(figure)
        new = tier
        if figure > limit:
            new = min(tier + 1, top)
        elif tier > 0 and len(history) >= 2:
            lower = tiers[tier - 1][1]
            if history[-1] < lower and history[-2] < lower:
                new = tier - 1
        add_ons = 0
        if new == top and figure > top_limit:
            whole, rest = divmod(figure - top_limit, small_limit)
            add_ons = int(whole) + (rest > 0)
        out.append((tiers[new][0], total, tuple(lines)))
        tier = new
    return out
