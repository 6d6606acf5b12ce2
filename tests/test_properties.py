"""Properties over random account histories (hypothesis): ladders, proration, notifications, determinism.

Each property builds an account as plain data, loads it through the same converter the files use,
and walks months of its history with the interpreter.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planlang
from planlang.engine import evaluate_periods
from planlang.engine.calendar import Period
from planlang.engine.ladder import tier_limit
from planlang.serde import converter
from planlang.state import Account

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
                lower = tier_limit(EDGE, decision.subject, ladder.item)
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
