"""Reference biller for the co-editing service (shared/seeds/001, PRODUCT.md "coediting").

Walks the account's months in order from the first one asked for. Within a month, the timeline's
events (plan changes, policies) and the session events are taken in time order (a day's figure,
`daily`, replaces that day's events with one at 00:00); at the same instant the timeline's events
come first, and each kind keeps the order of the account file.

- The quota (the tier's sessions a month) starts again from zero on the first of each month.
- A session event is allowed as far as it fits; with `auto_upgrade`, below the top tier, the
  moment the month's sessions reach the quota the account moves to the next tier (the admin is
  notified before and after) and the rest of the event counts on the new tier's quota; otherwise
  sessions are allowed up to 5% over the quota and the rest of the event is refused.
- The account holder is notified when the month's sessions reach 90% and 99% of the quota and the
  quota itself, each once per tier per month.
- Only the admin changes the tier: up immediately, down from the first of next month; asking for
  the tier the account is on is refused.
- The bill: the fee of the tier the month started on, and for each upgrade (manual or automatic)
  the new fee minus the old one × the days from the change to the month's end (the day of the
  change counting) / the days of the month, a `prorated difference` line, each rounded once.
- Decisions are compared as (kind, subject, day, outcome, reason, effective day, amount refused).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from .common import fmt, instant, money, month_bounds, next_period, usage_events

# PRODUCT.md (assumed): tiers in order, sessions a month and fee in USD a month.
TIERS = [("Tier-25k", 25_000, 49), ("Tier-50k", 50_000, 89), ("Tier-100k", 100_000, 159),
         ("Tier-200k", 200_000, 289), ("Tier-500k", 500_000, 649)]
PLANS = [name for name, _, _ in TIERS]
POLICIES = ["auto_upgrade", "manual_upgrade", "wait_for_reset"]
SLACK = Fraction(5, 100)  # assumed
# "A first email notification will be sent with 10% of quota remaining and a second notification
# will be sent when the quota is down to 1%. A final notification ... when the quota is
# completely exhausted": the share of the quota used at each.
THRESHOLDS = [(Fraction(90, 100), "quota-remaining"), (Fraction(99, 100), "quota-remaining"),
              (Fraction(1), "quota-exhausted")]


def _month_events(account: dict, period: str) -> list[tuple]:
    """The month's events in time order: (instant, 0 for the timeline or 1 for usage, index, event)."""
    start, end, _ = month_bounds(period)
    events = []
    for index, event in enumerate(account.get("timeline") or ()):
        events.append((instant(event["on"]), 0, index, event))
    sessions = usage_events((account.get("usage") or {}).get("sessions") or {})
    for index, (at, amount) in enumerate(sessions):
        events.append((at, 1, index, {"amount": amount}))
    return sorted((e for e in events if start <= e[0] < end), key=lambda e: e[:3])


class _Account:
    """The account as the walk carries it, and its month being billed."""

    def __init__(self, account: dict):
        self.tier = PLANS.index(account["plan"])
        self.policy = account.get("policy") or "wait_for_reset"
        self.scheduled: int | None = None  # a lower tier from the first of next month

    def begin(self, period: str) -> None:
        if self.scheduled is not None:
            self.tier, self.scheduled = self.scheduled, None
        self.days = month_bounds(period)[2]
        self.next_first = month_bounds(period)[1].date()
        self.lines: list[tuple[str, Fraction]] = [("plan fee", Fraction(TIERS[self.tier][2]))]
        self.upgraded_on: dict = {}  # day: (the tier before the day's first upgrade, line index)
        self.decisions: list[tuple] = []
        self.used = Fraction(0)
        self.fired: set[tuple[int, Fraction]] = set()

    def decide(self, kind: str, subject: str, day, outcome: str, reason: str, effective=None,
               refused=None) -> None:
        self.decisions.append((kind, subject, day, outcome, reason, effective, refused))

    def upgrade(self, to: int, day, reason: str) -> None:
        # Several changes on one day: the last one stands, as one difference from the tier the
        # account was on before the day's first change.
        days_left = self.days - day.day + 1
        before, index = self.upgraded_on.setdefault(day, (self.tier, len(self.lines)))
        difference = Fraction(TIERS[to][2] - TIERS[before][2]) * days_left / self.days
        self.lines[index:index + 1] = [("prorated difference", difference)]
        self.decide("plan-change", PLANS[to], day, "allowed", reason, day)
        self.tier = to

    def notify(self, day) -> None:
        quota = TIERS[self.tier][1]
        for share, reason in THRESHOLDS:
            if self.used >= share * quota and (self.tier, share) not in self.fired:
                self.fired.add((self.tier, share))
                self.decide("notification", "sessions", day, "sent", reason)

    def change(self, event: dict, day) -> None:
        to = PLANS.index(event["change_plan"])
        if to == self.tier:
            self.decide("plan-change", PLANS[to], day, "refused", "already-on-plan")
        elif event.get("by") != "admin":
            self.decide("plan-change", PLANS[to], day, "refused", "role-not-allowed")
        elif to > self.tier:  # a drop requested before for next month no longer stands: "once
            self.scheduled = None  # upgraded the subscription will remain at the higher tier"
            self.upgrade(to, day, "change-allowed")
        else:
            self.scheduled = to
            self.decide("plan-change", PLANS[to], day, "allowed", "change-allowed",
                        self.next_first)

    def sessions(self, amount: Fraction, day) -> None:
        if amount == 0:  # no sessions: nothing reaches a threshold or the quota
            return
        while True:
            quota = TIERS[self.tier][1]
            if self.policy == "auto_upgrade" and self.tier < len(TIERS) - 1:
                part = min(amount, max(quota - self.used, Fraction(0)))
                self.used += part
                amount -= part
                self.notify(day)
                if self.used < quota:
                    return
                self.decide("notification", "sessions", day, "sent", "upgrade-pending")
                self.upgrade(self.tier + 1, day, "auto-upgrade")
                self.decide("notification", "sessions", day, "sent", "upgrade-done")
                continue
            part = min(amount, max(quota * (1 + SLACK) - self.used, Fraction(0)))
            self.used += part
            self.notify(day)
            if amount > part:
                self.decide("quota-refusal", "sessions", day, "refused", "quota-exceeded",
                            refused=amount - part)
            return


def bill_periods(account: dict, periods: list[str]) -> list[dict]:
    """Bills for consecutive `periods`, walking from the first."""
    state = _Account(account)
    bills = []
    period = periods[0]
    for expected in periods:
        assert period == expected, "the reference walks consecutive months"
        state.begin(period)
        for at, kind, _, event in _month_events(account, period):
            if kind == 0 and "policy" in event:
                state.policy = event["policy"]
            elif kind == 0 and "change_plan" in event:
                state.change(event, at.date())
            elif kind == 1:
                state.sessions(Fraction(Decimal(str(event["amount"]))), at.date())
        rounded = [(item, money(amount)) for item, amount in state.lines]
        total = sum((amount for _, amount in rounded), Decimal("0.00"))
        next_tier = state.tier if state.scheduled is None else state.scheduled
        bills.append({"period": period, "plan": PLANS[state.tier], "next_plan": PLANS[next_tier],
                      "total": fmt(total), "lines": [(item, fmt(a)) for item, a in rounded],
                      "decisions": state.decisions})
        period = next_period(period)
    return bills
