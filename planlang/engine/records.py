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
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction

import attrs

from planlang.diagnostics import did_you_mean
from planlang.engine.calendar import DAY, Period, day_start
from planlang.engine.prepare import Problem
from planlang.model import STATUSES, Catalog, RecordRule, RuleRef
from planlang.money import EXACT, fraction_to_decimal, round_money
from planlang.money import add as money_add
from planlang.state import Account, Subscriber
from planlang.units import lookup


@attrs.frozen(slots=True)
class Record:
    """One line of the detailed billing: a record or a (negative) discount record."""

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


# ---- checking a subscriber against the catalog ------------------------------------------------

def check_subscriber(catalog: Catalog, subscriber: Subscriber, path: tuple) -> list[Problem]:
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
    options = {r.source for r in catalog.records if r.basis in ("option", "enable") and r.source}
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
        labels = {label for r in catalog.records if r.source == name for label in r.labels}
        for i, event in enumerate(data.events):
            missing = labels - set(event.labels)
            if missing:
                problems.append(Problem(where + ("events", i), "PL416", "usage of "
                                        f"`{name}` needs its labels: "
                                        + ", ".join(f"`{m}`" for m in sorted(missing)),
                                        help="e.g. `labels: {country: jp, plan: plan01s}`"))
            problems += _amount_problems(catalog, meter, event.amount, where + ("events", i, "amount"))
        for day, value in data.daily.items():
            problems += _amount_problems(catalog, meter, value.value, where + ("daily", day.isoformat()))
        if labels and data.daily:
            problems.append(Problem(where + ("daily",), "PL416", f"usage of `{name}` needs its "
                                    "labels: write it as `events` with `labels`", on_key=True))
    return problems


def _amount_problems(catalog: Catalog, meter, amount, where) -> list[Problem]:
    """A usage figure in a unit of the meter's dimension, and not negative (PL413, PL414): the
    same for an event's amount and a day's figure."""
    if _base(catalog, meter.name, amount.value, amount.unit) is None:
        return [Problem(where, "PL413", f"`{meter.name}` is measured in `{meter.unit.name}`, not "
                        f"`{amount.unit}`")]
    if amount.value < 0:
        return [Problem(where, "PL414", "usage cannot be negative")]
    return []


def _base(catalog: Catalog, meter_name: str, value: Decimal, unit_name: str | None):
    meter = catalog.meters[meter_name]
    unit = meter.unit if unit_name is None else lookup(catalog.units, unit_name)
    if unit is None or unit.dimension != meter.unit.dimension:
        return None
    return unit.to_base(Fraction(value))


# ---- a subscriber's records for a period -------------------------------------------------------

class _Timeline:
    """A subscriber's status and options through time, from its start and its dated events."""

    def __init__(self, subscriber: Subscriber):
        self.events = sorted(subscriber.timeline, key=lambda e: e.on)
        self.start_status = subscriber.status
        self.start_options = frozenset(subscriber.options)
        self.since = subscriber.status_since

    def state_at(self, moment: dt.datetime) -> tuple[str, frozenset[str]]:
        status, options = self.start_status, set(self.start_options)
        for event in self.events:
            if event.on >= moment:
                break
            status = event.status or status
            if event.enable:
                options.add(event.enable)
            if event.disable:
                options.discard(event.disable)
        return status, frozenset(options)


def subscriber_records(catalog: Catalog, subscriber: Subscriber, period: Period
                       ) -> Iterator[Record]:
    """The subscriber's records for the period, day by day, then its monthly discounts."""
    timeline = _Timeline(subscriber)
    usage = _usage_by_day(catalog, subscriber, period)
    free_tier = {d.record for d in catalog.discounts if d.kind == "free-tier" and d.record}
    imsi, vpg = (subscriber.imsi or "", subscriber.vpg or "")
    currency = catalog.currency
    anniversaries = _anniversaries(catalog, timeline, period)
    rules = [r for r in catalog.records if r.region in ("All", subscriber.coverage)]
    daily = [r for r in rules if not r.monthly]
    held: set[str] = set()  # monthly records whose condition held on some day
    data_records: list[Record] = []
    for day in period.dates():
        end = day_start(day) + DAY
        status, options = timeline.state_at(end)
        date = day.strftime("%Y%m%d")
        for rule in rules:
            if rule.monthly and ((rule.basis == "status" and status in rule.statuses and imsi)
                                 or (rule.basis == "option" and rule.source in options)):
                held.add(rule.name)
        for rule in daily:
            if rule.basis == "status" and status in rule.statuses and imsi:
                yield _record(date, rule.name, imsi, vpg, rule, Fraction(1), currency, subscriber)
            elif rule.basis == "option" and rule.source in options:
                yield _record(date, rule.name, imsi, vpg, rule, Fraction(1), currency, subscriber)
            elif rule.basis == "enable":
                count = sum(1 for e in timeline.events if e.enable == rule.source
                            and e.on.date() == day)
                if count:
                    yield _record(date, rule.name, imsi, vpg, rule, Fraction(count), currency,
                                  subscriber)
            elif rule.basis == "transition":
                count = _transitions(timeline, day, rule)
                if count:
                    yield _record(date, rule.name, imsi, vpg, rule, Fraction(count), currency,
                                  subscriber)
            elif rule.basis == "anniversary" and anniversaries.get((rule.name, day)):
                yield _record(date, rule.name, imsi, vpg, rule,
                              Fraction(anniversaries[(rule.name, day)]), currency, subscriber)
            elif rule.basis == "usage":
                for labels, amount in sorted(usage.get((rule.source, day), {}).items()):
                    name = _fill(rule.name, labels)
                    billable = max(Fraction(0), amount - rule.allowance)
                    if billable:
                        record = _record(date, name, imsi, vpg, rule, billable, currency,
                                         subscriber)
                        if any(name == ref or name.startswith(f"{ref}-") for ref in free_tier):
                            data_records.append(record)
                        yield record
                    if rule.round_step and rule.rounded_name and billable:
                        rounded = -(-billable // rule.round_step) * rule.round_step
                        if rounded > billable:
                            yield _record(date, _fill(rule.rounded_name, labels), imsi, vpg, rule,
                                          rounded - billable, currency, subscriber)
    for rule in rules:
        if rule.monthly and rule.name in held:
            yield _record(period_text(period), rule.name, imsi, vpg, rule, Fraction(1), currency,
                          subscriber)
    yield from _free_tiers(catalog, period, imsi, vpg, subscriber, data_records)


_PRICES: dict[Fraction, Decimal] = {}


def _record(date, item, imsi, vpg, rule: RecordRule, quantity: Fraction, currency: str,
            subscriber) -> Record:
    amount = round_money(rule.unit_price * quantity, currency)
    price = _PRICES.get(rule.unit_price)
    if price is None:
        price = _PRICES[rule.unit_price] = fraction_to_decimal(rule.unit_price, 12)
    return Record(date, item, imsi, vpg, price, fraction_to_decimal(quantity, 6), amount,
                  rule.rule, subscriber)


def _fill(template: str, labels: tuple[tuple[str, str], ...]) -> str:
    for label, value in labels:
        template = template.replace(f"<{label}>", value)
    return template


def _usage_by_day(catalog: Catalog, subscriber: Subscriber, period: Period):
    """{(meter, day): {labels: amount in base units}} for the period's days."""
    out: dict = defaultdict(lambda: defaultdict(Fraction))
    for name, data in subscriber.usage.items():
        labelled = {label for r in catalog.records if r.source == name for label in r.labels}
        for event in data.events:
            if period.contains(event.on):
                labels = tuple(sorted((k, v) for k, v in event.labels.items() if k in labelled))
                amount = _base(catalog, name, event.amount.value, event.amount.unit)
                out[(name, event.on.date())][labels] += amount
        for day, value in data.daily.items():
            if period.first_day <= day <= period.last_day:
                out[(name, day)][()] += _base(catalog, name, value.value.value, value.value.unit)
    return out


def _transitions(timeline: _Timeline, day: dt.date, rule: RecordRule) -> int:
    count, previous = 0, timeline.start_status
    for event in timeline.events:
        if event.status is None:
            continue
        if event.on.date() == day and (not rule.statuses or previous in rule.statuses) and (
                event.status in rule.to_statuses and event.status != previous):
            count += 1
        previous = event.status
    return count


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
        left, used, value = discount.amount, Fraction(0), Fraction(0)
        price = Decimal(0)
        for record in data_records:
            if left <= 0:
                break
            if not (record.item == discount.record
                    or record.item.startswith(f"{discount.record}-")):
                continue
            quantity = Fraction(record.quantity)
            price = price or record.unit_price
            if quantity <= left:
                value += Fraction(record.amount)
                take = quantity
            else:
                take = left
                value += take * Fraction(record.unit_price)
            used += take
            left -= take
        if used:
            amount = round_money(-value, catalog.currency)
            yield Record(period_text(period), discount.name, imsi, vpg, EXACT.minus(price),
                         fraction_to_decimal(used, 6), amount, discount.rule, subscriber,
                         "discount", discount.record)


def period_text(period: Period) -> str:
    return f"{period.year:04d}{period.month:02d}"


@attrs.define
class Totals:
    """What the account's records add up to, kept while they stream past."""

    amount: Decimal = Decimal(0)
    by_record: dict[str, Decimal] = attrs.Factory(dict)  # prefix: amount, discounts included
    count: dict[str, tuple[Fraction, Fraction]] = attrs.Factory(dict)  # prefix: (quantity, value)

    def add(self, record: Record, prefixes: set[str]) -> None:
        self.amount = money_add(self.amount, record.amount)
        prefix = record.reduces if record.kind == "discount" else _prefix_of(record.item, prefixes)
        if prefix is None:
            return
        self.by_record[prefix] = money_add(self.by_record.get(prefix, Decimal(0)),
                                           record.amount)
        if record.kind == "record":
            quantity, value = self.count.get(prefix, (Fraction(0), Fraction(0)))
            self.count[prefix] = (quantity + Fraction(record.quantity),
                                  value + Fraction(record.quantity) * Fraction(record.unit_price))


def _prefix_of(item: str, prefixes: set[str]) -> str | None:
    for prefix in prefixes:
        if item == prefix or item.startswith(prefix + "-"):
            return prefix
    return None


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
        quantity, value = totals.count.get(discount.record or "", (Fraction(0), Fraction(0)))
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
    prefixes = {d.record for d in catalog.discounts if d.record}
    totals = Totals()
    for subscriber in subscribers:
        for record in subscriber_records(catalog, subscriber, period):
            totals.add(record, prefixes)
            yield record
    general = next((d.name for d in catalog.discounts if d.kind == "coupon" and d.record is None),
                   None)
    for event in account.timeline:
        if event.coupon is not None and period.contains(event.on):
            name = event.for_ or general
            if name is not None:
                balances[name] = balances.get(name, Fraction(0)) + Fraction(event.coupon.value)
    yield from account_discounts(catalog, period, totals, balances)
