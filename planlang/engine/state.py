"""The month walk's state: what an account carries from one period to the next, typed.

`State` is carried by the walk (`engine/timeline.py`) from period to period; the rules decide
from it and return what they decide (`engine/rules.py`, `engine/ladder.py`), and the walk applies
their decisions to it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

import attrs

from planlang.model import RuleRef


class ChangeKind(StrEnum):
    """What scheduled a change of plan: a requested plan change or a ladder's tier change."""

    PLAN_CHANGE = "plan-change"
    TIER_CHANGE = "tier-change"


class FeeCharge(StrEnum):
    """How a stretch of the period on one plan is charged: `start` for the plan the period began
    on, else as the change rule that put the account on it says (`model.Charge`)."""

    START = "start"
    FULL = "full"
    PRORATED = "prorated"
    DIFFERENCE = "difference"
    NONE = "none"


class CalendarStep(StrEnum):
    """A step of the billing calendar for an invoice unpaid at a period's start
    (`dunning.calendar_steps`): issued, charged automatically, due, reminded, downgraded."""

    INVOICE = "invoice"
    CHARGE = "charge"
    DUE = "due"
    REMINDER = "reminder"
    DOWNGRADE = "downgrade"


@attrs.define
class Invoice:
    period: str
    total: Decimal
    paid: bool = False


@attrs.define
class Scheduled:
    effective: dt.date
    plan: str
    rule: RuleRef | None
    kind: ChangeKind = attrs.field(converter=ChangeKind)


@attrs.define
class State:
    """What an account carries from one period to the next."""

    plan: str
    status: str
    caps: dict[str, Fraction]
    policy: str | None
    scheduled: list[Scheduled] = attrs.Factory(list)
    addons: tuple[str, int, RuleRef | None] | None = None  # add-on plan, count, rule
    history: list[Fraction] = attrs.Factory(list)  # ladder usage of the evaluated periods
    commitment_until: dt.date | None = None
    invoices: dict[str, Invoice] = attrs.Factory(dict)
    restore_plan: str | None = None  # the plan to give back when a downgraded account pays
    coupons: list = attrs.Factory(list)  # the coupons redeemed (`coupons.Redeemed`)
    add_ons: dict[str, int] = attrs.Factory(dict)  # the add-ons held now, by name: quantity


@attrs.frozen
class Segment:
    """A stretch of the period on one plan, from `day` (1-based) to the next segment."""

    day: int
    plan: str
    charge: FeeCharge = attrs.field(converter=FeeCharge)
    rule: RuleRef | None
    refund: bool = True  # False: the plan left at this change keeps its full fee (`no refund`)
    # True: the change says `usage billed for the whole month`: this plan bills the usage of
    # every day of the period before it too (`timeline.usage_plans`)
    whole_month: bool = False
