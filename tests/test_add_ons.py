"""Add-ons and products: what the checker and the account check say, and the figures they bill.

Every expected figure is worked out by hand (30-day November: a day is 1/30 of a month's fee).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from planlang.compile import parse_catalog_text
from planlang.diagnostics import PlanlangError
from planlang.engine.evaluate import evaluate
from planlang.engine.prepare import prepare
from planlang.inputs.account import Account, Event
from planlang.inputs.convert import parse_datetime as parse_instant

SUITE = """\
catalog suite
  currency USD
unit GB
meter storage in GB: usage, monthly sum
meter files in GB: usage, monthly sum

product Drive: Basic, Plus
product Chat: Free, Pro

plan Pro: $ 8 per month
  storage: 100 GB included, then $ 1 per GB
plan Free: $ 0 per month
  storage: 5 GB included, then $ 2 per GB
plan Plus: $ 10 per month
  files: 2,000 GB included, then $ 0.05 per GB
plan Basic: $ 2 per month
  files: 200 GB included, then $ 0.10 per GB

add-on Support: $ 30 per month
add-on Packs: $ 5 per pack per month
  storage: 50 GB included
  available on Free, Pro

change to a higher plan: immediately, prorated by days
"""


@pytest.fixture(scope="module")
def suite():
    return parse_catalog_text(SUITE)


def codes(catalog, account: Account) -> list[str]:
    _, problems = prepare(catalog, account)
    return [p.code for p in problems]


def test_each_product_is_ordered_by_its_own_line_not_by_the_file(suite):
    """Pro is written before Free and Plus before Basic: each product's line orders them (no
    PL240), and `a higher plan` is higher in the product's order."""
    assert suite.ranks["Free"] < suite.ranks["Pro"] and suite.ranks["Basic"] < suite.ranks["Plus"]
    assert suite.next_plan("Free") == "Pro" and suite.next_plan("Pro") is None
    account = Account("a", "Free", timeline=(
        Event(parse_instant("2026-11-16"), change_plan="Pro", by="admin"),))
    bill = evaluate(suite, account, "2026-11")
    # Free days 1-15: $0.00; Pro days 16-30: $8.00 × 15 / 30 = $4.00
    assert bill.total == Decimal("4.00")


def test_without_products_the_same_plans_are_one_ladder_out_of_order():
    text = SUITE.replace("product Drive: Basic, Plus\nproduct Chat: Free, Pro\n", "")
    with pytest.raises(PlanlangError) as raised:
        parse_catalog_text(text)
    assert "PL240" in [d.code for d in raised.value.diagnostics]


def test_an_add_on_without_available_on_is_on_every_plan(suite):
    assert suite.add_ons["Support"].plans == ("Pro", "Free", "Plus", "Basic")
    assert suite.add_ons["Support"].unit == ""


def test_an_add_on_bought_once_is_held_once(suite):
    assert codes(suite, Account("a", "Pro", add_ons={"Support": 2})) == ["PL414"]
    assert codes(suite, Account("a", "Pro", add_ons={"Support": 1, "Packs": 3})) == []
    assert codes(suite, Account("a", "Pro", add_ons={"Pack": 1})) == ["PL427"]
    assert codes(suite, Account("a", "Basic", add_ons={"Packs": 1})) == ["PL430"]
    stray = Event(parse_instant("2026-11-02"), quantity=3)
    assert codes(suite, Account("a", "Pro", timeline=(stray,))) == ["PL415"]


def test_a_pack_bought_for_the_last_ten_days_includes_a_third_of_its_amount(suite):
    """Pro, 3 packs from November 21 (10 of 30 days): $5.00 × 30 pack-days / 30 = $5.00;
    included 100 GB + 50 GB × 30 / 30 = 150 GB; 160 GB used: 10 GB × $1.00 = $10.00."""
    from planlang.inputs.account import Amount, MeterData, UsageEvent

    account = Account("a", "Pro", usage={"storage": MeterData(events=(
        UsageEvent(parse_instant("2026-11-25"), Amount(Decimal(160))),))}, timeline=(
        Event(parse_instant("2026-11-21"), add_on="Packs", quantity=3),))
    bill = evaluate(suite, account, "2026-11")
    assert [(line.kind, line.item, line.amount) for line in bill.lines] == [
        ("fee", "plan fee", Decimal("8.00")), ("add-on", "Packs", Decimal("5.00")),
        ("extra", "storage", Decimal("10.00"))]
    assert bill.total == Decimal("23.00")


def test_an_account_on_two_products_routes_each_event_to_its_subscription(suite):
    account = Account("a", plans={"Chat": "Free", "Drive": "Basic"}, add_ons={"Packs": 1},
                      timeline=(Event(parse_instant("2026-11-16"), change_plan="Plus", by="x"),))
    bill = evaluate(suite, account, "2026-11")
    # in the catalog's order of products: Drive: Basic 15 days $1.00, Plus 15 days $5.00;
    # Chat: Free $0.00, 1 pack $5.00
    assert [(line.plan, line.amount) for line in bill.lines] == [
        ("Basic", Decimal("1.00")), ("Plus", Decimal("5.00")), ("Free", Decimal("0.00")),
        ("Free", Decimal("5.00"))]
    assert (bill.plan, bill.total) == ("Plus, Free", Decimal("11.00"))
    # Support is on every plan of both products: it is for no one subscription
    assert codes(suite, Account("a", plans={"Chat": "Free", "Drive": "Basic"},
                                add_ons={"Support": 1})) == ["PL429"]
    assert codes(suite, Account("a", "Free", plans={"Chat": "Free"})) == ["PL429"]
    assert codes(suite, Account("a", plans={"Chat": "Plus"})) == ["PL429"]
