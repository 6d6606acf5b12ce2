"""Reference biller for Soracom Flux (shared/seeds/000, PRODUCT.md "soracom-flux").

Walks the account's months in order from the first one asked for. Within a month the events are
taken in time order (a day's figure, `daily`, replaces that day's events with one at 00:00); at
the same instant: timeline events (plan changes, caps), then usage (events, credits,
notifications), then create requests; each kind keeps the order of the file.

- Usage is decided event by event: events and credits are allowed up to the customer's cap (no cap:
  all of it), notifications up to the plan's monthly limit; the rest of an event is refused. The
  month's usage starts again from zero on the 1st. A new cap applies to the month's usage so far.
- Apps and timers are counted at an instant from the intervals covering it, disabled ones left
  out. A request to create some is allowed when the count plus the request stays within the plan's
  ceiling (apps: at most 3, 100, 1,000; timers: none on Developer, any number on Standard and
  Enterprise), else refused with the lowest plan, in catalog order, whose ceiling admits it.
- Plan changes, only by root: Developer to Standard at once, the Standard fee charged in full
  besides the Developer fee; Standard to Developer from the 1st of next month, refused while the
  account has more than 3 apps or any timer; no other change has a rule.
- The bill: the fee of the plan the month started on (`plan fee`), Standard's when subscribed
  during the month, and for events and credits the allowed usage beyond the bundle of the plan the
  month ends on × the unit price, each line rounded once.
- Decisions are compared as (kind, subject, day, outcome, reason codes, effective day, detail),
  the detail being the amount refused (usage) or the lowest plan that allows a request (create).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from .common import fmt, instant, money, month_bounds, next_period, usage_events

# PRODUCT.md (assumed): fee, apps at most, events and credits included, notifications at most.
PLANS = {"Developer": (0, 3, 10_000, 1_000, 100),
         "Standard": (50, 100, 100_000, 10_000, 10_000),
         "Enterprise": (500, 1_000, 1_000_000, 100_000, 100_000)}
ORDER = list(PLANS)
PRICES = {"events": Fraction("0.0004"), "credits": Fraction("0.002")}  # each, beyond the bundle
CAPPED = ["events", "credits"]
USAGE = ["events", "credits", "notifications"]
TIMERS = {"Developer": 0, "Standard": None, "Enterprise": None}  # None: any number; Developer: none
ROLE = "root"
CANCEL_APPS = 3  # "you can have no more than three apps"


def count_at(account: dict, item: str, at) -> int:
    total = 0
    for interval in ((account.get("usage") or {}).get(item) or {}).get("intervals") or ():
        begin = instant(interval["from"])
        end = instant(interval["to"]) if interval.get("to") is not None else None
        if begin <= at and (end is None or at < end):
            total += int(interval["count"]) - int(interval.get("disabled") or 0)
    return total


def _ceiling(plan: str, item: str) -> int | None:
    return PLANS[plan][1] if item == "apps" else TIMERS[plan]


def _month_events(account: dict, period: str) -> list[tuple]:
    start, end, _ = month_bounds(period)
    events = [(instant(e["on"]), 0, i, "timeline", e)
              for i, e in enumerate(account.get("timeline") or ())]
    for item in USAGE:
        usage = usage_events((account.get("usage") or {}).get(item) or {})
        events += [(at, 1, i, item, {"amount": amount}) for i, (at, amount) in enumerate(usage)]
    events += [(instant(r["on"]), 2, i, "request", r)
               for i, r in enumerate(account.get("requests") or ())]
    return sorted((e for e in events if start <= e[0] < end), key=lambda e: e[:3])


def bill_periods(account: dict, periods: list[str]) -> list[dict]:
    """Bills for consecutive `periods`, walking from the first."""
    plan = account["plan"]
    caps = {item: Fraction(Decimal(str(value))) for item, value in (account.get("caps") or {}).items()}
    scheduled: str | None = None
    bills = []
    period = periods[0]
    for expected in periods:
        assert period == expected, "the reference walks consecutive months"
        if scheduled is not None:
            plan, scheduled = scheduled, None
        lines: list[tuple[str, Fraction]] = [("plan fee", Fraction(PLANS[plan][0]))]
        decisions: list[tuple] = []
        used = {item: Fraction(0) for item in USAGE}
        for at, _, _, kind, event in _month_events(account, period):
            day = at.date()
            if kind == "timeline" and "cap" in event:
                caps.update({item: Fraction(Decimal(str(value)))
                             for item, value in event["cap"].items()})
            elif kind == "timeline":
                to = event["change_plan"]
                if to == plan:
                    decisions.append(("plan-change", to, day, "refused", "already-on-plan", None,
                                      None))
                    continue
                if (plan, to) not in (("Developer", "Standard"), ("Standard", "Developer")):
                    decisions.append(("plan-change", to, day, "refused", "no-change-rule", None,
                                      None))
                    continue
                reasons = [] if event.get("by") == ROLE else ["role-not-allowed"]
                if to == "Developer":
                    if count_at(account, "apps", at) > CANCEL_APPS:
                        reasons.append("precondition-failed")
                    if count_at(account, "timers", at) > 0:
                        reasons.append("precondition-failed")
                if reasons:
                    decisions.append(("plan-change", to, day, "refused", "+".join(reasons), None,
                                      None))
                elif to == "Standard":  # immediately, full monthly fee
                    lines.append(("plan fee", Fraction(PLANS[to][0])))
                    plan = to
                    decisions.append(("plan-change", to, day, "allowed", "change-allowed", day,
                                      None))
                else:  # next month, no refund
                    scheduled = to
                    decisions.append(("plan-change", to, day, "allowed", "change-allowed",
                                      month_bounds(period)[1].date(), None))
            elif kind == "request":
                item, count = event["create"], int(event.get("count") or 1)
                wanted = count_at(account, item, at) + count
                ceiling = _ceiling(plan, item)
                if ceiling is None or wanted <= ceiling:
                    decisions.append(("create", item, day, "allowed", "within-limit", None, None))
                    continue
                lowest = next((name for name in ORDER if _ceiling(name, item) is None
                               or wanted <= _ceiling(name, item)), None)
                reason = "limit-reached" if item == "apps" else "not-available"
                decisions.append(("create", item, day, "refused", reason, None, lowest))
            else:
                amount = Fraction(Decimal(str(event["amount"])))
                if kind == "notifications":
                    limit, reason = Fraction(PLANS[plan][4]), "quota-exceeded"
                else:
                    limit, reason = caps.get(kind), "cap-reached"
                allowed = amount if limit is None else min(amount, max(limit - used[kind], 0))
                used[kind] += allowed
                if allowed < amount:
                    decisions.append(("quota-refusal", kind, day, "refused", reason, None,
                                      amount - allowed))
        for item, included in (("events", PLANS[plan][2]), ("credits", PLANS[plan][3])):
            if used[item] > included:
                lines.append((item, (used[item] - included) * PRICES[item]))
        rounded = [(item, money(amount)) for item, amount in lines]
        total = sum((amount for _, amount in rounded), Decimal("0.00"))
        bills.append({"period": period, "plan": plan, "next_plan": scheduled or plan,
                      "total": fmt(total), "lines": [(item, fmt(a)) for item, a in rounded],
                      "decisions": decisions})
        period = next_period(period)
    return bills
