"""The billing calendar and non-payment: invoice, automatic charge, due date, reminder, downgrade.

For the invoice of period M, the steps fall on the catalog's days of month M+1. An account whose
automatic charge works (the default) pays on the charge day; one without (`automatic_charge:
false`) pays with `pay` events. Unpaid on the downgrade day, the account moves to the named plan
(its fee prorated by days, with that plan's limits) until it pays, when its plan is restored.
"""

from __future__ import annotations

import datetime as dt

from planlang.engine.calendar import Period, day_start
from planlang.engine.results import Decision, Reason
from planlang.money import format_money


def _previous(period: Period) -> str:
    year, month = (period.year, period.month - 1) if period.month > 1 else (period.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def dunning_events(run):
    calendar = run.catalog.calendar
    if calendar is None:
        return []
    invoice = run.state.invoices.get(_previous(run.period))
    if invoice is None or invoice.paid:  # nothing owed (a zero or negative total is settled)
        return []
    automatic = run.prepared.account.automatic_charge
    rules = calendar.rules
    at = lambda day: day_start(dt.date(run.period.year, run.period.month, day))  # noqa: E731
    money = format_money(invoice.total, run.catalog.currency)
    steps = []

    def decide(outcome, code, message, rule, moment):
        run.decisions.append(Decision("dunning", invoice.period, moment.date(), outcome,
                                      (Reason(code, message),), rule))

    def notice(outcome, code, message, rule, moment):
        run.messages.append(Decision("billing-message", invoice.period, moment.date(), outcome,
                                     (Reason(code, message),), rule))

    if calendar.invoice_day is not None:
        day = calendar.invoice_day
        steps.append((at(day), lambda day=day: notice(
            "invoiced", "invoice-issued", issued(invoice.period, money), rules["invoice"],
            at(day))))
    if calendar.charge_day is not None and automatic:
        # "We will indicate the success or failure of automatic charge with an additional
        # billing message."
        def charge(day=calendar.charge_day):
            invoice.paid = True
            notice("charged", "automatic-charge-succeeded", charged(invoice.period, money),
                   rules["charge"], at(day))
        steps.append((at(calendar.charge_day), charge))
    if calendar.due_day is not None:
        day = calendar.due_day
        steps.append((at(day), lambda day=day: invoice.paid or decide(
            "unpaid", "invoice-due", f"the {invoice.period} invoice of {money} is due today and "
            "unpaid", rules["due"], at(day))))
    if calendar.reminder_day is not None:
        day = calendar.reminder_day
        then = (f"; unpaid on day {calendar.downgrade_day} the account moves to "
                f"`{calendar.downgrade_plan}`" if calendar.downgrade_day else "")
        steps.append((at(day), lambda day=day: invoice.paid or decide(
            "reminded", "payment-reminder", f"reminder: the {invoice.period} invoice of {money} "
            f"is unpaid{then}", rules["reminder"], at(day))))
    if calendar.downgrade_day is not None and calendar.downgrade_plan is not None:
        day = calendar.downgrade_day

        def downgrade(day=day):
            moment = at(day)
            if invoice.paid or run.state.plan == calendar.downgrade_plan:
                return
            run.state.restore_plan = run.state.plan
            run.switch_plan(calendar.downgrade_plan, moment, "prorated", rules["downgrade"])
            decide("downgraded", "unpaid-downgrade", f"the {invoice.period} invoice of {money} is "
                   f"unpaid: the account moves to `{calendar.downgrade_plan}` and its limits "
                   "until it pays", rules["downgrade"], moment)
        steps.append((at(day), downgrade))
    return steps


def issued(period: str, money: str) -> str:
    """The billing message of an invoice issued."""
    return f"the {period} invoice of {money} is issued"


def charged(period: str, money: str) -> str:
    """The billing message of an invoice paid by automatic charge."""
    return f"the {period} invoice of {money} is paid by automatic charge"


def settled_by_charge(calendar) -> bool:
    """Whether an automatic charge that works settles an invoice before any step of the
    calendar that an unpaid invoice takes (due, reminder, downgrade): then an invoice gives its
    billing messages and nothing else."""
    if calendar.charge_day is None:
        return False
    later = (calendar.due_day, calendar.reminder_day, calendar.downgrade_day)
    return all(day is None or calendar.charge_day <= day for day in later)


def pay(run, event) -> None:
    invoice = run.state.invoices.get(event.pay)
    date = event.on.date()
    calendar = run.catalog.calendar
    rule = None
    if calendar is not None:
        rule = calendar.rules.get("restore") or calendar.rules.get("due") or next(
            iter(calendar.rules.values()), None)
    if invoice is None or invoice.paid:
        why = "no invoice" if invoice is None else "the invoice is already paid"
        run.decisions.append(Decision("dunning", event.pay, date, "ignored", (Reason(
            "nothing-to-pay", f"payment for {event.pay} ignored: {why}"),), rule))
        return
    invoice.paid = True
    run.decisions.append(Decision("dunning", event.pay, date, "paid", (Reason(
        "invoice-paid", f"the {event.pay} invoice is paid"),), rule))
    restore = run.state.restore_plan
    if restore is not None and calendar is not None and calendar.restore:
        run.state.restore_plan = None
        run.switch_plan(restore, event.on, "prorated", calendar.rules["restore"])
        run.decisions.append(Decision("dunning", event.pay, date, "restored", (Reason(
            "plan-restored", f"payment received: `{restore}` and its limits are restored at "
            "once"),), calendar.rules["restore"], effective=date))
