"""The billing rules' arithmetic and decisions, each written once.

Every way of billing calls these functions: the interpreter (`charges.py`, `ladder.py`,
`timeline.py`) over exact `Fraction`s in base units, the compiled walk (`compiled.py`) over exact
`Decimal`s in each meter's unit, and the one-month code `generated.py` writes, which binds them as
constants of the generated module and calls them. They are small and pure: they take figures and
return what they decide (a number, a tuple, a `Move`), never write into a shared object, and say
nothing about wording (the reasons are `ladder.py`'s and `timeline.py`'s).

The figures are non-negative and of one kind per call (all `Fraction`s or all `Decimal`s; a
`Decimal` call runs in `money.EXACT`, as the compiled path does). Note that `Decimal`'s `//`
truncates toward zero where `Fraction`'s floors: `divmod`, then one more for a remainder, is a
ceiling for both on non-negative figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from planlang.money import round_money, total

# ---- metering ----------------------------------------------------------------------------------


def monthly(aggregation, total, highest, days: int):
    """A meter's figure for a period from its day figures: their `total`, the `highest` and the
    period's number of `days` (a day without a figure counts as 0): the average, the maximum or
    the sum, as the meter's monthly step (`Aggregation`, None: the sum) says. Exact for
    Fractions; the compiled path calls `metered`, which never divides inexactly."""
    if aggregation == "average":
        return total / days
    if aggregation == "maximum":
        return highest
    return total


def rounded(value, direction, step):
    """`value` rounded up, down or to the nearest (`Direction`; half a step goes up) whole number
    of `step`s; None: as it is."""
    if direction is None:
        return value
    whole, rest = divmod(value, step)
    if direction == "nearest":
        return (whole + 1 if rest + rest >= step else whole) * step
    return (whole + 1 if rest and direction == "up" else whole) * step


def metered(aggregation, total, highest, days: int, direction, step):
    """The figure a meter bills for a period: its monthly step (`monthly`), then its rounding
    (`rounded`). An average that is rounded is rounded straight from the total (`total` over
    `days` × `step`), so exact Decimals stay exact where the average itself would not be."""
    if aggregation == "average" and direction is not None:
        return rounded(total, direction, step * days) / days
    return rounded(monthly(aggregation, total, highest, days), direction, step)


# ---- rating ----------------------------------------------------------------------------------


def started_blocks(amount, block):
    """How many `block`s cover `amount`: a started block counts whole (`amount` ≥ 0, `block` > 0).
    An `int` for Fractions, an integral `Decimal` for Decimals."""
    blocks, rest = divmod(amount, block)
    return blocks + 1 if rest else blocks


def line_amount(unit_price, quantity, currency: str) -> Decimal:
    """A charge line's amount: unit price × quantity, rounded once to the currency's minor unit
    (`money.round_money`: half up)."""
    return round_money(unit_price * quantity, currency)


def tiered(measured, bands, volume: bool, currency: str) -> tuple:
    """The charges of a tiered price for a period's figure `measured`: (band index, quantity,
    amount, flat) for each charge, lowest band first, a band's flat fee (quantity 1, `flat`
    True) before its price per block. `bands` are (end, price, block, fee), lowest first,
    counted from 0 (end None: no end; price per block, 0 for none; fee: the band's flat fee, or
    None). Graduated (`volume` False): each band a unit falls in charges its fee and the units
    in it (above the band before's end, up to its own) at its price in started blocks; units
    above the last band's end charge nothing (they are over the plan's maximum). Volume (and
    stairstep): the band `measured` reaches (the first ending at or above it; the last, beyond
    them all) charges its fee and every unit at its price. Nothing for 0, nor for a free band."""
    if measured <= 0:
        return ()
    charged: tuple = ()
    low: Any = 0  # where the band begins (graduated); None once a band has held `measured`
    last = len(bands) - 1
    for index, (end, price, block, fee) in enumerate(bands):
        if low is None:  # `measured` ended in a band below: nothing more
            pass
        elif end is None or index == last or measured <= end:  # it ends in this band
            units = measured if volume or end is None or measured < end else end
            charged += band_charges(index, units - (0 if volume else low), price, block, fee,
                                    currency)
            low = None
        elif not volume:  # graduated: every unit of the band, and on to the next
            charged += band_charges(index, end - low, price, block, fee, currency)
            low = end
    return charged


def band_charges(index: int, units, price, block, fee, currency: str) -> tuple:
    """The charges of the band `index` of a tiered price (`tiered`): its flat `fee` (None:
    none), then its `price` per started `block` of the `units` it charges (a free band: none)."""
    charged: tuple = ()
    if fee is not None:
        charged += ((index, 1, line_amount(fee, 1, currency), True),)
    if price:
        blocks = started_blocks(units, block)
        charged += ((index, blocks, line_amount(price, blocks, currency), False),)
    return charged


def extra(measured, included, block, price, currency: str):
    """The extra charge for usage beyond what is included: (started blocks, amount), or None
    when nothing is beyond it. `price` is per block."""
    if measured <= included:
        return None
    blocks = started_blocks(measured - included, block)
    return blocks, line_amount(price, blocks, currency)


def payment_bounds(payments, rate, fee, least, most) -> tuple:
    """Each payment's fee (`rate` × its amount + `fee`) within `least` and `most` (None: no
    bound): (payments raised, by how much in all, payments lowered, by how much in all), exact."""
    raised = lowered = 0
    up = down = rate * 0
    for amount in payments:
        charged = rate * amount + fee
        if least is not None and charged < least:
            raised += 1
            up += least - charged
        elif most is not None and charged > most:
            lowered += 1
            down += charged - most
    return raised, up, lowered, down


def over_ceiling(measured, ceiling) -> bool:
    """Whether usage is above the most a plan allows of the item (None: unbounded)."""
    return ceiling is not None and measured > ceiling


def tier_limit(terms) -> Fraction:
    """A tier's limit on its ladder's item (`ItemTerms`): its limit, else what it includes."""
    return terms.limit if terms.limit is not None else terms.included


def bill_total(lines, currency: str) -> Decimal:
    """A bill's total: the sum of its lines' amounts, each already rounded (`money.total`). The
    lines are `ChargeLine`s or the compiled path's `Line`s (both have `amount`)."""
    return total((line.amount for line in lines), currency)


# ---- proration and refunds -------------------------------------------------------------------


def prorated_fee(fee, span: int, days: int, currency: str) -> Decimal:
    """A fee for `span` of the period's `days`, rounded once (the whole fee when span == days)."""
    return round_money(Fraction(fee) * span / days, currency)


def seat_quantities(days: Sequence[Any], minimum, refunded: bool) -> list:
    """The seats a per-seat fee bills on each day of a period, from the seats' figure of each
    day in order (`days`): the day's figure, never below `minimum` (None: no minimum); when
    removals are not refunded, a seat once there is billed to the period's end, so a day bills
    the highest figure of the period so far. A stretch of the period bills the sum of its days'
    quantities (seat-days) × the fee / the period's days (`prorated_fee`)."""
    out = []
    highest = 0
    for quantity in days:
        if not refunded:
            if quantity > highest:
                highest = quantity
            quantity = highest
        out.append(quantity if minimum is None or quantity >= minimum else minimum)
    return out


def pool_draw(days: Sequence[Sequence[Any]], rates: Sequence[Any], included) -> list:
    """A shared allowance (`pool`) drawn day by day: `days` holds each member's figure of each
    day of the period (the members in the pool's order), `rates` what one unit of each member
    draws, `included` the allowance. Each day's figures draw in the pool's order until the
    allowance is used up; what is beyond it counts for its member, in the member's units.
    Returns each member's figure beyond the pool."""
    left = included
    over = [0 * included] * len(rates)
    for day in zip(*days, strict=True):
        for index, figure in enumerate(day):
            if not figure:
                continue
            need = figure * rates[index]
            if need <= left:
                left -= need
            else:
                over[index] += (need - left) / rates[index]
                left = 0 * left
    return over


def sla_refund(refunds: Sequence[Any], uptime, fee, currency: str):
    """The SLA refund for a period's `uptime`: (the `Refund` whose band holds it, the exact
    refund, the amount rounded), or None when no band holds it. Refunds are negative."""
    for refund in refunds:
        if refund.band.contains(uptime):
            exact = -refund.percent * Fraction(fee)
            return refund, exact, round_money(exact, currency)
    return None


# ---- quotas ------------------------------------------------------------------------------------


def quota_ceiling(quota, slack, cap):
    """The most a period may use of an item decided event by event: its `quota` with its
    `slack` (a share over it), or the customer's `cap` when that is lower; None: unbounded."""
    ceiling = None if quota is None else quota * (1 + slack)
    if cap is not None and (ceiling is None or cap < ceiling):
        ceiling = cap
    return ceiling


def quota_take(used, amount, ceiling):
    """What a use of `amount` is allowed, `used` being allowed already this period; the rest is
    refused."""
    return amount if ceiling is None else min(amount, max(used * 0, ceiling - used))


def notice_threshold(quota, remaining):
    """The use at which a quota's notification is due: when `remaining` (a share of the quota)
    is left, or the whole quota (None: when it is exhausted)."""
    return quota if remaining is None else quota * (1 - remaining)


# ---- ladders ---------------------------------------------------------------------------------


class Up(NamedTuple):
    """A tier's move up: to `plan`, by `rule`."""

    plan: str
    rule: Any


class Down(NamedTuple):
    """A tier's move down: to `plan`, whose limit is `limit`, after `periods` evaluated periods
    below it, by `rule`."""

    plan: str
    limit: Any
    periods: int
    rule: Any


class Overflow(NamedTuple):
    """Add-on subscriptions above a ladder's top tier: one `plan` per started `block` above the
    `top` limit of the `top_plan` tier, by `rule`."""

    top_plan: str
    top: Any
    block: Any
    plan: str
    rule: Any


class Rung(NamedTuple):
    """What a ladder's tier (the plan it is keyed by in `rungs`) can do at a period's end."""

    limit: Any
    up: Up | None
    down: Down | None
    overflow: Overflow | None


class Move(NamedTuple):
    """A tier change decided at a period's end: `kind` "tier-up" or "tier-down", to `plan`, by
    `rule`; `figures` are what the reason states: (usage, limit) up, (lower limit, the
    look-back window) down."""

    kind: str
    plan: str
    rule: Any
    figures: tuple


def rungs(catalog, ladder, scale: Callable[[Fraction], Any] = Fraction) -> dict[str, Rung]:
    """Every tier of `ladder` with its moves, the figures in base units or as `scale` gives them
    (the compiled path: exact Decimals in the meter's unit)."""
    names = ladder.tiers
    limits = [scale(tier_limit(catalog.plan(name).items[ladder.item])) for name in names]
    overflow = None
    if ladder.overflow_plan and ladder.overflow_block:
        overflow = Overflow(names[-1], limits[-1], scale(ladder.overflow_block),
                            ladder.overflow_plan, ladder.overflow_rule)
    out = {}
    for i, name in enumerate(names):
        up = Up(names[i + 1], ladder.up_rule) if ladder.up and i + 1 < len(names) else None
        down = (Down(names[i - 1], limits[i - 1], ladder.down_periods, ladder.down_rule)
                if ladder.down_periods and i > 0 else None)
        out[name] = Rung(limits[i], up, down, overflow)
    return out


def ladder_move(rung: Rung, usage, history: Sequence) -> Move | None:
    """One tier at a time: up when the period's `usage` is strictly above the tier's limit; down
    when the last evaluated periods' usage (`history`, this period last), as many as the ladder
    looks back, were all strictly below the lower tier's limit; else None."""
    up = rung.up
    if up is not None and usage > rung.limit:
        return Move("tier-up", up.plan, up.rule, (usage, rung.limit))
    down = rung.down
    if down is not None:
        window = history[-down.periods:]
        if len(window) == down.periods and max(window) < down.limit:
            return Move("tier-down", down.plan, down.rule, (down.limit, tuple(window)))
    return None


def add_ons(rung: Rung, usage, next_plan: str):
    """Add-on subscriptions for the next period: one per started block of usage above the top
    tier's limit, for an account on the top tier next period; 0 otherwise."""
    overflow = rung.overflow
    if overflow is None or next_plan != overflow.top_plan or usage <= overflow.top:
        return 0
    return started_blocks(usage - overflow.top, overflow.block)


def addon_figures(overflow, usage, count) -> tuple:
    """The figures the reason of an add-on decision states (`ladder.addon_reason`): the usage
    above the top tier's limit, that limit, the number of add-ons (`rules.add_ons`) and the
    block. The interpreter words them; the compiled walk and the generated month attach them with
    `trace` for the bills' wording."""
    return usage - overflow.top, overflow.top, int(count), overflow.block


__all__ = ["monthly", "rounded", "metered", "started_blocks", "line_amount", "tiered", "band_charges",
           "extra", "over_ceiling", "tier_limit", "prorated_fee", "seat_quantities", "pool_draw",
           "sla_refund", "Up", "Down", "Overflow", "Rung", "Move", "rungs", "ladder_move", "add_ons",
           "addon_figures", "bill_total", "quota_ceiling", "quota_take", "notice_threshold"]
