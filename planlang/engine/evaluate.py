"""The interpreter's entry points: bill an account for one period or several, walking its history,
every bill explained.

`interpret` bills daily billing records for a catalog that has them (`engine/records.py`) and
walks the account's history (`engine/timeline.py`) otherwise. The one place that chooses between
it and the compiled path is `engine/billing.py` (`bill_account`).

`evaluate(catalog, account, period)` is deterministic: no clock, no randomness, lines in catalog
order. Amounts are rounded once per line by `round_money`; the total is the sum of the rounded
lines. Problems with the account's data raise PlanlangError before anything is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from planlang.diagnostics import Diagnostic, PlanlangError
from planlang.engine.calendar import Period
from planlang.engine.prepare import Prepared, prepare
from planlang.engine.results import Bill
from planlang.engine.timeline import run
from planlang.inputs.account import Account
from planlang.model import Catalog
from planlang.money import exact

if TYPE_CHECKING:
    from planlang.inputs.documents import Document


@exact
def evaluate(catalog: Catalog, account: Account | Prepared, period: Period | str) -> Bill:
    """Bill `account` for `period` ("YYYY-MM") on `catalog`, walking its history up to it."""
    return interpret(catalog, account, [period])[0]


@exact
def evaluate_periods(catalog: Catalog, account: Account | Prepared,
                     periods: Sequence[Period | str]) -> list[Bill]:
    """Bill several periods of one account, in order, carrying its state from month to month."""
    return interpret(catalog, account, periods)


@exact
def interpret(catalog: Catalog, account: Account | Prepared, periods: Sequence[Period | str], *,
              document: Document | None = None, path: Path | None = None,
              prefix: tuple = ()) -> list[Bill]:
    """Bill `account` for `periods` ("YYYY-MM" or `Period`s), in order, every step explained.

    For a catalog of daily records, `document`, `path` and `prefix` say where the account was read
    (its file, the account's place in it) so that its subscribers' errors are located and
    `subscribers_from` is found; they are checked even when there is no period to bill.
    """
    parsed = []
    for period in periods:
        if isinstance(period, str):
            try:
                period = Period.parse(period)
            except ValueError as error:
                raise PlanlangError([Diagnostic("PL420", str(error))]) from None
        parsed.append(period)
    if not parsed and not catalog.records:
        return []
    prepared = account if isinstance(account, Prepared) else _prepared(catalog, account)
    catalog = catalog.priced_in(prepared.account.currency)  # every amount in its currency
    if catalog.records:  # daily billing records, subscriber by subscriber
        from planlang.engine.subscribers import SubscriberSource, bill_record_periods

        source = SubscriberSource(catalog, prepared.account, document, path, prefix)
        return bill_record_periods(catalog, prepared.account, source, sorted(parsed))
    return run(catalog, prepared, parsed)




def _prepared(catalog: Catalog, account: Account) -> Prepared:
    prepared, problems = prepare(catalog, account)
    if prepared is None:
        raise PlanlangError([Diagnostic(p.code, f"{p.message} (at `{'.'.join(map(str, p.path))}`)",
                                        help=p.help) for p in problems])
    return prepared
