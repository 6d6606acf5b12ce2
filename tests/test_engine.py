"""Unit tests of the interpreter's parts: metering, money rounding, the calendar and decisions.

Every expected figure is worked out by hand from PRODUCT.md's conventions (exact values, half-up
rounding of money, "round up" = ceiling), never copied from the program's output.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from fractions import Fraction

import pytest

from planlang import money
from planlang.compile import parse_catalog_text
from planlang.engine import evaluate, prepare
from planlang.engine.calendar import Period
from planlang.engine.decisions import allows, decide_request
from planlang.engine.metering import Series, measure
from planlang.inputs.account import Account, Amount, DayValue, Interval, MeterData, Request, UsageEvent
from planlang.money import EXACT, round_money
from planlang.outputs.table import bill_table

UTC = dt.timezone.utc

CATALOG_TEXT = """\
catalog test
  currency EUR
  billing period: calendar month

unit MB
unit GB = 1,000 MB

meter channels: count including disabled, daily average, then monthly average, round up
meter seats: count enabled only, daily average, then monthly average, round down
meter storage in MB: snapshots every minute, daily average, then monthly average, round up to 1 GB
meter peak in MB: snapshots, daily maximum, then monthly maximum
meter sms: usage, monthly sum
meter realms: count including disabled
meter widgets: count including disabled

plan Small: € 10 per month
  channels: 2 included, not extendable
  realms: at most 2

plan Medium: € 20 per month
  channels: 3 included, then € 5 per channel, up to 10 channels
  realms: at most 5

plan Large: € 30 per month
  channels: 3 included, then € 5 per channel
  realms: at most 50
  widgets: at most 3
"""


@pytest.fixture(scope="module")
def catalog():
    return parse_catalog_text(CATALOG_TEXT, "test.plan")


NOV = Period(2026, 11)  # 30 days
DEC = Period(2026, 12)  # 31 days
FEB = Period(2027, 2)  # 28 days


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def counts(*intervals: tuple[str, str | None, int]) -> Series:
    """A count series from (from, to, count) intervals, as prepare() builds it."""
    changes = []
    for start, end, count in intervals:
        changes.append((at(start), Fraction(count)))
        if end is not None:
            changes.append((at(end), -Fraction(count)))
    return Series(changes=tuple(sorted(changes, key=lambda c: c[0])))


# ---- metering: element counts, time-weighted within the UTC day -------------------------------


def test_seed_channel_example_averages_to_four_and_a_half(catalog):
    # 3 channels all along, a 4th for Nov 1-15, a 5th all month: (5*15 + 4*15) / 30 = 4.5 → 5.
    series = counts(("2026-10-01T00:00:00Z", None, 3),
                    ("2026-11-01T00:00:00Z", "2026-11-16T00:00:00Z", 1),
                    ("2026-11-01T00:00:00Z", None, 1))
    m = measure(catalog.meters["channels"], series, NOV)
    assert m.raw == Fraction(9, 2)
    assert m.value == 5


def test_half_a_day_counts_half(catalog):
    # One channel from 06:00 to 18:00 on Nov 10: that day's average is ½, the month's ½ / 30.
    series = counts(("2026-11-10T06:00:00Z", "2026-11-10T18:00:00Z", 1))
    m = measure(catalog.meters["channels"], series, NOV)
    assert m.raw == Fraction(1, 60)
    assert m.value == 1  # round up: any presence is a whole element


def test_interval_crossing_midnight_is_split_between_days(catalog):
    # 30 channels from Nov 10 12:00 to Nov 11 12:00: ½ day each side, 30 channel-days in all.
    series = counts(("2026-10-01T00:00:00Z", None, 3),
                    ("2026-11-10T12:00:00Z", "2026-11-11T12:00:00Z", 30))
    m = measure(catalog.meters["channels"], series, NOV)
    assert m.raw == 4  # (3 × 30 + 30) / 30
    assert m.value == 4


def test_open_interval_from_mid_day(catalog):
    # 60 channels from Nov 10 12:00 on: Nov 10 counts 30, Nov 11-30 count 60 each.
    series = counts(("2026-11-10T12:00:00Z", None, 60))
    m = measure(catalog.meters["channels"], series, NOV)
    assert m.raw == Fraction(30 + 60 * 20, 30)  # = 41
    assert m.value == 41


def test_one_second_is_weighted_by_the_second(catalog):
    series = counts(("2026-11-30T23:59:59Z", None, 1))
    m = measure(catalog.meters["channels"], series, NOV)
    assert m.raw == Fraction(1, 86_400 * 30)
    assert m.value == 1


def test_intervals_outside_the_period_do_not_count(catalog):
    series = counts(("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", 7),  # ends as Nov begins
                    ("2026-12-01T00:00:00Z", None, 9))  # begins as Nov ends
    m = measure(catalog.meters["channels"], series, NOV)
    assert m.raw == 0
    assert m.value == 0


def test_month_length_is_the_divisor(catalog):
    # 31 channel-days over a month: exactly 1 on average in December (31 days), more in shorter
    # months.
    series = counts(("2026-12-10T06:00:00Z", "2026-12-11T06:00:00Z", 31))
    assert measure(catalog.meters["channels"], series, DEC).raw == 1
    feb = counts(("2027-02-14T00:00:00Z", "2027-02-15T00:00:00Z", 28))
    assert measure(catalog.meters["channels"], feb, FEB).raw == 1
    assert FEB.days == 28


def test_given_day_figures_override_intervals(catalog):
    series = Series(changes=((at("2026-11-01T00:00:00Z"), Fraction(2)),),
                    daily={day("2026-11-05"): Fraction(32)})
    m = measure(catalog.meters["channels"], series, NOV)
    assert m.raw == Fraction(2 * 29 + 32, 30)  # = 3
    assert m.value == 3


def test_level_at_an_instant():
    series = counts(("2026-10-01T00:00:00Z", None, 3),
                    ("2026-11-20T00:00:00Z", "2026-11-25T00:00:00Z", 2))
    assert series.level_at(at("2026-11-19T23:59:59Z")) == 3
    assert series.level_at(at("2026-11-20T00:00:00Z")) == 5  # an interval counts from its start
    assert series.level_at(at("2026-11-25T00:00:00Z")) == 3  # and not at its end
    assert series.level_at(at("2026-09-30T00:00:00Z")) == 0


def test_round_down(catalog):
    # 5 seats for 27 days of November and 0 for 3: 4.5 → 4 when rounding down.
    series = counts(("2026-11-04T00:00:00Z", None, 5))
    m = measure(catalog.meters["seats"], series, NOV)
    assert m.raw == Fraction(9, 2)
    assert m.value == 4


def test_disabled_elements_follow_the_meter(catalog):
    account = Account("a", "Small", usage={
        "channels": MeterData(intervals=(Interval(at("2026-10-01T00:00:00Z"), 6, disabled=3),)),
        "seats": MeterData(intervals=(Interval(at("2026-10-01T00:00:00Z"), 6, disabled=3),)),
    })
    prepared, problems = prepare(catalog, account)
    assert problems == []
    assert measure(catalog.meters["channels"], prepared.series["channels"], NOV).value == 6
    assert measure(catalog.meters["seats"], prepared.series["seats"], NOV).value == 3


# ---- metering: snapshots -----------------------------------------------------------------------


def storage_series(samples: dict[str, tuple[int, ...]]) -> Series:
    return Series(samples={day(d): tuple(Fraction(v) for v in vs) for d, vs in samples.items()})


def test_snapshots_daily_average_is_the_mean_of_the_days_snapshots(catalog):
    # Every November day: snapshots of 3,900 and 4,100 MB → 4,000 a day → 4,000 a month → 4 GB.
    series = storage_series({f"2026-11-{d:02d}": (3900, 4100) for d in range(1, 31)})
    m = measure(catalog.meters["storage"], series, NOV)
    assert m.raw == 4000
    assert m.value == 4000  # 4 GB: exactly on the boundary, not rounded further


def test_snapshots_are_averaged_per_day_before_the_month(catalog):
    # Nov 1: one snapshot of 1,000; Nov 2: 24 snapshots of 7,000; the rest one snapshot of 4,000.
    # Day means: 1,000, 7,000 and 28 × 4,000 → 120,000 / 30 = 4,000 MB (pooling the snapshots
    # would give a different figure).
    samples = {"2026-11-01": (1000,), "2026-11-02": (7000,) * 24}
    samples.update({f"2026-11-{d:02d}": (4000,) for d in range(3, 31)})
    m = measure(catalog.meters["storage"], storage_series(samples), NOV)
    assert m.raw == 4000
    assert m.value == 4000


def test_storage_rounds_up_to_the_next_gb_past_the_boundary(catalog):
    # (30 × 4,000 + 4,031) / 31 = 4,001 MB → 5 GB.
    samples = {f"2026-12-{d:02d}": (4000,) for d in range(1, 31)}
    samples["2026-12-31"] = (4031,)
    m = measure(catalog.meters["storage"], storage_series(samples), DEC)
    assert m.raw == 4001
    assert m.value == 5000


def test_snapshots_daily_and_monthly_maximum(catalog):
    series = storage_series({"2026-11-03": (10, 70, 20), "2026-11-20": (50, 60)})
    m = measure(catalog.meters["peak"], series, NOV)
    assert m.raw == 70
    assert m.value == 70  # no rounding step


def test_exact_average_keeps_fractions(catalog):
    # One day of 1 MB in November: 1/30 MB, exactly, rounded up to one whole GB.
    m = measure(catalog.meters["storage"], storage_series({"2026-11-07": (1,)}), NOV)
    assert m.raw == Fraction(1, 30)
    assert m.value == 1000


# ---- metering: usage ---------------------------------------------------------------------------


def test_usage_is_summed_over_the_month_only(catalog):
    series = Series(usage={day("2026-10-31"): Fraction(100), day("2026-11-03"): Fraction(14),
                           day("2026-11-18"): Fraction(9), day("2026-12-01"): Fraction(5)})
    assert measure(catalog.meters["sms"], series, NOV).value == 23
    assert measure(catalog.meters["sms"], series, DEC).value == 5


def test_usage_events_on_the_same_day_add_up(catalog):
    account = Account("a", "Small", usage={"sms": MeterData(events=(
        UsageEvent(at("2026-11-30T00:00:00Z"), Amount(Decimal(4))),
        UsageEvent(at("2026-11-30T23:59:59Z"), Amount(Decimal(6))),
        UsageEvent(at("2026-12-01T00:00:00Z"), Amount(Decimal(1))),
    ))})
    prepared, problems = prepare(catalog, account)
    assert problems == []
    assert prepared.series["sms"].usage[day("2026-11-30")] == 10
    assert measure(catalog.meters["sms"], prepared.series["sms"], NOV).value == 10
    assert measure(catalog.meters["sms"], prepared.series["sms"], DEC).value == 1


def test_no_measurements_measure_zero(catalog):
    for name in ("channels", "storage", "sms"):
        m = measure(catalog.meters[name], None, NOV)
        assert (m.raw, m.value) == (0, 0)


def test_storage_given_in_gb_is_converted_exactly(catalog):
    account = Account("a", "Small", usage={"storage": MeterData(daily={
        day("2026-11-01"): DayValue(Amount(Decimal("1.5"), "GB")),
        day("2026-11-02"): DayValue(Amount(Decimal("250"), "MB")),
    })})
    prepared, problems = prepare(catalog, account)
    assert problems == []
    daily = prepared.series["storage"].daily
    assert daily[day("2026-11-01")] == 1500
    assert daily[day("2026-11-02")] == 250


# ---- money -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (Decimal("0.005"), "0.01"),  # a tie goes up
    (Decimal("0.015"), "0.02"),
    (Decimal("0.025"), "0.03"),  # not to even (banker's rounding would give 0.02)
    (Decimal("2.675"), "2.68"),  # exact: the float 2.675 would round to 2.67
    (Decimal("0.0049999"), "0.00"),
    (Decimal("1.994999"), "1.99"),
    (Decimal("1.995"), "2.00"),
    (Fraction(1, 3), "0.33"),
    (Fraction(2, 3), "0.67"),
    (Fraction(1, 200), "0.01"),  # exactly half a cent
    (Fraction(1, 201), "0.00"),  # just under half a cent
    (130, "130.00"),
    (0, "0.00"),
])
def test_round_money_half_up_eur(value, expected):
    result = round_money(value, "EUR")
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    assert str(result) == expected  # two decimals, always


@pytest.mark.parametrize("value, expected", [
    (Decimal("-0.005"), "-0.01"),  # ties away from zero
    (Decimal("-0.025"), "-0.03"),
    (Decimal("-0.0049"), "0.00"),
    (Fraction(-1, 3), "-0.33"),
    (Fraction(-2, 3), "-0.67"),
    (Fraction(-2100), "-2100.00"),  # 70% of € 3,000 refunded
    (Fraction(-3, 10) * 900, "-270.00"),
])
def test_round_money_negative_values(value, expected):
    assert round_money(value, "EUR") == Decimal(expected)


def test_round_money_negative_is_the_mirror_of_positive():
    for cents in range(0, 1000):
        value = Fraction(cents, 1000)
        assert round_money(-value, "USD") == -round_money(value, "USD")


@pytest.mark.parametrize("value, expected", [
    (Decimal("0.5"), "1"),
    (Decimal("1.5"), "2"),
    (Decimal("2.5"), "3"),  # half up, not to even
    (Decimal("-2.5"), "-3"),
    (Decimal("1234.4"), "1234"),
    (Decimal("1234.49"), "1234"),
    (Fraction(1001, 2), "501"),
    (Decimal("99"), "99"),
])
def test_round_money_jpy_has_no_minor_unit(value, expected):
    result = round_money(value, "JPY")
    assert result == Decimal(expected)
    assert str(result) == expected  # no decimal point for yen


def test_round_money_refuses_floats():
    with pytest.raises(TypeError):
        round_money(0.1, "EUR")  # type: ignore[arg-type]


def test_round_money_rejects_unknown_currency():
    with pytest.raises(KeyError):
        round_money(Decimal(1), "XYZ")


# ---- the calendar ------------------------------------------------------------------------------


@pytest.mark.parametrize("text, days", [
    ("2026-11", 30), ("2026-12", 31), ("2027-02", 28), ("2028-02", 29), ("2100-02", 28),
    ("2000-02", 29), ("2026-01", 31), ("2026-04", 30),
])
def test_period_days(text, days):
    period = Period.parse(text)
    assert period.days == days
    assert len(period.dates()) == days
    assert period.dates()[0] == period.first_day
    assert period.dates()[-1] == period.last_day


def test_period_bounds_are_utc_months():
    nov = Period.parse("2026-11")
    assert str(nov) == "2026-11"
    assert nov.start == dt.datetime(2026, 11, 1, tzinfo=UTC)
    assert nov.end == dt.datetime(2026, 12, 1, tzinfo=UTC)  # the first instant after
    assert nov.first_day == dt.date(2026, 11, 1)
    assert nov.last_day == dt.date(2026, 11, 30)
    assert nov.contains(at("2026-11-01T00:00:00Z"))
    assert nov.contains(at("2026-11-30T23:59:59Z"))
    assert not nov.contains(at("2026-12-01T00:00:00Z"))
    assert not nov.contains(at("2026-10-31T23:59:59Z"))
    # A time given in another zone is the same instant: 2026-12-01 00:30+01:00 is Nov 30 in UTC.
    assert nov.contains(dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))


def test_period_next_crosses_the_year():
    assert Period(2026, 11).next() == Period(2026, 12)
    assert Period(2026, 12).next() == Period(2027, 1)
    assert str(Period(2026, 12).next()) == "2027-01"
    assert Period(2026, 12).end == dt.datetime(2027, 1, 1, tzinfo=UTC)


def test_periods_are_ordered():
    assert Period(2026, 12) < Period(2027, 1) < Period(2027, 2)
    assert sorted([Period(2027, 2), Period(2026, 11)]) == [Period(2026, 11), Period(2027, 2)]


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "",
                                  "2026-11-01", "november"])
def test_period_parse_rejects_other_text(text):
    with pytest.raises(ValueError):
        Period.parse(text)


# ---- decisions: requests against limits, and the lowest plan that allows them ----------------


def decide(catalog, plan: str, usage: dict[str, int], item: str, count: int,
           on: str = "2026-11-20T00:00:00Z"):
    account = Account("a", plan, usage={
        name: MeterData(intervals=(Interval(at("2026-10-01T00:00:00Z"), n),))
        for name, n in usage.items()}, requests=(Request(at(on), item, count),))
    prepared, problems = prepare(catalog, account)
    assert problems == []
    return decide_request(catalog, catalog.plan(plan), prepared, account.requests[0])


def line_of(text: str) -> int:
    """The 1-based line of the test catalog holding `text`."""
    return next(n for n, line in enumerate(CATALOG_TEXT.splitlines(), 1) if text in line)


def reasons(decision) -> list[str]:
    return [r.code for r in decision.reasons]


def test_within_included_is_allowed(catalog):
    d = decide(catalog, "Small", {"channels": 1}, "channels", 1)
    assert (d.kind, d.subject, d.outcome) == ("create", "channels", "allowed")
    assert reasons(d) == ["within-limit"]
    assert d.lowest_plan is None
    assert d.date == dt.date(2026, 11, 20)


def test_not_extendable_names_the_next_plan(catalog):
    d = decide(catalog, "Small", {"channels": 2}, "channels", 1)
    assert d.outcome == "refused"
    assert reasons(d) == ["not-extendable"]
    assert d.lowest_plan == "Medium"
    assert d.rule is not None and d.rule.line == line_of("channels: 2 included, not extendable")


def test_limit_reached_names_the_lowest_plan_that_allows_it(catalog):
    d = decide(catalog, "Small", {"realms": 2}, "realms", 1)
    assert reasons(d) == ["limit-reached"]
    assert d.lowest_plan == "Medium"
    assert d.rule is not None and d.rule.line == line_of("realms: at most 2")
    # 2 + 4 = 6 is beyond Medium's 5 as well: the lowest plan is Large.
    assert decide(catalog, "Small", {"realms": 2}, "realms", 4).lowest_plan == "Large"
    # exactly the limit is allowed
    assert decide(catalog, "Medium", {"realms": 4}, "realms", 1).outcome == "allowed"


def test_no_plan_allows_it(catalog):
    d = decide(catalog, "Large", {"realms": 50}, "realms", 1)
    assert d.outcome == "refused"
    assert reasons(d) == ["limit-reached"]
    assert d.lowest_plan is None
    assert "no plan" in d.reasons[0].message


def test_extra_up_to_the_maximum_then_refused(catalog):
    d = decide(catalog, "Medium", {"channels": 9}, "channels", 1)  # exactly the maximum, 10
    assert d.outcome == "allowed"
    assert reasons(d) == ["billed-as-extra"]
    d = decide(catalog, "Medium", {"channels": 9}, "channels", 2)  # 11 > 10
    assert d.outcome == "refused"
    assert reasons(d) == ["maximum-reached"]
    assert d.lowest_plan == "Large"  # extendable without a maximum


def test_within_included_on_an_extendable_plan_is_not_an_extra(catalog):
    d = decide(catalog, "Medium", {"channels": 2}, "channels", 1)  # 3 = the included amount
    assert reasons(d) == ["within-limit"]


def test_item_missing_from_the_plan(catalog):
    d = decide(catalog, "Small", {}, "widgets", 1)
    assert d.outcome == "refused"
    assert reasons(d) == ["not-available"]
    assert d.lowest_plan == "Large"


def test_request_counts_the_level_at_its_moment(catalog):
    # 1 channel from Oct 1 and 1 more from Nov 15: on Nov 14 the account has 1, on Nov 15 it has 2.
    account = Account("a", "Small", usage={"channels": MeterData(intervals=(
        Interval(at("2026-10-01T00:00:00Z"), 1), Interval(at("2026-11-15T00:00:00Z"), 1)))},
        requests=(Request(at("2026-11-14T00:00:00Z"), "channels", 1),
                  Request(at("2026-11-15T00:00:00Z"), "channels", 1)))
    prepared, _ = prepare(catalog, account)
    plan = catalog.plan("Small")
    first, second = (decide_request(catalog, plan, prepared, r) for r in account.requests)
    assert first.outcome == "allowed"
    assert second.outcome == "refused" and second.lowest_plan == "Medium"


def test_allows_uses_the_ceiling(catalog):
    small, medium, large = (catalog.plan(n) for n in ("Small", "Medium", "Large"))
    assert allows(small.items["channels"], Fraction(2))
    assert not allows(small.items["channels"], Fraction(3))
    assert allows(medium.items["channels"], Fraction(10))
    assert not allows(medium.items["channels"], Fraction(11))
    assert allows(large.items["channels"], Fraction(10**9))
    assert not allows(None, Fraction(1))


# ---- evaluation: lines rounded once each, totals the sum of rounded lines ---------------------


def test_evaluate_bills_fee_and_extras(catalog):
    account = Account("a", "Medium", usage={"channels": MeterData(intervals=(
        Interval(at("2026-10-01T00:00:00Z"), 3),
        Interval(at("2026-11-01T00:00:00Z"), 1, to=at("2026-11-16T00:00:00Z")),
        Interval(at("2026-11-01T00:00:00Z"), 1)))})
    bill = evaluate(catalog, account, "2026-11")
    assert [(ln.item, ln.quantity, ln.amount) for ln in bill.lines] == [
        ("plan fee", Decimal(1), Decimal("20.00")), ("channels", Decimal(2), Decimal("10.00"))]
    assert bill.total == Decimal("30.00")
    assert bill.decisions == ()


def test_evaluate_reports_usage_over_a_non_extendable_limit_without_charging(catalog):
    account = Account("a", "Small", usage={"channels": MeterData(intervals=(
        Interval(at("2026-10-01T00:00:00Z"), 3),))})
    bill = evaluate(catalog, account, "2026-11")
    assert [ln.item for ln in bill.lines] == ["plan fee"]
    assert bill.total == Decimal("10.00")
    assert [(d.kind, d.subject, d.outcome, d.date) for d in bill.decisions] == [
        ("usage-over-limit", "channels", "exceeded", dt.date(2026, 11, 30))]


# ---- plan changes: `no refund` keeps the plan left at its full fee ------------------------------

_CHANGES = """catalog demo
  currency EUR
plan Basic: € 30 per month
plan Plus: € 60 per month
change Basic to Plus: immediately, prorated by days
change Plus to Basic: immediately, prorated by days, no refund
"""


def _bill_after_change(old: str, new: str, day: int):
    from planlang.compile import parse_catalog_text
    from planlang.engine import evaluate
    from planlang.inputs.account import Account
    from planlang.inputs.convert import converter

    catalog = parse_catalog_text(_CHANGES, "demo.plan")
    account = converter.structure({"account": "a", "plan": old, "timeline": [
        {"on": f"2026-06-{day:02d}", "change_plan": new}]}, Account)
    return evaluate(catalog, account, "2026-06")


def test_a_prorated_change_charges_each_plan_for_its_days():
    bill = _bill_after_change("Basic", "Plus", 11)  # 10 days of Basic, 20 of Plus (June: 30 days)
    assert [(line.plan, line.amount) for line in bill.lines] == [
        ("Basic", Decimal("10.00")), ("Plus", Decimal("40.00"))]


def test_no_refund_keeps_the_plan_left_at_its_full_fee():
    bill = _bill_after_change("Plus", "Basic", 11)  # Plus in full, Basic for its 20 days
    assert [(line.plan, line.amount) for line in bill.lines] == [
        ("Plus", Decimal("60.00")), ("Basic", Decimal("20.00"))]


# ---- CSV values a spreadsheet would run as formulas --------------------------------------------


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("-2+3", "'-2+3"),
    ("\tindent", "'\tindent"),
    ("-1.50", "-1.50"),  # a number stays a number
    ("Tokyo, \"Shibuya\"", "Tokyo, \"Shibuya\""),
    ("", ""),
])
def test_csv_text_that_looks_like_a_formula_is_written_as_text(value, written):
    from planlang.engine.subscribers import safe_text

    assert safe_text(value) == written


def test_usage_for_a_catalog_that_measures_nothing_says_so():
    from planlang.diagnostics import PlanlangError
    from planlang.engine.compiled import compile_catalog

    catalog = parse_catalog_text("catalog fees\n  currency EUR\n  billing period: calendar month\n\n"
                                 "plan Basic: € 10 per month\n", "fees.plan")
    with pytest.raises(PlanlangError) as raised:
        compile_catalog(catalog).interpret({"account": "a", "plan": "Basic",
                                            "usage": {"data": {}}}, ["2026-03"])
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "PL412"
    assert diagnostic.help == "the catalog measures nothing: leave `usage` out"


# ---- one exact arithmetic context (planlang.money.EXACT), whatever the caller's ---------------

def _hostile_context() -> decimal.Context:
    """A caller's context that would round what planlang computes (3 digits, down), or raise."""
    return decimal.Context(prec=3, rounding=decimal.ROUND_FLOOR, Emax=40, Emin=-40,
                           traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation,
                                  decimal.Overflow, decimal.DivisionByZero, decimal.Clamped,
                                  decimal.FloatOperation, decimal.Subnormal, decimal.Underflow])


BIG = """\
catalog big
  currency EUR

unit GB

meter data in GB: usage, monthly sum

plan Base: € 0.01 per month
  data: 0 GB included, then € 999,999,999,999,999.99 per GB
"""


def test_the_largest_price_times_the_largest_figure_keeps_its_cents_and_the_total_its_fee():
    """€999,999,999,999,999.99 × (10^18 − 1) GB, and a €0.01 fee: rounding at 28 digits gave an
    amount without its cents and a total without the fee (issue 11, item 7)."""
    catalog = parse_catalog_text(BIG, "big.plan")
    account = Account("a", "Base", usage={"data": MeterData(daily={
        dt.date(2026, 11, 5): DayValue(Amount(Decimal(10**18 - 1)))})})
    bill = evaluate(catalog, account, "2026-11")
    exact = Fraction(99_999_999_999_999_999, 100) * (10**18 - 1)  # cents, exactly
    assert [line.amount for line in bill.lines] == [Decimal("0.01"),
                                                    Decimal(exact.numerator).scaleb(-2, EXACT)]
    assert str(bill.lines[1].amount) == "999999999999999989000000000000000.01"
    assert str(bill.total) == "999999999999999989000000000000000.02"
    assert bill.total == EXACT.add(bill.lines[0].amount, bill.lines[1].amount)


def test_a_callers_decimal_context_changes_no_bill():
    """`planlang.evaluate` in `localcontext(prec=3)` billed a fee of 130, not 130.00 (item 8);
    with every signal trapped it raised. Now the caller's context is never used."""
    import planlang

    catalog = planlang.load_catalog("catalogs/flespi.plan")
    account = planlang.load_account("examples/flespi-account.yaml", catalog)
    expected = planlang.evaluate(catalog, account, "2026-11")
    with decimal.localcontext(prec=3):
        assert str(planlang.evaluate(catalog, account, "2026-11").lines[0].amount) == "130.00"
    with decimal.localcontext(_hostile_context()):
        catalog_again = planlang.load_catalog("catalogs/flespi.plan")
        account_again = planlang.load_account("examples/flespi-account.yaml", catalog_again)
        bill = planlang.evaluate(catalog_again, account_again, "2026-11")
        data, table = planlang.to_data(bill), bill_table(bill, "flespi", explain=True)
    assert bill == expected
    assert data == planlang.to_data(expected)
    assert table == bill_table(expected, "flespi", explain=True)
    assert str(bill.lines[0].amount) == "130.00"


def test_daily_records_and_their_csv_ignore_the_callers_context():
    """The records engine (a generator: its arithmetic names EXACT itself) and the CSV writer."""
    import io

    import planlang
    from planlang.engine.subscribers import SubscriberSource, period_records, write_csv

    def run() -> tuple:
        catalog = planlang.load_catalog("catalogs/soracom-air.plan")
        account = planlang.load_account("examples/soracom-air-account.yaml", catalog)
        bill = planlang.evaluate(catalog, account, "2026-11")
        source = SubscriberSource(catalog, account.account, None, None)
        out = io.StringIO()
        amounts = write_csv(out, period_records(catalog, account.account, source,
                                                Period(2026, 11), {}), [])
        return bill, out.getvalue(), amounts

    expected = run()
    with decimal.localcontext(_hostile_context()):
        assert run() == expected
    assert expected[0].total == sum((line.amount for line in expected[0].lines), Decimal(0))


def test_scenarios_ignore_the_callers_context():
    from planlang.drivers.scenario import run_paths

    with decimal.localcontext(_hostile_context()):
        results, problems = run_paths(["tests/scenarios/flespi", "tests/scenarios/edge-device"])
    assert not problems and results and all(result.passed for result in results)


@pytest.mark.parametrize("value, currency, expected", [
    (Decimal("999999999999999999.995"), "EUR", "1000000000000000000.00"),
    (Fraction(10**54 - 1, 10**18), "EUR", "1000000000000000000000000000000000000.00"),
    (Fraction(10**54 + 5 * 10**15, 10**18), "EUR", "1000000000000000000000000000000000000.01"),
    (Decimal(f"{10**54 + 4999 * 10**12}E-18"), "USD", "1000000000000000000000000000000000000.00"),
    (Fraction(-(10**40) - 5, 1000), "EUR", "-10000000000000000000000000000000000000.01"),
    (Decimal("-0.005"), "EUR", "-0.01"),
    (Decimal("0.5"), "JPY", "1"),
])
def test_round_money_is_exact_at_any_size_and_in_any_context(value, currency, expected):
    assert str(round_money(value, currency)) == expected
    with decimal.localcontext(_hostile_context()):
        assert str(round_money(value, currency)) == expected


def test_the_money_functions_name_their_context():
    """Called outside any entry point, in a hostile context: the same, exact results."""
    values = [Decimal("999999999999999999.999999999999999999"), Decimal("0.0004"),
              Decimal("130.00"), Decimal("-1234.5")]

    def results() -> tuple:
        return (money.total(values, "EUR"), [money.format_money(v, "EUR") for v in values],
                [money.format_number(v) for v in values], money.format_number(Fraction(1, 3)),
                money.fraction_to_decimal(Fraction(2**-60)), money.fraction_to_decimal(
                    Fraction(10**30, 7), places=6), money.exact_decimal(Fraction(13, 10 * 2**40)),
                money.exact_decimal(Fraction(1, 3)), money.add(values[0], values[0]))

    expected = results()
    assert Fraction(expected[0]) == sum(map(Fraction, values))  # not rounded to 28 digits
    assert str(expected[0]) == "999999999999998895.500399999999999999"
    assert expected[1][0] == "€999,999,999,999,999,999.999999999999999999"
    assert expected[5] == Decimal("142857142857142857142857142857.142857")
    assert expected[6] is not None and Fraction(expected[6]) == Fraction(13, 10 * 2**40)
    assert expected[7] is None
    with decimal.localcontext(_hostile_context()):
        assert results() == expected


def test_exact_runs_a_function_in_planlangs_context_and_gives_the_callers_back():
    @money.exact
    def precision() -> int:
        return decimal.getcontext().prec

    with decimal.localcontext(prec=3):
        assert precision() == decimal.MAX_PREC
        assert decimal.getcontext().prec == 3


def test_exact_refuses_what_would_be_rounded_or_a_float():
    with pytest.raises((decimal.Inexact, decimal.Rounded)):
        Decimal("1.005").quantize(Decimal("0.01"), context=EXACT)  # only round_money rounds
    with pytest.raises(decimal.FloatOperation):
        with decimal.localcontext(EXACT):
            _ = Decimal(1) < 1.5  # type: ignore[operator]


@pytest.mark.parametrize("figure", ["1E+30", "1E+5000", "NaN", "-Infinity", "sNaN",
                                    "0.0000000000000000001", "1000000000000000000"])
def test_an_account_built_in_python_is_held_to_the_bounds_of_the_readers(figure):
    """The readers refuse a figure outside the bounds (PL404); an `Account` built in Python went
    past them, to a bill of any size or a traceback (1E+5000, NaN). Now PL414, located."""
    from planlang.diagnostics import PlanlangError

    catalog = parse_catalog_text(BIG, "big.plan")
    account = Account("a", "Base", usage={"data": MeterData(daily={
        dt.date(2026, 11, 5): DayValue(Amount(Decimal(figure), "GB"))})},
        uptime={"2026-11": Amount(Decimal(figure), "%")})
    with pytest.raises(PlanlangError) as raised:
        evaluate(catalog, account, "2026-11")
    assert [d.code for d in raised.value.diagnostics] == ["PL414", "PL414"]
    assert all("is out of range: numbers have at most 18 digits before and after the decimal "
               "point" in d.message for d in raised.value.diagnostics)
    assert "usage.data.daily.2026-11-05" in raised.value.diagnostics[0].message


def test_a_fee_and_a_price_of_36_digits_are_exact_decimal_amounts():
    """The checker divided a money value's numerator by its denominator in the default context:
    36 digits came back rounded to 28 and were refused as "not an exact decimal amount" (PL233)."""
    largest = "999,999,999,999,999,999.999999999999999999"
    catalog = parse_catalog_text(BIG.replace("€ 0.01 per month", f"€ {largest} per month")
                                 .replace("€ 999,999,999,999,999.99 per GB",
                                          f"€ {largest} per GB"), "big.plan")
    [plan] = catalog.plans
    assert plan.fee == plan.items["data"].price == Decimal(largest.replace(",", ""))
    assert str(plan.fee) == "999999999999999999.999999999999999999"


def test_every_public_entry_point_enters_planlangs_context():
    """The entry points named in docs/architecture.md ("One arithmetic context") are wrapped by
    `money.exact`, and a runner enters EXACT for the records it bills."""
    import importlib
    import inspect

    import planlang
    from planlang import compile
    from planlang.drivers import batch, cli, scenario
    from planlang.engine import compiled, results
    from planlang.engine import load as inputs
    from planlang.engine import subscribers as records_io
    from planlang.outputs import table as report

    evaluate_module = importlib.import_module("planlang.engine.evaluate")
    prepare_module = importlib.import_module("planlang.engine.prepare")

    functions = [planlang.compile_source, planlang.load_catalog, planlang.parse_catalog_text,
                 planlang.evaluate, planlang.prepare, planlang.load_account, planlang.to_data,
                 compile.load_catalog, inputs.load_data, inputs.account_from,
                 evaluate_module.evaluate_periods, prepare_module.prepare, report.bill_table,
                 results.to_data, batch.bill_one, batch.bill_chunk,
                 records_io.bill_record_periods, records_io.write_csv, scenario.run_file,
                 scenario.run_spec, scenario.run_paths, cli.main,
                 compiled.CompiledCatalog.runner, compiled.CompiledCatalog.bill,
                 compiled.CompiledCatalog.bill_periods, compiled.CompiledCatalog.bill_batch,
                 compiled.CompiledCatalog.interpret]
    wrapper = money.exact(lambda: None).__code__
    assert [f.__qualname__ for f in functions if f.__code__ is not wrapper] == []
    for method in (compiled._Runner.batch, compiled._Runner.__call__, compiled._Runner.bills):
        assert "with localcontext(EXACT):" in inspect.getsource(method)
