"""Invariants of the money and the engine's rules that kill the mutants the rest of the suite let
live (mutmut over planlang/money.py, engine/charges.py, engine/ladder.py; see bench/README.md,
"Mutation testing").

Every expected figure is worked out by hand from PRODUCT.md's conventions (exact values, ties
rounded away from zero to the minor unit once per line, blocks started are blocks billed, a
total is the sum of its lines), never copied from the program's output.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

import pytest

from planlang.compile import parse_catalog_text
from planlang.engine import evaluate, rules
from planlang.engine.results import to_data
from planlang.inputs.account import Account
from planlang.inputs.convert import converter
from planlang.money import (
    EXACT,
    MINOR_UNITS,
    format_money,
    format_number,
    fraction_to_decimal,
    round_money,
    to_fraction,
)

CATALOG = """\
catalog invariants
  currency EUR
  billing period: calendar month
  uptime measured to 0.01%

unit MB
unit GB = 1,000 MB

meter realms: count including disabled
meter channels: count including disabled, daily average, then monthly average, round up
meter storage in MB: usage, monthly sum

sla Gold:
  refund 30% of the plan fee when uptime is from 99.01% to 99.89%
  refund 70% of the plan fee when uptime is 99.0% or below

plan Small: € 10.05 per month
  realms: at most 2
  channels: 2 included, then € 5 per channel, up to 10 channels
  storage: 1 GB included, then € 2.5 per 100 MB
  sla Gold
"""


@pytest.fixture(scope="module")
def catalog():
    return parse_catalog_text(CATALOG, "invariants.plan")


def bill(catalog, **account):
    data = to_data(evaluate(catalog, converter.structure(
        {"account": "a", "plan": "Small", **account}, Account), "2026-11"))
    assert Decimal(data["total"]) == sum((Decimal(li["amount"]) for li in data["lines"]),
                                         Decimal(0)), "the total is the sum of its lines"
    return data


def lines(data, kind=None):
    return [li for li in data["lines"] if kind is None or li["kind"] == kind]


def decisions(data, kind):
    return [d for d in data["decisions"] if d["kind"] == kind]


# ---- money.py -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, currency, expected", [
    (Fraction(5, 1000), "EUR", "0.01"),          # a tie goes away from zero
    (Fraction(-5, 1000), "EUR", "-0.01"),
    (Fraction(15, 1000), "EUR", "0.02"),         # not to even
    (Fraction(-25, 1000), "EUR", "-0.03"),
    (Fraction(4999, 1000000), "EUR", "0.00"),    # just below a tie
    (Fraction(-4999, 1000000), "EUR", "0.00"),
    (Fraction(1, 3), "USD", "0.33"),
    (Fraction(2, 3), "USD", "0.67"),
    (Fraction(1, 2), "JPY", "1"),
    (Fraction(-1, 2), "JPY", "-1"),
    (Fraction(5, 2), "JPY", "3"),
    (Decimal("130"), "EUR", "130.00"),
    (7, "CHF", "7.00"),
    (Decimal("-0.001"), "GBP", "0.00"),
])
def test_round_money_half_away_from_zero(value, currency, expected):
    amount = round_money(value, currency)
    assert str(amount) == expected  # the value and the minor unit's places
    assert amount.as_tuple().exponent == -MINOR_UNITS[currency]


def test_round_money_is_exact_for_large_amounts():
    # 18 digits before the point and a tie after the cents: no digit lost on the way.
    assert str(round_money(Fraction(999_999_999_999_999_999_995, 1000), "EUR")) == \
        "1000000000000000000.00"
    assert str(round_money(Fraction(123_456_789_012_345_678_904, 1000), "EUR")) == \
        "123456789012345678.90"


def test_to_fraction_refuses_floats_and_keeps_exact_values():
    with pytest.raises(TypeError):
        to_fraction(0.1)  # type: ignore[arg-type]
    half = Fraction(1, 2)
    assert to_fraction(half) is half
    assert to_fraction(Decimal("0.1")) == Fraction(1, 10)
    assert to_fraction(3) == Fraction(3)


@pytest.mark.parametrize("value, expected", [
    (Fraction(1, 8), "0.125"),                                  # terminates: exact
    (Fraction(3, 1), "3"),
    (Fraction(2, 3), "0.666666666667"),                         # 12 places, rounded
    (Fraction(1, 3), "0.333333333333"),
    (Fraction(10 ** 30 + 1, 2), "500000000000000000000000000000.5"),  # more than 28 digits
    (Fraction(1, 2 ** 20), "0.00000095367431640625"),            # 20 places, all kept
    (Fraction(-7, 4), "-1.75"),
])
def test_fraction_to_decimal(value, expected):
    result = fraction_to_decimal(value)
    assert result == Decimal(expected)
    assert result.as_tuple() == Decimal(expected).normalize().as_tuple() or "." not in expected \
        or result.as_tuple().exponent == Decimal(expected).as_tuple().exponent


def test_fraction_to_decimal_with_a_large_odd_denominator():
    # 1 / (2 × (10^20 + 1)) does not terminate: 12 places, all zero; integers stay exact.
    tiny = fraction_to_decimal(Fraction(1, 2 * (10 ** 20 + 1)))
    assert tiny == 0 and tiny.as_tuple().exponent == -12
    third = fraction_to_decimal(Fraction(10 ** 20, 3 * 2 ** 70))
    assert third == Decimal("0.028234431575")  # 0.02823443157514…


def test_fraction_to_decimal_with_powers_of_five():
    # 1 / 5^15 = 2^15 / 10^15 terminates after 15 places; 1 / 5^40 after 40: kept exactly.
    assert fraction_to_decimal(Fraction(1, 5 ** 15)) == Decimal("0.000000000032768")
    assert fraction_to_decimal(Fraction(1, 5 ** 40)) == Decimal(2 ** 40).scaleb(-40)
    assert fraction_to_decimal(Fraction(7, 2 ** 3 * 5 ** 6)) == Decimal("0.000056")
    # 1 / (6 × 5) does not terminate (the 3): 12 places.
    assert fraction_to_decimal(Fraction(1, 30)) == Decimal("0.033333333333")


def test_fraction_to_decimal_places():
    assert str(fraction_to_decimal(Fraction(2, 3), places=3)) == "0.667"
    assert str(fraction_to_decimal(Fraction(10 ** 20 + 1, 3), places=2)) == \
        "33333333333333333333.67"


@pytest.mark.parametrize("value, expected", [
    (1000, "1,000"), (Decimal("1E+3"), "1,000"), (Decimal("4.50"), "4.5"),
    (Decimal("0.0004"), "0.0004"), (Decimal("-1234.5"), "-1,234.5"), (Fraction(1, 3),
                                                                         "0.333333333333"),
    (Fraction(-5, 2), "-2.5"), (0, "0"), (Decimal("10.00"), "10"), (Fraction(1234567, 1),
                                                                   "1,234,567"),
    (Decimal("1E-7"), "0.0000001"), (Fraction(1, 2 ** 20), "0.00000095367431640625"),
    (Decimal("-0.5"), "-0.5"),
])
def test_format_number(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize("amount, currency, expected", [
    (Decimal("1234.5"), "EUR", "€1,234.50"), (Decimal("0.0004"), "USD", "$0.0004"),
    (Decimal("-3"), "EUR", "-€3.00"), (Decimal("130"), "JPY", "¥130"),
    (Decimal("5"), "CHF", "CHF 5.00"), (Decimal("2.5"), "GBP", "£2.50"),
    (Decimal("1E+2"), "USD", "$100.00"), (Decimal("0"), "EUR", "€0.00"),
    (Decimal("0.5"), "EUR", "€0.50"), (Decimal("-0.0004"), "USD", "-$0.0004"),
    (Decimal("0.05"), "EUR", "€0.05"),
])
def test_format_money(amount, currency, expected):
    assert format_money(amount, currency) == expected


# ---- charges.py: extras, limits, SLA refunds ---------------------------------------------------

def test_blocks_started_beyond_the_amount_included(catalog):
    # 1,250 MB - 1 GB (1,000 MB) included = 250 MB: 3 started blocks of 100 MB × €2.50 = €7.50.
    data = bill(catalog, usage={"storage": {"events": [{"on": "2026-11-02",
                                                        "amount": "1,250 MB"}]}})
    [extra] = lines(data, "extra")
    assert (extra["item"], extra["quantity"], extra["unit"], extra["unit_price"],
            extra["amount"]) == ("storage", "3", "100 MB", "2.5", "7.50")
    steps = {s["label"]: s["value"] for s in extra["steps"]}
    assert steps["included"] == "1,000 MB"
    assert steps["billable"] == "250 MB"
    assert steps["blocks"] == "250 MB / 100 MB = 2.5, rounded up to 3"
    assert steps["price"] == "€2.50 per 100 MB × 3 = €7.50"
    assert data["total"] == "17.55"  # €10.05 + €7.50


def test_exactly_the_amount_included_bills_no_extra(catalog):
    for amount in ("1,000 MB", "1 GB", "999 MB"):
        data = bill(catalog, usage={"storage": {"events": [{"on": "2026-11-02",
                                                            "amount": amount}]}})
        assert lines(data, "extra") == []
        assert data["total"] == "10.05"
    # One MB more is one whole block.
    data = bill(catalog, usage={"storage": {"events": [{"on": "2026-11-02",
                                                        "amount": "1,001 MB"}]}})
    [extra] = lines(data, "extra")
    assert (extra["quantity"], extra["amount"]) == ("1", "2.50")
    assert {s["label"]: s["value"] for s in extra["steps"]}["blocks"] == \
        "1 MB / 100 MB = 0.01, rounded up to 1"


def test_whole_blocks_are_not_said_to_be_rounded(catalog):
    data = bill(catalog, usage={"storage": {"events": [{"on": "2026-11-02",
                                                        "amount": "1,300 MB"}]}})
    [extra] = lines(data, "extra")
    assert {s["label"]: s["value"] for s in extra["steps"]}["blocks"] == "300 MB / 100 MB = 3"
    assert extra["amount"] == "7.50"


def test_a_count_above_its_ceiling_bills_the_extra_and_decides_over_limit(catalog):
    # 12 channels all month: 10 above the 2 included at €5 = €50, and 12 > the 10 allowed.
    data = bill(catalog, usage={"channels": {"intervals": [{"from": "2026-10-01",
                                                            "count": 12}]}})
    [extra] = lines(data, "extra")
    assert (extra["quantity"], extra["unit"], extra["amount"]) == ("10", "channel", "50.00")
    [over] = decisions(data, "usage-over-limit")
    assert (over["subject"], over["date"], over["outcome"]) == ("channels", "2026-11-30",
                                                                "exceeded")
    assert over["reasons"] == [{"code": "over-limit", "message":
                                "12 channels measured; plan `Small` allows 10 channels"}]
    assert over["rule"] == "invariants.plan:19"  # `up to 10 channels`


def test_at_the_ceiling_is_not_over_it(catalog):
    data = bill(catalog, usage={"channels": {"intervals": [{"from": "2026-10-01",
                                                            "count": 10}]},
                                "realms": {"intervals": [{"from": "2026-10-01", "count": 2}]}})
    assert decisions(data, "usage-over-limit") == []
    assert lines(data, "extra")[0]["amount"] == "40.00"


def test_the_highest_count_of_the_period_and_its_first_day(catalog):
    # Realms: 1 all along, 2 more on 10–11 November and 2 more on 20 November: 3 is the peak,
    # first reached on the 10th; the plan allows 2.
    data = bill(catalog, usage={"realms": {"intervals": [
        {"from": "2026-10-01", "count": 1},
        {"from": "2026-11-20", "to": "2026-11-21", "count": 2},
        {"from": "2026-11-10", "to": "2026-11-12", "count": 2}]}})
    [over] = decisions(data, "usage-over-limit")
    assert (over["subject"], over["date"], over["outcome"]) == ("realms", "2026-11-10",
                                                                "exceeded")
    assert over["reasons"] == [{"code": "over-limit", "message":
                                "3 realms on 2026-11-10; plan `Small` allows 2 realms"}]
    assert over["steps"] == [{"label": "highest count", "value": "3 realms on 2026-11-10"}]
    assert over["rule"] == "invariants.plan:18"  # `realms: at most 2`
    # A higher peak later in the month is the one reported.
    data = bill(catalog, usage={"realms": {"intervals": [
        {"from": "2026-10-01", "count": 1},
        {"from": "2026-11-10", "to": "2026-11-12", "count": 2},
        {"from": "2026-11-25", "to": "2026-11-26", "count": 4}]}})
    [over] = decisions(data, "usage-over-limit")
    assert over["date"] == "2026-11-25"
    assert over["reasons"][0]["message"] == "5 realms on 2026-11-25; plan `Small` allows 2 realms"


def test_a_peak_outside_the_period_does_not_count(catalog):
    data = bill(catalog, usage={"realms": {"intervals": [
        {"from": "2026-10-01", "count": 1},
        {"from": "2026-10-10", "to": "2026-10-12", "count": 5},
        {"from": "2026-12-01", "to": "2026-12-03", "count": 5}]}})
    assert decisions(data, "usage-over-limit") == []


@pytest.mark.parametrize("uptime, percent, amount", [
    ("99.5%", "30", "-3.02"),    # 30% of €10.05 = €3.015: the tie goes away from zero
    ("99.01%", "30", "-3.02"),
    ("99.89%", "30", "-3.02"),
    ("99%", "70", "-7.04"),      # 70% of €10.05 = €7.035
    ("42%", "70", "-7.04"),
])
def test_sla_refund_of_the_plan_fee(catalog, uptime, percent, amount):
    data = bill(catalog, uptime={"2026-11": uptime})
    [refund] = lines(data, "refund")
    assert (refund["item"], refund["quantity"], refund["unit"], refund["amount"]) == (
        "SLA refund", "1", f"{percent}% of the plan fee", amount)
    exact = Fraction(-int(percent), 100) * Fraction("10.05")
    assert Decimal(refund["unit_price"]) == Decimal(exact.numerator) / Decimal(exact.denominator)
    [decision] = decisions(data, "sla-refund")
    assert (decision["subject"], decision["date"], decision["outcome"]) == ("Gold", "2026-11-30",
                                                                            "refunded")
    shown = uptime.rstrip("%")
    assert decision["reasons"] == [{"code": "uptime-in-band", "message": (
        f"uptime {shown}% is {'from 99.01% to 99.89%' if percent == '30' else '99% or below'}"
        f": {percent}% of the plan fee is refunded")}]
    steps = {s["label"]: s["value"] for s in refund["steps"]}
    assert steps["uptime"] == f"{shown}%"
    assert steps["refund"] == f"{percent}% of €10.05 = €{amount.lstrip('-')}"
    assert data["total"] == str(Decimal("10.05") + Decimal(amount))


@pytest.mark.parametrize("uptime", ["99.9%", "100%", "99.95%"])
def test_no_refund_above_the_bands(catalog, uptime):
    data = bill(catalog, uptime={"2026-11": uptime})
    assert lines(data, "refund") == [] and decisions(data, "sla-refund") == []
    assert data["total"] == "10.05"


def test_no_refund_without_uptime_for_the_period(catalog):
    data = bill(catalog, uptime={"2026-10": "50%"})
    assert lines(data, "refund") == []


ROUNDED = """\
catalog rounded
  currency EUR
  billing period: calendar month

unit MB
unit GB = 1,000 MB

meter archive in MB: usage, monthly sum, round up to 1 GB
meter storage in MB: usage, monthly sum

plan Small: € 10 per month
  archive: 1 GB included, then € 3 per GB
  storage: 1 GB included, not extendable

plan Big: € 10 per month
  archive: 1 GB included, then € 3 per MB
  storage: 1 GB included, then € 1 per GB, up to 3 GB
"""


@pytest.fixture(scope="module")
def rounded():
    return parse_catalog_text(ROUNDED, "rounded.plan")


def usage(archive: str, storage: str) -> dict:
    return {"archive": {"events": [{"on": "2026-11-02", "amount": archive}]},
            "storage": {"events": [{"on": "2026-11-02", "amount": storage}]}}


def test_blocks_of_the_rounding_unit_or_the_meter_unit_need_no_division(rounded):
    # Archive: 2,500 MB rounded up to 3 GB; 2 GB beyond the 1 GB included.
    small = bill(rounded, plan="Small", usage=usage("2,500 MB", "500 MB"))
    [archive] = lines(small, "extra")
    assert (archive["quantity"], archive["unit"], archive["amount"]) == ("2", "GB", "6.00")
    labels = [s["label"] for s in archive["steps"]]
    assert "blocks" not in labels  # per GB, the unit the meter rounds to
    assert labels[-3:] == ["included", "billable", "price"]
    big = bill(rounded, plan="Big", usage=usage("2,500 MB", "4,500 MB"))
    archive, storage = lines(big, "extra")
    # Per MB, the meter's own unit: 2 GB = 2,000 MB × €3.
    assert (archive["quantity"], archive["unit"], archive["amount"]) == ("2000", "MB", "6000.00")
    assert "blocks" not in [s["label"] for s in archive["steps"]]
    # Per GB of a meter in MB, not rounded: 3,500 MB / 1,000 MB = 3.5, so 4 blocks × €1.
    assert (storage["quantity"], storage["unit"], storage["amount"]) == ("4", "GB", "4.00")
    assert {s["label"]: s["value"] for s in storage["steps"]}["blocks"] == \
        "3,500 MB / GB = 3.5, rounded up to 4"
    assert big["total"] == "6014.00"


def test_over_the_limit_names_the_rule_that_sets_the_ceiling(rounded):
    small = bill(rounded, plan="Small", usage=usage("500 MB", "4,500 MB"))
    [over] = decisions(small, "usage-over-limit")
    assert over["rule"] == "rounded.plan:13"  # `1 GB included, not extendable`: the included rule
    assert over["reasons"][0]["message"] == "4,500 MB measured; plan `Small` allows 1,000 MB"
    assert [s["label"] for s in over["steps"]] == ["measured", "daily sum", "monthly sum"]
    assert lines(small, "extra") == [] and small["total"] == "10.00"
    big = bill(rounded, plan="Big", usage=usage("500 MB", "4,500 MB"))
    [over] = decisions(big, "usage-over-limit")
    assert over["rule"] == "rounded.plan:17"  # `up to 3 GB`: the limit rule
    assert over["reasons"][0]["message"] == "4,500 MB measured; plan `Big` allows 3,000 MB"
    assert over["steps"] == lines(big, "extra")[0]["steps"][:3]  # the measurement's own steps


# ---- ladder.py: one tier at a time, by the tier's limit ------------------------------------------

LADDER = """\
catalog ladder
  currency USD
  billing period: calendar month

unit GB

meter data in GB: usage, monthly sum

plan Small: $ 30 per month
  data: at most 20 GB
plan Medium: $ 55 per month
  data: at most 30 GB
plan Large: $ 90 per month
  data: 40 GB included, then $ 30 per 10 GB

ladder Tiers: Small, Medium, Large
  by data
  up when above the limit
  down when below the lower limit for 2 months
"""


def test_a_ladder_step_is_decided_by_the_tier_limit():
    """A tier limited `at most 20 GB` moves up above 20 GB, not above the (zero) amount included;
    down after two evaluated months below the lower tier's limit; the wording names both."""
    from planlang.engine import evaluate_periods

    catalog = parse_catalog_text(LADDER, "ladder.plan")
    account = converter.structure({"account": "a", "plan": "Small", "since": "2026-01", "usage": {
        "data": {"daily": {"2026-01-10": "15 GB", "2026-02-10": "25 GB", "2026-03-10": "5 GB",
                           "2026-04-10": "3 GB", "2026-05-10": "1 GB"}}}}, Account)
    months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    bills = [to_data(b) for b in evaluate_periods(catalog, account, months)]
    assert [b["plan"] for b in bills] == ["Small", "Small", "Medium", "Medium", "Small"]
    assert [b["total"] for b in bills] == ["30.00", "30.00", "55.00", "55.00", "30.00"]
    changes = [(b["period"], d) for b in bills for d in b["decisions"]
               if d["kind"] == "tier-change"]
    assert [(p, d["date"], d["outcome"]) for p, d in changes] == [
        ("2026-02", "2026-02-28", "scheduled"), ("2026-04", "2026-04-30", "scheduled")]
    assert [r["message"] for r in changes[0][1]["reasons"]] == [
        "25 GB is above the `Small` limit of 20 GB: one tier up"]
    assert [r["message"] for r in changes[1][1]["reasons"]] == [
        "usage stayed below the `Small` limit of 20 GB for 2 evaluated periods (5 GB, 3 GB): "
        "one tier down"]


# ---- the billing calendar's rules (engine/dunning.py), as flespi's billing terms state them ----

def flespi_calendar():
    from conftest import REPO

    from planlang.compile import load_catalog

    return load_catalog(REPO / "catalogs" / "flespi.plan").calendar


def test_the_steps_an_unpaid_invoice_takes_are_the_calendars_days_in_order():
    """flespi: invoiced on the 1st, charged on the 2nd, due and reminded on the 15th, downgraded
    on the 20th; paid by hand, no automatic charge."""
    from planlang.engine.dunning import calendar_steps
    from planlang.engine.state import CalendarStep as S

    calendar = flespi_calendar()
    assert calendar_steps(calendar, True) == [(1, S.INVOICE), (2, S.CHARGE), (15, S.DUE),
                                              (15, S.REMINDER), (20, S.DOWNGRADE)]
    assert calendar_steps(calendar, False) == [(1, S.INVOICE), (15, S.DUE), (15, S.REMINDER),
                                               (20, S.DOWNGRADE)]


@pytest.mark.parametrize("step, paid, plan, happens", [
    ("invoice", True, "Start", True), ("invoice", False, "Free", True),
    ("charge", True, "Start", True), ("charge", False, "Start", True),
    ("due", False, "Start", True), ("due", True, "Start", False),
    ("reminder", False, "Start", True), ("reminder", True, "Start", False),
    ("downgrade", False, "Start", True), ("downgrade", True, "Start", False),
    ("downgrade", False, "Free", False),  # already on the plan it would move to
    ("due", False, "Free", True), ("reminder", False, "Free", True),
])
def test_which_steps_are_taken(step, paid, plan, happens):
    from planlang.engine.dunning import step_happens
    from planlang.engine.state import CalendarStep

    assert step_happens(flespi_calendar(), CalendarStep(step), paid, plan) is happens


def test_what_each_step_says():
    import datetime as dt

    from planlang.engine.dunning import step_decision
    from planlang.engine.state import CalendarStep as S

    calendar = flespi_calendar()
    day = dt.date(2026, 12, 15)
    said = {step: step_decision(calendar, step, "2026-11", "€130.00", day) for step in S}
    assert {step: (d.kind, d.subject, d.date, d.outcome, d.reasons[0].code, d.rule.line)
            for step, d in said.items()} == {
        S.INVOICE: ("billing-message", "2026-11", day, "invoiced", "invoice-issued", 153),
        S.CHARGE: ("billing-message", "2026-11", day, "charged", "automatic-charge-succeeded",
                   154),
        S.DUE: ("dunning", "2026-11", day, "unpaid", "invoice-due", 155),
        S.REMINDER: ("dunning", "2026-11", day, "reminded", "payment-reminder", 156),
        S.DOWNGRADE: ("dunning", "2026-11", day, "downgraded", "unpaid-downgrade", 157)}
    assert said[S.REMINDER].reasons[0].message == (
        "reminder: the 2026-11 invoice of €130.00 is unpaid; unpaid on day 20 the account moves "
        "to `Free`")
    assert said[S.DOWNGRADE].reasons[0].message == (
        "the 2026-11 invoice of €130.00 is unpaid: the account moves to `Free` and its limits "
        "until it pays")


def test_a_payment():
    """Paying an unpaid invoice pays it and, when the account was downgraded, restores its plan
    at once; paying one already paid, or one never billed, is ignored."""
    import datetime as dt

    from planlang.engine.dunning import payment

    calendar = flespi_calendar()
    day = dt.date(2026, 12, 22)
    made, restored = payment(calendar, "2026-11", day, False, "Pro")
    assert [(d.kind, d.subject, d.date, d.outcome, d.reasons[0].code, d.effective)
            for d in made] == [("dunning", "2026-11", day, "paid", "invoice-paid", None),
                               ("dunning", "2026-11", day, "restored", "plan-restored", day)]
    assert restored == "Pro" and made[1].rule.line == 158
    made, restored = payment(calendar, "2026-11", day, False, None)
    assert [d.outcome for d in made] == ["paid"] and restored is None
    for paid, why in ((True, "the invoice is already paid"), (None, "no invoice")):
        made, restored = payment(calendar, "2026-11", day, paid, "Pro")
        assert [(d.outcome, d.reasons[0].code, d.reasons[0].message) for d in made] == [
            ("ignored", "nothing-to-pay", f"payment for 2026-11 ignored: {why}")]
        assert restored is None


@pytest.mark.parametrize("plan, kind, held, amount, outcome, code, lowest, message", [
    # flespi's Free plan: each stream holds at most 100 MB, each device 10 MB, not pooled
    ("Free", "streams", 95, 5, "allowed", "within-element-limit", None,
     "100 MB of the 100 MB each of the streams may hold"),
    ("Free", "streams", 95, 6, "refused", "element-full", "Start",
     "`s-2` holds 95 MB of the 100 MB each of the streams may hold on plan `Free` (not pooled): "
     "the element refuses new data; the lowest plan that allows it is `Start`"),
    ("Free", "devices", 10, 0.001, "refused", "element-full", "Start", None),
    ("Free", "devices", 0, 10, "allowed", "within-element-limit", None,
     "10 MB of the 10 MB each of the devices may hold"),
    ("Start", "devices", 10, 5000, "allowed", "within-element-limit", None,
     "`storage` is not limited per element on plan `Start`"),
])
def test_a_request_to_store_in_an_element(plan, kind, held, amount, outcome, code, lowest,
                                          message):
    import datetime as dt

    from conftest import REPO

    from planlang.compile import load_catalog
    from planlang.engine.decisions import decide_store
    from planlang.inputs.account import Request
    from planlang.inputs.convert import parse_amount

    catalog = load_catalog(REPO / "catalogs" / "flespi.plan")
    on = dt.datetime(2026, 11, 10, tzinfo=dt.timezone.utc)
    request = Request(on, store="storage", element="s-2", amount=parse_amount(f"{amount} MB"))
    decision = decide_store(catalog, catalog.plan(plan), request, kind,
                            Fraction(held), Fraction(str(amount)))
    assert (decision.kind, decision.subject, decision.date, decision.outcome,
            decision.reasons[0].code, decision.lowest_plan) == (
        "store", "storage", on.date(), outcome, code, lowest)
    if message is not None:
        assert decision.reasons[0].message == message
    assert [step.label for step in decision.steps] == ["element", "holds", "to store", "after"]
    assert [step.value for step in decision.steps[:3]] == [
        f"s-2 (one of the {kind})", f"{held} MB", f"{format_number(Fraction(str(amount)))} MB"]
    assert decision.steps[3].value == f"{format_number(Fraction(held) + Fraction(str(amount)))} MB"
    # the rule: Free's per-element limits (allowed or refused), or Start's plan line (no limit)
    assert decision.rule is not None and decision.rule.text.startswith(
        "storage: at most 100 MB per channel" if plan == "Free" else "plan Start:")


@pytest.mark.parametrize("plan, item, current, count, outcome, code, line, lowest, message", [
    # flespi: Start allows extras up to 5,000 devices, 1,000 included, then € 2 per 100 devices
    ("Start", "devices", 900, 100, "allowed", "within-limit", 59, None,
     "1,000 devices after creation; plan `Start` allows 5,000 devices"),
    ("Start", "devices", 900, 101, "allowed", "billed-as-extra", 125, None,
     "1,000 devices included; beyond that €2.00 per 100 devices"),
    ("Start", "devices", 1180, 3820, "allowed", "billed-as-extra", 125, None, None),
    ("Start", "devices", 1180, 3821, "refused", "maximum-reached", 59, "Pro",
     "plan `Start` allows extras up to 5,000 devices; the account has 1,180 devices; the lowest "
     "plan that allows it is `Pro`"),
    # calculators: at most 5 on Free, 1,000 on Start, 10,000 on Pro (not extendable)
    ("Free", "calculators", 4, 1, "allowed", "within-limit", 45, None,
     "5 calculators after creation; plan `Free` allows 5 calculators"),
    ("Free", "calculators", 4, 2, "refused", "limit-reached", 45, "Start",
     "plan `Free` allows at most 5 calculators (not extendable); the account has 4 calculators; "
     "the lowest plan that allows it is `Start`"),
    # Free includes 2 channels and cannot extend them
    ("Free", "channels", 2, 1, "refused", "not-extendable", 35, "Start",
     "plan `Free` includes 2 channels and cannot extend them; the account has 2 channels; the "
     "lowest plan that allows it is `Start`"),
])
def test_a_request_to_create_elements(plan, item, current, count, outcome, code, line, lowest,
                                      message):
    import datetime as dt

    from conftest import REPO

    from planlang.compile import load_catalog
    from planlang.engine.decisions import decide_create
    from planlang.inputs.account import Request

    catalog = load_catalog(REPO / "catalogs" / "flespi.plan")
    on = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.timezone.utc)
    decision = decide_create(catalog, catalog.plan(plan), Request(on, create=item, count=count),
                             Fraction(current))
    assert (decision.kind, decision.subject, decision.date, decision.outcome,
            decision.reasons[0].code, decision.rule.line, decision.lowest_plan) == (
        "create", item, on.date(), outcome, code, line, lowest)
    if message is not None:
        assert decision.reasons[0].message == message
    unit = catalog.meters[item].unit.name
    assert [(s.label, s.value) for s in decision.steps] == [
        ("current", f"{format_number(current)} {unit}"),
        ("requested", f"{format_number(count)} more"),
        ("after creation", f"{format_number(current + count)} {unit}")]


def test_a_request_for_an_item_the_plan_does_not_offer():
    """`custom_engineering` is not on Free: refused, citing the plan's own line, the lowest plan
    that offers it named."""
    import datetime as dt

    from conftest import REPO

    from planlang.compile import load_catalog
    from planlang.engine.decisions import decide_create
    from planlang.inputs.account import Request

    catalog = load_catalog(REPO / "catalogs" / "flespi.plan")
    on = dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)
    decision = decide_create(catalog, catalog.plan("Free"),
                             Request(on, create="custom_engineering"), Fraction(0))
    assert (decision.outcome, decision.reasons[0].code, decision.rule.line,
            decision.lowest_plan) == ("refused", "not-available", 33, "Start")
    assert decision.reasons[0].message == (
        "`custom_engineering` is not available on plan `Free`; the lowest plan that allows it "
        "is `Start`")


# ---- tiered prices (rules.tiered), worked by hand ------------------------------------------------

_GRADUATED = ((Fraction(1000), Fraction(0), Fraction(1), None),        # first 1,000 free
              (Fraction(10000), Fraction("0.01"), Fraction(1), None),  # next 9,000 at 0.01
              (None, Fraction("0.008"), Fraction(1), None))            # then 0.008


@pytest.mark.parametrize(("measured", "expected"), [
    (0, ()),
    (1000, ()),                                                   # all in the free band
    (1001, ((1, 1, Decimal("0.01"), False),)),
    (10000, ((1, 9000, Decimal("90.00"), False),)),               # exactly at a band's end
    (10001, ((1, 9000, Decimal("90.00"), False), (2, 1, Decimal("0.01"), False))),
    (12345, ((1, 9000, Decimal("90.00"), False), (2, 2345, Decimal("18.76"), False))),
])
def test_graduated_bands_charge_each_unit_in_its_band(measured, expected):
    assert rules.tiered(Fraction(measured), _GRADUATED, False, "USD") == expected
    decimals = ((Decimal(1000), Decimal(0), Decimal(1), None),
                (Decimal(10000), Decimal("0.01"), Decimal(1), None),
                (None, Decimal("0.008"), Decimal(1), None))
    with localcontext(EXACT):
        assert rules.tiered(Decimal(measured), decimals, False, "USD") == expected


_VOLUME = ((Fraction(10000), Fraction("0.001"), Fraction(1), Fraction(10)),
           (Fraction(50000), Fraction("0.0008"), Fraction(1), Fraction(10)),
           (None, Fraction("0.0006"), Fraction(1000), Fraction(10)))


@pytest.mark.parametrize(("measured", "expected"), [
    (1, ((0, 1, Decimal("10.00"), True), (0, 1, Decimal("0.00"), False))),
    (10000, ((0, 1, Decimal("10.00"), True), (0, 10000, Decimal("10.00"), False))),
    (10001, ((1, 1, Decimal("10.00"), True), (1, 10001, Decimal("8.00"), False))),
    # the open band's block is 1,000: 65,001 is 66 started blocks
    (65001, ((2, 1, Decimal("10.00"), True), (2, 66, Decimal("0.04"), False))),
])
def test_volume_bands_price_every_unit_at_the_band_reached_fee_first(measured, expected):
    assert rules.tiered(Fraction(measured), _VOLUME, True, "USD") == expected


def test_units_above_a_bounded_last_band_charge_nothing_more_when_graduated():
    bands = ((Fraction(10), Fraction(2), Fraction(1), None), (Fraction(20), Fraction(1),
                                                             Fraction(1), Fraction(5)))
    assert rules.tiered(Fraction(35), bands, False, "USD") == (
        (0, 10, Decimal("20.00"), False), (1, 1, Decimal("5.00"), True),
        (1, 10, Decimal("10.00"), False))
    # volume: beyond every band, the last prices every unit
    assert rules.tiered(Fraction(35), bands, True, "USD") == (
        (1, 1, Decimal("5.00"), True), (1, 35, Decimal("35.00"), False))


@pytest.mark.parametrize("paid, why", [(None, "no invoice"),
                                       (True, "the invoice is already paid")])
def test_a_payment_with_nothing_to_pay_is_ignored_and_names_the_calendar(paid, why):
    import datetime as dt

    from planlang.engine.dunning import payment

    calendar = flespi_calendar()
    on = dt.date(2026, 10, 5)
    decisions, restored = payment(calendar, "2026-09", on, paid, "Start")
    assert restored is None
    [d] = decisions
    assert (d.kind, d.subject, d.date, d.outcome) == ("dunning", "2026-09", on, "ignored")
    assert [(r.code, r.message) for r in d.reasons] == [
        ("nothing-to-pay", f"payment for 2026-09 ignored: {why}")]
    assert d.rule == calendar.rules["restore"]  # the calendar's `payment restores the plan`


def test_a_payment_of_an_unpaid_invoice_pays_it_and_restores_the_plan():
    import datetime as dt

    from planlang.engine.dunning import payment

    calendar = flespi_calendar()
    on = dt.date(2026, 10, 25)
    decisions, restored = payment(calendar, "2026-09", on, False, "Start")
    assert restored == "Start"
    assert [(d.kind, d.subject, d.date, d.outcome, d.reasons[0].code, d.rule, d.effective)
            for d in decisions] == [
        ("dunning", "2026-09", on, "paid", "invoice-paid", calendar.rules["restore"], None),
        ("dunning", "2026-09", on, "restored", "plan-restored", calendar.rules["restore"], on)]
    # not downgraded: paid, nothing restored
    decisions, restored = payment(calendar, "2026-09", on, False, None)
    assert restored is None and [d.outcome for d in decisions] == ["paid"]
    # no billing calendar: a payment still pays, naming no rule
    decisions, restored = payment(None, "2026-09", on, False, "Start")
    assert restored is None and [(d.outcome, d.rule) for d in decisions] == [("paid", None)]


# ---- seats: `rules.seat_quantities` ------------------------------------------------------------


@pytest.mark.parametrize(("days", "minimum", "refunded", "expected"), [
    ([2, 2, 5, 5, 3], None, True, [2, 2, 5, 5, 3]),  # day by day, a removal refunded
    ([2, 2, 5, 5, 3], None, False, [2, 2, 5, 5, 5]),  # a seat removed is billed to the end
    ([2, 2, 5, 5, 3], 3, True, [3, 3, 5, 5, 3]),  # never below the minimum
    ([2, 2, 5, 5, 3], 3, False, [3, 3, 5, 5, 5]),
    ([4, 1, 0, 6], 5, False, [5, 5, 5, 6]),  # the highest so far is 4, below the minimum
    ([Fraction(1, 2), Fraction(3, 2)], 1, True, [1, Fraction(3, 2)]),  # part-days
    ([3, 3, 3], 3, True, [3, 3, 3]),  # at the minimum exactly
])
def test_seat_quantities(days, minimum, refunded, expected):
    assert rules.seat_quantities(days, minimum, refunded) == expected


SEATS = """\
catalog seats
  currency USD
meter seats: count, daily maximum

plan Team: $ 4 per seat per month
  seats: at least 2
plan Pro: $ 10 per seat per month
  sla Gold
  seats: no refund on removal

sla Gold:
  refund 25% of the plan fee when uptime is below 99%

change Team to Pro: immediately, prorated difference
change Pro to Team: immediately, full monthly fee
"""


def _seat_bill(plan, intervals, period="2026-11", timeline=(), uptime=None):
    catalog = parse_catalog_text(SEATS, "seats.plan")
    data = {"account": "a", "plan": plan, "usage": {"seats": {"intervals": intervals}},
            "timeline": list(timeline)}
    if uptime is not None:
        data["uptime"] = {period: uptime}
    account = converter.structure(data, Account)
    return evaluate(catalog, account, period)


def test_a_seat_fee_is_the_fee_times_seat_days_over_the_days():
    # 3 seats all November, a 4th from the 21st: 3 × 30 + 10 = 100 seat-days; $4 × 100 / 30
    bill = _seat_bill("Team", [{"from": "2026-10-01T00:00:00Z", "count": 3},
                               {"from": "2026-11-21T00:00:00Z", "count": 1}])
    (line,) = bill.lines
    assert (line.quantity, line.unit, line.amount) == (100, "seat-day of 30", Decimal("13.33"))


def test_the_minimum_bills_days_without_seats():
    bill = _seat_bill("Team", [{"from": "2026-11-16T00:00:00Z", "count": 1}])
    # days 1-30 all bill the minimum of 2: the same all month, 2 × $4
    (line,) = bill.lines
    assert (line.quantity, line.unit, line.amount) == (2, "seat", Decimal("8.00"))


def test_prorated_difference_between_seat_plans():
    # 5 seats all month; Team to Pro on the 11th: Team's whole month $20.00, then the difference
    # from the 11th to the 30th (20 days): ($10 × 100 − $4 × 100) / 30 = $20.00
    bill = _seat_bill("Team", [{"from": "2026-10-01T00:00:00Z", "count": 5}],
                      timeline=[{"on": "2026-11-11T08:00:00Z", "change_plan": "Pro"}])
    assert [(line.item, line.amount) for line in bill.lines] == [
        ("plan fee", Decimal("20.00")), ("prorated difference", Decimal("20.00"))]


def test_full_monthly_fee_of_a_seat_plan_and_its_refund():
    # Pro to Team on the 11th with a full monthly fee: Pro keeps its whole month (no refund on
    # removal: 6 seats, one removed on the 5th, still billed: 6 × $10), and Team charges its
    # whole month's seat-days (removals refunded: 6 × 5 days + 5 × 25 days = 155; $4 × 155 / 30)
    bill = _seat_bill("Pro", [{"from": "2026-10-01T00:00:00Z", "count": 5},
                              {"from": "2026-10-01T00:00:00Z", "to": "2026-11-05T12:00:00Z",
                               "count": 1}],
                      timeline=[{"on": "2026-11-11T08:00:00Z", "change_plan": "Team"}])
    assert [(line.plan, line.amount) for line in bill.lines] == [
        ("Pro", Decimal("60.00")), ("Team", Decimal("20.67"))]


def test_an_sla_refund_is_a_share_of_the_seats_fee():
    # Pro, 3 seats all month: $30.00; uptime 98% refunds 25% of it
    bill = _seat_bill("Pro", [{"from": "2026-10-01T00:00:00Z", "count": 3}], uptime="98%")
    assert [line.amount for line in bill.lines] == [Decimal("30.00"), Decimal("-7.50")]
    assert bill.total == Decimal("22.50")


@pytest.mark.parametrize(("value", "direction", "step", "expected"), [
    (Decimal("12.74"), "nearest", Decimal("0.5"), Decimal("12.5")),
    (Decimal("12.75"), "nearest", Decimal("0.5"), Decimal("13.0")),  # half a step goes up
    (Decimal("12.76"), "nearest", Decimal("0.5"), Decimal("13.0")),
    (Fraction(5, 2), "nearest", 1, 3),
    (Fraction(7, 3), "nearest", 1, 2),
    (Decimal("0.4"), "nearest", 1, 0),
    (Decimal("12.74"), "up", Decimal("0.5"), Decimal("13.0")),
    (Decimal("12.74"), "down", Decimal("0.5"), Decimal("12.5")),
    (Decimal("12.5"), "up", Decimal("0.5"), Decimal("12.5")),
])
def test_rounded(value, direction, step, expected):
    assert rules.rounded(value, direction, step) == expected


def test_an_average_rounded_to_the_nearest_is_rounded_from_the_total():
    # 30 days, a total of 74.9 GB-days: the average 2.4966… GB is nearer 2.5 than 2 (half: up)
    assert rules.metered("average", Decimal("74.9"), Decimal(5), 30, "nearest",
                         Decimal("0.5")) == Decimal("2.5")
    assert rules.metered("average", Decimal("74.9"), Decimal(5), 30, "nearest", 1) == 2
