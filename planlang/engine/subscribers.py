"""Subscribers in, detailed billing CSV out, both streamed.

An account lists its subscribers inline, or names a JSON Lines file of them
(`subscribers_from: sims.jsonl`, one subscriber per line) that is read lazily, line by line, as
often as needed. The detailed billing CSV is written exactly as the seed describes: UTF-8 with a
BOM, a header row, RFC 4180 quoting by the standard `csv` module, then the tag and group columns
(`name`, every tag key of the account, `group:groupId`, `group:name`) on the header and on every
line of a SIM. Files are written to a temporary name and renamed: never a partial file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO

from planlang.diagnostics import Diagnostic, PlanlangError
from planlang.engine.calendar import Period
from planlang.engine.records import Record, check_subscriber, coupon_balances, iter_records
from planlang.engine.results import Bill, ChargeLine
from planlang.inputs.account import Account, Subscriber
from planlang.inputs.convert import located, quick_converter, structure
from planlang.inputs.documents import Document, load_document, read_json, read_json_unchecked
from planlang.model import Catalog
from planlang.money import EXACT, exact, total

BASE_COLUMNS = ("date", "billItemName", "imsi", "vpgId", "unitPrice", "quantity", "amount")
BOM = "\ufeff"


class SubscriberSource:
    """The account's subscribers, checked against the catalog, readable as many times as needed."""

    def __init__(self, catalog: Catalog, account: Account, document: Document | None,
                 account_path: Path | None, prefix: tuple = ()):
        self.catalog = catalog
        self.account = account
        self.document = document
        self.prefix = prefix  # where the account sits in its document (a scenario's `account`)
        self.path = None
        if account.subscribers_from is not None:
            base = account_path.parent if account_path is not None else Path(".")
            self.path = base / account.subscribers_from
            if not self.path.is_file():
                raise PlanlangError([_at(document, prefix + ("subscribers_from",), "PL401",
                                         f"`{account.subscribers_from}` does not exist",
                                         "the path is relative to the account file")])
        for index, subscriber in enumerate(account.subscribers):
            self._check(subscriber, prefix + ("subscribers", index), document)

    def _check(self, subscriber: Subscriber, path: tuple, document: Document | None) -> None:
        problems = check_subscriber(self.catalog, subscriber, path)
        if problems:
            raise PlanlangError([_at(document, p.path, p.code, p.message, p.help, p.on_key)
                                 for p in problems])

    def __iter__(self) -> Iterator[Subscriber]:
        yield from self.account.subscribers
        if self.path is not None:
            yield from self._read_lines(self.path)

    def _read_lines(self, path: Path) -> Iterator[Subscriber]:
        for number, raw in _lines(path):
            yield self._subscriber(path, number, raw)

    def _subscriber(self, path: Path, number: int, raw: bytes) -> Subscriber:
        """One line's subscriber; any problem is reported at its file and line."""
        from planlang.source import LineSource

        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as error:
            shown = LineSource(str(path), raw.decode("utf-8", errors="replace").rstrip("\r\n"),
                               first_line=number)
            raise PlanlangError([Diagnostic("PL402", "line is not UTF-8 text",
                                            shown.span(error.start, error.start + 1),
                                            help="save the file as UTF-8")]) from None
        source = LineSource(str(path), text, first_line=number)
        data = read_json(source)  # PlanlangError, located, for whatever is wrong as JSON
        try:
            subscriber = quick_converter.structure(data, Subscriber)
            problems = check_subscriber(self.catalog, subscriber, ())
        except Exception:  # noqa: BLE001 - structured again below, with positions
            problems = None
        if problems == []:
            return subscriber
        document = load_document(source)
        subscriber = structure(document, Subscriber)  # raises located diagnostics
        problems = check_subscriber(self.catalog, subscriber, ())
        raise PlanlangError([located(document, p.path, p.code, p.message, p.help, p.on_key)
                             for p in problems])

    def tag_keys(self) -> list[str]:
        """Every subscriber's tag keys, sorted: the CSV's header, which comes before any row. The
        file's lines are only read as JSON, their tags' keys taken as they are (a key is text,
        structured as itself); a line that is not read, or not a subscriber, is left to the
        billing, which reports it, located, before anything is written."""
        from planlang.source import LineSource

        keys: set[str] = set()
        for subscriber in self.account.subscribers:
            keys.update(subscriber.tags)
        if self.path is None:
            return sorted(keys)
        name = str(self.path)
        for number, raw in _lines(self.path):
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
                try:
                    data = read_json_unchecked(text)
                except (ValueError, RecursionError):  # read as the billing reads it
                    data = read_json(LineSource(name, text, first_line=number))
            except (UnicodeDecodeError, PlanlangError):
                continue
            tags = data.get("tags") if type(data) is dict else None
            if type(tags) is dict:
                keys.update(tags)
        return sorted(keys)


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """The numbered lines of a JSON Lines file that are not blank (a first BOM left out)."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if raw.strip():
                yield number, raw


def _at(document, path, code, message, help=None, on_key=False) -> Diagnostic:
    if document is None:
        return Diagnostic(code, f"{message} (at `{'.'.join(map(str, path))}`)", help=help)
    return located(document, path, code, message, help, on_key)


def coupon_before(catalog: Catalog, account: Account, source: Iterable[Subscriber],
                  period: Period) -> dict[str, Fraction]:
    """The coupon balances when `period` starts: the months since `since` are billed silently."""
    balances = coupon_balances(catalog, account)
    if account.since is None:
        return balances
    month = Period.parse(account.since)
    from planlang.engine.timeline import check_span

    check_span(month, period)
    while month < period:
        for _ in iter_records(catalog, account, source, month, balances):
            pass
        month = month.next()
    return balances


def period_records(catalog: Catalog, account: Account, source: Iterable[Subscriber],
                   period: Period, balances: dict[str, Fraction]) -> Iterator[Record]:
    """The period's records as a stream; `balances` holds what is carried over once consumed."""
    return iter_records(catalog, account, source, period, balances)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """A text value a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+1+cmd`, `@SUM`) is
    written with a leading apostrophe, which spreadsheets show as text; numbers are untouched."""
    if value.startswith(_FORMULA_STARTS):
        try:
            Decimal(value)
        except ArithmeticError:
            return "'" + value
    return value


def subscriber_texts(subscriber: Subscriber | None, tag_keys: list[str],
                     raw: bool = False) -> list[str]:
    """A SIM's name, tag values and group, as the columns after `amount` show them (empty for a
    gateway and for the account's records)."""
    if subscriber is None or not subscriber.imsi:
        return [""] * (len(tag_keys) + 3)
    group = subscriber.group
    texts = [subscriber.name or ""] + [subscriber.tags.get(k, "") for k in tag_keys] + [
        group.id if group else "", group.name if group else ""]
    return texts if raw else [safe_text(t) for t in texts]


def csv_header(tag_keys: list[str], raw: bool = False) -> list[str]:
    keys = tag_keys if raw else [safe_text(k) for k in tag_keys]
    return [*BASE_COLUMNS, "name", *keys, "group:groupId", "group:name"]


@exact
def write_csv(out: IO[str], records: Iterable[Record], tag_keys: list[str],
              raw: bool = False) -> Decimal:
    """Write the detailed billing CSV (BOM, header, rows); return the sum of the amounts.
    Unless `raw`, text that a spreadsheet would take for a formula is written as text."""
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_header(tag_keys, raw))
    block = _Block(out, writer)
    exact_add = EXACT.add
    amounts = Decimal(0)
    subscriber: Subscriber | None = None
    rows: list[list[str]] = []  # the current SIM's, before its name, tag and group columns
    prices: dict[int, tuple[Decimal, str]] = {}  # a rule's unit price is one object: shown once
    for date, item, imsi, vpg, price, quantity, amount, _, of, _, _ in records:  # a Record
        if of is not subscriber:  # a SIM's records come together
            block.write(rows, subscriber_texts(subscriber, tag_keys, raw))
            subscriber, rows = of, []
        shown = prices.get(id(price))
        if shown is None or shown[0] is not price:
            if len(prices) > 1000:  # a discount's price is made per SIM: keep few
                prices.clear()
            shown = prices[id(price)] = (price, _plain(price))
        quantity_text = format(quantity, "f")  # _plain, written out: a call a row less
        amount_text = format(amount, "f")
        rows.append([date, item, imsi, vpg, shown[1],
                     "0" if quantity_text in _ZEROS else quantity_text,
                     "0" if amount_text in _ZEROS else amount_text])
        amounts = exact_add(amounts, amount)  # money.add, without a call a row
    block.write(rows, subscriber_texts(subscriber, tag_keys, raw))
    return amounts


class _Block:
    """Writes a SIM's rows, each followed by the SIM's columns (name, tags, group), the same on
    every row: the rows are written by the `csv` module without them, then each line end is
    preceded by those columns, written once by the `csv` module too (a field is quoted for what
    it holds alone, so a line is the fields written one by one and joined by commas). Rows whose
    fields hold a line end themselves are written whole, row by row."""

    def __init__(self, out: IO[str], writer):
        self.out = out
        self.writer = writer
        self.buffer = io.StringIO()
        self.buffered = csv.writer(self.buffer, lineterminator="\r\n")

    def _text(self, rows: list[list[str]]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.buffered.writerows(rows)
        return self.buffer.getvalue()

    def write(self, rows: list[list[str]], texts: list[str]) -> None:
        if not rows:
            return
        text = self._text(rows)
        if text.count("\r\n") != len(rows):  # a field holds a line end: not split at it
            self.writer.writerows(row + texts for row in rows)
            return
        after = self._text([["", *texts]])  # `,name,tag…,group` and the line end
        self.out.write(text.replace("\r\n", after))


_ZEROS = ("-0", "0E-12")  # written `0`


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return "0" if text in _ZEROS else text


def records_bill(catalog: Catalog, account: Account, period: Period,
                 records: Iterable[Record]) -> Bill:
    """The period's records as a bill (every record a line), for the table and JSON outputs."""
    lines = tuple(ChargeLine(r.kind, r.item, "", str(period), r.quantity, "", r.unit_price,
                             r.amount, r.rule, date=r.date, subject=r.imsi or r.vpg or None)
                  for r in records)
    return Bill(account.account, account.plan, str(period), catalog.currency, lines,
                total((line.amount for line in lines), catalog.currency), ())


@exact
def bill_record_periods(catalog: Catalog, account: Account, source: SubscriberSource,
                        periods: list[Period]) -> list[Bill]:
    if not periods:
        return []
    balances = coupon_before(catalog, account, source, periods[0])
    return [records_bill(catalog, account, period,
                         period_records(catalog, account, source, period, balances))
            for period in periods]
