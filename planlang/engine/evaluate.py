"""Evaluation entry points: bill an account for one period or several, walking its history.

`evaluate(catalog, account, period)` is deterministic: no clock, no randomness, lines in catalog
order. Amounts are rounded once per line by `round_money`; the total is the sum of the rounded
lines. Problems with the account's data raise PlanlangError before anything is computed.
"""

from __future__ import annotations

from collections.abc import Sequence

from planlang.diagnostics import Diagnostic, PlanlangError
from planlang.engine.calendar import Period
from planlang.engine.prepare import Prepared, prepare
from planlang.engine.timeline import run
from planlang.model import Catalog
from planlang.money import exact
from planlang.results import Bill
from planlang.state import Account


@exact
def evaluate(catalog: Catalog, account: Account | Prepared, period: Period | str) -> Bill:
    """Bill `account` for `period` ("YYYY-MM") on `catalog`, walking its history up to it."""
    return evaluate_periods(catalog, account, [period])[0]


@exact
def evaluate_periods(catalog: Catalog, account: Account | Prepared,
                     periods: Sequence[Period | str]) -> list[Bill]:
    """Bill several periods of one account, in order, carrying its state from month to month."""
    parsed = []
    for period in periods:
        if isinstance(period, str):
            try:
                period = Period.parse(period)
            except ValueError as error:
                raise PlanlangError([Diagnostic("PL420", str(error))]) from None
        parsed.append(period)
    if not parsed:
        return []
    prepared = account if isinstance(account, Prepared) else _prepared(catalog, account)
    if catalog.records:  # daily billing records, subscriber by subscriber
        from planlang.records_io import SubscriberSource, bill_record_periods

        source = SubscriberSource(catalog, prepared.account, None, None)
        return bill_record_periods(catalog, prepared.account, source, sorted(parsed))
    return run(catalog, prepared, parsed)


def _prepared(catalog: Catalog, account: Account) -> Prepared:
    prepared, problems = prepare(catalog, account)
    if prepared is None:
        raise PlanlangError([Diagnostic(p.code, f"{p.message} (at `{'.'.join(map(str, p.path))}`)",
                                        help=p.help) for p in problems])
    return prepared
