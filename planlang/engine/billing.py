"""The engine's one entry point: `bill_account` chooses how an account is billed.

The compiled path (`engine/compiled.py`) for an account given as data, explained or not (the
steps worded from its own figures); the interpreter (`engine/evaluate.py`: daily billing records
for a catalog that has them, the walk of the account's history otherwise) for every other. The
CLI, the scenario runner and the batch all bill through it. Whichever runs, the figures are the
same: every rule's arithmetic and decision is written once, in `engine/rules.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planlang.engine.calendar import Period
from planlang.engine.compiled import compile_catalog
from planlang.engine.evaluate import interpret
from planlang.engine.prepare import Prepared
from planlang.engine.results import Bill, json_line
from planlang.inputs.account import Account
from planlang.model import Catalog
from planlang.money import exact

if TYPE_CHECKING:
    from planlang.inputs.documents import Document


@exact
def bill_account(catalog: Catalog, account: dict | Account | Prepared,
                 periods: Sequence[Period | str], explain: bool = True, *,
                 document: Document | None = None, path: Path | None = None,
                 prefix: tuple = ()) -> list[Bill]:
    """Bill `account` for `periods` ("YYYY-MM" or `Period`s), in order: the one place that
    chooses how.

    `account` is the data of an account file (a dict, numbers exact), an `Account` or a prepared
    account. An account given as data is billed by the compiled path when it covers it (the
    interpreter otherwise, with the same figures and errors), its steps worded from the compiled
    computation's own figures. Without `explain`, the bills may lack their computation steps;
    with it, every bill carries its steps. For a catalog of daily
    records, `document`, `path` and `prefix` say where the account was read (its file, the
    account's place in it) so that its subscribers' errors are located and `subscribers_from`
    is found; they are checked even when there is no period to bill.
    """
    runner = _compiled(catalog, account, periods)
    if runner is not None:
        return runner.bills(account, explain)
    if isinstance(account, dict):
        from planlang.inputs.convert import converter, quick_converter

        try:  # the quick reading; a bad account is read again in detail, to say what is wrong
            account = quick_converter.structure(account, Account)
        except Exception:  # noqa: BLE001 - whatever it is, the detailed reading reports it
            account = converter.structure(account, Account)
    return interpret(catalog, account, periods, document=document, path=path, prefix=prefix)


def bill_json(catalog: Catalog, account: dict, periods: Sequence[Period | str],
              explain: bool = False) -> list[str]:
    """The JSON lines of `bill_account(catalog, account, periods, explain)`'s bills
    (`results.json_line`, with their steps when `explain`), byte for byte, and its errors: what
    a batch writes. Where the compiled path bills the account, they are written straight from
    its figures, without making the bills."""
    runner = _compiled(catalog, account, periods)
    if runner is not None:
        return runner.json_lines(account, explain)
    return [json_line(bill, explain) for bill in bill_account(catalog, account, periods, explain)]


def _compiled(catalog: Catalog, account: dict | Account | Prepared,
              periods: Sequence[Period | str]):
    """The one choice of how an account is billed: the compiled runner for an account given as
    data, explained or not (it hands the accounts it does not cover to the interpreter itself),
    or None: the interpreter."""
    if isinstance(account, dict):
        return compiled_runner(catalog, tuple(map(str, periods)))
    return None


_RUNNERS: dict[tuple[int, tuple[str, ...]], tuple[Catalog, Any]] = {}


def compiled_runner(catalog: Catalog, periods: tuple[str, ...]):
    """The compiled runner of `catalog` for `periods`, made once per process (a batch's worker
    keeps the catalog it was given for its whole life)."""
    key = (id(catalog), periods)
    held = _RUNNERS.get(key)
    if held is None or held[0] is not catalog:
        if len(_RUNNERS) >= 8:
            _RUNNERS.clear()
        held = _RUNNERS[key] = (catalog, compile_catalog(catalog).runner(periods))
    return held[1]
