"""Add-ons bought beside a plan, in a quantity: the decisions on adding, changing and removing
them, what the account holds day by day, their lines and what they include.

One definition for every walk: the interpreter's (`engine/timeline.py`) and the compiled path's
(`engine/compiled.py`, `_Runner.walk`) both decide with `decide` and `ended`, and bill with
`day_quantities`, `add_on_lines` and `included`. A quantity is held from the day of its change
(that day counts for the new quantity, as a change of plan's day counts for the new plan); an
add-on's fee is a fee per unit of its quantity prorated by day, as a plan's fee per seat is
(`charges.per_unit_fee`, `rules.prorated_fee`).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from planlang.engine import rules
from planlang.engine.calendar import Period
from planlang.engine.charges import in_unit, per_unit_fee
from planlang.engine.results import ChargeLine, Decision, Reason, Step
from planlang.model import AddOn, Catalog
from planlang.money import format_number


def _plans(add_on: AddOn) -> str:
    return ", ".join(f"`{plan}`" for plan in add_on.plans) or "no plan"


def _held(add_on: AddOn, quantity: int) -> str:
    """`3 packs`, `1 pack`."""
    return f"{quantity:,} {add_on.unit}{'s' * (quantity != 1)}"


def decide(catalog: Catalog, held: dict[str, int], plan: str, name: str, quantity: int,
           day: dt.date) -> Decision:
    """An add-on added, its quantity changed or removed (`quantity` 0) on `day`, the account being
    on `plan` and holding `held`: refused when the plan does not offer the add-on (a removal is
    always allowed), else allowed, and applied to `held`."""
    add_on = catalog.add_ons[name]
    before = held.get(name, 0)
    rule = add_on.available_rule or add_on.rule
    if quantity and plan not in add_on.plans:
        return Decision("add-on", name, day, "refused", (Reason(
            "add-on-not-available", f"add-on `{name}` is not available on plan `{plan}`; it is "
            f"available on {_plans(add_on)}"),), rule)
    if quantity == before:
        text = (f"the account already holds add-on `{name}`" if quantity
                else f"the account does not hold add-on `{name}`")
        return Decision("add-on", name, day, "allowed", (Reason("add-on-unchanged", text),),
                        add_on.rule, effective=day)
    if not before:
        code, text = "add-on-added", ("added" + (f": {_held(add_on, quantity)}" if add_on.unit
                                                 else "") + f" from {day.isoformat()}")
    elif not quantity:
        code, text = "add-on-removed", f"removed from {day.isoformat()}"
    else:
        code, text = "add-on-changed", (f"from {_held(add_on, before)} to "
                                        f"{_held(add_on, quantity)} from {day.isoformat()}")
    if quantity:
        held[name] = quantity
    else:
        held.pop(name, None)
    kept = quantity < before and not add_on.removals_refunded
    return Decision("add-on", name, day, "allowed", (Reason(code, text + (
        "; what is removed is billed to the month's end (no refund on removal)" if kept
        else "; prorated by day")),), add_on.removal_rule if kept else add_on.rule,
        effective=day)


def ended(catalog: Catalog, held: dict[str, int], plan: str, day: dt.date) -> list[Decision]:
    """The add-ons `held` that `plan` does not offer, ended on `day` (the account having moved to
    `plan`), each with its decision; removed from `held`."""
    out = []
    for name in [name for name in held if plan not in catalog.add_ons[name].plans]:
        add_on = catalog.add_ons[name]
        del held[name]
        out.append(Decision("add-on", name, day, "ended", (Reason(
            "add-on-not-available", f"plan `{plan}` does not offer add-on `{name}` (available "
            f"on {_plans(add_on)}): it ends on {day.isoformat()}"),),
            add_on.available_rule or add_on.rule, effective=day))
    return out


def day_quantities(start: dict[str, int], changes: list[tuple[int, str, int]],
                   days: int) -> dict[str, list[int]]:
    """Each add-on's quantity on each day of a period of `days` days, from those held at its
    start and its `changes` (day, add-on, quantity from that day on), in the order made; only
    add-ons held on some day."""
    out = {name: [quantity] * days for name, quantity in start.items()}
    for day, name, quantity in changes:
        figures = out.setdefault(name, [0] * days)
        figures[day - 1:] = [quantity] * (days - day + 1)
    return {name: figures for name, figures in out.items() if any(figures)}


def billed(add_on: AddOn, figures: list[int]) -> list[int]:
    """The quantity an add-on bills each day from what is held each day: as a plan's seats,
    `rules.seat_quantities` (with `no refund on removal`, the most held so far)."""
    return rules.seat_quantities(figures, None, add_on.removals_refunded)


def add_on_lines(catalog: Catalog, period: Period, plan: str,
                 quantities: dict[str, list[int]]) -> list[ChargeLine]:
    """A period's add-on lines, in the catalog's order: each add-on's fee × its quantity-days
    billed / the period's days, rounded once (`charges.per_unit_fee`), on the bill of `plan`."""
    lines = []
    for name, add_on in catalog.add_ons.items():
        figures = quantities.get(name)
        if not figures:
            continue
        figures = billed(add_on, figures)
        label = add_on.unit or "add-on"
        quantity, unit, unit_price, amount, steps = per_unit_fee(
            add_on.fee, label, label + "s" if add_on.unit else "held", figures, True,
            period.days, catalog.currency)
        lines.append(ChargeLine("add-on", name, plan, str(period), quantity, unit, unit_price,
                                amount, add_on.rule, (Step("add-on", name), *steps)))
    return lines


def included(catalog: Catalog, quantities: dict[str, list[int]], days: int, item: str,
             on: tuple[int, ...] | None = None) -> tuple[Fraction, Step | None]:
    """What the add-ons held add to a plan's included amount of `item` in a period of `days`
    days (base units): each one's amount per unit × its quantity-days / `days`, and the step
    that says so (None when none adds any). With `on` (1-based days), a plan billing those days
    of a month split between plans (`timeline.usage_plans`): the quantity-days of those days,
    over the period's days for a monthly sum (the plan's share of the allowance), over those
    days for a level (an average or a maximum of those days, charged for them by
    `charges.held_share`)."""
    total, parts = Fraction(0), []
    unit = catalog.meters[item].unit
    if on is not None and catalog.meters[item].monthly != "sum":
        days = len(on)
    for name, add_on in catalog.add_ons.items():
        amount = add_on.includes.get(item)
        figures = quantities.get(name)
        if amount is None or not figures:
            continue
        figures = billed(add_on, figures)
        if on is not None:
            figures = [figures[day - 1] for day in on]
        held = sum(figures)
        if not held:
            continue
        total += amount * held / days
        each = in_unit(unit, amount)
        if len(set(figures)) == 1 and len(figures) == days:
            parts.append(f"{name} {format_number(figures[0])} × {each}")
        else:
            parts.append(f"{name} {each} × {format_number(held)} "
                         f"{add_on.unit or 'add-on'}-days / {days}")
    if not parts:
        return total, None
    return total, Step("add-ons include", f"{' + '.join(parts)} = {in_unit(unit, total)}")


__all__ = ["decide", "ended", "day_quantities", "add_on_lines", "included"]
