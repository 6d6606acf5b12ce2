"""Percentages of payments: a `transactions` meter, priced by a percentage and a fee per payment,
in bands of the month's payments, bounded per payment (docs/language.md, "Percentages of
payments"). The worked figures are scenarios (tests/scenarios/payments); here, the checker's
answers to what cannot be said, and the exactness of the bounds per payment."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planlang.compile import compile_source
from planlang.engine import rules
from planlang.source import Source

HEADER = """catalog payments
  currency USD

unit transfer
meter card_payments: transactions
meter transfers in transfers: usage, monthly sum

"""


def codes(body: str) -> list[tuple[str, str]]:
    result = compile_source(Source("t.plan", HEADER + body))
    return [(d.code, d.message) for d in result.diagnostics]


@pytest.mark.parametrize(("body", "code", "words"), [
    ("plan A: $ 0 per month\n  transfers: 0.8% + $ 0.25 per transfer\n", "PL293",
     "is a usage meter: a percentage"),
    ("plan A: $ 0 per month\n  transfers: first 100 free, then 2%\n", "PL293",
     "is a usage meter: a percentage"),
    ("plan A: $ 0 per month\n  card_payments: 2.9% per 100 transactions\n", "PL293",
     "priced per transaction, not per `100 transactions`"),
    ("plan A: $ 0 per month\n  card_payments: 2.9% per transfer\n", "PL293",
     "priced per transaction, not per `transfer`"),
    ("plan A: $ 0 per month\n  card_payments: 120% per transaction\n", "PL293", "above 100%"),
    ("plan A: $ 0 per month\n  card_payments: 2.9% + € 0.25 per transaction\n", "PL293",
     "not money in `EUR`"),
    ("plan A: $ 0 per month\n  card_payments: 1,000 included\n", "PL293",
     "is a transactions meter"),
    ("plan A: $ 0 per month\n  card_payments: first $ 100 at 1% per transaction, then 2%\n",
     "PL293", "a percentage of the money in it"),
    ("plan A: $ 0 per month\n  card_payments: first $ 100 at $ 0.01, then 2%\n", "PL293",
     "not money in `USD`"),
    ("plan A: $ 0 per month\n  card_payments: first $ 100 free, then 2%, 3% per transaction\n",
     "PL293", "bands of percentages and a percentage per payment"),
    ("plan A: $ 0 per month\n  card_payments: first $ 100 for € 5 plus 1%, then 2%\n",
     "PL232", "is in `EUR`"),
    ("plan A: $ 0 per month\n  card_payments: first $ 100 free, then 2%, capped at $ 5 per "
     "transaction\n", "PL293", "bounds each payment's fee and prices"),
    ("plan A: $ 0 per month\n  card_payments: 2% per transaction, at least $ 5 per transaction, "
     "capped at $ 1 per transaction\n", "PL291", "charges each payment at least more"),
    ("plan A: $ 0 per month\n  card_payments: 2% per transaction, at least $ 5 per month, "
     "capped at $ 1 per month\n", "PL291", "charges at least more than its cap"),
    ("plan A: $ 0 per month\n  card_payments: volume pricing\n", "PL283", "has no bands"),
    ("plan A: $ 0 per month\n  card_payments: up to $ 100 free, up to $ 50 at 2%\n", "PL285",
     "ends at"),
])
def test_what_cannot_be_said(body, code, words):
    found = codes(body)
    assert any(c == code and words in m for c, m in found), found


def test_a_transactions_meter_takes_no_unit_or_step():
    found = codes("meter payouts: transactions, monthly sum\n")
    assert found and found[0][0] == "PL293", found
    found = codes("meter payouts in transfers: transactions\n")
    assert found and found[0][0] == "PL293", found


def test_what_can_be_said():
    assert codes("plan A: $ 0 per month\n  card_payments: 2.9% + $ 0.30 per transaction, at "
                 "least $ 0.50 per card_payment, capped at $ 20 per month\n") == []
    assert codes("plan A: $ 0 per month\n  card_payments: volume pricing, up to $ 1,000 at 3%, "
                 "then 2%, $ 0.30 per transaction\n") == []
    assert codes("plan A: $ 0 per month\n  card_payments: $ 0.25 per transaction\n") == []
    assert codes("plan A: $ 0 per month\n  card_payments: first $ 100 for $ 5, then 2%\n") == []
    assert codes("plan A: $ 0 per month\n  card_payments: stairstep pricing, up to $ 1,000 for "
                 "$ 10, above $ 1,000 for $ 50\n") == []


money = st.integers(min_value=0, max_value=10**9).map(lambda cents: Fraction(cents, 100))


@given(payments=st.lists(money, max_size=30),
       rate=st.integers(min_value=0, max_value=1000).map(lambda r: Fraction(r, 10_000)),
       fee=st.integers(min_value=0, max_value=100).map(lambda c: Fraction(c, 100)),
       least=st.none() | money, most=st.none() | money)
def test_bounds_per_payment_add_up_to_each_payments_fee(payments, rate, fee, least, most):
    """The month's percentage, fee per payment and the bounds' differences come, exactly, to the
    sum of each payment's own fee raised to its minimum or lowered to its cap."""
    if least is not None and most is not None and least > most:
        least, most = most, least
    raised, up, lowered, down = rules.payment_bounds(payments, rate, fee, least, most)
    month = rate * sum(payments, Fraction(0)) + fee * len(payments) + up - down
    each = Fraction(0)
    for amount in payments:
        charged = rate * amount + fee
        if least is not None:
            charged = max(charged, least)
        if most is not None:
            charged = min(charged, most)
        each += charged
    assert month == each
    assert raised + lowered <= len(payments)
