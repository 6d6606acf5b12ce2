"""Account state: what an account holds and did, as the interpreter reads it.

An account names its plan, the measurements of each meter (element counts as intervals or per day,
snapshots, daily averages, usage events), the actions it requests (creating elements) and the
uptime of each period. Every amount is exact: a Decimal with an optional unit, as written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs


@attrs.frozen
class Amount:
    """An exact number as written in an account file, with its unit if one was given."""

    value: Decimal
    unit: str | None = None

    def __str__(self) -> str:
        return f"{self.value} {self.unit}" if self.unit else str(self.value)


@attrs.frozen
class Interval:
    """`count` elements (of which `disabled` are disabled) existed from `from_` until `to`."""

    from_: dt.datetime
    count: int
    to: dt.datetime | None = None
    disabled: int = 0


@attrs.frozen
class DayValue:
    """A day's figure: an element count (with its disabled part), a daily average or a sum."""

    value: Amount
    disabled: int = 0


@attrs.frozen
class UsageEvent:
    on: dt.datetime
    amount: Amount
    labels: dict[str, str] = attrs.Factory(dict)  # e.g. {country: jp, plan: plan01s}


@attrs.frozen
class ElementUse:
    """How much of an item one element (a channel, a device) holds, e.g. its stored data."""

    of: str  # the counted item the element is one of: `channels`
    used: Amount


@attrs.frozen
class MeterData:
    intervals: tuple[Interval, ...] = ()
    daily: dict[dt.date, DayValue] = attrs.Factory(dict)
    snapshots: dict[dt.datetime, Amount] = attrs.Factory(dict)
    events: tuple[UsageEvent, ...] = ()
    elements: dict[str, ElementUse] = attrs.Factory(dict)  # what each element holds now


@attrs.frozen
class Request:
    """An action the account asks for, decided against its plan's limits: create `count`
    elements of an item, or `store` an amount of an item in one `element`."""

    on: dt.datetime
    create: str | None = None
    count: int = 1
    store: str | None = None
    element: str | None = None
    amount: Amount | None = None


#: what a timeline event may do, one per event
ACTIONS = ("change_plan", "status", "pay", "cap", "policy", "coupon", "redeem", "add_on")


@attrs.frozen
class Event:
    """A dated event of the account's timeline; exactly one of its actions is given.

    `change_plan` (with `by`, the acting user's role, and optionally the `commitment` and
    `deposit` offered), `status` (`active` or `suspended`), `pay` (the period whose invoice is
    paid), `cap` (the customer's monthly caps by item), `policy` (what happens when a quota
    runs out), `redeem` (a coupon of the catalog) or `add_on` (an add-on of the catalog
    added, its `quantity` changed, or removed with `quantity: 0`).
    """

    on: dt.datetime
    change_plan: str | None = None
    by: str | None = None
    commitment: Amount | None = None
    deposit: Amount | None = None
    status: str | None = None
    pay: str | None = None
    cap: dict[str, Amount] | None = None
    policy: str | None = None
    coupon: Amount | None = None  # a coupon for any charge credited to the account
    for_: str | None = None  # with `coupon`: the coupon it credits, by name (default: any charge)
    redeem: str | None = None  # a coupon of the plan catalog redeemed, by name
    add_on: str | None = None  # an add-on added, its quantity changed, or removed (quantity 0)
    quantity: int | None = None  # with `add_on`: how many from then on (default 1)

    def action(self) -> str | None:
        for name in ACTIONS:
            if getattr(self, name) is not None:
                return name
        return None


@attrs.frozen
class Group:
    id: str
    name: str = ""


@attrs.frozen
class SubjectEvent:
    """A dated change of one subscriber or gateway: its status, or an option turned on or off."""

    on: dt.datetime
    status: str | None = None
    enable: str | None = None
    disable: str | None = None


@attrs.frozen
class Subscriber:
    """A SIM (`imsi`) or a virtual private gateway (`vpg`) billed record by record, day by day."""

    imsi: str | None = None
    vpg: str | None = None
    name: str | None = None
    tags: dict[str, str] = attrs.Factory(dict)
    group: Group | None = None
    coverage: str = "Global"  # `Global` or `Japan`: which region's records apply
    status: str = "active"  # at the start
    status_since: dt.date | None = None  # since when that status has held (for renewals)
    options: tuple[str, ...] = ()  # enabled at the start
    timeline: tuple[SubjectEvent, ...] = ()
    usage: dict[str, MeterData] = attrs.Factory(dict)

    @property
    def key(self) -> str:
        return self.imsi or self.vpg or ""


@attrs.frozen
class Account:
    account: str
    plan: str = ""
    since: str | None = None  # the first period to evaluate (YYYY-MM); default: the first billed
    status: str = "active"
    caps: dict[str, Amount] = attrs.Factory(dict)
    policy: str | None = None
    automatic_charge: bool = True
    usage: dict[str, MeterData] = attrs.Factory(dict)
    requests: tuple[Request, ...] = ()
    timeline: tuple[Event, ...] = ()
    uptime: dict[str, Amount] = attrs.Factory(dict)
    subscribers: tuple[Subscriber, ...] = ()
    subscribers_from: str | None = None  # a JSON Lines file of subscribers, read as a stream
    coupon: Amount | None = None  # the balance of the coupon for any charge, at the start
    coupons: dict[str, Amount] = attrs.Factory(dict)  # balances of coupons by their name
    lookback: tuple[Amount, ...] = ()  # a ladder's figures of the months evaluated before the walk
    # the most the customer lets a month's usage charges come to (money in the catalog's currency)
    spending_limit: Amount | None = None
    # the currency the account is billed in (`EUR`), one the catalog prices in; default the
    # catalog's first
    currency: str | None = None
    add_ons: dict[str, int] = attrs.Factory(dict)  # the add-ons held at the start: quantity
    # a plan of each of several products (`{Chat: Pro, Drive: Basic}`), instead of `plan`
    plans: dict[str, str] = attrs.Factory(dict)
