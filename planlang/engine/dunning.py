"""The billing calendar and non-payment: invoice, automatic charge, due date, reminder, downgrade.

For the invoice of period M, the steps fall on the catalog's days of month M+1. An account whose
automatic charge works (the default) pays on the charge day; one without (`automatic_charge:
false`) pays with `pay` events. Unpaid on the downgrade day, the account moves to the named plan
(its fee prorated by days, with that plan's limits) until it pays, when its plan is restored.
"""

from __future__ import annotations

import datetime as dt
import functools

from planlang.engine.calendar import Period, day_start
from planlang.engine.results import Decision, Reason
from planlang.engine.state import CalendarStep
from planlang.money import format_money


def _previous(period: Period) -> str:
    year, month = (period.year, period.month - 1) if period.month > 1 else (period.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def dunning_events(run):
    """The calendar's steps this period for the invoice of the period before, unpaid at its
    start, as (instant, action) for the walk (`calendar_steps`, `step_happens`,
    `step_decision`)."""
    calendar = run.catalog.calendar
    if calendar is None:
        return []
    invoice = run.state.invoices.get(_previous(run.period))
    if invoice is None or invoice.paid:  # nothing owed (a zero or negative total is settled)
        return []
    at = lambda day: day_start(dt.date(run.period.year, run.period.month, day))  # noqa: E731
    money = format_money(invoice.total, run.catalog.currency)

    def take(step: CalendarStep, day: int) -> None:
        moment = at(day)
        if not step_happens(calendar, step, invoice.paid, run.state.plan):
            return
        if step is CalendarStep.CHARGE:
            invoice.paid = True
        decision = step_decision(calendar, step, invoice.period, money, moment.date())
        (run.messages if decision.kind == "billing-message" else run.decisions).append(decision)
        if step is CalendarStep.DOWNGRADE:  # (after its decision: the add-ons it ends)
            run.state.restore_plan = run.state.plan
            run.switch_plan(calendar.downgrade_plan, moment, "prorated",
                            calendar.rules["downgrade"])

    return [(at(day), functools.partial(take, step, day))
            for day, step in calendar_steps(calendar, run.prepared.account.automatic_charge)]


def calendar_steps(calendar, automatic: bool) -> list[tuple[int, CalendarStep]]:
    """The steps of the billing calendar that an invoice unpaid at a period's start may take
    that period, as (day of the month, step), in the order the walk takes them (by day; one
    day's in this order): issued (`invoice`), charged automatically (`charge`, unless paid by
    hand), due, reminded, downgraded. Both walks take them."""
    steps = []
    if calendar.invoice_day is not None:
        steps.append((calendar.invoice_day, CalendarStep.INVOICE))
    if calendar.charge_day is not None and automatic:
        steps.append((calendar.charge_day, CalendarStep.CHARGE))
    if calendar.due_day is not None:
        steps.append((calendar.due_day, CalendarStep.DUE))
    if calendar.reminder_day is not None:
        steps.append((calendar.reminder_day, CalendarStep.REMINDER))
    if calendar.downgrade_day is not None and calendar.downgrade_plan is not None:
        steps.append((calendar.downgrade_day, CalendarStep.DOWNGRADE))
    return steps


def step_happens(calendar, step: CalendarStep, paid: bool, plan: str) -> bool:
    """Whether a calendar step is taken for an invoice `paid` or not, the account on `plan`:
    the invoice is issued and charged whatever; it is due, reminded and downgraded only unpaid,
    and downgraded only from another plan. (A charge pays the invoice; a downgrade moves the
    account to the calendar's plan, prorated, until it pays.)"""
    if step is CalendarStep.INVOICE or step is CalendarStep.CHARGE:
        return True
    return not paid and (step is not CalendarStep.DOWNGRADE or plan != calendar.downgrade_plan)


def step_decision(calendar, step: CalendarStep, period: str, money: str,
                  date: dt.date) -> Decision:
    """What a calendar step taken on `date` says of the invoice of `period` (its total written
    `money`): a billing message (issued, charged automatically) or a dunning decision (due,
    reminded, downgraded)."""
    rules = calendar.rules
    if step is CalendarStep.INVOICE:
        return Decision("billing-message", period, date, "invoiced",
                        (Reason("invoice-issued", issued(period, money)),), rules["invoice"])
    if step is CalendarStep.CHARGE:
        # "We will indicate the success or failure of automatic charge with an additional
        # billing message."
        return Decision("billing-message", period, date, "charged",
                        (Reason("automatic-charge-succeeded", charged(period, money)),),
                        rules["charge"])
    if step is CalendarStep.DUE:
        return Decision("dunning", period, date, "unpaid", (Reason(
            "invoice-due", f"the {period} invoice of {money} is due today and unpaid"),),
            rules["due"])
    if step is CalendarStep.REMINDER:
        then = (f"; unpaid on day {calendar.downgrade_day} the account moves to "
                f"`{calendar.downgrade_plan}`" if calendar.downgrade_day else "")
        return Decision("dunning", period, date, "reminded", (Reason(
            "payment-reminder", f"reminder: the {period} invoice of {money} is unpaid{then}"),),
            rules["reminder"])
    assert step is CalendarStep.DOWNGRADE
    return Decision("dunning", period, date, "downgraded", (Reason(
        "unpaid-downgrade", f"the {period} invoice of {money} is unpaid: the account moves to "
        f"`{calendar.downgrade_plan}` and its limits until it pays"),), rules["downgrade"])


def issued(period: str, money: str) -> str:
    """The billing message of an invoice issued."""
    return f"the {period} invoice of {money} is issued"


def charged(period: str, money: str) -> str:
    """The billing message of an invoice paid by automatic charge."""
    return f"the {period} invoice of {money} is paid by automatic charge"


def pay(run, event) -> None:
    """A payment on the timeline (`pay: 2026-10`): `payment` decides, the walk applies."""
    invoice = run.state.invoices.get(event.pay)
    decisions, restore = payment(run.catalog.calendar, event.pay, event.on.date(),
                                 None if invoice is None else invoice.paid,
                                 run.state.restore_plan)
    if invoice is not None:
        invoice.paid = True
    run.decisions.extend(decisions)
    if restore is not None:  # (after its decisions: the add-ons it ends)
        run.state.restore_plan = None
        run.switch_plan(restore, event.on, "prorated", run.catalog.calendar.rules["restore"])


def payment(calendar, period: str, date: dt.date, paid: bool | None,
            restore: str | None) -> tuple[tuple[Decision, ...], str | None]:
    """A payment on `date` of the invoice of `period` (`paid`: whether it was paid already; None:
    there is no such invoice), the account downgraded from `restore` or not (None): the
    decisions, and the plan restored at once, or None. Both walks apply it."""
    rule = None
    if calendar is not None:
        rule = calendar.rules.get("restore") or calendar.rules.get("due") or next(
            iter(calendar.rules.values()), None)
    if paid is None or paid:
        why = "no invoice" if paid is None else "the invoice is already paid"
        return (Decision("dunning", period, date, "ignored", (Reason(
            "nothing-to-pay", f"payment for {period} ignored: {why}"),), rule),), None
    decisions = (Decision("dunning", period, date, "paid", (Reason(
        "invoice-paid", f"the {period} invoice is paid"),), rule),)
    if restore is None or calendar is None or not calendar.restore:
        return decisions, None
    return decisions + (Decision("dunning", period, date, "restored", (Reason(
        "plan-restored", f"payment received: `{restore}` and its limits are restored at "
        "once"),), calendar.rules["restore"], effective=date),), restore
