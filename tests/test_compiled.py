"""The compiled path (planlang/engine/compiled.py) against the interpreter, account by account.

For random account records of every catalog (valid and not), the compiled runner must give the
interpreter's figures exactly (plan, next plan, total, every line and decision with its rule) or
fall back to it, and raise the interpreter's errors for bad accounts. `Outcome.bill()` is the
interpreter's `Bill`.

Nine records in ten are drawn valid, so that the billing is tested, not only the refusals; the
run's summary shows, per catalog, how many were drawn, how many were valid (the interpreter billed
them) and how many of those the compiled path billed itself, and the run fails when fewer than
80% were valid (tests/conftest.py).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import decimal
import gc
import os
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import plain, record_draw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planlang.compile import load_catalog
from planlang.diagnostics import PlanlangError
from planlang.engine.compiled import compile_catalog
from planlang.engine.results import json_line, to_data
from planlang.engine.rules import rounded, started_blocks
from planlang.inputs.documents import json_number
from planlang.money import EXACT, exact_decimal

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = {name: load_catalog(ROOT / path) for name, path in [
    ("tier", "bench/tier.plan"), ("edge", "catalogs/edge-device.plan"),
    ("flespi", "catalogs/flespi.plan"), ("coediting", "catalogs/coediting.plan"),
    ("flux", "catalogs/soracom-flux.plan"),
    ("tiered", "tests/scenarios/tiered-pricing/shapes.plan"),
    ("tiered-examples", "tests/scenarios/tiered-pricing/worked-examples.plan"),
    ("seats", "tests/scenarios/seats/seats.plan"),
    ("coupons", "tests/scenarios/coupons/coupons.plan"),
    ("rounding", "tests/scenarios/rounding/nearest.plan"),
    ("spend", "tests/scenarios/spend/spend.plan"),
    ("pools", "tests/scenarios/pools/minutes.plan"),
    ("usage-split", "tests/scenarios/usage-split/usage.plan"),
    ("usage-split-capped", "tests/scenarios/usage-split/capped.plan"),
    ("sms-api", "catalogs/sms-api.plan"), ("team-chat", "catalogs/team-chat.plan"),
    ("github-actions", "catalogs/github-actions.plan"),
    ("payments", "catalogs/payments.plan"),
    ("payment-examples", "tests/scenarios/payments/worked-examples.plan"),
    # priced in several currencies: records drawn in each
    ("currencies", "tests/scenarios/currencies/saas.plan"),
    ("team-chat-global", "catalogs/team-chat-global.plan"),
    ("add-ons", "tests/scenarios/add-ons/suite.plan"),
    ("add-ons-sessions", "tests/scenarios/add-ons/sessions.plan")]}

COMPILED = {name: compile_catalog(catalog) for name, catalog in CATALOGS.items()}

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]

figures = st.one_of(
    st.integers(0, 120),
    st.decimals(min_value=0, max_value=120, places=1, allow_nan=False, allow_infinity=False),
    # as planlang's JSON reader gives them: checked when read (a Figure) or not (a Decimal)
    st.decimals(min_value=0, max_value=120, places=2, allow_nan=False,
                allow_infinity=False).map(lambda d: json_number(str(d))),
    st.sampled_from(["45.3", "0.000000000000000001", "1.50000000000000000000", "-0.0", "-2.5",
                     "1e2", "999999999999999999.5", "999999999999999.123456789012345678"]
                    ).map(json_number),
    st.decimals(min_value=0, max_value=3, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from(["15 GB", "1500 MB", "0.5 GB", "45.3", "2 TB", "12 hours", "-1", "1e3",
                     Decimal("-0.1"), Decimal("1.0000000000000000000001"), Decimal("1e20"),
                     Decimal("1.50000000000000000000"), Decimal("NaN"), Decimal("-0"),
                     1.5, True, None, "x"]),
)
days = st.one_of(
    st.builds(lambda m, d: f"{m}-{d:02d}", st.sampled_from(MONTHS), st.integers(1, 28)),
    st.sampled_from(["2026-02-30", "2026-13-01", "20260105", "2025-12-31", "0000-01-01"]),
    st.builds(dt.date, st.just(2026), st.integers(1, 6), st.integers(1, 28)),
)


def records(catalog_name: str):
    """Account records of the catalog: nineteen in twenty drawn valid (`valid_records`), the
    others from `any_records`, whose parts are often invalid (the interpreter refuses most of
    them). (One in ten made the share of valid records dip below the 80% the run requires now
    and then: hypothesis's exploration does not draw the branches evenly.)"""
    valid, any_ = valid_records(catalog_name), any_records(catalog_name)

    @st.composite
    def one(draw):  # one in 20: hypothesis favours the edges of small ranges and first branches
        return draw(any_ if draw(st.integers(0, 2**32 - 1)) % 20 == 7 else valid)

    return one()


def valid_records(catalog_name: str):
    """Records that the interpreter bills: the catalog's plans and meters, days and instants of
    the months billed, figures in the meter's units (day figures of every meter, usage events,
    elements' intervals and `{count, disabled}` days for counted items), uptime at the
    catalog's precision, a look-back only on a ladder's plan."""
    catalog = CATALOGS[catalog_name]

    def figure(meter: str):
        unit = catalog.meters[meter].unit
        words = sorted(name for name, u in catalog.units.items()
                       if u.dimension == unit.dimension and u.factor <= unit.factor * 1000)
        return st.one_of(
            st.sampled_from(edges(catalog, meter)),
            st.integers(0, 120),
            st.decimals(min_value=0, max_value=120, places=2, allow_nan=False,
                        allow_infinity=False).map(lambda d: json_number(str(d))),
            st.decimals(min_value=0, max_value=120, places=3, allow_nan=False,
                        allow_infinity=False),
            st.builds(lambda number, word: f"{number} {word}",
                      st.decimals(min_value=0, max_value=120, places=1, allow_nan=False,
                                  allow_infinity=False), st.sampled_from(words)),
        )

    good_days = st.builds(lambda m, d: f"{m}-{d:02d}", st.sampled_from(MONTHS),
                          st.integers(1, 28))
    good_instants = st.builds(lambda m, d, h: f"{m}-{d:02d}T{h:02d}:30:00Z",
                              st.sampled_from(MONTHS), st.integers(1, 28), st.integers(0, 23))

    def day_count(meter: str):
        return st.one_of(figure(meter), st.integers(0, 40).flatmap(
            lambda count: st.fixed_dictionaries({"count": st.just(count)}, optional={
                "disabled": st.integers(0, count)})))

    def interval(meter: str):
        @st.composite
        def one(draw):
            start = draw(st.one_of(good_days, good_instants))
            count = draw(st.integers(0, 40))
            data = {"from": start, "count": count}
            if draw(st.booleans()):
                data["disabled"] = draw(st.integers(0, count))
            if draw(st.booleans()):
                end = draw(st.one_of(good_days, good_instants))
                if end > start:
                    data["to"] = end
            return data
        return one()

    def meter_data(meter: str):
        source = catalog.meters[meter].source
        if source == "count":
            return st.one_of(
                st.fixed_dictionaries({"daily": st.dictionaries(good_days, day_count(meter),
                                                                max_size=8)}),
                st.fixed_dictionaries({"intervals": st.lists(interval(meter), min_size=1,
                                                             max_size=4)}, optional={
                    "daily": st.dictionaries(good_days, day_count(meter), max_size=3)}))
        if source == "transactions":  # payments: money in whole cents, at any instant
            payment = st.one_of(
                st.integers(0, 100_000).map(lambda cents: f"{Decimal(cents) / 100}"),
                st.sampled_from(["0.01", "17.24", "625.00", "1,000.00", "100000.00", 3, "5.5"]),
                st.integers(0, 10**8).map(lambda cents: f"{Decimal(cents) / 100} USD"))
            return st.fixed_dictionaries({"events": st.lists(st.fixed_dictionaries({
                "on": st.one_of(good_days, good_instants), "amount": payment}), max_size=6)})
        if source == "snapshots":
            return st.one_of(
                st.fixed_dictionaries({"daily": st.dictionaries(good_days, figure(meter),
                                                                max_size=8)}),
                st.fixed_dictionaries({"snapshots": st.dictionaries(
                    st.one_of(good_instants, good_days), figure(meter), min_size=1,
                    max_size=8)}, optional={
                    "daily": st.dictionaries(good_days, figure(meter), max_size=2)}))
        return st.one_of(
            st.fixed_dictionaries({"daily": st.dictionaries(good_days, figure(meter),
                                                            max_size=6)}),
            st.fixed_dictionaries({"events": st.lists(st.fixed_dictionaries({
                "on": st.one_of(good_days, good_instants), "amount": figure(meter)}),
                min_size=1, max_size=4)}, optional={
                "daily": st.dictionaries(good_days, figure(meter), max_size=3)}))

    usage = st.fixed_dictionaries({}, optional={name: meter_data(name) for name in catalog.meters})
    step = catalog.uptime_step or Fraction(1, 100)
    uptime = st.dictionaries(st.sampled_from(MONTHS), st.one_of(
        st.integers(9000, 10000).map(lambda n: f"{exact_decimal(n * step)}%"),
        st.sampled_from(["99.89%", "99.9%", "99.01%", "99", "100", "98.99%", "0%"])),
        max_size=3)

    @st.composite
    def record(draw):
        plan = draw(st.sampled_from([p.name for p in catalog.plans]))
        data: dict = {"account": "acme", "plan": plan}
        if draw(st.booleans()):
            data["usage"] = draw(usage)
        if draw(st.integers(0, 3)) == 0:
            data["status"] = draw(st.sampled_from(["active", "suspended"]))
        ladder = catalog.ladder_of(plan)
        if ladder is not None and draw(st.booleans()):
            data["lookback"] = draw(st.lists(figure(ladder.item), max_size=3))
        if draw(st.integers(0, 3)) == 0:
            data["since"] = draw(st.sampled_from(["2025-11", "2026-01"]))
        if catalog.slas and draw(st.booleans()):
            data["uptime"] = draw(uptime)
        capped = [name for name in catalog.meters
                  if any(p.items.get(name) and p.items[name].customer_cap for p in catalog.plans)]
        if capped and draw(st.booleans()):
            data["caps"] = draw(st.fixed_dictionaries({}, optional={
                name: st.one_of(figure(name), st.integers(0, 300)) for name in capped}))
        if catalog.quotas and draw(st.integers(0, 3)) == 0:
            data["policy"] = draw(st.sampled_from(["wait_for_reset", "manual_upgrade",
                                                   "auto_upgrade"]))
        if draw(st.integers(0, 3)) == 0:
            data["timeline"] = draw(st.lists(st.fixed_dictionaries({
                "on": st.one_of(good_days, good_instants),
                "status": st.sampled_from(["active", "suspended"])}), max_size=3))
        if (catalog.quotas or capped) and draw(st.integers(0, 3)) == 0:  # policies, caps set
            data["timeline"] = data.get("timeline", []) + draw(st.lists(st.one_of(
                st.fixed_dictionaries({"on": st.one_of(good_days, good_instants),
                                       "policy": st.sampled_from(["wait_for_reset",
                                                                  "manual_upgrade",
                                                                  "auto_upgrade"])}),
                st.fixed_dictionaries({"on": st.one_of(good_days, good_instants),
                                       "cap": st.fixed_dictionaries({}, optional={
                                           name: st.integers(0, 300) for name in capped})})),
                min_size=1, max_size=2))
        counted = [name for name, meter in catalog.meters.items() if meter.source == "count"]
        if counted and draw(st.integers(0, 3)) == 0:  # requests to create elements
            data["requests"] = draw(st.lists(st.fixed_dictionaries({
                "on": st.one_of(good_days, good_instants),
                "create": st.sampled_from(counted), "count": st.integers(1, 2000)}),
                min_size=1, max_size=3))
        stored = [name for name in catalog.meters
                  if any(p.items.get(name) and p.items[name].element_limits
                         for p in catalog.plans)]
        if stored and draw(st.integers(0, 3)) == 0:  # elements and requests to store in them
            name = draw(st.sampled_from(stored))
            kinds = sorted({kind for p in catalog.plans if p.items.get(name)
                            for kind in p.items[name].element_limits})
            elements = draw(st.dictionaries(st.sampled_from(["s-1", "s-2", "d-1"]),
                                            st.fixed_dictionaries({
                                                "of": st.sampled_from(kinds),
                                                "used": figure(name)}), min_size=1, max_size=3))
            data.setdefault("usage", {})
            data["usage"][name] = {**data["usage"].get(name, {}), "elements": elements}
            data["requests"] = data.get("requests", []) + draw(st.lists(st.fixed_dictionaries({
                "on": st.one_of(good_days, good_instants), "store": st.just(name),
                "element": st.sampled_from(sorted(elements)), "amount": figure(name)}),
                min_size=1, max_size=3))
        if catalog.calendar is not None and draw(st.integers(0, 2)) == 0:  # paid by hand
            data["automatic_charge"] = draw(st.sampled_from([False, False, True]))
            data["timeline"] = data.get("timeline", []) + draw(st.lists(st.fixed_dictionaries({
                "on": st.one_of(good_days, good_instants),
                "pay": st.sampled_from(["2025-12", *MONTHS])}), max_size=3))
        if catalog.changes and draw(st.integers(0, 2)) == 0:  # plan change requests
            data["timeline"] = data.get("timeline", []) + draw(st.lists(change, min_size=1,
                                                                       max_size=3))
        if draw(st.integers(0, 5)) == 0:  # the customer's spending limit on usage
            data["spending_limit"] = draw(st.sampled_from(["0", "10.00", "55.5", 250, "1000"]))
        if catalog.add_ons and draw(st.booleans()):  # add-ons held, bought, changed, removed
            names = sorted(catalog.add_ons)
            quantity = st.integers(0, 6)
            offered = [n for n in names if plan in catalog.add_ons[n].plans]
            if offered and draw(st.booleans()):  # at the start: those the plan offers
                data["add_ons"] = draw(st.dictionaries(st.sampled_from(offered), quantity,
                                                       max_size=2))
            data["timeline"] = data.get("timeline", []) + draw(st.lists(st.fixed_dictionaries({
                "on": st.one_of(good_days, good_instants), "add_on": st.sampled_from(names)},
                optional={"quantity": quantity}), min_size=1, max_size=4))
            for name, held in list(data.get("add_ons", {}).items()):  # one bought once: 0 or 1
                if not catalog.add_ons[name].unit:
                    data["add_ons"][name] = min(held, 1)
            for event in data["timeline"]:
                if "add_on" in event and not catalog.add_ons[event["add_on"]].unit and (
                        event.get("quantity", 1) > 1):
                    event["quantity"] = 1
        if len(catalog.products) > 1 and draw(st.integers(0, 3)) == 3:  # on every product
            del data["plan"]
            data["plans"] = {product.name: draw(st.sampled_from(product.plans))
                             for product in catalog.products}
            data.pop("lookback", None)
            data.pop("spending_limit", None)  # (not for an account on several products)
            held = set(data["plans"].values())
            data["add_ons"] = {name: quantity for name, quantity in data.get("add_ons", {}).items()
                               if held & set(catalog.add_ons[name].plans)}
        if len(catalog.currencies) > 1 and draw(st.integers(0, 3)):  # billed in each currency
            data["currency"] = draw(st.sampled_from(catalog.currencies))
        if catalog.coupons and draw(st.booleans()):  # coupons redeemed, some twice
            data["timeline"] = data.get("timeline", []) + draw(st.lists(st.fixed_dictionaries({
                "on": st.one_of(good_days, good_instants),
                "redeem": st.sampled_from(sorted(catalog.coupons))}), min_size=1, max_size=4))
        return data

    roles = sorted({role for rule in catalog.changes for role in rule.roles})
    change = st.fixed_dictionaries({
        "on": st.one_of(good_days, good_instants),
        "change_plan": st.sampled_from([p.name for p in catalog.plans])}, optional={
        "by": st.sampled_from(roles or ["admin"]),
        "deposit": st.sampled_from(["200", "100", 200]),
        "commitment": st.sampled_from(["6 months", "1 year", "3 months"])})

    return record()


def edges(catalog, meter: str) -> list[Decimal]:
    """The figures of `meter` (in its unit) where a bill changes: each plan's included amount and
    limit, a few blocks beyond what is included, the ladder's top and its add-on blocks; each
    exactly, a thousandth either side, and half a block above."""
    unit = catalog.meters[meter].unit
    amounts: set[Fraction] = set()
    for plan in catalog.plans:
        terms = plan.items.get(meter)
        if terms is None:
            continue
        for amount in (terms.included, terms.limit, terms.ceiling()):
            if amount is not None:
                amounts.add(amount)
        amounts.update(terms.included + k * terms.block for k in (1, 2, 3))
        amounts.add(terms.included + terms.block * 3 / 2)
        for band in terms.bands:  # a tiered price's band edges, and a block or two beyond them
            if band.upto is not None:
                amounts.update(band.upto + k * band.block for k in (0, 1, 2))
                amounts.add(band.upto + band.block / 2)
    quota = catalog.quotas.get(meter)
    for plan in catalog.plans:  # where a quota's notifications are due, and its slack ends
        terms = plan.items.get(meter)
        if quota is not None and terms is not None and terms.limit is not None:
            amounts.add(terms.limit * (1 + quota.slack))
            amounts.update(terms.limit * (1 - note.remaining) for note in quota.notifications
                           if note.remaining is not None)
    for ladder in catalog.ladders:
        if ladder.item == meter and ladder.overflow_block:
            top = catalog.plan(ladder.tiers[-1]).items[meter]
            base = top.limit if top.limit is not None else top.included
            amounts.update(base + k * ladder.overflow_block for k in (1, 2))
    thousandth = Fraction(1, 1000)
    found = set()
    for amount in amounts:
        for value in (unit.from_base(amount) + d for d in (0, thousandth, -thousandth)):
            figure = exact_decimal(value) if value >= 0 else None
            if figure is not None:
                found.add(figure)
    return sorted(found) or [Decimal(0)]


def any_records(catalog_name: str):
    """Records whose every part may be invalid: unknown plans, meters and keys, malformed days
    and instants, figures that are negative, too fine, out of range or not numbers."""
    catalog = CATALOGS[catalog_name]
    plans = st.one_of(st.sampled_from([p.name for p in catalog.plans]), st.just("Nope"),
                      st.just(7))
    meters = st.sampled_from(list(catalog.meters) + ["nope"])
    instants = st.sampled_from(["2026-03-05T10:00:00Z", "2026-03-05T09:30:00Z",
                                "2026-02-28T23:30:00-02:00", "2026-03-31T23:59:59Z",
                                "2026-04-01T00:00:00+01:00", "2026-03-05T10:00:00",
                                "2026-03-05T25:00:00Z", "2026-03-05 10:00"])
    usage_events = st.lists(st.fixed_dictionaries({"on": st.one_of(days, instants),
                                                   "amount": figures}), max_size=4)
    usage = st.dictionaries(meters, st.one_of(
        st.fixed_dictionaries({"daily": st.dictionaries(days, figures, max_size=6)}),
        st.fixed_dictionaries({}, optional={"daily": st.dictionaries(days, figures, max_size=4),
                                            "events": usage_events})),
        max_size=2)
    event = st.fixed_dictionaries({"on": st.one_of(days, instants, st.builds(
        dt.datetime, st.just(2026), st.integers(1, 6), st.integers(1, 28), st.integers(0, 23),
        st.just(0), st.just(0), st.just(0), st.just(dt.timezone.utc))),
                                   "status": st.sampled_from(["active", "suspended", "gone"])})
    optional = {
        "status": st.sampled_from(["active", "suspended", "asleep", None, ["active"]]),
        "usage": st.one_of(usage, st.none()),
        "lookback": st.one_of(st.lists(figures, max_size=3), st.none()),
        "since": st.sampled_from(["2025-11", "2026-01", "2026-03", "26-1", "2026-13", None]),
        "timeline": st.one_of(st.lists(event, max_size=3), st.none()),
        "uptime": st.just({"2026-03": "99.5%"}),
        "colour": st.just("blue"),
        "currency": st.sampled_from([*CATALOGS[catalog_name].currencies, "GBP", 7, None]),
    }
    return st.fixed_dictionaries({"account": st.sampled_from(["acme", "", 42]), "plan": plans},
                                 optional=optional)


def interpret(catalog_name: str, record: dict, periods: list[str]):
    try:
        return COMPILED[catalog_name].interpret(record, periods), None
    except PlanlangError as error:
        return None, [d.code for d in error.diagnostics]


def figures_of(bill):
    return (bill.account, bill.period, bill.plan, bill.next_plan, bill.total,
            tuple((x.kind, x.item, x.plan, x.quantity, x.unit_price, x.amount, x.rule)
                  for x in bill.lines),
            tuple((d.kind, d.subject, d.date, d.outcome, d.reasons[0].code if d.reasons else None,
                   d.rule, d.effective) for d in bill.decisions))


def check(catalog_name: str, record: dict, periods: list[str]) -> list | None:
    """The compiled runner agrees with the interpreter on `record`: its outcomes, or None when
    the interpreter refuses the record (and the runner refuses it alike)."""
    bills, errors = interpret(catalog_name, record, periods)
    runner = COMPILED[catalog_name].runner(periods)
    if errors is not None:
        with pytest.raises(PlanlangError) as raised:
            runner(record)
        assert [d.code for d in raised.value.diagnostics] == errors
        return None
    outcomes = runner(record)
    assert [figures_of(b) for b in bills] == [tuple(o[:7]) for o in outcomes]
    # the bills the batch writes: the same data, reasons' words included, less the steps
    assert [plain(b) for b in runner.bills(record)] == [plain(b) for b in bills]
    # …and their JSON lines, written straight from the outcomes, are those bills' `json_line`
    assert runner.json_lines(record) == [json_line(b, False) for b in runner.bills(record)]
    assert [tuple(o[:7]) for o in outcomes] == [tuple(o[:7]) for o in runner.batch([record])]
    assert [o.bill() for o in outcomes] == bills
    # explained: every step worded from the compiled walk's own figures, as the interpreter's
    explained = runner.bills(record, True)
    assert [to_data(b) for b in explained] == [to_data(b) for b in bills]
    assert runner.json_lines(record, True) == [json_line(b, True) for b in bills]
    return outcomes


PERIODS = st.sampled_from([["2026-03"], ["2026-01", "2026-02", "2026-03", "2026-04"],
                           ["2026-02", "2026-06"]])


@pytest.mark.parametrize("catalog_name", list(CATALOGS))
@settings(max_examples=int(os.environ.get("PLANLANG_COMPILED_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_agrees_with_the_interpreter(catalog_name, data):
    record = data.draw(records(catalog_name))
    periods = data.draw(PERIODS)
    # the caller's decimal context is the caller's: planlang computes in its own (money.EXACT)
    with data.draw(st.sampled_from([contextlib.nullcontext, hostile_context]))():
        outcomes = check(catalog_name, record, periods)
    # counted for the run's summary, which fails the run when too few are valid (conftest.py)
    record_draw(f"test_compiled {catalog_name}", valid=outcomes is not None,
                compiled=outcomes is not None and all(o.compiled for o in outcomes))


def hostile_context():
    """A caller's context that would round what planlang computes (3 digits, down), or raise."""
    return decimal.localcontext(decimal.Context(
        prec=3, rounding=decimal.ROUND_FLOOR, Emax=40, Emin=-40,
        traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow,
               decimal.DivisionByZero, decimal.Clamped, decimal.FloatOperation,
               decimal.Subnormal, decimal.Underflow]))


@pytest.mark.parametrize("periods", [["2026-03"], ["2026-02", "2026-03"]])
def test_each_currency_is_billed_by_its_own_compiled_catalog(periods):
    """A catalog priced in several currencies: a record is billed by its currency's runner, the
    generated month or months included (`compiled`), in that currency's amounts, with the
    interpreter's figures; a currency the catalog does not price in is the interpreter's PL428."""
    record = {"account": "a", "plan": "Starter",
              "usage": {"api_calls": {"daily": {"2026-03-03": 12345}},
                        "storage": {"daily": {"2026-03-05": "22.7"}}}}
    totals = {}
    for currency in (None, "USD", "EUR", "JPY"):
        priced = record if currency is None else {**record, "currency": currency}
        outcomes = check("currencies", priced, periods)
        assert outcomes is not None and all(o.compiled for o in outcomes)
        assert all(o.bill().currency == (currency or "USD") for o in outcomes)
        totals[currency] = outcomes[-1].total
    assert totals == {None: Decimal("31.98"), "USD": Decimal("31.98"), "EUR": Decimal("28.81"),
                      "JPY": Decimal("4671")}
    with pytest.raises(PlanlangError) as raised:
        COMPILED["currencies"].runner(periods)({**record, "currency": "GBP"})
    assert [d.code for d in raised.value.diagnostics] == ["PL428"]


def test_the_compiled_path_runs_for_every_catalog_without_daily_records():
    for name in CATALOGS:
        assert COMPILED[name].reason is None, name
    record = {"account": "a", "plan": "Cellular-Medium",
              "usage": {"data": {"daily": {"2026-03-20": "45 GB"}}}, "lookback": ["3 GB"]}
    outcome = COMPILED["edge"].bill(record, "2026-03")
    assert outcome.compiled
    assert (outcome.next_plan, outcome.total) == ("Cellular-Large", Decimal("55.00"))
    assert [(d.kind, d.code) for d in outcome.decisions] == [("tier-change", "tier-up"),
                                                             ("add-on", "above-top-tier")]
    assert outcome.decisions[0].rule.text == "up when above the limit"  # its plan line


def test_the_workload_of_the_seed_walks_month_by_month():
    """The edge-device example over four months: tier up, add-on, down after two months."""
    record = {"account": "site-17", "plan": "Cellular-Small", "since": "2026-01", "usage": {
        "data": {"daily": {"2026-01-20": "15 GB", "2026-02-20": "45 GB", "2026-03-20": "20 GB",
                           "2026-04-20": "12 GB"}}}}
    periods = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    check("edge", record, periods)
    outcomes = COMPILED["edge"].bill_periods(record, periods)
    assert all(o.compiled for o in outcomes)
    assert [o.next_plan for o in outcomes] == ["Cellular-Medium", "Cellular-Large", "Cellular-Large",
                                               "Cellular-Medium", "Cellular-Medium"]
    assert [str(o.total) for o in outcomes] == ["30.00", "55.00", "120.00", "90.00", "55.00"]


def test_suspension_and_a_bad_account_in_a_batch():
    runner = COMPILED["edge"].runner(["2026-03"])
    good = {"account": "a", "plan": "Cellular-Large", "status": "suspended"}
    outcome = runner.batch([good])[0]
    assert outcome.total == 0 and [d.kind for d in outcome.decisions] == ["not-billed"]
    with pytest.raises(PlanlangError) as raised:
        runner.batch([good, {"account": "b", "plan": "Cellular-Huge"}])
    assert [d.code for d in raised.value.diagnostics] == ["PL411"]


@pytest.mark.parametrize("periods", [["2026-03"], ["2026-02", "2026-03"]])
def test_a_status_or_an_event_that_is_a_list_is_refused(periods):
    check("edge", {"account": "a", "plan": "Cellular-Small", "status": ["active"]}, periods)
    check("edge", {"account": "a", "plan": "Cellular-Small", "timeline": [
        {"on": "2026-02-03", "status": ["suspended"]}]}, periods)


def test_a_figure_too_fine_is_refused_as_the_interpreter_refuses_it():
    """Trailing zeros count: 1.50000000000000000000 has 20 digits after the point."""
    for value in (Decimal("1.50000000000000000000"), json_number("1.50000000000000000000")):
        record = {"account": "a", "plan": "Medium", "usage": {"data": {"daily": {
            "2026-03-02": value}}}}
        check("tier", record, ["2026-03"])
        with pytest.raises(PlanlangError):
            COMPILED["tier"].runner(["2026-03"])(record)


def test_the_month_is_generated_code_also_with_a_function_per_plan(monkeypatch):
    from planlang.engine import generated

    inline = COMPILED["edge"].runner(["2026-03"]).one_month.source
    assert "if plan == 'Cellular-Small':" in inline and "PLANS = {" not in inline
    monkeypatch.setattr(generated, "INLINE_PLANS", 0)
    monkeypatch.setitem(COMPILED, "edge", compile_catalog(CATALOGS["edge"]))
    runner = COMPILED["edge"].runner(["2026-03"])
    assert "PLANS = {" in runner.one_month.source
    day = "2026-03-20"
    for record in [
        {"account": "a", "plan": "Cellular-Medium", "usage": {"data": {"daily": {
            day: json_number("45.5")}}}, "lookback": [json_number("3.0")]},
        {"account": "b", "plan": "Cellular-Large", "usage": {"data": {"daily": {day: "1 GB"}}},
         "lookback": [2, "1.5 GB"]},
        {"account": "c", "plan": "Cellular-Small", "status": "suspended"},
        {"account": "d", "plan": "Cellular-Small", "since": "2026-01"},
    ]:
        check("edge", record, ["2026-03"])
        assert runner(record)[0].compiled
    for record in [{"account": "e", "plan": "Cellular-Huge"},
                   {"account": "f", "plan": "Cellular-Small", "lookback": ["1500 MB"]}]:
        check("edge", record, ["2026-03"])  # refused, with the interpreter's message


def test_status_changes_at_a_time_of_day_stay_on_the_compiled_path():
    """Ordered by instant, whatever the offset; the decision is dated by the UTC day."""
    record = {"account": "a", "plan": "Cellular-Medium", "since": "2026-01", "timeline": [
        {"on": "2026-02-10T09:30:00Z", "status": "suspended"},
        {"on": "2026-02-10T08:00:00-03:00", "status": "active"},  # 11:00 UTC: after
        {"on": "2026-03-31T23:30:00-02:00", "status": "suspended"}]}  # 1 April UTC
    periods = ["2026-02", "2026-03", "2026-04"]
    check("edge", record, periods)
    outcomes = COMPILED["edge"].bill_periods(record, periods)
    assert all(o.compiled for o in outcomes)
    assert [o.total for o in outcomes] == [Decimal("55.00"), Decimal("30.00"), Decimal("0.00")]
    assert outcomes[2].decisions[0].date == dt.date(2026, 4, 1)


def test_usage_events_are_summed_by_utc_day_and_a_days_figure_replaces_them():
    record = {"account": "a", "plan": "Cellular-Medium", "usage": {"data": {
        "daily": {"2026-03-05": "2 GB"},
        "events": [{"on": "2026-03-05T10:00:00Z", "amount": "30 GB"},  # replaced by 2 GB
                   {"on": "2026-03-06T23:30:00-02:00", "amount": "20 GB"},  # 7 March, UTC
                   {"on": "2026-03-31T23:30:00-02:00", "amount": "500 GB"}]}}}  # 1 April, UTC
    for periods in (["2026-03"], ["2026-03", "2026-04"]):
        check("edge", record, periods)
        outcomes = COMPILED["edge"].runner(periods)(record)
        assert all(o.compiled for o in outcomes)
    assert [o.next_plan for o in outcomes] == ["Cellular-Medium", "Cellular-Large"]


def test_figures_are_added_exactly_however_many_digits_they_have():
    """Two figures of 33 digits make a sum of 34: the default context's 28 would round it, and
    the add-on's reason would show another figure than the interpreter's."""
    big = json_number("999999999999999.123456789012345678")
    record = {"account": "a", "plan": "Cellular-Large", "usage": {"data": {"daily": {
        "2026-03-05": big, "2026-03-06": big, "2026-03-07": json_number("0.000000000000000001")}}}}
    for periods in (["2026-03"], ["2026-03", "2026-04"]):
        check("edge", record, periods)


def test_minus_zero_is_zero_in_the_reasons_words():
    for zero in (Decimal("-0"), "-0.0", "-0 GB"):
        record = {"account": "a", "plan": "Cellular-Medium", "lookback": [zero],
                  "usage": {"data": {"daily": {"2026-03-02": zero}}}}
        check("edge", record, ["2026-03"])


TIB = """\
catalog tib
  currency USD

unit byte
unit GB = 1,000,000,000 bytes
unit TiB = 1,099,511,627,776 bytes

meter storage in TiB: usage, monthly sum

plan Base: $ 10 per month
  storage: 1.3 GB included, then $ 25 per TiB
"""


def test_an_included_amount_in_another_unit_is_converted_exactly(tmp_path, capsys):
    """1.3 GB in TiB has 40 digits after the point: kept at 28, the included amount fell below
    a usage of exactly 1.3 GB, and the batch billed $35 where `--explain` and `--account` billed
    $10 (issue 11, item 6). Every mode bills $10 now, the command line's too."""
    import json

    from planlang.compile import parse_catalog_text
    from planlang.drivers.batch import bill_one
    from planlang.drivers.cli import main

    catalog = parse_catalog_text(TIB, "tib.plan")
    record = {"account": "a", "plan": "Base", "usage": {"storage": {"daily": {
        "2026-11-05": "1.3 GB"}}}}
    runner = compile_catalog(catalog).runner(["2026-11"])
    outcome = runner(record)[0]
    assert outcome.compiled
    assert str(outcome.total) == "10.00"
    assert [o.total for o in runner.batch([record])] == [outcome.total]
    assert [b.total for b in bill_one(catalog, record, ["2026-11"], explain=False)] == [
        outcome.total]
    assert outcome.bill().total == outcome.total
    assert compile_catalog(catalog).runner(["2026-10", "2026-11"])(record)[1].total == \
        outcome.total
    # a byte more is billed a started TiB
    record["usage"]["storage"]["daily"]["2026-11-05"] = "1300000001 bytes"
    assert str(runner(record)[0].total) == str(bill_one(catalog, record, ["2026-11"])[0].total) \
        == "35.00"

    plan = tmp_path / "tib.plan"
    plan.write_text(TIB)
    accounts = tmp_path / "tib.jsonl"
    accounts.write_text('{"account": "a", "plan": "Base", "usage": {"storage": {"daily": '
                        '{"2026-11-05": "1.3 GB"}}}}\n')
    account = tmp_path / "tib.yaml"
    account.write_text("account: a\nplan: Base\nusage:\n  storage:\n    daily:\n"
                       "      2026-11-05: 1.3 GB\n")
    totals = []
    for extra in ([], ["--explain"]):
        out = tmp_path / f"bills{len(extra)}.jsonl"
        assert main(["bill", str(plan), "--accounts", str(accounts), "--period", "2026-11",
                     "--out", str(out), *extra]) == 0
        totals.append(json.loads(out.read_text())["total"])
    assert main(["bill", str(plan), "--account", str(account), "--period", "2026-11",
                 "--format", "json"]) == 0
    totals.append(json.loads(capsys.readouterr().out)["total"])
    assert totals == ["10.00", "10.00", "10.00"]


def test_a_ladders_limit_in_another_unit_is_converted_exactly():
    """The same for a ladder's limit: rounded down at 28 digits, a usage of exactly the limit was
    above it, and the compiled path scheduled a tier-up the interpreter does not."""
    from planlang.compile import parse_catalog_text
    from planlang.drivers.batch import bill_one

    catalog = parse_catalog_text(TIB.replace(", then $ 25 per TiB", "").replace(
        "plan Base", "plan Small") + "plan Large: $ 20 per month\n  storage: 2 GB included\n\n"
        "ladder Tiers: Small, Large\n  by storage\n  up when above the limit\n", "tib.plan")
    record = {"account": "a", "plan": "Small", "usage": {"storage": {"daily": {
        "2026-11-05": "1.3 GB"}}}}
    outcome = compile_catalog(catalog).runner(["2026-11"])(record)[0]
    walked = compile_catalog(catalog).runner(["2026-10", "2026-11"])(record)[1]
    assert outcome.compiled and walked.compiled
    assert outcome.next_plan == walked.next_plan == "Small" == bill_one(
        catalog, record, ["2026-11"])[0].next_plan
    assert not outcome.decisions


# ---- the generated month writes the rules in place (generated._call) ----

def test_the_tier_month_writes_the_ladder_and_the_extra_in_place():
    """bench/tier.plan's month has no call of `ladder_move`, `extra` or `started_blocks`: their
    bodies are written in place, with what the tier's constants decide taken out (Small has no
    lower tier: no look-back window is taken, and its look-back is checked, not kept; Large no
    higher one: no test against a limit)."""
    source = COMPILED["tier"].runner(["2026-03"]).one_month.source
    for rule in ("ladder_move(", "extra(", "started_blocks("):
        assert rule not in source
    small, medium, large = (source.split(f"if plan == '{p}':")[-1].split("plan == ")[0]
                            for p in ("Small", "Medium", "Large"))
    assert "ladder_move_window" not in small and "ladder_move_window" in medium
    assert "history" not in small and "checked(value" in small
    assert "divmod(" in large and "divmod(" not in medium
    assert "scheduled = 'Large'" in medium
    # one look-back figure alone: the window is known to be it and the month's usage (no list
    # made, sliced or measured); a longer look-back keeps its list
    for plan in (medium, large):
        assert "max(back, m0) <" in plan and "history.append(m0)" in plan
    # `money.round_money` and `money.total` in place too: the cached zero and the fee line's
    # part of the total worked out once
    assert not re.search(r"\b(round_money|_zero)\d+\(", large)
    assert ".quantize(" in large


def test_lists_written_out_are_read_in_place():
    """The folds behind the look-back window: a slice or an index of a list of names with
    constant bounds, `len`, `max`, `min` and `tuple` of one; a local is only written where
    used when the rule only reads it."""
    from planlang.engine import generated

    def node(text):
        return ast.parse(text, mode="eval").body

    assert ast.unparse(generated._slice(node("[a, b, c][1:]"))) == "[b, c]"
    assert ast.unparse(generated._slice(node("[a, b][0]"))) == "a"
    assert ast.unparse(generated._slice(node("[a, b][5]"))) == "[a, b][5]"  # IndexError, as written
    assert ast.unparse(generated._slice(node("[a, b][::0]"))) == "[a, b][::0]"
    assert ast.unparse(generated._slice(node("[a, b][n:]"))) == "[a, b][n:]"
    for text, written in [("len([a, b])", "2"), ("max([a, b])", "max(a, b)"), ("min([a])", "a"),
                          ("tuple([a, b])", "(a, b)"), ("max([])", "max([])"),
                          ("sum([a, b])", "sum([a, b])")]:
        call = node(text)
        assert ast.unparse(generated._of_display(call.func.id, call.args[0], call)) == written

    def reads(history):
        window = history[-2:]
        return len(window) == 2 and max(window) < 3

    def changes(history):
        window = history[-2:]
        window.append(1)
        return max(window)

    assert generated._read_only(reads) == {"window", "history"}
    assert generated._read_only(changes) == {"history"}

    def rebinds(first, second):
        low = first + 1
        window = [low, second]
        low = second + 2
        return max(window)

    def written(rule):
        out = generated._Writer()
        generated._call(out, rule, [ast.Name("m0", ast.Load()), ast.Name("back", ast.Load())],
                        lambda value, at: out(at, f"result = {ast.unparse(value)}"))
        return [line.strip() for line in out.lines]

    # a list naming a local the rule assigns again is made where the rule makes it (and each
    # assignment names a local of its own)
    assert written(rebinds) == ["rebinds_low = m0 + 1", "rebinds_window = [rebinds_low, back]",
                                "rebinds_low_2 = back + 2", "result = max(rebinds_window)"]
    # a list of names given to a rule that changes it: the rule is called with it
    out = generated._Writer()
    generated._call(out, changes, [ast.List([ast.Name("m0", ast.Load())], ast.Load())],
                    lambda value, at: out(at, f"result = {ast.unparse(value)}"))
    assert out.lines == ["    result = changes0([m0])"]


LADDER_RECORDS = [
    {"account": f"a-{plan}-{usage}-{back}", "plan": plan,
     "usage": {"data": {"daily": {"2026-03-09": json_number(usage)}}},
     "lookback": [json_number(back)]}
    for plan in ("Cellular-Small", "Cellular-Medium", "Cellular-Large", "Small", "Medium",
                 "Large")
    for usage in ("0", "9.9", "10", "10.1", "24.9", "25", "25.1", "40", "40.1", "50", "61.5")
    for back in ("0", "9.9", "10", "25", "60")]


@pytest.mark.parametrize("catalog_name", ["tier", "edge"])
def test_the_rules_written_in_place_decide_as_the_general_walk(catalog_name):
    """Around every limit and block of both ladders: the generated month's outcomes, traced and
    not, are the general walk's (which calls the rules), and the interpreter's figures."""
    runner = COMPILED[catalog_name].runner(["2026-03"])
    plans = {plan.name for plan in CATALOGS[catalog_name].plans}
    records = [r for r in LADDER_RECORDS if r["plan"] in plans]
    assert len(records) >= 150
    # a look-back of two figures (its list kept), and none (this month's usage alone)
    records += [{**r, "lookback": [json_number("9.9"), *r["lookback"]]} for r in records[::3]]
    records += [{k: v for k, v in r.items() if k != "lookback"} for r in records[1::3]]
    with decimal.localcontext(EXACT):
        for record in records:
            for trace in (False, True):
                assert runner.one_month(record, trace) == runner.walk(record, trace)[0], record
    for record in records[::7]:
        check(catalog_name, record, ["2026-03"])


def test_a_rule_that_cannot_be_written_in_place_is_called(monkeypatch):
    """A rule written with what the generator does not write in place (here a loop) is called
    from the generated month instead, with the same outcomes."""
    from planlang.engine import rules

    ladder_move = rules.ladder_move
    calls = []

    def looped(rung, usage, history):
        for _ in range(1):
            calls.append(usage)
        return ladder_move(rung, usage, history)

    before = COMPILED["tier"].runner(["2026-03"])
    monkeypatch.setattr(rules, "ladder_move", looped)
    after = compile_catalog(CATALOGS["tier"]).runner(["2026-03"])
    assert "looped" in after.one_month.source and "ladder_move_window" not in (
        after.one_month.source)
    records = [r for r in LADDER_RECORDS if r["plan"] in ("Small", "Medium", "Large")]
    assert ([tuple(o[:7]) for o in after.batch(records)]
            == [tuple(o[:7]) for o in before.batch(records)])
    assert len(calls) == len(records)


class _Terms(NamedTuple):
    limit: Decimal
    block: Decimal | None


def _toy(terms, usage):
    """A rule-like function: constants to fold, a rule of rules.py assigned from, branches with
    nothing to do, and returns of every kind."""
    limit = terms.limit
    if terms.block is None or usage <= limit:
        pass
    else:
        blocks = started_blocks(usage - limit, terms.block)
        return blocks, limit
    if terms.block is not None and not usage:
        return None
    return usage


@pytest.mark.parametrize("terms", [_Terms(Decimal(10), Decimal("2.5")), _Terms(Decimal(10), None)])
def test_a_function_written_in_place_gives_what_it_returns(terms):
    from planlang.engine.generated import _call, _name, _Writer

    out = _Writer()
    out(0, "def written(usage):")
    _call(out, _toy, [terms, _name("usage")], lambda value, indent: out(
        indent, f"return {ast.unparse(value)}"))
    source = "\n".join(out.lines)
    namespace = dict(out.names)
    exec(source, namespace)  # noqa: S102 - the test's own generated source
    assert "_toy(" not in source and "started_blocks(" not in source
    assert ("if " in source) == (terms.block is not None)  # the tests the constants decide
    with decimal.localcontext(EXACT):
        for usage in ("0", "0.0", "9.9", "10", "10.1", "12.5", "12.6", "100"):
            assert namespace["written"](Decimal(usage)) == _toy(terms, Decimal(usage)), usage


def test_a_batch_gives_each_record_what_it_gives_alone():
    """The generated month's `batch` (what `runner.batch` calls) bills record after record as
    the generated function does one record: accounts billed in place, by the general walk (a
    timeline), from another month's day or a day given as a date, and by the interpreter."""
    runner = COMPILED["tier"].runner(["2026-03"])
    odd = [
        {"account": "walk", "plan": "Medium", "timeline": [{"on": "2026-03-10",
                                                             "status": "suspended"}]},
        {"account": "days", "plan": "Large", "usage": {"data": {"daily": {
            "2026-02-28": "70", "2026-03-31": "41 GB", dt.date(2026, 3, 5): 2}}}},
        {"account": "off", "plan": "Small", "status": "suspended", "lookback": ["1 GB"]},
        {"account": "events", "plan": "Medium", "usage": {"data": {"events": [
            {"on": "2026-03-02T10:00:00Z", "amount": "30"}]}}, "lookback": [1]},
    ]
    records = [r for r in LADDER_RECORDS if r["plan"] in ("Small", "Medium", "Large")]
    records = records[:40] + odd + records[40:80]
    alone = [runner(record)[0] for record in records]
    batch = runner.batch(records)
    assert [tuple(o[:7]) for o in batch] == [tuple(o[:7]) for o in alone]
    assert [o.compiled for o in batch] == [o.compiled for o in alone]
    for record in odd:
        check("tier", record, ["2026-03"])


@pytest.mark.parametrize("enabled", [True, False])
def test_a_batch_longer_than_the_collectors_passes_gives_each_record_its_outcome(
        monkeypatch, enabled):
    """A batch billed in chunks between the collector's passes over the young objects (here
    7 records, the records given by a generator): every record's outcome, in order, and the
    collector as it was before; with the collector off, it stays off and makes no pass."""
    from planlang.engine import compiled

    monkeypatch.setattr(compiled, "_YOUNG", 7)
    passes = []
    monkeypatch.setattr(compiled.gc, "collect", lambda generation=2: passes.append(generation))
    runner = COMPILED["tier"].runner(["2026-03"])
    records = [r for r in LADDER_RECORDS if r["plan"] in ("Small", "Medium", "Large")][:40]
    alone = [runner(record)[0] for record in records]
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        batch = runner.batch(record for record in records)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert batch == alone
    assert passes == ([0] * 6 if enabled else [])


# ---- the generated month reads count and storage meters in place (generated._day_figures) ----

MARCH = [f"2026-03-{day:02d}" for day in range(1, 32)]


def _days(values) -> dict:
    """Day figures of March, the values given in turn (repeated to fill the month)."""
    return {day: values[number % len(values)] for number, day in enumerate(MARCH)}


# the day figures of a count or storage meter, every form the generated month reads in place
# and the others, which the general reading reads (or refuses)
DAY_FIGURES = [
    _days([1200, 1500, 0]), _days([3]), _days([10**18 - 1]), _days([10**18 // 20]),
    _days([-1, 3]), _days([True, 2]), _days([10**18, 1]), _days([2.5]),
    _days([Decimal("3.25"), 4]), _days([json_number("1000.50"), json_number("3")]),
    _days([Decimal("-0"), json_number("-0.0")]), _days([Decimal("2.0000000000000000001")]),
    _days([Decimal("1.50000000000000000000")]), _days([Decimal("0.000000000000000001")]),
    _days([Decimal("999999999999999999.999999999999999999")]), _days([Decimal("1e18")]),
    _days([Decimal("50000000000000000.5"), 3]),
    _days([Decimal("-0.5"), 1]), _days([Decimal("NaN")]), _days([Decimal("Infinity")]),
    _days(["3000 MB", "2.5 GB"]), _days(["1234 MB"]), _days(["7", "0.5"]), _days(["-1 MB"]),
    _days(["x"]), _days(["3 hours"]), _days(["3000 MB", 2]),
    _days([{"count": 5, "disabled": 1}, {"count": 7}]), _days([{"count": 5, "disabled": 9}]),
    _days([{"count": "5"}, {"count": "6"}]), _days([{"count": Decimal("2.5")}]),
    _days([{"count": 5, "disabled": "1"}]), _days([{"count": 5, "disabled": -1}]),
    _days([{"count": 5, "colour": 1}]), _days([{"disabled": 1}]), _days([{"count": True}]),
    _days([{"count": 5}, 5]), _days([{"count": 5, "disabled": 10**18}]),
    {"2026-03-02": 5}, {}, {"2026-02-28": 5, "2026-03-02": 7}, {dt.date(2026, 3, 2): 5},
]
DAY_RECORDS = [
    {"account": f"a{number}-{item}-{plan}", "plan": plan, "usage": {item: data}}
    for number, figures in enumerate(DAY_FIGURES)
    for item in ("devices", "channels", "storage", "calculators")
    for plan in ("Free", "Start")
    for data in ({"daily": figures},)
] + [
    {"account": "intervals", "plan": "Pro", "usage": {"devices": {
        "intervals": [{"from": "2026-03-02", "count": 3000}], "daily": {"2026-03-05": 10}}}},
    {"account": "snapshots", "plan": "Pro", "usage": {"storage": {
        "snapshots": {"2026-03-02T10:00:00Z": "5 GB"}}}},
    {"account": "both", "plan": "Pro", "usage": {"storage": {
        "daily": {"2026-03-02": "5 GB"}, "elements": {}}}},
    {"account": "not-a-dict", "plan": "Pro", "usage": {"storage": ["5 GB"]}},
]


def _general(runner, record: dict, trace: bool):
    """The general walk's outcome for a one-month runner (or the interpreter's, or its error
    codes)."""
    from planlang.engine.compiled import _Interpret

    try:
        try:
            return runner.walk(record, trace)[0]
        except (_Interpret, ArithmeticError):
            return runner.fallback(record)
    except PlanlangError as error:
        return [d.code for d in error.diagnostics]


def test_count_and_storage_day_figures_are_read_in_place_as_the_general_walk_reads_them():
    """flespi's count meters (a daily average, then a monthly average rounded up), its storage
    (in MB, rounded up to 1 GB) and a count without a monthly step (its highest day, against
    Free's ceiling): the generated month's outcome, traced and not, is the general walk's
    (or the interpreter's, refusals included) for every form of day figures, whether it
    reads them in place or hands them to the general reading."""
    runner = COMPILED["flespi"].runner(["2026-03"])
    source = runner.one_month.source
    for call in ("metered(", "rounded(", "over_ceiling("):  # written in place
        assert call not in source
    assert "rounded_whole" in source
    with decimal.localcontext(EXACT):
        for record in DAY_RECORDS:
            for trace in (False, True):
                try:
                    generated = runner.one_month(record, trace)
                except PlanlangError as error:
                    generated = [d.code for d in error.diagnostics]
                general = _general(runner, record, trace)
                assert generated == general, record
                if not isinstance(general, list):
                    assert generated.compiled == general.compiled, record
    for record in DAY_RECORDS[::5]:
        check("flespi", record, ["2026-03"])


def test_the_usual_day_figures_are_not_handed_to_the_general_reading(monkeypatch):
    """Whole numbers, texts read before, numbers and `{count, disabled}`, every day of the
    month: read in place (the general reading is not called), billed as the interpreter bills
    them."""
    from planlang.engine.compiled import _Runner

    general = _Runner.month_figure
    calls = []

    def counted(self, data, meter, month):
        calls.append(data)
        return general(self, data, meter, month)

    monkeypatch.setattr(_Runner, "month_figure", counted)
    runner = compile_catalog(CATALOGS["flespi"]).runner(["2026-03"])
    counts = [_days([1200, 1500, 0]), _days([Decimal("3.25"), 4]),
              _days([json_number("1000.50"), json_number("3")]),
              _days([{"count": 5, "disabled": 1}, {"count": 7}])]
    storage = [_days([3000, 2500]), _days([Decimal("3000.5"), 2]), _days([json_number("25.5")]),
               _days(["3000 MB", "2.5 GB"])]
    records = [{"account": f"a{number}", "plan": "Pro", "usage": {
        "devices": {"daily": devices}, "storage": {"daily": stored}}}
        for number, (devices, stored) in enumerate(zip(counts, storage, strict=True))]
    runner.batch(records)  # the texts read once, by the general reading
    calls.clear()
    outcomes = runner.batch(records)
    assert calls == []
    assert all(o.compiled for o in outcomes)
    for record in records:
        check("flespi", record, ["2026-03"])


def _rounded_twice(usage, step):
    """A rule-like function whose return calls a rule twice, inside an expression."""
    return rounded(usage, "up", step * 2) / 2 + rounded(usage, "down", step)


def test_calls_inside_an_expression_are_written_in_place_in_order():
    """Each call of a rule in an expression is written before it, where Python evaluates it;
    the first one's result is named before the second is written (their locals share names),
    and the constants' arithmetic is worked out once."""
    from planlang.engine.generated import _call, _name, _Writer

    out = _Writer()
    out(0, "def written(usage):")
    _call(out, _rounded_twice, [_name("usage"), Decimal("2.5")], lambda value, indent: out(
        indent, f"return {ast.unparse(value)}"))
    source = "\n".join(out.lines)
    namespace = dict(out.names)
    exec(source, namespace)  # noqa: S102 - the test's own generated source
    assert "rounded(" not in source and "_rounded_twice(" not in source
    assert "* 2" not in source  # 2.5 × 2 worked out
    with decimal.localcontext(EXACT):
        for usage in ("0", "2.4", "2.5", "2.6", "5", "7.5", "100.01"):
            assert namespace["written"](Decimal(usage)) == _rounded_twice(
                Decimal(usage), Decimal("2.5")), usage


# ---- several months: one generated loop (generated.months) ----

def year_records() -> list[dict]:
    """Edge tenants over the months of MONTHS: tier moves up and down with the look-back,
    add-ons carried over a suspended month, statuses on days and at instants (suspended from
    the start, reactivated, suspended twice in a month), day figures as text, numbers and dates
    and outside the run; and records the loop gives to the general walk whole (a start date, an
    event before the run, a plan change)."""
    day = dt.date(2026, 2, 14)
    return [
        {"account": "up-down", "plan": "Cellular-Small", "usage": {"data": {"daily": {
            "2026-01-03": "11 GB", "2026-02-10": json_number("26.5"), "2026-03-01": 3,
            "2026-04-30": Decimal("9.9"), "2026-05-05": "1500000000 byte", "2026-06-06": "0.1 GB"}}}},
        {"account": "add-ons", "plan": "Cellular-Large", "lookback": [json_number("5")],
         "usage": {"data": {"daily": {"2026-01-20": "55 GB", "2026-03-20": "41 GB",
                                      "2026-04-02": 50, "2026-06-30": "70.5 GB"}}},
         "timeline": [{"on": "2026-02-03", "status": "suspended"},
                      {"on": "2026-03-10T09:30:00Z", "status": "active"}]},
        {"account": "asleep", "plan": "Satellite-Medium", "status": "suspended",
         "usage": {"data": {"daily": {"2026-03-05": "12 GB", day: "1 GB",
                                      "2025-12-31": "99 GB", "2026-07-01": 7}}},
         "timeline": [{"on": "2026-02-28T23:30:00-02:00", "status": "active"},
                      {"on": "2026-04-04", "status": "suspended"},
                      {"on": "2026-04-05", "status": "active"},
                      {"on": "2026-04-05", "status": "suspended"},
                      {"on": "2026-06-01", "status": "active"}]},
        {"account": "quiet", "plan": "Satellite-Large", "lookback": ["0.5 GB", 0],
         "usage": {"data": {"daily": {}}}},
        {"account": "events", "plan": "Cellular-Medium", "usage": {"data": {"events": [
            {"on": "2026-03-02T10:00:00Z", "amount": "30"}]}}},
        {"account": "since", "plan": "Cellular-Medium", "since": "2025-11"},
        {"account": "before", "plan": "Cellular-Medium", "timeline": [
            {"on": "2025-12-31T23:00:00Z", "status": "suspended"}]},
    ]


YEAR_PERIODS = [MONTHS[:4], MONTHS, ["2026-02", "2026-06"], ["2026-01", "2026-03", "2026-04"]]


@pytest.mark.parametrize("periods", YEAR_PERIODS)
def test_several_months_are_billed_as_the_general_walk_bills_them(periods):
    """The generated loop's outcomes, traced and not, are the general walk's (which calls the
    rules) for every record it takes or hands on, and the interpreter's figures."""
    runner = COMPILED["edge"].runner(periods)
    assert runner.months is not None
    with decimal.localcontext(EXACT):
        for record in year_records():
            for trace in (False, True):
                assert runner.months(record, trace) == runner.walk(record, trace), record
    for record in year_records():
        outcomes = check("edge", record, periods)
        assert outcomes is not None and all(o.compiled for o in outcomes), record


def test_the_months_loop_writes_the_ladder_and_the_add_ons_in_place():
    """The loop over the months has no call of `ladder_move`, `add_ons` or `started_blocks`:
    their bodies are written in place, a move's branch deciding whether add-ons are counted
    (only a move to the top tier, or staying there, can add them)."""
    source = COMPILED["edge"].runner(MONTHS).months.source
    assert "for i in range(6):" in source
    for rule in ("ladder_move(", "add_ons(", "started_blocks("):
        assert rule not in source
    small = source.split("if plan == 'Cellular-Small':")[1].split("plan == ")[0]
    assert "divmod(" not in small and "count = 0" in small


def test_a_record_outside_the_months_loop_is_refused_or_walked_alike():
    """Records the loop refuses as the general walk does (the interpreter says why), and
    records with more than it takes, which it hands to the walk."""
    periods = MONTHS[:3]
    for record in [
        {"account": "a", "plan": "Cellular-Huge", "status": "suspended"},
        {"account": "b", "plan": "Cellular-Small", "usage": {"data": {"daily": {
            "2026-05-05": "-1 GB"}}}},  # a bad figure outside the months billed
        {"account": "c", "plan": "Cellular-Small", "lookback": ["1 GB"]},
        {"account": "d", "plan": "Cellular-Small", "timeline": [{"on": "2026-02-30",
                                                                 "status": "suspended"}]},
        {"account": "e", "plan": "Cellular-Small", "status": None},
        {"account": "f", "plan": "Cellular-Small", "usage": {"data": {"daily": {
            "2026-02-05": "1 GB", dt.date(2026, 2, 5): 1}}}},  # one day written twice
        {"account": "g", "plan": "Satellite-Large", "usage": {"data": {"daily": {
            "2026-01-05": "12 GB"}}}, "timeline": [
            {"on": "2026-02-01", "change_plan": "Satellite-Small"}]},
    ]:
        check("edge", record, periods)


def test_a_batch_of_several_months_gives_each_record_what_it_gives_alone():
    runner = COMPILED["edge"].runner(MONTHS)
    records = year_records() + [r for r in LADDER_RECORDS if r["plan"].startswith("Cell")][:30]
    alone = [outcome for record in records for outcome in runner(record)]
    batch = runner.batch(records)
    assert [tuple(o[:7]) for o in batch] == [tuple(o[:7]) for o in alone]
    assert [o.compiled for o in batch] == [o.compiled for o in alone]


def test_a_rule_the_months_loop_cannot_write_in_place_is_called(monkeypatch):
    """A ladder move written with a loop is called from the months loop (the add-ons then
    counted for the plan it schedules), with the same outcomes."""
    from planlang.engine import rules

    ladder_move = rules.ladder_move

    def looped(rung, usage, history):
        for _ in range(1):
            pass
        return ladder_move(rung, usage, history)

    before = COMPILED["edge"].runner(MONTHS)
    monkeypatch.setattr(rules, "ladder_move", looped)
    after = compile_catalog(CATALOGS["edge"]).runner(MONTHS)
    assert "looped" in after.months.source and "ladder_move_window" not in after.months.source
    records = year_records() + [r for r in LADDER_RECORDS if r["plan"].startswith("Sat")][:30]
    for trace in (False, True):
        with decimal.localcontext(EXACT):
            assert ([tuple(o[:7]) for record in records for o in after.months(record, trace)]
                    == [tuple(o[:7]) for record in records for o in before.months(record, trace)])


@pytest.mark.parametrize("volume", [False, True])
def test_tiered_is_written_in_place_with_its_bands_folded(volume):
    """`rules.tiered` written in place (`_Inline`), the bands' constants folded: no loop nor
    call left, a band below the figure charged as a constant, and the same charges as the rule
    for figures at, around and between the bands' edges."""
    from planlang import money
    from planlang.engine import generated, rules

    D = Decimal  # noqa: N806
    bands = ((D("10000"), D("0"), D("1"), None), (D("100000"), D("0.002"), D("1"), None),
             (D("1000000"), D("0.0015"), D("1000"), D("5.00")), (None, D("0.0005"), D("1"), None))
    out = generated._Writer()
    generated._call(out, rules.tiered, [ast.Name("m0", ast.Load()), bands, volume, "USD"],
                    lambda value, at: out(at, f"result = {ast.unparse(value)}"), decimals=("m0",))
    source = "\n".join(["def charges(m0):", *out.lines, "    return result"])
    assert "for " not in source and rules.tiered not in out.names.values()
    assert "band_charges(" not in source and "started_blocks(" not in source
    namespace = dict(out.names)
    exec(compile(source, "<tiered>", "exec"), namespace)  # noqa: S102 - the test's own source
    with decimal.localcontext(money.EXACT):
        for figure in ("0", "1", "9999", "10000", "10000.5", "10001", "99999", "100000",
                       "100001", "999999.9", "1000000", "1000001", "123456789"):
            assert namespace["charges"](D(figure)) == rules.tiered(D(figure), bands, volume,
                                                                   "USD"), figure


def test_a_month_split_between_plans_is_billed_as_the_general_walk_bills_it():
    """A change of plan mid-month with usage on both sides: each plan bills the usage of its own
    days (`timeline.usage_plans`), on the compiled path as in the interpreter, explained alike;
    a month whose change says `usage billed for the whole month` (Soracom Flux's subscription)
    has one plan billing its usage. A capped item's use, decided event by event, is billed on
    the plan of its day, on the compiled path too."""
    split = {"account": "a", "plan": "Free", "usage": {
        "api_calls": {"daily": {"2026-03-05": 14000, "2026-03-20": 120000}},
        "seats": {"intervals": [{"from": "2026-03-01", "count": 6}]}},
        "uptime": {"2026-03": "99%"},
        "timeline": [{"on": "2026-03-15T09:00:00Z", "change_plan": "Pro"}]}
    outcomes = check("usage-split", split, ["2026-03", "2026-04"])
    assert outcomes is not None and outcomes[0].compiled
    assert [(line.item, line.plan) for line in outcomes[0].lines if line.kind == "extra"] == [
        ("api_calls", "Free"), ("seats", "Free"), ("api_calls", "Pro"), ("seats", "Pro")]
    back = {**split, "timeline": [{"on": "2026-03-15T09:00:00Z", "change_plan": "Pro"},
                                  {"on": "2026-03-25", "change_plan": "Free"}]}
    outcomes = check("usage-split", back, ["2026-03"])
    # Free's days twice, billed together: March 1–14 and 25–31
    assert outcomes is not None and outcomes[0].compiled
    assert [(line.item, line.plan, line.quantity) for line in outcomes[0].lines
            if line.kind == "extra"] == [("api_calls", "Free", 4000), ("seats", "Free", 4),
                                         ("api_calls", "Pro", 20000), ("seats", "Pro", 1)]
    flux = {"account": "f", "plan": "Developer", "usage": {"events": {"events": [
        {"on": "2026-03-03", "amount": 60000}, {"on": "2026-03-20", "amount": 50000}]}},
        "timeline": [{"on": "2026-03-17T09:00:00Z", "change_plan": "Standard", "by": "root"}]}
    outcomes = check("flux", flux, ["2026-03"])
    assert outcomes is not None and outcomes[0].compiled
    assert [(line.item, line.plan, line.amount) for line in outcomes[0].lines
            if line.kind == "extra"] == [("events", "Standard", Decimal("4.00"))]
    capped = {"account": "c", "plan": "Basic", "caps": {"messages": 12000},
              "usage": {"messages": {"events": [
                  {"on": "2026-03-05", "amount": 3000}, {"on": "2026-03-20", "amount": 8000},
                  {"on": "2026-03-25", "amount": 2000}]}},
              "timeline": [{"on": "2026-03-15T08:00:00Z", "change_plan": "Plus"}]}
    outcomes = check("usage-split-capped", capped, ["2026-03"])
    assert outcomes is not None and outcomes[0].compiled
    assert [(line.item, line.plan, line.amount) for line in outcomes[0].lines
            if line.kind == "extra"] == [("messages", "Basic", Decimal("20.00"))]
    capped = {"account": "c", "plan": "Standard", "caps": {"events": 200000},
              "usage": {"events": {"events": [{"on": "2026-03-03", "amount": 160000}]}},
              "timeline": [{"on": "2026-03-17", "change_plan": "Developer", "by": "root"}]}
    outcomes = check("flux", capped, ["2026-03", "2026-04"])
    assert outcomes is not None and all(o.compiled for o in outcomes)  # (next month: no split)


def test_add_ons_are_billed_by_the_compiled_walk_with_the_interpreters_definitions():
    """Packs of an add-on prorated by day, adding to the plan's included storage; a change of
    plan that ends another add-on: the compiled walk's outcomes are the interpreter's."""
    record = {"account": "a", "plan": "Pro", "add_ons": {"Extra-Storage": 2},
              "usage": {"storage": {"daily": {"2026-03-20": 300}}},
              "timeline": [{"on": "2026-03-11", "add_on": "Extra-Storage", "quantity": 4},
                           {"on": "2026-03-12", "add_on": "Priority-Support"},
                           {"on": "2026-03-21", "change_plan": "Free", "by": "admin"}]}
    for periods in (["2026-03"], ["2026-03", "2026-04"]):
        outcomes = check("add-ons", record, periods)
        assert outcomes is not None and all(o.compiled for o in outcomes)
    march = outcomes[0]
    assert [(line[0], line[1]) for line in march.lines][-3:] == [
        ("add-on", "Priority-Support"), ("add-on", "Extra-Storage"), ("extra", "storage")]
    assert [(d.kind, d.subject, d.outcome) for d in march.decisions][-1] == (
        "add-on", "Priority-Support", "ended")
