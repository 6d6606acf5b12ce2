"""Properties over random account histories (hypothesis): ladders, proration, notifications, determinism.

Each property builds an account as plain data, loads it through the same converter the files use,
and walks months of its history with the interpreter.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import planlang
from planlang.compile import parse_catalog_text
from planlang.drivers.batch import bill_json, bill_one
from planlang.engine import evaluate_periods, rules
from planlang.engine.calendar import Period
from planlang.engine.compiled import compile_catalog
from planlang.engine.results import to_data
from planlang.inputs.account import Account
from planlang.inputs.convert import converter
from planlang.inputs.documents import json_number
from planlang.money import MINOR_UNITS
from planlang.outputs.table import bill_table

EDGE = planlang.load_catalog("catalogs/edge-device.plan")
COEDITING = planlang.load_catalog("catalogs/coediting.plan")
FLESPI = planlang.load_catalog("catalogs/flespi.plan")

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
START = Period(2026, 1)


def months(count: int) -> list[Period]:
    out = [START]
    while len(out) < count:
        out.append(out[-1].next())
    return out


def account(data: dict) -> Account:
    return converter.structure(data, Account)


@st.composite
def edge_histories(draw):
    ladder = draw(st.sampled_from(EDGE.ladders))
    count = draw(st.integers(2, 10))
    periods = months(count)
    usage = {}
    for period in periods:
        gb = draw(st.integers(0, 700)) / 10  # one decimal digit, as in the tier workload
        if gb:
            usage[period.first_day] = f"{gb} GB"
    suspended = draw(st.sets(st.integers(0, count - 1), max_size=count // 2))
    timeline = []
    for index, period in enumerate(periods):
        status = "suspended" if index in suspended else "active"
        timeline.append({"on": period.first_day, "status": status})
    data = {"account": "t", "plan": draw(st.sampled_from(ladder.tiers)),
            "usage": {"data": {"daily": usage}}, "timeline": timeline}
    return ladder, periods, data


@SETTINGS
@given(edge_histories())
def test_ladder_moves_at_most_one_tier_per_period(history):
    ladder, periods, data = history
    bills = evaluate_periods(EDGE, account(data), periods)
    for before, after in zip(bills, bills[1:], strict=False):
        step = ladder.tiers.index(after.plan) - ladder.tiers.index(before.plan)
        assert abs(step) <= 1, (before.period, before.plan, after.plan)


@SETTINGS
@given(edge_histories())
def test_ladder_never_moves_down_while_a_look_back_period_reached_the_lower_limit(history):
    ladder, periods, data = history
    bills = evaluate_periods(EDGE, account(data), periods)
    usage = {d.strftime("%Y-%m"): Fraction(Decimal(v.split()[0])) * 10**9
             for d, v in data["usage"]["data"]["daily"].items()}
    evaluated = []  # usage of the periods that were evaluated (not suspended), in order
    for bill in bills:
        if any(d.kind == "not-billed" for d in bill.decisions):
            continue
        evaluated.append(usage.get(bill.period, Fraction(0)))
        for decision in bill.decisions:
            if decision.kind == "tier-change" and decision.reasons[0].code == "tier-down":
                lower = rules.tier_limit(EDGE.plan(decision.subject).items[ladder.item])
                window = evaluated[-ladder.down_periods:]
                assert len(window) == ladder.down_periods
                assert all(u < lower for u in window), (bill.period, window, lower)


@SETTINGS
@given(edge_histories())
def test_suspended_periods_are_not_billed(history):
    _, periods, data = history
    for bill in evaluate_periods(EDGE, account(data), periods):
        if any(d.kind == "not-billed" for d in bill.decisions):
            assert bill.lines == () and bill.total == 0


@SETTINGS
@given(st.integers(2020, 2035), st.integers(1, 12))
def test_prorating_a_whole_month_charges_the_full_fee(year, month):
    period = Period(year, month)
    data = {"account": "t", "plan": "Free", "timeline": [
        {"on": period.first_day, "change_plan": "Start", "deposit": 200}]}
    bill = evaluate_periods(FLESPI, account(data), [period])[0]
    start = [line for line in bill.lines if line.plan == "Start"]
    assert [line.amount for line in start] == [Decimal("130.00")]
    assert bill.total == Decimal("130.00")


@st.composite
def session_histories(draw):
    events = []
    for _ in range(draw(st.integers(1, 25))):
        day = dt.date(2026, draw(st.integers(1, 3)), draw(st.integers(1, 28)))
        events.append({"on": day, "amount": draw(st.integers(1, 60_000))})
    return {"account": "t", "plan": draw(st.sampled_from(COEDITING.plan_names)),
            "policy": draw(st.sampled_from(["auto_upgrade", "manual_upgrade", "wait_for_reset"])),
            "usage": {"sessions": {"events": events}}}


@SETTINGS
@given(session_histories())
def test_each_notification_fires_at_most_once_per_plan_and_period(data):
    bills = evaluate_periods(COEDITING, account(data), months(3))
    for bill in bills:
        sent = Counter(d.reasons[0].message.split(" (")[0] for d in bill.decisions
                       if d.kind == "notification" and d.reasons[0].code.startswith("quota-"))
        assert all(n == 1 for n in sent.values()), sent


def _figure(text: str) -> Fraction:
    return Fraction(text.split()[0].replace(",", ""))


@SETTINGS
@given(session_histories())
def test_usage_beyond_quota_and_slack_is_never_allowed(data):
    data["policy"] = "wait_for_reset"  # no upgrades: one quota per period
    quota = COEDITING.plan(data["plan"]).items["sessions"].limit
    slack = COEDITING.quotas["sessions"].slack
    for bill in evaluate_periods(COEDITING, account(data), months(3)):
        asked = sum(Fraction(e["amount"]) for e in data["usage"]["sessions"]["events"]
                    if e["on"].strftime("%Y-%m") == bill.period)
        refused = Fraction(0)
        for d in bill.decisions:
            if d.kind == "quota-refusal":
                steps = {s.label: s.value for s in d.steps}
                refused += _figure(steps["requested"]) - _figure(steps["allowed"])
        assert asked - refused <= quota * (1 + slack)
        if asked > quota * (1 + slack):
            assert asked - refused == quota * (1 + slack)  # all that the slack allows, no more


@SETTINGS
@given(session_histories())
def test_the_same_history_always_gives_the_same_output(data):
    first = [planlang.to_data(b) for b in evaluate_periods(COEDITING, account(data), months(3))]
    second = [planlang.to_data(b) for b in evaluate_periods(COEDITING, account(data), months(3))]
    assert first == second


@SETTINGS
@given(session_histories())
def test_a_total_is_the_sum_of_its_lines(data):
    for bill in evaluate_periods(COEDITING, account(data), months(3)):
        assert bill.total == sum((line.amount for line in bill.lines), Decimal(0))


# ---- money exact at the bounds, the same in every mode, whatever the caller's context ----------
#
# A catalog and an account whose every figure is drawn up to the documented bounds (18 digits
# before and 18 after the point, in any unit: prices, fees, included amounts, block sizes, usage),
# with a meter in a unit whose conversions need more than 28 digits (TiB = 2^40 bytes). Each mode
# bills it: the interpreter (as `--explain` and `--account` do), the compiled runner's generated
# month, its batch, its bills (a batch without `--explain`), its generated loop over several
# months, the general walk (several months from a start date),
# `Outcome.bill()`. Every mode gives the total and lines worked out here with Fractions, the
# total is the sum of its lines, and a caller's decimal context (3 digits, rounding down, every
# signal trapped) changes nothing, rendering included.

_FACTORS = {"byte": Fraction(1), "GB": Fraction(10**9), "TiB": Fraction(2**40)}
_SYMBOLS = {"EUR": "€", "USD": "$", "JPY": "¥"}
_LARGEST = 10**18 - 1  # the largest whole part within bounds


@st.composite
def _bounded(draw, largest: int = _LARGEST) -> str:
    """A number within bounds as written: at most 18 digits after the point, often the most."""
    whole = draw(st.one_of(st.just(largest), st.just(0), st.just(1), st.integers(0, largest)))
    places = draw(st.one_of(st.just(18), st.just(0), st.integers(0, 18)))
    if not places:
        return str(whole)
    part = draw(st.one_of(st.just(10**places - 1), st.integers(0, 10**places - 1)))
    return f"{whole}.{part:0{places}d}"


@st.composite
def _in_base_bounds(draw, unit: str) -> str:
    """A plan file's quantity in `unit` whose value in bytes is within bounds (below 10^18, at
    most 18 decimals), as the checker requires (PL236)."""
    factor = _FACTORS[unit]
    text = draw(_bounded(int((10**18 - 1) // factor)))
    value = Fraction(text) * factor
    if value >= 10**18 or value.denominator > 10**18:
        text = str(int(value // factor // 2))
    return text


@st.composite
def bounded_bills(draw):
    currency = draw(st.sampled_from(sorted(_SYMBOLS)))
    symbol = _SYMBOLS[currency]
    meter_unit = draw(st.sampled_from(sorted(_FACTORS)))
    included_unit, block_unit = draw(st.sampled_from(sorted(_FACTORS))), draw(
        st.sampled_from(sorted(_FACTORS)))
    fee, price = draw(_bounded()), draw(_bounded())
    included = draw(_in_base_bounds(included_unit))
    block = draw(_in_base_bounds(block_unit).filter(lambda t: Fraction(t) > 0))
    text = (f"catalog bounds\n  currency {currency}\n\nunit byte\n"
            "unit GB = 1,000,000,000 bytes\nunit TiB = 1,099,511,627,776 bytes\n\n"
            f"meter data in {meter_unit}: usage, monthly sum\n\n"
            f"plan Base: {symbol} {fee} per month\n"
            f"  data: {included} {included_unit} included, then {symbol} {price} per {block} "
            f"{block_unit}\n")
    # usage: a few days of figures up to the bounds, in the meter's unit (as JSON numbers, read
    # by planlang's reader) or written with a unit; the included amount itself, now and then
    usage = draw(st.lists(st.one_of(
        st.tuples(_bounded(), st.sampled_from([None, *sorted(_FACTORS)])),
        st.just((included, included_unit))), min_size=1, max_size=3))
    daily = {f"2026-11-{day:02d}": figure for day, figure in enumerate(usage, start=1)}
    context = draw(st.sampled_from(["none", "hostile", "coarse"]))
    return currency, text, fee, price, (included, included_unit), (block, block_unit), daily, \
        meter_unit, context


def _half_up(value: Fraction, currency: str) -> Fraction:
    scale = 10 ** MINOR_UNITS[currency]
    scaled = abs(value) * scale
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole, scale)


def _hostile() -> decimal.Context:
    """A caller's context that would round everything planlang computes, or raise on it."""
    return decimal.Context(prec=3, rounding=decimal.ROUND_FLOOR, Emax=40, Emin=-40,
                           traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation,
                                  decimal.Overflow, decimal.DivisionByZero, decimal.Clamped,
                                  decimal.FloatOperation, decimal.Subnormal, decimal.Underflow])


def _caller_context(name: str):
    if name == "hostile":
        return decimal.localcontext(_hostile())
    if name == "coarse":  # the default precision, rounding down: what a careless caller sets
        return decimal.localcontext(decimal.Context(prec=28, rounding=decimal.ROUND_DOWN))
    return contextlib.nullcontext()


def _figures(bill) -> tuple:
    return (bill.plan, bill.total, tuple((line.kind, line.quantity, line.unit_price, line.amount)
                                         for line in bill.lines))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bounded_bills())
def test_money_is_exact_at_the_bounds_in_every_mode_and_any_caller_context(case):
    currency, text, fee, price, (included, included_unit), (block, block_unit), daily, \
        meter_unit, context = case
    # the bill worked out with Fractions
    used = sum((Fraction(figure) * _FACTORS[unit or meter_unit] for figure, unit in
                daily.values()), Fraction(0))
    excess = max(Fraction(0), used - Fraction(included) * _FACTORS[included_unit])
    blocks = -(-excess // (Fraction(block) * _FACTORS[block_unit]))
    lines = [_half_up(Fraction(fee), currency)]
    if excess:
        lines.append(_half_up(Fraction(price) * blocks, currency))
    expected = sum(lines, Fraction(0))

    line = "{" + ", ".join(
        f'"{day}": ' + (figure if unit is None else f'"{figure} {unit}"')
        for day, (figure, unit) in daily.items()) + "}"
    data = f'{{"account": "a", "plan": "Base", "usage": {{"data": {{"daily": {line}}}}}}}'
    with _caller_context(context):
        catalog = parse_catalog_text(text, "bounds.plan")
        record = json.loads(data, parse_float=json_number)  # as the batch reads a line
        interpreted = bill_one(catalog, record, ["2026-11"], explain=True)[0]  # --account
        compiled = compile_catalog(catalog)
        runner = compiled.runner(["2026-11"])
        generated = runner(record)[0]
        batched = runner.batch([record])[0]
        quick = bill_one(catalog, record, ["2026-11"], explain=False)[0]  # a batch's bills
        looped = compiled.runner(["2026-10", "2026-11"])(record)[1]  # the generated loop
        walked = compiled.runner(["2026-10", "2026-11"])({**record, "since": "2026-10"})[1]
        explained = generated.bill()
        rendered = (json.dumps(to_data(interpreted), sort_keys=True),
                    bill_table(interpreted, "bounds"), bill_json(quick, False))
    # the compiled path billed it, not a fallback
    assert generated.compiled and looped.compiled and walked.compiled
    assert [Fraction(x.amount) for x in interpreted.lines] == lines
    assert Fraction(interpreted.total) == expected == sum(
        (Fraction(x.amount) for x in interpreted.lines), Fraction(0))
    assert interpreted.total.as_tuple().exponent == -MINOR_UNITS[currency]  # cents kept
    figures = _figures(interpreted)
    for bill in (quick, explained, _bill_of(generated), _bill_of(batched), _bill_of(looped),
                 _bill_of(walked)):
        assert _figures(bill) == figures
    if context != "none":  # the caller's context changed nothing, to the last character
        again = bill_one(catalog, record, ["2026-11"], explain=True)[0]
        assert interpreted == again
        assert rendered == (json.dumps(to_data(again), sort_keys=True),
                            bill_table(again, "bounds"), bill_json(quick, False))


def _bill_of(outcome) -> SimpleNamespace:
    return SimpleNamespace(plan=outcome.plan, total=outcome.total, lines=outcome.lines)


@st.composite
def bounded_ladders(draw):
    """A two-tier ladder whose fees, limits and add-on block are drawn up to the bounds, in units
    whose conversions to the meter's (TiB) need more than 28 digits, and two months of usage."""
    units = st.sampled_from(sorted(_FACTORS))
    fees = sorted((draw(_bounded()), draw(_bounded())), key=Fraction)
    limits = sorted(((text, unit) for unit in (draw(units), draw(units))
                     for text in [draw(_in_base_bounds(unit).filter(lambda t: Fraction(t) > 0))]),
                    key=lambda limit: Fraction(limit[0]) * _FACTORS[limit[1]])
    if Fraction(limits[0][0]) * _FACTORS[limits[0][1]] == Fraction(limits[1][0]) * _FACTORS[
            limits[1][1]]:
        limits[0] = ("1", "byte")  # a ladder's limits increase (PL270)
        assume(Fraction(limits[1][0]) * _FACTORS[limits[1][1]] > 1)
    block_unit = draw(units)
    block = draw(_in_base_bounds(block_unit).filter(lambda t: Fraction(t) > 0))
    meter_unit = draw(units)
    text = (f"catalog ladder\n  currency EUR\n\nunit byte\nunit GB = 1,000,000,000 bytes\n"
            "unit TiB = 1,099,511,627,776 bytes\n\n"
            f"meter data in {meter_unit}: usage, monthly sum\n\n"
            f"plan Small: € {fees[0]} per month\n  data: {limits[0][0]} {limits[0][1]} included\n"
            f"plan Large: € {fees[1]} per month\n  data: {limits[1][0]} {limits[1][1]} included\n"
            "\nladder Tiers: Small, Large\n  by data\n  up when above the limit\n"
            "  down when below the lower limit for 2 months\n"
            f"  above the top: one Small per started {block} {block_unit}\n")
    figure = st.one_of(st.tuples(_bounded(), st.sampled_from([None, *sorted(_FACTORS)])),
                       st.sampled_from(limits))  # a limit itself: the boundary
    daily = {f"2026-{month}-05": draw(figure) for month in ("10", "11")}
    return text, draw(st.sampled_from(["Small", "Large"])), daily, draw(
        st.sampled_from(["none", "hostile", "coarse"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bounded_ladders())
def test_ladders_are_exact_at_the_bounds_in_every_mode_and_any_caller_context(case):
    text, plan, daily, context = case
    line = ", ".join(f'"{day}": ' + (figure if unit is None else f'"{figure} {unit}"')
                     for day, (figure, unit) in daily.items())
    data = (f'{{"account": "a", "plan": "{plan}", "usage": {{"data": {{"daily": {{{line}}}}}}}, '
            '"since": "2026-10"}')
    periods = ["2026-10", "2026-11"]
    with _caller_context(context):
        catalog = parse_catalog_text(text, "ladder.plan")
        record = json.loads(data, parse_float=json_number)
        interpreted = bill_one(catalog, record, periods, explain=True)
        compiled = compile_catalog(catalog)
        walked = compiled.runner(periods)(record)  # the general walk (from a start date)
        # the generated loop: the same record without its start date (the first month asked)
        looped = compiled.runner(periods)({k: v for k, v in record.items() if k != "since"})
        quick = bill_one(catalog, record, periods, explain=False)
        month = compiled.runner(["2026-10"])(record)[0]  # the generated month
    assert all(outcome.compiled for outcome in walked + looped) and month.compiled
    for bill in interpreted:
        for line in bill.lines:  # every line is its price × quantity, rounded once, half up
            assert Fraction(line.amount) == _half_up(
                Fraction(line.unit_price) * Fraction(line.quantity), "EUR")
        assert Fraction(bill.total) == sum((Fraction(x.amount) for x in bill.lines), Fraction(0))
    expected = [(_figures(b), b.next_plan, [(d.kind, d.subject, d.outcome) for d in b.decisions])
                for b in interpreted]
    assert [(_figures(b), b.next_plan, [(d.kind, d.subject, d.outcome) for d in b.decisions])
            for b in quick] == expected
    assert [(_figures(_bill_of(o)), o.next_plan,
             [(d.kind, d.subject, d.outcome) for d in o.decisions]) for o in walked] == expected
    assert [tuple(o[:7]) for o in looped] == [tuple(o[:7]) for o in walked]
    assert (_figures(_bill_of(month)), month.next_plan) == expected[0][:2]
