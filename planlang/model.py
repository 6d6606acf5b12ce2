"""The checked catalog the interpreter runs on: plain frozen data, built once, shared by accounts.

Nothing here refers to the syntax tree; every rule keeps only its `RuleRef` (file and line), which
charges and decisions carry as their provenance.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

import attrs

from planlang.units import Unit

# ---- the closed sets of the language: each a `StrEnum`, equal to (and written as) its word --------

class MeterSource(StrEnum):
    """What a meter reads: counts of elements, snapshots of a level, usage events, or payments
    (each an amount of money, priced by a percentage of it)."""

    COUNT = "count"
    SNAPSHOTS = "snapshots"
    USAGE = "usage"
    TRANSACTIONS = "transactions"


class Aggregation(StrEnum):
    AVERAGE = "average"
    MAXIMUM = "maximum"
    SUM = "sum"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"  # half a step and more up, less than half down


class Tiering(StrEnum):
    """How an item's price bands apply: each unit at its band's price (graduated), every unit at
    the price of the band the figure reaches (volume), or the band reached's flat fee alone
    (stairstep)."""

    GRADUATED = "graduated"
    VOLUME = "volume"
    STAIRSTEP = "stairstep"


class Comparison(StrEnum):
    AT_MOST = "at most"
    AT_LEAST = "at least"


class PlanSet(StrEnum):
    """Which plans a change rule's side names: listed ones, any, or higher/lower than the other."""

    NAMES = "names"
    ANY = "any"
    HIGHER = "higher"
    LOWER = "lower"


class Effective(StrEnum):
    NOW = "now"
    NEXT_MONTH = "next-month"


class Charge(StrEnum):
    """How a plan change is charged in its month."""

    FULL = "full"
    PRORATED = "prorated"
    DIFFERENCE = "difference"
    NONE = "none"


class Policy(StrEnum):
    """What happens when a quota is used up."""

    AUTO_UPGRADE = "auto_upgrade"
    MANUAL_UPGRADE = "manual_upgrade"
    WAIT_FOR_RESET = "wait_for_reset"


class Status(StrEnum):
    """A subscriber's (or an account's) status."""

    READY = "ready"
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    STANDBY = "standby"


class Region(StrEnum):
    ALL = "All"
    GLOBAL = "Global"
    JAPAN = "Japan"


class RecordBasis(StrEnum):
    """What a daily billing record is billed on."""

    STATUS = "status"
    OPTION = "option"  # every day an option is on
    ENABLE = "enable"  # each time an option is turned on
    USAGE = "usage"
    TRANSITION = "transition"
    ANNIVERSARY = "anniversary"


class DiscountKind(StrEnum):
    FREE_TIER = "free-tier"
    VOLUME = "volume"
    COUPON = "coupon"


def _aggregation(value: str | None) -> Aggregation | None:
    return None if value is None else Aggregation(value)


def _direction(value: str | None) -> Direction | None:
    return None if value is None else Direction(value)


def _policies(values: Iterable[str]) -> tuple[Policy, ...]:
    return tuple(Policy(value) for value in values)


def _statuses(values: Iterable[str]) -> tuple[Status, ...]:
    return tuple(Status(value) for value in values)


POLICIES = tuple(Policy)
STATUSES = tuple(Status)
REGIONS = tuple(Region)


@attrs.frozen(order=True)
class RuleRef:
    """The plan line that produced a charge or a decision."""

    file: str
    line: int
    text: str = attrs.field(default="", eq=False, order=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@attrs.frozen
class Meter:
    name: str
    unit: Unit  # the unit quantities are shown in (its dimension's base holds the values)
    source: MeterSource = attrs.field(converter=MeterSource)
    include_disabled: bool
    daily: Aggregation | None = attrs.field(converter=_aggregation)  # None: the default
    monthly: Aggregation | None = attrs.field(converter=_aggregation)
    round_direction: Direction | None = attrs.field(converter=_direction)
    round_step: Fraction  # in base units of the dimension
    round_unit: Unit
    rule: RuleRef


@attrs.frozen
class ItemTerms:
    """What one plan says about one item: included amount, extra price, maximum, limit."""

    item: str
    included: Fraction = Fraction(0)  # base units
    extendable: bool = False
    price: Decimal | None = None  # per block
    block: Fraction = Fraction(1)  # base units per priced block
    block_label: str = ""  # `channel`, `100 devices`, `GB`
    maximum: Fraction | None = None  # base units; extras only while below it
    limit: Fraction | None = None  # non-extendable limit; reaching it needs an upgrade
    included_rule: RuleRef | None = None
    price_rule: RuleRef | None = None
    maximum_rule: RuleRef | None = None
    limit_rule: RuleRef | None = None
    extend_rule: RuleRef | None = None
    unlimited: bool = False  # available on the plan with no limit (e.g. timers on Standard)
    customer_cap: bool = False  # usage beyond the account's own cap is refused
    unlimited_rule: RuleRef | None = None
    cap_rule: RuleRef | None = None
    element_limits: dict[str, Fraction] = attrs.Factory(dict)  # per element of a counted item
    element_rules: dict[str, RuleRef] = attrs.Factory(dict)
    # a tiered price (`first 1,000 free, next 9,000 at $ 0.01, then $ 0.008`): its bands in order,
    # from 0 up, and how they apply; empty for an item priced by `included` and `then`
    bands: tuple[PriceBand, ...] = ()
    tiering: Tiering = Tiering.GRADUATED
    # the item a per-seat plan's fee is per (`per member per month`): the least quantity billed
    # (`at least N`, base units) and whether a seat removed stops being billed the next day
    # (`no refund on removal`: it is billed to the period's end)
    minimum: Fraction | None = None
    minimum_rule: RuleRef | None = None
    removals_refunded: bool = True
    removal_rule: RuleRef | None = None
    # the least and the most the item's lines charge in a period (`at least $ 20 per month`,
    # `capped at $ 500 per month`): a true-up line, a cap line
    minimum_charge: Decimal | None = None
    minimum_charge_rule: RuleRef | None = None
    charge_cap: Decimal | None = None
    charge_cap_rule: RuleRef | None = None
    # a payment's fee bounds on a transactions meter (`at least $ 0.50 per transaction`,
    # `capped at $ 5 per transaction`): each payment's percentage and fixed fee together are
    # raised to the minimum or lowered to the cap
    transaction_minimum: Decimal | None = None
    transaction_minimum_rule: RuleRef | None = None
    transaction_cap: Decimal | None = None
    transaction_cap_rule: RuleRef | None = None

    @property
    def rule(self) -> RuleRef | None:
        return self.price_rule or self.included_rule or self.limit_rule or self.maximum_rule

    def ceiling(self) -> Fraction | None:
        """The most this plan allows of the item, or None when unbounded."""
        if self.limit is not None:
            return self.limit
        if self.unlimited or (self.element_limits and not self.extendable and not self.included):
            return None  # limited per element only, not in total
        if not self.extendable:
            return self.included
        return self.maximum


@attrs.frozen
class PriceBand:
    """One band of a tiered price: up to `upto` (base units, counted from 0; None: no end), at
    `price` per `block` (0 when free), or a `flat` fee for the band."""

    upto: Fraction | None
    price: Decimal
    block: Fraction
    block_label: str
    flat: Decimal | None
    rule: RuleRef
    # a percentage of the money in the band (`first $ 100,000 at 2.9%`): `price` is then this
    # rate × `block`, the currency's minor unit
    rate: Decimal | None = None


@attrs.frozen
class Band:
    low: Fraction | None
    low_inclusive: bool
    high: Fraction | None
    high_inclusive: bool

    def contains(self, value: Fraction) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        if self.high is not None and (
            value > self.high or (value == self.high and not self.high_inclusive)
        ):
            return False
        return True

    def describe(self) -> str:
        from planlang.money import format_number

        if self.low is not None and self.high is not None:
            return f"from {format_number(self.low)}% to {format_number(self.high)}%"
        if self.high is not None:
            return f"{format_number(self.high)}% or below" if self.high_inclusive else (
                f"below {format_number(self.high)}%")
        assert self.low is not None
        return f"{format_number(self.low)}% or above" if self.low_inclusive else (
            f"above {format_number(self.low)}%")


@attrs.frozen
class Refund:
    percent: Fraction
    band: Band
    rule: RuleRef


@attrs.frozen
class SlaLevel:
    name: str
    refunds: tuple[Refund, ...]
    rule: RuleRef


@attrs.frozen
class Plan:
    name: str
    rank: int  # position in the catalog's order, lowest first (product by product, with products)
    fee: Decimal
    fee_rule: RuleRef
    items: dict[str, ItemTerms]
    sla: str | None
    sla_rule: RuleRef | None
    commitment_months: int | None = None
    commitment_rule: RuleRef | None = None
    # a fee per seat (`$ 7.25 per member per month`): the counted item whose quantity, day by day,
    # the fee multiplies, and the unit as written; None: a flat fee
    seat_item: str | None = None
    seat_label: str = ""
    # the least and the most a period on the plan charges (`minimum spend $ 100 per month`,
    # prorated by the days on the plan; `capped at $ 1,000 per month`)
    minimum_spend: Decimal | None = None
    minimum_spend_rule: RuleRef | None = None
    spend_cap: Decimal | None = None
    spend_cap_rule: RuleRef | None = None
    # charged once, in the month an account changes to the plan (`setup fee $ 99`)
    setup_fee: Decimal | None = None
    setup_fee_rule: RuleRef | None = None
    # the shared allowances the plan includes (`minutes: 2,000 included`): pool name ->
    # (the amount in base units, its rule)
    pools: dict[str, tuple[Fraction, RuleRef]] = attrs.Factory(dict)


@attrs.frozen
class Requirement:
    """A precondition of a plan change: the account's count of an item at most / at least N."""

    item: str
    op: Comparison = attrs.field(converter=Comparison)
    amount: Fraction  # base units
    message: str
    rule: RuleRef

    def holds(self, value: Fraction) -> bool:
        return value <= self.amount if self.op == "at most" else value >= self.amount


@attrs.frozen
class ChangeRule:
    """How a plan change between matching plans is made, takes effect and is charged."""

    source_kind: PlanSet = attrs.field(converter=PlanSet)  # a None source is "any"
    source: tuple[str, ...]
    target_kind: PlanSet = attrs.field(converter=PlanSet)
    target: tuple[str, ...]
    roles: tuple[str, ...]  # empty: anyone
    effective: Effective = attrs.field(converter=Effective)
    charge: Charge = attrs.field(converter=Charge)
    refund: bool  # False when the rule says `no refund`
    deposit: Decimal | None
    requirements: tuple[Requirement, ...]
    rule: RuleRef
    specificity: int  # names beat "higher"/"lower", which beat "any"
    # True when the rule says `usage billed for the whole month`: the plan changed to bills the
    # month's usage from its first day, not only from the day of the change
    whole_month: bool = False

    def matches(self, ranks: dict[str, int], old: str, new: str) -> bool:
        return (_in_set(self.source_kind, self.source, ranks, old, new, source=True)
                and _in_set(self.target_kind, self.target, ranks, old, new, source=False))


def _in_set(kind: str, names: tuple[str, ...], ranks: dict[str, int], old: str, new: str,
            source: bool) -> bool:
    plan = old if source else new
    if kind == "names":
        return plan in names
    if kind == "any":
        return True
    higher = ranks[new] > ranks[old]
    return higher if kind == "higher" else ranks[new] < ranks[old]


@attrs.frozen
class Notification:
    who: str
    remaining: Fraction | None  # share of the quota remaining; None: when exhausted
    rule: RuleRef

    def describe(self) -> str:
        from planlang.money import format_number

        if self.remaining is None:
            return "quota exhausted"
        return f"{format_number(self.remaining * 100)}% of the quota remaining"


@attrs.frozen
class QuotaRule:
    item: str
    slack: Fraction  # share over the quota still allowed
    notifications: tuple[Notification, ...]
    policies: tuple[Policy, ...] = attrs.field(converter=_policies)
    default_policy: Policy = attrs.field(converter=Policy)
    rule: RuleRef
    slack_rule: RuleRef | None = None
    policy_rule: RuleRef | None = None



@attrs.frozen
class Ladder:
    name: str
    tiers: tuple[str, ...]  # lowest first
    item: str
    up: bool
    down_periods: int | None
    overflow_plan: str | None
    overflow_block: Fraction | None  # base units per add-on subscription
    rule: RuleRef
    up_rule: RuleRef | None = None
    down_rule: RuleRef | None = None
    overflow_rule: RuleRef | None = None


@attrs.frozen
class Calendar:
    """Days of the month after the period: invoice, automatic charge, due, reminder, downgrade."""

    invoice_day: int | None
    charge_day: int | None
    due_day: int | None
    reminder_day: int | None
    downgrade_day: int | None
    downgrade_plan: str | None
    restore: bool
    rules: dict[str, RuleRef]



@attrs.frozen
class RecordRule:
    """A daily billing record item (Soracom's detailed billing): price, basis and options."""

    name: str  # may hold <label> placeholders, filled from the usage's labels
    price: Decimal  # as written, per `per_label`
    per_label: str  # `MB`, `day`, `each`
    unit_price: Fraction  # per base unit of the quantity (per byte, per day, per each)
    basis: RecordBasis = attrs.field(converter=RecordBasis)
    statuses: tuple[Status, ...] = attrs.field(converter=_statuses)
    to_statuses: tuple[Status, ...] = attrs.field(converter=_statuses)
    source: str | None  # the option, or the usage meter
    allowance: Fraction  # base units a day not billed
    round_step: Fraction | None  # base units: a day's usage rounded up to this step
    rounded_name: str | None  # the record the rounding difference is billed as
    labels: tuple[str, ...]  # the placeholders of `name`
    rule: RuleRef
    monthly: bool = False  # one record a month (dated YYYYMM) instead of one a day
    region: Region = attrs.field(default=Region.ALL, converter=Region)  # the subscribers it applies to

    @property
    def prefix(self) -> str:
        """The name before its first placeholder: `dataTrafficCharge`."""
        return self.name.split("-<", 1)[0]


@attrs.frozen
class DiscountRule:
    name: str
    kind: DiscountKind = attrs.field(converter=DiscountKind)
    record: str | None  # the record prefix it reduces
    amount: Fraction | None  # base units (free per subscriber, or the volume threshold)
    percent: Fraction | None
    rule: RuleRef


class CouponTarget(StrEnum):
    """What a coupon takes its discount off."""

    INVOICE = "invoice"
    PLAN_FEE = "plan fee"
    ITEMS = "items"


class CouponTerm(StrEnum):
    """How long a coupon lasts once redeemed: the first bill, a number of months, or always."""

    ONCE = "once"
    MONTHS = "months"
    FOREVER = "forever"


@attrs.frozen
class Coupon:
    """`coupon WELCOME20: 20% off the plan fee for 3 months`: a discount an account redeems on
    its timeline. Exactly one of `percent` (a share, 0.2) and `amount` (money) is set; `items`
    names the items of an ITEMS coupon; `months` is the months of a MONTHS coupon, counted from
    the month it is redeemed in."""

    name: str
    percent: Fraction | None
    amount: Decimal | None
    target: CouponTarget = attrs.field(converter=CouponTarget)
    items: tuple[str, ...]
    term: CouponTerm = attrs.field(converter=CouponTerm)
    months: int | None
    rule: RuleRef


@attrs.frozen
class Pool:
    """`pool minutes: linux_minutes, windows_minutes × 2`: an allowance shared by usage items,
    each unit of an item drawing `rate` of it; a plan sets how much it includes (`Plan.pools`).
    Its members are usage meters summed monthly, in one unit (`unit`)."""

    name: str
    members: tuple[tuple[str, Fraction], ...]  # (item, rate), in the order written
    unit: Unit
    rule: RuleRef


@attrs.frozen
class AddOn:
    """`add-on Extra-Storage: $ 5 per pack per month`: bought beside a plan, in a quantity,
    prorated by day as a fee per seat is; each unit adds `includes` (item -> base units) to the
    plan's included amounts. `unit` is the quantity's word (`pack`), "" for an add-on bought once
    (`$ 49 per month`: quantity 1). `plans`: the plans it is available on (every plan of the
    catalog when the add-on does not say, `available_rule` None)."""

    name: str
    fee: Decimal
    unit: str
    plans: tuple[str, ...]
    includes: dict[str, Fraction]
    rule: RuleRef
    available_rule: RuleRef | None = None
    include_rules: dict[str, RuleRef] = attrs.Factory(dict)
    # `no refund on removal`: a unit removed is billed to the period's end (each day bills the
    # most held so far in the period, `rules.seat_quantities`), as a plan's seats may be
    removals_refunded: bool = True
    removal_rule: RuleRef | None = None


@attrs.frozen
class Product:
    """`product Chat: Free, Pro, Business`: a product's plans, lowest first, ordered among
    themselves (PL240) and changed between only within the product."""

    name: str
    plans: tuple[str, ...]
    rule: RuleRef


@attrs.frozen
class Catalog:
    name: str
    path: str
    currency: str
    uptime_step: Fraction | None
    units: dict[str, Unit]
    meters: dict[str, Meter]
    plans: tuple[Plan, ...]
    slas: dict[str, SlaLevel]
    changes: tuple[ChangeRule, ...] = ()
    quotas: dict[str, QuotaRule] = attrs.Factory(dict)
    ladders: tuple[Ladder, ...] = ()
    calendar: Calendar | None = None
    suspended_not_billed: bool = False
    suspension_rule: RuleRef | None = None
    records: tuple[RecordRule, ...] = ()
    discounts: tuple[DiscountRule, ...] = ()
    # coupons of a plan catalog, in the order they apply when several do (the file's)
    coupons: dict[str, Coupon] = attrs.Factory(dict)
    pools: dict[str, Pool] = attrs.Factory(dict)  # shared allowances, by name
    # every currency the catalog prices in, the first the default (`currencies USD, EUR, JPY`);
    # `currency` is this catalog's, every amount in it is in that currency
    currencies: tuple[str, ...] = ()
    # the catalog of each currency, this one included, when there are several (set once, when
    # checked): the same rules, every amount in that currency
    priced: dict[str, Catalog] = attrs.field(factory=dict, eq=False, repr=False)

    def priced_in(self, currency: str | None) -> Catalog:
        """This catalog with every amount in `currency` (this one for None, or for a currency
        it does not price in: whoever asks reports that)."""
        return self.priced.get(currency, self) if currency is not None else self

    add_ons: dict[str, AddOn] = attrs.Factory(dict)  # bought beside a plan, by name
    products: tuple[Product, ...] = ()  # none: the catalog's plans are one product

    def product_of(self, plan: str) -> Product | None:
        return next((p for p in self.products if plan in p.plans), None)

    def product_plans(self, plan: str) -> tuple[Plan, ...]:
        """The plans of `plan`'s product, lowest first (the catalog's, with no products)."""
        product = self.product_of(plan)
        if product is None:
            return self.plans
        return tuple(p for name in product.plans if (p := self.plan(name)) is not None)

    @property
    def ranks(self) -> dict[str, int]:
        return {p.name: p.rank for p in self.plans}

    def change_rule(self, old: str, new: str) -> ChangeRule | None:
        """The most specific rule for a change from `old` to `new` (the checker rules out ties)."""
        ranks = self.ranks
        found = [r for r in self.changes if r.matches(ranks, old, new)]
        return max(found, key=lambda r: r.specificity) if found else None

    def ladder_of(self, plan: str) -> Ladder | None:
        return next((ladder for ladder in self.ladders if plan in ladder.tiers), None)

    def next_plan(self, plan: str) -> str | None:
        """The next higher plan (in its ladder if it has one, else in its product's order, else in
        the catalog's)."""
        ladder = self.ladder_of(plan)
        product = self.product_of(plan)
        order = ladder.tiers if ladder else product.plans if product else self.plan_names
        index = order.index(plan)
        return order[index + 1] if index + 1 < len(order) else None

    def plan(self, name: str) -> Plan | None:
        for plan in self.plans:
            if plan.name == name:
                return plan
        return None

    @property
    def plan_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.plans)
