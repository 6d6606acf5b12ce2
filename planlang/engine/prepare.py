"""Account × catalog: check an account's data against the catalog and convert it once.

Every problem is reported with the path of the value at fault (`usage.storage.daily.2026-11-05`),
which the loaders turn into file:line:col. The result holds each meter's measurements in exact
base units, ready to be measured for any period.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from fractions import Fraction

import attrs

from planlang.diagnostics import did_you_mean
from planlang.engine import products
from planlang.engine.calendar import day_start
from planlang.engine.metering import Series
from planlang.inputs.account import ACTIONS, Account, Amount
from planlang.inputs.convert import InputError, parse_period
from planlang.model import Catalog, Meter
from planlang.money import (
    MAX_DIGITS,
    MINOR_UNITS,
    exact,
    format_money,
    format_number,
    in_minor_units,
    minor_unit,
    round_money,
    within_bounds,
)
from planlang.units import lookup


@attrs.frozen
class Problem:
    path: tuple
    code: str
    message: str
    help: str | None = None
    on_key: bool = False


@attrs.frozen
class Prepared:
    account: Account
    series: dict[str, Series]
    uptime: dict[str, Fraction]  # percent, by period
    lookback: tuple[Fraction, ...] = ()  # the ladder item's figures before the walk, base units


@exact
def prepare(catalog: Catalog, account: Account) -> tuple[Prepared | None, list[Problem]]:
    problems: list[Problem] = []
    declared = catalog.currencies or (catalog.currency,)
    if account.currency is not None and account.currency not in declared:
        problems.append(Problem(("currency",), "PL428", f"catalog `{catalog.name}` does not "
                                f"price in `{account.currency}`",
                                help="its currencies: " + ", ".join(declared)))
    catalog = catalog.priced_in(account.currency)  # the account's amounts are in its currency
    if account.plans:
        _check_plans(catalog, account, problems)
    elif catalog.plans and not account.plan:
        problems.append(Problem((), "PL411", "the account names no `plan`",
                                help="plans: " + ", ".join(catalog.plan_names)))
    elif account.plan and catalog.plan(account.plan) is None:
        problems.append(Problem(("plan",), "PL411", f"unknown plan `{account.plan}`",
                                help=did_you_mean(account.plan, catalog.plan_names)
                                or "plans: " + ", ".join(catalog.plan_names)))
    series = {}
    for name, data in account.usage.items():
        meter = catalog.meters.get(name)
        if meter is None:
            problems.append(Problem(("usage", name), "PL412", f"unknown item `{name}`",
                                    help=did_you_mean(name, catalog.meters)
                                    or ("the catalog measures: " + ", ".join(catalog.meters)
                                        if catalog.meters else "the catalog measures nothing: "
                                        "leave `usage` out"),
                                    on_key=True))
            continue
        series[name] = _series(meter, data, ("usage", name), catalog, problems)
    for index, request in enumerate(account.requests):
        _check_request(catalog, account, request, ("requests", index), problems)
    _check_timeline(catalog, account, problems)
    uptime = {}
    for period, amount in account.uptime.items():
        path = ("uptime", period)
        try:
            parse_period(period)
        except InputError as error:
            problems.append(Problem(path, "PL414", f"uptime is given per month: {error}",
                                    on_key=True))
            continue
        value = uptime_percent(catalog, amount, path, problems)
        if value is not None:
            uptime[str(period)] = value
    lookback = _lookback(catalog, account, problems)
    if problems:
        return None, problems
    return Prepared(account, series, uptime, lookback), problems


def _lookback(catalog: Catalog, account: Account, problems: list[Problem]) -> tuple[Fraction, ...]:
    """The ladder item's figures of the months evaluated before the walk starts, oldest first
    (for an account on several products: of the one plan of them on a ladder)."""
    if not account.lookback:
        return ()
    plan = account.plan
    if account.plans:
        laddered = [p for p in account.plans.values()
                    if catalog.plan(p) is not None and catalog.ladder_of(p) is not None]
        plan = laddered[0] if len(laddered) == 1 else ", ".join(account.plans.values())
    ladder = catalog.ladder_of(plan) if catalog.plan(plan) is not None else None
    if ladder is None:
        problems.append(Problem(("lookback",), "PL417", f"`lookback` figures are given, but plan "
                                f"`{plan}` is in no ladder: nothing would read them",
                                help="remove `lookback`, or start the account on a ladder's tier",
                                on_key=True))
        return ()
    meter = catalog.meters[ladder.item]
    figures = [_base(meter, amount, ("lookback", i), catalog, problems)
               for i, amount in enumerate(account.lookback)]
    return tuple(f for f in figures if f is not None)


STATUSES = ("active", "suspended")


def _check_request(catalog: Catalog, account: Account, request, path: tuple, problems) -> None:
    if (request.create is None) == (request.store is None):
        problems.append(Problem(path, "PL415", "a request either creates elements (`create`) or "
                                "stores an amount in an element (`store`)",
                                help="give one of `create: ITEM` or `store: ITEM` per request"))
        return
    name = request.create if request.create is not None else request.store
    key = "create" if request.create is not None else "store"
    meter = catalog.meters.get(name)
    if meter is None:
        problems.append(Problem(path + (key,), "PL412", f"unknown item `{name}`",
                                help=did_you_mean(name, catalog.meters)))
        return
    if request.create is not None:
        if meter.source != "count":
            problems.append(Problem(path + (key,), "PL413", f"`{name}` is measured by "
                                    f"{meter.source}, not counted: it cannot be created",
                                    help="requests create counted elements such as channels"))
        if request.count < 1:
            problems.append(Problem(path + ("count",), "PL414",
                                    "a request creates at least one element"))
        return
    if request.element is None or request.amount is None:
        problems.append(Problem(path, "PL415", "a `store` request names the `element` and the "
                                "`amount`", help="e.g. `{on: 2026-11-20, store: storage, element: "
                                "ch-1, amount: 20 MB}`"))
        return
    held = account.usage.get(name)
    if held is None or request.element not in held.elements:
        problems.append(Problem(path + ("element",), "PL412", f"unknown element "
                                f"`{request.element}` of `{name}`",
                                help=did_you_mean(request.element, held.elements if held else ())
                                or f"list it under `usage.{name}.elements`"))
    _base(meter, request.amount, path + ("amount",), catalog, problems)


def _check_timeline(catalog: Catalog, account: Account, problems: list[Problem]) -> None:
    from planlang.model import POLICIES

    if account.since is not None:
        try:
            parse_period(account.since)
        except InputError as error:
            problems.append(Problem(("since",), "PL414", str(error)))
    if account.status not in STATUSES:
        problems.append(Problem(("status",), "PL414", f"unknown status `{account.status}`",
                                help=did_you_mean(account.status, STATUSES)
                                or "a status is `active` or `suspended`"))
    _check_policy(catalog, account.policy, ("policy",), problems, POLICIES)
    _check_caps(catalog, account.caps, ("caps",), problems)
    _check_add_ons(catalog, account, problems)
    limit = account.spending_limit
    if limit is not None and catalog.records:
        problems.append(Problem(("spending_limit",), "PL414", "a spending limit bounds a plan's "
                                "usage charges; this catalog bills daily records",
                                help="remove `spending_limit`"))
    elif limit is not None and (limit.unit not in (None, catalog.currency) or limit.value < 0):
        problems.append(Problem(("spending_limit",), "PL414",
                                f"a spending limit is money in `{catalog.currency}`, zero or "
                                f"more, not `{limit}`", help='e.g. `spending_limit: "50.00"`'))
    elif limit is not None and not in_minor_units(limit.value, catalog.currency):
        unit = format_money(minor_unit(catalog.currency), catalog.currency)
        problems.append(Problem(("spending_limit",), "PL414",
                                f"a spending limit in `{catalog.currency}` is a whole number of "
                                f"{unit}, not `{limit}`",
                                help=f"round it to {unit}, e.g. `spending_limit: "
                                f"\"{round_money(limit.value, catalog.currency)}\"`"))
    for index, event in enumerate(account.timeline):
        path = ("timeline", index)
        given = [n for n in ACTIONS if getattr(event, n) is not None]
        if len(given) != 1:
            problems.append(Problem(path, "PL415", "a timeline event does one thing: "
                                    + ("it does nothing" if not given else
                                       "it has " + ", ".join(f"`{g}`" for g in given)),
                                    help="give one of " + ", ".join(f"`{a}`" for a in ACTIONS)
                                    + " per event"))
            continue
        if event.quantity is not None and event.add_on is None:
            problems.append(Problem(path + ("quantity",), "PL415", "`quantity` goes with "
                                    "`add_on`", help="e.g. `{on: 2026-11-10, add_on: "
                                    "Extra-Storage, quantity: 3}`"))
        if event.add_on is not None:
            _check_add_on(catalog, event.add_on, event.quantity, path + ("add_on",),
                          path + ("quantity",), problems)
        if event.redeem is not None and event.redeem not in catalog.coupons:
            problems.append(Problem(path + ("redeem",), "PL418",
                                    f"unknown coupon `{event.redeem}`",
                                    help=did_you_mean(event.redeem, list(catalog.coupons))
                                    or ("coupons: " + ", ".join(catalog.coupons)
                                        if catalog.coupons else "the catalog has no coupons")))
        if event.change_plan is not None and catalog.plan(event.change_plan) is None:
            problems.append(Problem(path + ("change_plan",), "PL411",
                                    f"unknown plan `{event.change_plan}`",
                                    help=did_you_mean(event.change_plan, catalog.plan_names)
                                    or "plans: " + ", ".join(catalog.plan_names)))
        if event.status is not None and event.status not in STATUSES:
            problems.append(Problem(path + ("status",), "PL414", f"unknown status `{event.status}`",
                                    help=did_you_mean(event.status, STATUSES)
                                    or "a status is `active` or `suspended`"))
        if event.pay is not None:
            try:
                parse_period(event.pay)
            except InputError as error:
                problems.append(Problem(path + ("pay",), "PL414", str(error)))
        if event.commitment is not None and commitment_months(event.commitment) is None:
            problems.append(Problem(path + ("commitment",), "PL414",
                                    f"a commitment is a whole number of months, not "
                                    f"`{event.commitment}`", help="e.g. `commitment: 6 months`"))
        _check_policy(catalog, event.policy, path + ("policy",), problems, POLICIES)
        if event.cap is not None:
            _check_caps(catalog, event.cap, path + ("cap",), problems)


def _check_add_ons(catalog: Catalog, account: Account, problems: list[Problem]) -> None:
    """The add-ons held at the start: known, in a quantity each may have, offered by the
    account's plan (PL430)."""
    for name, quantity in account.add_ons.items():
        path = ("add_ons", name)
        if not _check_add_on(catalog, name, quantity, path, path, problems) or not quantity:
            continue
        plan = account.plan
        if account.plans:  # on several products: the plan of the product offering it
            held = products.add_on_product(catalog, account, name)
            if len(held) != 1:
                continue  # (reported with the account's products)
            plan = account.plans[held[0]]
        if catalog.plan(plan) is not None and plan not in catalog.add_ons[name].plans:
            add_on = catalog.add_ons[name]
            problems.append(Problem(path, "PL430", f"add-on `{name}` is not available on plan "
                                    f"`{plan}`", on_key=True,
                                    help="it is available on " + ", ".join(add_on.plans)
                                    if add_on.plans else "no plan offers it"))


def _check_plans(catalog: Catalog, account: Account, problems: list[Problem]) -> None:
    """An account on a plan of each of several products (`plans`): known products, each with
    one of its plans, and nothing that would not know which product it is for (PL429)."""
    def problem(path: tuple, message: str, help: str, on_key: bool = False) -> None:
        problems.append(Problem(path, "PL429", message, help=help, on_key=on_key))

    names = [p.name for p in catalog.products]
    if account.plan:
        problem(("plans",), "an account is on one `plan` or on `plans` of several products, not "
                "both", "keep `plans: {PRODUCT: PLAN, …}`, or `plan:` alone", on_key=True)
    for product, plan in account.plans.items():
        found = next((p for p in catalog.products if p.name == product), None)
        if found is None:
            problem(("plans", product), f"unknown product `{product}`",
                    did_you_mean(product, names) or ("products: " + ", ".join(names) if names
                                                     else "the catalog has no products: give "
                                                     "`plan:`"), on_key=True)
        elif catalog.plan(plan) is None:
            problems.append(Problem(("plans", product), "PL411", f"unknown plan `{plan}`",
                                    help=did_you_mean(plan, found.plans)
                                    or "plans of " + product + ": " + ", ".join(found.plans)))
        elif plan not in found.plans:
            problem(("plans", product), f"plan `{plan}` is not a plan of product `{product}`",
                    f"plans of {product}: " + ", ".join(found.plans))
    one = "give the account one `plan:`, or bill one account per product"
    for key, given in (("spending_limit", account.spending_limit), ("coupon", account.coupon),
                       ("coupons", account.coupons or None)):
        if given is not None:
            problem((key,), f"`{key}` is not supported yet for an account on several products",
                    one, on_key=True)
    if catalog.calendar is not None:
        problem(("plans",), "a catalog with a billing calendar bills an account on one plan",
                one, on_key=True)
    for index, event in enumerate(account.timeline):
        path = ("timeline", index)
        if event.redeem is not None or event.coupon is not None:
            problem(path, "a coupon is not supported yet for an account on several products", one)
        if event.change_plan is not None and (found := catalog.product_of(event.change_plan)) \
                is not None and found.name not in account.plans:
            problem(path + ("change_plan",), f"`{event.change_plan}` is a plan of product "
                    f"`{found.name}`, which the account does not hold",
                    "a change of plan stays within a product the account holds")
        if event.add_on is not None and event.add_on in catalog.add_ons:
            _routed(catalog, account, event.add_on, path + ("add_on",), problems)
    for name in account.add_ons:
        if name in catalog.add_ons:
            _routed(catalog, account, name, ("add_ons", name), problems)
    for index, request in enumerate(account.requests):
        item = request.create or request.store or ""
        if item in catalog.meters and len(products.item_products(catalog, account, item)) != 1:
            problem(("requests", index), f"`{item}` is an item of "
                    + ("none" if not products.item_products(catalog, account, item) else "several")
                    + " of the account's products: the request is for no one subscription",
                    "give requests for an item that one product's plans offer")


def _routed(catalog: Catalog, account: Account, name: str, path: tuple, problems) -> None:
    """An add-on of an account on several products: offered by the plans of one it holds."""
    held = products.add_on_product(catalog, account, name)
    if len(held) != 1:
        problems.append(Problem(path, "PL429", f"add-on `{name}` is offered by the plans of "
                                + (", ".join(f"`{p}`" for p in held) if held else
                                   "no product the account holds"),
                                help="an add-on of an account on several products is available "
                                "on the plans of one of them (`available on`)"))


def _check_add_on(catalog: Catalog, name: str, quantity: int | None, path: tuple,
                  quantity_path: tuple, problems: list[Problem]) -> bool:
    """An add-on named in an account (PL427 when unknown) and its quantity: a whole number,
    zero or more, at most 1 for an add-on without a unit (PL414). Whether it holds."""
    add_on = catalog.add_ons.get(name)
    if add_on is None:
        problems.append(Problem(path, "PL427", f"unknown add-on `{name}`",
                                help=did_you_mean(name, list(catalog.add_ons))
                                or ("add-ons: " + ", ".join(catalog.add_ons) if catalog.add_ons
                                    else "the catalog has no add-ons"), on_key=path[0] != "timeline"))
        return False
    if quantity is None:
        return True
    if quantity < 0 or quantity >= 10 ** MAX_DIGITS:
        problems.append(Problem(quantity_path, "PL414", f"a quantity of add-on `{name}` is a "
                                f"whole number from 0 to {10 ** MAX_DIGITS - 1:,}, not {quantity}"))
        return False
    if quantity > 1 and not add_on.unit:
        problems.append(Problem(quantity_path, "PL414", f"add-on `{name}` is bought once, not "
                                f"{quantity} times", help="its fee is not per unit: quantity 1, "
                                "or 0 to remove it"))
        return False
    return True


def _check_policy(catalog, policy, path, problems, policies) -> None:
    if policy is not None and policy not in policies:
        problems.append(Problem(path, "PL414", f"unknown exhaustion policy `{policy}`",
                                help=did_you_mean(policy, policies)
                                or "policies: " + ", ".join(policies)))


def _check_caps(catalog: Catalog, caps, path, problems) -> None:
    for name, amount in caps.items():
        meter = catalog.meters.get(name)
        if meter is None:
            problems.append(Problem(path + (name,), "PL412", f"unknown item `{name}`",
                                    help=did_you_mean(name, catalog.meters), on_key=True))
            continue
        _base(meter, amount, path + (name,), catalog, problems)


def commitment_months(amount: Amount) -> int | None:
    factor = {None: 1, "month": 1, "months": 1, "year": 12, "years": 12}.get(amount.unit)
    if factor is None or amount.value != amount.value.to_integral_value() or amount.value < 1:
        return None
    return int(amount.value) * factor


def caps_in_base(catalog: Catalog, caps) -> dict[str, Fraction]:
    out = {}
    for name, amount in caps.items():
        meter = catalog.meters[name]
        unit = meter.unit if amount.unit is None else lookup(catalog.units, amount.unit)
        assert unit is not None
        out[name] = unit.to_base(Fraction(amount.value))
    return out


def uptime_percent(catalog: Catalog, amount: Amount, path, problems) -> Fraction | None:
    """A month's uptime as a percentage, or None with the problem reported: a percentage
    between 0% and 100%, no finer than the catalog measures it (the compiled path reads uptime
    through this too)."""
    value = _percent(amount, path, problems)
    step = catalog.uptime_step
    if value is not None and step is not None and value % step:
        problems.append(Problem(path, "PL414", f"uptime {amount.value}% is more precise than "
                                f"the catalog measures it ({format_number(step)}%)",
                                help="round the uptime to the catalog's precision"))
        return None
    return value


def _percent(amount: Amount, path, problems) -> Fraction | None:
    if amount.unit not in (None, "%"):
        problems.append(Problem(path, "PL414", f"uptime is a percentage, not `{amount}`"))
        return None
    if out_of_bounds(amount, path, problems):
        return None
    if not 0 <= amount.value <= 100:
        problems.append(Problem(path, "PL414", f"uptime {amount.value}% is not between 0% and "
                                "100%"))
        return None
    return Fraction(amount.value)


@functools.lru_cache(maxsize=4096)
def source_texts(intervals: int, daily: int, snapshots: int, events: int,
                 payments: bool = False) -> tuple[str, ...]:
    """What was measured of a meter, as an explanation's `measured` step says it: how many
    intervals, day figures, snapshots and usage events (`payments`: payments, a transactions
    meter's events) the account gives (`3 intervals`)."""
    return tuple(f"{count} {word}{'s' * (count > 1)}" for count, word in (
        (intervals, "interval"), (daily, "day figure"), (snapshots, "snapshot"),
        (events, "payment" if payments else "usage event")) if count)


def _series(meter: Meter, data, path, catalog: Catalog, problems: list[Problem]) -> Series:
    allowed = {"count": ("intervals", "daily"), "snapshots": ("snapshots", "daily"),
               "usage": ("events", "daily"), "transactions": ("events",)}[meter.source]
    for field in ("intervals", "daily", "snapshots", "events"):
        if getattr(data, field) and field not in allowed:
            problems.append(Problem(path + (field,), "PL413", f"`{meter.name}` is a {meter.source} "
                                    f"meter and takes {' or '.join(allowed)}, not `{field}`",
                                    on_key=True))
    convert = lambda amount, p: _base(meter, amount, p, catalog, problems)  # noqa: E731
    changes = []
    for i, interval in enumerate(data.intervals):
        counted = interval.count if meter.include_disabled else interval.count - interval.disabled
        if interval.disabled > interval.count:
            problems.append(Problem(path + ("intervals", i, "disabled"), "PL414",
                                    "more disabled elements than elements"))
        if interval.to is not None and interval.to <= interval.from_:
            problems.append(Problem(path + ("intervals", i, "to"), "PL414",
                                    "an interval ends before it starts"))
            continue
        changes.append((interval.from_, Fraction(counted)))
        if interval.to is not None:
            changes.append((interval.to, -Fraction(counted)))
    daily = {}
    for day, value in data.daily.items():
        p = path + ("daily", day)
        if meter.source != "count" and value.disabled:
            problems.append(Problem(p, "PL413", "only counted elements have a disabled part"))
        amount = convert(value.value, p)
        if amount is not None:
            if meter.source == "count" and not meter.include_disabled:
                amount -= meter.unit.to_base(Fraction(value.disabled))
            daily[day] = amount
    samples: dict[dt.date, list[Fraction]] = defaultdict(list)
    for moment, amount in data.snapshots.items():
        value = convert(amount, path + ("snapshots", moment))
        if value is not None:
            samples[moment.date()].append(value)
    usage: dict[dt.date, Fraction] = defaultdict(Fraction)
    timed: list[tuple[dt.datetime, Fraction]] = []
    for i, event in enumerate(data.events):
        value = convert(event.amount, path + ("events", i, "amount"))
        if value is not None:
            usage[event.on.date()] += value
            timed.append((event.on, value))
    if meter.source == "usage":  # a day's figure replaces the day's events, as one at 00:00
        timed = [(on, value) for on, value in timed if on.date() not in daily]
        timed += [(day_start(day), value) for day, value in daily.items()]
    elements = {}
    for element, use in data.elements.items():
        kind = catalog.meters.get(use.of)
        if kind is None or kind.source != "count":
            problems.append(Problem(path + ("elements", element, "of"), "PL412",
                                    f"unknown counted item `{use.of}`",
                                    help=did_you_mean(use.of, [m for m, v in catalog.meters.items()
                                                               if v.source == "count"])))
            continue
        used = convert(use.used, path + ("elements", element, "used"))
        if used is not None:
            elements[element] = (use.of, used)
    sources = source_texts(len(data.intervals), len(data.daily), len(data.snapshots),
                           len(data.events), meter.source == "transactions")
    return Series(tuple(sorted(changes, key=lambda c: c[0])), daily,
                  {d: tuple(v) for d, v in samples.items()}, dict(usage), sources,
                  tuple(sorted(timed, key=lambda e: e[0])), elements)


def out_of_bounds(amount: Amount, path, problems) -> bool:
    """Whether a figure is outside the documented bounds (not finite, or more than MAX_DIGITS
    digits before or after its point), reported as PL414. The readers refuse such a figure when
    they read a file (PL404); an `Account` built in Python reaches the engine through here."""
    value = amount.value
    if within_bounds(value):
        return False
    text = str(amount)
    shown = text if len(text) <= 40 else text[:39] + "…"
    problems.append(Problem(path, "PL414", f"`{shown}` is out of range: numbers have at most "
                            f"{MAX_DIGITS} digits before and after the decimal point"))
    return True


def in_base_units(meter: Meter, amount: Amount, catalog: Catalog) -> Fraction | None:
    """An amount of `meter`'s item in base units, as an account's figures are read (its unit
    looked up by any of its names), or None when the reader refuses it."""
    return _base(meter, amount, (), catalog, [])


def _base(meter: Meter, amount: Amount, path, catalog: Catalog, problems) -> Fraction | None:
    if out_of_bounds(amount, path, problems):
        return None
    if amount.value < 0:
        problems.append(Problem(path, "PL414", f"a measurement cannot be negative (`{amount}`)"))
        return None
    if meter.source == "transactions":  # a payment: money in the catalog's currency
        return _payment(meter, amount, path, catalog, problems)
    unit = meter.unit if amount.unit is None else lookup(catalog.units, amount.unit)
    if unit is None or unit.dimension != meter.unit.dimension:
        problems.append(Problem(path, "PL413", f"`{meter.name}` is measured in "
                                f"`{meter.unit.name}`, not `{amount.unit}`",
                                help=f"write a number of `{meter.unit.name}`"))
        return None
    return unit.to_base(Fraction(amount.value))


def _payment(meter: Meter, amount: Amount, path, catalog: Catalog, problems) -> Fraction | None:
    """A payment of a transactions meter: money in the catalog's currency (`"120.00"` or
    `120.00 USD`), in whole minor units of it (cents; whole yen)."""
    currency = catalog.currency
    if amount.unit not in (None, currency):
        problems.append(Problem(path, "PL413", f"`{meter.name}` takes payments in `{currency}`, "
                                f"not `{amount.unit}`",
                                help=f"write the payment's amount in `{currency}`: `\"120.00\"`"))
        return None
    places = MINOR_UNITS[currency]
    if not in_minor_units(amount.value, currency):
        problems.append(Problem(path, "PL414", f"a payment of `{amount.value}` is finer than "
                                f"the {currency} minor unit",
                                help=f"write the amount paid, to {places} decimal places"
                                if places else f"write the amount paid in whole {currency}"))
        return None
    return Fraction(amount.value)
