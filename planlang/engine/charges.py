"""A plan's charges for a period: extras beyond what is included, limits exceeded, SLA refunds.

Used by the month walk (`planlang.engine.timeline`); each line is rounded once by `round_money`
and carries its computation steps and the plan rule behind it. The arithmetic and the decisions
are `engine/rules.py`'s, shared with the compiled path; the wording of the steps is here.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import attrs

from planlang.engine import rules
from planlang.engine.calendar import Period
from planlang.engine.metering import daily_peaks, day_runs
from planlang.engine.prepare import Prepared
from planlang.engine.results import ChargeLine, Decision, Reason, Step
from planlang.model import Catalog, ItemTerms, Plan
from planlang.money import EXACT, format_money, format_number, fraction_to_decimal, round_money


def per_unit_fee(fee: Decimal, label: str, what: str, quantities: list, whole: bool, days: int,
                 currency: str) -> tuple[Decimal, str, Decimal, Decimal, list[Step]]:
    """A fee per unit of a quantity held day by day (a plan's seats, an add-on's packs), from
    each day's quantity (`quantities`, the days billed; `whole`: they are the period's every
    day): the fee × the quantity-days / the period's `days`, rounded once. Returns the line's
    quantity, unit, unit price, amount and steps: `6 × seat` at the fee when every day of the
    period holds the same quantity, else `170 × seat-day of 30` at the fee / 30."""
    units = sum(quantities)
    amount = rules.prorated_fee(fee, units, days, currency)
    steps = [Step(what, day_runs(quantities, _as_is))]
    shown, total = format_money(fee, currency), format_money(amount, currency)
    if whole and len(set(quantities)) == 1:
        steps.append(Step("monthly fee", f"{shown} × {format_number(quantities[0])} = {total}"))
        return fraction_to_decimal(Fraction(quantities[0])), label, fee, amount, steps
    steps.append(Step("proration", f"{shown} × {format_number(units)} {label}-days / {days} = "
                      f"{total}"))
    return (fraction_to_decimal(Fraction(units)), f"{label}-day of {days}",
            fraction_to_decimal(Fraction(fee) / days, places=6), amount, steps)


def _as_is(value):
    return value


def in_unit(unit, value) -> str:
    """A figure in base units written in `unit`, as reasons and steps state it: `2,000 minute`."""
    return f"{format_number(unit.from_base(value))} {unit.name}"


def item_charge(catalog: Catalog, plan: Plan, period: Period, terms: ItemTerms, measurement,
                quota: bool = False):
    meter = catalog.meters[terms.item]
    unit = meter.round_unit  # billed figures are shown in the unit the meter rounds to
    show = functools.partial(in_unit, unit)
    measured = measurement.value
    steps = list(measurement.steps)
    over = None
    ceiling = terms.ceiling()
    if rules.over_ceiling(measured, ceiling) and not quota:
        over = Decision("usage-over-limit", terms.item, period.last_day, "exceeded",
                        (over_limit_reason(show, measured, None, plan.name, ceiling),),
                        over_limit_rule(terms), steps=tuple(measurement.steps))
    if terms.bands:
        tiers = tuple((band.upto, Fraction(band.price), band.block,
                       None if band.flat is None else Fraction(band.flat))
                      for band in terms.bands)
        lines = tuple(
            ChargeLine("tier", terms.item, plan.name, str(period),
                       band_quantity(terms, index, quantity, flat),
                       band_unit(terms, index, flat), band_price(terms, index, flat), amount,
                       terms.bands[index].rule,
                       tuple(steps) + band_steps(show, terms, tiers, index, measured, quantity,
                                                 amount, flat, catalog.currency))
            for index, quantity, amount, flat in rules.tiered(
                measured, tiers, terms.tiering != "graduated", catalog.currency))
        if meter.source == "transactions":
            lines += payment_lines(catalog, plan, period, terms, measurement)
        return lines, over
    if meter.source == "transactions":
        return payment_lines(catalog, plan, period, terms, measurement), over
    if not terms.extendable or terms.price is None:
        return (), over
    charged = rules.extra(measured, terms.included, terms.block, Fraction(terms.price),
                          catalog.currency)
    if charged is None:
        return (), over
    blocks, amount = charged
    steps += extra_steps(show, terms, meter, terms.included, measured - terms.included,
                         terms.block, blocks, amount, catalog.currency)
    assert terms.price_rule is not None
    line = ChargeLine("extra", terms.item, plan.name, str(period), Decimal(blocks),
                      terms.block_label, terms.price, amount, terms.price_rule, tuple(steps))
    return (line,), over


def payment_lines(catalog: Catalog, plan: Plan, period: Period, terms: ItemTerms,
                  measurement) -> tuple[ChargeLine, ...]:
    """A transactions item's lines beside its percentages: the fee per payment (an `extra`
    line), then what each payment's bounds add (a `true-up` line for the payments raised to
    the minimum) or take off (a `cap` line for those lowered to the cap)."""
    currency, payments = catalog.currency, measurement.payments
    count = len(payments)
    lines = []
    fee = Fraction(terms.price) if terms.price is not None else Fraction(0)
    if terms.price is not None and count:
        assert terms.price_rule is not None
        amount = rules.line_amount(fee, count, currency)
        lines.append(ChargeLine("extra", terms.item, plan.name, str(period), Decimal(count),
                                "transaction", terms.price, amount, terms.price_rule,
                                measurement.steps + (Step("price", (
                                    f"{_price(terms.price, currency)} per transaction × "
                                    f"{count} = {format_money(amount, currency)}")),)))
    if terms.transaction_minimum is None and terms.transaction_cap is None:
        return tuple(lines)
    rate = Fraction(terms.bands[0].rate) if terms.bands and terms.bands[0].rate else Fraction(0)
    least, most = terms.transaction_minimum, terms.transaction_cap
    raised, up, lowered, down = rules.payment_bounds(
        payments, rate, fee, None if least is None else Fraction(least),
        None if most is None else Fraction(most))
    fee_text = (f"{format_number(rate * 100)}%" if rate else "") + (
        " + " if rate and fee else "") + (_price(terms.price, currency) if fee else "")
    for kind, many, by, bound, rule, word, sign in (
            ("true-up", raised, up, least, terms.transaction_minimum_rule, "raised to", 1),
            ("cap", lowered, down, most, terms.transaction_cap_rule, "lowered to", -1)):
        if not many:
            continue
        assert bound is not None and rule is not None
        amount = round_money(by * sign, currency)
        lines.append(ChargeLine(kind, terms.item, plan.name, str(period), Decimal(many),
                                "transaction", bound, amount, rule, (
                                    Step("payments", f"{count} transaction"
                                         f"{'s' * (count != 1)} of {period}"),
                                    Step("each", f"{fee_text} of the payment, {word} "
                                         f"{format_money(bound, currency)} for {many}"),
                                    Step("difference", f"{'+' if sign > 0 else '−'} "
                                         f"{format_money(round_money(by, currency), currency)} "
                                         f"in all ({format_number(by)} exactly)"))))
    return tuple(lines)


def band_quantity(terms: ItemTerms, index: int, quantity, flat: bool) -> Decimal:
    """The quantity of a tiered price's line: its started blocks, or for a percentage the money
    in the band (its blocks are the currency's minor units)."""
    band = terms.bands[index]
    if band.rate is None or flat:
        return Decimal(quantity)
    return fraction_to_decimal(Fraction(quantity) * band.block)


def held_share(lines, on: int, days: int, currency: str) -> tuple[ChargeLine, ...]:
    """A plan's lines for an average or a maximum over the `on` days of the period's `days` it
    bills (a month's usage split between plans): a level held for part of the month is charged
    for its days, as a fee prorated by days is: each line's price × quantity × on / days,
    rounded once (`rules.prorated_fee`), with a step saying so."""
    out = []
    for line in lines:
        exact, amount = held_amount(line.unit_price, line.quantity, on, days, currency)
        out.append(attrs.evolve(line, amount=amount, steps=(
            *line.steps, held_step(exact, on, days, amount, currency))))
    return tuple(out)


def held_amount(price: Decimal, quantity: Decimal, on: int, days: int,
                currency: str) -> tuple[Decimal, Decimal]:
    """A usage line's price × quantity, exactly, and that for `on` of the period's `days`,
    rounded once (`rules.prorated_fee`): a level held for part of the month (`held_share`; the
    compiled walk's lines are charged by it too)."""
    exact = EXACT.multiply(price, quantity)
    return exact, rules.prorated_fee(exact, on, days, currency)


def held_step(exact: Decimal, on: int, days: int, amount: Decimal, currency: str) -> Step:
    """The step of a level's line charged for the `on` days of the period's `days` a plan bills:
    `$4.00 × 16 / 30 days = $2.13`."""
    return Step("for the days on the plan", f"{_price(exact, currency)} × {on} / {days} days = "
                f"{format_money(amount, currency)}")


def band_unit(terms: ItemTerms, index: int, flat: bool) -> str:
    """The unit of a tiered price's line: the band's block (`segment`, `1,000 calls`), or `flat
    fee` for a band's fee."""
    return "flat fee" if flat else terms.bands[index].block_label


def band_price(terms: ItemTerms, index: int, flat: bool) -> Decimal:
    """The unit price of a tiered price's line: the band's fee, or its price per block."""
    band = terms.bands[index]
    if band.rate is not None and not flat:
        return band.rate
    return band.flat if flat and band.flat is not None else band.price


def band_steps(show, terms: ItemTerms, tiers, index: int, measured, quantity,
               amount: Decimal, flat: bool, currency: str) -> tuple[Step, ...]:
    """The steps of one band's line after the measurement: the band (its range, and for volume
    and stairstep pricing that the figure reaches it), the units in it, the started blocks, the
    price (or the band's flat fee). `tiers` are `rules.tiered`'s bands in the caller's unit (as
    `measured` is, and as `show` reads them)."""
    end, _, block, _ = tiers[index]
    low = 0 if index == 0 else tiers[index - 1][0]
    band = terms.bands[index]
    where = (f"above {show(low)}" if end is None else f"up to {show(end)}" if not low
             else f"over {show(low)}, up to {show(end)}")
    if band.rate is not None and len(tiers) == 1:  # one percentage of every payment
        steps = []
        inside = measured
    elif terms.tiering != "graduated":
        steps = [Step("band", f"{where}, reached by {show(measured)}" + (
            "" if flat else ": every unit at this band's price"))]
        inside = measured
    else:
        inside = (measured if end is None or measured < end else end) - low
        steps = [Step("band", where), Step("in band", show(inside))]
    if flat:
        steps.append(Step("price", f"flat fee for the band = {format_money(amount, currency)}"))
        return tuple(steps)
    if band.rate is not None:  # a percentage of the payments in the band
        steps.append(Step("price", f"{format_number(Fraction(band.rate) * 100)}% of "
                          f"{format_money(fraction_to_decimal(Fraction(inside)), currency)} = "
                          f"{format_money(amount, currency)}"))
        return tuple(steps)
    ratio = Fraction(inside) / Fraction(block)
    if ratio != quantity:
        steps.append(Step("blocks", f"{show(inside)} / {band.block_label} = "
                          f"{format_number(ratio)}, rounded up to {quantity}"))
    steps.append(Step("price", f"{_price(band.price, currency)} per {band.block_label} × "
                      f"{format_number(quantity)} = {format_money(amount, currency)}"))
    return tuple(steps)


def extra_steps(show, terms: ItemTerms, meter, included, excess, block, blocks: int,
                amount: Decimal, currency: str) -> tuple[Step, ...]:
    """The steps of an extra's charge after its measurement: what the plan includes, the billable
    figure above it (`excess`), the started blocks (the excess in `block`s, exactly, rounded up
    to `blocks`) and the price. `show` writes a figure in the unit the meter rounds to, from the
    caller's unit (base units in the interpreter, the meter's unit in the compiled path), as
    `included`, `excess` and `block` are given."""
    assert terms.price is not None
    billable = show(excess)
    steps = [Step("included", show(included)), Step("billable", billable)]
    if _blocks_shown(terms, meter):
        ratio = Fraction(excess) / Fraction(block)
        steps.append(Step("blocks", f"{billable} / {terms.block_label} = "
                          f"{format_number(ratio)}"
                          + ("" if ratio.denominator == 1 else f", rounded up to {blocks}")))
    steps.append(Step("price", f"{_price(terms.price, currency)} per {terms.block_label} × "
                      f"{blocks} = {_price(amount, currency)}"))
    return tuple(steps)


# whether an extra's steps show its blocks (its block is neither the meter's unit nor the unit
# it rounds to), by the ids of its terms and meter
_BLOCKS_SHOWN: dict[tuple[int, int], tuple[ItemTerms, object, bool]] = {}


def _blocks_shown(terms: ItemTerms, meter) -> bool:
    key = (id(terms), id(meter))
    known = _BLOCKS_SHOWN.get(key)
    if known is None or known[0] is not terms or known[1] is not meter:
        if len(_BLOCKS_SHOWN) > 10_000:
            _BLOCKS_SHOWN.clear()
        known = _BLOCKS_SHOWN[key] = (terms, meter, terms.block != meter.round_unit.factor
                                      and terms.block != meter.unit.factor)
    return known[2]


@functools.lru_cache(maxsize=4096)
def _price(price: Decimal, currency: str) -> str:
    """A price or an amount as its steps state it (`format_money`, whose text depends on the
    value alone), worded once."""
    return format_money(price, currency)


def peak_over_limit(catalog: Catalog, plan: Plan, period: Period, terms: ItemTerms,
                     prepared: Prepared) -> Decision | None:
    """A count above the plan's ceiling at any time of the period (e.g. data from elsewhere)."""
    series = prepared.series.get(terms.item)
    ceiling = terms.ceiling()
    if series is None or ceiling is None or catalog.meters[terms.item].source != "count":
        return None
    peaks = daily_peaks(series, period)
    day, peak = max(peaks.items(), key=lambda kv: (kv[1], -kv[0].toordinal()))
    if not rules.over_ceiling(peak, ceiling):
        return None
    show = functools.partial(in_unit, catalog.meters[terms.item].unit)
    return Decision("usage-over-limit", terms.item, day, "exceeded",
                    (over_limit_reason(show, peak, day, plan.name, ceiling),),
                    over_limit_rule(terms, peak=True),
                    steps=peak_steps(show, peak, day))


def peak_steps(show, peak, day) -> tuple[Step, ...]:
    """The step of a count over a plan's limit on its highest day: that count, that day."""
    return (Step("highest count", f"{show(peak)} on {day.isoformat()}"),)


def over_limit_rule(terms: ItemTerms, peak: bool = False):
    """The plan line a usage-over-limit decision names: the item's limit, its maximum (for a
    period's figure; a count's highest day has none), its `not extendable`, what it includes."""
    if peak:
        return terms.limit_rule or terms.extend_rule or terms.included_rule
    return terms.limit_rule or terms.maximum_rule or terms.extend_rule or terms.included_rule


def over_limit_reason(show, measured, day, plan: str, ceiling) -> Reason:
    """Why usage is over a plan's limit: the period's figure (`day` None) or a count's highest,
    on `day`, against what the plan allows; `show` writes a figure with its unit."""
    when = "measured" if day is None else f"on {day.isoformat()}"
    return Reason("over-limit", f"{show(measured)} {when}; plan `{plan}` allows {show(ceiling)}")


def _limit_lines(catalog: Catalog, plan: Plan, period: str, lines, limit: Decimal,
                 day) -> tuple[list[ChargeLine], list[Decision]]:
    """The customer's spending limit on a month's usage charges (its extra and tier lines and
    their items' true-ups and caps): a `cap` line `spending limit` down to it, and a
    `spending-limit` decision, when they come to more."""
    currency = catalog.currency
    usage = rules.bill_total([line for line in lines if line.kind in ("extra", "tier", "true-up",
                                                                      "cap")], currency)
    if usage <= limit:
        return [], []
    amount = EXACT.subtract(limit, usage)
    shown = format_money(usage, currency)
    line = ChargeLine("cap", "spending limit", plan.name, period, Decimal(1), "cap", limit, amount,
                      plan.fee_rule, (Step("charged", f"{shown} for usage"),
                                      Step("spending limit", f"{format_money(limit, currency)} − "
                                           f"{shown} = {format_money(amount, currency)}")))
    decision = Decision("spending-limit", plan.name, day, "reached", (Reason(
        "spending-limit-reached", f"usage charges of {shown} reached the customer's spending "
        f"limit of {format_money(limit, currency)}: {format_money(-amount, currency)} not "
        "charged"),), plan.fee_rule)
    return [line], [decision]


def spend_bounds(catalog: Catalog, plan: Plan, period: str, lines, on_plan: int, days: int,
                 limit: Decimal | None = None, day=None) -> tuple[list[ChargeLine], list]:
    """The lines that bring a month's charges within the plan's bounds, after its items' lines:
    for each item with a minimum or a cap (`at least $ 20 per month`, `capped at $ 500 per
    month`), a `true-up` or a `cap` line on what its extra and tier lines charge; then the
    customer's spending `limit` on usage (a `spending limit` line and decision, dated `day`);
    then the plan's minimum spend and cap, on every line so far but SLA refunds, discounts and
    setup fees. Returns the lines and the decisions. A minimum
    is prorated by the `on_plan` days of the month's `days`; a cap is not. `lines`: any with
    kind, item, amount."""
    currency = catalog.currency
    out: list[ChargeLine] = []
    for item, terms in plan.items.items():
        if terms.minimum_charge is None and terms.charge_cap is None:
            continue
        charged = rules.bill_total([line for line in lines if line.kind in ("extra", "tier")
                                    and line.item == item], currency)
        least = None if terms.minimum_charge is None else rules.prorated_fee(
            terms.minimum_charge, on_plan, days, currency)
        out += _bounded(charged, least, terms.minimum_charge_rule, terms.charge_cap,
                        terms.charge_cap_rule, item, plan.name, period, currency,
                        f"charged for {item}", _prorated(terms.minimum_charge, on_plan, days,
                                                         currency))
    decisions: list = []
    if limit is not None:  # (in the currency's minor unit: `10.00` yen is written `¥10`)
        limit = round_money(limit, currency)
        limited, decisions = _limit_lines(catalog, plan, period, [*lines, *out], limit, day)
        out += limited
    if plan.minimum_spend is None and plan.spend_cap is None:
        return out, decisions
    spent = rules.bill_total([line for line in [*lines, *out] if line.kind not in (
        "refund", "discount") and line.item != "setup fee"], currency)
    least = None if plan.minimum_spend is None else rules.prorated_fee(
        plan.minimum_spend, on_plan, days, currency)
    return out + _bounded(spent, least, plan.minimum_spend_rule, plan.spend_cap,
                          plan.spend_cap_rule, "plan", plan.name, period, currency,
                          f"charged on plan `{plan.name}`",
                          _prorated(plan.minimum_spend, on_plan, days, currency)), decisions


def _prorated(minimum: Decimal | None, on_plan: int, days: int, currency: str) -> str:
    """How a minimum was prorated: ` ($100.00 × 15 / 30 days)`; nothing for a whole month."""
    if minimum is None or on_plan == days:
        return ""
    return f" ({format_money(minimum, currency)} × {on_plan} / {days} days)"


def _bounded(charged: Decimal, least: Decimal | None, least_rule, cap: Decimal | None, cap_rule,
             item: str, plan: str, period: str, currency: str, what: str,
             prorated: str = "") -> list[ChargeLine]:
    """A true-up line up to `least`, or a cap line down to `cap`, for what was `charged`."""
    if least is not None and charged < least:
        kind, name, label, bound, rule = "true-up", "minimum spend", "minimum", least, least_rule
    elif cap is not None and charged > cap:
        kind, name, label, bound, rule, prorated = "cap", "spending cap", "cap", cap, cap_rule, ""
    else:
        return []
    assert rule is not None
    amount = EXACT.subtract(bound, charged)
    shown = format_money(charged, currency)
    return [ChargeLine(kind, name if item == "plan" else item, plan, period, Decimal(1), label,
                       bound, amount, rule, (
                           Step("charged", f"{shown} {what}"),
                           Step(label, f"{format_money(bound, currency)}{prorated} − {shown} = "
                                f"{format_money(amount, currency)}")))]


def pool_step(pool, included, totals: Sequence, over, item: str, show) -> Step:
    """The step of a pooled item's figure: the pool the plan includes, what its items drew
    (`totals`, each member's figure of the period), and what is beyond it for `item`; `show`
    writes a figure with its unit."""
    drawn = ", ".join(f"{member} {format_number(total)}" + (
        f" × {format_number(rate)}" if rate != 1 else "")
                      for (member, rate), total in zip(pool.members, totals, strict=True))
    return Step(f"pool {pool.name}", f"{show(included)} included, drawn by {drawn}; beyond it "
                f"for {item}: {show(over)}")


def setup_lines(catalog: Catalog, joined: list[str], period: str) -> list[ChargeLine]:
    """The setup fees of the plans an account changed to in the period (`joined`, in order):
    one line each, charged once."""
    out = []
    for name in joined:
        plan = catalog.plan(name)
        if plan is None or plan.setup_fee is None:
            continue
        assert plan.setup_fee_rule is not None
        shown = format_money(plan.setup_fee, catalog.currency)
        out.append(ChargeLine("fee", "setup fee", name, period, Decimal(1), "once", plan.setup_fee,
                              rules.line_amount(plan.setup_fee, 1, catalog.currency),
                              plan.setup_fee_rule,
                              (Step("setup fee", f"on changing to {name}: {shown}"),)))
    return out


def not_offered(show, item: str, plan: Plan, figure, day, steps: tuple = ()) -> Decision:
    """Usage of an item the plan does not offer, measured in the period (`figure`, written by
    `show`): reported on the period's last `day`, not billed; never dropped silently."""
    return Decision("usage-not-offered", item, day, "not-billed", (Reason(
        "not-offered", f"{show(figure)} measured; plan `{plan.name}` does not offer `{item}`, "
        "so it is not billed"),), plan.fee_rule, steps=steps)


def sla_refund(catalog: Catalog, plan: Plan, period: Period, prepared: Prepared,
               fee: Decimal | None = None):
    """The SLA refund of the period on `plan`: a share of its `fee` (the plan's fee, or the
    period's fee for its seats), by the band its uptime falls in."""
    uptime = prepared.uptime.get(str(period))
    if uptime is None or plan.sla is None:
        return None
    fee = plan.fee if fee is None else fee
    level = catalog.slas[plan.sla]
    refunded = rules.sla_refund(level.refunds, uptime, fee, catalog.currency)
    if refunded is None or refunded[2] == 0:
        return None
    refund, exact, amount = refunded
    steps = refund_steps(uptime, level.name, refund, fee, amount, catalog.currency)
    line = ChargeLine("refund", "SLA refund", plan.name, str(period), Decimal(1),
                      refund_unit(refund), fraction_to_decimal(exact), amount, refund.rule, steps)
    decision = Decision("sla-refund", plan.sla, period.last_day, "refunded",
                        (refund_reason(uptime, refund),), refund.rule, steps=steps)
    return line, decision


def refund_steps(uptime, level: str, refund, fee: Decimal, amount: Decimal,
                 currency: str) -> tuple[Step, ...]:
    """The steps of an SLA refund (its line's and its decision's): the month's uptime, the band
    of the SLA `level` it falls in, the refund of the plan's `fee` (`amount`, negative)."""
    return (Step("uptime", f"{format_number(uptime)}%"),
            Step("band", f"SLA {level}: {refund.band.describe()}"),
            Step("refund", f"{format_number(refund.percent * 100)}% of "
                 f"{format_money(fee, currency)} = {format_money(-amount, currency)}"))


def refund_unit(refund) -> str:
    """The unit of an SLA refund's line: `30% of the plan fee`."""
    return f"{format_number(refund.percent * 100)}% of the plan fee"


def refund_reason(uptime, refund) -> Reason:
    """Why an SLA refund is given: the month's uptime is in the refund's band."""
    return Reason("uptime-in-band", f"uptime {format_number(uptime)}% is "
                  f"{refund.band.describe()}: {format_number(refund.percent * 100)}% of the plan "
                  "fee is refunded")
