"""Daily billing records: one per subscriber (or gateway), per day, per billing item; discounts.

For each subscriber of the account and each day of the period (UTC): a basic charge by the status
at the end of the day, a record per option enabled, a record for each status change its rules
bill, for each full year spent in a status, and for the day's usage of each usage item (by its
labels, beyond its daily allowance, rounded up to its billing unit with the difference as its own
record). Then the monthly discounts, dated YYYYMM: a free tier per subscriber, a tiered volume
discount across the account, and the coupon against what is left, carried over from month to month.

Subscribers are processed one at a time and their records yielded as they are made, so an account
of any size is billed in bounded memory (`iter_records`); amounts are rounded once per record.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

import attrs

from planlang.diagnostics import did_you_mean
from planlang.engine.calendar import DAY, Period, day_start
from planlang.engine.prepare import Problem
from planlang.inputs.account import Account, Subscriber
from planlang.model import STATUSES, Catalog, RecordRule, RuleRef
from planlang.money import EXACT, exact_decimal, fraction_to_decimal, round_money
from planlang.money import add as money_add
from planlang.units import lookup


class Record(NamedTuple):
    """One line of the detailed billing: a record or a (negative) discount record. Immutable;
    a named tuple rather than an attrs class, as it is made about a hundred times a SIM a month
    (in a third of the time of a frozen attrs class)."""

    date: str  # YYYYMMDD, or YYYYMM for a monthly discount
    item: str
    imsi: str
    vpg: str
    unit_price: Decimal
    quantity: Decimal
    amount: Decimal
    rule: RuleRef
    subscriber: Subscriber | None = None  # for its name, tags and group
    kind: str = "record"  # or "discount"
    reduces: str | None = None  # a discount record: the record it reduces (`dataTrafficCharge`)


# ---- what the catalog's records need, worked out once ------------------------------------------

Quantity = int | Fraction  # base units, exactly: an int when whole (bytes, days, messages)
Exact = Decimal | Fraction  # a price or a value: a Decimal when it has a finite decimal expansion


@attrs.frozen(slots=True)
class _Rated:
    """A record rule and what rating its records takes, worked out once per catalog."""

    rule: RecordRule
    price: Exact  # per base unit, exactly
    shown_price: Decimal  # as a record shows it (12 places)
    allowance: Quantity
    step: Quantity | None
    # {quantity: (shown quantity, amount)} of the small whole quantities billed so far (a day, a
    # few messages, the bytes that round a day up): the same figures, worked out once
    shown: dict[int, tuple[Decimal, Decimal]] = attrs.field(factory=dict, eq=False)


class _Prepared:
    """The catalog's record rules, discounts, options, labels and usage units, looked up once
    rather than for every subscriber, day and event."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.rated = tuple(_Rated(r, _exact(r.unit_price), fraction_to_decimal(r.unit_price, 12),
                                  _quantity(r.allowance),
                                  None if r.round_step is None else _quantity(r.round_step))
                           for r in catalog.records)
        self.free_tier = frozenset(d.record for d in catalog.discounts
                                   if d.kind == "free-tier" and d.record)
        self.options = {r.source for r in catalog.records if r.basis in ("option", "enable")
                        and r.source}
        self.labels: dict[str, set[str]] = defaultdict(set)  # usage meter: labels its records use
        for r in catalog.records:
            if r.source is not None:
                self.labels[r.source].update(r.labels)
        self._factors: dict[tuple[str, str | None], Quantity | None] = {}

    def factor(self, meter_name: str, unit_name: str | None) -> Quantity | None:
        """Base units of `meter_name` in one `unit_name` (None: the meter's unit), or None when
        the unit is unknown or of another dimension."""
        key = (meter_name, unit_name)
        try:
            return self._factors[key]
        except KeyError:  # looked up once
            meter = self.catalog.meters[meter_name]
            unit = meter.unit if unit_name is None else lookup(self.catalog.units, unit_name)
            factor = self._factors[key] = (
                None if unit is None or unit.dimension != meter.unit.dimension
                else _quantity(unit.factor))
            return factor

    def base(self, meter_name: str, value: Decimal, unit_name: str | None) -> Quantity:
        """A usage figure in the meter's base units, exactly."""
        factor = self.factor(meter_name, unit_name)
        assert factor is not None  # checked by check_subscriber
        numerator, denominator = value.as_integer_ratio()
        if type(factor) is int:
            whole, rest = divmod(numerator * factor, denominator)
            if not rest:
                return whole
        return _quantity(Fraction(numerator * factor, denominator))


_LAST_PREPARED: tuple[Catalog | None, _Prepared | None] = (None, None)


def _prepared(catalog: Catalog) -> _Prepared:
    """The catalog's `_Prepared`, made again only when another catalog is billed."""
    global _LAST_PREPARED
    last, prepared = _LAST_PREPARED
    if last is not catalog or prepared is None:
        prepared = _Prepared(catalog)
        _LAST_PREPARED = (catalog, prepared)
    return prepared


def _quantity(value: Fraction | int) -> Quantity:
    """A whole value as an int (exact, and fast), any other as its Fraction."""
    if type(value) is int:
        return value
    return value.numerator if value.denominator == 1 else value


def _exact(value: Fraction) -> Exact:
    """A Decimal when `value` has a finite decimal expansion, else the Fraction itself."""
    decimal = exact_decimal(value)
    return value if decimal is None else decimal


def _times(price: Exact, quantity: Quantity) -> Exact:
    """`price × quantity`, exactly; a Decimal whenever both have finite decimal expansions."""
    if isinstance(price, Decimal):
        if isinstance(quantity, int):
            return EXACT.multiply(price, quantity)
        decimal = exact_decimal(quantity)
        if decimal is not None:
            return EXACT.multiply(price, decimal)
        return Fraction(price) * quantity
    return price * quantity


def _plus(a: Exact, b: Exact) -> Exact:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return EXACT.add(a, b)
    return Fraction(a) + Fraction(b)


def _negated(value: Exact) -> Exact:
    return EXACT.minus(value) if isinstance(value, Decimal) else -value


def _shown_quantity(quantity: Quantity) -> Decimal:
    """A quantity as a record shows it (exact, or to 6 places)."""
    if type(quantity) is int:
        return Decimal(quantity).normalize(EXACT)
    return fraction_to_decimal(Fraction(quantity), 6)


def _rational(value: Decimal) -> Quantity:
    numerator, denominator = value.as_integer_ratio()
    return numerator if denominator == 1 else Fraction(numerator, denominator)


_exact_add = EXACT.add


@functools.lru_cache(maxsize=4096)
def _prefix_of(item: str, prefixes: frozenset[str]) -> str | None:
    """The prefix (`dataTrafficCharge`) that `item` (`dataTrafficCharge-jp-plan01s`) is a record
    of, or None."""
    for prefix in prefixes:
        if item == prefix or item.startswith(prefix + "-"):
            return prefix
    return None


# ---- checking a subscriber against the catalog ------------------------------------------------

def check_subscriber(catalog: Catalog, subscriber: Subscriber, path: tuple) -> list[Problem]:
    prepared = _prepared(catalog)
    problems: list[Problem] = []
    if (subscriber.imsi is None) == (subscriber.vpg is None):
        problems.append(Problem(path, "PL416", "a subscriber has an `imsi`, a gateway a `vpg` id: "
                                "give exactly one", help="e.g. `imsi: \"295050910000001\"`"))
    if subscriber.coverage not in ("Global", "Japan"):
        problems.append(Problem(path + ("coverage",), "PL414", f"unknown coverage "
                                f"`{subscriber.coverage}`", help="`Global` or `Japan`"))
    statuses = [(path + ("status",), subscriber.status)] + [
        (path + ("timeline", i, "status"), e.status) for i, e in enumerate(subscriber.timeline)
        if e.status is not None]
    for where, status in statuses:
        if status not in STATUSES:
            problems.append(Problem(where, "PL414", f"unknown status `{status}`",
                                    help=did_you_mean(status, STATUSES)
                                    or "statuses: " + ", ".join(STATUSES)))
    options = prepared.options
    named = [(path + ("options", i), o) for i, o in enumerate(subscriber.options)] + [
        (path + ("timeline", i, key), getattr(e, key)) for i, e in enumerate(subscriber.timeline)
        for key in ("enable", "disable") if getattr(e, key) is not None]
    for where, option in named:
        if option not in options:
            problems.append(Problem(where, "PL412", f"unknown option `{option}`",
                                    help=did_you_mean(option, options)
                                    or "options: " + ", ".join(sorted(o for o in options if o))))
    for i, change in enumerate(subscriber.timeline):
        given = [k for k in ("status", "enable", "disable") if getattr(change, k) is not None]
        if len(given) != 1:
            problems.append(Problem(path + ("timeline", i), "PL415", "a subscriber's event does "
                                    "one thing: `status`, `enable` or `disable`",
                                    help="split it into one event per change"))
    for name, data in subscriber.usage.items():
        meter = catalog.meters.get(name)
        where = path + ("usage", name)
        if meter is None or meter.source != "usage":
            problems.append(Problem(where, "PL412", f"unknown usage item `{name}`",
                                    help=did_you_mean(name, [m for m, v in catalog.meters.items()
                                                             if v.source == "usage"]),
                                    on_key=True))
            continue
        if data.intervals or data.snapshots or data.elements:
            problems.append(Problem(where, "PL413", f"`{name}` takes `events` or `daily` usage"))
        labels = prepared.labels.get(name, set())
        for i, event in enumerate(data.events):
            if not labels.issubset(event.labels):
                missing = labels - set(event.labels)
                problems.append(Problem(where + ("events", i), "PL416", "usage of "
                                        f"`{name}` needs its labels: "
                                        + ", ".join(f"`{m}`" for m in sorted(missing)),
                                        help="e.g. `labels: {country: jp, plan: plan01s}`"))
            if prepared.factor(name, event.amount.unit) is None or event.amount.value < 0:
                problems += _amount_problems(prepared, meter, event.amount,
                                             where + ("events", i, "amount"))
        for day, value in data.daily.items():
            problems += _amount_problems(prepared, meter, value.value, where + ("daily", day.isoformat()))
        if labels and data.daily:
            problems.append(Problem(where + ("daily",), "PL416", f"usage of `{name}` needs its "
                                    "labels: write it as `events` with `labels`", on_key=True))
    return problems


def _amount_problems(prepared: _Prepared, meter, amount, where) -> list[Problem]:
    """A usage figure in a unit of the meter's dimension, and not negative (PL413, PL414): the
    same for an event's amount and a day's figure."""
    if prepared.factor(meter.name, amount.unit) is None:
        return [Problem(where, "PL413", f"`{meter.name}` is measured in `{meter.unit.name}`, not "
                        f"`{amount.unit}`")]
    if amount.value < 0:
        return [Problem(where, "PL414", "usage cannot be negative")]
    return []


# ---- a subscriber's records for a period -------------------------------------------------------

class _Timeline:
    """A subscriber's status and options through time, from its start and its dated events."""

    def __init__(self, subscriber: Subscriber):
        self.events = sorted(subscriber.timeline, key=lambda e: e.on)
        self.start_status = subscriber.status
        self.start_options = frozenset(subscriber.options)
        self.since = subscriber.status_since

    def states_at(self, moments: Iterable[dt.datetime]
                  ) -> Iterator[tuple[str, frozenset[str]]]:
        """The status and options at each of `moments` (in order): what the events before each
        moment made of the start."""
        status, options = self.start_status, set(self.start_options)
        events, at = self.events, 0
        for moment in moments:
            while at < len(events) and events[at].on < moment:
                event = events[at]
                status = event.status or status
                if event.enable:
                    options.add(event.enable)
                if event.disable:
                    options.discard(event.disable)
                at += 1
            yield status, frozenset(options)

    def enabled_on(self, option: str | None) -> dict[dt.date, int]:
        """{day: how many times `option` was turned on that day}."""
        out: dict[dt.date, int] = defaultdict(int)
        for event in self.events:
            if event.enable == option:
                out[event.on.date()] += 1
        return out


def subscriber_records(catalog: Catalog, subscriber: Subscriber, period: Period
                       ) -> Iterator[Record]:
    """The subscriber's records for the period, day by day, then its monthly discounts."""
    prepared = _prepared(catalog)
    timeline = _Timeline(subscriber)
    usage = _usage_by_day(prepared, subscriber, period)
    free_tier = prepared.free_tier
    imsi, vpg = (subscriber.imsi or "", subscriber.vpg or "")
    currency = catalog.currency
    anniversaries = _anniversaries(catalog, timeline, period)
    counted = {r.rule.name: (timeline.enabled_on(r.rule.source) if r.rule.basis == "enable"
                             else _transitions(timeline, r.rule))
               for r in prepared.rated if r.rule.basis in ("enable", "transition")}
    # The rules that can bill this subscriber, in the catalog's order: a SIM's record is never
    # made for a status it is never in, an option it never has, usage it does not report.
    statuses = {timeline.start_status} | {e.status for e in timeline.events if e.status}
    options = set(timeline.start_options) | {e.enable for e in timeline.events if e.enable}
    rules = [r for r in prepared.rated if r.rule.region in ("All", subscriber.coverage) and (
        (r.rule.basis == "status" and imsi and not statuses.isdisjoint(r.rule.statuses))
        or (r.rule.basis == "option" and r.rule.source in options)
        or (r.rule.basis in ("enable", "transition") and counted[r.rule.name])
        or (r.rule.basis == "anniversary" and any(name == r.rule.name
                                                  for name, _ in anniversaries))
        or (r.rule.basis == "usage" and r.rule.source in subscriber.usage))]
    monthly = [r for r in rules if r.rule.monthly]
    daily = [r for r in rules if not r.rule.monthly]
    held: set[str] = set()  # monthly records whose condition held on some day
    data_records: list[Record] = []
    states = timeline.states_at(end for _, _, end in _days(period))
    for (day, date, _), (status, on) in zip(_days(period), states, strict=True):
        for rated in monthly:
            rule = rated.rule
            if (rule.basis == "status" and status in rule.statuses) or (
                    rule.basis == "option" and rule.source in on):
                held.add(rule.name)
        for rated in daily:
            rule = rated.rule
            basis = rule.basis
            if basis == "status":
                if status in rule.statuses:
                    yield _record(date, rule.name, imsi, vpg, rated, 1, currency, subscriber)
            elif basis == "option":
                if rule.source in on:
                    yield _record(date, rule.name, imsi, vpg, rated, 1, currency, subscriber)
            elif basis in ("enable", "transition"):
                count = counted[rule.name].get(day)
                if count:
                    yield _record(date, rule.name, imsi, vpg, rated, count, currency, subscriber)
            elif basis == "anniversary":
                count = anniversaries.get((rule.name, day))
                if count:
                    yield _record(date, rule.name, imsi, vpg, rated, count, currency, subscriber)
            else:  # usage
                amounts = usage.get((rule.source, day))
                if not amounts:
                    continue
                for labels, amount in sorted(amounts.items()):
                    name = _fill(rule.name, labels)
                    billable = amount - rated.allowance if amount > rated.allowance else 0
                    if billable:
                        record = _record(date, name, imsi, vpg, rated, billable, currency,
                                         subscriber)
                        if _prefix_of(name, free_tier) is not None:
                            data_records.append(record)
                        yield record
                    if rated.step and rule.rounded_name and billable:
                        rounded = -(-billable // rated.step) * rated.step
                        if rounded > billable:
                            yield _record(date, _fill(rule.rounded_name, labels), imsi, vpg, rated,
                                          rounded - billable, currency, subscriber)
    for rated in monthly:
        if rated.rule.name in held:
            yield _record(period_text(period), rated.rule.name, imsi, vpg, rated, 1, currency,
                          subscriber)
    yield from _free_tiers(catalog, period, imsi, vpg, subscriber, data_records)


@functools.lru_cache(maxsize=64)
def _days(period: Period) -> tuple[tuple[dt.date, str, dt.datetime], ...]:
    """Each day of the period, as records date it (YYYYMMDD), and the instant it ends."""
    return tuple((day, day.strftime("%Y%m%d"), day_start(day) + DAY) for day in period.dates())


_SMALL = 4096  # whole quantities below this have their figures kept by their rule


def _record(date, item, imsi, vpg, rated: _Rated, quantity: Quantity, currency: str,
            subscriber) -> Record:
    if type(quantity) is int and quantity < _SMALL:
        figures = rated.shown.get(quantity)
        if figures is None:
            figures = rated.shown[quantity] = _figures(rated, quantity, currency)
    else:
        figures = _figures(rated, quantity, currency)
    return Record(date, item, imsi, vpg, rated.shown_price, figures[0], figures[1],
                  rated.rule.rule, subscriber)


def _figures(rated: _Rated, quantity: Quantity, currency: str) -> tuple[Decimal, Decimal]:
    """A record's quantity as shown, and its amount: the price times the quantity, rounded."""
    price = rated.price
    value = (EXACT.multiply(price, quantity)
             if isinstance(quantity, int) and isinstance(price, Decimal)
             else _times(price, quantity))
    return _shown_quantity(quantity), round_money(value, currency)


@functools.lru_cache(maxsize=4096)
def _fill(template: str, labels: tuple[tuple[str, str], ...]) -> str:
    for label, value in labels:
        template = template.replace(f"<{label}>", value)
    return template


def _usage_by_day(prepared: _Prepared, subscriber: Subscriber, period: Period):
    """{(meter, day): {labels: amount in base units}} for the period's days."""
    out: dict = defaultdict(dict)
    start, end = period.start, period.end
    for name, data in subscriber.usage.items():
        labelled = prepared.labels.get(name, set())
        for event in data.events:
            if start <= event.on < end:
                given = event.labels
                labels = (tuple(sorted(given.items())) if given.keys() == labelled
                          else tuple(sorted((k, v) for k, v in given.items() if k in labelled)))
                amounts = out[(name, event.on.date())]
                amounts[labels] = amounts.get(labels, 0) + prepared.base(
                    name, event.amount.value, event.amount.unit)
        for day, value in data.daily.items():  # a day's figure replaces the day's events
            if period.first_day <= day <= period.last_day:
                out[(name, day)] = {(): prepared.base(name, value.value.value, value.value.unit)}
    return out


def _transitions(timeline: _Timeline, rule: RecordRule) -> dict[dt.date, int]:
    """{day: how many of the day's status changes `rule` bills}."""
    out: dict[dt.date, int] = defaultdict(int)
    previous = timeline.start_status
    for event in timeline.events:
        if event.status is None:
            continue
        if (not rule.statuses or previous in rule.statuses) and (
                event.status in rule.to_statuses and event.status != previous):
            out[event.on.date()] += 1
        previous = event.status
    return out


def _anniversaries(catalog: Catalog, timeline: _Timeline, period: Period):
    """{(record, day): count} for each full year spent, without a break, in a rule's statuses
    (a change between two of them, suspended to standby, does not break the year)."""
    out: dict = defaultdict(int)
    for rule in (r for r in catalog.records if r.basis == "anniversary"):
        for since, until in _stays(timeline, set(rule.statuses)):
            years = 1
            while True:
                year = _add_years(since.date(), years)
                full = dt.datetime.combine(year, since.timetz())  # the instant the year is full
                if year > period.last_day or (until is not None and full > until):
                    break
                if year >= period.first_day:
                    out[(rule.name, year)] += 1
                years += 1
    return out


def _stays(timeline: _Timeline, statuses: set[str]):
    """(since, until) of each unbroken stay in `statuses` whose start is known."""
    stays: list[tuple[dt.datetime, dt.datetime | None]] = []
    inside = timeline.start_status in statuses
    since = day_start(timeline.since) if timeline.since and inside else None
    for event in timeline.events:
        if event.status is None:
            continue
        now_inside = event.status in statuses
        if inside and not now_inside:
            if since is not None:
                stays.append((since, event.on))
            since = None
        elif now_inside and not inside:
            since = event.on
        inside = now_inside
    if inside and since is not None:
        stays.append((since, None))
    return stays


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---- discounts -------------------------------------------------------------------------------

def _free_tiers(catalog: Catalog, period: Period, imsi: str, vpg: str, subscriber,
                data_records: list[Record]) -> Iterator[Record]:
    """Per subscriber: the first of its month's usage free. A record the allowance covers whole
    is given back at its billed (rounded) amount, so free usage costs nothing; the record the
    allowance ends in is given back for the part it covers, at its price."""
    for discount in catalog.discounts:
        if discount.kind != "free-tier" or not imsi or discount.amount is None:
            continue
        left: Quantity = _quantity(discount.amount)
        used: Quantity = 0
        value: Exact = Decimal(0)
        price = Decimal(0)
        for record in data_records:
            if left <= 0:
                break
            if not (record.item == discount.record
                    or record.item.startswith(f"{discount.record}-")):
                continue
            quantity = _rational(record.quantity)
            price = price or record.unit_price
            if quantity <= left:
                value = _plus(value, record.amount)
                take = quantity
            else:
                take = left
                value = _plus(value, _times(record.unit_price, take))
            used += take
            left -= take
        if used:
            amount = round_money(_negated(value), catalog.currency)
            yield Record(period_text(period), discount.name, imsi, vpg, EXACT.minus(price),
                         _shown_quantity(used), amount, discount.rule, subscriber,
                         "discount", discount.record)


def period_text(period: Period) -> str:
    return f"{period.year:04d}{period.month:02d}"


@attrs.define
class Totals:
    """What the account's records add up to, kept while they stream past."""

    amount: Decimal = Decimal(0)
    by_record: dict[str, Decimal] = attrs.Factory(dict)  # prefix: amount, discounts included
    count: dict[str, tuple[Decimal, Decimal]] = attrs.Factory(dict)  # prefix: (quantity, value)

    def add(self, records: Iterable[Record], prefixes: frozenset[str]) -> None:
        """Add `records` (a subscriber's, say) to the totals."""
        total = self.amount
        for record in records:
            amount = record.amount
            total = _exact_add(total, amount)  # money.add, without a call a record
            prefix = (record.reduces if record.kind == "discount"
                      else _prefix_of(record.item, prefixes))
            if prefix is None:
                continue
            self.by_record[prefix] = _exact_add(self.by_record.get(prefix, Decimal(0)), amount)
            if record.kind == "record":
                quantity, value = self.count.get(prefix, (Decimal(0), Decimal(0)))
                self.count[prefix] = (EXACT.add(quantity, record.quantity),
                                      EXACT.add(value, EXACT.multiply(record.quantity,
                                                                      record.unit_price)))
        self.amount = total


def account_discounts(catalog: Catalog, period: Period, totals: Totals,
                      balances: dict[str, Fraction]) -> list[Record]:
    """The volume discounts, then the coupons (those for one record first, the coupon for any
    charge last); `balances` is updated with what is left of each coupon."""
    records = []
    date = period_text(period)
    currency = catalog.currency

    def add(record: Record) -> None:
        records.append(record)
        if record.reduces is not None:
            totals.by_record[record.reduces] = money_add(
                totals.by_record.get(record.reduces, Decimal(0)), record.amount)
        totals.amount = money_add(totals.amount, record.amount)

    for discount in catalog.discounts:
        if discount.kind != "volume" or discount.percent is None:
            continue
        counted, valued = totals.count.get(discount.record or "", (Decimal(0), Decimal(0)))
        quantity, value = Fraction(counted), Fraction(valued)
        beyond = quantity - (discount.amount or Fraction(0))
        if beyond <= 0:
            continue
        price = value / quantity  # the month's average price of the record
        amount = round_money(-discount.percent * beyond * price, currency)
        if amount:
            add(Record(date, discount.name, "", "", fraction_to_decimal(-discount.percent * price,
                                                                         12),
                       fraction_to_decimal(beyond, 6), amount, discount.rule, kind="discount",
                       reduces=discount.record))
    coupons = sorted((d for d in catalog.discounts if d.kind == "coupon"),
                     key=lambda d: d.record is None)
    for discount in coupons:
        owed = totals.amount if discount.record is None else totals.by_record.get(
            discount.record, Decimal(0))
        balance = balances.get(discount.name, Fraction(0))
        applied = round_money(min(balance, Fraction(owed)), currency) if owed > 0 else Decimal(0)
        if applied > 0:
            given = EXACT.minus(applied)
            add(Record(date, discount.name, "", "", given, Decimal(1), given,
                       discount.rule, kind="discount", reduces=discount.record))
            balances[discount.name] = balance - Fraction(applied)
    return records


def coupon_balances(catalog: Catalog, account: Account) -> dict[str, Fraction]:
    """Each coupon's balance when the account's months start."""
    balances = {name: Fraction(amount.value) for name, amount in account.coupons.items()}
    general = next((d.name for d in catalog.discounts if d.kind == "coupon" and d.record is None),
                   None)
    if account.coupon is not None and general is not None:
        balances[general] = balances.get(general, Fraction(0)) + Fraction(account.coupon.value)
    return balances


def iter_records(catalog: Catalog, account: Account, subscribers: Iterable[Subscriber],
                 period: Period, balances: dict[str, Fraction]) -> Iterator[Record]:
    """Every record of the period, subscriber by subscriber, then the account's discounts.
    `balances` (coupon name: balance) is updated to what is carried to the next period."""
    prefixes = frozenset(d.record for d in catalog.discounts if d.record)
    totals = Totals()
    for subscriber in subscribers:
        records = list(subscriber_records(catalog, subscriber, period))  # a SIM's: a few hundred
        totals.add(records, prefixes)
        yield from records
    general = next((d.name for d in catalog.discounts if d.kind == "coupon" and d.record is None),
                   None)
    for event in account.timeline:
        if event.coupon is not None and period.contains(event.on):
            name = event.for_ or general
            if name is not None:
                balances[name] = balances.get(name, Fraction(0)) + Fraction(event.coupon.value)
    yield from account_discounts(catalog, period, totals, balances)
