"""Plan change requests: who may make them, what they require, when they take effect.

A request is decided by the catalog's most specific change rule for its pair of plans. Every
unmet condition is reported together, each with its own reason (the rule's own message for a
precondition). An allowed change takes effect immediately (the day of the change counts for the
new plan) or on the first day of the next period, and is charged as its rule says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction

import attrs

from planlang.engine.prepare import commitment_months
from planlang.engine.results import Decision, Reason, Step
from planlang.engine.state import State
from planlang.model import Catalog, ChangeRule
from planlang.money import format_money, format_number

_CHARGES = {
    "full": "the full monthly fee of the new plan is charged for this month",
    "prorated": "each plan's fee is prorated by its days in the month, the day of the change "
    "counting for the new plan",
    "difference": "the difference between the fees is charged, prorated for the days from the "
    "change to the month's end",
    "none": "the new plan is charged from its first period",
}


def level(run, item: str, moment: dt.datetime) -> Fraction:
    """An item's count at a moment (count meters) or its usage so far this period."""
    meter = run.catalog.meters[item]
    if meter.source != "count":
        return run.used.get(item, Fraction(0))
    series = run.prepared.series.get(item)
    return series.level_at(moment) if series is not None else Fraction(0)


@attrs.frozen
class ChangeDecided:
    """What a plan change request decides: its `decision`; for an allowed one, the change rule
    that allows it, whether it takes effect `now` (else on the first day of the next period,
    `effective`), and until when the account is committed afterwards."""

    decision: Decision
    rule: ChangeRule | None = None
    now: bool = False
    effective: dt.date | None = None
    commitment_until: dt.date | None = None


def decide_change(catalog: Catalog, state: State, event, period_end: dt.date,
                  level_of: Callable[[str, dt.datetime], Fraction]) -> ChangeDecided:
    """Decide the plan change `event` asks for, the account being in `state`, in a period
    ending on `period_end`; `level_of(item, moment)` is an item's level then (`level`). It
    changes nothing: the walk applies what it returns."""
    old, new, date = state.plan, event.change_plan, event.on.date()
    steps = [Step("from", old), Step("to", new), Step("requested by", event.by or "(not said)")]

    def refuse(reasons, rule=None) -> ChangeDecided:
        return ChangeDecided(Decision("plan-change", new, date, "refused", tuple(reasons), rule,
                                      steps=tuple(steps)))

    asked = catalog.plan(new)
    assert asked is not None
    if new == old:  # cite the plan asked for: no change rule is involved
        return refuse([Reason("already-on-plan", f"the account is already on `{new}`")],
                      asked.fee_rule)
    product, other = catalog.product_of(old), catalog.product_of(new)
    if product is not other:  # a change stays within its product
        assert product is not None and other is not None
        return refuse([Reason("other-product", f"`{new}` is a plan of product `{other.name}`; "
                              f"the account's `{old}` is of `{product.name}`: a change of plan "
                              "stays within its product")], other.rule)
    rule = catalog.change_rule(old, new)
    if rule is None:
        return refuse([Reason("no-change-rule", f"the catalog has no rule for a change from "
                              f"`{old}` to `{new}`")], asked.fee_rule)
    reasons = []
    if rule.roles and event.by not in rule.roles:
        who = " or ".join(f"`{r}`" for r in rule.roles)
        reasons.append(Reason("role-not-allowed", f"only {who} may change from `{old}` to "
                              f"`{new}`; `{event.by or 'an unnamed user'}` may not"))
    for requirement in rule.requirements:
        unit = catalog.meters[requirement.item].unit
        value = level_of(requirement.item, event.on)
        shown = f"{format_number(unit.from_base(value))} {unit.name}"
        need = f"{requirement.op} {format_number(unit.from_base(requirement.amount))}"
        steps.append(Step(f"{requirement.item}", f"{shown} (required: {need})"))
        if not requirement.holds(value):
            reasons.append(Reason("precondition-failed", f"{requirement.message} (the account "
                                  f"has {shown}; required: {need})"))
    if rule.deposit is not None:
        paid = event.deposit.value if event.deposit is not None else None
        steps.append(Step("deposit", f"{format_money(rule.deposit, catalog.currency)} required"))
        if paid is None or paid < rule.deposit:
            reasons.append(Reason("deposit-required", f"a refundable deposit of "
                                  f"{format_money(rule.deposit, catalog.currency)} is required"
                                  + ("" if paid is None else f"; {paid} was paid")))
    target = catalog.plan(new)
    assert target is not None
    if target.commitment_months:
        months = commitment_months(event.commitment) if event.commitment is not None else None
        steps.append(Step("commitment", f"{target.commitment_months} months or more required"))
        if months is None or months < target.commitment_months:
            reasons.append(Reason("commitment-required", f"`{new}` requires a commitment of "
                                  f"{target.commitment_months} months or more"
                                  + ("" if months is None else f"; {months} offered")))
    upgrade = catalog.ranks[new] > catalog.ranks[old]
    if state.commitment_until is not None and date < state.commitment_until and not upgrade:
        reasons.append(Reason("commitment-not-ended", f"the commitment to `{old}` runs until "
                              f"{state.commitment_until.isoformat()}; only a move to a higher "
                              "plan is allowed before then"))
    if reasons:
        return refuse(reasons, rule.rule)
    now = rule.effective == "now"
    effective = date if now else period_end
    when = "takes effect immediately" if now else f"takes effect on {effective.isoformat()}"
    months = target.commitment_months and commitment_months(event.commitment)
    until = state.commitment_until
    if months:
        until = _add_months(effective, months)
    elif not upgrade or until is None or effective >= until:
        until = None  # an upgrade during a commitment keeps it running
    text = f"{when}; {_CHARGES[rule.charge]}" + ("" if rule.refund else "; no refund")
    return ChangeDecided(Decision("plan-change", new, date, "allowed",
                                  (Reason("change-allowed", text),), rule.rule,
                                  steps=tuple(steps), effective=effective),
                         rule, now, effective, until)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
