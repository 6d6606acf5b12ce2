"""Evaluation entry points: bill an account for one period or several, walking its history.

`bill_account` is the one place that chooses how an account is billed: daily billing records for a
catalog that has them (`engine/records.py`), the compiled path (`engine/compiled.py`) for an
account given as data whose bills need no explanation, the interpreter (`engine/timeline.py`)
otherwise. The CLI, the scenario runner and the batch all bill through it. Whichever runs, the
figures are the same: every rule's arithmetic and decision is written once, in `engine/rules.py`.

`evaluate(catalog, account, period)` is deterministic: no clock, no randomness, lines in catalog
order. Amounts are rounded once per line by `round_money`; the total is the sum of the rounded
lines. Problems with the account's data raise PlanlangError before anything is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planlang.diagnostics import Diagnostic, PlanlangError
from planlang.engine.calendar import Period
from planlang.engine.prepare import Prepared, prepare
from planlang.engine.timeline import run
from planlang.model import Catalog
from planlang.money import exact
from planlang.results import Bill
from planlang.state import Account

if TYPE_CHECKING:
    from planlang.yamlio import Document


@exact
def evaluate(catalog: Catalog, account: Account | Prepared, period: Period | str) -> Bill:
    """Bill `account` for `period` ("YYYY-MM") on `catalog`, walking its history up to it."""
    return bill_account(catalog, account, [period])[0]


@exact
def evaluate_periods(catalog: Catalog, account: Account | Prepared,
                     periods: Sequence[Period | str]) -> list[Bill]:
    """Bill several periods of one account, in order, carrying its state from month to month."""
    return bill_account(catalog, account, periods)


@exact
def bill_account(catalog: Catalog, account: dict | Account | Prepared,
                 periods: Sequence[Period | str], explain: bool = True, *,
                 document: Document | None = None, path: Path | None = None,
                 prefix: tuple = ()) -> list[Bill]:
    """Bill `account` for `periods` ("YYYY-MM" or `Period`s), in order: the one place that
    chooses how.

    `account` is the data of an account file (a dict, numbers exact), an `Account` or a prepared
    account. Without `explain`, the bills may lack their computation steps, and an account given
    as data is billed by the compiled path when it covers it (the interpreter otherwise, with the
    same figures and errors); with it, every bill carries its steps. For a catalog of daily
    records, `document`, `path` and `prefix` say where the account was read (its file, the
    account's place in it) so that its subscribers' errors are located and `subscribers_from`
    is found; they are checked even when there is no period to bill.
    """
    if isinstance(account, dict):
        if not explain:
            return compiled_runner(catalog, tuple(str(p) for p in periods)).bills(account)
        from planlang.serde import converter

        account = converter.structure(account, Account)
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
    if catalog.records:  # daily billing records, subscriber by subscriber
        from planlang.records_io import SubscriberSource, bill_record_periods

        source = SubscriberSource(catalog, prepared.account, document, path, prefix)
        return bill_record_periods(catalog, prepared.account, source, sorted(parsed))
    return run(catalog, prepared, parsed)


_RUNNERS: dict[tuple[int, tuple[str, ...]], tuple[Catalog, Any]] = {}


def compiled_runner(catalog: Catalog, periods: tuple[str, ...]):
    """The compiled runner of `catalog` for `periods`, made once per process (a batch's worker
    keeps the catalog it was given for its whole life)."""
    key = (id(catalog), periods)
    held = _RUNNERS.get(key)
    if held is None or held[0] is not catalog:
        from planlang.engine.compiled import compile_catalog

        if len(_RUNNERS) >= 8:
            _RUNNERS.clear()
        held = _RUNNERS[key] = (catalog, compile_catalog(catalog).runner(periods))
    return held[1]


def _prepared(catalog: Catalog, account: Account) -> Prepared:
    prepared, problems = prepare(catalog, account)
    if prepared is None:
        raise PlanlangError([Diagnostic(p.code, f"{p.message} (at `{'.'.join(map(str, p.path))}`)",
                                        help=p.help) for p in problems])
    return prepared
