"""What evaluation returns: charge lines, decisions and the bill, as frozen attrs classes.

Every line and decision names the plan rule (file, line) that produced it and carries its
computation steps, so `planlang bill --explain` and the JSON output can show why. `to_data`
unstructures a bill through the project's one converter into JSON-ready data (amounts as text).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from planlang.model import RuleRef
from planlang.money import exact


@attrs.frozen
class Step:
    """One step of a computation: a label and the value it produced, as shown to a reader."""

    label: str
    value: str


@attrs.frozen
class ChargeLine:
    kind: str  # "fee", "add-on", "extra", "refund", "record" or "discount"
    item: str  # the plan fee, an item (`channels`), or the SLA refund
    plan: str
    period: str  # YYYY-MM
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    rule: RuleRef
    steps: tuple[Step, ...] = ()
    date: str | None = None  # a daily record's YYYYMMDD (YYYYMM for a monthly discount)
    subject: str | None = None  # the subscriber (IMSI) or gateway (VPG id) it bills


@attrs.frozen
class Reason:
    code: str
    message: str


@attrs.frozen
class Decision:
    kind: str  # create, plan-change, tier-change, add-on, notification, quota-refusal, dunning,
    #            status, not-billed, usage-over-limit, sla-refund
    subject: str
    date: dt.date
    outcome: str  # allowed, refused, sent, exceeded, refunded, …
    reasons: tuple[Reason, ...]
    rule: RuleRef | None
    lowest_plan: str | None = None
    steps: tuple[Step, ...] = ()
    effective: dt.date | None = None  # when an allowed change takes effect


@attrs.frozen
class Bill:
    account: str
    plan: str
    period: str
    currency: str
    lines: tuple[ChargeLine, ...]
    total: Decimal
    decisions: tuple[Decision, ...]
    notes: tuple[str, ...] = ()
    next_plan: str | None = None  # the plan the account is on when the next period starts
    messages: tuple[Decision, ...] = ()  # billing messages: invoice issued, automatic charge


@exact
def to_data(bill: Bill) -> dict:
    from planlang.serde import converter

    data = converter.unstructure(bill)
    for line in data["lines"] + data["decisions"] + data["messages"]:
        rule = line.pop("rule")
        line["rule"] = f"{rule['file']}:{rule['line']}" if rule else None
    return data
