"""Coupons of a plan catalog: redeemed on an account's timeline, taken off its bills.

One definition of each step, used by the interpreter's walk (`timeline.PeriodRun`) and the
compiled walk (`compiled._Runner.walk`) alike: `redeem` decides a redemption, `discount_lines`
makes a month's discount lines from its other lines.

The order is the catalog's: when several coupons apply to one bill, they are taken in the order
their lines are written, each on what the coupons before it left of its target and of the bill.
A discount never takes a line, or the bill, below zero: what a coupon cannot take is lost (an
amount off is not carried to the next bill).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import attrs

from planlang.engine.results import ChargeLine, Decision, Reason, Step
from planlang.model import Catalog, Coupon, CouponTarget, CouponTerm
from planlang.money import format_money, format_number, fraction_to_decimal, round_money

_NONE = Fraction(0)


@attrs.define
class Redeemed:
    """A coupon an account redeemed: on `day`, from the month numbered `month` (year × 12 +
    month − 1) on; `bills`: the bills it has discounted (a `once` coupon discounts one)."""

    coupon: str
    day: dt.date
    month: int
    bills: int = 0


def redeem(catalog: Catalog, redeemed: list[Redeemed], name: str, day: dt.date) -> Decision:
    """A redemption of coupon `name` on `day`: redeemed (added to `redeemed`), or refused when
    the account has redeemed it before."""
    coupon = catalog.coupons[name]
    if any(held.coupon == name for held in redeemed):
        return Decision("coupon", name, day, "refused", (Reason(
            "already-redeemed", f"coupon `{name}` was redeemed before: a coupon is redeemed "
            "once"),), coupon.rule)
    redeemed.append(Redeemed(name, day, day.year * 12 + day.month - 1))
    return Decision("coupon", name, day, "redeemed", (Reason(
        "coupon-redeemed", f"{describe(coupon, catalog.currency)}, from this month's bill"),),
        coupon.rule)


def describe(coupon: Coupon, currency: str) -> str:
    """`20% off the plan fee for 3 months`, as the catalog says it."""
    term = {CouponTerm.ONCE: "once", CouponTerm.FOREVER: "forever",
            CouponTerm.MONTHS: f"for {coupon.months} month{'s' if coupon.months != 1 else ''}"}
    return f"{off_what(coupon, currency)} {term[coupon.term]}"


def off_what(coupon: Coupon, currency: str) -> str:
    """`20% off the plan fee`, `$200.00 off the bill`: a discount line's unit."""
    if coupon.percent is not None:
        amount = f"{format_number(coupon.percent * 100)}%"
    else:
        assert coupon.amount is not None
        amount = format_money(coupon.amount, currency)
    target = {CouponTarget.INVOICE: "the bill", CouponTarget.PLAN_FEE: "the plan fee",
              CouponTarget.ITEMS: ", ".join(coupon.items)}[coupon.target]
    return f"{amount} off {target}"


def running(coupon: Coupon, held: Redeemed, month: int) -> bool:
    """Whether a redeemed coupon discounts the bill of month `month`."""
    if month < held.month:
        return False
    if coupon.term == CouponTerm.ONCE:
        return held.bills == 0
    if coupon.term == CouponTerm.MONTHS:
        assert coupon.months is not None
        return month < held.month + coupon.months
    return True


def _targets(coupon: Coupon, line) -> bool:
    if coupon.target == CouponTarget.PLAN_FEE:
        return line.kind == "fee"
    if coupon.target == CouponTarget.ITEMS:
        return line.kind in ("extra", "tier") and line.item in coupon.items
    return True


def discount_lines(catalog: Catalog, redeemed: list[Redeemed], month: int, period: str,
                   plan: str, lines) -> list[ChargeLine]:
    """The discounts of a billed month (its `lines`, any with `kind`, `item` and `amount`) by the
    coupons `redeemed` that run in it, in the catalog's order; each coupon that runs counts the
    bill as one it discounted. A percentage is of what is left of its target, rounded once; no
    line of the target and not the bill goes below zero."""
    if not redeemed:
        return []
    held = {h.coupon: h for h in redeemed}
    currency = catalog.currency
    left = [Fraction(line.amount) for line in lines]  # what each line still bills
    bill = sum(left, Fraction(0))  # what the whole bill still bills
    out = []
    for name, coupon in catalog.coupons.items():
        redemption = held.get(name)
        if redemption is None or not running(coupon, redemption, month):
            continue
        redemption.bills += 1
        targets = [i for i, line in enumerate(lines) if _targets(coupon, line) and left[i] > 0]
        base = sum((left[i] for i in targets), Fraction(0))
        if coupon.percent is not None:
            off = Fraction(round_money(coupon.percent * base, currency))
            figure = (f"{format_number(coupon.percent * 100)}% of "
                      f"{_money(base, currency)} = {_money(off, currency)}")
        else:
            assert coupon.amount is not None
            off = Fraction(coupon.amount)
            figure = _money(off, currency)
        taken: Fraction = min(off, base, max(bill, _NONE))
        if taken <= 0:
            continue
        if taken < off:
            figure += f", at most the {_money(min(base, max(bill, _NONE)), currency)} billed"
        rest = taken
        for i in targets:
            part: Fraction = min(left[i], rest)
            left[i] -= part
            rest -= part
        bill -= taken
        amount = round_money(-taken, currency)
        steps = (Step("coupon", f"{name}, redeemed {redemption.day.isoformat()}: "
                      f"{describe(coupon, currency)}"),
                 Step("discount", f"{figure}: {format_money(amount, currency)}"))
        out.append(ChargeLine("discount", f"coupon {name}", plan, period, Decimal(1),
                              off_what(coupon, currency), amount, amount, coupon.rule, steps))
    return out


def _money(value: Fraction, currency: str) -> str:
    return format_money(fraction_to_decimal(value), currency)


__all__ = ["Redeemed", "redeem", "describe", "off_what", "running", "discount_lines"]
